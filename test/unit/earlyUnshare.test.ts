import { describe, expect, it } from 'vitest';
import { earlyUnshare } from '../../src/platform/linux/earlyUnshare.js';

const ns = (...list: unknown[]) => ({ linux: { namespaces: list } });

describe('earlyUnshare: the new namespaces the helper may enter before its plan', () => {
  it('the new pid, network, ipc, uts and mount namespaces, in the helper\'s names and the config\'s order', () => {
    expect(earlyUnshare(ns({ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }))).toEqual(['pid', 'net', 'ipc', 'uts', 'mount']);
  });
  it('not a joined one, nor cgroup (entered after the cgroups are joined), nor a type the backend refuses', () => {
    expect(earlyUnshare(ns({ type: 'network', path: '/proc/1/ns/net' }, { type: 'uts' }, { type: 'cgroup' }, { type: 'time' }))).toEqual(['uts']);
  });
  it('none with a user namespace, new or joined: it must come first and own the others', () => {
    expect(earlyUnshare(ns({ type: 'pid' }, { type: 'user' }))).toEqual([]);
    expect(earlyUnshare(ns({ type: 'pid' }, { type: 'user', path: '/proc/1/ns/user' }))).toEqual([]);
  });
  it('none for what validation will refuse: a duplicate, an entry that is not an object, namespaces that are not a list', () => {
    expect(earlyUnshare(ns({ type: 'pid' }, { type: 'pid' }))).toEqual([]);
    expect(earlyUnshare(ns({ type: 'pid' }, 'uts'))).toEqual([]);
    expect(earlyUnshare(ns({ type: 'pid' }, null))).toEqual([]);
    expect(earlyUnshare({ linux: { namespaces: { type: 'pid' } } })).toEqual([]);
    expect(earlyUnshare({ linux: null })).toEqual([]);
    expect(earlyUnshare(null)).toEqual([]);
    expect(earlyUnshare('config')).toEqual([]);
  });
  it('a type that names an inherited property is no type', () => {
    expect(earlyUnshare(ns({ type: 'constructor' }, { type: '__proto__' }, { type: 'toString' }))).toEqual([]);
  });
});
