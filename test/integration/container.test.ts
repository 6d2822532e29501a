import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Spec } from '../../src/plan/spec.js';
import { type Env, RUNJ, isRoot, makeBundle, makeEnv, runj, runjCreate, runjRun, uniqueId } from './harness.js';

/** What the Linux backend applies, observed from inside real containers. */
describe.skipIf(!isRoot)('inside the container', () => {
  let env: Env;
  beforeAll(() => {
    env = makeEnv();
  });
  afterAll(() => env.cleanup());

  function inside(script: string, patch: (s: Spec) => void = () => {}, extra: string[] = []) {
    const id = uniqueId('in');
    const r = runjRun(env, id, makeBundle(env, ['sh', '-c', script], patch), extra);
    expect(fs.existsSync(path.join(env.root, id))).toBe(false); // run deletes the container
    return r;
  }

  it('run exits with the container status, 128+signal when killed', () => {
    expect(inside('exit 3').status).toBe(3);
    expect(inside('exit 0').status).toBe(0);
    // Outside a pid namespace the shell is not an init the kernel shields from signals.
    const noPidNs = (s: Spec) => {
      if (s.linux) s.linux.namespaces = s.linux.namespaces?.filter((n) => n.type !== 'pid');
    };
    expect(inside('kill -9 $$', noPidNs).status).toBe(137);
    expect(inside('kill -TERM $$', noPidNs).status).toBe(143);
  });

  it('run and exec pass the signals they get to the process and exit with its status', async () => {
    // The process answers USR1 and ends on TERM; runj gets both (as from a shell or conmon).
    const script = 'trap "echo got-usr1" USR1; trap "exit 42" TERM; echo ready; while :; do sleep 0.05; done';
    const foreground = async (args: string[], id: string) => {
      const out = path.join(env.dir, `${id}.fg`);
      const o = fs.openSync(out, 'w');
      const child = spawn(process.execPath, [RUNJ, '--root', env.root, ...args], { stdio: ['ignore', o, o], env: { ...process.env, NODE_EXTRA_CA_CERTS: '' } });
      fs.closeSync(o);
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      const saw = async (text: string) => {
        for (let i = 0; i < 500 && !fs.readFileSync(out, 'utf8').includes(text); i++) await new Promise((r) => setTimeout(r, 20));
        expect(fs.readFileSync(out, 'utf8')).toContain(text);
      };
      await saw('ready');
      child.kill('SIGUSR1');
      await saw('got-usr1');
      child.kill('SIGTERM');
      return exited;
    };
    const id = uniqueId('fwd');
    expect(await foreground(['run', '--bundle', makeBundle(env, ['sh', '-c', script]), id], id)).toBe(42);
    expect(fs.existsSync(path.join(env.root, id))).toBe(false);
    const host = uniqueId('fwdx');
    expect(runjCreate(env, host, makeBundle(env, ['sleep', '1000'])).status).toBe(0);
    try {
      expect(runj(env, ['start', host]).status).toBe(0);
      expect(await foreground(['exec', host, 'sh', '-c', script], `${host}-exec`)).toBe(42);
    } finally {
      runj(env, ['delete', '--force', host]);
    }
  });

  it('hostname, domainname and pid 1', () => {
    const r = inside('hostname; cat /proc/sys/kernel/domainname; echo $$', (s) => {
      s.hostname = 'box';
      s.domainname = 'example.org';
    });
    expect(r.output).toBe('box\nexample.org\n1\n');
  });

  it('args, env and cwd', () => {
    const r = inside('pwd; echo "$FOO"; env | grep -v -e ^PWD= -e ^SHLVL= | sort', (s) => {
      if (!s.process) return;
      s.process.cwd = '/tmp/made/by/runj';
      s.process.env = ['PATH=/bin', 'FOO=bar baz'];
    });
    expect(r.output).toBe('/tmp/made/by/runj\nbar baz\nFOO=bar baz\nPATH=/bin\n'); // the shell adds PWD and SHLVL
  });

  it('user, groups and umask', () => {
    const r = inside('id -u; id -g; id -G; umask', (s) => {
      if (s.process) s.process.user = { uid: 1000, gid: 1001, additionalGids: [5, 6], umask: 0o027 };
    });
    expect(r.output).toBe('1000\n1001\n1001 5 6\n0027\n');
  });

  it('read-only root, masked and read-only paths', () => {
    const r = inside(
      '(touch /x) 2>/dev/null && echo root-rw || echo root-ro; cat /proc/keys /proc/timer_list | wc -c; (echo 1 > /proc/sys/kernel/shmmax) 2>/dev/null && echo sys-rw || echo sys-ro; ls /sys/firmware | wc -l',
    );
    expect(r.output).toBe('root-ro\n0\nsys-ro\n0\n');
    expect(inside('touch /x && echo rw && rm /x', (s) => { if (s.root) s.root.readonly = false; }).output).toBe('rw\n');
  });

  it('bind mounts (read-only and read-write), tmpfs and mount options', () => {
    const host = fs.mkdtempSync(path.join(env.dir, 'vol-'));
    fs.writeFileSync(path.join(host, 'file'), 'from host\n');
    const r = inside(
      'cat /ro/file; touch /ro/new 2>/dev/null || echo ro-denied; echo written > /rw/out; grep " /scratch " /proc/mounts | cut -d" " -f3,4 | cut -d, -f1-4; cat /single',
      (s) => {
        s.mounts?.push(
          { destination: '/ro', source: host, options: ['bind', 'ro'] },
          { destination: '/rw', source: host, type: 'bind', options: ['rbind'] },
          { destination: '/scratch', source: 'tmpfs', type: 'tmpfs', options: ['nosuid', 'noexec', 'size=1m'] },
          { destination: '/single', source: path.join(host, 'file'), options: ['bind', 'ro'] },
        );
      },
    );
    const lines = r.output.split('\n');
    expect(lines.slice(0, 2)).toEqual(['from host', 'ro-denied']);
    expect(lines[2]).toMatch(/^tmpfs rw,nosuid,(nodev,)?noexec/);
    expect(lines[3]).toBe('from host');
    expect(fs.readFileSync(path.join(host, 'out'), 'utf8')).toBe('written\n');
  });

  it('does not follow a symlinked mount destination out of the root', () => {
    const rootfs = fs.mkdtempSync(path.join(env.dir, 'evilroot-'));
    fs.cpSync(env.rootfs, rootfs, { recursive: true, verbatimSymlinks: true });
    const outside = fs.mkdtempSync(path.join(env.dir, 'outside-'));
    fs.symlinkSync(outside, path.join(rootfs, 'escape'));
    const r = inside('ls /escape/ | wc -l', (s) => {
      if (s.root) s.root.path = rootfs;
      s.mounts?.push({ destination: '/escape/sub', source: 'tmpfs', type: 'tmpfs' });
    });
    expect(r.status).toBe(0);
    expect(fs.readdirSync(outside)).toEqual([]); // nothing created outside the rootfs
    expect(fs.existsSync(path.join(rootfs, outside, 'sub'))).toBe(true);
  });

  it('devices from linux.devices and the default devices', () => {
    const r = inside("ls -ln /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty /dev/mydev | awk '{print $1, $5, $6, $NF}'; readlink /dev/fd; readlink /dev/ptmx", (s) => {
      if (s.linux) s.linux.devices = [{ path: '/dev/mydev', type: 'c', major: 1, minor: 3, fileMode: 0o600, uid: 0, gid: 0 }];
    });
    expect(r.output.trim().split('\n')).toEqual([
      'crw-rw-rw- 1, 7 /dev/full',
      'crw------- 1, 3 /dev/mydev',
      'crw-rw-rw- 1, 3 /dev/null',
      'crw-rw-rw- 1, 8 /dev/random',
      'crw-rw-rw- 5, 0 /dev/tty',
      'crw-rw-rw- 1, 9 /dev/urandom',
      'crw-rw-rw- 1, 5 /dev/zero',
      '/proc/self/fd',
      'pts/ptmx',
    ]);
  });

  it('capabilities, no_new_privs, rlimits, sysctl and oom_score_adj', () => {
    const script = 'grep -E "^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs)" /proc/self/status; ulimit -n; cat /proc/sys/kernel/shmmni /proc/self/oom_score_adj';
    const r = inside(script, (s) => {
      if (!s.process || !s.linux) return;
      s.process.capabilities = { bounding: ['CAP_KILL', 'CAP_CHOWN'], effective: ['CAP_KILL'], permitted: ['CAP_KILL', 'CAP_CHOWN'] };
      s.process.noNewPrivileges = true;
      s.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 321, hard: 654 }];
      s.process.oomScoreAdj = 123;
      s.linux.sysctl = { 'kernel.shmmni': '1234' };
      s.linux.readonlyPaths = [];
    });
    // uid 0: execve raises permitted and effective to the bounding set (no file caps needed).
    expect(r.output).toBe(
      'CapInh:\t0000000000000000\nCapPrm:\t0000000000000021\nCapEff:\t0000000000000021\nCapBnd:\t0000000000000021\nCapAmb:\t0000000000000000\nNoNewPrivs:\t1\n321\n1234\n123\n',
    );
    // A non-root user keeps only what is ambient across execve.
    const user = inside(script.split(';')[0] as string, (s) => {
      if (!s.process) return;
      s.process.user = { uid: 1000, gid: 1000 };
      const kill = ['CAP_KILL'];
      s.process.capabilities = { bounding: ['CAP_KILL', 'CAP_CHOWN'], effective: kill, permitted: kill, inheritable: kill, ambient: kill };
    });
    expect(user.output).toBe(
      'CapInh:\t0000000000000020\nCapPrm:\t0000000000000020\nCapEff:\t0000000000000020\nCapBnd:\t0000000000000021\nCapAmb:\t0000000000000020\nNoNewPrivs:\t1\n',
    );
  });

  it('applies rootfsPropagation to the new root', () => {
    const r = inside("awk '$5 == \"/\"' /proc/self/mountinfo | grep -o 'shared:[0-9]*' | cut -d: -f1", (s) => {
      if (s.linux) s.linux.rootfsPropagation = 'shared';
    });
    expect(r.output).toBe('shared\n');
  });

  it('runs in a user namespace with uid and gid maps', () => {
    const rootfs = fs.mkdtempSync(path.join(env.dir, 'userns-'));
    fs.cpSync(env.rootfs, rootfs, { recursive: true, verbatimSymlinks: true });
    execFileSync('chown', ['-R', '-h', '100000:100000', rootfs]);
    fs.chmodSync(env.dir, 0o711); // the mapped root must reach its rootfs
    const r = inside("id -u; awk '{print $1, $2, $3}' /proc/self/uid_map /proc/self/gid_map; echo x > /dev/null && echo devnull-ok; hostname", (s) => {
      if (!s.linux || !s.root) return;
      s.root.path = rootfs;
      s.linux.namespaces?.push({ type: 'user' });
      s.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    });
    expect(r).toEqual({ status: 0, output: '0\n0 100000 65536\n0 100000 65536\ndevnull-ok\nrunj\n' });
  });

  it('--no-pivot runs the container with chroot', () => {
    expect(inside('ls / | grep -c busybox; echo ok', () => {}, ['--no-pivot']).output).toBe('0\nok\n');
  });

  it('passes --preserve-fds and closes every other fd', () => {
    const extra = path.join(env.dir, 'fd3');
    const id = uniqueId('fds');
    const fd3 = fs.openSync(extra, 'w');
    try {
      const r = runjRun(env, id, makeBundle(env, ['sh', '-c', 'echo to-fd3 >&3; ls /proc/self/fd | sort -n | tr "\\n" " "']), ['--preserve-fds', '1'], [fd3]);
      expect(r.status).toBe(0);
      // 0 1 2, the preserved 3, and the fd ls opens to read the directory.
      expect(r.output).toBe('0 1 2 3 4 ');
    } finally {
      fs.closeSync(fd3);
    }
    expect(fs.readFileSync(extra, 'utf8')).toBe('to-fd3\n');
    const plain = inside('ls /proc/self/fd | sort -n | tr "\\n" " "');
    expect(plain.output).toBe('0 1 2 3 ');
  });

  it('spec writes a valid config and refuses to overwrite it', () => {
    const dir = fs.mkdtempSync(path.join(env.dir, 'spec-'));
    expect(runj(env, ['spec', '--bundle', dir])).toMatchObject({ status: 0, stdout: '' });
    const spec = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    expect(spec.ociVersion).toBe('1.3.0');
    expect(runj(env, ['spec', '--bundle', dir])).toMatchObject({ status: 1, stderr: `runj: File ${dir}/config.json exists. Remove it first\n` });
  });
});
