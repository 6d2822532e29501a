import { pause } from '../../runtime/pause.js';
import type { Command } from '../command.js';

export const command: Command = {
  summary: 'freeze every process of a running container',
  usage: 'pause ID',
  flags: {},
  positionals: [1, 1],
  async run(ctx, { positionals }) {
    await pause(ctx, positionals[0] as string);
    return {};
  },
};
