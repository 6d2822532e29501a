/**
 * The three places a FreeBSD jail setting can come from, merged into one
 * request with each value's origin:
 *
 *   1. config.json `freebsd.jail` (runtime-spec v1.3.0), plus `hostname`
 *      and `domainname`;
 *   2. the `org.freebsd.*` annotations podman and buildah send to ocijail;
 *   3. runj.ext.json beside config.json.
 *
 * No source overrides another: a setting given by two sources must have the
 * same value there (addresses compared in canonical form, lists in order),
 * otherwise it is an error that names both. Equal values are merged and
 * credited to the first source in the order above; settings from different
 * sources combine. runj's defaults apply only to what no source sets. Pure.
 */
import type { FreeBSDJail, Spec } from '../../plan/spec.js';
import { invalid } from '../../core/errors.js';
import { parseAddress } from './addresses.js';
import type { RunjExt } from './ext.js';

export type Mode3 = 'new' | 'inherit' | 'disable';
export type Mode2 = 'new' | 'inherit';

export interface Sourced<T> {
  value: T;
  /** Where the value came from, e.g. "config.json /freebsd/jail/vnet" or "annotation org.freebsd.jail.vnet". */
  from: string;
}

export interface JailRequest {
  parent?: Sourced<string>;
  host?: Sourced<Mode2>;
  hostname?: Sourced<string>;
  domainname?: Sourced<string>;
  ip4?: Sourced<Mode3>;
  ip4Addr?: Sourced<string[]>;
  ip6?: Sourced<Mode3>;
  ip6Addr?: Sourced<string[]>;
  vnet?: Sourced<Mode2>;
  interface?: Sourced<string>;
  vnetInterfaces?: Sourced<string[]>;
  sysvmsg?: Sourced<Mode3>;
  sysvsem?: Sourced<Mode3>;
  sysvshm?: Sourced<Mode3>;
  enforceStatfs?: Sourced<number>;
  /** allow.* privileges by their jail(8) names without "allow.": set_hostname, mount, mount.tmpfs, ... */
  allow: Record<string, Sourced<boolean>>;
}

type Scalar = Exclude<keyof JailRequest, 'allow'>;

/** allow.* names the runtime spec defines (mount.<fs> besides). */
export const ALLOW_NAMES = ['set_hostname', 'raw_sockets', 'chflags', 'mount', 'quotas', 'socket_af', 'mlock', 'reserved_ports', 'suser'];
const FS_NAME = /^[a-z0-9_]{1,32}$/;

const CONFIG_ALLOW: Record<string, string> = {
  setHostname: 'set_hostname', rawSockets: 'raw_sockets', chflags: 'chflags', quotas: 'quotas',
  socketAf: 'socket_af', mlock: 'mlock', reservedPorts: 'reserved_ports', suser: 'suser',
};

function canonical(key: string, v: unknown): string {
  if ((key === 'ip4Addr' || key === 'ip6Addr') && Array.isArray(v)) {
    const fam = key === 'ip4Addr' ? 4 : 6;
    return JSON.stringify(v.map((a: string) => {
      try {
        return parseAddress(a, fam, '').text;
      } catch {
        return a;
      }
    }));
  }
  return JSON.stringify(v);
}

function show(v: unknown): string {
  return Array.isArray(v) ? `[${v.map((x) => JSON.stringify(x)).join(', ')}]` : JSON.stringify(v);
}

class Merger {
  readonly req: JailRequest = { allow: {} };
  set<K extends Scalar>(key: K, value: NonNullable<JailRequest[K]>['value'] | undefined, from: string): void {
    if (value === undefined) return;
    const prev = this.req[key] as Sourced<unknown> | undefined;
    if (prev && canonical(key, prev.value) !== canonical(key, value)) {
      throw invalid(`conflicting values for jail setting "${key}": ${prev.from} says ${show(prev.value)} but ${from} says ${show(value)}`);
    }
    if (!prev) (this.req as unknown as Record<string, Sourced<unknown>>)[key] = { value, from };
  }
  allow(name: string, value: boolean, from: string): void {
    const prev = this.req.allow[name];
    if (prev && prev.value !== value) {
      throw invalid(`conflicting values for jail setting "allow.${name}": ${prev.from} says ${prev.value} but ${from} says ${value}`);
    }
    if (!prev) this.req.allow[name] = { value, from };
  }
}

/** freebsd.jail fields that map one to one onto merged settings of the same name. */
const JAIL_FIELDS = [
  'parent', 'host', 'ip4', 'ip4Addr', 'ip6', 'ip6Addr', 'vnet', 'interface', 'vnetInterfaces',
  'sysvmsg', 'sysvsem', 'sysvshm', 'enforceStatfs',
] as const;

