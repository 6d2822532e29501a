/**
 * The 2.3 bootstrap messages have no Go reference in Debian's containerd 1.6:
 * checked here against the field numbers of the protocol, written out by hand.
 */
import { describe, expect, it } from 'vitest';
import { BootstrapParams, BootstrapResult, RuntimeOptions } from '../../../src/shim/proto/options.js';
import { WIRE_LEN, Writer } from '../../../src/shim/proto/wire.js';
import { packAny } from '../../../src/shim/proto/wkt.js';

describe('bootstrap protocol messages', () => {
  it('reads BootstrapParams by field number, runtime options in an extension', () => {
    const w = new Writer();
    const str = (no: number, s: string) => {
      w.tag(no, WIRE_LEN);
      w.string(s);
    };
    str(1, 'c1');
    str(2, 'default');
    str(3, 'debug');
    str(4, '2.3.0');
    str(5, '/run/containerd/containerd.sock.ttrpc');
    str(6, '/run/containerd/containerd.sock');
    str(7, '/usr/bin/containerd');
    const ext = new Writer();
    ext.tag(1, WIRE_LEN);
    const any = packAny(RuntimeOptions, { configPath: '/etc/runj.toml' });
    const anyBytes = new Writer();
    anyBytes.tag(1, WIRE_LEN);
    anyBytes.string(any.typeUrl);
    anyBytes.tag(2, WIRE_LEN);
    anyBytes.bytes(any.value);
    ext.bytes(anyBytes.finish());
    w.tag(8, WIRE_LEN);
    w.bytes(ext.finish());
    str(9, '/run/containerd/s');
    expect(BootstrapParams.decode(w.finish())).toEqual({
      instanceId: 'c1',
      namespace: 'default',
      logLevel: 'debug',
      containerdVersion: '2.3.0',
      ttrpcAddress: '/run/containerd/containerd.sock.ttrpc',
      grpcAddress: '/run/containerd/containerd.sock',
      containerdBinary: '/usr/bin/containerd',
      extensions: [{ value: any }],
      socketDir: '/run/containerd/s',
    });
  });

  it('writes BootstrapResult: version, address, protocol, capabilities, metadata', () => {
    const bytes = BootstrapResult.encode({ version: 3, address: 'unix:///s', protocol: 'ttrpc', capabilities: ['a'], metadata: { k: 'v' } });
    const hex = Buffer.from(bytes).toString('hex');
    const s = (t: string, v: string) => t + Buffer.from([v.length]).toString('hex') + Buffer.from(v).toString('hex');
    expect(hex).toBe('0803' + s('12', 'unix:///s') + s('1a', 'ttrpc') + s('22', 'a') + '2a06' + s('0a', 'k') + s('12', 'v'));
  });
});
