/**
 * The helper's wire format (native/README.md): plan records as
 * percent-encoded fields, one record per line; JSON messages back.
 *
 * Every record the helper reads has a type here, one per keyword, with its
 * fields in the order native/plan.c reads them; a record with an unknown
 * keyword or the wrong fields does not type-check. encodeRecords is the one
 * place records become text.
 */

/** Hex text (`0x...`): MS_* flags and capability masks. */
export type Hex = `0x${string}`;
export const hex = (n: number): Hex => `0x${n.toString(16)}`;
export type HookStage = 'createContainer' | 'startContainer';
export type CapSet = 'bounding' | 'effective' | 'permitted' | 'inheritable' | 'ambient';
/** One argument comparison of a seccomp rule: index, operator, value, valueTwo (uint64 as decimal text). */
export type SeccompArg = readonly [index: number, op: string, value: string, valueTwo: string];

/** The plan's first records (planHeader builds them). */
export type HeaderRecord =
  | readonly ['version', 1]
  | readonly ['mode', 'create' | 'run']
  | readonly ['exec']
  | readonly ['fifo-dir', string]
  | readonly ['preserve-fds', number];

export type PlanRecord =
  | HeaderRecord
  | readonly ['fork']
  | readonly ['new-keyring']
  | readonly ['console-socket', string]
  | readonly ['terminal', rows: number, cols: number]
  // The relaying parent half reads WinsizeRecords on the sync socket (native/README.md, "Terminal").
  | readonly ['winsize-channel']
  // Linux
  | readonly ['ns-join', type: string, path: string]
  | readonly ['ns-new', type: string]
  | readonly ['join-root', pid: number]
  | readonly ['cgroup-procs', file: string]
  | readonly ['uid-map' | 'gid-map', containerID: number, hostID: number, size: number]
  | readonly ['root', string]
  | readonly ['propagation', Hex]
  | readonly ['mount', dest: string, source: string, fstype: string, flags: Hex, data: string, pflags: Hex, kind: 'bind' | 'fs']
  | readonly ['device', path: string, type: 'c' | 'b' | 'u' | 'p', major: number, minor: number, mode: number, uid: number, gid: number]
  | readonly ['default-devices']
  | readonly ['no-pivot']
  | readonly ['readonly-root']
  | readonly ['masked' | 'readonly', path: string]
  | readonly ['hostname' | 'domainname', string]
  | readonly ['sysctl', key: string, value: string]
  | readonly ['oom-score-adj', number]
  | readonly ['caps', CapSet, Hex]
  | readonly ['seccomp-default', action: string, errno: number]
  | readonly ['seccomp-arch' | 'seccomp-flag', string]
  // Sent as <action> <errno> <syscall> <nargs> and four fields per argument.
  | readonly ['seccomp-rule', action: string, errno: number, syscall: string, args: readonly SeccompArg[]]
  // FreeBSD
  | readonly ['jail', jid: number]
  // The process
  | readonly ['arg' | 'env' | 'cwd', string]
  | readonly ['user', uid: number, gid: number]
  | readonly ['groups', ...gids: number[]]
  | readonly ['umask', number]
  // soft and hard are decimal text, -1 for unlimited (uint64 does not fit a JS number).
  | readonly ['rlimit', resource: number, soft: string, hard: string]
  | readonly ['no-new-privs']
  // Sent as <stage> <timeout> <path> <argc> <args...> <envc> <env...>.
  | readonly ['hook', HookStage, timeout: number, path: string, args: readonly string[], env: readonly string[]]
  | readonly ['end'];

/** Node's answer to the helper's `hooks` message. */
export type AnswerRecord = readonly ['state-creating' | 'state-created', json: string] | readonly ['continue'];

/** After `ready`, with `winsize-channel`: the relayed pty's new size. */
export type WinsizeRecord = readonly ['winsize', rows: number, cols: number];

export type HelperRecord = PlanRecord | AnswerRecord | WinsizeRecord;

export type PlanHeader = { mode: 'create' | 'run'; preserveFds: number } & (
  | { fifoDir: string; exec?: undefined }
  | { exec: true; fifoDir?: undefined }
);

/** The records every plan starts with: a container's (with fifo-dir) or an exec's (with exec). */
export function planHeader(h: PlanHeader): HeaderRecord[] {
  const records: HeaderRecord[] = [['version', 1], ['mode', h.mode]];
  if (h.exec) records.push(['exec']);
  else records.push(['fifo-dir', h.fifoDir]);
  records.push(['preserve-fds', h.preserveFds]);
  return records;
}

/** A whole plan: the header, the body, `end`. */
export function helperPlan(header: PlanHeader, body: readonly PlanRecord[]): PlanRecord[] {
  return [...planHeader(header), ...body, ['end']];
}

const PLAIN = /^[\x21-\x24\x26-\x7e]+$/;

/** Percent-encodes bytes outside 0x21..0x7e and '%'; the empty string is a lone '%'. */
export function encodeField(value: string | number): string {
  const s = String(value);
  if (s === '') return '%';
  // Most fields need no encoding (a plan has ~1500 of them with podman's seccomp profile).
  if (PLAIN.test(s)) return s;
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    if (byte > 0x20 && byte < 0x7f && byte !== 0x25) out += String.fromCharCode(byte);
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

type Field = string | number | readonly (string | number | SeccompArg)[];

/**
 * A record's fields as the helper reads them. A list field (hook args and
 * env, seccomp-rule args) goes out as its length followed by its items,
 * each seccomp argument as its four fields.
 */
export function recordFields(record: HelperRecord): (string | number)[] {
  const out: (string | number)[] = [];
  const fields: readonly Field[] = record;
  for (const f of fields) {
    if (typeof f !== 'object') {
      out.push(f);
      continue;
    }
    out.push(f.length);
    for (const item of f) out.push(...(typeof item === 'object' ? item : [item]));
  }
  return out;
}

/** One line per record. The plan ends with an `end` record; the hooks answer with `continue`. */
export function encodeRecords(records: readonly HelperRecord[]): string {
  return records.map((r) => `${recordFields(r).map(encodeField).join(' ')}\n`).join('');
}

/** A record as `runj check` shows it: the fields as sent, unencoded. */
export function formatRecord(record: HelperRecord): string {
  return recordFields(record).join(' ');
}

export type HelperMessage =
  | { type: 'pid'; pid: number }
  | { type: 'hooks' }
  | { type: 'ready' }
  | { type: 'error'; stage: string; msg: string; errno: number };

/** One line from the helper (native/channel.c), checked: a line of another shape is an error naming it. */
export function parseMessage(line: string): HelperMessage {
  const m: unknown = JSON.parse(line);
  if (typeof m === 'object' && m !== null && 'type' in m) {
    if (m.type === 'pid' && 'pid' in m && typeof m.pid === 'number') return { type: 'pid', pid: m.pid };
    if (m.type === 'hooks' || m.type === 'ready') return { type: m.type };
    if (m.type === 'error' && 'stage' in m && 'msg' in m && 'errno' in m) {
      const { stage, msg, errno } = m;
      if (typeof stage === 'string' && typeof msg === 'string' && typeof errno === 'number') return { type: 'error', stage, msg, errno };
    }
  }
  throw new Error(`bad helper message: ${line}`);
}
