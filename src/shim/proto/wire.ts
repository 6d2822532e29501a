/**
 * Protobuf wire format: the few primitives the shim's messages need (varint,
 * length-delimited, and fixed32/fixed64 for skipping fields we do not know).
 *
 * Own codec rather than @bufbuild/protobuf 2.17, chosen by measurement. Both
 * describe the same 44 messages (the library's through protoc-gen-es 2.13
 * output), bundled as build/bundle.mjs does (esbuild, minified CJS); the work
 * is loading the bundle, then encoding a CreateTaskRequest inside a ttrpc
 * Request, decoding both, and a StateResponse with a Timestamp both ways.
 * Node 20.20 on a shared 2-core machine (load 8-30, so medians are inflated):
 *                          bundle   in-process min/median   process user CPU
 *   own codec              11.7 kB      5.9 / 18.5 ms          60.7 ms
 *   @bufbuild/protobuf     78.7 kB     62.8 / 146 ms          123.8 ms
 *   (empty script: 60.1 ms user CPU; a V8 code cache saves the library ~10%.)
 * Most of the library's cost is building its registry from the embedded file
 * descriptors at load (87 ms min for loading alone, vs 2.8 ms for ours).
 * Start-up is the shim's latency, and the message set is small (scalars,
 * nested, repeated, one string map, Any, Timestamp), so the codec is ours.
 */
import { RuntimeError } from '../../core/errors.js';

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_FIXED32 = 5;

const TWO32 = 0x1_0000_0000;

export function protoError(message: string): RuntimeError {
  return new RuntimeError('EINVALID', `protobuf: ${message}`);
}

/** Appends to a growing buffer; `finish` returns exactly the bytes written. */
export class Writer {
  private buf = Buffer.allocUnsafe(256);
  private pos = 0;

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** Unsigned varint of a non-negative integer up to 2^53. */
  varint(n: number): void {
    this.room(10);
    while (n >= 0x80) {
      this.buf[this.pos++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.pos++] = n;
  }

  /** int32/int64: negatives are sign-extended to ten bytes (two's complement). */
  signed(n: number): void {
    if (n >= 0) {
      this.varint(n);
      return;
    }
    const big = BigInt.asUintN(64, BigInt(n));
    this.varint2(Number(big & 0xffffffffn), Number(big >> 32n));
  }

  private varint2(lo: number, hi: number): void {
    this.room(10);
    while (hi > 0 || lo >= 0x80) {
      this.buf[this.pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    this.buf[this.pos++] = lo;
  }

  tag(no: number, wire: number): void {
    this.varint(no * 8 + wire);
  }

  bytes(b: Uint8Array): void {
    this.varint(b.length);
    this.room(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  string(s: string): void {
    const n = Buffer.byteLength(s);
    this.varint(n);
    this.room(n);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  /** A plain Uint8Array view of the bytes written (values compare equal to decoded bytes). */
  finish(): Uint8Array {
    return new Uint8Array(this.buf.buffer, this.buf.byteOffset, this.pos);
  }
}

/** Reads one message's bytes; every read checks the end so truncation is an error. */
export class Reader {
  pos = 0;
  constructor(
    readonly buf: Uint8Array,
    readonly end = buf.length,
  ) {}

  /** A varint as [low 32 bits, high 32 bits]. */
  varint64(): [number, number] {
    let lo = 0;
    let hi = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (this.pos >= this.end) throw protoError('truncated varint');
      const b = this.buf[this.pos++]!;
      if (shift < 28) lo |= (b & 0x7f) << shift;
      else if (shift === 28) {
        lo |= (b & 0x0f) << 28;
        hi |= (b & 0x7f) >> 4;
      } else hi |= (b & 0x7f) << (shift - 32);
      if (b < 0x80) return [lo >>> 0, hi >>> 0];
    }
    throw protoError('varint longer than 10 bytes');
  }

  uint32(): number {
    return this.varint64()[0];
  }

  /** uint64 as a number; values past 2^53 cannot be represented exactly. */
  uint64(): number {
    const [lo, hi] = this.varint64();
    if (hi > 0x1fffff) throw protoError('uint64 value past 2^53');
    return hi * TWO32 + lo;
  }

  int64(): number {
    const [lo, hi] = this.varint64();
    if (hi < 0x80000000) {
      if (hi > 0x1fffff) throw protoError('int64 value past 2^53');
      return hi * TWO32 + lo;
    }
    const nhi = ~hi >>> 0;
    if (nhi > 0x1fffff) throw protoError('int64 value past -2^53');
    return -(nhi * TWO32 + (~lo >>> 0) + 1);
  }

  /** The extent of a length-delimited field: [start, end). */
  span(): [number, number] {
    const n = this.uint32();
    const start = this.pos;
    if (n > this.end - start) throw protoError('length-delimited field past the end');
    this.pos = start + n;
    return [start, start + n];
  }

  skip(wire: number): void {
    if (wire === WIRE_VARINT) this.varint64();
    else if (wire === WIRE_LEN) this.span();
    else if (wire === WIRE_FIXED64 || wire === WIRE_FIXED32) {
      const n = wire === WIRE_FIXED64 ? 8 : 4;
      if (this.pos + n > this.end) throw protoError('truncated fixed-width field');
      this.pos += n;
    } else throw protoError(`unsupported wire type ${wire}`);
  }
}
