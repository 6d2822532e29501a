// Types of buildah.mjs for the TypeScript tests.
import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';

export declare const BASE: string;
export declare function haveBuildah(): boolean;

export interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}
export interface Buildah {
  dir: string;
  env: Record<string, string | undefined>;
  buildah(args: string[], timeout?: number): Result;
  spawnBuildah(args: string[]): ChildProcessByStdio<null, Readable, Readable>;
  shell(script: string): Result;
  context(name: string, containerfile: string): string;
  budArgs(runtime: string, ctx: string, tag: string, extra?: string[]): string[];
  stop(): void;
}
export declare function startBuildah(opts?: { hideCgroup2?: boolean }): Buildah;
