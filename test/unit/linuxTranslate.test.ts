import { describe, expect, it } from 'vitest';
import { buildPlan } from '../../src/plan/build.js';
import { emptyPolicy, parsePolicy } from '../../src/plan/policy.js';
import type { Spec } from '../../src/plan/spec.js';
import { type PlanRecord, encodeField, encodeRecords, recordFields } from '../../src/backend/protocol.js';
import { capabilityMasks } from '../../src/platform/linux/capabilities.js';
import { MS, parseMountOptions, rootPropagation } from '../../src/platform/linux/mountOptions.js';
import { limitValue } from '../../src/platform/processRecords.js';
import { translateLinux } from '../../src/platform/linux/translate.js';
import { linuxSpec } from '../../src/demo/specTemplate.js';

const options = { noPivot: false, noNewKeyring: false, preserveFds: 0 };
const v1Layout = {
  mode: 'v1' as const,
  hierarchies: [
    { controllers: ['memory'], mount: '/sys/fs/cgroup/memory' },
    { controllers: ['pids'], mount: '/sys/fs/cgroup/pids' },
    { controllers: ['name=systemd'], mount: '/sys/fs/cgroup/systemd' },
  ],
  unified: '/sys/fs/cgroup/unified',
};
const host = { lastCap: 40, cgroups: v1Layout, seccomp: true };

function spec(patch: (s: Spec) => void = () => {}): Spec {
  const s = linuxSpec(['sh', '-c', 'true']);
  patch(s);
  return s;
}
function records(s: Spec, policy = emptyPolicy) {
  return translateLinux(buildPlan('c1', '/bundle', s, options), policy, host).records;
}
/** The records of one kind, as the fields sent. */
const kinds = (rs: readonly PlanRecord[], kind: string) => rs.filter((r) => r[0] === kind).map(recordFields);

describe('helper wire format', () => {
  it('percent-encodes spaces, newlines, percent and non-ASCII; empty is a lone %', () => {
    expect(encodeField('a b')).toBe('a%20b');
    expect(encodeField('x\ny')).toBe('x%0Ay');
    expect(encodeField('100%')).toBe('100%25');
    expect(encodeField('é')).toBe('%C3%A9');
    expect(encodeField('')).toBe('%');
    expect(encodeField(42)).toBe('42');
  });
  it('passes 0x21..0x7e but percent as they are, and encodes each byte around that range', () => {
    const plain = Array.from({ length: 0x7f - 0x21 }, (_, i) => String.fromCharCode(0x21 + i)).filter((c) => c !== '%').join('');
    expect(encodeField(plain)).toBe(plain);
    expect(encodeField(`a${String.fromCharCode(0x20)}\x7f\t%`)).toBe('a%20%7F%09%25');
    expect(encodeField('\u0000')).toBe('%00');
  });
  it('writes one line per record', () => {
    expect(encodeRecords([['arg', 'echo hi'], ['end']])).toBe('arg echo%20hi\nend\n');
  });
});

describe('mount options', () => {
  it('maps flags like runc', () => {
    const o = parseMountOptions(['nosuid', 'noexec', 'nodev', 'ro', 'mode=755', 'size=65536k'], 'm');
    expect(o.flags).toBe(MS.NOSUID | MS.NOEXEC | MS.NODEV | MS.RDONLY);
    expect(o.data).toBe('mode=755,size=65536k');
    expect(o.bind).toBe(false);
  });
  it('later options override earlier ones', () => {
    expect(parseMountOptions(['ro', 'rw'], 'm').flags & MS.RDONLY).toBe(0);
  });
  it('recognises rbind and propagation', () => {
    const o = parseMountOptions(['rbind', 'rprivate'], 'm');
    expect(o.flags).toBe(MS.BIND | MS.REC);
    expect(o.propagation).toEqual([MS.PRIVATE | MS.REC]);
  });
  it('refuses options this backend does not implement, naming the mount', () => {
    expect(() => parseMountOptions(['tmpcopyup'], 'config.json: /mounts/3')).toThrow(
      'config.json: /mounts/3: mount option "tmpcopyup" is not supported',
    );
  });
  it('defaults root propagation to rslave and rejects unknown values', () => {
    expect(rootPropagation(undefined)).toBe(MS.SLAVE | MS.REC);
    expect(rootPropagation('shared')).toBe(MS.SHARED);
    expect(() => rootPropagation('weird')).toThrow('/linux/rootfsPropagation');
  });
});

