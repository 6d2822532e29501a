/**
 * The one table of container status transitions. Every operation asks
 * `allowed(op, status)` before it acts; the error for a refused operation
 * comes from the same table so the wording stays runc's.
 */
import type { Status } from '../backend/record.js';
import { RuntimeError, notRunning } from '../core/errors.js';

export type { Status };
export type Operation = 'start' | 'kill' | 'delete' | 'forceDelete' | 'exec' | 'pause' | 'resume' | 'ps';

const table: Record<Operation, readonly Status[]> = {
  start: ['created'],
  kill: ['created', 'running', 'paused'],
  delete: ['created', 'stopped', 'creating'],
  forceDelete: ['creating', 'created', 'running', 'paused', 'stopped'],
  exec: ['created', 'running'],
  pause: ['running'],
  resume: ['paused'],
  ps: ['created', 'running', 'paused', 'stopped'],
};

/** What an operation moves the container to when it succeeds. */
export const nextStatus: Partial<Record<Operation, Status>> = {
  start: 'running',
  pause: 'paused',
  resume: 'running',
};

export function allowed(op: Operation, status: Status): boolean {
  return table[op].includes(status);
}

function refusal(op: Operation, status: Status, id: string): RuntimeError {
  switch (op) {
    case 'start':
      if (status === 'stopped') return new RuntimeError('EBADSTATE', 'cannot start a container that has stopped');
      if (status === 'running') return new RuntimeError('EBADSTATE', 'cannot start an already running container');
      return new RuntimeError('EBADSTATE', `cannot start a container in the ${status} state`);
    case 'kill':
    case 'exec':
    case 'pause':
      return notRunning();
    case 'resume':
      return new RuntimeError('EBADSTATE', 'container not paused');
    case 'delete':
      return new RuntimeError('EBADSTATE', `cannot delete container ${id} that is not stopped: ${status}`);
    default:
      return new RuntimeError('EBADSTATE', `cannot ${op} container ${id} in the ${status} state`);
  }
}

/** Throws the runc-worded error when `op` is not allowed from `status`. */
export function check(op: Operation, status: Status, id: string): void {
  if (!allowed(op, status)) throw refusal(op, status, id);
}
