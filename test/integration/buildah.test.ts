/**
 * Unmodified buildah (Debian's 1.28) building images with runj as its OCI
 * runtime (`bud --isolation oci --runtime`), on a private store and a local
 * busybox base image (scripts/lib/buildah.mjs). The runtime is a wrapper that
 * logs buildah's argv and runs runj, so each test also shows what buildah
 * asked of runj: create --bundle --pid-file, start, state (polled), kill,
 * delete, with --root=DIR from --runtime-flag.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Buildah, BASE, haveBuildah, startBuildah } from '../../scripts/lib/buildah.mjs';
import { isRoot, REPO } from './harness.js';

describe.skipIf(!isRoot || !haveBuildah())('buildah bud with runj as the OCI runtime', { timeout: 120_000 }, () => {
  let b: Buildah;
  let runtime: string;
  let argvLog: string;
  let root: string;

  beforeAll(() => {
    b = startBuildah();
    argvLog = path.join(b.dir, 'argv.log');
    root = path.join(b.dir, 'runj-root');
    runtime = path.join(b.dir, 'runj-logged');
    fs.writeFileSync(runtime, `#!/bin/sh\necho "$*" >> ${argvLog}\nexec ${REPO}/conformance/runj-wrapper.sh "$@"\n`, { mode: 0o755 });
  });
  afterAll(() => b?.stop());

  const calls = () => (fs.existsSync(argvLog) ? fs.readFileSync(argvLog, 'utf8').split('\n').filter(Boolean) : []);
  const bud = (name: string, containerfile: string) => {
    fs.rmSync(argvLog, { force: true });
    return b.buildah(b.budArgs(runtime, b.context(name, containerfile), `localhost/${name}`, ['--runtime-flag', `root=${root}`]));
  };
  /** What runj still records: nothing once buildah has deleted its containers. */
  const leftInRoot = () => (fs.existsSync(root) ? fs.readdirSync(root) : []);

  it('runs every RUN step in a runj container: the files they wrote are in the built image', () => {
    const r = bud('steps', `FROM ${BASE}\nRUN echo one > /step1\nRUN mkdir -p /opt/app && echo two > /opt/app/step2\nRUN cat /step1 /opt/app/step2 > /combined && echo ran-step3\n`);
    expect(r.stderr + r.stdout).toContain('ran-step3');
    expect(r.status).toBe(0);
    const creates = calls().filter((l) => / create --bundle \S+ --pid-file \S+ buildah-/.test(l));
    expect(creates).toHaveLength(3);
    for (const line of creates) {
      const id = line.split(' ').at(-1) as string;
      expect(line.startsWith(`--root=${root} `)).toBe(true);
      for (const op of ['start', 'state', 'delete']) expect(calls()).toContain(`--root=${root} ${op} ${id}`);
    }
    const image = b.shell('set -e; c=$(buildah from --pull=never localhost/steps); m=$(buildah mount "$c"); cat "$m/step1" "$m/opt/app/step2" "$m/combined"; buildah rm "$c" >/dev/null');
    expect(image.stderr).toBe('');
    expect(image.stdout).toBe('one\ntwo\none\ntwo\n');
    expect(leftInRoot()).toEqual([]);
  });

  it('stages built in parallel (--jobs 3): concurrent RUN containers under one runj root', () => {
    const stage = (n: string) => `FROM ${BASE} AS ${n}\nRUN sleep 1 && echo ${n} > /${n}\n`;
    const file = `${stage('a')}${stage('b')}${stage('c')}FROM ${BASE}\nCOPY --from=a /a /a\nCOPY --from=b /b /b\nCOPY --from=c /c /c\nRUN cat /a /b /c\n`;
    fs.rmSync(argvLog, { force: true });
    const ctx = b.context('jobs', file);
    const r = b.buildah(b.budArgs(runtime, ctx, 'localhost/jobs', ['--jobs', '3', '--runtime-flag', `root=${root}`]));
    expect(r.stderr).not.toContain('runj:');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('a\nb\nc\n');
    expect(calls().filter((l) => l.includes(' create '))).toHaveLength(4);
    expect(leftInRoot()).toEqual([]);
  });

  it("a RUN step runj cannot start fails the build with runj's reason, and later steps do not run", () => {
    const r = bud('nocmd', `FROM ${BASE}\nRUN echo a > /a\nRUN ["/no/such/cmd"]\nRUN echo never > /never\n`);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('runj: exec: "/no/such/cmd": No such file or directory');
    expect(r.stderr).toContain('building at STEP "RUN /no/such/cmd"');
    expect(calls().filter((l) => l.includes(' create '))).toHaveLength(2);
    expect(leftInRoot()).toEqual([]);
  });

  it("a RUN step's exit status fails the build with that status", () => {
    const r = bud('exit3', `FROM ${BASE}\nRUN sh -c 'exit 3'\n`);
    expect(r.stderr).toContain('exit status 3');
    expect(r.status).toBe(3);
    expect(leftInRoot()).toEqual([]);
  });

  it('an interrupted build: buildah kills the running step through runj (kill ID SIGKILL), deletes it, and nothing is left', async () => {
    fs.rmSync(argvLog, { force: true });
    const ctx = b.context('interrupt', `FROM ${BASE}\nRUN sleep 987654\n`);
    const child = b.spawnBuildah(b.budArgs(runtime, ctx, 'localhost/interrupt', ['--runtime-flag', `root=${root}`]));
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
    const sleeping = () =>
      fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p) && fs.existsSync(`/proc/${p}/cmdline`) && safeRead(`/proc/${p}/cmdline`) === 'sleep\x00987654\x00');
    const deadline = Date.now() + 60_000; // by the clock: scanning /proc is slow on a loaded machine
    while (Date.now() < deadline && !(calls().some((l) => l.includes(' state ')) && sleeping().length)) await new Promise((r) => setTimeout(r, 100));
    expect(sleeping(), `buildah's calls so far:\n${calls().join('\n')}\n${stderr}`).toHaveLength(1);
    child.kill('SIGINT');
    // A build that does not end names what buildah asked of runj and said, rather than the test's timeout.
    const late = new Promise<string>((res) => setTimeout(() => res('still running 30 s after SIGINT'), 30_000).unref());
    const outcome = await Promise.race([exited, late]);
    if (typeof outcome === 'string') {
      child.kill('SIGKILL');
      for (const pid of sleeping()) process.kill(Number(pid), 'SIGKILL');
      expect.fail(`buildah ${outcome}; its calls:\n${calls().join('\n')}\nits stderr:\n${stderr}`);
    }
    expect(outcome).not.toBe(0);
    const id = (calls().find((l) => l.includes(' create ')) as string).split(' ').at(-1);
    expect(calls()).toContain(`--root=${root} kill ${id} SIGKILL`);
    expect(calls()).toContain(`--root=${root} delete ${id}`);
    expect(stderr).toContain('building at STEP "RUN sleep 987654"');
    expect(sleeping()).toEqual([]);
    expect(leftInRoot()).toEqual([]);
  });
});

function safeRead(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
