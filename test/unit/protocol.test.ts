/**
 * The helper records: every keyword native/plan.c reads has a type here, and
 * each encodes to the line plan.c expects (its field count checked against
 * plan.c's own table, read from the source).
 */
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type HelperRecord, type PlanRecord, encodeRecords, formatRecord, helperPlan, parseMessage, planHeader, recordFields } from '../../src/backend/protocol.js';

/** plan.c's keyword table: name → [min, max] fields after the keyword (max -1: no limit). */
function planCKeywords(): Map<string, [number, number]> {
  const src = fs.readFileSync(new URL('../../native/plan.c', import.meta.url), 'utf8');
  const table = new Map<string, [number, number]>();
  for (const m of src.matchAll(/\[K_\w+\] = \{"([a-z-]+)", (-?\d+), (-?\d+), [01]\}/g)) table.set(m[1] ?? '', [Number(m[2]), Number(m[3])]);
  return table;
}

/** One record of every keyword, with the exact line it must become. */
const cases: [PlanRecord, string][] = [
  [['version', 1], 'version 1'],
  [['mode', 'run'], 'mode run'],
  [['exec'], 'exec'],
  [['fifo-dir', '/run/runj/c 1'], 'fifo-dir /run/runj/c%201'],
  [['preserve-fds', 2], 'preserve-fds 2'],
  [['fork'], 'fork'],
  [['new-keyring'], 'new-keyring'],
  [['console-socket', '/tmp/s.sock'], 'console-socket /tmp/s.sock'],
  [['terminal', 24, 80], 'terminal 24 80'],
  [['winsize-channel'], 'winsize-channel'],
  [['ns-join', 'net', '/proc/9/ns/net'], 'ns-join net /proc/9/ns/net'],
  [['ns-new', 'pid'], 'ns-new pid'],
  [['join-root', 9], 'join-root 9'],
  [['cgroup-procs', '/sys/fs/cgroup/runj/c1/cgroup.procs'], 'cgroup-procs /sys/fs/cgroup/runj/c1/cgroup.procs'],
  [['uid-map', 0, 100000, 65536], 'uid-map 0 100000 65536'],
  [['gid-map', 0, 100000, 65536], 'gid-map 0 100000 65536'],
  [['root', '/b/rootfs'], 'root /b/rootfs'],
  [['propagation', '0x80000'], 'propagation 0x80000'],
  [['mount', '/tmp', 'tmpfs', 'tmpfs', '0x6', '', '0x0', 'fs'], 'mount /tmp tmpfs tmpfs 0x6 % 0x0 fs'],
  [['device', '/dev/fuse', 'c', 10, 229, 438, 0, 0], 'device /dev/fuse c 10 229 438 0 0'],
  [['default-devices'], 'default-devices'],
  [['no-pivot'], 'no-pivot'],
  [['readonly-root'], 'readonly-root'],
  [['masked', '/proc/kcore'], 'masked /proc/kcore'],
  [['readonly', '/proc/sys'], 'readonly /proc/sys'],
  [['hostname', 'runj'], 'hostname runj'],
  [['domainname', 'example.org'], 'domainname example.org'],
  [['sysctl', 'net.ipv4.ip_forward', '1'], 'sysctl net.ipv4.ip_forward 1'],
  [['oom-score-adj', -500], 'oom-score-adj -500'],
  [['caps', 'bounding', '0x3fffffffff'], 'caps bounding 0x3fffffffff'],
  [['seccomp-default', 'SCMP_ACT_ERRNO', 1], 'seccomp-default SCMP_ACT_ERRNO 1'],
  [['seccomp-arch', 'SCMP_ARCH_X86_64'], 'seccomp-arch SCMP_ARCH_X86_64'],
  [['seccomp-flag', 'SECCOMP_FILTER_FLAG_LOG'], 'seccomp-flag SECCOMP_FILTER_FLAG_LOG'],
  [
    ['seccomp-rule', 'SCMP_ACT_ERRNO', 13, 'chmod', [[1, 'SCMP_CMP_EQ', '511', '0'], [2, 'SCMP_CMP_MASKED_EQ', '18446744073709551615', '4']]],
    'seccomp-rule SCMP_ACT_ERRNO 13 chmod 2 1 SCMP_CMP_EQ 511 0 2 SCMP_CMP_MASKED_EQ 18446744073709551615 4',
  ],
  [['jail', 3], 'jail 3'],
  [['arg', 'echo hi'], 'arg echo%20hi'],
  [['env', 'A=%x'], 'env A=%25x'],
  [['cwd', '/'], 'cwd /'],
  [['user', 1000, 1000], 'user 1000 1000'],
  [['groups', 5, 6], 'groups 5 6'],
  [['umask', 18], 'umask 18'],
  [['rlimit', 7, '1024', '-1'], 'rlimit 7 1024 -1'],
  [['no-new-privs'], 'no-new-privs'],
  [['hook', 'createContainer', 5, '/bin/hook', ['hook', 'a b'], ['X=1']], 'hook createContainer 5 /bin/hook 2 hook a%20b 1 X=1'],
  [['end'], 'end'],
];

