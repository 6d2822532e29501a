/**
 * start's reply in each form containerd reads, and what it makes of stdin:
 * 1.6 plain address, 1.7/2.x JSON (MAX_SHIM_VERSION), 2.3 bootstrap
 * (protobuf BootstrapParams in, BootstrapResult out), decoded with the
 * project's codec.
 */
import { describe, expect, it } from 'vitest';
import { BootstrapParams, BootstrapResult, RuncOptions, RuntimeOptions } from '../../../src/shim/proto/options.js';
import { Any, packAny } from '../../../src/shim/proto/wkt.js';
import { readSetup, runjOptions, startReply } from '../../../src/shim/reply.js';

const address = 'unix:///run/containerd/s/0123abcd';
const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');
const input = (stdin: Uint8Array, env: NodeJS.ProcessEnv = {}) => ({ id: 'c1', namespace: 'default', env, stdin });

describe('start reply by containerd version', () => {
  it('1.6 (no MAX_SHIM_VERSION): the plain address', () => {
    const setup = readSetup(input(new Uint8Array(0)));
    expect(text(startReply(address, setup, { TTRPC_ADDRESS: '/run/containerd/containerd.sock.ttrpc' }))).toBe(address);
  });

  it('1.7 and 2.0-2.2 (MAX_SHIM_VERSION=2): JSON version 2 over ttrpc', () => {
    const env = { MAX_SHIM_VERSION: '2', GRPC_ADDRESS: '/run/containerd/containerd.sock', NAMESPACE: 'default' };
    const reply = startReply(address, readSetup(input(new Uint8Array(0), env)), env);
    expect(JSON.parse(text(reply))).toEqual({ version: 2, address, protocol: 'ttrpc' });
  });

  it('never answers a version above 3 or above what containerd allows', () => {
    const setup = readSetup(input(new Uint8Array(0)));
    expect(JSON.parse(text(startReply(address, setup, { MAX_SHIM_VERSION: '9' }))).version).toBe(3);
    expect(text(startReply(address, setup, { MAX_SHIM_VERSION: '1' }))).toBe(address);
    expect(text(startReply(address, setup, { MAX_SHIM_VERSION: 'x' }))).toBe(address);
  });

  it('2.3+: a matching BootstrapParams gets a BootstrapResult (version 3, ttrpc), options from its extension', () => {
    const options = packAny(RuntimeOptions, { configPath: '/etc/runj.toml' });
    const params = BootstrapParams.encode({
      instanceId: 'c1',
      namespace: 'default',
      containerdVersion: '2.3.0',
      ttrpcAddress: '/run/containerd/containerd.sock.ttrpc',
      extensions: [{ value: options }],
    });
    const setup = readSetup(input(params, { MAX_SHIM_VERSION: '2' }));
    expect(setup.bootstrap?.containerdVersion).toBe('2.3.0');
    expect(runjOptions(setup.options)?.configPath).toBe('/etc/runj.toml');
    const result = BootstrapResult.decode(startReply(address, setup, { MAX_SHIM_VERSION: '2' }));
    expect(result).toEqual(BootstrapResult.create({ version: 3, address, protocol: 'ttrpc' }));
  });

  it('a BootstrapParams for another id or namespace is not the bootstrap protocol', () => {
    for (const [instanceId, namespace] of [['c2', 'default'], ['c1', 'other']] as const) {
      const setup = readSetup(input(BootstrapParams.encode({ instanceId, namespace })));
      expect(setup.bootstrap).toBeUndefined();
      expect(text(startReply(address, setup, {}))).toBe(address);
    }
  });

  it('up to 2.2, stdin is the runtime options Any: decoded, unknown types ignored, garbage tolerated', () => {
    const runc = Any.encode(packAny(RuncOptions, { binaryName: 'runj', systemdCgroup: true }));
    const setup = readSetup(input(runc, { MAX_SHIM_VERSION: '2' }));
    expect(setup.bootstrap).toBeUndefined();
    expect(setup.options?.typeUrl).toBe('containerd.runc.v1.Options');
    expect(runjOptions(setup.options)).toBeUndefined();
    const ours = readSetup(input(Any.encode(packAny(RuntimeOptions, { configPath: '/x' }, 'runtimeoptions.v1.Options'))));
    expect(runjOptions(ours.options)?.configPath).toBe('/x');
    const junk = readSetup(input(new Uint8Array([0xff, 0xff, 0xff])));
    expect(junk).toEqual({ bootstrap: undefined, options: undefined });
    expect(text(startReply(address, junk, {}))).toBe(address);
  });
});
