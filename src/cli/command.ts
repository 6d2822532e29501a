/** The shape every CLI command module exports. */
import type { RuntimeContext } from '../runtime/context.js';
import type { FlagSpecs, ParseOptions, Parsed } from './args.js';

export interface Output {
  stdout?: string;
  exitCode?: number;
}

export interface Command {
  usage: string;
  summary: string;
  flags: FlagSpecs;
  parse?: ParseOptions;
  /** [min, max] positionals. */
  positionals: [number, number];
  run(ctx: RuntimeContext, args: Parsed): Promise<Output>;
}

export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
export const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
