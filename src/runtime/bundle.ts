/** Reads and validates <bundle>/config.json. The validators load only here. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Spec } from '../plan/spec.js';
import { RuntimeError, isErrno } from '../core/errors.js';
import { CONFIG_MAX, readLimited } from '../core/readLimited.js';

export async function readBundle(bundleArg: string | undefined): Promise<{ bundle: string; spec: Spec }> {
  const bundle = path.resolve(bundleArg ?? '.');
  const file = path.join(bundle, 'config.json');
  let text: string;
  try {
    const st = fs.statSync(bundle);
    if (!st.isDirectory()) throw new RuntimeError('EBUNDLE', `bundle ${bundle} is not a directory`);
    text = readLimited(file, CONFIG_MAX, 'config.json', 'EBUNDLE');
  } catch (err) {
    if (err instanceof RuntimeError) throw err;
    if (isErrno(err, 'ENOENT')) {
      const what = fs.existsSync(bundle) ? `${file} does not exist` : `bundle ${bundle} does not exist`;
      throw new RuntimeError('EBUNDLE', what);
    }
    throw new RuntimeError('EBUNDLE', `cannot read ${file}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new RuntimeError('ECONFIG', `${file}: invalid JSON: ${(err as Error).message}`);
  }
  const { validateConfigDocument } = await import('../plan/validate.js');
  return { bundle, spec: validateConfigDocument(doc, 'config.json') };
}
