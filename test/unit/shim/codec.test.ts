import { describe, expect, it } from 'vitest';
import { RuntimeError } from '../../../src/core/errors.js';
import { f, message } from '../../../src/shim/proto/message.js';
import { KillRequest, Mount, StateResponse, UpdateTaskRequest } from '../../../src/shim/proto/task.js';
import { Writer, WIRE_FIXED32, WIRE_FIXED64, WIRE_LEN, WIRE_VARINT } from '../../../src/shim/proto/wire.js';
import { Any, jsonAny, packAny, timestamp, timestampMs, unpackAny } from '../../../src/shim/proto/wkt.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (build: (w: Writer) => void): Uint8Array => {
  const w = new Writer();
  build(w);
  return w.finish();
};

describe('protobuf codec', () => {
  it('skips unknown fields of every wire type', () => {
    const b = bytes((w) => {
      w.tag(99, WIRE_VARINT);
      w.varint(2 ** 40);
      w.tag(1, WIRE_LEN);
      w.string('c1');
      w.tag(100, WIRE_FIXED64);
      for (let i = 0; i < 8; i++) w.varint(1);
      w.tag(101, WIRE_FIXED32);
      for (let i = 0; i < 4; i++) w.varint(1);
      w.tag(102, WIRE_LEN);
      w.bytes(new Uint8Array([1, 2, 3]));
      w.tag(3, WIRE_VARINT);
      w.varint(9);
    });
    expect(KillRequest.decode(b)).toEqual({ id: 'c1', execId: '', signal: 9, all: false });
  });

  it('packs repeated numbers and reads them packed or not', () => {
    const Pids = message('test.Pids', { pids: f.repeatedUint32(1), big: f.repeatedUint64(2) });
    expect(hex(Pids.encode({ pids: [1, 300, 0] }))).toBe('0a0401ac0200');
    const unpacked = bytes((w) => {
      for (const n of [1, 300]) {
        w.tag(1, WIRE_VARINT);
        w.varint(n);
      }
      w.tag(1, WIRE_LEN);
      w.bytes(new Uint8Array([5, 6]));
    });
    expect(Pids.decode(unpacked).pids).toEqual([1, 300, 5, 6]);
    expect(Pids.decode(Pids.encode({ big: [2 ** 53 - 1] })).big).toEqual([2 ** 53 - 1]);
  });

  it('writes negative int32 and int64 as ten-byte varints and reads them back', () => {
    const M = message('test.Signed', { a: f.int32(1), b: f.int64(2) });
    const b = M.encode({ a: -1, b: -62135596800 });
    expect(b.length).toBe(22);
    expect(M.decode(b)).toEqual({ a: -1, b: -62135596800 });
  });

  it('refuses integers it cannot represent exactly', () => {
    const M = message('test.U64', { v: f.uint64(1) });
    const past = bytes((w) => {
      w.tag(1, WIRE_VARINT);
      w.signed(-1); // 2^64-1 as a uint64
    });
    expect(() => M.decode(past)).toThrow(/past 2\^53/);
  });

  it('names the field when a value has the wrong type or range', () => {
    expect(() => KillRequest.encode({ signal: '9' as unknown as number })).toThrow(
      'protobuf: containerd.task.v2.KillRequest.signal: expected an integer',
    );
    expect(() => KillRequest.encode({ signal: 2 ** 32 })).toThrow(/signal: 4294967296 out of uint32 range/);
    expect(() => KillRequest.encode({ id: 7 as unknown as string })).toThrow(/KillRequest\.id: expected a string/);
  });

  it('reports truncated or inconsistent input as EINVALID', () => {
    const full = StateResponse.encode({ id: 'c1', bundle: '/b', exitedAt: { seconds: 5, nanos: 6 } });
    expect(hex(full)).toBe('0a026331' + '12022f62' + '520408051006');
    const fieldEnds = [4, 8];
    for (const n of fieldEnds) expect(StateResponse.decode(full.subarray(0, n)).id).toBe('c1');
    for (let n = 1; n < full.length; n++) {
      if (fieldEnds.includes(n)) continue;
      const err = (() => {
        try {
          StateResponse.decode(full.subarray(0, n));
        } catch (e) {
          return e;
        }
      })();
      expect(err, `prefix of ${n} bytes`).toBeInstanceOf(RuntimeError);
      expect((err as RuntimeError).code).toBe('EINVALID');
    }
    const wrongWire = bytes((w) => {
      w.tag(3, WIRE_LEN);
      w.string('x');
    });
    expect(() => KillRequest.decode(wrongWire)).toThrow(/KillRequest\.signal: wire type 2, expected 0/);
    // A nested message whose last field runs past the nested length.
    const overrun = new Uint8Array([0x52, 0x02, 0x08, 0x96, 0x01]);
    expect(() => StateResponse.decode(overrun)).toThrow(/protobuf/);
  });

  it('encodes map entries sorted by key and decodes entries missing a key or value', () => {
    const b = UpdateTaskRequest.encode({ annotations: { zeta: '1', alpha: '' } });
    expect(hex(b)).toBe(`1a09${hex(Buffer.from('\x0a\x05alpha\x12\x00'))}1a09${hex(Buffer.from('\x0a\x04zeta\x12\x011'))}`);
    const partial = bytes((w) => {
      w.tag(3, WIRE_LEN);
      w.bytes(
        bytes((e) => {
          e.tag(2, WIRE_LEN);
          e.string('only-value');
        }),
      );
    });
    expect(UpdateTaskRequest.decode(partial).annotations).toEqual({ '': 'only-value' });
  });

  it('fills defaults on decode and leaves defaults out on encode', () => {
    expect(StateResponse.encode({ id: '', pid: 0, terminal: false }).length).toBe(0);
    expect(Mount.decode(new Uint8Array(0))).toEqual({ type: '', source: '', target: '', options: [] });
    expect(hex(StateResponse.encode({ exitedAt: { seconds: 0, nanos: 0 } }))).toBe('5200');
  });

  it('keeps decoded bytes independent of the input buffer', () => {
    const input = Any.encode({ typeUrl: 'x', value: new Uint8Array([1, 2]) });
    const copy = new Uint8Array(input);
    const any = Any.decode(copy);
    copy.fill(0);
    expect([...any.value]).toEqual([1, 2]);
  });

  it('packs and checks Any, and reads JSON-valued ones', () => {
    const any = packAny(KillRequest, { id: 'c1', signal: 15 });
    expect(any.typeUrl).toBe('containerd.task.v2.KillRequest');
    expect(unpackAny(KillRequest, any).signal).toBe(15);
    expect(unpackAny(KillRequest, { ...any, typeUrl: 'type.googleapis.com/containerd.task.v2.KillRequest' }).id).toBe('c1');
    expect(() => unpackAny(Mount, any)).toThrow('Any holds containerd.task.v2.KillRequest, expected containerd.types.Mount');
    const spec = { typeUrl: 'types.containerd.io/opencontainers/runtime-spec/1/Process', value: Buffer.from('{"args":["sh"]}') };
    expect(jsonAny(spec, 'Process')).toEqual({ args: ['sh'] });
    expect(() => jsonAny(spec, 'LinuxResources')).toThrow(/expected types\.containerd\.io\/.*LinuxResources/);
    expect(jsonAny(undefined, 'Process')).toBeUndefined();
  });

  it('refuses a message definition with clashing or invalid field numbers', () => {
    expect(() => message('test.Clash', { a: f.string(1), b: f.bool(1) })).toThrow('test.Clash: field numbers must be distinct');
    expect(() => message('test.Zero', { a: f.string(0) })).toThrow(/test\.Zero/);
  });

  it('converts timestamps both ways, before 1970 too', () => {
    expect(timestamp(1700000000123)).toEqual({ seconds: 1700000000, nanos: 123000000 });
    expect(timestampMs({ seconds: 1700000000, nanos: 123456789 })).toBe(1700000000123);
    expect(timestamp(-1500)).toEqual({ seconds: -2, nanos: 500000000 });
    expect(timestampMs(timestamp(-1500))).toBe(-1500);
  });
});
