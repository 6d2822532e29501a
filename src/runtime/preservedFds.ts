/**
 * --preserve-fds N passes fds 3..3+N-1 to the container. One that is not
 * open would make spawn fail with a bare EBADF: check them all first and
 * name the first that is missing.
 */
import * as fs from 'node:fs';
import { invalid } from '../core/errors.js';

export function checkPreservedFds(count: number): void {
  if (!Number.isInteger(count) || count < 0) throw invalid(`--preserve-fds ${count}: must be a non-negative integer`);
  for (let fd = 3; fd < 3 + count; fd++) {
    try {
      fs.fstatSync(fd);
    } catch {
      throw invalid(`--preserve-fds ${count}: fd ${fd} is not open`);
    }
  }
}
