import { usage } from '../../core/errors.js';
import { writeAll } from '../../core/output.js';
import { stats, watch } from '../../runtime/events.js';
import { type Command, str } from '../command.js';

/** Go-style durations as runc takes them: 5s, 500ms, 1m. */
function duration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(text);
  if (!m) throw usage(`invalid --interval "${text}": use a duration like 5s or 500ms`);
  return Number(m[1]) * ({ ms: 1, s: 1000, m: 60_000 } as const)[m[2] as 'ms' | 's' | 'm'];
}

export const command: Command = {
  summary: 'print resource statistics (--stats: once) as JSON events until the container stops',
  usage: 'events [--stats] [--interval 5s] ID',
  flags: { stats: { type: 'bool' }, interval: { type: 'string' } },
  positionals: [1, 1],
  async run(ctx, { flags, positionals }) {
    const id = positionals[0] as string;
    if (flags.stats) return { stdout: `${JSON.stringify(await stats(ctx, id))}\n` };
    const interval = duration(str(flags.interval) ?? '5s');
    await watch(ctx, id, interval, (e) => writeAll(1, `${JSON.stringify(e)}\n`));
    return {};
  },
};
