/**
 * runj.ext.json: runj's own extension file beside config.json (the format
 * of samuelkarp/runj), for settings older tools could not put in config.json:
 *
 *   { "network": {
 *       "ipv4": { "mode": "new" | "inherit" | "disable", "addr": ["10.0.0.2"] },
 *       "vnet": { "mode": "new" | "inherit", "interfaces": ["epair0b"] } } }
 *
 * Unknown fields are errors: a setting runj would not apply must not be
 * dropped silently.
 */
import * as path from 'node:path';
import { RuntimeError } from '../../core/errors.js';
import { readJsonFile } from '../../core/json.js';
import { SMALL_DOC_MAX } from '../../core/readLimited.js';

export const EXT_FILE = 'runj.ext.json';

export interface RunjExt {
  network?: {
    ipv4?: { mode?: 'new' | 'inherit' | 'disable'; addr?: string[] };
    vnet?: { mode?: 'new' | 'inherit'; interfaces?: string[] };
  };
}

function fail(where: string, msg: string): never {
  throw new RuntimeError('ECONFIG', `${EXT_FILE}: ${where}: ${msg}`);
}

function object(v: unknown, where: string, keys: readonly string[]): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(where || '/', 'must be an object');
  for (const k of Object.keys(v)) if (!keys.includes(k)) fail(`${where}/${k}`, 'unknown field');
  return v as Record<string, unknown>;
}

function mode<T extends string>(v: unknown, where: string, allowed: readonly T[]): T | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !allowed.includes(v as T)) fail(where, `must be one of ${allowed.map((a) => `"${a}"`).join(', ')}`);
  return v as T;
}

function strings(v: unknown, where: string): string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) fail(where, 'must be an array of strings');
  return v as string[];
}

/** Validates a parsed runj.ext.json document. */
export function parseRunjExt(doc: unknown): RunjExt {
  const top = object(doc, '', ['network']);
  if (top.network === undefined) return {};
  const net = object(top.network, '/network', ['ipv4', 'vnet']);
  const network: NonNullable<RunjExt['network']> = {};
  if (net.ipv4 !== undefined) {
    const v4 = object(net.ipv4, '/network/ipv4', ['mode', 'addr']);
    const m = mode(v4.mode, '/network/ipv4/mode', ['new', 'inherit', 'disable'] as const);
    const addr = strings(v4.addr, '/network/ipv4/addr');
    network.ipv4 = { ...(m && { mode: m }), ...(addr && { addr }) };
  }
  if (net.vnet !== undefined) {
    const vn = object(net.vnet, '/network/vnet', ['mode', 'interfaces']);
    const m = mode(vn.mode, '/network/vnet/mode', ['new', 'inherit'] as const);
    const interfaces = strings(vn.interfaces, '/network/vnet/interfaces');
    network.vnet = { ...(m && { mode: m }), ...(interfaces && { interfaces }) };
  }
  return { network };
}

/** Reads <bundle>/runj.ext.json; a missing file is undefined. */
export function readRunjExt(bundle: string): RunjExt | undefined {
  const doc = readJsonFile(path.join(bundle, EXT_FILE), { max: SMALL_DOC_MAX, what: EXT_FILE, code: 'EBUNDLE', optional: true });
  return doc === undefined ? undefined : parseRunjExt(doc);
}
