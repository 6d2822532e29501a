import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { emptyPolicy } from '../../src/plan/policy.js';
import type { Spec } from '../../src/plan/spec.js';
import { parseRunjExt, readRunjExt } from '../../src/platform/freebsd/ext.js';
import { decodeKinfoProcs, KINFO_PROC_SIZE, startToken } from '../../src/platform/freebsd/kinfo.js';
import { freebsdPolicy } from '../../src/platform/freebsd/policy.js';
import { FREEBSD_RLIMITS } from '../../src/platform/freebsd/rlimits.js';
import { formatFreeBSDPlan, freebsdRecords } from '../../src/platform/freebsd/translate.js';
import { recordFields } from '../../src/backend/protocol.js';
import { errorOf, fplan, freebsdSpec, policyOf } from './freebsdFixtures.js';

describe('config fields on FreeBSD', () => {
  it.each<[string, (s: Spec) => void, string]>([
    ['linux.uidMappings', (s) => { s.linux = { uidMappings: [{ containerID: 0, hostID: 1000, size: 1 }] }; }, 'config.json: linux.uidMappings: a jail has no user namespace'],
    ['linux.gidMappings', (s) => { s.linux = { gidMappings: [{ containerID: 0, hostID: 1000, size: 1 }] }; }, 'linux.gidMappings'],
    ['a user namespace', (s) => { s.linux = { namespaces: [{ type: 'user' }] }; }, 'linux.namespaces (user)'],
    ['cpu pinning', (s) => { s.linux = { resources: { cpu: { cpus: '0-1' } } }; }, 'config.json: linux.resources.cpu.cpus: CPU pinning is not applied by the FreeBSD backend; list "linux.resources" under "ignore"'],
    ['blockIO throttle', (s) => { s.linux = { resources: { blockIO: { throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1 }] } } }; }, 'linux.resources.blockIO'],
    ['hugepage limits', (s) => { s.linux = { resources: { hugepageLimits: [{ pageSize: '2MB', limit: 1 }] } }; }, 'linux.resources.hugepageLimits'],
    ['unified', (s) => { s.linux = { resources: { unified: { 'memory.max': '1' } } }; }, 'linux.resources.unified'],
    ['id-mapped mounts', (s) => { s.mounts = [{ destination: '/d', source: '/s', options: ['bind'], uidMappings: [{}] }]; }, 'mounts[].uidMappings'],
    ['vm', (s) => { s.vm = { hypervisor: { path: '/x' } }; }, 'config.json: vm: the FreeBSD backend runs jails, not virtual machines'],
  ])('refuses %s', (_n, patch, message) => {
    expect(errorOf(() => fplan(freebsdSpec(patch)))).toContain(message);
  });
  it('the policy can let a refused field go, with a warning', () => {
    const p = fplan(freebsdSpec((s) => { s.linux = { resources: { hugepageLimits: [{ pageSize: '2MB', limit: 1 }], unified: { 'memory.max': '1' } } }; }), {
      policy: policyOf({ ignore: ['linux.resources'] }),
    });
    expect(p.warnings).toEqual([
      'ignoring linux.resources.hugepageLimits as the host policy (/etc/runj/policy.json) allows: resource limits are not applied by the FreeBSD backend',
      'ignoring linux.resources.unified as the host policy (/etc/runj/policy.json) allows: resource limits are not applied by the FreeBSD backend',
    ]);
  });
  it('memory, swap, pids and CPU quota become rctl rules on the jail', () => {
    const p = fplan(freebsdSpec((s) => { s.linux = { resources: { memory: { limit: 1 << 20, swap: 2 << 20 }, pids: { limit: 10 }, cpu: { quota: 50000, period: 100000 } } }; }));
    expect(p.rctl).toEqual([
      { resource: 'memoryuse', amount: 1 << 20 },
      { resource: 'swapuse', amount: 1 << 20 },
      { resource: 'maxproc', amount: 10 },
      { resource: 'pcpu', amount: 50 },
    ]);
    expect(p.warnings).toEqual([]);
    expect(errorOf(() => fplan(freebsdSpec((s) => { s.linux = { resources: { memory: { swap: 1 } } }; })))).toBe(
      'config.json: /linux/resources/memory/swap: a memory+swap limit needs memory.limit',
    );
  });
  it('ignores with a debug line the Linux fields a containerd Linux config carries', () => {
    const p = fplan(freebsdSpec((s) => {
      s.linux = {
        namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'mount' }],
        maskedPaths: ['/proc/kcore'],
        readonlyPaths: ['/proc/sys'],
        seccomp: { defaultAction: 'SCMP_ACT_ERRNO' },
        resources: { devices: [{ allow: false, access: 'rwm' }], cpu: { shares: 1024 } },
        cgroupsPath: '/default/c1',
        sysctl: { 'net.ipv4.ip_forward': '1' },
        devices: [{ type: 'c', path: '/dev/fuse', major: 10, minor: 229 }],
      };
      s.process!.capabilities = { bounding: ['CAP_KILL'] };
      s.process!.apparmorProfile = 'p';
      s.process!.selinuxLabel = 'l';
      s.process!.oomScoreAdj = 0;
    }));
    expect(p.warnings).toEqual([]);
    expect(p.debug).toEqual([
      'ignoring linux.namespaces: not applicable to a FreeBSD jail',
      'ignoring linux.devices: not applicable to a FreeBSD jail',
      'ignoring linux.cgroupsPath: not applicable to a FreeBSD jail',
      'ignoring linux.resources: not applicable to a FreeBSD jail',
      'ignoring linux.seccomp: not applicable to a FreeBSD jail',
      'ignoring linux.sysctl: not applicable to a FreeBSD jail',
      'ignoring linux.maskedPaths: not applicable to a FreeBSD jail',
      'ignoring linux.readonlyPaths: not applicable to a FreeBSD jail',
      'ignoring process.capabilities: not applicable to a FreeBSD jail',
      'ignoring process.apparmorProfile: not applicable to a FreeBSD jail',
      'ignoring process.selinuxLabel: not applicable to a FreeBSD jail',
      'ignoring process.oomScoreAdj: not applicable to a FreeBSD jail',
    ]);
  });
});

