/** src/shim is a top layer beside src/cli: it may use the runtime and below; nothing below may use it. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../../../src');
const ALLOWED = ['shim', 'runtime', 'core', 'backend', 'plan', 'generated'];

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Each relative import of a file, as the top-level folder of src/ it lands in. */
function importedLayers(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from\s+|import\s*\(?\s*)'(\.[^']+)'/g)].map((m) => path.relative(SRC, path.resolve(path.dirname(file), m[1]!)).split(path.sep)[0]!);
}

describe('shim layering', () => {
  it('src/shim imports only the runtime and the layers below it', () => {
    const bad = files(path.join(SRC, 'shim')).flatMap((f) =>
      importedLayers(f)
        .filter((l) => !ALLOWED.includes(l))
        .map((l) => `${path.relative(SRC, f)} → ${l}`),
    );
    expect(bad).toEqual([]);
  });

  it('nothing outside src/shim imports it except the entry point', () => {
    const users = files(SRC)
      .filter((f) => !f.startsWith(path.join(SRC, 'shim') + path.sep))
      // The shim's entry point (src/shim*.ts beside src/main.ts) is the one user.
      .filter((f) => !(path.dirname(f) === SRC && /^shim.*\.ts$/.test(path.basename(f))))
      .filter((f) => importedLayers(f).includes('shim'))
      .map((f) => path.relative(SRC, f));
    expect(users).toEqual([]);
  });
});
