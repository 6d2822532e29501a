/**
 * Typed message descriptors: `message(name, {field: f.kind(no)})` gives a
 * MessageType whose TS type is inferred from the shape. Proto3 semantics:
 * scalars at their default are not written, decode fills every field with its
 * default first, unknown fields are skipped, fields go out in number order
 * (what Go's generated marshallers do, so bytes compare equal).
 */
import { readField, writeField } from './fields.js';
import type { Field, MessageType, Scalar, Value } from './types.js';
import { Reader, Writer, protoError } from './wire.js';

export type { Field, Init, MessageOf, MessageType, Scalar } from './types.js';

const scalar =
  <K extends Scalar>(kind: K) =>
  (no: number): Field<Value<K>> => ({ no, kind, repeated: false });
const repeatedScalar =
  <K extends Scalar>(kind: K) =>
  (no: number): Field<Value<K>[]> => ({ no, kind, repeated: true });

export const f = {
  string: scalar('string'),
  bytes: scalar('bytes'),
  bool: scalar('bool'),
  int32: scalar('int32'),
  uint32: scalar('uint32'),
  int64: scalar('int64'),
  uint64: scalar('uint64'),
  /** Enums travel as varints; `E` narrows the TS type. */
  enum: <E extends number = number>(no: number): Field<E> => ({ no, kind: 'enum', repeated: false }),
  repeatedString: repeatedScalar('string'),
  repeatedUint32: repeatedScalar('uint32'),
  repeatedUint64: repeatedScalar('uint64'),
  message: <T>(no: number, type: MessageType<T>): Field<T | undefined> => ({
    no,
    kind: 'message',
    repeated: false,
    type: type as MessageType<unknown>,
  }),
  messages: <T>(no: number, type: MessageType<T>): Field<T[]> => ({
    no,
    kind: 'message',
    repeated: true,
    type: type as MessageType<unknown>,
  }),
  /** map<string, string> */
  map: (no: number): Field<Record<string, string>> => ({ no, kind: 'map', repeated: false }),
};

type Shape = Record<string, Field<unknown>>;
type Built<S extends Shape> = { -readonly [K in keyof S]: S[K] extends Field<infer V> ? V : never };

export function message<S extends Shape>(name: string, shape: S): MessageType<Built<S>> {
  const fields = Object.entries(shape).sort((a, b) => a[1].no - b[1].no);
  const byNo = new Map<number, readonly [string, Field<unknown>]>(fields.map((e) => [e[1].no, e]));
  if (byNo.size !== fields.length || fields.some(([, fd]) => !Number.isInteger(fd.no) || fd.no < 1 || fd.no >= 2 ** 29)) {
    throw new Error(`${name}: field numbers must be distinct integers from 1 to 2^29-1`);
  }
  const type: MessageType<Built<S>> = {
    name,
    fields,
    create(init) {
      const m: Record<string, unknown> = {};
      for (const [key, fd] of fields) m[key] = defaultOf(fd);
      if (init) {
        for (const [key, fd] of fields) {
          const v = (init as Record<string, unknown>)[key];
          if (v === undefined) continue;
          if (fd.kind !== 'message') m[key] = Array.isArray(v) ? [...v] : fd.kind === 'map' ? { ...v } : v;
          else m[key] = fd.repeated ? (v as never[]).map((x) => fd.type!.create(x)) : fd.type!.create(v as never);
        }
      }
      return m as Built<S>;
    },
    write(w, value) {
      const v = value as Record<string, unknown>;
      for (const [key, fd] of fields) writeField(w, fd, v[key], name, key);
    },
    read(r, end) {
      const m = type.create() as Record<string, unknown>;
      while (r.pos < end) {
        const tag = r.uint32();
        const no = tag >>> 3;
        const wire = tag & 7;
        const entry = no === 0 ? undefined : byNo.get(no);
        if (!entry) r.skip(wire);
        else readField(r, entry[1], wire, m, entry[0], name);
      }
      if (r.pos !== end) throw protoError(`${name}: a field overruns the message`);
      return m as Built<S>;
    },
    encode(value) {
      const w = new Writer();
      type.write(w, value);
      return w.finish();
    },
    decode(bytes) {
      return type.read(new Reader(bytes), bytes.length);
    },
  };
  return type;
}

function defaultOf(fd: Field<unknown>): unknown {
  if (fd.repeated) return [];
  switch (fd.kind) {
    case 'string':
      return '';
    case 'bytes':
      return new Uint8Array(0);
    case 'bool':
      return false;
    case 'message':
      return undefined;
    case 'map':
      return {};
    default:
      return 0;
  }
}
