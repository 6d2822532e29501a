import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Env, RUNJ, isRoot, makeBundle, makeEnv, processesWith, runj, runjCreate, uniqueId } from './harness.js';

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

  it("a container that changes the caller's terminal it shares (no terminal of its own): runj puts its modes back, as Node's own exit did", () => {
    // runj ends with _exit (src/cli/entry.ts); its addon restores fds 0-2 as they were when it loaded.
    const bundle = makeBundle(env, ['sh', '-c', 'stty raw -echo; echo changed']);
    const script = `
import os, pty, subprocess, sys, termios
master, slave = pty.openpty()
before = termios.tcgetattr(slave)
r = subprocess.run(sys.argv[1:], stdin=slave, stdout=slave, stderr=slave)
os.set_blocking(master, False)
out = b""
try:
    out = os.read(master, 4096)
except OSError:
    pass
after = termios.tcgetattr(slave)
print("status=%d" % r.returncode)
print("said=%s" % ("changed" in out.decode(errors="replace")))
print("modes=%s" % ("same" if after == before else "changed"))
`;
    const r = spawnSync('python3', ['-c', script, process.execPath, RUNJ, '--root', env.root, 'run', '--bundle', bundle, uniqueId('ttymode')], {
      encoding: 'utf8',
      env: { ...process.env, NODE_EXTRA_CA_CERTS: '' },
      timeout: 30_000,
    });
    expect(r.stdout).toBe('status=0\nsaid=True\nmodes=same\n');
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

  it('run -t: once the process is reaped, the relay passes no signal on (its pid may be anyone\'s by then)', async () => {
    // No pid namespace, so a process the init leaves behind keeps writing to the pty, and the
    // relay (the helper's parent half) drains it after reaping the init.
    const id = uniqueId('ttyreap');
    // (It ignores the SIGHUP the init's exit sends the terminal's foreground group, set before the init exits.)
    const bundle = makeBundle(env, ['sh', '-c', '(trap "" HUP; i=0; while [ $i -lt 30 ]; do echo tick; sleep 0.05; i=$((i+1)); done) & sleep 0.3; exit 0'], (s) => {
      if (s.process) s.process.terminal = true;
      if (s.linux) s.linux.namespaces = s.linux.namespaces?.filter((n) => n.type !== 'pid');
    });
    const child = spawn('python3', ['-c', PTY_RUN, process.execPath, RUNJ, '--root', env.root, 'run', '--bundle', bundle, id], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_EXTRA_CA_CERTS: '' },
    });
    const done = new Promise<void>((r) => child.once('exit', () => r()));
    // The relay: runj's own child runj-helper (the container's init is its child), once it has
    // reaped the init and drains what the left-behind process writes.
    const relay = async () => {
      const status = (pid: number) => fs.readFileSync(`/proc/${pid}/status`, 'utf8');
      const forked = new Set<number>(); // seen with its child, the init
      for (let i = 0; i < 400; i++) {
        try {
          for (const pid of processesWith(`${path.sep}runj-helper`)) {
            const ppid = /^PPid:\s+(\d+)/m.exec(status(pid))?.[1];
            if (!fs.readFileSync(`/proc/${ppid}/cmdline`, 'utf8').includes(`${path.sep}runj.cjs`)) continue;
            const children = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
            if (children) forked.add(pid);
            else if (forked.has(pid)) return pid;
          }
        } catch {} // a process that went meanwhile
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error('no draining relay found');
    };
    const pid = await relay();
    const blocked = BigInt(`0x${/SigBlk:\s+([0-9a-f]+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]}`);
    await done;
    // SIGHUP SIGINT SIGQUIT SIGUSR1 SIGUSR2 SIGTERM SIGWINCH, the signals it forwards.
    for (const sig of [1, 2, 3, 10, 12, 15, 28]) expect(blocked & (1n << BigInt(sig - 1)), `signal ${sig}`).not.toBe(0n);
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
