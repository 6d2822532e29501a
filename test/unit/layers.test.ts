// scripts/layers.mjs (import direction and cycles of src) and
// scripts/c-cycles.mjs (cycles between the helper's object files), both run
// by `make lint`: on the real trees, and on small trees made here that break
// one rule each.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-layers-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function run(script: string, ...args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', script), ...args], { encoding: 'utf8', cwd: root });
  return { status: r.status, out: r.stdout + r.stderr };
}

// A source tree under dir/src from { 'relative/path.ts': text }.
function tree(files: Record<string, string>): string {
  const src = path.join(dir, 'src');
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(src, rel)), { recursive: true });
    fs.writeFileSync(path.join(src, rel), text);
  }
  return src;
}

// One file per layer, each importing the layer below it in a different way.
const layered: Record<string, string> = {
  'main.ts': "import { run } from './cli/args.js';\nrun();\n",
  'cli/args.ts': "import { demo } from '../demo/busybox.js';\nexport const run = () => import('../runtime/create.js').then(demo);\n",
  'demo/busybox.ts': "import { create } from '../runtime/create.js';\nexport const demo = () => create();\n",
  'runtime/create.ts':
    "import type { Sandbox } from '../backend/sandbox.js';\nimport { pick } from './backends.js';\nexport const create = (s?: Sandbox) => s ?? pick();\n",
  'runtime/backends.ts': "import { linuxSandbox } from '../platform/linux/sandbox.js';\nexport const pick = () => linuxSandbox;\n",
  'platform/shared.ts': "export { fail } from '../core/errors.js';\n",
  'platform/linux/sandbox.ts':
    "import { fail } from '../shared.js';\nimport { plan } from '../../plan/build.js';\nexport const linuxSandbox = { fail, plan };\n",
  'platform/freebsd/sandbox.ts': "import { fail } from '../shared.js';\nexport const freebsdSandbox = { fail };\n",
  'backend/sandbox.ts': "import type { Plan } from '../plan/build.js';\nexport interface Sandbox { plan: Plan }\n",
  'plan/build.ts':
    "import { validate } from '../generated/validators.js';\nimport { fail } from '../core/errors.js';\nexport type Plan = string;\nexport const plan = (x: unknown) => validate(x) || fail();\n",
  'generated/validators.d.ts': 'export declare function validate(x: unknown): boolean;\n',
  'core/errors.ts': "export const fail = (): never => { throw new Error('x'); };\n",
};

