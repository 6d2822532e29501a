import { features } from '../../runtime/features.js';
import type { Command } from '../command.js';

export const command: Command = {
  summary: 'print the features of this runtime as JSON',
  usage: 'features',
  flags: {},
  positionals: [0, 0],
  async run(ctx) {
    return { stdout: `${JSON.stringify(await features(ctx), null, '    ')}\n` };
  },
};
