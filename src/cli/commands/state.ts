import { state } from '../../runtime/state.js';
import type { Command } from '../command.js';

export const command: Command = {
  summary: 'print the state of a container as JSON',
  usage: 'state ID',
  flags: {},
  positionals: [1, 1],
  async run(ctx, { positionals }) {
    return { stdout: `${JSON.stringify(state(ctx, positionals[0] as string), null, '  ')}\n` };
  },
};