describe('helper records', () => {
  it('jail <id> first (made once setUp knows the id), then the process records with FreeBSD rlimit numbers', () => {
    const p = fplan(freebsdSpec((s) => {
      s.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 4096 }, { type: 'RLIMIT_AS', soft: 2 ** 64, hard: 2 ** 64 }];
      s.process!.user = { uid: 1001, gid: 1001, additionalGids: [5], umask: 18 };
      s.process!.noNewPrivileges = true;
      s.hooks = { startContainer: [{ path: '/bin/true' }] };
    }));
    expect(freebsdRecords(p, 7).map(recordFields)).toEqual([
      ['jail', 7],
      ['arg', '/bin/sh'], ['arg', '-c'], ['arg', 'true'],
      ['env', 'PATH=/bin:/usr/bin'],
      ['cwd', '/'],
      ['user', 1001, 1001],
      ['groups', 5],
      ['umask', 18],
      ['rlimit', 8, '1024', '4096'],
      ['rlimit', 10, '-1', '-1'],
      ['no-new-privs'],
      ['hook', 'startContainer', 0, '/bin/true', 0, 0],
    ]);
  });
  it('FreeBSD RLIMIT_* numbers (sys/resource.h)', () => {
    expect(FREEBSD_RLIMITS).toEqual({
      RLIMIT_CPU: 0, RLIMIT_FSIZE: 1, RLIMIT_DATA: 2, RLIMIT_STACK: 3, RLIMIT_CORE: 4, RLIMIT_RSS: 5, RLIMIT_MEMLOCK: 6,
      RLIMIT_NPROC: 7, RLIMIT_NOFILE: 8, RLIMIT_SBSIZE: 9, RLIMIT_VMEM: 10, RLIMIT_AS: 10, RLIMIT_NPTS: 11, RLIMIT_SWAP: 12,
      RLIMIT_KQUEUES: 13, RLIMIT_UMTXP: 14,
    });
  });
  it('refuses a Linux-only rlimit', () => {
    expect(errorOf(() => fplan(freebsdSpec((s) => { s.process!.rlimits = [{ type: 'RLIMIT_NICE', soft: 1, hard: 1 }]; })))).toContain('unknown rlimit "RLIMIT_NICE"');
  });
});

