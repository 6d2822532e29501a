import { usage } from '../../core/errors.js';
import { pids, psTable } from '../../runtime/ps.js';
import { type Command, str } from '../command.js';

export const command: Command = {
  summary: "list the container's processes",
  usage: 'ps [--format|-f table|json] ID [PS OPTIONS...]',
  flags: { format: { type: 'string', alias: 'f' } },
  parse: { restAfter: 1 },
  positionals: [1, 1],
  async run(ctx, { flags, positionals, rest }) {
    const format = str(flags.format) ?? 'table';
    if (format !== 'table' && format !== 'json') throw usage(`invalid format option "${format}": must be table or json`);
    const list = await pids(ctx, positionals[0] as string);
    return { stdout: format === 'json' ? `${JSON.stringify(list)}\n` : psTable(list, rest) };
  },
};
