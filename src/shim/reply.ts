/**
 * What `start` answers, by containerd version (every form carries the same
 * unix:// address; the difference is only how containerd wants to read it):
 * - 2.3+ sends a BootstrapParams on stdin; it is the new protocol only if it
 *   decodes and names this very -id and -namespace (anything else on stdin is
 *   the runtime options Any of older versions). Reply: a BootstrapResult,
 *   Task API version 3 (registered beside v2).
 * - 1.7 and 2.0–2.2 set MAX_SHIM_VERSION (2 in all of them): JSON
 *   {"version":N,"address":…,"protocol":"ttrpc"} with N the lower of that and 3.
 * - 1.6 sets none of it and reads only a plain address.
 * Runtime options on stdin (up to 2.2) are decoded for validity and ignored:
 * the runtime takes its settings from the bundle, and unknown types are fine.
 */
import * as fs from 'node:fs';
import { isatty } from 'node:tty';
import { BootstrapParams, BootstrapResult, RuntimeOptions } from './proto/options.js';
import { Any } from './proto/wkt.js';

/** containerd's own bound on what it reads from a shim's stdin. */
export const STDIN_LIMIT = 10 << 20;

export interface StartInput {
  id: string;
  namespace: string;
  env: NodeJS.ProcessEnv;
  stdin: Uint8Array;
}

export interface StartSetup {
  /** Set when stdin carried a matching BootstrapParams. */
  bootstrap: BootstrapParams | undefined;
  /** The runtime options, when containerd sent them (legacy stdin or a bootstrap extension). */
  options: Any | undefined;
}

export function readSetup(input: StartInput): StartSetup {
  if (input.stdin.length === 0) return { bootstrap: undefined, options: undefined };
  const params = tryDecode(() => BootstrapParams.decode(input.stdin));
  if (params && params.instanceId === input.id && params.namespace === input.namespace) {
    return { bootstrap: params, options: params.extensions.find((e) => e.value)?.value };
  }
  return { bootstrap: undefined, options: tryDecode(() => Any.decode(input.stdin)) };
}

/** runj's own options inside the Any, when they are that type (others are not ours to read). */
export function runjOptions(any: Any | undefined): ReturnType<typeof RuntimeOptions.decode> | undefined {
  if (!any || !/(^|\/)runtimeoptions\.v1\.Options$/.test(any.typeUrl)) return undefined;
  return tryDecode(() => RuntimeOptions.decode(any.value));
}

export function startReply(address: string, setup: StartSetup, env: NodeJS.ProcessEnv): Uint8Array {
  if (setup.bootstrap) return BootstrapResult.encode({ version: 3, address, protocol: 'ttrpc' });
  const max = Number.parseInt(env.MAX_SHIM_VERSION ?? '', 10);
  if (Number.isInteger(max) && max >= 2) return Buffer.from(JSON.stringify({ version: Math.min(max, 3), address, protocol: 'ttrpc' }));
  return Buffer.from(address);
}

/** stdin as containerd gave it (a pipe or nothing), up to STDIN_LIMIT bytes. */
export function readStdin(fd = 0): Uint8Array {
  if (isatty(fd)) return new Uint8Array(0); // run by hand: containerd always gives a pipe or /dev/null
  const chunks: Buffer[] = [];
  let total = 0;
  const buf = Buffer.alloc(64 << 10);
  for (;;) {
    let n: number;
    try {
      n = fs.readSync(fd, buf, 0, buf.length, null);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5); // a non-blocking pipe not written yet
        continue;
      }
      if (code === 'EOF' || code === 'EBADF' || code === 'EINVAL' || code === 'EISDIR') break; // no stdin at all
      throw err;
    }
    if (n === 0) break;
    total += n;
    if (total > STDIN_LIMIT) throw new Error(`stdin: more than ${STDIN_LIMIT} bytes`);
    chunks.push(Buffer.from(buf.subarray(0, n)));
  }
  return new Uint8Array(Buffer.concat(chunks));
}

function tryDecode<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}
