/**
 * google.protobuf well-known types the shim uses (Timestamp, Any, Empty) and
 * conversions. Type URLs: containerd's events carry the bare proto name
 * ("containerd.events.TaskExit"); specs and resources use
 * "types.containerd.io/opencontainers/runtime-spec/1/…" with a JSON value.
 */
import { type Init, type MessageOf, type MessageType, f, message } from './message.js';

export const Timestamp = message('google.protobuf.Timestamp', { seconds: f.int64(1), nanos: f.int32(2) });
export type Timestamp = MessageOf<typeof Timestamp>;

export const Any = message('google.protobuf.Any', { typeUrl: f.string(1), value: f.bytes(2) });
export type Any = MessageOf<typeof Any>;

export const Empty = message('google.protobuf.Empty', {});
export type Empty = MessageOf<typeof Empty>;

/** Milliseconds since the epoch (Date.now()) or a Date, to a Timestamp. */
export function timestamp(at: number | Date): Timestamp {
  const ms = typeof at === 'number' ? at : at.getTime();
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: Math.round((ms - seconds * 1000) * 1e6) };
}

/** A Timestamp to milliseconds since the epoch. */
export function timestampMs(t: Timestamp): number {
  return t.seconds * 1000 + Math.floor(t.nanos / 1e6);
}

/** Packs a message into an Any under its proto name (how containerd's events travel). */
export function packAny<T>(type: MessageType<T>, value: Init<T>, typeUrl = type.name): Any {
  return { typeUrl, value: type.encode(value) };
}

/** Unpacks an Any, checking the type URL names the expected message. */
export function unpackAny<T>(type: MessageType<T>, any: Any, typeUrl = type.name): T {
  const url = any.typeUrl.startsWith('/') ? any.typeUrl.slice(1) : any.typeUrl;
  if (url !== typeUrl && !url.endsWith(`/${typeUrl}`)) {
    throw new TypeError(`Any holds ${any.typeUrl || '(no type)'}, expected ${typeUrl}`);
  }
  return type.decode(any.value);
}

export const SPEC_TYPE_PREFIX = 'types.containerd.io/opencontainers/runtime-spec/1/';

/** A JSON-valued Any (Exec's Process spec, Update's LinuxResources). */
export function jsonAny(any: Any | undefined, expected: string): unknown {
  if (!any) return undefined;
  if (any.typeUrl !== SPEC_TYPE_PREFIX + expected) {
    throw new TypeError(`Any holds ${any.typeUrl || '(no type)'}, expected ${SPEC_TYPE_PREFIX + expected}`);
  }
  return JSON.parse(Buffer.from(any.value).toString('utf8'));
}
