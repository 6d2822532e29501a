/**
 * The command line: global flags, command dispatch, and the only place that
 * prints errors and chooses the exit code (1 for failures, 2 for usage).
 * Each entry point (src/main.ts, every command; src/mainCore.ts, the commands
 * that neither validate nor plan a bundle) runs it with its own table of
 * commands, so the commands run most often load a small bundle
 * (docs/performance.md).
 */
import { type ContextOptions, createContext, DEFAULT_ROOT } from '../runtime/context.js';
import { RuntimeError, usage } from '../core/errors.js';
import { createLogger, type Logger } from '../core/log.js';
import { writeAll } from '../core/output.js';
import { loadedSys } from '../core/sys.js';
import { mark, startTrace, stopTrace, traceTo, traceWanted } from '../core/trace.js';
import { parseArgs, wantsHelp } from './args.js';
import type { Command } from './command.js';

const VERSION = '0.1.0';
const SPEC_VERSION = '1.3.0';

/** Command name → its module, loaded when that command runs. */
export type CommandTable = Record<string, () => Promise<{ command: Command }>>;

export interface CliOptions {
  /**
   * Runs a command this table lacks (and `--help` without a command) in
   * full: the core entry point hands such argv to the bundle of every command.
   */
  fallback?: () => void;
  /** The command line (default: process.argv's words after the script). */
  argv?: string[];
  /** Adds to the context createContext makes (its backend, say). */
  context?: ContextOptions;
  /** Called with the exit status when the command is done (default: process.exit). */
  exit?: (code: number) => void;
}

const GLOBAL_FLAGS = {
  root: { type: 'string' },
  log: { type: 'string' },
  'log-format': { type: 'string' },
  debug: { type: 'bool' },
  'systemd-cgroup': { type: 'bool' },
  rootless: { type: 'string' },
  criu: { type: 'string' },
  version: { type: 'bool', alias: 'v' },
  help: { type: 'bool', alias: 'h' },
} as const;

async function help(commands: CommandTable): Promise<string> {
  const rows = await Promise.all(Object.entries(commands).map(async ([name, load]) => `  ${name.padEnd(11)} ${(await load()).command.summary}`));
  return `runj: an OCI runtime for FreeBSD jails (with a Linux development backend)

usage: runj [global flags] COMMAND [flags] [args]

global flags:
  --root DIR              state directory (default ${DEFAULT_ROOT})
  --log FILE              log file (default: stderr)
  --log-format text|json  log line format (default text)
  --debug                 log debug lines
  --systemd-cgroup        accepted; refused if a config needs it
  --version, -v           print the version

commands:
${rows.join('\n')}

Run 'runj COMMAND --help' for a command's flags.
`;
}

/** Whether argv names a command the table has and does not ask for the global help. */
export function handles(commands: CommandTable, argv: string[]): boolean {
  const at = commandIndex(argv);
  return at >= 0 && Object.hasOwn(commands, argv[at] as string) && !argv.slice(0, at).some((w) => w === '--help' || w === '-h');
}

/** Where the command word is: the first word that is neither a flag nor a global flag's value. */
function commandIndex(argv: string[]): number {
  return argv.findIndex((w, i) => !w.startsWith('-') && !/^--(root|log|log-format|rootless|criu)$/.test(argv[i - 1] ?? ''));
}

