import { create } from '../../runtime/create.js';
import { checkPreservedFds } from '../../runtime/preservedFds.js';
import { type Command, num, str } from '../command.js';
import { CREATE_FLAGS, createOptions } from '../createFlags.js';

export const command: Command = {
  summary: 'create a container',
  usage: 'create [--bundle|-b DIR] [--pid-file F] [--console-socket S] [--preserve-fds N] [--no-pivot] [--no-new-keyring] ID [BUNDLE]',
  flags: CREATE_FLAGS,
  positionals: [1, 2],
  async run(ctx, { flags, positionals }) {
    checkPreservedFds(num(flags['preserve-fds']) ?? 0);
    await create(ctx, { ...createOptions(flags, positionals[0] as string), bundle: str(flags.bundle) ?? positionals[1] });
    return {};
  },
};
