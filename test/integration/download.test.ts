// `demo download` against a local HTTP server: checksum, failures, redirects.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { downloadBase } from '../../src/demo/download.js';
import { RuntimeError } from '../../src/core/errors.js';

const BODY = Buffer.alloc(3 * 1024 * 1024 + 17, 0);
for (let i = 0; i < BODY.length; i++) BODY[i] = (i * 31 + (i >> 10)) & 0xff;
const SHA = createHash('sha256').update(BODY).digest('hex');
const manifest = (sha: string) => `kernel.txz\t${'0'.repeat(64)}\t1\tkernel\t"Kernel"\ton\nbase.txz\t${sha}\t26000\tbase\t"Base system"\ton\n`;

/** Path -> response. Release directories: /good, /bad (wrong sum), /nobase (no entry), /missing (404 base.txz). */
const routes: Record<string, (res: http.ServerResponse) => void> = {
  '/good/MANIFEST': (res) => res.end(manifest(SHA)),
  '/good/base.txz': (res) => {
    res.writeHead(200, { 'content-length': BODY.length });
    res.end(BODY);
  },
  '/bad/MANIFEST': (res) => res.end(manifest('f'.repeat(64))),
  '/bad/base.txz': (res) => res.end(BODY),
  '/nobase/MANIFEST': (res) => res.end(`kernel.txz\t${SHA}\t1\tkernel\t"Kernel"\ton\n`),
  '/nobase/base.txz': (res) => res.end(BODY),
  '/missing/MANIFEST': (res) => res.end(manifest(SHA)),
  '/moved/MANIFEST': (res) => res.writeHead(302, { location: '/good/MANIFEST' }).end(),
  '/moved/base.txz': (res) => res.writeHead(301, { location: '/hop/1' }).end(),
  '/loop/MANIFEST': (res) => res.end(manifest(SHA)),
  '/loop/base.txz': (res) => res.writeHead(302, { location: '/loop/base.txz' }).end(),
  '/truncated/MANIFEST': (res) => res.end(manifest(SHA)),
  '/truncated/base.txz': (res) => {
    res.writeHead(200, { 'content-length': BODY.length });
    res.write(BODY.subarray(0, 1000), () => res.destroy());
  },
};
// /moved/base.txz: 5 redirects in all, the most followed.
for (let i = 1; i <= 4; i++) routes[`/hop/${i}`] = (res) => res.writeHead(307, { location: i < 4 ? `/hop/${i + 1}` : '/good/base.txz' }).end();

let server: http.Server;
let base: string;
let dir: string;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    const route = routes[req.url ?? ''];
    if (route) route(res);
    else res.writeHead(404, 'Not Found').end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-download-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function failure(url: string): Promise<RuntimeError> {
  const err = await downloadBase({ url, output: path.join(dir, 'base.txz') }).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(RuntimeError);
  expect(fs.readdirSync(dir)).toEqual([]); // no output, no partial file
  return err as RuntimeError;
}

describe('downloadBase', () => {
  it('downloads and verifies base.txz, reporting progress', async () => {
    const seen: [number, number | undefined][] = [];
    const output = path.join(dir, 'base.txz');
    const result = await downloadBase({ url: `${base}/good/`, output, onProgress: (n, t) => seen.push([n, t]) });
    expect(result).toEqual({ file: output, url: `${base}/good/base.txz`, sha256: SHA, bytes: BODY.length });
    expect(fs.readFileSync(output).equals(BODY)).toBe(true);
    expect(fs.readdirSync(dir)).toEqual(['base.txz']);
    expect(seen[0]).toEqual([0, BODY.length]);
    expect(seen.at(-1)).toEqual([BODY.length, BODY.length]);
  });
  it('replaces an existing output only after verifying', async () => {
    const output = path.join(dir, 'base.txz');
    fs.writeFileSync(output, 'old');
    await expect(downloadBase({ url: `${base}/bad`, output })).rejects.toThrow(/checksum mismatch/);
    expect(fs.readFileSync(output, 'utf8')).toBe('old');
    await downloadBase({ url: `${base}/good`, output });
    expect(fs.readFileSync(output).equals(BODY)).toBe(true);
  });
  it('fails on a checksum mismatch, naming both sums', async () => {
    const err = await failure(`${base}/bad`);
    expect(err.message).toBe(`checksum mismatch for ${base}/bad/base.txz: expected sha256 ${'f'.repeat(64)} (from ${base}/bad/MANIFEST), got ${SHA}`);
  });
  it('fails on HTTP 404, naming the URL', async () => {
    expect((await failure(`${base}/missing`)).message).toBe(`download ${base}/missing/base.txz: HTTP 404 Not Found`);
    expect((await failure(`${base}/nowhere`)).message).toBe(`download ${base}/nowhere/MANIFEST: HTTP 404 Not Found`);
  });
  it('fails when MANIFEST has no base.txz entry', async () => {
    expect((await failure(`${base}/nobase`)).message).toBe(`${base}/nobase/MANIFEST has no entry for base.txz`);
  });
  it('follows redirects, up to 5', async () => {
    const result = await downloadBase({ url: `${base}/moved`, output: path.join(dir, 'base.txz') });
    expect(result.sha256).toBe(SHA);
    fs.rmSync(result.file);
    expect((await failure(`${base}/loop`)).message).toBe(`download ${base}/loop/base.txz: more than 5 redirects`);
  });
  it('fails on a network error or a truncated body', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect((await failure(`http://127.0.0.1:${port}/x`)).message).toMatch(
      new RegExp(`^download http://127\\.0\\.0\\.1:${port}/x/MANIFEST: ECONNREFUSED`),
    );
    expect((await failure(`${base}/truncated`)).message).toMatch(new RegExp(`^download ${base}/truncated/base\\.txz to .*: `));
  });
});
