/**
 * FreeBSD recovery without a record (delete --force over a lost state.json),
 * through the real FFI path against native/jailtest: the jail is found by
 * name, its processes killed, the jail removed, and the mounts under its path
 * (found with getfsstat(2)) unmounted; other jails and mounts are untouched.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildPlan } from '../../src/plan/build.js';
import { parsePolicy } from '../../src/plan/policy.js';
import type { Spec } from '../../src/plan/spec.js';
import type { CommandRunner } from '../../src/platform/freebsd/commands.js';
import * as ffi from '../../src/platform/freebsd/ffi.js';
import { JAIL_CREATE, encodeParams } from '../../src/platform/freebsd/iov.js';
import { makeFreeBSDSandbox } from '../../src/platform/freebsd/sandbox.js';
import type { Host } from '../../src/platform/freebsd/system.js';
import { koffi } from '../../src/core/koffi.js';

const LIB = path.resolve(__dirname, '../../native/jailtest/libjailtest.so');
// biome-ignore lint/suspicious/noExplicitAny: koffi functions
let t: Record<string, any>;
let tmp: string;
const run: CommandRunner = () => ({ status: 0, stdout: '', stderr: '' });
const host = (): Host => ({ sys: ffi, run, rundir: path.join(tmp, 'run'), sleep: () => {} });
const lines = (kind: string) => (t.state() as string).split('\n').filter((l) => l.startsWith(`${kind} `));

beforeAll(() => {
  execFileSync('make', ['-s', '-C', path.dirname(LIB)], { stdio: 'inherit' }); // rebuilt when older than its sources
  process.env.RUNJ_FREEBSD_LIBC = LIB;
  const lib = koffi().load(LIB);
  t = {
    state: lib.func('const char *jailtest_state(void)'),
    log: lib.func('const char *jailtest_log(void)'),
    reset: lib.func('void jailtest_reset(void)'),
    addProc: lib.func('void jailtest_add_proc(int pid, int jid, long long sec, long long usec, int stat)'),
  };
});
afterAll(() => {
  delete process.env.RUNJ_FREEBSD_LIBC;
});
beforeEach(() => {
  t.reset();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-recover-'));
  fs.mkdirSync(path.join(tmp, 'bundle', 'rootfs', 'etc'), { recursive: true });
  fs.mkdirSync(path.join(tmp, 'data'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

function spec(readonly: boolean): Spec {
  return {
    ociVersion: '1.3.0',
    process: { user: { uid: 0, gid: 0 }, args: ['/bin/sh'], cwd: '/' },
    root: { path: 'rootfs', readonly },
    mounts: [
      { destination: '/data', source: path.join(tmp, 'data'), options: ['bind'] },
      { destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: [] },
    ],
  };
}

/** A container set up as create would, then an unrelated jail and mount; returns the prepared data. */
async function setUpContainer(readonly: boolean) {
  const sandbox = makeFreeBSDSandbox(host);
  const cplan = buildPlan('c1', path.join(tmp, 'bundle'), spec(readonly), { noPivot: false, noNewKeyring: false, preserveFds: 0 });
  const prepared = sandbox.prepare(cplan, parsePolicy('{}', 'p.json'));
  await sandbox.setUp(prepared.plan);
  ffi.jailSet(encodeParams([{ name: 'name', type: 'string', value: 'other' }, { name: 'path', type: 'string', value: '/elsewhere' }, { name: 'persist', type: 'bool', value: true }]), JAIL_CREATE);
  ffi.nmount([{ name: Buffer.from('fstype\0'), value: Buffer.from('tmpfs\0') }, { name: Buffer.from('fspath\0'), value: Buffer.from('/elsewhere/tmp\0') }], 0);
  t.addProc(100, 1, 1, 0, 3); // the container's init, in jail 1
  t.addProc(101, 1, 1, 0, 3);
  t.addProc(200, 2, 1, 0, 3); // the other jail's
  return { sandbox, data: prepared.recovery };
}

describe('FreeBSD recover', () => {
  it.each([
    ['recovery.json', true, true],
    ['the id alone', true, false],
    ['the id alone, no read-only view', false, false],
  ])('from %s: kills the jail\'s processes, removes the jail and every mount under its path', async (_, readonly, withData) => {
    const { sandbox, data } = await setUpContainer(readonly);
    expect(lines('jail').map((l) => l.split(' ')[2])).toEqual(['c1', 'other']);
    expect(lines('mount')).toHaveLength(readonly ? 4 : 3);
    await sandbox.recover('c1', withData ? data : undefined);
    expect(lines('jail').map((l) => l.split(' ')[2])).toEqual(['other']);
    expect(lines('mount')).toEqual(['mount tmpfs /elsewhere/tmp']);
    expect(ffi.allProcs().map((p) => p.pid)).toEqual([200]);
    expect(t.log()).toMatch(/kill pid=10[01] sig=9/);
    // Twice is harmless: nothing left to find.
    await sandbox.recover('c1', withData ? data : undefined);
    expect(lines('jail')).toHaveLength(1);
  });

  it('with the jail already gone, still unmounts what is under the recorded root', async () => {
    const { sandbox, data } = await setUpContainer(true);
    ffi.jailRemove(1);
    await sandbox.recover('c1', data);
    expect(lines('mount')).toEqual(['mount tmpfs /elsewhere/tmp']);
  });
});
