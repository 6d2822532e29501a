/** Reads and validates <bundle>/config.json. The validators load only here. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RuntimeError, isErrno } from '../core/errors.js';
import { readJsonFile } from '../core/json.js';
import { CONFIG_MAX } from '../core/readLimited.js';
import type { Spec } from '../plan/spec.js';
import { mark } from '../core/trace.js';

export async function readBundle(bundleArg: string | undefined): Promise<{ bundle: string; spec: Spec }> {
  return validateBundle(readBundleConfig(bundleArg));
}

/** The bundle's directory and its config.json as parsed, not yet validated. */
export function readBundleConfig(bundleArg: string | undefined): { bundle: string; doc: unknown } {
  const bundle = path.resolve(bundleArg ?? '.');
  let st: fs.Stats;
  try {
    st = fs.statSync(bundle);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) throw new RuntimeError('EBUNDLE', `bundle ${bundle} does not exist`);
    throw new RuntimeError('EBUNDLE', `cannot read bundle ${bundle}: ${(err as Error).message}`);
  }
  if (!st.isDirectory()) throw new RuntimeError('EBUNDLE', `bundle ${bundle} is not a directory`);
  const doc = readJsonFile(path.join(bundle, 'config.json'), { max: CONFIG_MAX, what: 'config.json', code: 'EBUNDLE' });
  mark('bundle.read');
  return { bundle, doc };
}

/** Validates what readBundleConfig read. */
export async function validateBundle({ bundle, doc }: { bundle: string; doc: unknown }): Promise<{ bundle: string; spec: Spec }> {
  const { validateConfigDocument } = await import('../plan/validate.js');
  mark('validators.load');
  const spec = validateConfigDocument(doc, 'config.json');
  mark('validate');
  return { bundle, spec };
}
