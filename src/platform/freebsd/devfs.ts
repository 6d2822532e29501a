/**
 * devfs rules (devfs(8) `rule add` syntax) for a container's /dev: what a
 * bundle asks for (freebsd.devices, podman's `rule=` mount options, a
 * `ruleset=N` option), checked against host policy, and the generated
 * ruleset: host open rules, then the requested rules, then host close
 * rules. Pure: programming the ruleset is devfsRulesets.ts.
 */
import { DEVFS_RULESET_MAX } from './abi.js';
import { createHash } from 'node:crypto';
import { invalid, unsupported } from '../../core/errors.js';
import { globMatch, globsOverlap, hasGlob } from './glob.js';

/** A rule as devfs(8) arguments after `rule -s N add`, e.g. ['path', 'pf', 'unhide', 'mode', '0700']. */
export type DevfsRule = string[];

const TYPES = ['disk', 'mem', 'tape', 'tty'];

/** Splits a rule on blanks, honouring '...' and "..." quotes; an optional leading `add` is dropped. */
export function tokenizeRule(text: string): string[] {
  const out: string[] = [];
  const re = /\s*(?:'([^']*)'|"([^"]*)"|(\S+))/g;
  for (let m = re.exec(text); m && m[0].trim() !== ''; m = re.exec(text)) out.push(m[1] ?? m[2] ?? m[3] ?? '');
  return out[0] === 'add' ? out.slice(1) : out;
}

/** Validates a rule against devfs(8)'s grammar: conditions (path, type), then at least one action. */
export function parseRule(text: string | readonly string[], where: string): DevfsRule {
  const tokens = typeof text === 'string' ? tokenizeRule(text) : [...text];
  const bad = (msg: string): never => {
    throw invalid(`${where}: devfs rule "${tokens.join(' ')}": ${msg}`);
  };
  if (tokens.length === 0) bad('empty rule');
  let actions = 0;
  const seen = new Set<string>();
  for (let i = 0; i < tokens.length; i++) {
    const word = tokens[i] as string;
    const arg = tokens[i + 1];
    if (seen.has(word)) bad(`"${word}" given twice`);
    seen.add(word);
    switch (word) {
      case 'path':
        if (actions) bad('conditions must come before actions');
        if (!arg || arg.includes('\0')) bad('path needs a pattern');
        i++;
        break;
      case 'type':
        if (actions) bad('conditions must come before actions');
        if (!arg || !TYPES.includes(arg)) bad(`type must be one of ${TYPES.join(', ')}`);
        i++;
        break;
      case 'hide':
      case 'unhide':
        actions++;
        break;
      case 'mode':
        if (!arg || !/^[0-7]{1,4}$/.test(arg)) bad('mode needs an octal file mode');
        actions++;
        i++;
        break;
      case 'user':
      case 'group':
        if (!arg || !/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(arg)) bad(`${word} needs a name or number`);
        actions++;
        i++;
        break;
      case 'include':
        if (!arg || !/^[0-9]{1,5}$/.test(arg) || Number(arg) > DEVFS_RULESET_MAX) bad('include needs a ruleset number');
        actions++;
        i++;
        break;
      default:
        bad(/^[0-9]+$/.test(word) ? 'rule numbers are assigned by runj' : `unknown word "${word}"`);
    }
  }
  if (!actions) bad('no action (hide, unhide, mode, user, group or include)');
  if (seen.has('hide') && seen.has('unhide')) bad('both hide and unhide');
  return tokens;
}

/**
 * The rulesets /etc/defaults/devfs.rules ships, by number. 4 (what jail(8)
 * uses by default) and 5 are the ones a bundle may name with `ruleset=N`
 * unless the host policy says otherwise; 1-3 are building blocks that 4 and
 * 5 include.
 */
export const SHIPPED_RULESETS = {
  devfsrules_hide_all: 1,
  devfsrules_unhide_basic: 2,
  devfsrules_unhide_login: 3,
  devfsrules_jail: 4,
  devfsrules_jail_vnet: 5,
} as const;

/**
 * The rules of devfsrules_hide_all (1), devfsrules_unhide_basic (2) and
 * devfsrules_unhide_login (3), spelled out rather than included, so the
 * generated ruleset does not depend on the host's loaded copy of them.
 */
export const DEFAULT_OPEN_RULES: readonly DevfsRule[] = [
  ['hide'],
  ...['log', 'null', 'zero', 'crypto', 'random', 'urandom', 'ptmx', 'pts', 'pts/*', 'fd', 'fd/*', 'stdin', 'stdout', 'stderr'].map(
    (p) => ['path', p, 'unhide'],
  ),
];

type Category = 'disk' | 'mem' | 'tape' | 'tty' | 'other';

