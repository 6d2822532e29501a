import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Env, RUNJ, isRoot, makeBundle, makeEnv, runj, runjCreate, uniqueId } from './harness.js';

/** Reads a pty master until the other side is gone (EIO) or closed. */
const READ_ALL = `
def read_all(fd):
    out = b""
    while True:
        try:
            d = os.read(fd, 4096)
        except OSError:
            return out
        if not d:
            return out
        out += d
`;

/** A console socket server: receives the pty master (SCM_RIGHTS) and prints its name and what the container wrote. */
const RECEIVER = `
import socket, array, os, sys
${READ_ALL}
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.bind(sys.argv[1]); s.listen(1)
print("listening", flush=True)
c, _ = s.accept()
msg, anc, _, _ = c.recvmsg(1024, socket.CMSG_LEN(4))
fd = array.array("i", anc[0][2])[0]
out = read_all(fd)
print("name=" + msg.decode())
sys.stdout.write(out.decode().replace("\\r", ""))
`;

/** Runs a command on a new pty (the caller's terminal, for run -t) and prints what it wrote and its status. */
const PTY_RUN = `
import os, pty, sys
${READ_ALL}
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
out = read_all(fd)
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode().replace("\\r", ""))
print("status=%d" % os.waitstatus_to_exitcode(status))
`;

describe.skipIf(!isRoot)('terminals', () => {
  let env: Env;
  beforeAll(() => {
    env = makeEnv();
  });
  afterAll(() => env.cleanup());

  it('sends the pty master over --console-socket with the consoleSize applied', async () => {
    const id = uniqueId('tty');
    const sock = path.join(env.dir, `${id}.sock`);
    const receiver = spawn('python3', ['-c', RECEIVER, sock]);
    let out = '';
    receiver.stdout.on('data', (b) => (out += b));
    await new Promise((r) => receiver.stdout.once('data', r));
    const bundle = makeBundle(env, ['sh', '-c', 'tty; stty size; [ -t 0 ] && echo stdin-is-tty'], (s) => {
      if (s.process) {
        s.process.terminal = true;
        s.process.consoleSize = { height: 30, width: 100 };
      }
    });
    const c = runjCreate(env, id, bundle, ['--console-socket', sock]);
    expect(c.stderr()).toBe('');
    expect(runj(env, ['start', id]).status).toBe(0);
    await new Promise((r) => receiver.on('close', r));
    expect(out).toMatch(/^listening\nname=\/dev\/pts\/\d+\n\/dev\/pts\/\d+\n30 100\nstdin-is-tty\n$/);
    expect(runj(env, ['delete', id]).status).toBe(0);
  });

  it('run -t without a console socket uses the caller terminal', () => {
    const id = uniqueId('tty');
    const bundle = makeBundle(env, ['sh', '-c', 'tty >/dev/null && echo on-a-tty; exit 5'], (s) => {
      if (s.process) s.process.terminal = true;
    });
    const r = spawnSync('python3', ['-c', PTY_RUN, process.execPath, RUNJ, '--root', env.root, 'run', '--bundle', bundle, id], {
      encoding: 'utf8',
      env: { ...process.env, NODE_EXTRA_CA_CERTS: '' },
      timeout: 30_000,
    });
    expect(r.stdout).toBe('on-a-tty\nstatus=5\n');
  });

  it('refuses a terminal that nobody would hold', () => {
    const id = uniqueId('tty');
    const bundle = makeBundle(env, ['true'], (s) => {
      if (s.process) s.process.terminal = true;
    });
    expect(runjCreate(env, id, bundle).stderr()).toBe('runj: cannot allocate tty if runj will detach without setting console socket\n');
    const plain = makeBundle(env, ['true']);
    expect(runjCreate(env, id, plain, ['--console-socket', '/tmp/x.sock']).stderr()).toBe(
      'runj: --console-socket: the process has no terminal (process.terminal is false)\n',
    );
  });
});
