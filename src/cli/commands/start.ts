import { start } from '../../runtime/start.js';
import type { Command } from '../command.js';

export const command: Command = {
  summary: 'start the user process of a created container',
  usage: 'start ID',
  flags: {},
  positionals: [1, 1],
  async run(ctx, { positionals }) {
    await start(ctx, positionals[0] as string);
    return {};
  },
};
