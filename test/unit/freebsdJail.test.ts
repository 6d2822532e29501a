import { describe, expect, it } from 'vitest';
import type { FreeBSDJail, Spec } from '../../src/plan/spec.js';
import { jailName } from '../../src/platform/freebsd/jailParams.js';
import { encodeParam, formatParam, noName } from '../../src/platform/freebsd/iov.js';
import { errorOf, fplan, freebsdSpec, paramText, policyOf } from './freebsdFixtures.js';

const DEFAULTS = [
  'name=c1', 'path=/bundle/rootfs', 'persist', 'sysvmsg=new', 'sysvsem=new', 'sysvshm=new', 'enforce_statfs=2',
  'allow.noset_hostname', 'allow.noraw_sockets', 'allow.nochflags', 'allow.nomount', 'allow.noquotas', 'allow.nosocket_af', 'allow.nomlock',
];

const jail = (patch: FreeBSDJail) => (s: Spec) => {
  s.freebsd = { ...s.freebsd, jail: patch };
};
const params = (patch: (s: Spec) => void, policy?: unknown, id = 'c1') =>
  paramText(fplan(freebsdSpec(patch), { id, ...(policy !== undefined && { policy: policyOf(policy) }) }));
const extra = (patch: (s: Spec) => void, policy?: unknown) => params(patch, policy).filter((p) => !DEFAULTS.includes(p));

