import { run } from '../../runtime/run.js';
import { checkPreservedFds } from '../../runtime/preservedFds.js';
import { type Command, num } from '../command.js';
import { CREATE_FLAGS, createOptions } from '../createFlags.js';

export const command: Command = {
  summary: 'create, start and wait for a container; exit with its status',
  usage: 'run [--bundle|-b DIR] [--detach|-d] [--pid-file F] [--console-socket S] [--preserve-fds N] [--no-pivot] [--no-new-keyring] ID',
  flags: { ...CREATE_FLAGS, detach: { type: 'bool', alias: 'd' } },
  positionals: [1, 1],
  async run(ctx, { flags, positionals }) {
    checkPreservedFds(num(flags['preserve-fds']) ?? 0);
    const exitCode = await run(ctx, { ...createOptions(flags, positionals[0] as string), detach: flags.detach === true });
    return { exitCode };
  },
};
