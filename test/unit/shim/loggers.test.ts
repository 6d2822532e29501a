/**
 * Create's output URIs: parsing as containerd does (stdout decides), file://
 * appends, and binary:// loggers run for real (small sh scripts): argv from
 * the query, the env, fds 3/4/5, the wait for readiness, EOF when the output
 * ends, failures that name the URI and leave no process or fd behind, and no
 * SIGPIPE to a writer once the logger is gone.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type OutputSink, openOutput, parseOutputUri } from '../../../src/shim/loggers.js';
import { openStdio } from '../../../src/shim/stdio.js';
import { Code, StatusError } from '../../../src/shim/ttrpc/status.js';
import { capturingLogger } from '../fakes/log.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-logger-'));
  dirs.push(d);
  return d;
};
const meta = { id: 'c1', namespace: 'ns1' };
const openFds = () => fs.readdirSync('/proc/self/fd').length;
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const waitFor = async (ok: () => boolean, ms = 5000) => {
  for (const end = Date.now() + ms; !ok(); ) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};
/** A logger script in `dir`; the body runs with the logger's fds. */
function script(dir: string, body: string): string {
  const file = path.join(dir, 'logger.sh');
  fs.writeFileSync(file, `#!/bin/sh\necho $$ > ${dir}/pid\n${body}\n`, { mode: 0o755 });
  return file;
}
const err = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as StatusError);

