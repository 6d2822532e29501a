/**
 * The FreeBSD Sandbox and the processes of a jail, through the real FFI path
 * against the libjailtest double.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildPlan } from '../../src/plan/build.js';
import { parsePolicy } from '../../src/plan/policy.js';
import { makeFreeBSDSandbox } from '../../src/platform/freebsd/sandbox.js';
import { jailPids, setUpFreeBSD, signalJail } from '../../src/platform/freebsd/system.js';
import type { ContainerRecord } from '../../src/runtime/store.js';
import { commands, host, jailLines, log, plan, rootfs, spec, t, tmp, useDouble } from './freebsdDouble.js';

useDouble();

describe('processes of a jail', () => {
  it('lists and signals the jail\'s processes only, with kill(2)', () => {
    const done = setUpFreeBSD(plan(spec((s) => { s.mounts = []; })), host());
    t.addProc(100, 1, 1, 0, 3);
    t.addProc(101, 1, 1, 0, 3);
    t.addProc(200, 0, 1, 0, 3);
    expect(jailPids(done, host())).toEqual([100, 101]);
    signalJail(done, host(), 15);
    expect(log().split('\n').filter((l) => l.startsWith('kill'))).toEqual(['kill pid=100 sig=15', 'kill pid=101 sig=15']);
  });
  it('a process that exits meanwhile is skipped, and the others still get the signal', () => {
    const done = setUpFreeBSD(plan(spec((s) => { s.mounts = []; })), host());
    t.addProc(100, 1, 1, 0, 3);
    t.addProc(101, 1, 1, 0, 3);
    t.addProc(102, 1, 1, 0, 3);
    t.failNext('kill', 3, ''); // 100 exits between the listing and its kill(2): ESRCH
    signalJail(done, host(), 9);
    expect(log().split('\n').filter((l) => l.startsWith('kill'))).toEqual(['kill pid=100 sig=9', 'kill pid=101 sig=9', 'kill pid=102 sig=9']);
    // The double drops a process on a delivered SIGKILL: 101 and 102 got it
    // (100 stays listed only because the double faked its exit).
    expect(jailPids(done, host())).toEqual([100]);
  });
  it('any other kill(2) error is raised', () => {
    const done = setUpFreeBSD(plan(spec((s) => { s.mounts = []; })), host());
    t.addProc(100, 1, 1, 0, 3);
    t.failNext('kill', 1, ''); // EPERM
    expect(() => signalJail(done, host(), 9)).toThrow(/kill 100/);
  });
  it('nothing when the jail is gone', () => {
    expect(jailPids({ jailName: 'c1', jid: 4 }, host())).toEqual([]);
  });
});

describe('the Sandbox', () => {
  it('prepare, setUp (fills the jail record), listPids, killAll, tearDown', async () => {
    const sandbox = makeFreeBSDSandbox(host);
    const bundle = path.join(tmp, 'bundle');
    fs.writeFileSync(path.join(bundle, 'runj.ext.json'), JSON.stringify({ network: { vnet: { mode: 'new', interfaces: ['epair5b'] } } }));
    const cplan = buildPlan('c1', bundle, spec((s) => { s.mounts = []; }), { noPivot: false, noNewKeyring: false, preserveFds: 0 });
    const prepared = sandbox.prepare(cplan, parsePolicy('{}', 'p.json'));
    expect(prepared.records[0]).toEqual(['jail', '<jid>']);
    expect(prepared.data).toEqual({ jailName: 'c1', rootfs });
    const data = await sandbox.setUp(cplan, prepared);
    expect(prepared.records[0]).toEqual(['jail', 1]);
    expect(log()).toContain('vnet=hex:01000000');
    expect(commands).toContain('ifconfig epair5b vnet 1');
    const record = { id: 'c1', pid: 100, sandbox: { ...prepared.data, ...data } } as unknown as ContainerRecord;
    t.addProc(100, 1, 1, 0, 3);
    expect(sandbox.listPids(record)).toEqual([100]);
    sandbox.killAll(record, 9);
    expect(sandbox.listPids(record)).toEqual([]);
    await sandbox.tearDown(record);
    expect(jailLines()).toEqual([]);
    await sandbox.tearDown({ ...record, sandbox: prepared.data } as ContainerRecord); // after a failed setUp: nothing to do
  });
});

describe('freeze', () => {
  it('stops and continues with FreeBSD\'s SIGSTOP (17) and SIGCONT (19), whatever the host running the tests', async () => {
    const sandbox = makeFreeBSDSandbox(host);
    const done = setUpFreeBSD(plan(spec((s) => { s.mounts = []; })), host());
    t.addProc(100, done.jid, 1, 0, 3);
    const record = { id: 'c1', pid: 100, sandbox: { setup: done } } as unknown as ContainerRecord;
    sandbox.freeze(record, true);
    sandbox.freeze(record, false);
    expect(log().split('\n').filter((l) => l.startsWith('kill'))).toEqual(['kill pid=100 sig=17', 'kill pid=100 sig=19']);
  });
});
