/** Shared fixtures for the FreeBSD backend tests. */
import { buildPlan } from '../../src/plan/build.js';
import { type HostPolicy, emptyPolicy, parsePolicy } from '../../src/plan/policy.js';
import type { Spec } from '../../src/plan/spec.js';
import type { ContainerPlan } from '../../src/plan/types.js';
import type { RunjExt } from '../../src/platform/freebsd/ext.js';
import { type FreeBSDPlan, planFreeBSD } from '../../src/platform/freebsd/translate.js';

export function freebsdSpec(patch: (s: Spec) => void = () => {}): Spec {
  const s: Spec = {
    ociVersion: '1.3.0',
    process: { user: { uid: 0, gid: 0 }, args: ['/bin/sh', '-c', 'true'], env: ['PATH=/bin:/usr/bin'], cwd: '/' },
    root: { path: 'rootfs' },
    mounts: [
      { destination: '/dev', type: 'devfs', source: 'devfs', options: ['ruleset=4'] },
      { destination: '/dev/fd', type: 'fdescfs', source: 'fdesc' },
    ],
  };
  patch(s);
  return s;
}

export function policyOf(doc: unknown): HostPolicy {
  return parsePolicy(JSON.stringify(doc), '/etc/runj/policy.json');
}

export function planOf(s: Spec, id = 'c1'): ContainerPlan {
  return buildPlan(id, '/bundle', s, { noPivot: false, noNewKeyring: false, preserveFds: 0 });
}

export function fplan(s: Spec, opts: { policy?: HostPolicy; ext?: RunjExt; id?: string } = {}): FreeBSDPlan {
  return planFreeBSD(planOf(s, opts.id), opts.policy ?? emptyPolicy, opts.ext, { rundir: '/run/rj' });
}

/** The jail parameters as "name=value" text, as `runj check` prints them. */
export function paramText(p: FreeBSDPlan): string[] {
  return p.jail.params.map((x) => {
    if (x.type === 'bool') return x.value ? x.name : x.name.replace(/([^.]*)$/, 'no$1');
    if (Array.isArray(x.value)) return `${x.name}=${x.value.join(',')}`;
    return `${x.name}=${x.value}`;
  });
}

/** Runs f and returns the error message it throws (or fails the test). */
export function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error');
}
