/**
 * The FreeBSD backend's data in a container record (state.json `sandbox`):
 * what setUp made, read back and checked field by field, so a damaged or
 * foreign record is refused with the field's name before teardown acts on it.
 * The shape is the one earlier versions wrote: { jailName, view, rootfs, setup }.
 */
import type { Alias } from './jailParams.js';
import type { SetUpData } from './system.js';
import { fields, integer, isFields, listOf, oneOf, optionalInteger, text } from '../savedData.js';

export interface FreeBSDSetUp {
  jailName: string;
  /** The read-only view mounted as the jail's path, when root.readonly is set. */
  view?: string | undefined;
  rootfs: string;
  setup: SetUpData;
}

const WHERE = 'state.json: sandbox';

/**
 * What setUp did, from the record; undefined when setUp has not finished
 * (nothing to undo but what recovery finds). Only `setup` is read back:
 * jailName, view and rootfs beside it repeat recovery.json's data.
 */
export function readFreeBSDSetUp(sandbox: unknown): SetUpData | undefined {
  if (sandbox === undefined) return undefined;
  const s = fields(sandbox, WHERE);
  // A `creating` record of an older version holds prepare()'s data, without `setup`.
  if (s.setup === undefined) return undefined;
  return setUpData(s.setup, `${WHERE}.setup`);
}

function setUpData(v: unknown, where: string): SetUpData {
  const d = fields(v, where);
  const out: SetUpData = {
    jailName: text(d.jailName, `${where}.jailName`),
    jid: integer(d.jid, `${where}.jid`),
    mounted: listOf(d.mounted, `${where}.mounted`, text),
    created: listOf(d.created, `${where}.created`, text),
    aliases: listOf(d.aliases, `${where}.aliases`, alias),
    moved: listOf(d.moved, `${where}.moved`, text),
  };
  const ruleset = optionalInteger(d.devfsRuleset, `${where}.devfsRuleset`);
  if (ruleset !== undefined) out.devfsRuleset = ruleset;
  if (d.mountedFsids !== undefined) out.mountedFsids = listOf(d.mountedFsids, `${where}.mountedFsids`, text);
  return out;
}

function alias(v: unknown, where: string): Alias {
  const a = fields(v, where);
  return {
    iface: text(a.iface, `${where}.iface`),
    family: oneOf(a.family, `${where}.family`, ['inet', 'inet6'] as const),
    addr: text(a.addr, `${where}.addr`),
    prefix: integer(a.prefix, `${where}.prefix`),
  };
}

/** recovery.json's data: { jailName, view, rootfs }. Read leniently: recovery must go on with what is usable. */
export function readFreeBSDRecovery(data: unknown): { jailName?: string; view?: string; rootfs?: string } {
  if (!isFields(data)) return {};
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const out: { jailName?: string; view?: string; rootfs?: string } = {};
  const jailName = str(data.jailName);
  const view = str(data.view);
  const rootfs = str(data.rootfs);
  if (jailName !== undefined) out.jailName = jailName;
  if (view !== undefined) out.view = view;
  if (rootfs !== undefined) out.rootfs = rootfs;
  return out;
}
