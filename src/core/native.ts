/**
 * Where this build's native files are: native/ in the first directory above
 * this file that has the one asked for (dist/ and src/core/ both sit below the
 * tree's root). The helper (backend/helperBinary.ts) and runj's addon (sys.ts)
 * are looked up here; the directory found first is tried first after that, so
 * create, which needs both, walks once.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

let known: string | undefined;

/** native/<name> of this build, or undefined when no directory above has it. */
export function nativeFile(name: string): string | undefined {
  if (known && fs.existsSync(path.join(known, name))) return path.join(known, name);
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++, dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'native', name);
    if (fs.existsSync(candidate)) {
      known = path.dirname(candidate);
      return candidate;
    }
  }
  return undefined;
}
