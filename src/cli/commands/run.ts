import { run } from '../../runtime/run.js';
import { checkPreservedFds } from '../../runtime/preservedFds.js';
import { type Command, num, str } from '../command.js';

export const command: Command = {
  summary: 'create, start and wait for a container; exit with its status',
  usage: 'run [--bundle|-b DIR] [--detach|-d] [--pid-file F] [--console-socket S] [--preserve-fds N] [--no-pivot] [--no-new-keyring] ID',
  flags: {
    bundle: { type: 'string', alias: 'b' },
    detach: { type: 'bool', alias: 'd' },
    'pid-file': { type: 'string' },
    'console-socket': { type: 'string' },
    'preserve-fds': { type: 'number' },
    'no-pivot': { type: 'bool' },
    'no-new-keyring': { type: 'bool' },
  },
  positionals: [1, 1],
  async run(ctx, { flags, positionals }) {
    checkPreservedFds(num(flags['preserve-fds']) ?? 0);
    const exitCode = await run(ctx, {
      id: positionals[0] as string,
      bundle: str(flags.bundle),
      detach: flags.detach === true,
      pidFile: str(flags['pid-file']),
      consoleSocket: str(flags['console-socket']),
      preserveFds: num(flags['preserve-fds']),
      noPivot: flags['no-pivot'] === true,
      noNewKeyring: flags['no-new-keyring'] === true,
    });
    return { exitCode };
  },
};
