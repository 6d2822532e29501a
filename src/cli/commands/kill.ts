import { kill } from '../../runtime/kill.js';
import type { Command } from '../command.js';

export const command: Command = {
  summary: 'send a signal (default TERM) to a container',
  usage: 'kill [--all|-a] ID [SIGNAL]',
  flags: { all: { type: 'bool', alias: 'a' } },
  positionals: [1, 2],
  async run(ctx, { flags, positionals }) {
    await kill(ctx, positionals[0] as string, positionals[1], flags.all === true);
    return {};
  },
};
