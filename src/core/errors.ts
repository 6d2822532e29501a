/**
 * Typed errors. Every failure the runtime reports is a RuntimeError with a
 * stable code; only src/main.ts turns one into text on stderr and an exit code.
 * Messages keep runc's wording where callers match on strings.
 */
export type ErrorCode =
  | 'ENOTEXIST' // container does not exist
  | 'EEXISTS' // container with given ID already exists
  | 'ENOTRUNNING' // container not running
  | 'EBADSTATE' // operation not allowed in the current status
  | 'EINVALID' // bad input: id, signal, flag, config field
  | 'EBUNDLE' // bundle missing or unreadable
  | 'ECONFIG' // config.json failed validation
  | 'EUNSUPPORTED' // a field or feature this backend cannot apply
  | 'EHOOK' // a hook failed or timed out
  | 'EHELPER' // the native helper reported an error or died
  | 'ELOCKED' // another operation holds the container lock
  | 'ESYSTEM' // a system call failed
  | 'EUSAGE'; // command-line usage error (exit 2)

export class RuntimeError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RuntimeError';
    this.code = code;
    this.details = details;
  }
}

export const notExist = (): RuntimeError => new RuntimeError('ENOTEXIST', 'container does not exist');
export const alreadyExists = (): RuntimeError =>
  new RuntimeError('EEXISTS', 'container with given ID already exists');
export const notRunning = (): RuntimeError => new RuntimeError('ENOTRUNNING', 'container not running');
export const invalid = (message: string, details?: Record<string, unknown>): RuntimeError =>
  new RuntimeError('EINVALID', message, details);
export const unsupported = (message: string): RuntimeError => new RuntimeError('EUNSUPPORTED', message);
export const usage = (message: string): RuntimeError => new RuntimeError('EUSAGE', message);

/** Wraps a Node system error (ENOENT, EACCES, ...) with what was being done. */
export function systemError(action: string, err: unknown): RuntimeError {
  const e = err as NodeJS.ErrnoException;
  const coded = e && typeof e === 'object' && 'code' in e && e.code;
  // Node's fs errors begin their message with the code already ("ENOENT: no such file ...").
  const why = coded ? (e.message.startsWith(`${e.code}:`) ? e.message : `${e.code}: ${e.message}`) : String(err);
  return new RuntimeError('ESYSTEM', `${action}: ${why}`, { errno: e?.code }, { cause: err });
}

export function isErrno(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as NodeJS.ErrnoException).code === code;
}