describe('the whole plan', () => {
  it('orders mounts: the read-only root view first, then config order', () => {
    const p = fplan(freebsdSpec((s) => { s.root = { path: 'rootfs', readonly: true }; }));
    expect(p.mounts.map((m) => [m.origin, m.fstype, m.destination, m.source])).toEqual([
      ['root', 'nullfs', '/', '/bundle/rootfs'],
      [0, 'devfs', '/dev', 'devfs'],
      [1, 'fdescfs', '/dev/fd', 'fdesc'],
    ]);
    expect(p.mounts[0]?.flags).toBe(1);
  });
  it('formats everything runj check prints', () => {
    const text = formatFreeBSDPlan(fplan(freebsdSpec((s) => {
      s.hostname = 'web';
      s.freebsd = { jail: { interface: 'lo1', ip4Addr: ['127.0.1.2'] } };
    })));
    expect(text).toBe(`jail c1
  name=c1
  path=/bundle/rootfs
  persist
  host.hostname=web    # config.json /hostname
  ip4.addr=127.0.1.2    # config.json /freebsd/jail/ip4Addr
  sysvmsg=new
  sysvsem=new
  sysvshm=new
  enforce_statfs=2
  allow.noset_hostname
  allow.noraw_sockets
  allow.nochflags
  allow.nomount
  allow.noquotas
  allow.nosocket_af
  allow.nomlock
mounts (in order; unmounted in reverse)
  devfs devfs on /dev (ruleset=<generated>)
  fdescfs fdesc on /dev/fd
devfs ruleset (generated, number chosen in 5000..5999, reused when identical)
  hide
  path log unhide
  path null unhide
  path zero unhide
  path crypto unhide
  path random unhide
  path urandom unhide
  path ptmx unhide
  path pts unhide
  path pts/* unhide
  path fd unhide
  path fd/* unhide
  path stdin unhide
  path stdout unhide
  path stderr unhide
  include 4
network at create
  ifconfig lo1 inet 127.0.1.2/32 alias
network at delete
  ifconfig lo1 inet 127.0.1.2 -alias
helper records
  jail <jid>
  arg /bin/sh
  arg -c
  arg true
  env PATH=/bin:/usr/bin
  cwd /
  user 0 0
  groups
`);
  });
});

describe('host policy section', () => {
  it('defaults', () => {
    const p = freebsdPolicy(emptyPolicy);
    expect([...p.allow]).toEqual([]);
    expect(p.devfs.rulesets).toEqual([4, 5]);
    expect(p.devfs.range).toEqual([5000, 5999]);
    expect(p.vnetInterfaces).toEqual(['epair*']);
    expect(p.aliasInterfaces).toEqual(['lo*']);
    expect(p.parents).toEqual(['*']);
  });
  it('reads every field', () => {
    const p = freebsdPolicy(policyOf({
      freebsd: {
        allow: ['raw_sockets'], devices: ['pf'], vnetInterfaces: ['vlan*'], aliasInterfaces: ['em0'], parents: ['pod-*'],
        devfs: { open: ['hide'], close: ["path 'bpf*' hide"], deny: ['tun*'], rulesets: [4], range: [100, 199] },
      },
    }));
    expect(p.devfs).toEqual({ devices: ['pf'], deny: ['tun*'], rulesets: [4], open: [['hide']], close: [['path', 'bpf*', 'hide']], range: [100, 199] });
    expect([...p.allow]).toEqual(['raw_sockets']);
  });
  it.each([
    [{ freebsd: [] }, '/freebsd: must be an object'],
    [{ freebsd: { allowed: [] } }, '/freebsd/allowed: unknown field'],
    [{ freebsd: { allow: 'raw_sockets' } }, '/freebsd/allow: must be an array of non-empty strings'],
    [{ freebsd: { devfs: { range: [10] } } }, '/freebsd/devfs/range: must be [first, last]'],
    [{ freebsd: { devfs: { range: [20, 10] } } }, '/freebsd/devfs/range: must be [first, last]'],
    [{ freebsd: { devfs: { rulesets: [0] } } }, '/freebsd/devfs/rulesets: must be an array of ruleset numbers (1..65535)'],
    [{ freebsd: { devfs: { extra: 1 } } }, '/freebsd/devfs/extra: unknown field'],
  ])('refuses %j', (doc, message) => {
    expect(errorOf(() => freebsdPolicy(policyOf(doc)))).toBe(`/etc/runj/policy.json: ${message}`);
  });
});

