import { describe, expect, it } from 'vitest';
import type { Spec } from '../../src/plan/spec.js';
import type { RunjExt } from '../../src/platform/freebsd/ext.js';
import { mergeSources } from '../../src/platform/freebsd/sources.js';
import { errorOf, freebsdSpec } from './freebsdFixtures.js';

function merge(patch: (s: Spec) => void, annotations: Record<string, string> = {}, ext?: RunjExt) {
  return mergeSources(freebsdSpec(patch), annotations, ext);
}

describe('each source alone', () => {
  it.each<[string, (s: Spec) => void, string, unknown, string]>([
    ['parent', (s) => { s.freebsd = { jail: { parent: 'pod' } }; }, 'parent', 'pod', 'config.json /freebsd/jail/parent'],
    ['host', (s) => { s.freebsd = { jail: { host: 'new' } }; }, 'host', 'new', 'config.json /freebsd/jail/host'],
    ['hostname', (s) => { s.hostname = 'web'; }, 'hostname', 'web', 'config.json /hostname'],
    ['domainname', (s) => { s.domainname = 'example.org'; }, 'domainname', 'example.org', 'config.json /domainname'],
    ['ip4', (s) => { s.freebsd = { jail: { ip4: 'inherit' } }; }, 'ip4', 'inherit', 'config.json /freebsd/jail/ip4'],
    ['ip4Addr', (s) => { s.freebsd = { jail: { ip4Addr: ['10.0.0.2'] } }; }, 'ip4Addr', ['10.0.0.2'], 'config.json /freebsd/jail/ip4Addr'],
    ['ip6', (s) => { s.freebsd = { jail: { ip6: 'disable' } }; }, 'ip6', 'disable', 'config.json /freebsd/jail/ip6'],
    ['ip6Addr', (s) => { s.freebsd = { jail: { ip6Addr: ['fd00::2'] } }; }, 'ip6Addr', ['fd00::2'], 'config.json /freebsd/jail/ip6Addr'],
    ['vnet', (s) => { s.freebsd = { jail: { vnet: 'new' } }; }, 'vnet', 'new', 'config.json /freebsd/jail/vnet'],
    ['interface', (s) => { s.freebsd = { jail: { interface: 'lo1' } }; }, 'interface', 'lo1', 'config.json /freebsd/jail/interface'],
    ['vnetInterfaces', (s) => { s.freebsd = { jail: { vnetInterfaces: ['epair0b'] } }; }, 'vnetInterfaces', ['epair0b'], 'config.json /freebsd/jail/vnetInterfaces'],
    ['sysvmsg', (s) => { s.freebsd = { jail: { sysvmsg: 'disable' } }; }, 'sysvmsg', 'disable', 'config.json /freebsd/jail/sysvmsg'],
    ['sysvsem', (s) => { s.freebsd = { jail: { sysvsem: 'inherit' } }; }, 'sysvsem', 'inherit', 'config.json /freebsd/jail/sysvsem'],
    ['sysvshm', (s) => { s.freebsd = { jail: { sysvshm: 'new' } }; }, 'sysvshm', 'new', 'config.json /freebsd/jail/sysvshm'],
    ['enforceStatfs', (s) => { s.freebsd = { jail: { enforceStatfs: 1 } }; }, 'enforceStatfs', 1, 'config.json /freebsd/jail/enforceStatfs'],
  ])('config.json %s', (_n, patch, key, value, from) => {
    const { request } = merge(patch);
    expect(request[key as 'parent']).toEqual({ value, from });
  });

  it.each<[string, string, unknown]>([
    ['setHostname', 'set_hostname', true],
    ['rawSockets', 'raw_sockets', true],
    ['chflags', 'chflags', false],
    ['quotas', 'quotas', true],
    ['socketAf', 'socket_af', true],
    ['mlock', 'mlock', true],
    ['reservedPorts', 'reserved_ports', false],
    ['suser', 'suser', false],
  ])('config.json allow.%s → allow.%s', (field, name, value) => {
    const { request } = merge((s) => {
      s.freebsd = { jail: { allow: { [field]: value } } };
    });
    expect(request.allow[name]).toEqual({ value, from: `config.json /freebsd/jail/allow/${field}` });
  });

  it('config.json allow.mount lists types: allow.mount plus allow.mount.<type>', () => {
    const { request } = merge((s) => {
      s.freebsd = { jail: { allow: { mount: ['tmpfs', 'nullfs'] } } };
    });
    expect(request.allow).toEqual({
      mount: { value: true, from: 'config.json /freebsd/jail/allow/mount' },
      'mount.tmpfs': { value: true, from: 'config.json /freebsd/jail/allow/mount/0' },
      'mount.nullfs': { value: true, from: 'config.json /freebsd/jail/allow/mount/1' },
    });
  });

  it('refuses a mount type that is not a file system name', () => {
    expect(errorOf(() => merge((s) => { s.freebsd = { jail: { allow: { mount: ['tmp fs'] } } }; }))).toContain('allow/mount/0');
  });

  it.each<[string, string, string, unknown]>([
    ['org.freebsd.parentJail', 'pod1', 'parent', 'pod1'],
    ['org.freebsd.jail.vnet', 'new', 'vnet', 'new'],
    ['org.freebsd.jail.sysvmsg', 'inherit', 'sysvmsg', 'inherit'],
    ['org.freebsd.jail.sysvsem', 'disable', 'sysvsem', 'disable'],
    ['org.freebsd.jail.sysvshm', 'new', 'sysvshm', 'new'],
    ['org.freebsd.jail.ip4.addr', '10.0.0.2, 10.0.0.3', 'ip4Addr', ['10.0.0.2', '10.0.0.3']],
    ['org.freebsd.jail.ip6.addr', 'fd00::2 fd00::3', 'ip6Addr', ['fd00::2', 'fd00::3']],
  ])('annotation %s=%s', (key, value, field, expected) => {
    const { request } = merge(() => {}, { [key]: value });
    expect(request[field as 'parent']).toEqual({ value: expected, from: `annotation ${key}` });
  });

  it.each([
    ['org.freebsd.jail.allow.raw_sockets', 'true', 'raw_sockets', true],
    ['org.freebsd.jail.allow.chflags', '1', 'chflags', true],
    ['org.freebsd.jail.allow.set_hostname', 'false', 'set_hostname', false],
    ['org.freebsd.jail.allow.suser', '0', 'suser', false],
    ['org.freebsd.jail.allow.mount', 'true', 'mount', true],
  ])('annotation %s=%s → allow.%s', (key, value, name, expected) => {
    expect(merge(() => {}, { [key]: value }).request.allow[name]).toEqual({ value: expected, from: `annotation ${key}` });
  });

  it('annotation allow.mount.<fs>=true also sets allow.mount', () => {
    const { request } = merge(() => {}, { 'org.freebsd.jail.allow.mount.tmpfs': 'true' });
    expect(request.allow['mount.tmpfs']?.value).toBe(true);
    expect(request.allow.mount?.value).toBe(true);
  });

  it.each<[RunjExt, string, unknown, string]>([
    [{ network: { ipv4: { mode: 'inherit' } } }, 'ip4', 'inherit', 'runj.ext.json /network/ipv4/mode'],
    [{ network: { ipv4: { addr: ['10.1.0.2'] } } }, 'ip4Addr', ['10.1.0.2'], 'runj.ext.json /network/ipv4/addr'],
    [{ network: { vnet: { mode: 'new' } } }, 'vnet', 'new', 'runj.ext.json /network/vnet/mode'],
    [{ network: { vnet: { interfaces: ['epair1b'] } } }, 'vnetInterfaces', ['epair1b'], 'runj.ext.json /network/vnet/interfaces'],
  ])('runj.ext.json %j', (ext, field, value, from) => {
    expect(merge(() => {}, {}, ext).request[field as 'ip4']).toEqual({ value, from });
  });
});

