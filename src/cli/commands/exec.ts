import { exec } from '../../runtime/exec.js';
import { type Command, num, str } from '../command.js';

const list = (v: unknown): string[] => (Array.isArray(v) ? (v as string[]) : []);

export const command: Command = {
  summary: 'run a new process inside a running container',
  usage:
    'exec [--process|-p FILE] [--tty|-t] [--console-socket S] [--detach|-d] [--pid-file F] [--preserve-fds N] [--env|-e K=V] [--cwd DIR] [--user|-u UID[:GID]] [--additional-gids|-g G] [--no-new-privs] [--cap|-c CAP] [--apparmor PROFILE] [--process-label LABEL] ID [ARGS...]',
  flags: {
    process: { type: 'string', alias: 'p' },
    tty: { type: 'bool', alias: 't' },
    'console-socket': { type: 'string' },
    detach: { type: 'bool', alias: 'd' },
    'pid-file': { type: 'string' },
    'preserve-fds': { type: 'number' },
    env: { type: 'list', alias: 'e' },
    cwd: { type: 'string' },
    user: { type: 'string', alias: 'u' },
    'additional-gids': { type: 'list', alias: 'g' },
    'no-new-privs': { type: 'bool' },
    cap: { type: 'list', alias: 'c' },
    apparmor: { type: 'string' },
    'process-label': { type: 'string' },
    ignore: { type: 'bool' },
  },
  parse: { restAfter: 1 },
  positionals: [1, 1],
  async run(ctx, { flags, positionals, rest }) {
    const exitCode = await exec(ctx, {
      id: positionals[0] as string,
      processFile: str(flags.process),
      args: rest,
      tty: flags.tty === true,
      consoleSocket: str(flags['console-socket']),
      detach: flags.detach === true,
      pidFile: str(flags['pid-file']),
      preserveFds: num(flags['preserve-fds']),
      env: list(flags.env),
      cwd: str(flags.cwd),
      user: str(flags.user),
      additionalGids: list(flags['additional-gids']),
      noNewPrivs: flags['no-new-privs'] === true,
      caps: list(flags.cap),
      apparmor: str(flags.apparmor),
      processLabel: str(flags['process-label']),
    });
    return { exitCode };
  },
};
