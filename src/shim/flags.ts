/**
 * The shim's command line as containerd builds it (Go `flag` syntax: one or
 * two dashes, `-name value` or `-name=value`, booleans without a value, then
 * the action): `-namespace NS -address A -publish-binary B -id ID
 * [-bundle PATH] [-debug] start|delete`. Node's parseArgs does not read
 * single-dash long names, hence this small parser.
 */
import { invalid } from '../core/errors.js';

export interface ShimFlags {
  namespace: string;
  address: string;
  publishBinary: string;
  id: string;
  bundle: string;
  debug: boolean;
  /** The socket to serve (Go shims' -socket; `start` gives it to the daemon it spawns: the group's socket). */
  socket: string;
  /** `start`, `delete`, or `serve` (the daemon `start` re-spawns; internal). */
  action: string;
}

const STRINGS = { namespace: 'namespace', address: 'address', 'publish-binary': 'publishBinary', id: 'id', bundle: 'bundle', socket: 'socket' } as const;
const BOOLS = { debug: 'debug' } as const;
const ACTIONS = new Set(['start', 'delete', 'serve']);

export function parseFlags(argv: readonly string[]): ShimFlags {
  const out: ShimFlags = { namespace: '', address: '', publishBinary: '', id: '', bundle: '', debug: false, socket: '', action: '' };
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    if (name in BOOLS) {
      const v = eq >= 0 ? body.slice(eq + 1) : 'true';
      if (!['true', 'false', '1', '0'].includes(v)) throw invalid(`flag -${name}: invalid boolean value ${JSON.stringify(v)}`);
      out[BOOLS[name as keyof typeof BOOLS]] = v === 'true' || v === '1';
    } else if (name in STRINGS) {
      let v: string | undefined;
      if (eq >= 0) v = body.slice(eq + 1);
      else v = argv[++i];
      if (v === undefined) throw invalid(`flag needs an argument: -${name}`);
      out[STRINGS[name as keyof typeof STRINGS]] = v;
    } else if (name === 'v' || name === 'version') {
      out.action = 'version';
      return out;
    } else {
      throw invalid(`flag provided but not defined: -${name}`);
    }
  }
  const rest = argv.slice(i);
  if (rest.length > 1) throw invalid(`one action expected, got ${JSON.stringify(rest)}`);
  const action = rest[0] ?? '';
  if (!ACTIONS.has(action)) throw invalid(action ? `unknown action ${JSON.stringify(action)}: expected start or delete` : 'no action: expected start or delete');
  out.action = action;
  if (!out.namespace) throw invalid('-namespace is required');
  if (!out.id) throw invalid('-id is required');
  return out;
}

/** The flags again, for the daemon `start` re-spawns. */
export function toArgv(f: ShimFlags, action: string): string[] {
  const argv = ['-namespace', f.namespace, '-id', f.id, '-address', f.address];
  if (f.publishBinary) argv.push('-publish-binary', f.publishBinary);
  if (f.bundle) argv.push('-bundle', f.bundle);
  if (f.socket) argv.push('-socket', f.socket);
  if (f.debug) argv.push('-debug');
  argv.push(action);
  return argv;
}