describe('jail parameters for each field', () => {
  it('a minimal config: name, path, persist and the spec defaults, every restriction explicit', () => {
    expect(params(() => {})).toEqual(DEFAULTS);
  });
  it.each<[string, (s: Spec) => void, string[], unknown?]>([
    ['hostname → host.hostname', (s) => { s.hostname = 'web'; }, ['host.hostname=web']],
    ['domainname → host.domainname', (s) => { s.domainname = 'example.org'; }, ['host.domainname=example.org']],
    ['host new with hostname', (s) => { s.hostname = 'web'; jail({ host: 'new' })(s); }, ['host=new', 'host.hostname=web']],
    ['host inherit', jail({ host: 'inherit' }), ['host=inherit']],
    ['ip4 inherit', jail({ ip4: 'inherit' }), ['ip4=inherit']],
    ['ip4 disable', jail({ ip4: 'disable' }), ['ip4=disable']],
    ['ip4Addr (ip4 new implied)', jail({ ip4Addr: ['10.0.0.2', '10.0.0.3'] }), ['ip4.addr=10.0.0.2,10.0.0.3']],
    ['ip4 new with addresses', jail({ ip4: 'new', ip4Addr: ['10.0.0.2'] }), ['ip4=new', 'ip4.addr=10.0.0.2']],
    ['ip6 inherit', jail({ ip6: 'inherit' }), ['ip6=inherit']],
    ['ip6Addr, canonical', jail({ ip6Addr: ['FD00:0::2'] }), ['ip6.addr=fd00::2']],
    ['vnet new', jail({ vnet: 'new' }), ['vnet=new']],
    ['vnet inherit', jail({ vnet: 'inherit' }), ['vnet=inherit']],
    ['vnetInterfaces (no parameter: moved by ifconfig)', jail({ vnet: 'new', vnetInterfaces: ['epair0b'] }), ['vnet=new']],
    ['sysvmsg disable', jail({ sysvmsg: 'disable' }), ['sysvmsg=disable']],
    ['sysvsem inherit (policy)', jail({ sysvsem: 'inherit' }), ['sysvsem=inherit'], { freebsd: { allow: ['sysvsem=inherit'] } }],
    ['sysvshm inherit (policy)', jail({ sysvshm: 'inherit' }), ['sysvshm=inherit'], { freebsd: { allow: ['sysvshm=inherit'] } }],
    ['enforceStatfs 1', jail({ enforceStatfs: 1 }), ['enforce_statfs=1']],
    ['enforceStatfs 0 (policy)', jail({ enforceStatfs: 0 }), ['enforce_statfs=0'], { freebsd: { allow: ['enforce_statfs=0'] } }],
    ['allow.setHostname', (s) => { s.hostname = 'h'; jail({ allow: { setHostname: true } })(s); }, ['host.hostname=h', 'allow.set_hostname']],
    ['allow.rawSockets (policy)', jail({ allow: { rawSockets: true } }), ['allow.raw_sockets'], { freebsd: { allow: ['raw_sockets'] } }],
    ['allow.chflags (policy)', jail({ allow: { chflags: true } }), ['allow.chflags'], { freebsd: { allow: ['chflags'] } }],
    ['allow.quotas (policy)', jail({ allow: { quotas: true } }), ['allow.quotas'], { freebsd: { allow: ['quotas'] } }],
    ['allow.socketAf (policy)', jail({ allow: { socketAf: true } }), ['allow.socket_af'], { freebsd: { allow: ['socket_af'] } }],
    ['allow.mlock (policy)', jail({ allow: { mlock: true } }), ['allow.mlock'], { freebsd: { allow: ['mlock'] } }],
    ['allow.reservedPorts true', jail({ allow: { reservedPorts: true } }), ['allow.reserved_ports']],
    ['allow.reservedPorts false', jail({ allow: { reservedPorts: false } }), ['allow.noreserved_ports']],
    ['allow.suser false', jail({ allow: { suser: false } }), ['allow.nosuser']],
    ['allow.suser true', jail({ allow: { suser: true } }), ['allow.suser']],
    ['allow.mount per type (policy)', jail({ enforceStatfs: 1, allow: { mount: ['tmpfs', 'nullfs'] } }),
      ['enforce_statfs=1', 'allow.mount', 'allow.mount.nullfs', 'allow.mount.tmpfs'], { freebsd: { allow: ['mount.tmpfs', 'mount.nullfs'] } }],
    ['allow.mount with mount.* in the policy', jail({ enforceStatfs: 1, allow: { mount: ['zfs'] } }),
      ['enforce_statfs=1', 'allow.mount', 'allow.mount.zfs'], { freebsd: { allow: ['mount.*'] } }],
  ])('%s', (_n, patch, expected, policy) => {
    expect(extra(patch, policy)).toEqual(expected);
  });
  it('explicit false allow fields replace the defaults in place', () => {
    expect(params(jail({ allow: { rawSockets: false, chflags: false } }))).toEqual(DEFAULTS);
  });
  it('parent: the name is <parent>.<id>', () => {
    const p = fplan(freebsdSpec(jail({ parent: 'pod1' })));
    expect(p.jail.name).toBe('pod1.c1');
    expect(p.jail.parent).toBe('pod1');
    expect(paramText(p)[0]).toBe('name=pod1.c1');
  });
  it('annotations and runj.ext.json reach the parameters with their origin', () => {
    const p = fplan(freebsdSpec((s) => { s.annotations = { 'org.freebsd.jail.vnet': 'new' }; }), { ext: { network: { vnet: { interfaces: ['epair3b'] } } } });
    expect(p.jail.params.find((x) => x.name === 'vnet')).toEqual({ name: 'vnet', type: 'jailsys', value: 'new', from: 'annotation org.freebsd.jail.vnet' });
    expect(p.network.vnetInterfaces).toEqual(['epair3b']);
  });
  it('root.readonly: the jail path is the read-only view', () => {
    const p = fplan(freebsdSpec((s) => { s.root = { path: 'rootfs', readonly: true }; }));
    expect(paramText(p)[1]).toBe('path=/run/rj/jails/c1/root');
    expect(p.view).toBe('/run/rj/jails/c1/root');
  });
});

describe('network plan', () => {
  it('interface: each address becomes an alias', () => {
    const p = fplan(freebsdSpec(jail({ interface: 'lo1', ip4Addr: ['127.0.1.2'], ip6Addr: ['fd00::2/64'] })));
    expect(p.network.aliases).toEqual([
      { iface: 'lo1', family: 'inet', addr: '127.0.1.2', prefix: 32 },
      { iface: 'lo1', family: 'inet6', addr: 'fd00::2', prefix: 64 },
    ]);
  });
  it('interface without addresses is a warning', () => {
    expect(fplan(freebsdSpec(jail({ interface: 'lo1' }))).warnings).toContain('config.json /freebsd/jail/interface: no ip4Addr or ip6Addr to add to lo1');
  });
});

