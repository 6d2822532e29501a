/**
 * A process's end as the Task API reports it: the status a shell would show
 * (128+signal when killed) and when it was seen.
 */
import { constants } from 'node:os';
import type { HelperExit } from '../runtime/helper.js';

export interface Exit {
  status: number;
  /** ms since the epoch */
  at: number;
}

export function exitStatus(e: HelperExit): number {
  if (e.signal) return 128 + (constants.signals[e.signal] ?? 0);
  return e.code ?? 0;
}
