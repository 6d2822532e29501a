#!/usr/bin/env node
/**
 * Runs the runtime-spec's own schema test fixtures against runj's generated
 * validators (src/generated/validators.js, from `node build/compile-schemas.mjs`):
 * every fixture in <dir>/{config,state,features}/good must be valid, every one
 * in .../bad invalid (a file that is not JSON counts as invalid).
 *
 * Usage: node conformance/schema-fixtures.mjs [fixture-dir]
 *   fixture-dir defaults to ../shared/reference/runtime-spec-v1.3.0/schema/test,
 *   relative to the repository root's parent. Missing directory: skipped, exit 0.
 * Prints one line per unexpected result and "N passed, M failed"; exits 1 on
 * any unexpected result (an expected failure listed in EXCEPTIONS that starts
 * passing is unexpected too, so the list cannot go stale).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_DIR = resolve(repo, '..', 'shared', 'reference', 'runtime-spec-v1.3.0', 'schema', 'test');

/**
 * Fixtures whose verdict is expected to differ from the official one, because
 * the rule they test lives in a platform section runj validates only as an
 * object (solaris, windows, vm, zos). Key: "<kind>/<good|bad>/<file>".
 *
 * Currently empty: every official bad fixture (v1.3.0) breaks a rule in the
 * common, linux or freebsd parts, which runj's schemas check fully, and the
 * z/OS good fixtures pass the loose `zos` object check.
 */
const EXCEPTIONS = {
  // 'config/bad/windows-example.json': 'windows section is validated only as an object',
};

async function loadValidators() {
  const file = join(repo, 'src', 'generated', 'validators.js');
  if (!existsSync(file)) {
    console.error('schema-fixtures: missing src/generated/validators.js; run `node build/compile-schemas.mjs`');
    process.exit(2);
  }
  const v = await import(pathToFileURL(file).href);
  return { config: v.validateConfig, state: v.validateState, features: v.validateFeatures };
}

/** true: valid; otherwise a short reason. */
function verdict(validate, path) {
  let doc;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    return `not JSON (${err instanceof Error ? err.message : String(err)})`;
  }
  if (validate(doc)) return true;
  const [first] = validate.errors ?? [];
  return first ? `${first.instancePath || '/'} ${first.keyword}: ${first.message}` : 'invalid';
}

async function main() {
  const dir = resolve(process.argv[2] ?? DEFAULT_DIR);
  if (!existsSync(dir)) {
    console.log(`schema-fixtures: ${dir} not found; skipped`);
    return 0;
  }
  const validators = await loadValidators();
  let passed = 0;
  let failed = 0;
  const unusedExceptions = new Set(Object.keys(EXCEPTIONS));
  for (const [kind, validate] of Object.entries(validators)) {
    for (const expect of ['good', 'bad']) {
      const sub = join(dir, kind, expect);
      if (!existsSync(sub)) continue;
      for (const file of readdirSync(sub).filter((f) => f.endsWith('.json')).sort()) {
        const key = `${kind}/${expect}/${file}`;
        const result = verdict(validate, join(sub, file));
        const asOfficial = (result === true) === (expect === 'good');
        const exception = EXCEPTIONS[key];
        if (exception) unusedExceptions.delete(key);
        if (asOfficial !== Boolean(exception)) {
          passed += 1;
          if (exception) console.log(`expected deviation ${key}: ${exception}`);
          continue;
        }
        failed += 1;
        if (exception) console.log(`FAIL ${key}: listed as an exception (${exception}) but matches the official verdict`);
        else console.log(`FAIL ${key}: ${expect === 'good' ? `rejected: ${result}` : 'accepted'}`);
      }
    }
  }
  for (const key of unusedExceptions) console.log(`note: exception ${key} matches no fixture`);
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main();