describe('refused combinations', () => {
  it.each<[string, (s: Spec) => void, string, unknown?]>([
    ['host inherit with a hostname', (s) => { s.hostname = 'h'; jail({ host: 'inherit' })(s); },
      'config.json /freebsd/jail/host is "inherit" but config.json /hostname sets a hostname: an inherited hostname cannot be set'],
    ['host inherit with a domainname', (s) => { s.domainname = 'd'; jail({ host: 'inherit' })(s); }, 'an inherited domainname cannot be set'],
    ['ip4 inherit with addresses', jail({ ip4: 'inherit', ip4Addr: ['10.0.0.2'] }),
      'config.json /freebsd/jail/ip4 is "inherit" but config.json /freebsd/jail/ip4Addr lists addresses: addresses need ip4 "new"'],
    ['ip6 disable with addresses', jail({ ip6: 'disable', ip6Addr: ['fd00::1'] }), 'addresses need ip6 "new"'],
    ['vnet new with addresses', jail({ vnet: 'new', ip4Addr: ['10.0.0.2'] }), 'a vnet jail configures its own addresses'],
    ['vnetInterfaces without vnet new', jail({ vnetInterfaces: ['epair0b'] }), 'interfaces can only be moved into a jail with vnet "new"'],
    ['vnetInterfaces twice', jail({ vnet: 'new', vnetInterfaces: ['epair0b', 'epair0b'] }), 'vnetInterfaces/1: interface epair0b given twice'],
    ['a bad interface name', jail({ vnet: 'new', vnetInterfaces: ['epair 0'] }), '"epair 0" is not an interface name'],
    ['an interface name longer than IFNAMSIZ', jail({ interface: 'abcdefghijklmnop', ip4Addr: ['10.0.0.2'] }), 'is not an interface name'],
    ['interface with vnet new', jail({ vnet: 'new', interface: 'lo1' }), 'addresses are added to a host interface only for jails without vnet "new"'],
    ['a bad address', jail({ ip4Addr: ['10.0.0.300'] }), 'config.json /freebsd/jail/ip4Addr/0: "10.0.0.300" is not a numeric IPv4 address'],
    ['enforceStatfs 3', jail({ enforceStatfs: 3 }), 'config.json /freebsd/jail/enforceStatfs: must be 0, 1 or 2'],
    ['set_hostname with host inherit', jail({ host: 'inherit', allow: { setHostname: true } }), 'would let the container rename the host'],
    ['a parent name with an empty component', jail({ parent: 'a..b' }), '"a..b" is not a jail name'],
    ['a numeric parent', jail({ parent: '12' }), '"12" is not a jail name'],
  ])('%s', (_n, patch, message, policy) => {
    expect(errorOf(() => fplan(freebsdSpec(patch), policy ? { policy: policyOf(policy) } : {}))).toContain(message);
  });
  it.each([
    ['a.b', 'cannot contain "."'],
    ['1234', 'cannot be a number'],
  ])('container id %s', (id, message) => {
    expect(errorOf(() => jailName(id, undefined))).toContain(message);
  });
  it('a jail name longer than 255 bytes', () => {
    expect(errorOf(() => jailName('x'.repeat(200), { value: 'p'.repeat(60), from: 'f' }))).toContain('longer than 255 bytes');
  });
});

