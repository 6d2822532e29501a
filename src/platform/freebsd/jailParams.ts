/**
 * A merged JailRequest → jail(2) parameters, checked for consistency and
 * against host policy; and the parameters' wire encoding (iovec name/value
 * pairs). Pure.
 */
import { invalid, unsupported } from '../../core/errors.js';
import { LIMITS } from './abi.js';
import { type Address, parseAddressList } from './addresses.js';
import { type FreeBSDPolicy, granted, matchesAny, policyName } from './policy.js';
import type { JailRequest, Mode3, Sourced } from './sources.js';

export type JailParam = { name: string; from?: string } & (
  | { type: 'string'; value: string }
  | { type: 'int'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'jailsys'; value: Mode3 }
  | { type: 'ip4' | 'ip6'; value: string[] }
);

/** MAXHOSTNAMELEN - 1: the longest jail name, host.hostname and host.domainname. */
const MAX_NAME = LIMITS.MAXHOSTNAMELEN - 1;
/** IFNAMSIZ - 1. */
const MAX_IFNAME = LIMITS.IFNAMSIZ - 1;

export interface Alias {
  iface: string;
  family: 'inet' | 'inet6';
  addr: string;
  prefix: number;
}

export interface JailTranslation {
  name: string;
  parent: string | undefined;
  params: JailParam[];
  aliases: Alias[];
  vnetInterfaces: string[];
  /** allow.mount.devfs was granted: the jail gets devfs_ruleset = the generated ruleset. */
  mountsDevfs: boolean;
  warnings: string[];
}

/** Boolean allow.* parameters runj always passes (the spec's default is off for each). */
const ALWAYS_SET = ['set_hostname', 'raw_sockets', 'chflags', 'mount', 'quotas', 'socket_af', 'mlock'];

export function jailName(id: string, parent: Sourced<string> | undefined): string {
  if (id.includes('.')) throw invalid(`container id "${id}": a FreeBSD jail name cannot contain "." (it separates parent and child jails)`);
  if (/^[0-9]+$/.test(id)) throw invalid(`container id "${id}": a FreeBSD jail name cannot be a number (numbers name jails by jid)`);
  if (parent) {
    const parts = parent.value.split('.');
    if (parts.some((p) => p === '' || /^[0-9]+$/.test(p) || /[\s\0]/.test(p))) {
      throw invalid(`${parent.from}: "${parent.value}" is not a jail name`);
    }
  }
  const name = parent ? `${parent.value}.${id}` : id;
  if (Buffer.byteLength(name) > MAX_NAME) throw invalid(`jail name "${name}" is longer than ${MAX_NAME} bytes`);
  return name;
}

function ifname(name: string, where: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(name) || name.length > MAX_IFNAME) throw invalid(`${where}: "${name}" is not an interface name`);
  return name;
}

