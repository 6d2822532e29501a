/**
 * What each command loads at start-up, which is most of its latency: the
 * commands that never start a process must not load node:child_process (or
 * node:net), ~10 ms on their own, and none loads node:crypto. Checked on the bundle that ships, with a
 * preload that records every built-in module required.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RUNJ, isRoot, makeBundle, makeEnv, runjCreate, uniqueId } from './harness.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-startup-'));
const preload = path.join(dir, 'record.cjs');
fs.writeFileSync(
  preload,
  `const Module = require('node:module');
const seen = new Set();
const load = Module._load;
Module._load = function (request, ...rest) {
  if (Module.isBuiltin(request)) seen.add(request.replace(/^node:/, ''));
  return load.call(this, request, ...rest);
};
process.on('exit', () => require('node:fs').writeFileSync(process.env.RECORD_TO, [...seen].sort().join('\\n')));
`,
);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function builtinsOf(args: string[], root = path.join(dir, 'state')): string[] {
  const out = path.join(dir, 'loaded.txt');
  const r = spawnSync(process.execPath, ['-r', preload, RUNJ, '--root', root, ...args], {
    encoding: 'utf8',
    env: { ...process.env, RECORD_TO: out },
  });
  expect(r.error).toBeUndefined();
  return fs.readFileSync(out, 'utf8').split('\n');
}

describe('start-up: what a command loads', () => {
  it.each([['state', 'nope'], ['kill', 'nope'], ['list'], ['delete', 'nope'], ['start', 'nope'], ['pause', 'nope'], ['events', '--stats', 'nope']])(
    '%s does not load child_process, net or crypto',
    (...args) => {
      const loaded = builtinsOf(args);
      expect(loaded).toContain('fs'); // the recorder works
      expect(loaded).not.toContain('child_process');
      expect(loaded).not.toContain('net');
      expect(loaded).not.toContain('crypto'); // ~5 ms, for four random bytes of a temp name
    },
  );
});

describe.skipIf(!isRoot)('start-up with a real container', () => {
  it('state, kill and a delete of a container without hooks load no child_process either', () => {
    const env = makeEnv();
    try {
      const id = uniqueId('su');
      expect(runjCreate(env, id, makeBundle(env, ['sleep', '100'])).status).toBe(0);
      for (const args of [['state', id], ['kill', id, 'KILL'], ['delete', '--force', id]]) {
        const loaded = builtinsOf(args, env.root);
        expect(loaded, args.join(' ')).toContain('fs');
        expect(loaded, args.join(' ')).not.toContain('child_process');
      }
    } finally {
      env.cleanup();
    }
  });
});

describe('exit: a command ends when it is done', () => {
  // A preload that leaves a timer pending for 60 s: Node would wait for it before a script
  // that just ends exits. runj exits as soon as its command is done (src/cli/entry.ts), with
  // all its output written (synchronously: src/core/output.ts) and its exit status.
  const linger = path.join(dir, 'linger.cjs');
  fs.writeFileSync(linger, 'setTimeout(() => {}, 60_000);\n');
  const runLingering = (args: string[]) =>
    spawnSync(process.execPath, ['-r', linger, RUNJ, '--root', path.join(dir, 'state'), ...args], { encoding: 'utf8', timeout: 20_000 });

  it('after success, with its whole output', () => {
    const t = Date.now();
    const r = runLingering(['features']);
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
    expect(Date.now() - t).toBeLessThan(15_000);
    expect(JSON.parse(r.stdout).ociVersionMax).toBe('1.3.0');
  });

  it('after a failure, with its message and status', () => {
    const r = runLingering(['state', 'nope']);
    expect(r.signal).toBeNull();
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('runj: container does not exist\n');
  });

  it('after a usage error, with status 2', () => {
    const r = runLingering(['state']);
    expect(r.signal).toBeNull();
    expect(r.status).toBe(2);
  });
});
