import { usage } from '../../core/errors.js';
import { SPEC_PLATFORMS, type SpecPlatform, hostSpecPlatform, specFor, writeSpec } from '../../demo/specTemplate.js';
import { type Command, str } from '../command.js';

export const command: Command = {
  summary: "write a minimal config.json into the bundle (--platform defaults to the host's: freebsd on FreeBSD, else linux)",
  usage: 'spec [--bundle|-b DIR] [--platform freebsd|linux]',
  flags: { bundle: { type: 'string', alias: 'b' }, platform: { type: 'string' } },
  positionals: [0, 0],
  async run(_ctx, { flags }) {
    const platform = str(flags.platform) ?? hostSpecPlatform();
    if (!SPEC_PLATFORMS.includes(platform as SpecPlatform)) throw usage(`invalid --platform "${platform}": must be freebsd or linux`);
    writeSpec(str(flags.bundle) ?? '.', specFor(platform as SpecPlatform));
    return {};
  },
};
