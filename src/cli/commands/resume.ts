import { resume } from '../../runtime/pause.js';
import type { Command } from '../command.js';

export const command: Command = {
  summary: 'thaw a paused container',
  usage: 'resume ID',
  flags: {},
  positionals: [1, 1],
  async run(ctx, { positionals }) {
    await resume(ctx, positionals[0] as string);
    return {};
  },
};