describe('merging', () => {
  it('equal values from several sources are credited to the first (config.json, annotations, runj.ext.json)', () => {
    const { request } = merge((s) => { s.freebsd = { jail: { vnet: 'new' } }; }, { 'org.freebsd.jail.vnet': 'new' }, { network: { vnet: { mode: 'new' } } });
    expect(request.vnet).toEqual({ value: 'new', from: 'config.json /freebsd/jail/vnet' });
    const r2 = merge(() => {}, { 'org.freebsd.jail.vnet': 'new' }, { network: { vnet: { mode: 'new' } } });
    expect(r2.request.vnet?.from).toBe('annotation org.freebsd.jail.vnet');
  });
  it('compares addresses in canonical form', () => {
    const { request } = merge((s) => { s.freebsd = { jail: { ip6Addr: ['fd00::1'] } }; }, { 'org.freebsd.jail.ip6.addr': 'FD00:0:0::1' });
    expect(request.ip6Addr?.from).toBe('config.json /freebsd/jail/ip6Addr');
  });
  it('combines different settings from different sources', () => {
    const { request } = merge((s) => { s.freebsd = { jail: { enforceStatfs: 1 } }; }, { 'org.freebsd.jail.vnet': 'new' }, { network: { vnet: { interfaces: ['epair0b'] } } });
    expect([request.enforceStatfs?.from, request.vnet?.from, request.vnetInterfaces?.from]).toEqual([
      'config.json /freebsd/jail/enforceStatfs', 'annotation org.freebsd.jail.vnet', 'runj.ext.json /network/vnet/interfaces',
    ]);
  });
});

