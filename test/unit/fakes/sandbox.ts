/**
 * A recording fake backend. setUp makes a "jail" (with the mounts the plan
 * asks for) that tearDown or recover removes; killAll and listPids act on
 * the fake host's processes of the container. Any method can be made to
 * fail (`failOn`), and every call is logged in the host's `events`.
 */
import type { PlanRecord } from '../../../src/backend/protocol.js';
import type { ContainerRecord } from '../../../src/backend/record.js';
import type { BackendFeatures, ExecRecords, Prepared, RootfsMount, Sandbox } from '../../../src/backend/sandbox.js';
import { RuntimeError } from '../../../src/core/errors.js';
import type { HostPolicy } from '../../../src/plan/policy.js';
import type { ContainerPlan, ProcessPlan } from '../../../src/plan/types.js';
import type { FakeHost } from './host.js';

export interface FakeJail {
  id: string;
  jid: number;
  mounts: string[];
  frozen: boolean;
  resources: Record<string, unknown>[];
}

type Method = Exclude<keyof Sandbox, 'platform'>;

/** The fake's plan (prepare → setUp) and set-up data (saved as record.sandbox). */
export interface FakePlan {
  id: string;
  mounts: string[];
}
export interface FakeSetUp {
  jid: number;
}

export class FakeSandbox implements Sandbox<FakePlan, FakeSetUp> {
  readonly platform = 'fake';
  readonly jails = new Map<string, FakeJail>();
  /** Methods that throw (once each call while set), with the error to throw. */
  readonly failOn = new Map<Method, Error>();
  /** setUp makes its jail and then fails, as a setUp that dies half-way without undoing (the worst case). */
  setUpLeavesJail = false;
  exitReasonText: string | undefined;
  /** Container roots mounted through mountRootfs: what is stacked on each target, in order. */
  readonly rootfs = new Map<string, RootfsMount[]>();
  private nextJid = 1;

  constructor(private readonly host: FakeHost) {}

  private call(method: Method, detail: string): void {
    this.host.events.push(`sandbox.${method} ${detail}`);
    const err = this.failOn.get(method);
    if (err) throw err;
  }

  private id(record: Pick<ContainerRecord, 'id'>): string {
    return record.id;
  }

  prepare(plan: ContainerPlan, policy: HostPolicy): Prepared<FakePlan> {
    this.call('prepare', plan.id);
    const mounts = plan.mounts.map((m) => m.destination);
    return {
      plan: { id: plan.id, mounts },
      warnings: policy.ignore.size ? [`policy ignores ${[...policy.ignore].join(',')}`] : [],
      debug: [`${mounts.length} mounts`],
      recovery: { name: plan.id, mounts },
    };
  }

  async setUp(plan: FakePlan): Promise<FakeSetUp> {
    const jail: FakeJail = { id: plan.id, jid: this.nextJid++, mounts: plan.mounts, frozen: false, resources: [] };
    if (this.setUpLeavesJail) this.jails.set(plan.id, jail);
    this.call('setUp', plan.id);
    this.jails.set(plan.id, jail);
    return { jid: jail.jid };
  }

  /** The init's records: the jail it enters (the fake helper finds its container by it). */
  records(_plan: FakePlan, setup: FakeSetUp): PlanRecord[] {
    return [['jail', setup.jid]];
  }

  /** The container whose jail has this id. */
  byJid(jid: number): string | undefined {
    return [...this.jails.values()].find((j) => j.jid === jid)?.id;
  }

  /** As the real backends do (cgroupOf, setupOf): only the jail the record's set-up data names. */
  async tearDown(record: ContainerRecord): Promise<void> {
    this.call('tearDown', record.id);
    const jid = (record.sandbox as Partial<FakeSetUp> | undefined)?.jid;
    const id = jid === undefined ? undefined : this.byJid(jid);
    if (id === undefined) return;
    if (this.pidsOf(record).length) throw new RuntimeError('ESYSTEM', `jail ${record.id} still has processes`);
    this.jails.delete(id);
  }

  async recover(id: string, data: Record<string, unknown> | undefined): Promise<void> {
    this.call('recover', `${id} ${data ? 'with data' : 'without data'}`);
    for (const p of this.host.alive(id)) this.host.signal(p.pid, 9);
    if (this.host.alive(id).length) throw new RuntimeError('ESYSTEM', `recovering ${id}: processes did not die`);
    this.jails.delete(id);
  }

  private pidsOf(record: Pick<ContainerRecord, 'id'>): number[] {
    return [...this.host.procs.values()].filter((p) => p.container === this.id(record) && p.state !== 'gone').map((p) => p.pid);
  }

  killAll(record: ContainerRecord, signal: number): void {
    this.call('killAll', `${record.id} ${signal}`);
    for (const pid of this.pidsOf(record)) {
      try {
        this.host.signal(pid, signal);
      } catch {}
    }
  }

  listPids(record: ContainerRecord): number[] {
    this.call('listPids', record.id);
    return this.pidsOf(record);
  }

  execRecords(record: ContainerRecord, proc: ProcessPlan): ExecRecords {
    this.call('execRecords', record.id);
    const jail = this.jails.get(record.id);
    if (!jail) throw new RuntimeError('ENOTRUNNING', 'container not running');
    const records: PlanRecord[] = [['jail', jail.jid], ...proc.args.map((a): PlanRecord => ['arg', a])];
    return { records, warnings: [] };
  }

  freeze(record: ContainerRecord, on: boolean): void {
    this.call('freeze', `${record.id} ${on}`);
    const jail = this.jails.get(record.id);
    if (jail) jail.frozen = on;
    for (const pid of this.pidsOf(record)) {
      const p = this.host.procs.get(pid);
      if (p) p.frozen = on;
    }
  }

  update(record: ContainerRecord, resources: Record<string, unknown>): void {
    this.call('update', record.id);
    this.jails.get(record.id)?.resources.push(resources);
  }

  stats(record: ContainerRecord): Record<string, unknown> {
    this.call('stats', record.id);
    return { pids: { current: this.pidsOf(record).length } };
  }

  exitReason(): string | undefined {
    return this.exitReasonText;
  }

  explain(plan: ContainerPlan): { plan: unknown; text: string } {
    return { plan: { id: plan.id }, text: `fake plan for ${plan.id}\n` };
  }

  features(): BackendFeatures {
    return { mountOptions: ['bind'], sections: {} };
  }

  async mountRootfs(target: string, mounts: readonly RootfsMount[]): Promise<void> {
    this.call('mountRootfs', `${target} ${mounts.map((m) => `${m.type}:${m.source}`).join(',')}`);
    this.rootfs.set(target, [...mounts]);
  }

  async unmountRootfs(target: string): Promise<void> {
    this.call('unmountRootfs', target);
    this.rootfs.delete(target);
  }
}
