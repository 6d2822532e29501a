/** `demo spec` and `demo download`: runj (Go)'s demo helpers for trying a FreeBSD jail. */
import { DEFAULT_VERSION, downloadBase, hostArch, releaseUrl } from '../../demo/download.js';
import { usage } from '../../core/errors.js';
import { writeAll } from '../../core/output.js';
import { progress } from '../../demo/progress.js';
import { freebsdSpec, writeSpec } from '../../demo/specTemplate.js';
import { type FlagSpecs, parseArgs } from '../args.js';
import { type Command, str } from '../command.js';

const SPEC_USAGE = 'demo spec [--bundle|-b DIR]';
const DOWNLOAD_USAGE = 'demo download [--output|-o FILE] [--version V] [--arch A] [--url URL]';

const SPEC_FLAGS: FlagSpecs = { bundle: { type: 'string', alias: 'b' } };
const DOWNLOAD_FLAGS: FlagSpecs = {
  output: { type: 'string', alias: 'o' },
  version: { type: 'string' },
  arch: { type: 'string' },
  url: { type: 'string' },
};

export const command: Command = {
  summary: `demo helpers, as in runj (Go):
  spec      write an example FreeBSD config.json into the bundle (root: rootfs)
  download  download a FreeBSD base.txz (default ${DEFAULT_VERSION}, the host's architecture) and verify it against the release MANIFEST;
            --url replaces the release directory URL (https://download.freebsd.org/releases/ARCH/VERSION)`,
  usage: `${SPEC_USAGE}\n       runj ${DOWNLOAD_USAGE}`,
  flags: {},
  parse: { restAfter: 1 },
  positionals: [0, 1],
  async run(ctx, { positionals, rest }) {
    const sub = positionals[0];
    if (sub === 'spec') {
      const { flags, positionals: extra } = parseArgs(rest, SPEC_FLAGS);
      if (extra.length) throw usage(`"demo spec" takes no arguments: runj ${SPEC_USAGE}`);
      writeSpec(str(flags.bundle) ?? '.', freebsdSpec());
      return {};
    }
    if (sub === 'download') {
      const { flags, positionals: extra } = parseArgs(rest, DOWNLOAD_FLAGS);
      if (extra.length) throw usage(`"demo download" takes no arguments: runj ${DOWNLOAD_USAGE}`);
      const url = str(flags.url) ?? releaseUrl(str(flags.version) ?? DEFAULT_VERSION, str(flags.arch) ?? hostArch());
      const output = str(flags.output) ?? 'base.txz';
      ctx.log.debug(`downloading ${url}/base.txz to ${output}`);
      // Written synchronously (core/output.ts): runj exits as soon as the command returns.
      const bar = progress({ write: (t) => writeAll(2, t), isTTY: process.stderr.isTTY, columns: process.stderr.columns }, 'base.txz');
      const result = await downloadBase({ url, output, onProgress: (n, total) => bar.update(n, total) }).catch((err: unknown) => {
        bar.end(false);
        throw err;
      });
      bar.end(true);
      writeAll(2, `${result.file}: sha256 ${result.sha256} matches MANIFEST\n`);
      return {};
    }
    throw usage(
      sub === undefined ? `"demo" needs a subcommand: runj ${SPEC_USAGE} | runj ${DOWNLOAD_USAGE}` : `unknown demo subcommand "${sub}": use spec or download`,
    );
  },
};
