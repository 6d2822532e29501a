/**
 * The container's stdio from Create's IO strings. Fifo paths (what ctr and
 * containerd's cio hand over) are opened here; an empty string is /dev/null.
 * Output fifos are opened read-write and passed to the helper as its fds 1
 * and 2: that never blocks (containerd may not have opened its end yet) and
 * a departed reader cannot SIGPIPE the container. stdin is copied from the
 * fifo into a pipe, so the container reads EOF when containerd's writer
 * closes (or at CloseIO). Until Start, the shim holds a writer of its own:
 * containerd's open of its end completes only once ours exists, and a read
 * before it had would see a spurious EOF. A `binary://` or `file://` stdout
 * (and with it stderr) is loggers.ts's.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import type { Writable } from 'node:stream';
import { type LoggerMeta, openOutput } from './loggers.js';
import { Code, StatusError } from './ttrpc/status.js';

export interface StdioPaths {
  stdin: string;
  stdout: string;
  stderr: string;
}

export interface OpenStdio {
  fds: [number | 'pipe', number, number];
  /** Connects the helper's stdin pipe (when fds[0] is 'pipe'). */
  attach(stdin: Writable | null): void;
  /** Closes the shim's copies of the output fds once the helper has its own. */
  release(): void;
  /** After Start: containerd's writer is there; its close is the container's EOF. */
  started(): void;
  /** CloseIO: the container reads EOF. */
  closeStdin(): void;
  /** Delete, or a failed Create (`now`): stdin closed, a logger ended, nothing left open. */
  close(now?: boolean): Promise<void>;
}

function pathOf(uri: string, name: string): string {
  if (uri.startsWith('/')) return uri;
  if (uri.startsWith('fifo://')) return uri.slice('fifo://'.length);
  throw new StatusError(Code.InvalidArgument, `${name} ${JSON.stringify(uri)}: not a fifo path (a file:// or binary:// stdout takes stderr with it)`);
}

export async function openStdio(p: StdioPaths, meta: LoggerMeta): Promise<OpenStdio> {
  const logger = await openOutput(p.stdout, meta);
  const opened: number[] = [];
  const release = () => {
    for (const fd of opened.splice(0)) {
      try {
        fs.closeSync(fd);
      } catch {}
    }
  };
  let source: net.Socket | undefined;
  let sink: Writable | null = null;
  let holder: number | undefined;
  try {
    const output = (uri: string, name: string): number => {
      const fd = fs.openSync(uri === '' ? '/dev/null' : pathOf(uri, name), fs.constants.O_RDWR);
      opened.push(fd);
      return fd;
    };
    let stdin: number | 'pipe';
    if (p.stdin === '') stdin = output('', 'stdin');
    else {
      const file = pathOf(p.stdin, 'stdin');
      const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
      source = new net.Socket({ fd, readable: true, writable: false });
      holder = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
      stdin = 'pipe';
    }
    const dropHolder = () => {
      if (holder === undefined) return;
      fs.closeSync(holder);
      holder = undefined;
    };
    const fds: OpenStdio['fds'] = [stdin, logger?.stdout ?? output(p.stdout, 'stdout'), logger?.stderr ?? output(p.stderr, 'stderr')];
    const closeStdin = () => {
      dropHolder();
      source?.unpipe();
      source?.destroy();
      sink?.end();
    };
    return {
      fds,
      attach(s) {
        sink = s;
        if (!source || !s) return;
        s.on('error', () => {}); // the container closed its stdin: nothing to deliver
        source.pipe(s);
      },
      release() {
        release();
        logger?.release();
      },
      started: dropHolder,
      closeStdin,
      async close(now) {
        closeStdin();
        release();
        await logger?.close(now);
      },
    };
  } catch (err) {
    release();
    source?.destroy();
    if (holder !== undefined) fs.closeSync(holder);
    await logger?.close(true);
    throw err;
  }
}
