/**
 * Linux development backend, system side. Everything the container needs is
 * built by the helper inside new namespaces, so there is nothing to set up or
 * tear down here: the namespaces die with the container's processes.
 */
import * as fs from 'node:fs';
import type { HostPolicy } from '../../plan/policy.js';
import type { ContainerPlan } from '../../plan/types.js';
import type { ContainerRecord } from '../../runtime/store.js';
import { linuxProcessInfo } from '../procinfo.js';
import type { Prepared, Sandbox } from '../sandbox.js';
import { CAPABILITIES } from './capabilities.js';
import { translateLinux } from './translate.js';

function lastCap(): number {
  try {
    return Number(fs.readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8').trim());
  } catch {
    return CAPABILITIES.length - 1;
  }
}

function nsLink(pid: number, type: string): string | undefined {
  try {
    return fs.readlinkSync(`/proc/${pid}/ns/${type}`);
  } catch {
    return undefined;
  }
}

/** Every live pid sharing the init's pid namespace, init first. */
function pidsInNamespace(init: number): number[] {
  const target = nsLink(init, 'pid');
  if (!target) return [];
  if (target === nsLink(process.pid, 'pid')) return [init];
  const pids = [init];
  for (const name of fs.readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === init) continue;
    if (nsLink(pid, 'pid') === target) pids.push(pid);
  }
  return pids;
}

function alive(record: ContainerRecord): boolean {
  const info = record.pid > 0 ? linuxProcessInfo(record.pid) : undefined;
  return info !== undefined && !info.zombie && info.startTime === record.startTime;
}

export const linuxSandbox: Sandbox = {
  platform: 'linux',
  prepare(plan: ContainerPlan, policy: HostPolicy): Prepared {
    const t = translateLinux(plan, policy, { lastCap: lastCap() });
    return { records: t.records, warnings: t.warnings, debug: t.debug, data: { newNamespaces: t.newNamespaces } };
  },
  async setUp() {
    return {};
  },
  async tearDown() {},
  killAll(record: ContainerRecord, signal: number): void {
    if (!alive(record)) return;
    // Signal the others first so none is re-parented and missed when the init dies.
    const [init, ...rest] = pidsInNamespace(record.pid);
    for (const pid of rest) {
      try {
        process.kill(pid, signal);
      } catch {}
    }
    if (init !== undefined) process.kill(init, signal);
  },
  listPids(record: ContainerRecord): number[] {
    return alive(record) ? pidsInNamespace(record.pid) : [];
  },
};
