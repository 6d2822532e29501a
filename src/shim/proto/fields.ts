/**
 * Per-field encode and decode for message.ts. Go's generated code is the
 * reference for byte equality: repeated numbers are packed, map entries carry
 * both key and value even when empty, a present nested message is written even
 * when empty. Decode accepts packed and unpacked repeated numbers alike.
 */
import type { Field, Scalar } from './types.js';
import { type Reader, WIRE_LEN, WIRE_VARINT, Writer, protoError } from './wire.js';

const U32 = 0xffff_ffff;

function fail(where: string, what: string): never {
  throw protoError(`${where}: ${what}`);
}

function writeScalar(w: Writer, kind: Scalar, v: unknown, where: string): void {
  switch (kind) {
    case 'string':
      if (typeof v !== 'string') fail(where, 'expected a string');
      w.string(v);
      return;
    case 'bytes':
      if (!(v instanceof Uint8Array)) fail(where, 'expected bytes');
      w.bytes(v);
      return;
    case 'bool':
      if (typeof v !== 'boolean') fail(where, 'expected a boolean');
      w.varint(v ? 1 : 0);
      return;
    default: {
      // A uint64 past 2^53 goes out exactly when the double holds it exactly (cgroup v1's
      // "no limit", 2^63-4096, does): varint's division by 128 is exact for any integral double.
      if (kind === 'uint64' && typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 2 ** 64) {
        w.varint(v);
        return;
      }
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) fail(where, 'expected an integer');
      if (kind === 'uint32' && (v < 0 || v > U32)) fail(where, `${v} out of uint32 range`);
      if ((kind === 'int32' || kind === 'enum') && (v < -0x8000_0000 || v > 0x7fff_ffff)) fail(where, `${v} out of int32 range`);
      if (kind === 'uint64' && v < 0) fail(where, `${v} is negative`);
      w.signed(v);
    }
  }
}

const isDefault = (v: unknown): boolean =>
  v === '' || v === 0 || v === false || (v instanceof Uint8Array && v.length === 0);

export function writeField(w: Writer, fd: Field<unknown>, v: unknown, msg: string, key: string): void {
  if (v === undefined || v === null) return;
  const where = `${msg}.${key}`;
  const lenPrefixed = fd.kind === 'string' || fd.kind === 'bytes' || fd.kind === 'message';
  if (fd.kind === 'map') {
    if (typeof v !== 'object') fail(where, 'expected an object of strings');
    for (const k of Object.keys(v).sort()) {
      const val = (v as Record<string, unknown>)[k];
      if (val === undefined) continue;
      const entry = new Writer();
      entry.tag(1, WIRE_LEN);
      entry.string(k);
      entry.tag(2, WIRE_LEN);
      writeScalar(entry, 'string', val, `${where}[${k}]`);
      w.tag(fd.no, WIRE_LEN);
      w.bytes(entry.finish());
    }
  } else if (fd.repeated) {
    if (!Array.isArray(v)) fail(where, 'expected an array');
    if (lenPrefixed) {
      for (const item of v) writeOne(w, fd, item, where);
    } else if (v.length > 0) {
      const packed = new Writer();
      for (const item of v) writeScalar(packed, fd.kind as Scalar, item, where);
      w.tag(fd.no, WIRE_LEN);
      w.bytes(packed.finish());
    }
  } else if (fd.kind === 'message' || !isDefault(v)) {
    writeOne(w, fd, v, where);
  }
}

function writeOne(w: Writer, fd: Field<unknown>, v: unknown, where: string): void {
  if (fd.kind === 'message') {
    if (typeof v !== 'object' || v === null) fail(where, 'expected a message object');
    const sub = new Writer();
    fd.type!.write(sub, v as never);
    w.tag(fd.no, WIRE_LEN);
    w.bytes(sub.finish());
    return;
  }
  w.tag(fd.no, fd.kind === 'string' || fd.kind === 'bytes' ? WIRE_LEN : WIRE_VARINT);
  writeScalar(w, fd.kind as Scalar, v, where);
}

function text(r: Reader, [s, e]: [number, number]): string {
  return Buffer.from(r.buf.buffer, r.buf.byteOffset + s, e - s).toString('utf8');
}

function readNumber(r: Reader, kind: Scalar): number | boolean {
  switch (kind) {
    case 'bool': {
      const [lo, hi] = r.varint64();
      return lo !== 0 || hi !== 0;
    }
    case 'int32':
    case 'enum':
      return r.varint64()[0] | 0;
    case 'uint32':
      return r.varint64()[0];
    case 'int64':
      return r.int64();
    default:
      return r.uint64();
  }
}

export function readField(r: Reader, fd: Field<unknown>, wire: number, m: Record<string, unknown>, key: string, msg: string): void {
  const numeric = fd.kind !== 'string' && fd.kind !== 'bytes' && fd.kind !== 'message' && fd.kind !== 'map';
  if (numeric && fd.repeated && wire === WIRE_LEN) {
    const [start, end] = r.span();
    r.pos = start;
    readPacked(r, fd, end, m[key] as unknown[]);
    return;
  }
  const expected = numeric ? WIRE_VARINT : WIRE_LEN;
  if (wire !== expected) fail(`${msg}.${key}`, `wire type ${wire}, expected ${expected}`);
  let value: unknown;
  if (numeric) value = readNumber(r, fd.kind as Scalar);
  else {
    const span = r.span();
    if (fd.kind === 'string') value = text(r, span);
    else if (fd.kind === 'bytes') value = new Uint8Array(r.buf.subarray(span[0], span[1])); // a copy, not a view of the socket's buffer
    else if (fd.kind === 'message') {
      r.pos = span[0];
      value = fd.type!.read(r, span[1]);
      r.pos = span[1];
    } else {
      readMapEntry(r, span, m[key] as Record<string, string>);
      return;
    }
  }
  if (fd.repeated) (m[key] as unknown[]).push(value);
  else m[key] = value;
}

function readPacked(r: Reader, fd: Field<unknown>, end: number, out: unknown[]): void {
  while (r.pos < end) out.push(readNumber(r, fd.kind as Scalar));
  if (r.pos !== end) throw protoError('packed field overruns its length');
}

function readMapEntry(r: Reader, [s, e]: [number, number], out: Record<string, string>): void {
  r.pos = s;
  let k = '';
  let v = '';
  while (r.pos < e) {
    const tag = r.uint32();
    if (tag === (1 << 3) + WIRE_LEN) k = text(r, r.span());
    else if (tag === (2 << 3) + WIRE_LEN) v = text(r, r.span());
    else r.skip(tag & 7);
  }
  r.pos = e;
  out[k] = v;
}
