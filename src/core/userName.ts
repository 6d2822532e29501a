/**
 * The name of a user id, as `list` shows a container's owner (runc: the owner
 * of the container's state directory, `#<uid>` when it has no name). Only
 * `list` asks: create records no name, since looking one up (getpwuid and its
 * name-service files) cost ~0.5 ms of every create (docs/performance.md).
 */
import * as fs from 'node:fs';
import type * as Os from 'node:os';
import { builtin } from './builtin.js';

/** The name of `uid`: the current user's own, else from /etc/passwd, else `#<uid>`. */
export function userName(uid: number, passwd = '/etc/passwd'): string {
  if (uid === process.getuid?.()) {
    try {
      return builtin<typeof Os>('node:os').userInfo().username;
    } catch {}
  }
  try {
    for (const line of fs.readFileSync(passwd, 'utf8').split('\n')) {
      const [name, , id] = line.split(':');
      if (name && !name.startsWith('#') && id !== undefined && id !== '' && Number(id) === uid) return name;
    }
  } catch {}
  return `#${uid}`;
}
