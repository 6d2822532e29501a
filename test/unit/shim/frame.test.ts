import { describe, expect, it } from 'vitest';
import { type Decoded, FrameDecoder, HEADER_SIZE, MAX_MESSAGE, TYPE_REQUEST, TYPE_RESPONSE, encodeFrame } from '../../../src/shim/ttrpc/frame.js';

const frames = (d: Decoded[]) => d.map((x) => (x.oversized ? { oversized: x.streamId, length: x.length } : { id: x.streamId, type: x.type, flags: x.flags, payload: x.payload.toString() }));

describe('ttrpc framing', () => {
  it('writes the 10-byte header: length and stream id big-endian, type, flags', () => {
    expect(encodeFrame(0x01020304, TYPE_RESPONSE, Buffer.from('ab'), 0x05).toString('hex')).toBe('00000002010203040205' + '6162');
  });

  it('reassembles frames split anywhere and splits frames sharing a chunk', () => {
    const stream = Buffer.concat([
      encodeFrame(1, TYPE_REQUEST, Buffer.from('first')),
      encodeFrame(3, TYPE_REQUEST, Buffer.alloc(0)),
      encodeFrame(5, TYPE_REQUEST, Buffer.from('third'), 1),
    ]);
    const expected = [
      { id: 1, type: 1, flags: 0, payload: 'first' },
      { id: 3, type: 1, flags: 0, payload: '' },
      { id: 5, type: 1, flags: 1, payload: 'third' },
    ];
    for (const size of [1, 3, HEADER_SIZE, 11, stream.length]) {
      const d = new FrameDecoder();
      const got: Decoded[] = [];
      for (let i = 0; i < stream.length; i += size) got.push(...d.push(stream.subarray(i, i + size)));
      expect(frames(got), `chunks of ${size}`).toEqual(expected);
      expect(d.buffered).toBe(0);
    }
  });

  it('reports an oversized frame once, discards its bytes without buffering them, and goes on', () => {
    const d = new FrameDecoder();
    const length = MAX_MESSAGE + 1;
    const head = Buffer.alloc(HEADER_SIZE);
    head.writeUInt32BE(length, 0);
    head.writeUInt32BE(7, 4);
    head[8] = TYPE_REQUEST;
    const got = frames(d.push(head));
    const chunk = Buffer.alloc(64 * 1024);
    let left = length;
    while (left > chunk.length) {
      got.push(...frames(d.push(chunk)));
      expect(d.buffered).toBe(0);
      left -= chunk.length;
    }
    got.push(...frames(d.push(Buffer.concat([chunk.subarray(0, left), encodeFrame(9, TYPE_REQUEST, Buffer.from('next'))]))));
    expect(got).toEqual([{ oversized: 7, length }, { id: 9, type: 1, flags: 0, payload: 'next' }]);
  });

  it('accepts exactly 4 MiB', () => {
    const d = new FrameDecoder();
    const [one] = d.push(encodeFrame(1, TYPE_REQUEST, Buffer.alloc(MAX_MESSAGE)));
    expect(one?.oversized).toBe(false);
  });
});
