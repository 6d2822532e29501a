import { invalid } from '../../core/errors.js';
import { readJsonFile } from '../../core/json.js';
import { SMALL_DOC_MAX } from '../../core/readLimited.js';
import { update } from '../../runtime/events.js';
import { type Command, num, str } from '../command.js';

export const command: Command = {
  summary: "change a running container's resource limits",
  usage:
    'update [--resources|-r FILE] [--memory N] [--memory-swap N] [--memory-reservation N] [--cpu-shares N] [--cpu-period N] [--cpu-quota N] [--cpuset-cpus S] [--cpuset-mems S] [--pids-limit N] ID',
  flags: {
    resources: { type: 'string', alias: 'r' },
    memory: { type: 'number' },
    'memory-swap': { type: 'number' },
    'memory-reservation': { type: 'number' },
    'cpu-shares': { type: 'number' },
    'cpu-period': { type: 'number' },
    'cpu-quota': { type: 'number' },
    'cpuset-cpus': { type: 'string' },
    'cpuset-mems': { type: 'string' },
    'pids-limit': { type: 'number' },
  },
  positionals: [1, 1],
  async run(ctx, { flags, positionals }) {
    const file = str(flags.resources);
    const opts = { max: SMALL_DOC_MAX, what: 'resources file', code: 'EINVALID', jsonCode: 'EINVALID', name: `--resources ${file}`, stdin: true } as const;
    const doc = file ? readJsonFile(file, opts) : {};
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw invalid(`--resources ${file}: must be a JSON object`);
    const resources = doc as Record<string, unknown>;
    const set = (section: string, key: string, value: unknown) => {
      if (value === undefined) return;
      resources[section] = { ...(resources[section] as object | undefined), [key]: value };
    };
    set('memory', 'limit', num(flags.memory));
    set('memory', 'swap', num(flags['memory-swap']));
    set('memory', 'reservation', num(flags['memory-reservation']));
    set('cpu', 'shares', num(flags['cpu-shares']));
    set('cpu', 'period', num(flags['cpu-period']));
    set('cpu', 'quota', num(flags['cpu-quota']));
    set('cpu', 'cpus', str(flags['cpuset-cpus']));
    set('cpu', 'mems', str(flags['cpuset-mems']));
    set('pids', 'limit', num(flags['pids-limit']));
    await update(ctx, positionals[0] as string, resources);
    return {};
  },
};