/** Devices a bundle may not unhide unless the host policy lists them, with why. */
export const REFUSED_DEVICES: readonly { pattern: string; category: Category; why: string }[] = [
  ...['ada*', 'ad*', 'da*', 'nda*', 'nvd*', 'nvme*', 'vtbd*', 'xbd*', 'mmcsd*', 'sdda*', 'md*', 'mfid*', 'mfisyspd*', 'cd*',
    'gpt/*', 'gptid/*', 'diskid/*', 'label/*', 'ufs/*', 'ufsid/*', 'msdosfs/*', 'iso9660/*', 'zvol/*', 'mirror/*', 'raid/*',
  ].map((pattern) => ({ pattern, category: 'disk' as const, why: 'a host disk' })),
  ...['geom.ctl', 'pass*', 'xpt*', 'ses*', 'ctl'].map((pattern) => ({ pattern, category: 'other' as const, why: 'raw access to host storage' })),
  ...['sa*', 'nsa*', 'esa*'].map((pattern) => ({ pattern, category: 'tape' as const, why: 'a host tape drive' })),
  ...['mem', 'kmem'].map((pattern) => ({ pattern, category: 'mem' as const, why: 'host memory' })),
  ...['io', 'pci', 'cpuctl*', 'efi', 'acpi', 'apm', 'iic*', 'smb*', 'agpgart', 'netmap', 'hwpmc', 'ksyms'].map((pattern) => ({
    pattern, category: 'other' as const, why: 'host hardware or kernel access',
  })),
  ...['klog', 'devctl', 'devctl2', 'auditpipe', 'audit', 'dtrace/*', 'bpf*', 'ugen*', 'usb/*', 'usbctl'].map((pattern) => ({
    pattern, category: 'other' as const, why: 'host-wide events, packets or devices',
  })),
  ...['console', 'consolectl', 'sysmouse', 'kbd*', 'ukbd*', 'atkbd*', 'ttyv*', 'ttyu*', 'cuau*'].map((pattern) => ({
    pattern, category: 'tty' as const, why: 'the host console or a host terminal line',
  })),
];

export interface DevfsPolicy {
  /** Device patterns a bundle may unhide although they are on the refused list. */
  devices: readonly string[];
  /** Extra refused patterns on top of REFUSED_DEVICES. */
  deny: readonly string[];
  /** Existing rulesets a bundle may name with `ruleset=N` (included after the open rules). */
  rulesets: readonly number[];
  open: readonly DevfsRule[];
  close: readonly DevfsRule[];
  /** Ruleset numbers runj may use for generated rulesets. */
  range: readonly [number, number];
}

function field(rule: DevfsRule, word: string): string | undefined {
  const i = rule.indexOf(word);
  return i >= 0 ? rule[i + 1] : undefined;
}

/** Refuses a requested rule that would unhide a refused device, naming the rule and the reason. */
export function checkRequestedRule(rule: DevfsRule, policy: DevfsPolicy, where: string): void {
  const text = rule.join(' ');
  const include = field(rule, 'include');
  if (include !== undefined && !policy.rulesets.includes(Number(include))) {
    throw unsupported(`${where}: devfs rule "${text}": ruleset ${include} is not one the host policy allows (freebsd.devfs.rulesets: ${policy.rulesets.join(', ') || 'none'})`);
  }
  if (!rule.includes('unhide')) return;
  const pattern = field(rule, 'path') ?? '*';
  const type = field(rule, 'type');
  const all = [...REFUSED_DEVICES, ...policy.deny.map((pattern) => ({ pattern, category: 'other' as Category, why: 'refused by the host policy' }))];
  // With a type condition, devices of that type first (the error names the most telling one).
  const denied = type ? [...all.filter((d) => d.category === type), ...all.filter((d) => d.category !== type)] : all;
  for (const d of denied) {
    if (type && d.category !== type && d.category !== 'other') continue;
    if (!globsOverlap(pattern, d.pattern)) continue;
    const excused = policy.devices.some((a) => a === pattern || (!hasGlob(pattern) && globMatch(a, pattern)));
    if (!excused) {
      throw unsupported(
        `${where}: devfs rule "${text}" would expose ${d.pattern} (${d.why}); list "${pattern}" under freebsd.devices in the host policy to allow it`,
      );
    }
  }
}

/** freebsd.devices entry → rule. */
export function deviceRule(d: { path: string; mode?: number }, where: string): DevfsRule {
  if (!d.path || d.path.startsWith('/') || d.path.split('/').some((c) => c === '..' || c === '') || /\s/.test(d.path)) {
    throw invalid(`${where}/path: "${d.path}" must be a path relative to /dev`);
  }
  const rule = ['path', d.path, 'unhide'];
  if (d.mode !== undefined) rule.push('mode', (d.mode & 0o7777).toString(8).padStart(4, '0'));
  return rule;
}

export interface DevfsPlan {
  /** The whole generated ruleset, in order. */
  rules: DevfsRule[];
  /** Stable identity of the rules (sha256), used to find an identical ruleset to reuse. */
  digest: string;
  range: readonly [number, number];
}

export function buildRuleset(requested: readonly DevfsRule[], policy: DevfsPolicy): DevfsPlan {
  const rules = [...policy.open, ...requested, ...policy.close].map((r) => [...r]);
  const digest = createHash('sha256').update(JSON.stringify(rules)).digest('hex');
  return { rules, digest, range: policy.range };
}
