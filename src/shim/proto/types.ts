/** The types of message descriptors (message.ts builds them, fields.ts reads and writes their fields). */
import type { Reader, Writer } from './wire.js';

export type Scalar = 'string' | 'bytes' | 'bool' | 'int32' | 'uint32' | 'int64' | 'uint64' | 'enum';

export interface Field<V> {
  readonly no: number;
  readonly kind: Scalar | 'message' | 'map';
  readonly repeated: boolean;
  readonly type?: MessageType<unknown>;
  /** Phantom: carries the value type for inference only. */
  readonly __value?: V;
}

export type Value<K extends Scalar> = K extends 'string' ? string : K extends 'bytes' ? Uint8Array : K extends 'bool' ? boolean : number;

/** What encode accepts: any field may be left out, recursively. */
export type Init<T> = { [K in keyof T]?: InitValue<T[K]> };
type InitValue<V> = V extends Uint8Array | string | number | boolean | undefined
  ? V
  : V extends readonly (infer E)[]
    ? InitValue<E>[]
    : V extends Record<string, string>
      ? Record<string, string>
      : Init<V>;

export interface MessageType<T> {
  readonly name: string;
  /** Fields in ascending number order. */
  readonly fields: readonly (readonly [string, Field<unknown>])[];
  encode(value: Init<T>): Uint8Array;
  decode(bytes: Uint8Array): T;
  /** A message with every field at its default, then `init` applied. */
  create(init?: Init<T>): T;
  /** Internal: write the fields of `value` into `w`. */
  write(w: Writer, value: Init<T>): void;
  /** Internal: read fields from `r` up to `end`. */
  read(r: Reader, end: number): T;
}

export type MessageOf<M> = M extends MessageType<infer T> ? T : never;
