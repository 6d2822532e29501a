/**
 * The helper's wire format (native/README.md): plan records as
 * percent-encoded fields, one record per line; JSON messages back.
 */
export type Record_ = readonly (string | number)[];

/** Percent-encodes bytes outside 0x21..0x7e and '%'; the empty string is a lone '%'. */
export function encodeField(value: string | number): string {
  const s = String(value);
  if (s === '') return '%';
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    if (byte > 0x20 && byte < 0x7f && byte !== 0x25) out += String.fromCharCode(byte);
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** One line per record. The plan ends with an `end` record; the hooks answer with `continue`. */
export function encodeRecords(records: readonly Record_[]): string {
  return records.map((r) => `${r.map(encodeField).join(' ')}\n`).join('');
}

export type HelperMessage =
  | { type: 'pid'; pid: number }
  | { type: 'hooks' }
  | { type: 'ready' }
  | { type: 'error'; stage: string; msg: string; errno: number };

export function parseMessage(line: string): HelperMessage {
  const m = JSON.parse(line) as HelperMessage;
  if (typeof m !== 'object' || m === null || typeof m.type !== 'string') throw new Error(`bad helper message: ${line}`);
  return m;
}
