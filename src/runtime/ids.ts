/** Container ids follow runc's rule: ^[\w+-\.]+$, and not "." or "..". */
import { invalid } from './errors.js';

const ID = /^[A-Za-z0-9_+\-.]+$/;
const MAX = 1024;

export function validateId(id: string | undefined): string {
  if (id === undefined || id === '') throw invalid('container id cannot be empty');
  if (id.length > MAX) throw invalid(`invalid container id: longer than ${MAX} characters`);
  if (!ID.test(id) || id === '.' || id === '..') throw invalid(`invalid container id format: ${id}`);
  return id;
}
