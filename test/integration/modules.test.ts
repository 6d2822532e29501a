/**
 * Node's built-in modules each lifecycle command loads beyond an empty
 * script's (process.moduleLoadList at exit, through a --require preload that
 * both runs share). Loading node:child_process, node:net or node:stream costs
 * ~5-10 ms of a command's start-up (docs/performance.md), so what a command
 * loads is part of its contract: create, run and exec spawn the helper
 * through runj's addon (and wait for it there), and nothing else needs those
 * modules.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Env, RUNJ, isRoot, makeBundle, makeEnv, uniqueId } from './harness.js';

/** Built-in modules a command may load beyond an empty script's, by command. */
const ALLOWED: Record<string, string[]> = {
  // node:os (~0.4 ms) only to name an errno of a failed spawn: not loaded by a create that works.
  create: ['NativeModule vm'],
  // run and exec wait for the helper, and pass their signals on, through runj's addon: no signal_wrap.
  run: ['NativeModule vm'],
  exec: ['NativeModule vm'],
  start: ['NativeModule vm'],
  state: ['NativeModule vm'],
  kill: ['NativeModule vm', 'NativeModule os', 'Internal Binding os'],
  delete: ['NativeModule vm'],
};

describe.skipIf(!isRoot)('built-in modules loaded per command', () => {
  let env: Env;
  let preload: string;
  beforeAll(() => {
    env = makeEnv();
    preload = path.join(env.dir, 'modules.cjs');
    // Node's list, and the bundles the launcher read (`file <name>`).
    fs.writeFileSync(
      preload,
      [
        "const fs = require('fs');",
        'const read = fs.readFileSync;',
        'const files = [];',
        "const open = fs.openSync;",
        "const note = (p) => { if (typeof p === 'string' && p.endsWith('.cjs')) files.push('file ' + p.split('/').pop()); };",
        // The launcher opens and reads each bundle itself where it cannot map it (build/launcher.cjs).
        'fs.readFileSync = function (p, ...rest) { note(p); return read.call(this, p, ...rest); };',
        'fs.openSync = function (p, ...rest) { note(p); return open.call(this, p, ...rest); };',
        // Or maps it (runj-sys.node's mapFile): the mapped bundles are in /proc/self/maps.
        // And runj's addon, where it is loaded.
        "const mapped = () => [...new Set(fs.readFileSync('/proc/self/maps', 'utf8').split('\\n').map((l) => l.split(' ').pop()).filter((p) => p.endsWith('.cjs') || p.endsWith('/runj-sys.node')))].map((p) => 'mapped ' + p.split('/').pop());",
        "process.on('exit', () => fs.writeFileSync(process.env.RUNJ_TEST_MODULES, [...process.moduleLoadList, ...files, ...mapped()].join('\\n')));",
      ].join('\n'),
    );
  });
  afterAll(() => env.cleanup());

  /** Runs node with the preload; returns the modules it had loaded at exit. */
  const loaded = (args: string[]): Set<string> => {
    const out = path.join(env.dir, `modules-${uniqueId()}`);
    // Files, not pipes: a created container keeps runj's stdio open.
    const errFile = path.join(env.dir, 'modules.err');
    const o = fs.openSync(path.join(env.dir, 'modules.out'), 'w');
    const e = fs.openSync(errFile, 'w');
    try {
      const r = spawnSync(process.execPath, args, {
        stdio: ['ignore', o, e],
        env: { ...process.env, NODE_EXTRA_CA_CERTS: '', NODE_OPTIONS: `--require ${preload}`, RUNJ_TEST_MODULES: out },
        timeout: 60_000,
      });
      expect(r.status, `${args.join(' ')}: ${fs.readFileSync(errFile, 'utf8')}`).toBe(0);
    } finally {
      fs.closeSync(o);
      fs.closeSync(e);
    }
    return new Set(fs.readFileSync(out, 'utf8').split('\n'));
  };

  it('create (with seccomp), start, state, exec, kill, delete and run load only what they must', () => {
    const floor = loaded(['-e', '0']);
    const id = uniqueId('mods');
    // Podman and buildah always pass a seccomp profile.
    const bundle = makeBundle(env, ['sleep', '1000'], (s) => {
      if (s.linux) s.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['unshare', 'setns'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] };
    });
    const root = ['--root', env.root];
    const steps: [string, string[]][] = [
      ['create', [...root, 'create', '--bundle', bundle, id]],
      ['start', [...root, 'start', id]],
      ['state', [...root, 'state', id]],
      ['exec', [...root, 'exec', '--detach', id, 'sleep', '1000']],
      ['exec', [...root, 'exec', id, 'true']],
      ['kill', [...root, 'kill', id, 'KILL']],
      ['delete', [...root, 'delete', '--force', id]],
      ['run', [...root, 'run', '--bundle', makeBundle(env, ['true']), uniqueId('mods')]],
    ];
    for (const [name, args] of steps) {
      const got = [...loaded([RUNJ, ...args])];
      const extra = got.filter((m) => m && !/^(file|mapped) /.test(m) && !floor.has(m) && !ALLOWED[name]?.includes(m));
      // runj's addon: loaded by the launcher, first, for every command (its _exit ends them), so
      // that their bundle is mapped (it is in /proc/self/maps), not read.
      expect(got.includes('mapped runj-sys.node'), `${name}: runj-sys.node loaded`).toBe(true);
      expect(got.some((m) => /^mapped runj-(core|launch)-/.test(m)), `${name}: its bundle mapped`).toBe(true);
      expect(got.some((m) => /^file runj-(core|launch)-/.test(m)), `${name}: its bundle not read`).toBe(false);
      expect(extra, name).toEqual([]);
      // A valid document is decided by the fast validators; the full ones only word errors.
      if (name === 'create' || name === 'run') expect(got.filter((m) => m.includes(' validators')), name).toEqual(['mapped validators-fast.cjs']);
    }
  });

  it('a config that fails validation loads the full validators, and its errors are worded by them', () => {
    const bundle = makeBundle(env, ['true'], (s) => {
      if (s.process) (s.process as { cwd: unknown }).cwd = 7;
    });
    const out = path.join(env.dir, `modules-${uniqueId()}`);
    const r = spawnSync(process.execPath, [RUNJ, '--root', env.root, 'create', '--bundle', bundle, uniqueId('bad')], {
      encoding: 'utf8',
      env: { ...process.env, NODE_EXTRA_CA_CERTS: '', NODE_OPTIONS: `--require ${preload}`, RUNJ_TEST_MODULES: out },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('config.json: /process/cwd: must be');
    const files = fs.readFileSync(out, 'utf8').split('\n').filter((m) => m.includes(' validators'));
    expect(files.sort()).toEqual(['mapped validators-fast.cjs', 'mapped validators.cjs']);
  });
});
