import { deleteContainer } from '../../runtime/delete.js';
import type { Command } from '../command.js';

export const command: Command = {
  summary: 'delete a stopped or created container (--force: any)',
  usage: 'delete [--force|-f] ID',
  flags: { force: { type: 'bool', alias: 'f' } },
  positionals: [1, 1],
  async run(ctx, { flags, positionals }) {
    await deleteContainer(ctx, positionals[0] as string, flags.force === true);
    return {};
  },
};
