/**
 * The `start` action: make sure a shim serves this container's socket and
 * return its address. The server is this same program re-spawned detached
 * (a new session), its stdio on /dev/null: containerd reads start's
 * combined stdout and stderr until they close, so a daemon holding them
 * would hang it. The daemon says "ok" (or its error) on a pipe, fd 3.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { RuntimeError } from '../core/errors.js';
import { type ShimFlags, toArgv } from './flags.js';
import { socketAddress } from './paths.js';
import { socketPath } from './ttrpc/address.js';

export const READY_FD = 3;

export async function startShim(flags: ShimFlags, script: string): Promise<string> {
  const address = socketAddress(flags.address, flags.namespace, flags.id);
  const file = socketPath(address);
  if (fs.existsSync(file)) {
    // containerd may ask again (a retried start): a live shim keeps serving.
    if (await answers(file)) return address;
    fs.rmSync(file, { force: true });
  }
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o711 });
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
  const exited = new Promise<string>((r) => child.once('exit', (code, sig) => r(`shim exited (${sig ?? `status ${code}`})`)));
  const answered = new Promise<string>((r) => pipe.once('close', () => r(said.trim())));
  const reply = await Promise.race([answered, exited]);
  pipe.destroy();
  child.unref();
  if (reply !== 'ok') throw new RuntimeError('ESYSTEM', `starting the shim: ${reply.replace(/^error /, '') || 'no answer'}`);
  return address;
}

function answers(file: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(file);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
