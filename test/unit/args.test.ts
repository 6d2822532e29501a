import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/cli/args.js';

const specs = {
  bundle: { type: 'string', alias: 'b' },
  force: { type: 'bool', alias: 'f' },
  'preserve-fds': { type: 'number' },
  env: { type: 'list', alias: 'e' },
} as const;

describe('parseArgs', () => {
  it('accepts --flag value and --flag=value', () => {
    expect(parseArgs(['--bundle', '/b', 'id'], specs)).toEqual({ flags: { bundle: '/b' }, positionals: ['id'], rest: [] });
    expect(parseArgs(['--bundle=/b', 'id'], specs).flags.bundle).toBe('/b');
    expect(parseArgs(['-b', '/b', 'id'], specs).flags.bundle).toBe('/b');
  });
  it('parses booleans and numbers', () => {
    expect(parseArgs(['-f', 'id'], specs).flags.force).toBe(true);
    expect(parseArgs(['--force=false', 'id'], specs).flags.force).toBe(false);
    expect(parseArgs(['--preserve-fds', '2', 'id'], specs).flags['preserve-fds']).toBe(2);
  });
  it('collects list flags', () => {
    expect(parseArgs(['-e', 'A=1', '--env=B=2'], specs).flags.env).toEqual(['A=1', 'B=2']);
  });
  it('allows flags after positionals', () => {
    expect(parseArgs(['id', '--force'], specs)).toEqual({ flags: { force: true }, positionals: ['id'], rest: [] });
  });
  it('passes the rest through after the last positional', () => {
    const p = parseArgs(['-e', 'A=1', 'id', 'sh', '-c', '--force'], specs, { restAfter: 1 });
    expect(p.positionals).toEqual(['id']);
    expect(p.rest).toEqual(['sh', '-c', '--force']);
    expect(parseArgs(['id', '--', 'ls', '-l'], specs, { restAfter: 1 }).rest).toEqual(['ls', '-l']);
  });
  it('treats words after -- as positionals', () => {
    expect(parseArgs(['--', '-weird-id'], specs).positionals).toEqual(['-weird-id']);
  });
  it.each([
    [['--nope'], 'flag provided but not defined: --nope'],
    [['--bundle'], 'flag needs an argument: --bundle'],
    [['--preserve-fds', 'x'], 'invalid value "x" for --preserve-fds'],
    [['--preserve-fds=-1'], 'invalid value "-1" for --preserve-fds'],
    [['--force=maybe'], 'invalid boolean value "maybe" for --force'],
    [['-z'], 'flag provided but not defined: -z'],
  ])('rejects %j', (argv, msg) => {
    expect(() => parseArgs(argv, specs)).toThrow(msg);
  });
});