describe('scripts/layers.mjs', () => {
  // The lead restructures src into the layers; this holds once that is merged.
  it('passes on the real src', () => {
    const r = run('layers.mjs', 'src');
    expect(r.out).not.toMatch(/: (upward|cycle|no-layer|runtime-platform|cross-platform|shared-platform): /);
    expect(r.status).toBe(0);
  });

  it('passes a tree where every import goes down, in every form', () => {
    const r = run('layers.mjs', tree(layered));
    expect(r.out).toMatch(/^layers: 12 files, 14 relative imports, 7 layers \(cli > demo > runtime > platform > backend > plan > core\)/);
    expect(r.status).toBe(0);
  });

  it('fails platform importing runtime, naming both files and the line', () => {
    const src = tree({ ...layered, 'platform/x.ts': "// why\nimport { y } from '../runtime/y.js';\nexport const x = y;\n", 'runtime/y.ts': 'export const y = 1;\n' });
    const r = run('layers.mjs', src);
    expect(r.status).toBe(1);
    expect(r.out).toContain(`${src}/platform/x.ts:2: upward: platform/x.ts (platform) imports runtime/y.ts (runtime)`);
    expect(r.out).toContain('layers: 1 violation(s)');
  });

  it('counts a type-only import, a re-export and import() as imports', () => {
    const src = tree({
      ...layered,
      'core/a.ts': "import type { Plan } from '../plan/build.js';\nexport type A = Plan;\n",
      'core/b.ts': "export { plan } from '../plan/build.js';\n",
      'plan/c.ts': "export const c = () => import('../backend/sandbox.js');\n",
      'backend/d.ts': "export type D = typeof import('../runtime/create.js');\n",
    });
    const r = run('layers.mjs', src);
    expect(r.status).toBe(1);
    expect(r.out).toContain('core/a.ts:1: upward: core/a.ts (core) imports plan/build.ts (plan)');
    expect(r.out).toContain('core/b.ts:1: upward: core/b.ts (core) imports plan/build.ts (plan)');
    expect(r.out).toContain('plan/c.ts:1: upward: plan/c.ts (plan) imports backend/sandbox.ts (backend)');
    expect(r.out).toContain('backend/d.ts:1: upward: backend/d.ts (backend) imports runtime/create.ts (runtime)');
    expect(r.out).toContain('layers: 4 violation(s)');
  });

  it('fails a cycle inside one layer, naming it once', () => {
    const src = tree({
      ...layered,
      'plan/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
      'plan/b.ts': "\nimport type { a } from './a.js';\nexport const b = 1;\nexport type B = typeof a;\n",
    });
    const r = run('layers.mjs', src);
    expect(r.status).toBe(1);
    expect(r.out).toContain(`${src}/plan/a.ts:1: cycle: plan/a.ts -> plan/b.ts -> plan/a.ts\n`);
    expect(r.out.match(/cycle:/g)).toHaveLength(1);
  });

  it('lets only runtime/backends.ts import platform', () => {
    const ok = run('layers.mjs', tree(layered));
    expect(ok.status).toBe(0);
    const src = tree({ ...layered, 'runtime/create.ts': "import { linuxSandbox } from '../platform/linux/sandbox.js';\nexport const create = () => linuxSandbox;\n" });
    const r = run('layers.mjs', src);
    expect(r.status).toBe(1);
    expect(r.out).toContain(
      'runtime/create.ts:1: runtime-platform: runtime/create.ts (runtime) imports platform/linux/sandbox.ts (platform); runtime must reach platforms through runtime/backends.ts',
    );
    expect(r.out).not.toContain('runtime/backends.ts:');
  });

  it('fails linux importing freebsd, and shared platform files importing either', () => {
    const src = tree({
      ...layered,
      'platform/linux/x.ts': "import { freebsdSandbox } from '../freebsd/sandbox.js';\nexport const x = freebsdSandbox;\n",
      'platform/procinfo.ts': "export const p = () => import('./freebsd/sandbox.js');\n",
    });
    const r = run('layers.mjs', src);
    expect(r.status).toBe(1);
    expect(r.out).toContain('platform/linux/x.ts:1: cross-platform: platform/linux/x.ts (platform) imports platform/freebsd/sandbox.ts (platform)');
    expect(r.out).toContain('platform/procinfo.ts:1: shared-platform: platform/procinfo.ts (platform) imports platform/freebsd/sandbox.ts (platform)');
  });

  it('fails an import() whose target it cannot see', () => {
    const src = tree({ ...layered, 'cli/load.ts': "const name = './args.js';\nexport const load = () => import(name);\n" });
    const r = run('layers.mjs', src);
    expect(r.status).toBe(1);
    expect(r.out).toContain('cli/load.ts:2: computed-import: cli/load.ts: import() of a computed specifier; use a string literal');
  });

  it('fails a file in a folder that is no layer, and an import of it', () => {
    const src = tree({
      ...layered,
      'util/x.ts': 'export const x = 1;\n',
      'constructor/z.ts': 'export const z = 1;\n',
      'core/y.ts': "import { x } from '../util/x.js';\nexport const y = x;\n",
    });
    const r = run('layers.mjs', src);
    expect(r.status).toBe(1);
    expect(r.out).toContain('util/x.ts:1: no-layer: util/x.ts is outside every layer');
    expect(r.out).toContain('core/y.ts:1: no-layer: core/y.ts (core) imports util/x.ts (none)');
    expect(r.out).toContain('constructor/z.ts:1: no-layer: constructor/z.ts is outside every layer');
  });
});

describe('scripts/c-cycles.mjs', () => {
  const cc = (name: string, text: string) => {
    fs.writeFileSync(path.join(dir, `${name}.c`), text);
    const r = spawnSync('cc', ['-c', '-o', path.join(dir, `${name}.o`), path.join(dir, `${name}.c`)], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    return path.join(dir, `${name}.o`);
  };

  it('fails two files that call each other, naming the symbols', () => {
    const a = cc('a', 'int pong(int);\nint ping(int n) { return n ? pong(n - 1) : 0; }\n');
    const b = cc('b', 'int ping(int);\nint pong(int n) { return n ? ping(n - 1) : 1; }\n');
    const r = run('c-cycles.mjs', a, b);
    expect(r.status).toBe(1);
    expect(r.out).toContain('cycle: a.o -> b.o (pong) -> a.o (ping)');
  });

  it('passes a chain, given as a directory', () => {
    cc('top', 'int helper(int);\nint top(int n) { return helper(n) + 1; }\n');
    cc('low', '#include <stdlib.h>\nint helper(int n) { return abs(n); }\n');
    const r = run('c-cycles.mjs', dir);
    expect(r.out).toBe('c-cycles: 2 objects, 1 dependencies between them, no cycle\n');
    expect(r.status).toBe(0);
  });

  it('passes the Linux helper (make -C native objects)', () => {
    const m = spawnSync('make', ['-s', '-C', path.join(root, 'native'), 'objects'], { encoding: 'utf8' });
    expect(m.status, m.stderr).toBe(0);
    const r = run('c-cycles.mjs', path.join(root, 'native/obj'));
    expect(r.out).toMatch(/^c-cycles: \d+ objects, \d+ dependencies between them, no cycle\n$/);
    expect(r.status).toBe(0);
  }, 180_000); // compiles every object of the helper
});
