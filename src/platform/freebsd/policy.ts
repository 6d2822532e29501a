/**
 * The `freebsd` section of the host policy (/etc/runj/policy.json): what a
 * bundle may ask for beyond runj's defaults. Every field is optional:
 *
 *   "freebsd": {
 *     "allow": ["raw_sockets", "mount.tmpfs", "sysvshm=inherit", "enforce_statfs=0"],
 *     "devices": ["pf", "bpf0"],
 *     "vnetInterfaces": ["epair*"],
 *     "aliasInterfaces": ["lo*"],
 *     "parents": ["*"],
 *     "devfs": { "open": ["hide", "path null unhide"], "close": ["path 'bpf*' hide"],
 *                "deny": ["tun*"], "rulesets": [4, 5], "range": [5000, 5999] }
 *   }
 *
 * `allow` lists privileges as jail(8) spells them without "allow."
 * (`mount.<fs>`, or `mount.*` for every type) and settings that share host
 * state (`sysvmsg=inherit`, `sysvsem=inherit`, `sysvshm=inherit`,
 * `enforce_statfs=0`). `set_hostname`, `reserved_ports` and `suser` need no
 * entry. Patterns are fnmatch(3) globs.
 */
import type { HostPolicy } from '../../plan/policy.js';
import { RuntimeError } from '../../core/errors.js';
import { DEVFS_RULESET_MAX } from './abi.js';
import { DEFAULT_OPEN_RULES, type DevfsPolicy, type DevfsRule, SHIPPED_RULESETS, parseRule } from './devfs.js';
import { globMatch } from './glob.js';

export interface FreeBSDPolicy {
  file: string | undefined;
  allow: ReadonlySet<string>;
  devfs: DevfsPolicy;
  vnetInterfaces: readonly string[];
  aliasInterfaces: readonly string[];
  parents: readonly string[];
}

/** Granted without a policy entry: harmless, or the kernel's own default. */
export const DEFAULT_GRANTS: readonly string[] = ['set_hostname', 'reserved_ports', 'suser'];

export const DEFAULT_FREEBSD_POLICY: Omit<FreeBSDPolicy, 'file'> = {
  allow: new Set(),
  devfs: {
    devices: [],
    deny: [],
    rulesets: [SHIPPED_RULESETS.devfsrules_jail, SHIPPED_RULESETS.devfsrules_jail_vnet],
    open: DEFAULT_OPEN_RULES,
    close: [],
    range: [5000, 5999],
  },
  vnetInterfaces: ['epair*'],
  aliasInterfaces: ['lo*'],
  parents: ['*'],
};

const KEYS = ['allow', 'devices', 'vnetInterfaces', 'aliasInterfaces', 'parents', 'devfs'];
const DEVFS_KEYS = ['open', 'close', 'deny', 'rulesets', 'range'];

export function freebsdPolicy(policy: HostPolicy): FreeBSDPolicy {
  const file = policy.file ?? '(default policy)';
  const fail = (where: string, msg: string): never => {
    throw new RuntimeError('ECONFIG', `${file}: /freebsd${where}: ${msg}`);
  };
  const section = policy.sections.freebsd;
  const d = DEFAULT_FREEBSD_POLICY;
  if (section === undefined) return { ...d, file: policy.file };
  if (typeof section !== 'object' || section === null || Array.isArray(section)) return fail('', 'must be an object');
  const s = section as Record<string, unknown>;
  for (const k of Object.keys(s)) if (!KEYS.includes(k)) fail(`/${k}`, 'unknown field');
  const strings = (v: unknown, where: string, dflt: readonly string[]): readonly string[] => {
    if (v === undefined) return dflt;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || x === '')) return fail(where, 'must be an array of non-empty strings');
    return v as string[];
  };
  const dv = (s.devfs ?? {}) as Record<string, unknown>;
  if (typeof dv !== 'object' || dv === null || Array.isArray(dv)) fail('/devfs', 'must be an object');
  for (const k of Object.keys(dv)) if (!DEVFS_KEYS.includes(k)) fail(`/devfs/${k}`, 'unknown field');
  const rules = (v: unknown, where: string, dflt: readonly DevfsRule[]): readonly DevfsRule[] =>
    v === undefined ? dflt : strings(v, where, []).map((r, i) => parseRule(r, `${file}: /freebsd${where}/${i}`));
  const numbers = (v: unknown, where: string): number[] | undefined => {
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.some((n) => !Number.isInteger(n) || n < 1 || n > DEVFS_RULESET_MAX)) return fail(where, `must be an array of ruleset numbers (1..${DEVFS_RULESET_MAX})`);
    return v as number[];
  };
  const range = numbers(dv.range, '/devfs/range') ?? [...d.devfs.range];
  if (range.length !== 2 || (range[0] as number) > (range[1] as number)) fail('/devfs/range', 'must be [first, last]');
  return {
    file: policy.file,
    allow: new Set(strings(s.allow, '/allow', [])),
    devfs: {
      devices: strings(s.devices, '/devices', d.devfs.devices),
      deny: strings(dv.deny, '/devfs/deny', d.devfs.deny),
      rulesets: numbers(dv.rulesets, '/devfs/rulesets') ?? d.devfs.rulesets,
      open: rules(dv.open, '/devfs/open', d.devfs.open),
      close: rules(dv.close, '/devfs/close', d.devfs.close),
      range: [range[0] as number, range[1] as number],
    },
    vnetInterfaces: strings(s.vnetInterfaces, '/vnetInterfaces', d.vnetInterfaces),
    aliasInterfaces: strings(s.aliasInterfaces, '/aliasInterfaces', d.aliasInterfaces),
    parents: strings(s.parents, '/parents', d.parents),
  };
}

/** Is a grant (an allow.* privilege or a `param=value` token) permitted? */
export function granted(p: FreeBSDPolicy, token: string): boolean {
  if (DEFAULT_GRANTS.includes(token) || p.allow.has(token)) return true;
  return token.startsWith('mount.') && p.allow.has('mount.*');
}

export function matchesAny(patterns: readonly string[], name: string): boolean {
  return patterns.some((p) => globMatch(p, name));
}

/** Where to tell the administrator to look. */
export function policyName(p: FreeBSDPolicy): string {
  return p.file ? `the host policy (${p.file})` : 'the host policy';
}