describe('helper records', () => {
  const table = planCKeywords();

  it('plan.c has the keyword table this test reads', () => {
    expect(table.size).toBeGreaterThan(40);
    expect(table.get('mount')).toEqual([7, 7]);
  });

  it('every keyword plan.c reads has a record here, and no other', () => {
    expect([...new Set(cases.map(([r]) => r[0]))].sort()).toEqual([...table.keys()].sort());
  });

  it.each(cases)('%j is the line "%s", with a field count plan.c accepts', (record, line) => {
    expect(encodeRecords([record])).toBe(`${line}\n`);
    const [min, max] = table.get(record[0]) ?? [NaN, NaN];
    const n = recordFields(record).length - 1;
    expect(n).toBeGreaterThanOrEqual(min);
    if (max >= 0) expect(n).toBeLessThanOrEqual(max);
  });

  it('the variable-length records: no groups, a hook without args or env, a rule without args', () => {
    expect(encodeRecords([['groups']])).toBe('groups\n');
    expect(encodeRecords([['hook', 'startContainer', 0, '/bin/true', [], []]])).toBe('hook startContainer 0 /bin/true 0 0\n');
    expect(encodeRecords([['seccomp-rule', 'SCMP_ACT_ALLOW', 0, 'read', []]])).toBe('seccomp-rule SCMP_ACT_ALLOW 0 read 0\n');
  });

  it('the hooks answer (plan.c reads it after the hooks message)', () => {
    const answer: HelperRecord[] = [['state-creating', '{"id":"c 1"}'], ['state-created', '{}'], ['continue']];
    expect(encodeRecords(answer)).toBe('state-creating {"id":"c%201"}\nstate-created {}\ncontinue\n');
  });

  it('the winsize records (the relay reads them after ready, winsize.c)', () => {
    expect(encodeRecords([['winsize', 40, 120]])).toBe('winsize 40 120\n');
  });

  it('formatRecord shows the fields unencoded, as runj check prints them', () => {
    expect(formatRecord(['hook', 'createContainer', 0, '/x', ['a b'], []])).toBe('hook createContainer 0 /x 1 a b 0');
  });

  it('unknown keywords and wrong fields do not type-check', () => {
    // @ts-expect-error: no such record
    const unknown: PlanRecord = ['bogus', 1];
    // @ts-expect-error: rlimit soft and hard are decimal text (uint64 does not fit a number)
    const rlimit: PlanRecord = ['rlimit', 7, 1024, 1024];
    // @ts-expect-error: mount flags are hex text
    const mount: PlanRecord = ['mount', '/tmp', 'tmpfs', 'tmpfs', '6', '', '0x0', 'fs'];
    // @ts-expect-error: a mount has seven fields
    const short: PlanRecord = ['mount', '/tmp', 'tmpfs', 'tmpfs', '0x6', '', '0x0'];
    // @ts-expect-error: the answer records are not plan records
    const answer: PlanRecord = ['continue'];
    expect([unknown, rlimit, mount, short, answer]).toHaveLength(5);
  });
});

describe('planHeader and helperPlan', () => {
  it('a container plan: version, mode, fifo-dir, preserve-fds, the body, end', () => {
    const plan = helperPlan({ mode: 'create', fifoDir: '/run/runj/c1', preserveFds: 0 }, [['arg', 'sh']]);
    expect(encodeRecords(plan)).toBe('version 1\nmode create\nfifo-dir /run/runj/c1\npreserve-fds 0\narg sh\nend\n');
  });
  it('an exec plan: exec instead of fifo-dir (plan.c refuses both)', () => {
    expect(planHeader({ mode: 'run', exec: true, preserveFds: 2 })).toEqual([['version', 1], ['mode', 'run'], ['exec'], ['preserve-fds', 2]]);
    // @ts-expect-error: exec and fifo-dir together
    const both = planHeader({ mode: 'run', exec: true, fifoDir: '/x', preserveFds: 0 });
    // @ts-expect-error: a container plan needs its fifo-dir
    const neither = planHeader({ mode: 'run', preserveFds: 0 });
    expect([both, neither]).toHaveLength(2);
  });
});

describe('parseMessage', () => {
  it('reads the four messages native/channel.c writes', () => {
    expect(parseMessage('{"type":"pid","pid":42}')).toEqual({ type: 'pid', pid: 42 });
    expect(parseMessage('{"type":"hooks"}')).toEqual({ type: 'hooks' });
    expect(parseMessage('{"type":"ready"}')).toEqual({ type: 'ready' });
    expect(parseMessage('{"type":"error","stage":"cwd","msg":"chdir /x: No such file or directory","errno":2}')).toEqual({
      type: 'error', stage: 'cwd', msg: 'chdir /x: No such file or directory', errno: 2,
    });
  });
  it.each(['{"type":"pid","pid":"42"}', '{"type":"error","stage":"cwd","msg":"x"}', '{"type":"nope"}', '[]', '3'])('refuses %s', (line) => {
    expect(() => parseMessage(line)).toThrow(`bad helper message: ${line}`);
  });
});