describe('conflicts name both sources', () => {
  it.each<[string, (s: Spec) => void, Record<string, string>, RunjExt | undefined, string]>([
    ['vnet: config.json vs annotation', (s) => { s.freebsd = { jail: { vnet: 'new' } }; }, { 'org.freebsd.jail.vnet': 'inherit' }, undefined,
      'conflicting values for jail setting "vnet": config.json /freebsd/jail/vnet says "new" but annotation org.freebsd.jail.vnet says "inherit"'],
    ['vnet: annotation vs runj.ext.json', () => {}, { 'org.freebsd.jail.vnet': 'inherit' }, { network: { vnet: { mode: 'new' } } },
      'conflicting values for jail setting "vnet": annotation org.freebsd.jail.vnet says "inherit" but runj.ext.json /network/vnet/mode says "new"'],
    ['vnet: config.json vs runj.ext.json', (s) => { s.freebsd = { jail: { vnet: 'inherit' } }; }, {}, { network: { vnet: { mode: 'new' } } },
      'config.json /freebsd/jail/vnet says "inherit" but runj.ext.json /network/vnet/mode says "new"'],
    ['ip4: config.json vs runj.ext.json', (s) => { s.freebsd = { jail: { ip4: 'disable' } }; }, {}, { network: { ipv4: { mode: 'inherit' } } },
      'jail setting "ip4": config.json /freebsd/jail/ip4 says "disable" but runj.ext.json /network/ipv4/mode says "inherit"'],
    ['ip4Addr: config.json vs annotation', (s) => { s.freebsd = { jail: { ip4Addr: ['10.0.0.2'] } }; }, { 'org.freebsd.jail.ip4.addr': '10.0.0.3' }, undefined,
      'jail setting "ip4Addr": config.json /freebsd/jail/ip4Addr says ["10.0.0.2"] but annotation org.freebsd.jail.ip4.addr says ["10.0.0.3"]'],
    ['ip4Addr: order matters', (s) => { s.freebsd = { jail: { ip4Addr: ['10.0.0.2', '10.0.0.3'] } }; }, {}, { network: { ipv4: { addr: ['10.0.0.3', '10.0.0.2'] } } },
      'config.json /freebsd/jail/ip4Addr says ["10.0.0.2", "10.0.0.3"] but runj.ext.json /network/ipv4/addr says ["10.0.0.3", "10.0.0.2"]'],
    ['ip4Addr: annotation vs runj.ext.json', () => {}, { 'org.freebsd.jail.ip4.addr': '10.0.0.2' }, { network: { ipv4: { addr: ['10.0.0.9'] } } },
      'annotation org.freebsd.jail.ip4.addr says ["10.0.0.2"] but runj.ext.json /network/ipv4/addr says ["10.0.0.9"]'],
    ['ip6Addr: config.json vs annotation', (s) => { s.freebsd = { jail: { ip6Addr: ['fd00::1'] } }; }, { 'org.freebsd.jail.ip6.addr': 'fd00::2' }, undefined,
      'jail setting "ip6Addr"'],
    ['vnetInterfaces: config.json vs runj.ext.json', (s) => { s.freebsd = { jail: { vnetInterfaces: ['epair0b'] } }; }, {}, { network: { vnet: { interfaces: ['epair1b'] } } },
      'config.json /freebsd/jail/vnetInterfaces says ["epair0b"] but runj.ext.json /network/vnet/interfaces says ["epair1b"]'],
    ['sysvshm: config.json vs annotation', (s) => { s.freebsd = { jail: { sysvshm: 'new' } }; }, { 'org.freebsd.jail.sysvshm': 'inherit' }, undefined,
      'config.json /freebsd/jail/sysvshm says "new" but annotation org.freebsd.jail.sysvshm says "inherit"'],
    ['parent: config.json vs annotation', (s) => { s.freebsd = { jail: { parent: 'a' } }; }, { 'org.freebsd.parentJail': 'b' }, undefined,
      'config.json /freebsd/jail/parent says "a" but annotation org.freebsd.parentJail says "b"'],
    ['allow: config.json vs annotation', (s) => { s.freebsd = { jail: { allow: { rawSockets: true } } }; }, { 'org.freebsd.jail.allow.raw_sockets': 'false' }, undefined,
      'conflicting values for jail setting "allow.raw_sockets": config.json /freebsd/jail/allow/rawSockets says true but annotation org.freebsd.jail.allow.raw_sockets says false'],
    ['allow.mount.<fs>: config.json list vs annotation', (s) => { s.freebsd = { jail: { allow: { mount: ['tmpfs'] } } }; }, { 'org.freebsd.jail.allow.mount.tmpfs': 'false' }, undefined,
      '"allow.mount.tmpfs": config.json /freebsd/jail/allow/mount/0 says true but annotation org.freebsd.jail.allow.mount.tmpfs says false'],
    ['allow.mount: config.json list vs annotation allow.mount=false', (s) => { s.freebsd = { jail: { allow: { mount: ['tmpfs'] } } }; }, { 'org.freebsd.jail.allow.mount': 'false' }, undefined,
      '"allow.mount": config.json /freebsd/jail/allow/mount says true but annotation org.freebsd.jail.allow.mount says false'],
  ])('%s', (_n, patch, annotations, ext, message) => {
    expect(errorOf(() => merge(patch, annotations, ext))).toContain(message);
  });
});

