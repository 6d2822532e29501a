/**
 * The two base-system tools runj runs instead of private ioctls:
 * ifconfig(8) for aliases and vnet moves, devfs(8) for rulesets
 * (`devfs rule -s N add ...`; the DEVFSIO_RADD structure is not a stable
 * interface). Behind a CommandRunner so tests can record the commands.
 */
import { spawnSync } from 'node:child_process';
import { RuntimeError } from '../../core/errors.js';

export interface CommandResult {
  status: number;
  stdout: string;
  stderr: string;
}

export type CommandRunner = (file: string, args: readonly string[]) => CommandResult;

export const execRunner: CommandRunner = (file, args) => {
  const r = spawnSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
  if (r.error) return { status: 127, stdout: '', stderr: r.error.message };
  return { status: r.status ?? 128, stdout: r.stdout, stderr: r.stderr };
};

/** Runs a command and fails with its stderr when it exits non-zero. */
export function mustRun(run: CommandRunner, file: string, args: readonly string[]): string {
  const r = run(file, args);
  if (r.status !== 0) {
    const name = file.slice(file.lastIndexOf('/') + 1);
    throw new RuntimeError('ESYSTEM', `${name} ${args.join(' ')}: ${r.stderr.trim() || `exit status ${r.status}`}`);
  }
  return r.stdout;
}

export const DEVFS = '/sbin/devfs';

/** devfs(8) ruleset operations. */
export interface DevfsControl {
  /** Does ruleset n have rules in the kernel? */
  inUse(n: number): boolean;
  /** Replaces ruleset n's rules with these, in order. */
  program(n: number, rules: readonly (readonly string[])[]): void;
}

export function devfsControl(run: CommandRunner): DevfsControl {
  return {
    inUse(n) {
      const r = run(DEVFS, ['rule', '-s', String(n), 'show']);
      if (r.status !== 0) {
        if (/No such|not found/i.test(r.stderr)) return false;
        throw new RuntimeError('ESYSTEM', `devfs rule -s ${n} show: ${r.stderr.trim() || `exit status ${r.status}`}`);
      }
      return r.stdout.trim() !== '';
    },
    program(n, rules) {
      mustRun(run, DEVFS, ['rule', '-s', String(n), 'delset']);
      try {
        for (const rule of rules) mustRun(run, DEVFS, ['rule', '-s', String(n), 'add', ...rule]);
      } catch (err) {
        run(DEVFS, ['rule', '-s', String(n), 'delset']);
        throw err;
      }
    },
  };
}
