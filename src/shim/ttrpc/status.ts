/**
 * gRPC status codes as ttrpc carries them, and the mapping containerd's errdefs
 * applies on the other side (errdefs.FromGRPC): NotFound, AlreadyExists,
 * FailedPrecondition, InvalidArgument, Unimplemented, Unavailable, Canceled and
 * DeadlineExceeded keep their class in containerd; anything else is Unknown.
 */
import { type ErrorCode, RuntimeError } from '../../core/errors.js';
import type { Status } from '../proto/ttrpc.js';

export const Code = {
  OK: 0,
  Canceled: 1,
  Unknown: 2,
  InvalidArgument: 3,
  DeadlineExceeded: 4,
  NotFound: 5,
  AlreadyExists: 6,
  PermissionDenied: 7,
  ResourceExhausted: 8,
  FailedPrecondition: 9,
  Aborted: 10,
  OutOfRange: 11,
  Unimplemented: 12,
  Internal: 13,
  Unavailable: 14,
  DataLoss: 15,
  Unauthenticated: 16,
} as const;
export type Code = (typeof Code)[keyof typeof Code];

/** An error with a gRPC code: what a handler throws to choose the code, and what a client call rejects with. */
export class StatusError extends Error {
  constructor(
    readonly code: Code,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StatusError';
  }
}

export const unimplemented = (what: string): StatusError => new StatusError(Code.Unimplemented, what);

/** The runtime's typed errors by errdefs class; codes not listed are Unknown. */
const BY_RUNTIME_CODE: Partial<Record<ErrorCode, Code>> = {
  ENOTEXIST: Code.NotFound,
  EEXISTS: Code.AlreadyExists,
  ENOTRUNNING: Code.FailedPrecondition,
  EBADSTATE: Code.FailedPrecondition,
  EINVALID: Code.InvalidArgument,
  ECONFIG: Code.InvalidArgument,
  EBUNDLE: Code.InvalidArgument,
  EUSAGE: Code.InvalidArgument,
  EUNSUPPORTED: Code.Unimplemented,
  ELOCKED: Code.Unavailable,
};

/** The Status a failed handler answers with. */
export function toStatus(err: unknown): Status {
  if (err instanceof StatusError) return { code: err.code, message: err.message, details: [] };
  if (err instanceof RuntimeError) return { code: BY_RUNTIME_CODE[err.code] ?? Code.Unknown, message: err.message, details: [] };
  if (err instanceof Error && err.name === 'TimeoutError') return { code: Code.DeadlineExceeded, message: err.message, details: [] };
  if (err instanceof Error && err.name === 'AbortError') return { code: Code.Canceled, message: err.message, details: [] };
  return { code: Code.Unknown, message: err instanceof Error ? err.message : String(err), details: [] };
}
