/**
 * Resource limits on the FreeBSD backend through rctl(2), against the
 * libjailtest double.
 */
import { describe, expect, it } from 'vitest';
import type { Spec } from '../../src/plan/spec.js';
import { makeFreeBSDSandbox } from '../../src/platform/freebsd/sandbox.js';
import { setUpFreeBSD, tearDownFreeBSD } from '../../src/platform/freebsd/system.js';
import type { ContainerRecord } from '../../src/runtime/store.js';
import { host, jailLines, log, plan, spec, t, useDouble } from './freebsdDouble.js';

useDouble();

describe('resource limits through rctl', () => {
  const limited = (res: NonNullable<NonNullable<Spec['linux']>['resources']>) => plan(spec((s) => { s.mounts = []; s.linux = { resources: res }; }));
  const rules = (): string[] => (t.rctl() as string).split('\n').filter(Boolean);

  it('adds a deny rule per limit on the jail after creating it, and removes them at delete', () => {
    const done = setUpFreeBSD(limited({ memory: { limit: 1 << 30 }, pids: { limit: 64 }, cpu: { quota: 50000, period: 100000 } }), host());
    expect(rules()).toEqual(['jail:c1:memoryuse:deny=1073741824', 'jail:c1:maxproc:deny=64', 'jail:c1:pcpu:deny=50']);
    const calls = log().split('\n').filter((l) => /^(sysctlbyname|jail_set|rctl_add_rule)/.test(l)).map((l) => l.split(' ')[0]);
    expect(calls).toEqual(['sysctlbyname', 'jail_set', 'rctl_add_rule', 'rctl_add_rule', 'rctl_add_rule']);
    tearDownFreeBSD(done, host());
    expect(rules()).toEqual([]);
    expect(log()).toContain('rctl_remove_rule "jail:c1"');
  });
  it('refuses limits when kern.racct.enable is 0, before anything is made', () => {
    t.setRacct(0);
    expect(() => setUpFreeBSD(limited({ memory: { limit: 1 << 20 } }), host())).toThrow(
      'config.json: /linux/resources: resource limits need RACCT/RCTL, and kern.racct.enable is 0: set kern.racct.enable=1 in /boot/loader.conf and reboot',
    );
    expect(log()).not.toContain('jail_set');
    expect(jailLines()).toEqual([]);
  });
  it('refuses limits on a kernel without RACCT', () => {
    t.setRacct(-1);
    expect(() => setUpFreeBSD(limited({ pids: { limit: 5 } }), host())).toThrow('this kernel has no RACCT/RCTL (no kern.racct.enable)');
  });
  it('a container without limits does not need RACCT', () => {
    t.setRacct(-1);
    const done = setUpFreeBSD(limited({}), host());
    expect(() => tearDownFreeBSD(done, host())).not.toThrow();
    expect(log()).not.toContain('rctl_');
  });
  it('a failing rule removes the jail and the rules added before it', () => {
    t.failAfter('rctl_add_rule', 1, 22, '');
    expect(() => setUpFreeBSD(limited({ memory: { limit: 4096 }, pids: { limit: 2 } }), host())).toThrow(
      'rctl_add_rule jail:c1:maxproc:deny=2: Invalid argument (EINVAL)',
    );
    expect(rules()).toEqual([]);
    expect(jailLines()).toEqual([]);
  });
  it('update replaces limits, removes the ones set to -1, and refuses without RACCT', () => {
    const sandbox = makeFreeBSDSandbox(host);
    const done = setUpFreeBSD(limited({ memory: { limit: 1 << 30 }, pids: { limit: 64 } }), host());
    const record = { id: 'c1', pid: 100, sandbox: { setup: done } } as ContainerRecord;
    sandbox.update(record, { memory: { limit: 1 << 29 }, pids: { limit: -1 }, cpu: { quota: 200000 } });
    expect(rules()).toEqual(['jail:c1:memoryuse:deny=536870912', 'jail:c1:pcpu:deny=200']);
    expect(() => sandbox.update(record, { pids: { limit: 2.5 } })).toThrow('update/pids/limit: must be an integer');
    t.setRacct(0);
    expect(() => sandbox.update(record, { pids: { limit: 3 } })).toThrow('resource limits need RACCT/RCTL, and kern.racct.enable is 0');
  });
  it('events --stats: usage from rctl_get_racct, limits from the rules in force', () => {
    const sandbox = makeFreeBSDSandbox(host);
    const done = setUpFreeBSD(limited({ memory: { limit: 1 << 30 }, pids: { limit: 64 } }), host());
    const record = { id: 'c1', pid: 100, sandbox: { setup: done } } as ContainerRecord;
    t.setRacctUsage('cputime=3,datasize=0,memoryuse=2097152,maxproc=4,pcpu=1');
    expect(sandbox.stats(record)).toEqual({
      cpu: { usage: { total: 3_000_000_000 } },
      memory: { usage: { usage: 2097152, limit: 1073741824 } },
      pids: { current: 4, limit: 64 },
    });
    expect(log()).toContain('rctl_get_racct "jail:c1"');
    t.setRacct(0);
    expect(sandbox.stats(record)).toEqual({}); // no accounting: nothing to report
  });
});
