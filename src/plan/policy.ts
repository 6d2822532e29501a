/**
 * Host policy: what the administrator allows bundles to ask for beyond the
 * defaults. Lives in /etc/runj/policy.json (or $RUNJ_POLICY). Fields a backend
 * cannot apply are refused unless listed under "ignore"; ignored fields are
 * logged as warnings at create.
 *
 *   { "ignore": ["linux.seccomp", "linux.resources"] }
 */
import { RuntimeError } from '../core/errors.js';
import { parseJson, readJsonFile } from '../core/json.js';
import { SMALL_DOC_MAX } from '../core/readLimited.js';

export const DEFAULT_POLICY_FILE = '/etc/runj/policy.json';

export interface HostPolicy {
  file: string | undefined;
  /** Dotted config field names (e.g. "linux.seccomp") a backend may skip. */
  ignore: ReadonlySet<string>;
  /** Backend sections, read by the backend's own adapter (e.g. "freebsd"). */
  sections: Record<string, unknown>;
}

export const emptyPolicy: HostPolicy = { file: undefined, ignore: new Set(), sections: {} };

export function parsePolicy(text: string, file: string): HostPolicy {
  return policyFrom(parseJson(text, file), file);
}

function policyFrom(doc: unknown, file: string): HostPolicy {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new RuntimeError('ECONFIG', `${file}: must be a JSON object`);
  }
  const { ignore = [], ...sections } = doc as Record<string, unknown>;
  if (!Array.isArray(ignore) || ignore.some((f) => typeof f !== 'string' || !/^[A-Za-z0-9_.]+$/.test(f))) {
    throw new RuntimeError('ECONFIG', `${file}: /ignore: must be an array of dotted field names`);
  }
  for (const key of Object.keys(sections)) {
    if (key !== 'freebsd' && key !== 'linux') throw new RuntimeError('ECONFIG', `${file}: /${key}: unknown policy section`);
  }
  return { file, ignore: new Set(ignore as string[]), sections };
}

/** Reads the host policy; a missing file is the empty policy. */
export function loadPolicy(file = process.env.RUNJ_POLICY || DEFAULT_POLICY_FILE): HostPolicy {
  const doc = readJsonFile(file, { max: SMALL_DOC_MAX, what: 'host policy', optional: true });
  return doc === undefined ? { ...emptyPolicy, file } : policyFrom(doc, file);
}
