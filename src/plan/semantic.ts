/**
 * Semantic checks on a config that already passed the JSON Schema: rules that
 * span fields or need path and address logic. Each check is a small named
 * function returning Problems; an empty list means the check passed.
 */
import type * as Net from 'node:net';
import { builtin } from '../core/builtin.js';
import { RuntimeError } from '../core/errors.js';
import type { Hooks, Process, Spec } from './spec.js';

/** One finding: a JSON pointer into the document ("" is the document) and a plain-words rule. */
export interface Problem {
  pointer: string;
  message: string;
}

export type SpecCheck = (spec: Spec) => Problem[];
/** Checks on a process object found at JSON pointer `at` ("/process" in config.json, "" in an exec process file). */
export type ProcessCheck = (process: Process, at: string) => Problem[];

/** Builds a JSON pointer (RFC 6901) from segments. */
export function pointer(...segments: Array<string | number>): string {
  return segments.map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

const got = (value: unknown): string => {
  const text = JSON.stringify(value) ?? String(value);
  return `(got ${text.length > 60 ? `${text.slice(0, 57)}...` : text})`;
};
/** No problem when `ok`, else one at `at`. */
const rule = (ok: boolean, at: string, message: string): Problem[] => (ok ? [] : [{ pointer: at, message }]);
const isAbsolute = (p: unknown): boolean => typeof p === 'string' && p.startsWith('/');
const absolute = (value: unknown, at: string): Problem[] =>
  rule(isAbsolute(value), at, `must be an absolute path ${got(value)}`);
/** A problem at `${at}/<i><suffix>` for every item whose key was already used by an earlier item. */
function duplicates<T>(items: T[], key: (item: T) => string, at: string, suffix: string, what: string): Problem[] {
  const first = new Map<string, number>();
  return items.flatMap((item, i) => {
    const k = key(item);
    const seen = first.get(k);
    if (seen === undefined) first.set(k, i);
    return rule(seen === undefined, `${at}/${i}${suffix}`, `duplicate ${what} ${k} (also at ${at}/${seen})`);
  });
}

const HOOK_KINDS: Array<keyof Hooks> = [
  'prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop',
];
const hookEntries = (spec: Spec) =>
  HOOK_KINDS.flatMap((kind) => (spec.hooks?.[kind] ?? []).map((hook, i) => ({ hook, at: pointer('hooks', kind, i) })));

// --- process ------------------------------------------------------------------

export const argsNotEmpty: ProcessCheck = (p, at) =>
  rule((p.args?.length ?? 0) > 0, `${at}/args`, 'must contain at least one argument (the program to run)');

export const cwdAbsolute: ProcessCheck = (p, at) => absolute(p.cwd, `${at}/cwd`);

export const envWellFormed: ProcessCheck = (p, at) =>
  (p.env ?? []).flatMap((entry, i) =>
    rule(entry.indexOf('=') > 0, `${at}/env/${i}`, `must be a KEY=VALUE string with a non-empty KEY ${got(entry)}`),
  );

export const rlimitTypesUnique: ProcessCheck = (p, at) =>
  duplicates(p.rlimits ?? [], (r) => r.type, `${at}/rlimits`, '/type', 'rlimit');

/** Linux's NGROUPS_MAX; setgroups(2) refuses more (FreeBSD's kern.ngroups is lower: its setgroups says so). */
const NGROUPS_MAX = 65536;
export const additionalGidsBounded: ProcessCheck = (p, at) => {
  const n = p.user?.additionalGids?.length ?? 0;
  return rule(n <= NGROUPS_MAX, `${at}/user/additionalGids`, `at most ${NGROUPS_MAX} groups (NGROUPS_MAX), got ${n}`);
};

const CAP_NAME = /^CAP_[A-Z_]+$/;
export const capabilityNamesWellFormed: ProcessCheck = (p, at) =>
  Object.entries<string[] | undefined>({ ...p.capabilities }).flatMap(([set, names]) =>
    (names ?? []).flatMap((name, i) =>
      rule(
        CAP_NAME.test(name),
        `${at}${pointer('capabilities', set, i)}`,
        `must be a capability name of the form CAP_[A-Z_]+ ${got(name)}`,
      ),
    ),
  );

export const PROCESS_CHECKS: ProcessCheck[] = [
  argsNotEmpty,
  cwdAbsolute,
  envWellFormed,
  rlimitTypesUnique,
  capabilityNamesWellFormed,
  additionalGidsBounded,
];

export function checkProcess(process: Process, at: string): Problem[] {
  return PROCESS_CHECKS.flatMap((check) => check(process, at));
}

// --- common -------------------------------------------------------------------

const VERSION = /^(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;
/** 1.0.0 up to 1.3.x; prereleases of those (1.0.0-rc.1, 1.3.0-rc.2) are accepted too. */
export const ociVersionSupported: SpecCheck = (spec) => {
  const m = VERSION.exec(spec.ociVersion);
  if (!m) return rule(false, '/ociVersion', `must be a SemVer 2.0.0 version such as 1.3.0 ${got(spec.ociVersion)}`);
  const ok = Number(m[1]) === 1 && Number(m[2]) <= 3;
  return rule(ok, '/ociVersion', `unsupported version ${spec.ociVersion}: runj supports 1.0.0 to 1.3.x`);
};

export const mountDestinationsAbsolute: SpecCheck = (spec) =>
  (spec.mounts ?? []).flatMap((m, i) => absolute(m.destination, pointer('mounts', i, 'destination')));

export const hookPathsAbsolute: SpecCheck = (spec) =>
  hookEntries(spec).flatMap(({ hook, at }) => absolute(hook.path, `${at}/path`));

export const hookTimeoutsPositive: SpecCheck = (spec) =>
  hookEntries(spec).flatMap(({ hook, at }) =>
    rule((hook.timeout ?? 1) > 0, `${at}/timeout`, `must be greater than zero ${got(hook.timeout)}`),
  );

export const processRules: SpecCheck = (spec) => (spec.process ? checkProcess(spec.process, '/process') : []);

// --- linux --------------------------------------------------------------------

export const namespaceTypesUnique: SpecCheck = (spec) =>
  duplicates(spec.linux?.namespaces ?? [], (ns) => ns.type, '/linux/namespaces', '/type', 'namespace type');

export const namespacePathsAbsolute: SpecCheck = (spec) =>
  (spec.linux?.namespaces ?? []).flatMap((ns, i) =>
    ns.path === undefined ? [] : absolute(ns.path, pointer('linux', 'namespaces', i, 'path')),
  );

const NO_USERNS = 'requires a user namespace, but /linux/namespaces has no "user" entry';
export const idMappingsNeedUserNamespace: SpecCheck = (spec) => {
  const linux = spec.linux;
  const hasUserNs = (linux?.namespaces ?? []).some((ns) => ns.type === 'user');
  return (['uidMappings', 'gidMappings'] as const).flatMap((key) =>
    rule(hasUserNs || (linux?.[key]?.length ?? 0) === 0, pointer('linux', key), NO_USERNS),
  );
};

/** Dotted (net.ipv4.ip_forward) or slashed (net/ipv4/ip_forward) names; no empty, "." or ".." components. */
const SYSCTL_NAME = /^[A-Za-z0-9_%@:+-]+([./][A-Za-z0-9_%@:+-]+)*$/;
export const sysctlNamesWellFormed: SpecCheck = (spec) =>
  Object.keys(spec.linux?.sysctl ?? {}).flatMap((key) =>
    rule(SYSCTL_NAME.test(key), pointer('linux', 'sysctl', key), 'is not a well-formed sysctl name (like a.b_c.d)'),
  );

export const maskedAndReadonlyPathsAbsolute: SpecCheck = (spec) =>
  (['maskedPaths', 'readonlyPaths'] as const).flatMap((key) =>
    (spec.linux?.[key] ?? []).flatMap((p, i) => absolute(p, pointer('linux', key, i))),
  );

// --- freebsd ------------------------------------------------------------------

// node:net (for its address parsers) costs ~5 ms of start-up, node:stream included: every
// create would pay it, so it is required only when a jail lists addresses.
const net = (): typeof Net => builtin<typeof Net>('node:net');

export const jailAddressesValid: SpecCheck = (spec) => {
  const jail = spec.freebsd?.jail;
  const literal = (key: 'ip4Addr' | 'ip6Addr', valid: (a: string) => boolean, family: string): Problem[] =>
    (jail?.[key] ?? []).flatMap((addr, i) =>
      rule(valid(addr), pointer('freebsd', 'jail', key, i), `must be a literal ${family} address ${got(addr)}`),
    );
  return [...literal('ip4Addr', (a) => net().isIPv4(a), 'IPv4'), ...literal('ip6Addr', (a) => net().isIPv6(a), 'IPv6')];
};

export const jailHostInheritWithoutNames: SpecCheck = (spec) =>
  (['hostname', 'domainname'] as const).flatMap((key) =>
    rule(
      spec.freebsd?.jail?.host !== 'inherit' || !spec[key],
      `/${key}`,
      'must not be set when /freebsd/jail/host is "inherit" (use "new")',
    ),
  );

export const jailEnforceStatfsInRange: SpecCheck = (spec) => {
  const v = spec.freebsd?.jail?.enforceStatfs;
  const ok = v === undefined || v === 0 || v === 1 || v === 2;
  return rule(ok, '/freebsd/jail/enforceStatfs', `must be 0, 1 or 2 ${got(v)}`);
};

export const freebsdDevicePathsRelative: SpecCheck = (spec) =>
  (spec.freebsd?.devices ?? []).flatMap((d, i) =>
    rule(
      d.path !== '' && !d.path.startsWith('/') && !d.path.split('/').includes('..'),
      pointer('freebsd', 'devices', i, 'path'),
      `must be a path relative to /dev without ".." ${got(d.path)}`,
    ),
  );

/** Every check validateConfigDocument runs, in order. requireProcess is separate: only create needs a process. */
export const SEMANTIC_CHECKS: SpecCheck[] = [
  ociVersionSupported,
  mountDestinationsAbsolute,
  hookPathsAbsolute,
  hookTimeoutsPositive,
  processRules,
  namespaceTypesUnique,
  namespacePathsAbsolute,
  idMappingsNeedUserNamespace,
  sysctlNamesWellFormed,
  maskedAndReadonlyPathsAbsolute,
  jailAddressesValid,
  jailHostInheritWithoutNames,
  jailEnforceStatfsInRange,
  freebsdDevicePathsRelative,
];

export function checkSemantics(spec: Spec): Problem[] {
  return SEMANTIC_CHECKS.flatMap((check) => check(spec));
}

export const processPresent: SpecCheck = (spec) =>
  rule(spec.process !== undefined, '', "must have required property 'process' (the container's program)");

/** For create: the config must describe a process. Returns it, or throws ECONFIG. */
export function requireProcess(spec: Spec, file = 'config.json'): Process {
  if (spec.process) return spec.process;
  throw problemsError(file, processPresent(spec));
}

// --- reporting ----------------------------------------------------------------

export const MAX_REPORTED = 5;

/** "config.json: /mounts/1/destination: must be ...", one line per problem, at most MAX_REPORTED. */
export function formatProblems(file: string, problems: Problem[]): string {
  const lines = problems
    .slice(0, MAX_REPORTED)
    .map((p) => (p.pointer ? `${file}: ${p.pointer}: ${p.message}` : `${file}: ${p.message}`));
  const more = problems.length - MAX_REPORTED;
  if (more > 0) lines.push(`${file}: ... and ${more} more problem${more === 1 ? '' : 's'}`);
  return lines.join('\n');
}

export function problemsError(file: string, problems: Problem[]): RuntimeError {
  return new RuntimeError('ECONFIG', formatProblems(file, problems), { file, problems });
}
