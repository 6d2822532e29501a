/**
 * ttrpc framing: a 10-byte header (payload length uint32 BE, stream id
 * uint32 BE, message type, flags) before each payload. A payload longer than
 * 4 MiB is never buffered: its bytes are discarded as they arrive and the
 * caller is told which stream it was, so it can answer ResourceExhausted and
 * keep the connection (what containerd's Go ttrpc does).
 */
export const HEADER_SIZE = 10;
export const MAX_MESSAGE = 4 << 20;

export const TYPE_REQUEST = 1;
export const TYPE_RESPONSE = 2;
export const TYPE_DATA = 3;

/** Request flags: the client will send data frames (streaming); unary requests carry 0. */
export const FLAG_REMOTE_CLOSED = 0x01;
export const FLAG_REMOTE_OPEN = 0x02;

export interface Frame {
  readonly streamId: number;
  readonly type: number;
  readonly flags: number;
  readonly payload: Buffer;
}

export type Decoded = ({ readonly oversized: false } & Frame) | { readonly oversized: true; readonly streamId: number; readonly type: number; readonly length: number };

export function encodeFrame(streamId: number, type: number, payload: Uint8Array, flags = 0): Buffer {
  const out = Buffer.allocUnsafe(HEADER_SIZE + payload.length);
  out.writeUInt32BE(payload.length, 0);
  out.writeUInt32BE(streamId >>> 0, 4);
  out[8] = type;
  out[9] = flags;
  out.set(payload, HEADER_SIZE);
  return out;
}

/** Splits a byte stream into frames; feed it every chunk a socket delivers. */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private have = 0;
  private discarding = 0;

  constructor(private readonly max = MAX_MESSAGE) {}

  push(chunk: Buffer): Decoded[] {
    if (this.discarding > 0) {
      const n = Math.min(this.discarding, chunk.length);
      this.discarding -= n;
      chunk = chunk.subarray(n);
    }
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.have += chunk.length;
    }
    const out: Decoded[] = [];
    while (this.discarding === 0 && this.have >= HEADER_SIZE) {
      const head = this.peek(HEADER_SIZE);
      const length = head.readUInt32BE(0);
      const streamId = head.readUInt32BE(4);
      const type = head[8]!;
      if (length > this.max) {
        this.take(HEADER_SIZE);
        const n = Math.min(length, this.have);
        this.take(n);
        this.discarding = length - n;
        out.push({ oversized: true, streamId, type, length });
        continue;
      }
      if (this.have < HEADER_SIZE + length) break;
      const whole = this.take(HEADER_SIZE + length);
      out.push({ oversized: false, streamId, type, flags: whole[9]!, payload: whole.subarray(HEADER_SIZE) });
    }
    return out;
  }

  /** Bytes buffered towards the next frame (tests check nothing piles up). */
  get buffered(): number {
    return this.have;
  }

  private peek(n: number): Buffer {
    if (this.chunks[0]!.length < n) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!;
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const rest = all.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.have -= n;
    return all.subarray(0, n);
  }
}
