/**
 * The jail(2) wire format: parameters as iovec name/value pairs (names
 * NUL-terminated; strings NUL-terminated; ints in host byte order; jailsys
 * parameters as JAIL_SYS_* ints; booleans by name alone with a NULL value,
 * false as the "no" name; addresses as packed in_addr / in6_addr arrays).
 * Pure.
 */
import { endianness } from 'node:os';
import { JAIL } from './abi.js';
import { packAddresses, parseAddressList } from './addresses.js';
import type { JailParam } from './jailParams.js';
import type { Mode3 } from './sources.js';

/** sys/jail.h JAIL_SYS_* values for "jailsys" parameters (host, ip4, ip6, vnet, sysv*). */
export const JAIL_SYS: Record<Mode3, number> = { disable: JAIL.SYS_DISABLE, new: JAIL.SYS_NEW, inherit: JAIL.SYS_INHERIT };
/** jail_set(2)/jail_get(2) flags. */
export const { CREATE: JAIL_CREATE, UPDATE: JAIL_UPDATE, ATTACH: JAIL_ATTACH, DYING: JAIL_DYING } = JAIL;
/** "allow.mount.tmpfs" → "allow.mount.notmpfs", "persist" → "nopersist" (libjail's rule). */
export function noName(name: string): string {
  const dot = name.lastIndexOf('.');
  return `${name.slice(0, dot + 1)}no${name.slice(dot + 1)}`;
}

function cstring(s: string): Buffer {
  return Buffer.concat([Buffer.from(s, 'utf8'), Buffer.alloc(1)]);
}

/** A C int in host byte order. */
export function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  if (endianness() === 'LE') b.writeInt32LE(n);
  else b.writeInt32BE(n);
  return b;
}

/** One iovec pair: the name (NUL-terminated) and the value (null: a boolean given by name alone). */
export interface IovPair {
  name: Buffer;
  value: Buffer | null;
}

export function readInt32(b: Buffer): number {
  return endianness() === 'LE' ? b.readInt32LE(0) : b.readInt32BE(0);
}

export function encodeParam(p: JailParam): IovPair {
  switch (p.type) {
    case 'string':
      return { name: cstring(p.name), value: cstring(p.value) };
    case 'int':
      return { name: cstring(p.name), value: int32(p.value) };
    case 'jailsys':
      return { name: cstring(p.name), value: int32(JAIL_SYS[p.value]) };
    case 'bool':
      return { name: cstring(p.value ? p.name : noName(p.name)), value: null };
    case 'ip4':
    case 'ip6': {
      const fam = p.type === 'ip4' ? 4 : 6;
      return { name: cstring(p.name), value: packAddresses(parseAddressList(p.value, fam, p.name)) };
    }
  }
}

export function encodeParams(params: readonly JailParam[]): IovPair[] {
  return params.map(encodeParam);
}

/** Human-readable form for `runj check`: "name=c1", "allow.noraw_sockets", "ip4.addr=10.0.0.2,10.0.0.3". */
export function formatParam(p: JailParam): string {
  switch (p.type) {
    case 'bool':
      return p.value ? p.name : noName(p.name);
    case 'ip4':
    case 'ip6':
      return `${p.name}=${p.value.join(',')}`;
    default:
      return `${p.name}=${p.value}`;
  }
}
