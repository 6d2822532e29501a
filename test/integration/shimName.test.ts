/**
 * The names containerd finds the shim by, under unmodified containerd 1.6
 * (Debian's): it turns a runtime name into `containerd-shim-<the last two
 * dot-separated parts>` and looks that up on its PATH, so FreeBSD's default
 * runtime name wtf.sbk.runj.v1 and io.containerd.runj.v1 both start the
 * binary `make install` puts there as containerd-shim-runj-v1 (a link to
 * dist/containerd-shim-runj-v1.cjs).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Containerd, IMAGE, SHIM, haveContainerd, startContainerd } from './containerd.js';
import { isRoot, waitFor } from './harness.js';


describe.skipIf(!isRoot || !haveContainerd())('runtime names → containerd-shim-runj-v1 on PATH', () => {
  let c: Containerd;
  let bin: string;
  const savedPath = process.env.PATH;
  beforeAll(async () => {
    // As `make install` links it; containerd inherits this PATH.
    bin = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-bin-'));
    fs.symlinkSync(SHIM, path.join(bin, 'containerd-shim-runj-v1'));
    process.env.PATH = `${bin}:${savedPath}`;
    c = await startContainerd();
  });
  afterAll(async () => {
    await c?.stop();
    process.env.PATH = savedPath;
    fs.rmSync(bin, { recursive: true, force: true });
  });

  it.each(['wtf.sbk.runj.v1', 'io.containerd.runj.v1'])('ctr run --runtime %s runs the container through it', async (runtime) => {
    const id = runtime.split('.')[0] as string;
    const r = c.ctr(['run', '--rm', '--runtime', runtime, IMAGE, id, 'sh', '-c', 'echo hello via the runtime name; exit 3']);
    expect(r.stdout).toContain('hello via the runtime name');
    expect(r.status).toBe(3);
    await waitFor(() => c.shims().length === 0, 10_000);
  });

  it('another version is another binary name, which is not installed', () => {
    const r = c.ctr(['run', '--rm', '--runtime', 'wtf.sbk.runj.v2', IMAGE, 'v2', 'true']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('"containerd-shim-runj-v2"');
    c.ctr(['containers', 'rm', 'v2']);
  });
});