describe('capabilities and rlimits', () => {
  it('builds masks and reports unknown names', () => {
    const { masks, unknown } = capabilityMasks({ bounding: ['CAP_CHOWN', 'CAP_KILL', 'CAP_NOPE'], ambient: [] }, 40);
    expect(masks.bounding).toBe((1n << 0n) | (1n << 5n));
    expect(masks.ambient).toBe(0n);
    expect(unknown).toEqual(['CAP_NOPE']);
  });
  it('skips capabilities above the kernel last cap', () => {
    expect(capabilityMasks({ effective: ['CAP_CHECKPOINT_RESTORE'] }, 39).unknown).toEqual(['CAP_CHECKPOINT_RESTORE']);
  });
  it('treats uint64 max as infinity', () => {
    expect(limitValue(JSON.parse('18446744073709551615'))).toBe('-1');
    expect(limitValue(1024)).toBe('1024');
  });
});

describe('translateLinux', () => {
  it('translates the default spec', () => {
    const rs = records(spec());
    expect(rs[0]).toEqual(['fork']);
    expect(kinds(rs, 'ns-new').map((r) => r[1])).toEqual(['pid', 'net', 'ipc', 'uts', 'mount']);
    expect(kinds(rs, 'root')).toEqual([['root', '/bundle/rootfs']]);
    expect(kinds(rs, 'mount')[0]).toEqual(['mount', '/proc', 'proc', 'proc', '0x0', '', '0x0', 'fs']);
    expect(kinds(rs, 'hostname')).toEqual([['hostname', 'runj']]);
    expect(kinds(rs, 'readonly-root')).toHaveLength(1);
    expect(kinds(rs, 'arg').map((r) => r[1])).toEqual(['sh', '-c', 'true']);
    expect(kinds(rs, 'caps')).toHaveLength(5);
    expect(kinds(rs, 'rlimit')).toEqual([['rlimit', 7, '1024', '1024']]);
    expect(kinds(rs, 'new-keyring')).toHaveLength(1);
    expect(kinds(rs, 'no-new-privs')).toHaveLength(1);
  });
  it('enters a new user namespace first, with its id maps', () => {
    const rs = records(spec((s) => {
      if (!s.linux) return;
      s.linux.namespaces?.push({ type: 'user' });
      s.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    }));
    expect(rs.slice(0, 4)).toEqual([['fork'], ['ns-new', 'user'], ['ns-new', 'pid'], ['ns-new', 'net']]);
    expect(kinds(rs, 'uid-map')).toEqual([['uid-map', 0, 100000, 65536]]);
    expect(kinds(rs, 'gid-map')).toEqual([['gid-map', 0, 100000, 65536]]);
  });
  it('joins namespaces by path before creating new ones', () => {
    const rs = records(spec((s) => s.linux?.namespaces?.unshift({ type: 'cgroup', path: '/proc/1/ns/cgroup' })));
    const ns = rs.filter((r) => String(r[0]).startsWith('ns-'));
    expect(ns[0]).toEqual(['ns-join', 'cgroup', '/proc/1/ns/cgroup']);
  });
  it('resolves relative bind sources against the bundle and marks them bind', () => {
    const rs = records(spec((s) => s.mounts?.push({ destination: '/data', source: 'data', options: ['rbind', 'ro'] })));
    const m = kinds(rs, 'mount').at(-1);
    expect(m).toEqual(['mount', '/data', '/bundle/data', '', `0x${(MS.BIND | MS.REC | MS.RDONLY).toString(16)}`, '', '0x0', 'bind']);
  });
  it.each<[string, (s: Spec) => void, string]>([
    ['time namespaces', (s) => s.linux?.namespaces?.push({ type: 'time' }), '/linux/namespaces/5/type: "time" namespaces are not supported'],
    ['a user namespace without id mappings', (s) => s.linux?.namespaces?.push({ type: 'user' }), '/linux/uidMappings: a new user namespace needs uid and gid mappings'],
    ['id mappings without a user namespace', (s) => { if (s.linux) s.linux.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }]; }, 'id mappings need a new user namespace'],
    ['duplicate namespaces', (s) => s.linux?.namespaces?.push({ type: 'pid' }), 'duplicate namespace "pid"'],
    ['no mount namespace', (s) => { if (s.linux) s.linux.namespaces = [{ type: 'pid' }]; }, 'a mount namespace is required'],
    ['hostname without uts', (s) => { if (s.linux) s.linux.namespaces = [{ type: 'mount' }]; }, 'unable to set hostname without a private UTS namespace'],
    ['blockIO limits', (s) => { if (s.linux) s.linux.resources = { blockIO: { weight: 10 } }; }, 'config.json: linux.resources.blockIO: cannot be applied on this host (cgroup v1)'],
    ['apparmor', (s) => { if (s.process) s.process.apparmorProfile = 'x'; }, 'process.apparmorProfile'],
    ['net sysctl without netns', (s) => { if (s.linux) { s.linux.namespaces = [{ type: 'mount' }, { type: 'uts' }]; s.linux.sysctl = { 'net.ipv4.ip_forward': '1' }; } }, '/linux/sysctl/net.ipv4.ip_forward: sysctl requires a private network namespace'],
    ['host-wide sysctl', (s) => { if (s.linux) s.linux.sysctl = { 'vm.swappiness': '1' }; }, 'sysctl is not in a separate kernel namespace'],
    ['unknown rlimit', (s) => s.process?.rlimits?.push({ type: 'RLIMIT_BOGUS', soft: 1, hard: 1 }), '/process/rlimits/1/type: unknown rlimit'],
    ['soft above hard', (s) => s.process?.rlimits?.push({ type: 'RLIMIT_CORE', soft: 2, hard: 1 }), 'soft limit exceeds hard limit'],
    ['non-bind mount without type', (s) => s.mounts?.push({ destination: '/x', source: 'y' }), '/mounts/6/type: required'],
  ])('refuses %s', (_name, patch, msg) => {
    expect(() => records(spec(patch))).toThrow(msg);
  });
  it('translates seccomp, and refuses it when the helper lacks libseccomp unless the policy ignores it', () => {
    const s = spec((x) => {
      if (x.linux) x.linux.seccomp = { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' }, { names: ['chmod'], action: 'SCMP_ACT_ERRNO', errnoRet: 13, args: [{ index: 1, value: 511, op: 'SCMP_CMP_EQ' }] }] };
    });
    const plan = buildPlan('c1', '/bundle', s, options);
    expect(kinds(translateLinux(plan, emptyPolicy, host).records, 'seccomp-default')).toEqual([['seccomp-default', 'SCMP_ACT_ERRNO', 1]]);
    expect(kinds(translateLinux(plan, emptyPolicy, host).records, 'seccomp-rule')).toEqual([
      ['seccomp-rule', 'SCMP_ACT_ALLOW', 0, 'read', 0],
      ['seccomp-rule', 'SCMP_ACT_ALLOW', 0, 'write', 0],
      ['seccomp-rule', 'SCMP_ACT_ERRNO', 13, 'chmod', 1, 1, 'SCMP_CMP_EQ', '511', '0'],
    ]);
    const without = { ...host, seccomp: false };
    expect(() => translateLinux(plan, emptyPolicy, without)).toThrow('config.json: linux.seccomp: runj-helper was built without libseccomp');
    const policy = parsePolicy('{"ignore":["linux.seccomp"]}', '/etc/runj/policy.json');
    const t = translateLinux(plan, policy, without);
    expect(t.warnings).toEqual(['ignoring linux.seccomp as the host policy (/etc/runj/policy.json) allows']);
    expect(kinds(t.records, 'seccomp-default')).toEqual([]);
  });
  it('refuses seccomp actions and operators it cannot apply', () => {
    const notify = spec((x) => { if (x.linux) x.linux.seccomp = { defaultAction: 'SCMP_ACT_NOTIFY' }; });
    expect(() => records(notify)).toThrow('SCMP_ACT_NOTIFY is not supported');
    const op = spec((x) => { if (x.linux) x.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['x'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 1, op: 'SCMP_CMP_NOPE' }] }] }; });
    expect(() => records(op)).toThrow('/linux/seccomp/syscalls/0/args/0/op: unknown operator');
  });
  it('joins the container cgroup in every hierarchy and writes its limits', () => {
    const s = spec((x) => {
      if (!x.linux) return;
      x.linux.cgroupsPath = '/pods/c1';
      x.linux.resources = { pids: { limit: 10 }, memory: { limit: 1048576 }, devices: [{ allow: false, access: 'rwm' }] };
    });
    const t = translateLinux(buildPlan('c1', '/bundle', s, options), emptyPolicy, host);
    expect(kinds(t.records, 'cgroup-procs').map((r) => r[1])).toEqual([
      '/sys/fs/cgroup/memory/pods/c1/cgroup.procs',
      '/sys/fs/cgroup/pids/pods/c1/cgroup.procs',
      '/sys/fs/cgroup/systemd/pods/c1/cgroup.procs',
      '/sys/fs/cgroup/unified/pods/c1/cgroup.procs',
    ]);
    expect(t.cgroup?.path).toBe('/pods/c1');
    expect(t.cgroup?.writes.slice(0, 2)).toEqual([
      { controller: 'devices', file: 'devices.deny', value: 'a' },
      { controller: 'devices', file: 'devices.allow', value: 'c 1:3 rwm' },
    ]);
    expect(t.cgroup?.writes).toContainEqual({ controller: 'pids', file: 'pids.max', value: '10' });
    expect(t.cgroup?.writes).toContainEqual({ controller: 'memory', file: 'memory.limit_in_bytes', value: '1048576' });
  });
  it('defaults the cgroup to /runj/<id> and rejects escaping paths', () => {
    expect(translateLinux(buildPlan('c1', '/b', spec(), options), emptyPolicy, host).cgroup?.path).toBe('/runj/c1');
    const bad = spec((x) => { if (x.linux) x.linux.cgroupsPath = '/../..'; });
    expect(() => translateLinux(buildPlan('c1', '/b', bad, options), emptyPolicy, host)).toThrow('/linux/cgroupsPath');
  });
  it('turns a cgroup mount into a tmpfs of per-hierarchy binds on v1, read-only last', () => {
    const s = spec((x) => x.mounts?.push({ destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'ro'] }));
    const ms = kinds(translateLinux(buildPlan('c1', '/b', s, options), emptyPolicy, host).records, 'mount').slice(6);
    expect(ms.map((m) => [m[1], m[2], m[7]])).toEqual([
      ['/sys/fs/cgroup', 'tmpfs', 'fs'],
      ['/sys/fs/cgroup/memory', '/sys/fs/cgroup/memory/runj/c1', 'bind'],
      ['/sys/fs/cgroup/pids', '/sys/fs/cgroup/pids/runj/c1', 'bind'],
      ['/sys/fs/cgroup/systemd', '/sys/fs/cgroup/systemd/runj/c1', 'bind'],
      ['/sys/fs/cgroup/unified', '/sys/fs/cgroup/unified/runj/c1', 'bind'],
      ['/sys/fs/cgroup', 'tmpfs', 'fs'],
    ]);
    expect(Number(ms.at(-1)?.[4]) & MS.RDONLY).toBe(MS.RDONLY);
  });
  it('mounts cgroup2 on a v2 host with a cgroup namespace, and refuses device rules there', () => {
    const v2 = { lastCap: 40, seccomp: true, cgroups: { mode: 'v2' as const, hierarchies: [], unified: '/sys/fs/cgroup' } };
    const s = spec((x) => {
      x.mounts?.push({ destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup' });
      x.linux?.namespaces?.push({ type: 'cgroup' });
    });
    const ms = kinds(translateLinux(buildPlan('c1', '/b', s, options), emptyPolicy, v2).records, 'mount');
    expect(ms.at(-1)?.slice(1, 4)).toEqual(['/sys/fs/cgroup', 'cgroup2', 'cgroup2']);
    const dev = spec((x) => { if (x.linux) x.linux.resources = { devices: [{ allow: false, access: 'rwm' }] }; });
    expect(() => translateLinux(buildPlan('c1', '/b', dev, options), emptyPolicy, v2)).toThrow('linux.resources.devices: cannot be applied on this host (cgroup v2)');
  });
  it('ignores SELinux labels on a host without SELinux and refuses them on one with it', () => {
    const s = spec((x) => { if (x.linux) x.linux.mountLabel = 'system_u:object_r:container_file_t:s0'; });
    const t = translateLinux(buildPlan('c1', '/b', s, options), emptyPolicy, host);
    expect(t.debug).toEqual(['ignoring linux.mountLabel: SELinux is not enabled on this host']);
    expect(() => translateLinux(buildPlan('c1', '/b', s, options), emptyPolicy, { ...host, selinux: true })).toThrow('config.json: linux.mountLabel');
  });
  it('honours --no-pivot and --no-new-keyring', () => {
    const t = translateLinux(buildPlan('c1', '/b', spec(), { ...options, noPivot: true, noNewKeyring: true }), emptyPolicy, host);
    expect(kinds(t.records, 'no-pivot')).toHaveLength(1);
    expect(kinds(t.records, 'new-keyring')).toHaveLength(0);
  });
});

describe('host policy', () => {
  it.each([
    ['not json', 'invalid JSON'],
    ['[]', 'must be a JSON object'],
    ['{"ignore":"linux.seccomp"}', '/ignore: must be an array'],
    ['{"ignore":["a b"]}', '/ignore: must be an array'],
    ['{"other":{}}', '/other: unknown policy section'],
  ])('rejects %s', (text, msg) => {
    expect(() => parsePolicy(text, 'p.json')).toThrow(`p.json: ${msg}`.replace('p.json: /', 'p.json: /'));
  });
});
