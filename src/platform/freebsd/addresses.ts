/**
 * IPv4/IPv6 address parsing and packing for the ip4.addr / ip6.addr jail
 * parameters (arrays of struct in_addr / struct in6_addr, network byte
 * order). Strict: dotted quads without leading zeros, RFC 4291 text forms
 * without zone ids; an optional /prefix is used only for interface aliases.
 * Pure.
 */
import { STRUCTS } from './abi.js';
import { invalid } from '../../core/errors.js';

export interface Address {
  family: 4 | 6;
  /** Canonical text (RFC 5952 for IPv6). */
  text: string;
  bytes: Buffer;
  /** Prefix length for an interface alias: given, or 32 / 128. */
  prefix: number;
}

function parse4(s: string): Buffer | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out = Buffer.alloc(STRUCTS.in_addr.size);
  for (let i = 0; i < 4; i++) {
    const p = parts[i] as string;
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255) return undefined;
    out[i] = Number(p);
  }
  return out;
}

function parse6(s: string): Buffer | undefined {
  if (!/^[0-9A-Fa-f:.]+$/.test(s)) return undefined;
  let head = s;
  let v4: Buffer | undefined;
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.')) {
    v4 = parse4(s.slice(lastColon + 1));
    if (!v4) return undefined;
    head = s.slice(0, lastColon + 1);
    if (!head.endsWith('::')) head = head.slice(0, -1);
  }
  const groupsWanted = v4 ? 6 : 8;
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const toGroups = (h: string) => (h === '' ? [] : h.split(':'));
  const left = toGroups(halves[0] as string);
  const right = halves.length === 2 ? toGroups(halves[1] as string) : [];
  if ([...left, ...right].some((g) => !/^[0-9A-Fa-f]{1,4}$/.test(g))) return undefined;
  let groups: string[];
  if (halves.length === 2) {
    const fill = groupsWanted - left.length - right.length;
    if (fill < 1) return undefined;
    groups = [...left, ...Array<string>(fill).fill('0'), ...right];
  } else {
    groups = left;
  }
  if (groups.length !== groupsWanted) return undefined;
  const out = Buffer.alloc(STRUCTS.in6_addr.size);
  for (const [i, g] of groups.entries()) out.writeUInt16BE(Number.parseInt(g, 16), i * 2);
  if (v4) v4.copy(out, 12);
  return out;
}

/** RFC 5952: lower case, no leading zeros, the longest run (>= 2) of zero groups as "::". */
export function formatIPv6(bytes: Buffer): string {
  const g = Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = (a: number[]) => a.map((x) => x.toString(16)).join(':');
  if (best < 0) return hex(g);
  return `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}

export function parseAddress(text: string, family: 4 | 6, where: string): Address {
  const m = /^([^/]+)(?:\/([0-9]{1,3}))?$/.exec(text);
  const max = family === 4 ? 32 : 128;
  const bytes = m ? (family === 4 ? parse4(m[1] as string) : parse6(m[1] as string)) : undefined;
  if (!m || !bytes) throw invalid(`${where}: "${text}" is not a numeric IPv${family} address`);
  const prefix = m[2] === undefined ? max : Number(m[2]);
  if (prefix < 1 || prefix > max) throw invalid(`${where}: "${text}": prefix length must be 1..${max}`);
  if (bytes.every((b) => b === 0)) throw invalid(`${where}: "${text}": the unspecified address cannot be given to a jail`);
  if (family === 4 && bytes.every((b) => b === 255)) throw invalid(`${where}: "${text}": the broadcast address cannot be given to a jail`);
  const canonical = family === 4 ? Array.from(bytes).join('.') : formatIPv6(bytes);
  return { family, text: canonical, bytes, prefix };
}

/** Parses a list, refusing duplicates (the kernel refuses them with a less helpful EINVAL). */
export function parseAddressList(list: readonly string[], family: 4 | 6, where: string): Address[] {
  const out: Address[] = [];
  list.forEach((text, i) => {
    const a = parseAddress(text, family, `${where}/${i}`);
    if (out.some((b) => b.text === a.text)) throw invalid(`${where}/${i}: duplicate address ${a.text}`);
    out.push(a);
  });
  return out;
}

/** The jail parameter value: the addresses' bytes back to back, first address first. */
export function packAddresses(list: readonly Address[]): Buffer {
  return Buffer.concat(list.map((a) => a.bytes));
}
