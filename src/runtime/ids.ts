/**
 * Container ids follow runc's rule: ^[\w+-\.]+$, and not "." or "..". As with
 * runc 1.1, an id may start with '-' (`create -- -h`); every command then
 * reaches it after `--`. '~' is never part of an id: the store's hidden
 * directories use it (docs/state.md).
 */
import { invalid } from '../core/errors.js';

// runc's class [\w+-\.] has the range +-. in it, which includes the comma.
const ID = /^[A-Za-z0-9_+,\-.]+$/;
// The id is a file name in the store, at most NAME_MAX (255 bytes on Linux and
// FreeBSD), and while staged it is `.creating~<id>~<pid>~<8 hex>` (store.ts):
// 27 bytes more with a 7-digit pid. A longer id would fail deep in create with
// a bare ENAMETOOLONG instead of this error.
const MAX = 255 - '.creating~'.length - '~4194304~01234567'.length;

export function validateId(id: string | undefined): string {
  if (id === undefined || id === '') throw invalid('container id cannot be empty');
  if (id.length > MAX) throw invalid(`invalid container id: longer than ${MAX} characters`);
  if (!ID.test(id) || id === '.' || id === '..') throw invalid(`invalid container id format: ${id}`);
  return id;
}
