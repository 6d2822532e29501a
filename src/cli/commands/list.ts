import { usage } from '../../core/errors.js';
import { list } from '../../runtime/state.js';
import { type Command, str } from '../command.js';

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd((widths[c] ?? 0) + 3))).join('')).join('\n');
}

export const command: Command = {
  summary: 'list containers',
  usage: 'list [--format|-f table|json] [--quiet|-q]',
  flags: { format: { type: 'string', alias: 'f' }, quiet: { type: 'bool', alias: 'q' } },
  positionals: [0, 0],
  async run(ctx, { flags }) {
    const format = str(flags.format) ?? 'table';
    if (format !== 'table' && format !== 'json') throw usage(`invalid format option "${format}": must be table or json`);
    const all = list(ctx);
    if (flags.quiet) return { stdout: all.map((s) => `${s.id}\n`).join('') };
    if (format === 'json') return { stdout: `${JSON.stringify(all)}\n` };
    const rows = [['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER']];
    for (const s of all) rows.push([s.id, String(s.pid), s.status, s.bundle, s.created, s.owner]);
    return { stdout: `${table(rows)}\n` };
  },
};
