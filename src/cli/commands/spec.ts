import { linuxSpec, writeSpec } from '../../runtime/specTemplate.js';
import { type Command, str } from '../command.js';

export const command: Command = {
  summary: 'write a minimal config.json into the bundle',
  usage: 'spec [--bundle|-b DIR]',
  flags: { bundle: { type: 'string', alias: 'b' } },
  positionals: [0, 0],
  async run(_ctx, { flags }) {
    writeSpec(str(flags.bundle) ?? '.', linuxSpec());
    return {};
  },
};
