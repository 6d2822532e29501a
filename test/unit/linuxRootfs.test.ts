/** The Linux backend's container root from mounts: mount(8) as containerd's overlay snapshotter's mount reads. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mountRootfsLinux } from '../../src/platform/linux/rootfs.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('mountRootfsLinux', () => {
  it('runs mount -t TYPE -o OPTIONS SOURCE TARGET, making the target', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-rootfs-'));
    dirs.push(dir);
    const target = path.join(dir, 'rootfs');
    const runs: string[][] = [];
    await mountRootfsLinux(target, [{ type: 'overlay', source: 'overlay', options: ['lowerdir=/l', 'upperdir=/u'] }], async (f, a) => void runs.push([f, ...a]));
    expect(runs).toEqual([['mount', '-t', 'overlay', '-o', 'lowerdir=/l,upperdir=/u', 'overlay', target]]);
    expect(fs.statSync(target).isDirectory()).toBe(true);
  });

  it('refuses more than one mount, and reports mount(8)\'s stderr', async () => {
    const m = { type: 'bind', source: '/s', options: ['rbind'] };
    await expect(mountRootfsLinux('/nonexistent/r', [m, m], async () => {})).rejects.toThrow('rootfs: 2 mounts given, one is supported');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-rootfs-'));
    dirs.push(dir);
    const fail = async () => Promise.reject(Object.assign(new Error('x'), { stderr: 'mount: special device /s does not exist\n' }));
    await expect(mountRootfsLinux(path.join(dir, 'r'), [m], fail)).rejects.toThrow(`rootfs: mount bind /s on ${dir}/r: mount: special device /s does not exist`);
  });
});
