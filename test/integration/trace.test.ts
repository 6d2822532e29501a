/**
 * The phase trace of the shipped CLI: RUNJ_TRACE=1 prints it on stderr,
 * --debug with --log puts it in the log as debug lines, and neither prints
 * nothing (docs/performance.md).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RUNJ } from './harness.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-trace-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function runj(args: string[], env: Record<string, string> = {}) {
  const e: NodeJS.ProcessEnv = { ...process.env, ...env };
  if (!('RUNJ_TRACE' in env)) delete e.RUNJ_TRACE;
  return spawnSync(process.execPath, [RUNJ, '--root', path.join(dir, 'state'), ...args], { encoding: 'utf8', env: e });
}
const phases = (text: string) => text.split('\n').filter((l) => /^runj-trace /.test(l)).map((l) => l.split(' ')[1]);

describe('trace from the CLI', () => {
  it('RUNJ_TRACE=1: each phase of list on stderr, stdout untouched; list runs the core bundle', () => {
    const r = runj(['list'], { RUNJ_TRACE: '1' });
    expect(r.status).toBe(0);
    expect(r.stdout).not.toContain('runj-trace');
    expect(phases(r.stderr)).toEqual(['node.boot', 'node.prepare', 'load.core', 'args', 'load.command', 'args.command', 'context', 'finish', 'output']);
  });

  it('a command outside the core runs the full bundle: load.main', () => {
    const r = runj(['features'], { RUNJ_TRACE: '1' });
    expect(r.status).toBe(0);
    expect(phases(r.stderr).slice(0, 3)).toEqual(['node.boot', 'node.prepare', 'load.main']);
  });

  it('a failing command still prints its phases, then its error', () => {
    const r = runj(['state', 'nope'], { RUNJ_TRACE: '1' });
    expect(r.status).toBe(1);
    expect(phases(r.stderr).slice(-2)).toEqual(['context', 'failed']);
    expect(r.stderr).toContain('container does not exist');
  });

  it('--debug --log FILE: the phases are debug lines of the log', () => {
    const log = path.join(dir, 'log.json');
    const r = runj(['--debug', '--log', log, '--log-format', 'json', 'list']);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    const msgs = fs
      .readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { level: string; msg: string });
    const trace = msgs.filter((m) => m.msg.startsWith('runj-trace '));
    expect(trace.every((m) => m.level === 'debug')).toBe(true);
    expect(trace.map((m) => m.msg.split(' ')[1])).toContain('load.command');
  });

  it('off: nothing on stderr', () => {
    const r = runj(['list']);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
  });
});