describe('host policy on grants', () => {
  it.each<[string, (s: Spec) => void, string]>([
    ['raw_sockets', jail({ allow: { rawSockets: true } }), 'config.json /freebsd/jail/allow/rawSockets: allow.raw_sockets needs "raw_sockets" under freebsd.allow in the host policy'],
    ['chflags', jail({ allow: { chflags: true } }), 'needs "chflags"'],
    ['quotas', jail({ allow: { quotas: true } }), 'needs "quotas"'],
    ['socket_af', jail({ allow: { socketAf: true } }), 'needs "socket_af"'],
    ['mlock', jail({ allow: { mlock: true } }), 'needs "mlock"'],
    ['mount.tmpfs', jail({ allow: { mount: ['tmpfs'] } }), 'needs "mount.tmpfs"'],
    ['mount alone (annotation)', (s) => { s.annotations = { 'org.freebsd.jail.allow.mount': 'true' }; }, 'annotation org.freebsd.jail.allow.mount: allow.mount needs "mount"'],
    ['raw_sockets by annotation', (s) => { s.annotations = { 'org.freebsd.jail.allow.raw_sockets': 'true' }; }, 'annotation org.freebsd.jail.allow.raw_sockets: allow.raw_sockets needs "raw_sockets"'],
    ['sysvmsg inherit', jail({ sysvmsg: 'inherit' }), 'config.json /freebsd/jail/sysvmsg: "inherit" (the host\'s IPC objects) needs "sysvmsg=inherit"'],
    ['sysvshm inherit by annotation', (s) => { s.annotations = { 'org.freebsd.jail.sysvshm': 'inherit' }; }, 'needs "sysvshm=inherit"'],
    ['enforce_statfs 0', jail({ enforceStatfs: 0 }), 'config.json /freebsd/jail/enforceStatfs: 0 (every host mount visible) needs "enforce_statfs=0"'],
    ['vnet interface not in the policy', jail({ vnet: 'new', vnetInterfaces: ['em0'] }), 'moving interface em0 into a jail is not allowed by freebsd.vnetInterfaces'],
    ['alias interface not in the policy', jail({ interface: 'em0', ip4Addr: ['10.0.0.2'] }), 'adding addresses to interface em0 is not allowed by freebsd.aliasInterfaces'],
  ])('%s is refused by default', (_n, patch, message) => {
    expect(errorOf(() => fplan(freebsdSpec(patch)))).toContain(message);
  });
  it('names the policy file', () => {
    expect(errorOf(() => fplan(freebsdSpec(jail({ allow: { mlock: true } })), { policy: policyOf({ freebsd: {} }) }))).toContain(
      'in the host policy (/etc/runj/policy.json)',
    );
  });
  it('set_hostname, reserved_ports and suser need no policy', () => {
    expect(() => fplan(freebsdSpec(jail({ allow: { setHostname: true, reservedPorts: true, suser: true } })))).not.toThrow();
  });
  it('policy interfaces and parents are globs', () => {
    const policy = policyOf({ freebsd: { vnetInterfaces: ['vlan*'], aliasInterfaces: ['em0'], parents: ['pod-*'] } });
    expect(() => fplan(freebsdSpec(jail({ vnet: 'new', vnetInterfaces: ['vlan12'] })), { policy })).not.toThrow();
    expect(() => fplan(freebsdSpec(jail({ interface: 'em0', ip4Addr: ['10.0.0.2'] })), { policy })).not.toThrow();
    expect(() => fplan(freebsdSpec(jail({ parent: 'pod-1' })), { policy })).not.toThrow();
    expect(errorOf(() => fplan(freebsdSpec(jail({ parent: 'www' })), { policy }))).toContain('parent jail "www" is not allowed by freebsd.parents');
  });
  it('mounting needs enforce_statfs below 2: a warning', () => {
    const p = fplan(freebsdSpec(jail({ allow: { mount: ['tmpfs'] } })), { policy: policyOf({ freebsd: { allow: ['mount.tmpfs'] } }) });
    expect(p.warnings).toContain('allow.mount.tmpfs: mounting inside a jail needs enforce_statfs below 2 (it is 2)');
  });
});

describe('wire encoding of parameters', () => {
  const hex = (b: Buffer | null) => (b === null ? null : b.toString('hex'));
  it.each<[Parameters<typeof encodeParam>[0], string, string | null]>([
    [{ name: 'name', type: 'string', value: 'c1' }, '6e616d6500', '633100'],
    [{ name: 'enforce_statfs', type: 'int', value: 2 }, '656e666f7263655f73746174667300', '02000000'],
    [{ name: 'host', type: 'jailsys', value: 'new' }, '686f737400', '01000000'],
    [{ name: 'vnet', type: 'jailsys', value: 'inherit' }, '766e657400', '02000000'],
    [{ name: 'ip4', type: 'jailsys', value: 'disable' }, '69703400', '00000000'],
    [{ name: 'persist', type: 'bool', value: true }, '7065727369737400', null],
    [{ name: 'persist', type: 'bool', value: false }, '6e6f7065727369737400', null],
    [{ name: 'ip4.addr', type: 'ip4', value: ['10.0.0.2', '192.168.1.1'] }, '6970342e6164647200', '0a000002c0a80101'],
    [{ name: 'ip6.addr', type: 'ip6', value: ['::1'] }, '6970362e6164647200', '00000000000000000000000000000001'],
  ])('%j', (param, name, value) => {
    const e = encodeParam(param);
    expect(hex(e.name)).toBe(name);
    expect(hex(e.value)).toBe(value);
  });
  it('"no" goes before the last component', () => {
    expect(noName('allow.mount.tmpfs')).toBe('allow.mount.notmpfs');
    expect(noName('allow.raw_sockets')).toBe('allow.noraw_sockets');
    expect(noName('persist')).toBe('nopersist');
  });
  it('formats for runj check', () => {
    expect(formatParam({ name: 'allow.mlock', type: 'bool', value: false })).toBe('allow.nomlock');
    expect(formatParam({ name: 'ip6.addr', type: 'ip6', value: ['fd00::1', 'fd00::2'] })).toBe('ip6.addr=fd00::1,fd00::2');
  });
});
