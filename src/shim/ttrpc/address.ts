/**
 * Socket addresses as containerd writes them: a path, `unix://path`, or an
 * abstract name on Linux (`\0name`, or Go's spelling `@name`). containerd from
 * 1.5 on uses socket files; abstract names are accepted for older peers.
 */
import { invalid } from '../../core/errors.js';

export function socketPath(address: string): string {
  let path = address.startsWith('unix://') ? address.slice('unix://'.length) : address;
  if (path.startsWith('@')) path = `\0${path.slice(1)}`;
  if (path === '' || path === '\0') throw invalid(`socket address ${JSON.stringify(address)} names no path`);
  if (path.startsWith('\0') && process.platform !== 'linux') {
    throw invalid(`abstract socket address ${JSON.stringify(address)} only exists on Linux`);
  }
  return path;
}