describe('runj.ext.json', () => {
  it('reads the network section', () => {
    expect(parseRunjExt({ network: { ipv4: { mode: 'new', addr: ['10.0.0.2'] }, vnet: { mode: 'new', interfaces: ['epair0b'] } } })).toEqual({
      network: { ipv4: { mode: 'new', addr: ['10.0.0.2'] }, vnet: { mode: 'new', interfaces: ['epair0b'] } },
    });
    expect(parseRunjExt({})).toEqual({});
  });
  it.each([
    [[], 'runj.ext.json: /: must be an object'],
    [{ net: {} }, 'runj.ext.json: /net: unknown field'],
    [{ network: { ipv6: {} } }, 'runj.ext.json: /network/ipv6: unknown field'],
    [{ network: { ipv4: { mode: 'shared' } } }, 'runj.ext.json: /network/ipv4/mode: must be one of "new", "inherit", "disable"'],
    [{ network: { vnet: { mode: 'disable' } } }, 'runj.ext.json: /network/vnet/mode: must be one of "new", "inherit"'],
    [{ network: { vnet: { interfaces: 'epair0b' } } }, 'runj.ext.json: /network/vnet/interfaces: must be an array of strings'],
    [{ network: { ipv4: { addr: [1] } } }, 'runj.ext.json: /network/ipv4/addr: must be an array of strings'],
  ])('refuses %j', (doc, message) => {
    expect(errorOf(() => parseRunjExt(doc))).toBe(message);
  });
  it('reads the file beside config.json; a missing one is undefined; bad JSON is an error', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-ext-'));
    try {
      expect(readRunjExt(dir)).toBeUndefined();
      fs.writeFileSync(path.join(dir, 'runj.ext.json'), '{"network":{"vnet":{"mode":"new"}}}');
      expect(readRunjExt(dir)).toEqual({ network: { vnet: { mode: 'new' } } });
      fs.writeFileSync(path.join(dir, 'runj.ext.json'), '{');
      expect(errorOf(() => readRunjExt(dir))).toContain('runj.ext.json: invalid JSON');
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });
});

describe('struct kinfo_proc', () => {
  const entry = (pid: number, jid: number, sec: number, usec: number, stat: number, size = KINFO_PROC_SIZE) => {
    const b = Buffer.alloc(KINFO_PROC_SIZE);
    b.writeInt32LE(size, 0);
    b.writeInt32LE(pid, 72);
    b.writeBigInt64LE(BigInt(sec), 336);
    b.writeBigInt64LE(BigInt(usec), 344);
    b.writeUInt8(stat, 388);
    b.writeInt32LE(jid, 592);
    return b;
  };
  it('reads ki_pid, ki_start, ki_stat and ki_jid at the amd64/arm64 offsets', () => {
    const buf = Buffer.concat([entry(10, 3, 1700000000, 5, 3), entry(11, 0, 1700000001, 999999, 5)]);
    const procs = decodeKinfoProcs(buf, buf.length);
    expect(procs).toEqual([
      { pid: 10, jid: 3, startSec: 1700000000, startUsec: 5, stat: 3 },
      { pid: 11, jid: 0, startSec: 1700000001, startUsec: 999999, stat: 5 },
    ]);
    expect(startToken(procs[0]!, { sec: 1600000000, usec: 0 })).toBe('3:100000000.000005');
    expect(startToken(procs[0]!, { sec: 1600000000, usec: 6 })).toBe('3:99999999.999999'); // borrows a second
    expect(startToken(procs[1]!, { sec: 1600000000 - 3600, usec: 0 })).toBe('0:100003601.999999');
  });
  it('refuses another layout', () => {
    expect(errorOf(() => decodeKinfoProcs(entry(1, 1, 1, 1, 1, 1096), KINFO_PROC_SIZE))).toContain('struct kinfo_proc is 1096 bytes');
    expect(errorOf(() => decodeKinfoProcs(Buffer.alloc(100), 100))).toContain('not a multiple of 1088');
  });
});