export function translateJail(id: string, path: string, req: JailRequest, policy: FreeBSDPolicy): JailTranslation {
  const warnings: string[] = [];
  const params: JailParam[] = [];
  const add = (p: JailParam) => params.push(p);
  const grant = (token: string, what: string) => {
    if (!granted(policy, token)) throw unsupported(`${what} needs "${token}" under freebsd.allow in ${policyName(policy)}`);
  };

  if (req.parent && !matchesAny(policy.parents, req.parent.value)) {
    throw unsupported(`${req.parent.from}: parent jail "${req.parent.value}" is not allowed by freebsd.parents in ${policyName(policy)}`);
  }
  const name = jailName(id, req.parent);
  add({ name: 'name', type: 'string', value: name });
  add({ name: 'path', type: 'string', value: path });
  add({ name: 'persist', type: 'bool', value: true });

  // host
  for (const k of ['hostname', 'domainname'] as const) {
    const v = req[k];
    if (!v) continue;
    if (req.host?.value === 'inherit') throw invalid(`${req.host.from} is "inherit" but ${v.from} sets a ${k}: an inherited ${k} cannot be set`);
    if (Buffer.byteLength(v.value) > MAX_NAME || v.value.includes('\0')) throw invalid(`${v.from}: ${k} is longer than ${MAX_NAME} bytes`);
  }
  if (req.host) add({ name: 'host', type: 'jailsys', value: req.host.value, from: req.host.from });
  if (req.hostname) add({ name: 'host.hostname', type: 'string', value: req.hostname.value, from: req.hostname.from });
  if (req.domainname) add({ name: 'host.domainname', type: 'string', value: req.domainname.value, from: req.domainname.from });

  // ip4 / ip6
  const vnetNew = req.vnet?.value === 'new';
  const addresses: Address[] = [];
  for (const fam of [4, 6] as const) {
    const mode = fam === 4 ? req.ip4 : req.ip6;
    const list = fam === 4 ? req.ip4Addr : req.ip6Addr;
    const addrs = list ? parseAddressList(list.value, fam, list.from) : [];
    if (addrs.length && mode && mode.value !== 'new') {
      throw invalid(`${mode.from} is "${mode.value}" but ${list?.from} lists addresses: addresses need ip${fam} "new"`);
    }
    if (addrs.length && vnetNew) {
      throw invalid(`${req.vnet?.from} is "new" but ${list?.from} lists addresses: a vnet jail configures its own addresses`);
    }
    if (mode) add({ name: `ip${fam}`, type: 'jailsys', value: mode.value, from: mode.from });
    if (addrs.length) add({ name: `ip${fam}.addr`, type: fam === 4 ? 'ip4' : 'ip6', value: addrs.map((a) => a.text), from: list?.from });
    addresses.push(...addrs);
  }

  // vnet and interfaces
  if (req.vnet) add({ name: 'vnet', type: 'jailsys', value: req.vnet.value, from: req.vnet.from });
  const vnetInterfaces: string[] = [];
  if (req.vnetInterfaces?.value.length) {
    const from = req.vnetInterfaces.from;
    if (!vnetNew) throw invalid(`${from}: interfaces can only be moved into a jail with vnet "new"`);
    req.vnetInterfaces.value.forEach((n, i) => {
      ifname(n, `${from}/${i}`);
      if (vnetInterfaces.includes(n)) throw invalid(`${from}/${i}: interface ${n} given twice`);
      if (!matchesAny(policy.vnetInterfaces, n)) throw unsupported(`${from}/${i}: moving interface ${n} into a jail is not allowed by freebsd.vnetInterfaces in ${policyName(policy)}`);
      vnetInterfaces.push(n);
    });
  }
  const aliases: Alias[] = [];
  if (req.interface) {
    const { value: iface, from } = req.interface;
    ifname(iface, from);
    if (vnetNew) throw invalid(`${from}: addresses are added to a host interface only for jails without vnet "new"`);
    if (!matchesAny(policy.aliasInterfaces, iface)) throw unsupported(`${from}: adding addresses to interface ${iface} is not allowed by freebsd.aliasInterfaces in ${policyName(policy)}`);
    if (!addresses.length) warnings.push(`${from}: no ip4Addr or ip6Addr to add to ${iface}`);
    for (const a of addresses) aliases.push({ iface, family: a.family === 4 ? 'inet' : 'inet6', addr: a.text, prefix: a.prefix });
  }

  // SysV IPC: the spec's default is "new"
  for (const k of ['sysvmsg', 'sysvsem', 'sysvshm'] as const) {
    const v = req[k];
    if (v?.value === 'inherit') grant(`${k}=inherit`, `${v.from}: "inherit" (the host's IPC objects)`);
    add({ name: k, type: 'jailsys', value: v?.value ?? 'new', ...(v && { from: v.from }) });
  }

  // enforce_statfs: the spec's default is 2
  const es = req.enforceStatfs;
  if (es && (!Number.isInteger(es.value) || es.value < 0 || es.value > 2)) throw invalid(`${es.from}: must be 0, 1 or 2`);
  if (es?.value === 0) grant('enforce_statfs=0', `${es.from}: 0 (every host mount visible)`);
  add({ name: 'enforce_statfs', type: 'int', value: es?.value ?? 2, ...(es && { from: es.from }) });

  // allow.*
  const allow = req.allow;
  const mountTypes = Object.keys(allow).filter((k) => k.startsWith('mount.') && allow[k]?.value).sort();
  if (allow.set_hostname?.value && req.host?.value === 'inherit') {
    throw invalid(`${allow.set_hostname.from} with ${req.host.from} "inherit" would let the container rename the host`);
  }
  for (const [k, v] of Object.entries(allow)) {
    if (!v.value) continue;
    if (k === 'mount' && mountTypes.length) continue; // granted through its types
    grant(k, `${v.from}: allow.${k}`);
  }
  for (const k of ALWAYS_SET) {
    const v = allow[k];
    add({ name: `allow.${k}`, type: 'bool', value: v?.value ?? false, ...(v && { from: v.from }) });
  }
  for (const k of Object.keys(allow).filter((k) => k.startsWith('mount.')).sort()) {
    const v = allow[k] as Sourced<boolean>;
    add({ name: `allow.${k}`, type: 'bool', value: v.value, from: v.from });
  }
  for (const k of ['reserved_ports', 'suser']) {
    const v = allow[k];
    if (v) add({ name: `allow.${k}`, type: 'bool', value: v.value, from: v.from });
  }
  if (mountTypes.length && (es?.value ?? 2) === 2) {
    warnings.push(`allow.${mountTypes[0]}: mounting inside a jail needs enforce_statfs below 2 (it is 2)`);
  }
  return {
    name,
    parent: req.parent?.value,
    params,
    aliases,
    vnetInterfaces,
    mountsDevfs: allow['mount.devfs']?.value === true,
    warnings,
  };
}

