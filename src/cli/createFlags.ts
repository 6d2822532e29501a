/** The flags `create` and `run` share (runc's) and the create options they become. */
import type { CreateOptions } from '../runtime/create.js';
import type { FlagSpecs, Parsed } from './args.js';
import { num, str } from './command.js';

export const CREATE_FLAGS: FlagSpecs = {
  bundle: { type: 'string', alias: 'b' },
  'pid-file': { type: 'string' },
  'console-socket': { type: 'string' },
  'preserve-fds': { type: 'number' },
  'no-pivot': { type: 'bool' },
  'no-new-keyring': { type: 'bool' },
};

export function createOptions(flags: Parsed['flags'], id: string): CreateOptions {
  return {
    id,
    bundle: str(flags.bundle),
    pidFile: str(flags['pid-file']),
    consoleSocket: str(flags['console-socket']),
    preserveFds: num(flags['preserve-fds']),
    noPivot: flags['no-pivot'] === true,
    noNewKeyring: flags['no-new-keyring'] === true,
  };
}
