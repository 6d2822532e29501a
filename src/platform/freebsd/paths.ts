/**
 * Mount points runj created for a container (mountpoint.ts records them at
 * setUp), removed again at teardown: last first, and only what is still
 * empty, so nothing the container put there is lost.
 */
import * as fs from 'node:fs';
import { isErrno } from '../../core/errors.js';

/** Removes the created paths, last first: empty directories and empty files only. */
export function removeCreated(created: readonly string[]): string[] {
  const problems: string[] = [];
  for (const p of [...created].reverse()) {
    try {
      const st = fs.lstatSync(p);
      if (st.isDirectory()) fs.rmdirSync(p);
      else if (st.isFile() && st.size === 0) fs.unlinkSync(p);
    } catch (err) {
      // ENOTEMPTY: the container put files there; they are its, so the directory stays.
      if (!isErrno(err, 'ENOENT') && !isErrno(err, 'ENOTEMPTY')) problems.push(`remove ${p}: ${(err as Error).message}`);
    }
  }
  return problems;
}
