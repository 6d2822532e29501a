import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CgroupLayout, cgroupDirs, containerCgroupPath, controllerDir, parseMountinfo } from '../../src/platform/linux/cgroupLayout.js';
import { removeCgroups, setUpCgroups } from '../../src/platform/linux/cgroups.js';
import { planResources, sharesToWeight } from '../../src/platform/linux/cgroupResources.js';

const HYBRID = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 31 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
35 31 0:32 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
36 31 0:33 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate
37 31 0:31 /sub /mnt/elsewhere rw,relatime - cgroup cgroup rw,memory`;

describe('cgroup layout', () => {
  it('reads v1 hierarchies and the hybrid v2 mount', () => {
    const l = parseMountinfo(HYBRID);
    expect(l.mode).toBe('v1');
    expect(l.unified).toBe('/sys/fs/cgroup/unified');
    expect(l.hierarchies.map((h) => h.controllers.join())).toEqual(['cpu', 'cpuacct', 'memory', 'name=systemd']);
    expect(cgroupDirs(l, '/runj/c1')).toContain('/sys/fs/cgroup/systemd/runj/c1');
    expect(controllerDir(l, '/runj/c1', 'memory')).toBe('/sys/fs/cgroup/memory/runj/c1');
    expect(controllerDir(l, '/runj/c1', 'pids')).toBeUndefined();
  });
  it('ignores a cgroup mount hidden under another mount', () => {
    const l = parseMountinfo(`${HYBRID}\n90 36 0:50 / /sys/fs/cgroup/unified rw - tmpfs none rw`);
    expect(l.unified).toBeUndefined();
    expect(l.mode).toBe('v1');
  });
  it('recognises a pure v2 host', () => {
    const l = parseMountinfo('30 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate');
    expect(l).toEqual({ mode: 'v2', hierarchies: [], unified: '/sys/fs/cgroup' });
    expect(controllerDir(l, '/a/b', 'memory')).toBe('/sys/fs/cgroup/a/b');
  });
  it('normalises cgroupsPath', () => {
    expect(containerCgroupPath(undefined, 'x')).toBe('/runj/x');
    expect(containerCgroupPath('machine/pod1', 'x')).toBe('/machine/pod1');
    expect(() => containerCgroupPath('/', 'x')).toThrow();
  });
});

describe('resources', () => {
  it('maps v1 limits', () => {
    const r = planResources(
      { memory: { limit: 100, swap: 200, reservation: 50, swappiness: 10 }, cpu: { shares: 512, quota: 50000, period: 100000, cpus: '0' }, pids: { limit: -1 } },
      [],
      'v1',
    );
    expect(r.refused).toEqual([]);
    expect(r.writes.map((w) => `${w.controller}:${w.file}=${w.value}`)).toEqual([
      'pids:pids.max=max',
      'memory:memory.limit_in_bytes=100',
      'memory:memory.memsw.limit_in_bytes=200',
      'memory:memory.soft_limit_in_bytes=50',
      'memory:memory.swappiness=10',
      'cpu:cpu.shares=512',
      'cpu:cpu.cfs_period_us=100000',
      'cpu:cpu.cfs_quota_us=50000',
      'cpuset:cpuset.cpus=0',
    ]);
  });
  it('maps v2 limits and converts shares', () => {
    const r = planResources({ memory: { limit: 100, swap: 300 }, cpu: { shares: 1024, quota: -1 }, unified: { 'io.weight': '50' } }, [], 'v2');
    expect(r.writes.map((w) => `${w.file}=${w.value}`)).toEqual(['memory.max=100', 'memory.swap.max=200', `cpu.weight=${sharesToWeight(1024)}`, 'cpu.max=max 100000', 'io.weight=50']);
    expect(sharesToWeight(2)).toBe(1);
    expect(sharesToWeight(262144)).toBe(10000);
  });
  it('writes device rules in order, then the default devices and linux.devices', () => {
    const r = planResources({ devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 10, minor: 200, access: 'rw' }] }, [{ path: '/dev/x', type: 'b', major: 8, minor: 1 }], 'v1');
    const rules = r.writes.map((w) => `${w.file} ${w.value}`);
    expect(rules.slice(0, 2)).toEqual(['devices.deny a', 'devices.allow c 10:200 rw']);
    expect(rules).toContain('devices.allow c 136:* rwm');
    expect(rules.at(-1)).toBe('devices.allow b 8:1 rwm');
  });
  it('refuses what it cannot apply, by field', () => {
    expect(planResources({ blockIO: {}, hugepageLimits: [], network: {} }, [], 'v1').refused).toEqual([
      'linux.resources.blockIO',
      'linux.resources.hugepageLimits',
      'linux.resources.network',
    ]);
    expect(planResources({ unified: { 'x.y': '1' } }, [], 'v1').refused).toEqual(['linux.resources.unified']);
    expect(planResources({ memory: { swappiness: 1 } }, [], 'v2').refused).toEqual(['linux.resources.memory.swappiness']);
  });
  it('rejects bad device rules naming the field', () => {
    expect(() => planResources({ devices: [{ allow: true, type: 'x' }] }, [], 'v1')).toThrow('/linux/resources/devices/0/type');
  });
});

describe('setUpCgroups and removeCgroups on plain directories (a v1 layout in a temporary tree)', () => {
  it('records the directories it made, parents included, and removes those; the default parent /runj is made once and kept', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-cgtree-'));
    try {
      const layout: CgroupLayout = { mode: 'v1', hierarchies: ['cpu', 'memory'].map((c) => ({ controllers: [c], mount: path.join(tmp, c) })), unified: undefined };
      for (const h of layout.hierarchies) fs.mkdirSync(h.mount);
      // The first container makes /runj too, not recorded as its own; one that exists is not made.
      const a = setUpCgroups(layout, '/runj/a', []);
      expect(fs.existsSync(path.join(tmp, 'memory/runj'))).toBe(true);
      expect(a.created).toEqual([path.join(tmp, 'cpu/runj/a'), path.join(tmp, 'memory/runj/a')]);
      fs.mkdirSync(path.join(tmp, 'cpu/runj/c'));
      expect(setUpCgroups(layout, '/runj/c', []).created).toEqual([path.join(tmp, 'memory/runj/c')]);
      for (const c of ['cpu', 'memory']) fs.rmdirSync(path.join(tmp, c, 'runj/c'));
      removeCgroups(a); // the last container: /runj stays, empty, for the next one
      expect(fs.readdirSync(path.join(tmp, 'cpu'))).toEqual(['runj']);
      expect(fs.readdirSync(path.join(tmp, 'memory/runj'))).toEqual([]);
      // Parents of a cgroupsPath of the bundle's own are made and removed with their last container.
      const d = setUpCgroups(layout, '/app/web/d', []);
      expect(d.created).toEqual(['cpu', 'memory'].flatMap((c) => ['app', 'app/web', 'app/web/d'].map((x) => path.join(tmp, c, x))));
      const e = setUpCgroups(layout, '/app/web/e', []);
      removeCgroups(d);
      expect(fs.existsSync(path.join(tmp, 'cpu/app/web'))).toBe(true); // e still uses it
      removeCgroups(e);
      expect(fs.existsSync(path.join(tmp, 'cpu/app/web/e'))).toBe(false);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
