import { afterEach, describe, expect, it, vi } from 'vitest';
import { CORE_COMMANDS } from '../../src/cli/coreCommands.js';
import { handles, nodeExitWanted, runCli } from '../../src/cli/entry.js';

describe('which entry point runs a command line', () => {
  it('the core table handles its commands, wherever the global flags put the command word', () => {
    for (const name of Object.keys(CORE_COMMANDS)) expect(handles(CORE_COMMANDS, [name, 'id']), name).toBe(true);
    expect(handles(CORE_COMMANDS, ['--root', '/r', '--log', 'l', '--log-format', 'json', 'state', 'id'])).toBe(true);
    // A global flag's value is not the command word, even when it is a command's name.
    expect(handles(CORE_COMMANDS, ['--root', 'create', 'state', 'id'])).toBe(true);
    expect(handles(CORE_COMMANDS, ['--root', 'state', 'create', 'id'])).toBe(false);
  });

  it('the core table does not handle the other commands, global help, or no command', () => {
    for (const name of ['create', 'run', 'exec', 'spec', 'features', 'check', 'update', 'demo', 'checkpoint', 'nosuch'])
      expect(handles(CORE_COMMANDS, [name]), name).toBe(false);
    expect(handles(CORE_COMMANDS, ['--help', 'state'])).toBe(false);
    expect(handles(CORE_COMMANDS, ['-h', 'state'])).toBe(false);
    expect(handles(CORE_COMMANDS, ['--version'])).toBe(false);
    expect(handles(CORE_COMMANDS, [])).toBe(false);
    // A command's own --help is the command's.
    expect(handles(CORE_COMMANDS, ['state', '--help'])).toBe(true);
  });

  describe('runCli', () => {
    const argv = process.argv;
    afterEach(() => {
      process.argv = argv;
    });

    it('hands an argv its table does not handle to the fallback, and does nothing else', () => {
      process.argv = ['node', 'runj', '--root', '/nonexistent', 'create', 'id'];
      const fallback = vi.fn();
      const load = vi.fn(async () => {
        throw new Error('not loaded');
      });
      runCli({ state: load }, { fallback });
      expect(fallback).toHaveBeenCalledTimes(1);
      expect(load).not.toHaveBeenCalled();
    });
  });
});

describe('how a finished command exits (src/cli/entry.ts)', () => {
  const proc = (execArgv: string[], env: Record<string, string>, listeners = 0) => ({
    execArgv,
    env,
    listenerCount: (e: string | symbol) => (e === 'exit' ? listeners : 0),
  });
  it('_exit through the addon for a plain runj: no options, no coverage, no exit listener', () => {
    expect(nodeExitWanted(proc([], { PATH: '/bin' }))).toBe(false);
    expect(nodeExitWanted(proc([], { NODE_OPTIONS: '' }))).toBe(false);
  });
  it("Node's own exit when Node was given options, V8 coverage is on, or something listens for 'exit'", () => {
    expect(nodeExitWanted(proc(['--cpu-prof'], {}))).toBe(true);
    expect(nodeExitWanted(proc([], { NODE_OPTIONS: '--require /x.cjs' }))).toBe(true);
    expect(nodeExitWanted(proc([], { NODE_V8_COVERAGE: '/tmp/cov' }))).toBe(true);
    expect(nodeExitWanted(proc([], {}, 1))).toBe(true);
  });
});
