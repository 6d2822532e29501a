/**
 * The FreeBSD Sandbox and the processes of a jail, through the real FFI path
 * against the libjailtest double.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildPlan } from '../../src/plan/build.js';
import { parsePolicy } from '../../src/plan/policy.js';
import { encodeRecords } from '../../src/backend/protocol.js';
import * as ffi from '../../src/platform/freebsd/ffi.js';
import { JAIL_CREATE, encodeParams } from '../../src/platform/freebsd/iov.js';
import { makeFreeBSDSandbox } from '../../src/platform/freebsd/sandbox.js';
import { jailPids, setUpFreeBSD, signalJail } from '../../src/platform/freebsd/system.js';
import type { ContainerRecord } from '../../src/runtime/store.js';
import { commands, host, jailLines, log, plan, rootfs, spec, t, tmp, useDouble } from './freebsdDouble.js';

useDouble();

const baseRecord: ContainerRecord = {
  ociVersion: '1.3.0', id: 'c1', pid: 100, status: 'running', bundle: '/b', rootfs: '/b/rootfs', created: '', owner: 'root', platform: 'freebsd',
};
const goodSetup = { jailName: 'c1', jid: 1, mounted: [], created: [], aliases: [], moved: [] };

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
  it('prepare, setUp, records (the jail record carries the new jail\'s id), listPids, killAll, tearDown', async () => {
    const sandbox = makeFreeBSDSandbox(host);
    const bundle = path.join(tmp, 'bundle');
    fs.writeFileSync(path.join(bundle, 'runj.ext.json'), JSON.stringify({ network: { vnet: { mode: 'new', interfaces: ['epair5b'] } } }));
    const cplan = buildPlan('c1', bundle, spec((s) => { s.mounts = []; }), { noPivot: false, noNewKeyring: false, preserveFds: 0 });
    const prepared = sandbox.prepare(cplan, parsePolicy('{}', 'p.json'));
    expect(JSON.parse(JSON.stringify(prepared.recovery))).toEqual({ jailName: 'c1', rootfs });
    // Another jail first, so the container's jail does not get id 1.
    ffi.jailSet(encodeParams([{ name: 'name', type: 'string', value: 'other' }, { name: 'path', type: 'string', value: '/elsewhere' }, { name: 'persist', type: 'bool', value: true }]), JAIL_CREATE);
    const setup = await sandbox.setUp(prepared.plan);
    expect(setup.setup.jid).toBe(2);
    expect(jailLines().map((l) => l.split(' ').slice(1, 3))).toEqual([['1', 'other'], ['2', 'c1']]);
    const records = sandbox.records(prepared.plan, setup);
    expect(records[0]).toEqual(['jail', 2]);
    expect(records.filter((r) => r[0] === 'jail')).toHaveLength(1);
    expect(encodeRecords(records)).toMatch(/^jail 2\narg /);
    expect(log()).toContain('vnet=hex:01000000');
    expect(commands).toContain('ifconfig epair5b vnet 2');
    // Saved as create saves it: the on-disk shape earlier versions wrote.
    const saved: unknown = JSON.parse(JSON.stringify(setup));
    expect(saved).toEqual({ jailName: 'c1', rootfs, setup: expect.objectContaining({ jailName: 'c1', jid: 2 }) });
    const record: ContainerRecord = { ...baseRecord, sandbox: saved };
    t.addProc(100, 2, 1, 0, 3);
    expect(sandbox.listPids(record)).toEqual([100]);
    sandbox.killAll(record, 9);
    expect(sandbox.listPids(record)).toEqual([]);
    await sandbox.tearDown(record);
    expect(jailLines().map((l) => l.split(' ')[2])).toEqual(['other']);
    await sandbox.tearDown({ ...record, sandbox: undefined }); // setUp never finished: nothing to do
    await sandbox.tearDown({ ...record, sandbox: { jailName: 'c1', rootfs } }); // an older version's record from before setUp
  });

  it.each([
    ['not an object', 'x', 'state.json: sandbox: must be an object'],
    ['setup not an object', { setup: 3 }, 'state.json: sandbox.setup: must be an object'],
    ['jid a string', { setup: { ...goodSetup, jid: '1' } }, 'state.json: sandbox.setup.jid: must be an integer'],
    ['no jailName', { setup: { ...goodSetup, jailName: undefined } }, 'state.json: sandbox.setup.jailName: must be a string'],
    ['a mount not a string', { setup: { ...goodSetup, mounted: ['/a', 7] } }, 'state.json: sandbox.setup.mounted[1]: must be a string'],
    ['an alias family unknown', { setup: { ...goodSetup, aliases: [{ iface: 'lo1', family: 'ipx', addr: '1', prefix: 8 }] } }, 'state.json: sandbox.setup.aliases[0].family: must be one of "inet", "inet6"'],
  ])('refuses a record whose sandbox has %s, naming the field', async (_, sandboxData, msg) => {
    const sandbox = makeFreeBSDSandbox(host);
    const record: ContainerRecord = { ...baseRecord, sandbox: sandboxData };
    await expect(sandbox.tearDown(record)).rejects.toThrow(msg);
    expect(() => sandbox.killAll(record, 9)).toThrow(msg);
    expect(() => sandbox.listPids(record)).toThrow(msg);
  });
});

describe('freeze', () => {
  it('stops and continues with FreeBSD\'s SIGSTOP (17) and SIGCONT (19), whatever the host running the tests', async () => {
    const sandbox = makeFreeBSDSandbox(host);
    const done = setUpFreeBSD(plan(spec((s) => { s.mounts = []; })), host());
    t.addProc(100, done.jid, 1, 0, 3);
    const record: ContainerRecord = { ...baseRecord, sandbox: { jailName: 'c1', rootfs, setup: done } };
    sandbox.freeze(record, true);
    sandbox.freeze(record, false);
    expect(log().split('\n').filter((l) => l.startsWith('kill'))).toEqual(['kill pid=100 sig=17', 'kill pid=100 sig=19']);
  });
});