function fromConfig(m: Merger, spec: Spec): void {
  const at = (f: string) => `config.json /freebsd/jail/${f}`;
  m.set('hostname', spec.hostname || undefined, 'config.json /hostname');
  m.set('domainname', spec.domainname || undefined, 'config.json /domainname');
  const j: FreeBSDJail = spec.freebsd?.jail ?? {};
  for (const field of JAIL_FIELDS) m.set(field, j[field], at(field));
  for (const [field, value] of Object.entries(j.allow ?? {})) {
    if (field === 'mount') {
      (value as string[]).forEach((fs, i) => {
        if (!FS_NAME.test(fs)) throw invalid(`${at('allow/mount')}/${i}: "${fs}" is not a file system type name`);
        m.allow('mount', true, at('allow/mount'));
        m.allow(`mount.${fs}`, true, `${at('allow/mount')}/${i}`);
      });
    } else if (CONFIG_ALLOW[field] && typeof value === 'boolean') {
      m.allow(CONFIG_ALLOW[field], value, at(`allow/${field}`));
    } else {
      throw invalid(`${at(`allow/${field}`)}: unknown field`);
    }
  }
}

const ANNOTATION_MODE3: Record<string, Scalar> = {
  'org.freebsd.jail.sysvmsg': 'sysvmsg', 'org.freebsd.jail.sysvsem': 'sysvsem', 'org.freebsd.jail.sysvshm': 'sysvshm',
};

function fromAnnotations(m: Merger, annotations: Record<string, string>, debug: string[]): void {
  for (const [key, raw] of Object.entries(annotations)) {
    if (!key.startsWith('org.freebsd.')) continue;
    const from = `annotation ${key}`;
    const value = raw.trim();
    const oneOf = <T extends string>(allowed: readonly T[]): T => {
      if (!allowed.includes(value as T)) throw invalid(`${from}: "${raw}" must be one of ${allowed.join(', ')}`);
      return value as T;
    };
    if (key === 'org.freebsd.parentJail') m.set('parent', value, from);
    else if (key === 'org.freebsd.jail.vnet') m.set('vnet', oneOf(['new', 'inherit'] as const), from);
    else if (ANNOTATION_MODE3[key]) m.set(ANNOTATION_MODE3[key], oneOf(['new', 'inherit', 'disable'] as const), from);
    else if (key === 'org.freebsd.jail.ip4.addr' || key === 'org.freebsd.jail.ip6.addr') {
      const list = value.split(/[\s,]+/).filter(Boolean);
      m.set(key.includes('ip4') ? 'ip4Addr' : 'ip6Addr', list, from);
    } else if (key.startsWith('org.freebsd.jail.allow.')) {
      const name = key.slice('org.freebsd.jail.allow.'.length);
      const known = ALLOW_NAMES.includes(name) || (name.startsWith('mount.') && FS_NAME.test(name.slice(6)));
      if (!known) throw invalid(`${from}: unknown jail permission "allow.${name}"`);
      const b = oneOf(['true', 'false', '1', '0'] as const);
      m.allow(name, b === 'true' || b === '1', from);
      if (name.startsWith('mount.') && (b === 'true' || b === '1')) m.allow('mount', true, from);
    } else if (key.startsWith('org.freebsd.jail.')) {
      throw invalid(`${from}: unknown FreeBSD jail annotation; runj understands org.freebsd.parentJail, org.freebsd.jail.{vnet,sysvmsg,sysvsem,sysvshm,ip4.addr,ip6.addr,allow.<name>}`);
    } else {
      debug.push(`ignoring annotation ${key}: not a jail setting`);
    }
  }
}

function fromExt(m: Merger, ext: RunjExt | undefined): void {
  const net = ext?.network;
  m.set('ip4', net?.ipv4?.mode, 'runj.ext.json /network/ipv4/mode');
  m.set('ip4Addr', net?.ipv4?.addr, 'runj.ext.json /network/ipv4/addr');
  m.set('vnet', net?.vnet?.mode, 'runj.ext.json /network/vnet/mode');
  m.set('vnetInterfaces', net?.vnet?.interfaces, 'runj.ext.json /network/vnet/interfaces');
}

export function mergeSources(spec: Spec, annotations: Record<string, string>, ext: RunjExt | undefined): { request: JailRequest; debug: string[] } {
  const m = new Merger();
  const debug: string[] = [];
  fromConfig(m, spec);
  fromAnnotations(m, annotations, debug);
  fromExt(m, ext);
  return { request: m.req, debug };
}
