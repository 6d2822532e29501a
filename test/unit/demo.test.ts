// Run after `node build/compile-schemas.mjs` (validate.ts imports src/generated/validators.js).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { command as demo } from '../../src/cli/commands/demo.js';
import { command as specCommand } from '../../src/cli/commands/spec.js';
import { validateConfigDocument } from '../../src/plan/validate.js';
import { createContext } from '../../src/runtime/context.js';
import { archPath, hostArch, manifestSha256, releaseUrl } from '../../src/demo/download.js';
import { RuntimeError } from '../../src/core/errors.js';
import { progress } from '../../src/demo/progress.js';
import { DEMO_ARGS, freebsdSpec, linuxSpec, specFor, writeSpec } from '../../src/demo/specTemplate.js';
import { fplan, paramText } from './freebsdFixtures.js';

const ctx = await createContext({ root: '/nonexistent' });
let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-demo-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const readConfig = (): Record<string, unknown> => JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
async function codeOf(p: Promise<unknown>): Promise<string> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(RuntimeError);
  return (err as RuntimeError).code;
}

describe('freebsdSpec', () => {
  it('is a valid config the FreeBSD backend plans', () => {
    const spec = validateConfigDocument(freebsdSpec());
    expect(spec.ociVersion).toBe('1.3.0');
    expect(spec.root?.path).toBe('rootfs');
    expect(spec.process?.args).toEqual(DEMO_ARGS);
    expect(spec.mounts).toEqual([{ destination: '/dev', type: 'devfs', source: 'devfs', options: ['ruleset=4'] }]);
    expect(paramText(fplan(spec))).toEqual(
      expect.arrayContaining(['host=new', 'host.hostname=runj', 'ip4=inherit', 'sysvmsg=new', 'sysvsem=new', 'sysvshm=new', 'enforce_statfs=2']),
    );
  });
  it('specFor picks the template per platform', () => {
    expect(validateConfigDocument(specFor('freebsd')).freebsd?.jail?.host).toBe('new');
    expect(specFor('freebsd').process?.args).toEqual(['sh']);
    expect(specFor('linux')).toEqual(linuxSpec());
    expect(specFor().freebsd !== undefined).toBe(process.platform === 'freebsd');
  });
  it('writeSpec refuses to overwrite config.json', () => {
    writeSpec(dir, freebsdSpec());
    expect(() => writeSpec(dir, freebsdSpec())).toThrow(/config\.json exists\. Remove it first/);
  });
});

describe('demo and spec commands', () => {
  it('demo spec writes the FreeBSD example and refuses to overwrite it', async () => {
    await demo.run(ctx, { flags: {}, positionals: ['spec'], rest: ['-b', dir] });
    expect(readConfig()).toEqual(freebsdSpec());
    expect(await codeOf(demo.run(ctx, { flags: {}, positionals: ['spec'], rest: ['--bundle', dir] }))).toBe('EEXISTS');
  });
  it('usage errors: unknown or missing subcommand, stray flags and arguments', async () => {
    expect(await codeOf(demo.run(ctx, { flags: {}, positionals: ['bogus'], rest: [] }))).toBe('EUSAGE');
    expect(await codeOf(demo.run(ctx, { flags: {}, positionals: [], rest: [] }))).toBe('EUSAGE');
    expect(await codeOf(demo.run(ctx, { flags: {}, positionals: ['spec'], rest: ['--url', 'x'] }))).toBe('EUSAGE');
    expect(await codeOf(demo.run(ctx, { flags: {}, positionals: ['download'], rest: ['extra'] }))).toBe('EUSAGE');
    expect(await codeOf(demo.run(ctx, { flags: {}, positionals: ['download'], rest: ['--arch', 'vax'] }))).toBe('EINVALID');
  });
  it('spec --platform chooses the template', async () => {
    await specCommand.run(ctx, { flags: { bundle: dir, platform: 'freebsd' }, positionals: [], rest: [] });
    expect(readConfig()).toEqual(specFor('freebsd'));
    fs.rmSync(path.join(dir, 'config.json'));
    await specCommand.run(ctx, { flags: { bundle: dir, platform: 'linux' }, positionals: [], rest: [] });
    expect(readConfig()).toEqual(linuxSpec());
    expect(await codeOf(specCommand.run(ctx, { flags: { bundle: dir, platform: 'darwin' }, positionals: [], rest: [] }))).toBe('EUSAGE');
  });
});

describe('release URLs and MANIFEST', () => {
  it('maps architectures to release directories', () => {
    expect(releaseUrl('14.3-RELEASE', 'amd64')).toBe('https://download.freebsd.org/releases/amd64/14.3-RELEASE');
    expect(releaseUrl('14.3-RELEASE', 'arm64')).toBe('https://download.freebsd.org/releases/arm64/aarch64/14.3-RELEASE');
    expect(archPath('aarch64')).toBe('arm64/aarch64');
    expect(archPath('riscv/riscv64')).toBe('riscv/riscv64');
    expect(hostArch('x64')).toBe('amd64');
    expect(hostArch('arm64')).toBe('arm64');
    expect(() => hostArch('s390x')).toThrow(/pass --arch/);
    expect(() => archPath('../x')).toThrow(/unknown architecture/);
    expect(() => releaseUrl('14.3', 'amd64')).toThrow(/invalid FreeBSD version/);
  });
  it('reads base.txz from MANIFEST', () => {
    const sha = 'ab'.repeat(32);
    const manifest = `kernel.txz\t${'cd'.repeat(32)}\t10\tkernel\t"Kernel"\ton\nbase.txz\t${sha.toUpperCase()}\t30000\tbase\t"Base system"\ton\n`;
    expect(manifestSha256(manifest, 'base.txz')).toBe(sha);
    expect(manifestSha256(manifest, 'lib32.txz')).toBeUndefined();
    expect(manifestSha256('base.txz\tnot-a-sha\n', 'base.txz')).toBeUndefined();
  });
});

describe('progress', () => {
  const sink = (isTTY: boolean) => {
    const out: string[] = [];
    return { out, stream: { isTTY, columns: 80, write: (s: string) => out.push(s) } };
  };
  it('prints a line per 10% when not a terminal', () => {
    const { out, stream } = sink(false);
    const p = progress(stream, 'base.txz');
    for (let n = 0; n <= 100; n += 5) p.update(n * 1024 * 1024, 100 * 1024 * 1024);
    p.end(true);
    expect(out).toHaveLength(11);
    expect(out[10]).toBe('base.txz: 100% (100.0 of 100.0 MiB)\n');
  });
  it('redraws a bar on a terminal, throttled, and ends the line', () => {
    const { out, stream } = sink(true);
    let t = 0;
    const p = progress(stream, 'base.txz', () => t);
    p.update(0, 1000);
    p.update(500, 1000); // within 100 ms: skipped
    t = 200;
    p.update(500, 1000);
    p.end(false);
    expect(out).toHaveLength(3);
    expect(out[1]).toMatch(/^\rbase\.txz \[#+\.+\] {2}50% /);
    expect(out[2]).toBe('\n');
  });
});
