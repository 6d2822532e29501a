/**
 * A small argv parser with runc's conventions: `--flag value`, `--flag=value`,
 * short aliases (`-b DIR`), boolean flags (`--force`, `--force=false`), `--`
 * to end flags. Commands like `exec` stop at their last positional so the
 * container's own argv passes through untouched. Pure.
 */
import { usage } from '../core/errors.js';

export type FlagType = 'bool' | 'string' | 'number' | 'list';
export interface FlagSpec {
  type: FlagType;
  alias?: string;
}
export type FlagSpecs = Record<string, FlagSpec>;
export type FlagValues = Record<string, string | boolean | number | string[] | undefined>;

export interface Parsed {
  flags: FlagValues;
  positionals: string[];
  /** Everything after the last expected positional when `rest` is set. */
  rest: string[];
}

export interface ParseOptions {
  /** After this many positionals, the remaining words are passed through as `rest`. */
  restAfter?: number;
}

export function parseArgs(argv: readonly string[], specs: FlagSpecs, opts: ParseOptions = {}): Parsed {
  const flags: FlagValues = {};
  const positionals: string[] = [];
  const byAlias = new Map<string, string>();
  for (const [name, spec] of Object.entries(specs)) if (spec.alias) byAlias.set(spec.alias, name);
  let i = 0;
  for (; i < argv.length; i++) {
    const word = argv[i] as string;
    if (opts.restAfter !== undefined && positionals.length >= opts.restAfter) break;
    if (word === '--') {
      i++;
      // Words after `--` are never flags: with `rest`, the missing positionals come first (`exec -- -h sh`).
      if (opts.restAfter !== undefined) while (positionals.length < opts.restAfter && i < argv.length) positionals.push(argv[i++] as string);
      break;
    }
    if (!word.startsWith('-') || word === '-') {
      positionals.push(word);
      continue;
    }
    const long = word.startsWith('--');
    const body = word.slice(long ? 2 : 1);
    const eq = body.indexOf('=');
    const key = eq >= 0 ? body.slice(0, eq) : body;
    const name = long ? (specs[key] ? key : undefined) : (byAlias.get(key) ?? (key.length > 1 && specs[key] ? key : undefined));
    if (!name) throw usage(`flag provided but not defined: ${word.split('=')[0]}`);
    const spec = specs[name] as FlagSpec;
    let value: string | undefined = eq >= 0 ? body.slice(eq + 1) : undefined;
    if (spec.type === 'bool') {
      if (value !== undefined && value !== 'true' && value !== 'false') throw usage(`invalid boolean value "${value}" for --${name}`);
      flags[name] = value !== 'false';
      continue;
    }
    if (value === undefined) {
      if (i + 1 >= argv.length) throw usage(`flag needs an argument: --${name}`);
      value = argv[++i] as string;
    }
    if (spec.type === 'number') {
      if (!/^[0-9]+$/.test(value)) throw usage(`invalid value "${value}" for --${name}: must be a non-negative integer`);
      flags[name] = Number(value);
    } else if (spec.type === 'list') {
      flags[name] = [...((flags[name] as string[] | undefined) ?? []), value];
    } else {
      flags[name] = value;
    }
  }
  if (opts.restAfter !== undefined) {
    // Between the positionals and the rest, a `--` separator is dropped.
    const rest = argv.slice(i);
    return { flags, positionals, rest: rest[0] === '--' ? rest.slice(1) : rest };
  }
  positionals.push(...argv.slice(i));
  return { flags, positionals, rest: [] };
}

/**
 * Whether `--help` or `-h` is asked for: only among the flags, that is before
 * the first positional and before `--`, skipping flag values (`--bundle -h`
 * names a directory). `create -- -h` and `state -h-id` are not help requests.
 */
export function wantsHelp(argv: readonly string[], specs: FlagSpecs): boolean {
  const byAlias = new Map<string, string>();
  for (const [name, spec] of Object.entries(specs)) if (spec.alias) byAlias.set(spec.alias, name);
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] as string;
    if (word === '--help' || word === '-h') return true;
    if (word === '--' || !word.startsWith('-') || word === '-') return false;
    if (word.includes('=')) continue;
    const name = word.startsWith('--') ? word.slice(2) : (byAlias.get(word.slice(1)) ?? word.slice(1));
    const spec = specs[name];
    if (spec && spec.type !== 'bool') i++; // its value, whatever it looks like
  }
  return false;
}
