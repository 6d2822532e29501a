import { create } from '../../runtime/create.js';
import { checkPreservedFds } from '../../runtime/preservedFds.js';
import { type Command, num, str } from '../command.js';

export const command: Command = {
  summary: 'create a container',
  usage: 'create [--bundle|-b DIR] [--pid-file F] [--console-socket S] [--preserve-fds N] [--no-pivot] [--no-new-keyring] ID [BUNDLE]',
  flags: {
    bundle: { type: 'string', alias: 'b' },
    'pid-file': { type: 'string' },
    'console-socket': { type: 'string' },
    'preserve-fds': { type: 'number' },
    'no-pivot': { type: 'bool' },
    'no-new-keyring': { type: 'bool' },
  },
  positionals: [1, 2],
  async run(ctx, { flags, positionals }) {
    checkPreservedFds(num(flags['preserve-fds']) ?? 0);
    await create(ctx, {
      id: positionals[0] as string,
      bundle: str(flags.bundle) ?? positionals[1],
      pidFile: str(flags['pid-file']),
      consoleSocket: str(flags['console-socket']),
      preserveFds: num(flags['preserve-fds']),
      noPivot: flags['no-pivot'] === true,
      noNewKeyring: flags['no-new-keyring'] === true,
    });
    return {};
  },
};
