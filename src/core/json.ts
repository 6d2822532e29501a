/**
 * The one way runj reads a JSON document a user names: config.json, exec's
 * --process, update's --resources, the host policy and runj.ext.json. The
 * bytes come through readLimited (regular files only, a size cap), and every
 * failure names the file: "... does not exist", "cannot read ...",
 * "...: not a regular file", "...: larger than runj's limit", "...: invalid JSON".
 */
import * as fs from 'node:fs';
import { type ErrorCode, RuntimeError, isErrno } from './errors.js';
import { readLimited, readLimitedFd } from './readLimited.js';

export interface ReadJsonOptions {
  /** The size cap (readLimited.ts). */
  max: number;
  /** The file's role in the size-limit error ("config.json", "host policy"). */
  what: string;
  /** Code of an error reading the file; default ECONFIG. */
  code?: ErrorCode;
  /** Code of a file that is not JSON; default ECONFIG (it is the document that is wrong). */
  jsonCode?: ErrorCode;
  /** How the errors name the file (e.g. "--resources FILE"); default its path. */
  name?: string;
  /** A missing file gives undefined instead of an error (the host policy, runj.ext.json). */
  optional?: boolean;
  /** "-" reads standard input (update --resources -), still bounded by `max`. */
  stdin?: boolean;
}

export function readJsonFile(file: string, o: ReadJsonOptions & { optional: true }): unknown | undefined;
export function readJsonFile(file: string, o: ReadJsonOptions): unknown;
export function readJsonFile(file: string, o: ReadJsonOptions): unknown | undefined {
  const code = o.code ?? 'ECONFIG';
  const name = o.name ?? file;
  // An optional file that is not there (the host policy, most often) is found so: the ENOENT a
  // read would throw costs ~0.25 ms when it is the process's first system error (Node builds its
  // table of errno names then). Only a path with nothing at its end (ENOENT) is absent; any
  // other failure (ENOTDIR, ELOOP, EACCES) is the read's to report, below, as before.
  if (o.optional && !(o.stdin && file === '-') && absent(file)) return undefined;
  let text: string;
  try {
    text = o.stdin && file === '-' ? readLimitedFd(0, o.max, o.what, code, 'standard input') : readLimited(file, o.max, o.what, code);
  } catch (err) {
    if (err instanceof RuntimeError) throw err;
    if (isErrno(err, 'ENOENT')) {
      if (o.optional) return undefined;
      throw new RuntimeError(code, `${name} does not exist`);
    }
    throw new RuntimeError(code, `cannot read ${name}: ${(err as Error).message}`);
  }
  return parseJson(text, name, o.jsonCode);
}

/** Nothing is at `file` (stat(2): ENOENT); false too when it cannot be looked at. */
function absent(file: string): boolean {
  try {
    return fs.statSync(file, { throwIfNoEntry: false }) === undefined;
  } catch {
    return false;
  }
}

/** JSON.parse with the error runj gives for every document: "NAME: invalid JSON: why". */
export function parseJson(text: string, name: string, code: ErrorCode = 'ECONFIG'): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new RuntimeError(code, `${name}: invalid JSON: ${(err as Error).message}`);
  }
}