describe('annotations runj does not know', () => {
  it('refuses unknown org.freebsd.jail.* keys', () => {
    expect(errorOf(() => merge(() => {}, { 'org.freebsd.jail.securelevel': '3' }))).toContain(
      'annotation org.freebsd.jail.securelevel: unknown FreeBSD jail annotation',
    );
  });
  it('refuses unknown allow names', () => {
    expect(errorOf(() => merge(() => {}, { 'org.freebsd.jail.allow.nfsd': 'true' }))).toContain('unknown jail permission "allow.nfsd"');
  });
  it.each([
    ['org.freebsd.jail.vnet', 'disable'],
    ['org.freebsd.jail.sysvmsg', 'yes'],
    ['org.freebsd.jail.allow.mlock', 'yes'],
  ])('refuses %s=%s', (key, value) => {
    expect(errorOf(() => merge(() => {}, { [key]: value }))).toContain(`annotation ${key}: "${value}" must be one of`);
  });
  it('ignores other org.freebsd.* annotations with a debug line, and other annotations silently', () => {
    const { debug } = merge(() => {}, { 'org.freebsd.podman.something': 'x', 'io.kubernetes.pod': 'y' });
    expect(debug).toEqual(['ignoring annotation org.freebsd.podman.something: not a jail setting']);
  });
});
