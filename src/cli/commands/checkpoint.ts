import { unsupported } from '../../core/errors.js';
import type { Command } from '../command.js';

/** checkpoint and restore need CRIU (Linux) or an equivalent; runj has neither. */
export const command: Command = {
  summary: 'not supported: runj cannot checkpoint or restore containers',
  usage: 'checkpoint|restore ID',
  flags: {},
  parse: { restAfter: 0 },
  positionals: [0, 0],
  async run() {
    throw unsupported('checkpoint and restore are not supported by runj');
  },
};
