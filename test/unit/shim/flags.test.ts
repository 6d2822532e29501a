import { describe, expect, it } from 'vitest';
import { RuntimeError } from '../../../src/core/errors.js';
import { parseFlags, toArgv } from '../../../src/shim/flags.js';
import { runtimeRoot, socketAddress } from '../../../src/shim/paths.js';

const containerdArgv = [
  '-namespace', 'default',
  '-address', '/run/containerd/containerd.sock',
  '-publish-binary', '/usr/bin/containerd',
  '-id', 'c1',
  '-bundle', '/run/containerd/io.containerd.runtime.v2.task/default/c1',
  '-debug',
  'start',
];

describe('shim flags (Go flag syntax)', () => {
  it('reads the command line containerd builds', () => {
    expect(parseFlags(containerdArgv)).toEqual({
      namespace: 'default',
      address: '/run/containerd/containerd.sock',
      publishBinary: '/usr/bin/containerd',
      id: 'c1',
      bundle: '/run/containerd/io.containerd.runtime.v2.task/default/c1',
      debug: true,
      socket: '',
      action: 'start',
    });
  });

  it('accepts -name=value, --name, -debug=false and the delete action', () => {
    const f = parseFlags(['--namespace=ns', '-id=x', '-debug=false', '-address', 'a', 'delete']);
    expect([f.namespace, f.id, f.debug, f.address, f.action]).toEqual(['ns', 'x', false, 'a', 'delete']);
  });

  it('refuses what Go flag refuses, naming the flag', () => {
    const err = (argv: string[]) => {
      try {
        parseFlags(argv);
      } catch (e) {
        expect(e).toBeInstanceOf(RuntimeError);
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(err(['-namespace', 'n', '-id', 'c', '-bogus', 'start'])).toBe('flag provided but not defined: -bogus');
    expect(err(['-namespace', 'n', '-id'])).toBe('flag needs an argument: -id');
    expect(err(['-namespace', 'n', '-id', 'c', '-debug=maybe', 'start'])).toBe('flag -debug: invalid boolean value "maybe"');
    expect(err(['-namespace', 'n', '-id', 'c'])).toBe('no action: expected start or delete');
    expect(err(['-namespace', 'n', '-id', 'c', 'run'])).toBe('unknown action "run": expected start or delete');
    expect(err(['-namespace', 'n', '-id', 'c', 'start', 'delete'])).toBe('one action expected, got ["start","delete"]');
    expect(err(['-id', 'c', 'start'])).toBe('-namespace is required');
    expect(err(['-namespace', 'n', 'start'])).toBe('-id is required');
  });

  it('gives the daemon the same flags back', () => {
    const f = { ...parseFlags(containerdArgv), socket: 'unix:///run/containerd/s/abc' };
    expect(parseFlags(toArgv(f, 'serve'))).toEqual({ ...f, action: 'serve' });
  });
});

describe('shim paths', () => {
  it('puts the socket where containerd 1.6 looks: <state>/s/sha256(address/ns/id)', () => {
    // printf '%s' /run/containerd/containerd.sock/default/c1 | sha256sum
    const digest = 'd25aa4ef11a84e954e74a5bcff06557d0b6ea8d0c00243896f29826694bbd888';
    expect(socketAddress('/run/containerd/containerd.sock', 'default', 'c1', 'linux')).toBe(`unix:///run/containerd/s/${digest}`);
    expect(socketAddress('/run/containerd/containerd.sock', 'default', 'c1', 'freebsd')).toBe(`unix:///var/run/containerd/s/${digest}`);
    // 86 bytes on FreeBSD: inside its 104-byte sun_path.
    expect(socketAddress('/x', 'n', 'i', 'freebsd').length - 'unix://'.length).toBe(86);
  });

  it('keeps the runtime state per namespace, under RUNJ_SHIM_ROOT when set', () => {
    expect(runtimeRoot('default', {}, 'linux')).toBe('/run/containerd/runj/default');
    expect(runtimeRoot('k8s.io', {}, 'freebsd')).toBe('/var/run/containerd/runj/k8s.io');
    expect(runtimeRoot('default', { RUNJ_SHIM_ROOT: '/tmp/x' }, 'linux')).toBe('/tmp/x/default');
  });
});
