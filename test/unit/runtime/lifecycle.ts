/**
 * Shared set-up for the operation tests: a fake host with a recording logger,
 * and containers brought to each status through the real operations.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ContainerRecord } from '../../../src/backend/record.js';
import type { Logger } from '../../../src/core/log.js';
import type { RuntimeContext } from '../../../src/runtime/context.js';
import { create } from '../../../src/runtime/create.js';
import { kill } from '../../../src/runtime/kill.js';
import { pause } from '../../../src/runtime/pause.js';
import { start } from '../../../src/runtime/start.js';
import { state } from '../../../src/runtime/state.js';
import { hook, makeBundle } from '../fakes/bundle.js';
import { FakeHost, type FakeProcess } from '../fakes/host.js';

export type Logged = { level: 'debug' | 'info' | 'warn' | 'error'; msg: string };

export function recordingLog(): { log: Logger; lines: Logged[] } {
  const lines: Logged[] = [];
  const log: Logger = {
    debug: (msg) => void lines.push({ level: 'debug', msg }),
    info: (msg) => void lines.push({ level: 'info', msg }),
    warn: (msg) => void lines.push({ level: 'warn', msg }),
    error: (msg) => void lines.push({ level: 'error', msg }),
    toFile: false,
  };
  return { log, lines };
}

export async function setup(over: Partial<RuntimeContext> = {}): Promise<{ host: FakeHost; ctx: RuntimeContext; lines: Logged[] }> {
  const host = new FakeHost();
  const { log, lines } = recordingLog();
  const ctx = await host.context({ log, lockTimeoutMs: 50, ...over });
  return { host, ctx, lines };
}

export type Hooks = { poststart?: string[]; poststop?: string[] };

/** A created container (real create against the fake); its init process. */
export async function created(host: FakeHost, ctx: RuntimeContext, id: string, hooks: Hooks = {}): Promise<FakeProcess> {
  const bundle = makeBundle((c) => {
    c.hooks = {
      poststart: (hooks.poststart ?? []).map((p) => hook(p)),
      poststop: (hooks.poststop ?? []).map((p) => hook(p)),
    };
  });
  await create(ctx, { id, bundle });
  const pid = state(ctx, id).pid;
  const init = host.procs.get(pid);
  if (!init) throw new Error(`no fake process ${pid}`);
  return init;
}

export async function running(host: FakeHost, ctx: RuntimeContext, id: string, hooks: Hooks = {}): Promise<FakeProcess> {
  const init = await created(host, ctx, id, hooks);
  await start(ctx, id);
  return init;
}

export async function paused(host: FakeHost, ctx: RuntimeContext, id: string, hooks: Hooks = {}): Promise<FakeProcess> {
  const init = await running(host, ctx, id, hooks);
  await pause(ctx, id);
  return init;
}

export async function stopped(host: FakeHost, ctx: RuntimeContext, id: string, hooks: Hooks = {}): Promise<FakeProcess> {
  const init = await running(host, ctx, id, hooks);
  await kill(ctx, id, 'KILL');
  return init;
}

export const baseRecord = (id: string, over: Partial<ContainerRecord> = {}): ContainerRecord => ({
  ociVersion: '1.3.0',
  id,
  pid: 0,
  status: 'stopped',
  bundle: '/b',
  rootfs: '/b/rootfs',
  created: '2026-01-01T00:00:00Z',
  owner: 'tester',
  platform: 'fake',
  ...over,
});

/** A container directory written directly (a record no operation could make, or one a crash left). */
export function plant(ctx: RuntimeContext, id: string, stateJson: string | undefined, recovery?: string): string {
  const dir = ctx.store.dir(id);
  fs.mkdirSync(dir, { recursive: true });
  if (stateJson !== undefined) fs.writeFileSync(path.join(dir, 'state.json'), stateJson);
  if (recovery !== undefined) fs.writeFileSync(path.join(dir, 'recovery.json'), recovery);
  return dir;
}

/** Status on disk, without liveness (what the last operation saved). */
export const saved = (ctx: RuntimeContext, id: string) => ctx.store.load(id).status;

/** Rejects with a RuntimeError of this code and exact message. */
export async function fails(p: Promise<unknown> | (() => unknown), code: string, message: string | RegExp): Promise<Error> {
  let err: unknown;
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    err = e;
  }
  if (!(err instanceof Error)) throw new Error(`expected ${code} ${String(message)}, got success`);
  const e = err as Error & { code?: string };
  if (e.code !== code || (typeof message === 'string' ? e.message !== message : !message.test(e.message))) {
    throw new Error(`expected ${code} "${String(message)}", got ${e.code} "${e.message}"`);
  }
  return e;
}
