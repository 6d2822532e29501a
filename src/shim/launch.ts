/**
 * The `start` action: make sure a shim serves this container's group (see
 * group.ts) and return its address. If the group's shim already listens,
 * `start` announces the container to it (a Connect with JOIN_KEY, life.ts)
 * and returns its address. Otherwise the server is this same program
 * re-spawned detached (a new session), its stdio on /dev/null: containerd
 * reads start's combined stdout and stderr until they close, so a daemon
 * holding them would hang it. The daemon says "ok", "busy" (it lost the race
 * to listen to another shim of the group: join that one) or its error on a
 * pipe, fd 3.
 */
import { spawn } from 'node:child_process';
import type * as net from 'node:net';
import { RuntimeError } from '../core/errors.js';
import { type ShimFlags, toArgv } from './flags.js';
import { bundleAnnotations, groupMode, groupOf } from './group.js';
import { JOIN_KEY } from './life.js';
import { socketAddress } from './paths.js';
import { ConnectRequest, ConnectResponse } from './proto/task.js';
import { probeSocket } from './socket.js';
import { TASK_SERVICES } from './taskApi.js';
import { socketPath } from './ttrpc/address.js';
import { TtrpcClient } from './ttrpc/client.js';

export const READY_FD = 3;
const ATTEMPTS = 5;

export async function startShim(flags: ShimFlags, script: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const bundle = flags.bundle || process.cwd();
  const group = groupOf(flags.id, flags.namespace, bundleAnnotations(bundle), groupMode(env));
  const address = socketAddress(flags.address, flags.namespace, group);
  let last = '';
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (await join(address, flags)) return address;
    last = await spawnServer({ ...flags, bundle, socket: address }, script);
    if (last === 'ok') return address;
    if (last !== 'busy') break;
    await new Promise((r) => setTimeout(r, 50 * (attempt + 1))); // a leaving shim's socket is about to go
  }
  const why = last === 'busy' ? `a shim listens on ${address} but does not take containers` : last.replace(/^error /, '') || 'no answer';
  throw new RuntimeError('ESYSTEM', `starting the shim: ${why}`);
}

/** Announces the container to a live shim of its group: true when that shim will serve it. */
async function join(address: string, flags: ShimFlags): Promise<boolean> {
  if ((await probeSocket(socketPath(address))) !== 'live') return false;
  let client: TtrpcClient | undefined;
  try {
    client = await TtrpcClient.connect(address);
    await client.call(TASK_SERVICES[0] as string, 'Connect', ConnectRequest, { id: flags.id }, ConnectResponse, {
      namespace: flags.namespace,
      metadata: { [JOIN_KEY]: flags.id },
      timeoutMs: 10_000,
    });
    return true;
  } catch {
    return false;
  } finally {
    client?.close();
  }
}

function spawnServer(flags: ShimFlags, script: string): Promise<string> {
  const child = spawn(process.execPath, [...process.execArgv, script, ...toArgv(flags, 'serve')], {
    detached: true,
    stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
  });
  const pipe = child.stdio[READY_FD] as net.Socket;
  let said = '';
  pipe.setEncoding('utf8');
  pipe.on('data', (s: string) => {
    said += s;
  });
  let exit = '';
  child.once('exit', (code, sig) => {
    exit = `shim exited (${sig ?? `status ${code}`})`;
  });
  // The pipe closes when the daemon has answered, or when it died (it holds the only copy).
  return new Promise<string>((resolve) => {
    pipe.once('close', () => {
      child.unref();
      resolve(said.trim() || exit || 'no answer');
    });
  });
}
