import { usage } from '../../core/errors.js';
import { check } from '../../runtime/check.js';
import { type Command, str } from '../command.js';

export const command: Command = {
  summary: 'validate a bundle and print the plan for a backend without touching the system',
  usage: 'check [--bundle|-b DIR] [--platform freebsd|linux] [--format text|json]',
  flags: { bundle: { type: 'string', alias: 'b' }, platform: { type: 'string' }, format: { type: 'string' } },
  positionals: [0, 0],
  async run(ctx, { flags }) {
    const format = str(flags.format) ?? 'text';
    if (format !== 'text' && format !== 'json') throw usage(`invalid format "${format}": must be text or json`);
    const r = await check(ctx, { bundle: str(flags.bundle), platform: str(flags.platform) });
    const json = JSON.stringify({ platform: r.platform, plan: r.plan }, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2);
    return { stdout: format === 'json' ? `${json}\n` : r.text };
  },
};
