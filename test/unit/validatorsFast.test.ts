// The fast validators (src/generated/validatorsFast.js: stop at the first
// error, no messages) decide alone whether a config or process is valid
// (src/plan/validate.ts), so they must give the full validators' verdict on
// every document: the fixtures, and every fixture with one value replaced by
// a value of each other JSON type. Run after `node build/compile-schemas.mjs`.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as full from '../../src/generated/validators.js';
import * as fast from '../../src/generated/validatorsFast.js';

const OURS = join(import.meta.dirname, '..', 'fixtures', 'config');
const REFERENCE = join(import.meta.dirname, '..', '..', '..', 'shared', 'reference', 'runtime-spec-v1.3.0', 'schema', 'test', 'config');

function documents(): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const base of [OURS, REFERENCE]) {
    for (const kind of ['good', 'bad']) {
      const dir = join(base, kind);
      if (!existsSync(dir)) continue;
      for (const f of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
        try {
          out.push([`${kind}/${f}`, JSON.parse(readFileSync(join(dir, f), 'utf8'))]);
        } catch {} // a fixture that is not JSON never reaches a validator
      }
    }
  }
  return out;
}

const REPLACEMENTS: unknown[] = [null, true, -1, 1.5, 4294967296, '', 'x', [], ['x'], {}, { x: 1 }];

type Path = (string | number)[];

/** Each path in the document, with each replacement for the value there. */
function* mutations(doc: unknown, path: Path = []): Generator<[Path, unknown]> {
  if (path.length > 0) {
    for (const r of REPLACEMENTS) yield [path, r];
  }
  if (Array.isArray(doc)) {
    for (let i = 0; i < doc.length; i++) yield* mutations(doc[i], [...path, i]);
  } else if (doc && typeof doc === 'object') {
    for (const k of Object.keys(doc)) yield* mutations((doc as Record<string, unknown>)[k], [...path, k]);
  }
}

/** A copy of doc with the value at path replaced. */
function replaced(doc: unknown, path: Path, value: unknown): unknown {
  const copy = structuredClone(doc) as Record<string | number, unknown>;
  let at = copy;
  for (const k of path.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
  at[path[path.length - 1] as string | number] = value;
  return copy;
}

describe('fast validators', () => {
  const docs = documents();

  it('give the full validators verdict on every fixture config and its process', () => {
    expect(docs.length).toBeGreaterThan(100);
    let invalid = 0;
    for (const [name, doc] of docs) {
      const verdict = full.validateConfig(doc);
      if (!verdict) invalid++;
      expect(fast.validateConfig(doc), name).toBe(verdict);
      const proc = (doc as { process?: unknown }).process;
      if (proc !== undefined) expect(fast.validateProcess(proc), `${name} process`).toBe(full.validateProcess(proc));
    }
    expect(invalid).toBeGreaterThan(80); // the bad fixtures are there, and most break a schema rule (the rest a semantic one)
  });

  it('give the full validators verdict on every good fixture with any one value replaced', () => {
    let cases = 0;
    let rejected = 0;
    for (const [name, doc] of docs.filter(([n]) => n.startsWith('good/'))) {
      for (const [path, value] of mutations(doc)) {
        const d = replaced(doc, path, value);
        const where = `/${path.join('/')} = ${JSON.stringify(value)}`;
        const verdict = full.validateConfig(d);
        cases++;
        if (!verdict) rejected++;
        expect(fast.validateConfig(d), `${name} ${where}`).toBe(verdict);
        const proc = (d as { process?: unknown }).process;
        if (proc !== undefined && path[0] === 'process') {
          expect(fast.validateProcess(proc), `${name} ${where} (process)`).toBe(full.validateProcess(proc));
        }
      }
    }
    expect(cases).toBeGreaterThan(5000);
    expect(rejected).toBeGreaterThan(cases / 2);
  });
});
