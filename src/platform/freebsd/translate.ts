/**
 * planFreeBSD: ContainerPlan + host policy + runj.ext.json → everything the
 * FreeBSD backend will do, decided before anything is touched: jail
 * parameters, mounts in order, the devfs ruleset, network steps and helper
 * records. `runj check` prints it; setUp executes it. Pure.
 */
import type { HostPolicy } from '../../plan/policy.js';
import type { ContainerPlan } from '../../plan/types.js';
import { invalid } from '../../core/errors.js';
import { type PlanRecord, formatRecord, recordFields } from '../../backend/protocol.js';
import { processRecords } from '../processRecords.js';
import { type DevfsPlan, type DevfsRule, buildRuleset, checkRequestedRule, deviceRule } from './devfs.js';
import type { RunjExt } from './ext.js';
import { checkFreeBSDFields } from './fields.js';
import { type JailParam, translateJail } from './jailParams.js';
import { formatParam } from './iov.js';
import { type MountStep, formatMount, rootViewStep, translateMounts } from './mounts.js';
import { type NetworkPlan, describeNetwork } from './network.js';
import { freebsdPolicy } from './policy.js';
import { type RctlRule, rctlRules, ruleText } from './rctl.js';
import { FREEBSD_RLIMITS } from './rlimits.js';
import { mergeSources } from './sources.js';

/** Where runj keeps per-jail directories (the read-only root view) and the devfs ruleset registry. */
export const DEFAULT_RUNDIR = '/var/run/runj-freebsd';
/** Stands for the jail id in `runj check`'s output, where no jail exists yet. */
const JID_SHOWN = '<jid>';

export interface FreeBSDPlan {
  jail: {
    name: string;
    parent: string | undefined;
    /** In jail_set order. `path` is the root (or its read-only view); devfs_ruleset is added at setUp when set. */
    params: JailParam[];
    /** allow.mount.devfs is granted: devfs_ruleset = the generated ruleset. */
    devfsRulesetParam: boolean;
  };
  rootfs: string;
  /** The read-only view of the root (the jail's path) when root.readonly is set. */
  view: string | undefined;
  /** nmount(2) steps in order: the root view first, then config.json's mounts. */
  mounts: MountStep[];
  devfs: DevfsPlan | undefined;
  network: NetworkPlan;
  /** rctl deny rules on the jail, from linux.resources. */
  rctl: RctlRule[];
  /** Helper records after the `jail` record, which setUp's jail id makes (freebsdRecords). */
  records: PlanRecord[];
  warnings: string[];
  debug: string[];
}

/** The init's helper records, once the jail exists: attach to it first. */
export function freebsdRecords(p: Pick<FreeBSDPlan, 'records'>, jid: number): PlanRecord[] {
  return [['jail', jid], ...p.records];
}

/** The plan as `runj check --format json` shows it: records as the fields sent, the jail id not known yet. */
export function explainedFreeBSDPlan(p: FreeBSDPlan): unknown {
  return { ...p, records: [['jail', JID_SHOWN], ...p.records.map(recordFields)] };
}

export function jailDir(rundir: string, jailName: string): string {
  return `${rundir}/jails/${jailName}`;
}

export function planFreeBSD(
  plan: ContainerPlan,
  policy: HostPolicy,
  ext: RunjExt | undefined,
  opts: { rundir?: string } = {},
): FreeBSDPlan {
  const fp = freebsdPolicy(policy);
  const { warnings, debug } = checkFreeBSDFields(plan.spec, policy);
  const merged = mergeSources(plan.spec, plan.annotations, ext);
  debug.push(...merged.debug);

  const rundir = opts.rundir ?? DEFAULT_RUNDIR;
  // The jail name is needed for the view's path; translateJail validates it again.
  const name0 = merged.request.parent ? `${merged.request.parent.value}.${plan.id}` : plan.id;
  const view = plan.readonlyRoot ? `${jailDir(rundir, name0)}/root` : undefined;
  const jail = translateJail(plan.id, view ?? plan.rootfs, merged.request, fp);
  warnings.push(...jail.warnings);

  const m = translateMounts(plan.mounts);
  debug.push(...m.debug);
  const mounts = view ? [rootViewStep(plan.rootfs), ...m.steps] : m.steps;

  const devices = plan.spec.freebsd?.devices ?? [];
  const hasDevfs = m.steps.some((s) => s.devfs);
  if (devices.length && !hasDevfs) {
    throw invalid('config.json: /freebsd/devices: needs a devfs mount (type "devfs") to expose devices in');
  }
  let devfs: DevfsPlan | undefined;
  if (hasDevfs || jail.mountsDevfs) {
    const requested: DevfsRule[] = [...m.requestedRules, ...devices.map((d, i) => deviceRule(d, `config.json: /freebsd/devices/${i}`))];
    for (const r of requested) checkRequestedRule(r, fp.devfs, 'config.json');
    devfs = buildRuleset(requested, fp.devfs);
  }

  return {
    jail: { name: jail.name, parent: jail.parent, params: jail.params, devfsRulesetParam: jail.mountsDevfs },
    rootfs: plan.rootfs,
    view,
    mounts,
    devfs,
    network: { aliases: jail.aliases, vnetInterfaces: jail.vnetInterfaces },
    rctl: rctlRules(plan.spec.linux?.resources as Record<string, unknown> | undefined, 'config.json: /linux/resources'),
    records: processRecords(plan.process, FREEBSD_RLIMITS, plan.hooks),
    warnings,
    debug,
  };
}

/** The plan as text, one section per step kind, for `runj check`. */
export function formatFreeBSDPlan(p: FreeBSDPlan): string {
  const lines: string[] = [`jail ${p.jail.name}${p.jail.parent ? ` (child of ${p.jail.parent}; the kernel limits children.max along runj's own jail chain, the parent's is not touched)` : ''}`];
  for (const param of p.jail.params) lines.push(`  ${formatParam(param)}${param.from ? `    # ${param.from}` : ''}`);
  if (p.jail.devfsRulesetParam) lines.push('  devfs_ruleset=<generated>');
  if (p.rctl.length) {
    lines.push('rctl rules (RACCT/RCTL; removed at delete)');
    for (const r of p.rctl) lines.push(`  ${ruleText(p.jail.name, r)}`);
  }
  lines.push('mounts (in order; unmounted in reverse)');
  for (const s of p.mounts) lines.push(`  ${formatMount(s)}`);
  if (p.devfs) {
    lines.push(`devfs ruleset (generated, number chosen in ${p.devfs.range[0]}..${p.devfs.range[1]}, reused when identical)`);
    for (const r of p.devfs.rules) lines.push(`  ${r.join(' ')}`);
  }
  const net = describeNetwork(p.network);
  if (net.create.length) {
    lines.push('network at create', ...net.create.map((c) => `  ${c}`), 'network at delete', ...net.delete.map((c) => `  ${c}`));
  }
  lines.push('helper records', `  jail ${JID_SHOWN}`, ...p.records.map((r) => `  ${formatRecord(r)}`));
  for (const w of p.warnings) lines.push(`warning: ${w}`);
  for (const d of p.debug) lines.push(`debug: ${d}`);
  return `${lines.join('\n')}\n`;
}
