/**
 * The Linux backend's record data read back from state.json and
 * recovery.json: the shapes this and earlier versions wrote are read, a
 * damaged one is refused with the field's name.
 */
import { describe, expect, it } from 'vitest';
import type { ContainerRecord } from '../../src/backend/record.js';
import { readLinuxRecovery, readLinuxSetUp } from '../../src/platform/linux/saved.js';
import { linuxSandbox } from '../../src/platform/linux/sandbox.js';

const cgroup = { path: '/runj/c1', mode: 'v2', dirs: ['/sys/fs/cgroup/runj/c1'], created: ['/sys/fs/cgroup/runj/c1'], freezer: '/sys/fs/cgroup/runj/c1' };
const layout = { mode: 'v2', hierarchies: [], unified: '/sys/fs/cgroup' };
// No live process has pid 2^22+1 (above the default pid_max of 4194304).
const base: ContainerRecord = {
  ociVersion: '1.3.0', id: 'c1', pid: 4194305, status: 'running', bundle: '/b', rootfs: '/b/rootfs', created: '', owner: 'root', platform: 'linux',
};

describe('readLinuxSetUp', () => {
  it('reads what setUp saved: { newNamespaces, cgroup }', () => {
    expect(readLinuxSetUp({ newNamespaces: ['pid', 'mount'], cgroup })).toEqual({ newNamespaces: ['pid', 'mount'], cgroup });
    expect(readLinuxSetUp({ newNamespaces: ['mount'] })).toEqual({ newNamespaces: ['mount'], cgroup: undefined });
  });
  it('a record from before setUp: nothing set up (an older version saved prepare()\'s data there)', () => {
    expect(readLinuxSetUp(undefined)).toBeUndefined();
    expect(readLinuxSetUp({ newNamespaces: ['mount'], cgroupPlan: { path: '/runj/c1', writes: [], layout } })?.cgroup).toBeUndefined();
  });
  it.each([
    ['not an object', [], 'state.json: sandbox: must be an object'],
    ['newNamespaces not a list', { newNamespaces: 'pid' }, 'state.json: sandbox.newNamespaces: must be an array'],
    ['cgroup not an object', { cgroup: '/runj/c1' }, 'state.json: sandbox.cgroup: must be an object'],
    ['no cgroup path', { cgroup: { ...cgroup, path: undefined } }, 'state.json: sandbox.cgroup.path: must be a string'],
    ['an unknown cgroup mode', { cgroup: { ...cgroup, mode: 'v3' } }, 'state.json: sandbox.cgroup.mode: must be one of "v1", "v2"'],
    ['a dir not a string', { cgroup: { ...cgroup, dirs: [1] } }, 'state.json: sandbox.cgroup.dirs[0]: must be a string'],
    ['freezer a number', { cgroup: { ...cgroup, freezer: 0 } }, 'state.json: sandbox.cgroup.freezer: must be a string'],
  ])('refuses a sandbox with %s, naming the field', (_, sandbox, msg) => {
    expect(() => readLinuxSetUp(sandbox)).toThrow(msg);
    const record: ContainerRecord = { ...base, sandbox };
    expect(() => linuxSandbox.listPids(record)).toThrow(msg);
    expect(() => linuxSandbox.killAll(record, 0)).toThrow(msg);
    expect(() => linuxSandbox.update(record, {})).toThrow(msg);
    return expect(linuxSandbox.tearDown(record)).rejects.toThrow(msg);
  });
});

describe('readLinuxRecovery', () => {
  it('reads the cgroup plan prepare saved', () => {
    expect(readLinuxRecovery({ newNamespaces: [], cgroupPlan: { path: '/runj/c1', writes: [], layout } })).toEqual({ path: '/runj/c1', layout });
  });
  it('leaves out what is unusable, so recovery goes on from the id and the host', () => {
    expect(readLinuxRecovery(undefined)).toEqual({});
    expect(readLinuxRecovery({ cgroupPlan: { path: 3, layout } })).toEqual({ layout });
    expect(readLinuxRecovery({ cgroupPlan: { path: '/x', layout: { ...layout, mode: 'v9' } } })).toEqual({ path: '/x' });
  });
});
