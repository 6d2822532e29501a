/**
 * Network steps around the jail's life, as ifconfig(8) argument lists:
 * addresses added as aliases to a host interface at create and removed at
 * delete (freebsd.jail.interface), and interfaces moved into a vnet jail at
 * create and given back before it is removed (freebsd.jail.vnetInterfaces).
 * Pure; system.ts runs them.
 */
import { parseAddress } from './addresses.js';
import type { Alias } from './jailParams.js';

export const IFCONFIG = '/sbin/ifconfig';

export interface NetworkPlan {
  aliases: Alias[];
  vnetInterfaces: string[];
}

export function aliasAddArgs(a: Alias): string[] {
  return a.family === 'inet'
    ? [a.iface, 'inet', `${a.addr}/${a.prefix}`, 'alias']
    : [a.iface, 'inet6', a.addr, 'prefixlen', String(a.prefix), 'alias'];
}

export function aliasRemoveArgs(a: Alias): string[] {
  return [a.iface, a.family, a.addr, '-alias'];
}

export function vnetMoveArgs(iface: string, jid: number): string[] {
  return [iface, 'vnet', String(jid)];
}

export function vnetReturnArgs(iface: string, jid: number): string[] {
  return [iface, '-vnet', String(jid)];
}

/**
 * Does `ifconfig <iface>` output already show the address? Then runj did not
 * add it and must not remove it. IPv6 addresses are compared canonically,
 * without a %scope suffix.
 */
export function interfaceHasAddress(ifconfigOutput: string, a: Alias): boolean {
  const re = a.family === 'inet' ? /^\s*inet\s+(\S+)/gm : /^\s*inet6\s+(\S+)/gm;
  for (const m of ifconfigOutput.matchAll(re)) {
    const text = (m[1] as string).replace(/%.*$/, '');
    try {
      if (parseAddress(text, a.family === 'inet' ? 4 : 6, '').text === a.addr) return true;
    } catch {}
  }
  return false;
}

/** For `runj check`: the commands create and delete would run (<jid> stands for the new jail's id). */
export function describeNetwork(plan: NetworkPlan): { create: string[]; delete: string[] } {
  const cmd = (args: string[]) => `ifconfig ${args.join(' ')}`;
  return {
    create: [
      ...plan.aliases.map((a) => cmd(aliasAddArgs(a))),
      ...plan.vnetInterfaces.map((i) => cmd([i, 'vnet', '<jid>'])),
    ],
    delete: [
      ...plan.vnetInterfaces.map((i) => cmd([i, '-vnet', '<jid>'])),
      ...plan.aliases.map((a) => cmd(aliasRemoveArgs(a))),
    ],
  };
}