async function main(argv: string[], log: { current: Logger }, commands: CommandTable, extra: ContextOptions = {}): Promise<number> {
  const commandAt = commandIndex(argv);
  const globalArgs = commandAt < 0 ? argv : argv.slice(0, commandAt);
  const { flags: g } = parseArgs(globalArgs, GLOBAL_FLAGS);
  const format = (g['log-format'] as string | undefined) ?? 'text';
  if (format !== 'text' && format !== 'json') throw usage(`invalid log format "${format}": must be text or json`);
  const logger = createLogger({ file: g.log as string | undefined, format, debug: g.debug === true });
  log.current = logger;
  // With --debug the trace is debug lines of the log (the --log file, or stderr); RUNJ_TRACE alone: stderr.
  traceTo(g.debug === true ? (line) => logger.debug(line) : traceToStderr);
  mark('args');
  if (g.version) {
    writeAll(1, `runj version ${VERSION}\nspec: ${SPEC_VERSION}\n`);
    return 0;
  }
  const name = commandAt < 0 ? undefined : argv[commandAt];
  if (!name || g.help) {
    // Asked for: stdout and success; missing a command: a usage error on stderr.
    writeAll(g.help ? 1 : 2, await help(commands));
    return g.help ? 0 : 2;
  }
  const load = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!load) throw usage(`unknown command "${name}"; run 'runj --help'`);
  const { command } = await load();
  mark('load.command');
  const rest = argv.slice(commandAt + 1);
  if (wantsHelp(rest, command.flags)) {
    writeAll(1, `usage: runj ${command.usage}\n\n${command.summary}\n`);
    return 0;
  }
  const parsed = parseArgs(rest, command.flags, command.parse);
  const [min, max] = command.positionals;
  if (parsed.positionals.length < min) throw usage(`"${name}" requires ${min === 1 ? 'a container id' : `${min} arguments`}: runj ${command.usage}`);
  if (parsed.positionals.length > max) throw usage(`"${name}" takes at most ${max} argument(s): runj ${command.usage}`);
  mark('args.command');
  const ctx = await createContext({
    root: (g.root as string | undefined) ?? DEFAULT_ROOT,
    log: log.current,
    systemdCgroup: g['systemd-cgroup'] === true,
    ...extra,
  });
  mark('context');
  const out = await command.run(ctx, parsed);
  mark('finish');
  if (out.stdout) writeAll(1, out.stdout);
  mark('output');
  return out.exitCode ?? 0;
}

function traceToStderr(line: string): void {
  try {
    writeAll(2, `${line}\n`);
  } catch {}
}

/** Runs the command line (of process.argv) with `commands`, then exits with its status. */
export function runCli(commands: CommandTable, opts: CliOptions = {}): void {
  const argv = opts.argv ?? process.argv.slice(2);
  if (opts.fallback && !handles(commands, argv)) {
    opts.fallback();
    return;
  }
  const exit = opts.exit ?? exitNow;
  const log: { current: Logger } = { current: createLogger() };
  if (traceWanted(process.env, argv)) startTrace();
  main(argv, log, commands, opts.context).then(
    (code) => {
      stopTrace(traceToStderr);
      exit(code);
    },
    (err: unknown) => {
      mark('failed');
      stopTrace(traceToStderr);
      const msg = err instanceof Error ? err.message : String(err);
      if (log.current.toFile) log.current.error(msg);
      writeAll(2, `runj: ${msg}\n`);
      if (!(err instanceof RuntimeError)) writeAll(2, `${(err as Error)?.stack ?? ''}\n`);
      exit(err instanceof RuntimeError && err.code === 'EUSAGE' ? 2 : 1);
    },
  );
}

/**
 * Ends the process as soon as the command is done. Its output is written
 * (synchronously: core/output.ts), every helper it waits for has been
 * reaped, and a created container's helper lives on by itself, so nothing
 * is left to wait for. Node's own way out of a script that just ends (tearing
 * down its environment and heap) costs ~1.5-2 ms more per command here, and
 * even process.exit stops Node's threads, disposes of the heap and runs the
 * C++ destructors, ~1-2 ms more: so _exit(2) through runj's addon (the
 * launcher loads it for every command), unless Node's way out is wanted
 * (nodeExitWanted).
 */
function exitNow(code: number): void {
  process.exitCode = code;
  if (Number.isInteger(code) && code >= 0 && code <= 255 && !nodeExitWanted(process)) loadedSys()?.exit?.(code);
  process.exit(code);
}

/**
 * Whether the process should end through Node's exit rather than _exit: Node
 * was given options (a profiler such as --cpu-prof, a --require preload:
 * execArgv or NODE_OPTIONS), V8 coverage is on (Node writes it at its
 * teardown), or something listens for 'exit' (runj itself never does).
 */
export function nodeExitWanted(p: Pick<NodeJS.Process, 'execArgv' | 'env' | 'listenerCount'>): boolean {
  return p.execArgv.length > 0 || Boolean(p.env.NODE_OPTIONS) || Boolean(p.env.NODE_V8_COVERAGE) || p.listenerCount('exit') > 0;
}

/**
 * Runs a per-platform bundle's commands (src/mainCore.ts, src/mainLaunch.ts):
 * any other command line goes to the full bundle, through the launcher's
 * loader (dist/runj.cjs); run without it, the bundle knows only its own.
 */
export function runSubset(commands: CommandTable): void {
  const loadFull = (globalThis as Record<symbol, unknown>)[Symbol.for('runj.loadCached')] as ((name: string) => unknown) | undefined;
  runCli(commands, { fallback: loadFull && (() => void loadFull('runj-main')) });
}
