import { usage } from '../../core/errors.js';
import type { Command } from '../command.js';
import { command as execCommand } from './exec.js';

/** runj (Go)'s `extension exec` / `ext exec`: the same as `exec`. */
export const command: Command = {
  ...execCommand,
  summary: 'runj extensions: exec',
  usage: `extension ${execCommand.usage}`,
  parse: { restAfter: 2 },
  positionals: [2, 2],
  async run(ctx, args) {
    const [sub, id] = args.positionals;
    if (sub !== 'exec') throw usage(`unknown extension "${sub}": the only one is exec`);
    return execCommand.run(ctx, { ...args, positionals: [id as string] });
  },
};