describe('output URIs', () => {
  it('parses as containerd: fifo paths, file://, binary:// with the query as argv', () => {
    expect(parseOutputUri('')).toEqual({ kind: 'fifo' });
    expect(parseOutputUri('/run/containerd/fifo/1/c1-stdout')).toEqual({ kind: 'fifo' });
    expect(parseOutputUri('fifo:///run/x')).toEqual({ kind: 'fifo' });
    expect(parseOutputUri('file:///var/log/my%20app/c1.log')).toEqual({ kind: 'file', path: '/var/log/my app/c1.log' });
    expect(parseOutputUri('binary:///usr/bin/logger?-t=app&--flag&-t=again&dir=%2Fvar%2Flog')).toEqual({
      kind: 'binary',
      path: '/usr/bin/logger',
      args: ['-t', 'app', '--flag', '', 'dir', '/var/log'],
    });
  });

  it.each([
    ['binary://host/usr/bin/logger', 'a host (host)'],
    ['binary:///', 'names no absolute path'],
    ['file://', 'names no absolute path'],
    ['ftp:///x', 'unknown scheme ftp'],
    ['relative/path', 'neither an absolute path nor a URI'],
  ])('refuses %s naming the field and the URI', (uri, why) => {
    let e: unknown;
    try {
      parseOutputUri(uri);
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(StatusError);
    expect((e as StatusError).code).toBe(Code.InvalidArgument);
    expect((e as StatusError).message.startsWith(`stdout ${JSON.stringify(uri)}: `)).toBe(true);
    expect((e as StatusError).message).toContain(why);
  });
});

describe('file://', () => {
  it('creates the parent directories and the file 0644, appends, one fd for both streams', async () => {
    const d = tmp();
    const file = path.join(d, 'a/b/c1.log');
    fs.mkdirSync(path.join(d, 'a'));
    fs.writeFileSync(path.join(d, 'x'), '');
    const sink = (await openOutput(`file://${file}`, meta)) as OutputSink;
    expect(sink.stdout).toBe(sink.stderr);
    fs.writeSync(sink.stdout, 'one\n');
    await sink.close();
    const again = (await openOutput(`file://${file}`, meta)) as OutputSink;
    fs.writeSync(again.stderr, 'two\n');
    again.release();
    await again.close();
    expect(fs.readFileSync(file, 'utf8')).toBe('one\ntwo\n');
    expect(fs.statSync(file).mode & 0o777).toBe(0o644 & ~process.umask());
    expect(fs.statSync(path.join(d, 'a/b')).isDirectory()).toBe(true);
  });

  it('a path that cannot be created fails naming the URI', async () => {
    const d = tmp();
    fs.writeFileSync(path.join(d, 'file'), '');
    const e = await err(openOutput(`file://${d}/file/sub/c1.log`, meta));
    expect(e?.message).toMatch(new RegExp(`^stdout file://${d}/file/sub/c1.log: .*ENOTDIR`));
  });
});

describe('binary://', () => {
  it('runs the logger with argv, env and fds 3/4; it sees EOF once the output ends', async () => {
    const d = tmp();
    const bin = script(
      d,
      `echo "$CONTAINER_ID $CONTAINER_NAMESPACE [$*] $(env | grep -cv '^PWD=')" > ${d}/env
exec 5>&-
cat <&3 > ${d}/out &
cat <&4 > ${d}/err
wait
echo done > ${d}/done`,
    );
    const fds = openFds();
    const sink = (await openOutput(`binary://${bin}?-t=app&flag`, meta)) as OutputSink;
    fs.writeSync(sink.stdout, 'to stdout\n');
    fs.writeSync(sink.stderr, 'to stderr\n');
    sink.release(); // the shim's write ends go: the logger reads EOF
    await waitFor(() => fs.existsSync(`${d}/done`));
    expect(fs.readFileSync(`${d}/env`, 'utf8')).toBe('c1 ns1 [-t app flag ] 2\n');
    expect(fs.readFileSync(`${d}/out`, 'utf8')).toBe('to stdout\n');
    expect(fs.readFileSync(`${d}/err`, 'utf8')).toBe('to stderr\n');
    await sink.close();
    expect(openFds()).toBe(fds);
    expect(alive(Number(fs.readFileSync(`${d}/pid`, 'utf8')))).toBe(false);
  });

  it('waits for the logger to say it is ready on fd 5', async () => {
    const d = tmp();
    const bin = script(d, 'sleep 0.4; echo ready >&5; exec 5>&-; cat <&3 >/dev/null');
    const t0 = Date.now();
    const sink = (await openOutput(`binary://${bin}`, meta)) as OutputSink;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(350);
    sink.release();
    await sink.close();
  });

  it('a logger that cannot start fails Create naming the URI, leaving no fd', async () => {
    const d = tmp();
    const fds = openFds();
    const e = await err(openOutput(`binary://${d}/missing`, meta));
    expect([e?.code, e?.message]).toEqual([Code.Unknown, `stdout binary://${d}/missing: starting the logger: spawn ${d}/missing ENOENT`]);
    expect(openFds()).toBe(fds);
  });

  it('a logger that exits with an error before it is ready: its stderr in the message, nothing left', async () => {
    const d = tmp();
    const bin = script(d, 'echo "cannot open /nowhere" >&2; exit 3');
    const fds = openFds();
    const e = await err(openOutput(`binary://${bin}`, { ...meta, log: capturingLogger() }));
    expect(e?.message).toBe(`stdout binary://${bin}: the logger exited (status 3) before the container started: cannot open /nowhere`);
    expect(openFds()).toBe(fds);
  });

  it('a failed Create kills the logger at once and closes every pipe', async () => {
    const d = tmp();
    const bin = script(d, 'exec 5>&-; trap "" TERM; while :; do sleep 0.05; done');
    const fds = openFds();
    // stdin names a fifo that does not exist: openStdio fails after the logger started.
    const e = await err(openStdio({ stdin: `${d}/no-fifo`, stdout: `binary://${bin}`, stderr: `binary://${bin}` }, meta));
    expect(e?.message).toContain('ENOENT');
    const pid = Number(fs.readFileSync(`${d}/pid`, 'utf8'));
    expect(alive(pid)).toBe(false);
    expect(openFds()).toBe(fds);
  });

  it('close() gives a logger that ignores EOF a grace, then SIGTERM', async () => {
    const d = tmp();
    const bin = script(d, `exec 5>&-; trap "echo term > ${d}/term; exit 0" TERM; while :; do sleep 0.05; done`);
    const sink = (await openOutput(`binary://${bin}`, meta)) as OutputSink;
    const t0 = Date.now();
    await sink.close();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1900);
    expect(fs.readFileSync(`${d}/term`, 'utf8')).toBe('term\n');
    expect(alive(Number(fs.readFileSync(`${d}/pid`, 'utf8')))).toBe(false);
  });

  it('no SIGPIPE and no blocking for a writer once the logger is gone: the shim drains', async () => {
    const d = tmp();
    const log = capturingLogger();
    const bin = script(d, 'exec 5>&-; exit 0');
    const sink = (await openOutput(`binary://${bin}`, { ...meta, log })) as OutputSink;
    await waitFor(() => log.lines.some((l) => l.includes('exited (status 0)')));
    // 300 KiB: far past a pipe's 64 KiB, so a writer with nobody reading would block or get SIGPIPE.
    const writer = spawn('dd', ['if=/dev/zero', 'bs=1024', 'count=300'], { stdio: ['ignore', sink.stdout, 'ignore'] });
    sink.release();
    const [code, signal] = await new Promise<[number | null, string | null]>((r) => writer.once('exit', (c, s) => r([c, s])));
    expect([code, signal]).toEqual([0, null]);
    await sink.close();
  });
});
