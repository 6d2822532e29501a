/**
 * `demo download`: fetches a FreeBSD release's base.txz and checks it against
 * the SHA-256 in the release's MANIFEST. The body goes to a temporary file
 * next to the output, renamed over it only once the checksum matches; any
 * failure removes the partial file. node:http(s) only; up to 5 redirects.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { RuntimeError, invalid, systemError } from '../core/errors.js';

export const DEFAULT_VERSION = '14.3-RELEASE';
export const RELEASES_URL = 'https://download.freebsd.org/releases';
const MAX_REDIRECTS = 5;
const IDLE_TIMEOUT_MS = 60_000;
const MAX_MANIFEST_BYTES = 1 << 20;

/** --arch values -> the release directory's MACHINE/ARCH path. */
const ARCH_PATHS: Record<string, string> = {
  amd64: 'amd64', arm64: 'arm64/aarch64', aarch64: 'arm64/aarch64', i386: 'i386', armv7: 'arm/armv7',
  riscv64: 'riscv/riscv64', powerpc64: 'powerpc/powerpc64', powerpc64le: 'powerpc/powerpc64le',
};
/** process.arch -> FreeBSD's name for it. */
const NODE_ARCHES: Record<string, string> = {
  x64: 'amd64', arm64: 'arm64', ia32: 'i386', arm: 'armv7', riscv64: 'riscv64',
  ppc64: os.endianness() === 'LE' ? 'powerpc64le' : 'powerpc64',
};

export function hostArch(nodeArch: string = process.arch): string {
  const arch = NODE_ARCHES[nodeArch];
  if (!arch) throw invalid(`FreeBSD has no release for this host's architecture "${nodeArch}"; pass --arch`);
  return arch;
}

/** The release URL's directory for an architecture: `arm64/aarch64` for arm64; a MACHINE/ARCH pair passes as is. */
export function archPath(arch: string): string {
  const p = ARCH_PATHS[arch] ?? (/^[a-z0-9]+\/[a-z0-9]+$/.test(arch) ? arch : undefined);
  if (!p) throw invalid(`unknown architecture "${arch}": use one of ${Object.keys(ARCH_PATHS).join(', ')} or MACHINE/ARCH`);
  return p;
}

/** https://download.freebsd.org/releases/<arch path>/<version>, which holds base.txz and MANIFEST. */
export function releaseUrl(version: string, arch: string): string {
  if (!/^[0-9]+\.[0-9]+(-[A-Za-z0-9]+)+$/.test(version)) throw invalid(`invalid FreeBSD version "${version}": expected e.g. ${DEFAULT_VERSION}`);
  return `${RELEASES_URL}/${archPath(arch)}/${version}`;
}

/** The SHA-256 MANIFEST lists for `name` (tab-separated: name, sha256, count, set, description, default). */
export function manifestSha256(manifest: string, name: string): string | undefined {
  for (const line of manifest.split(/\r?\n/)) {
    const [file, sha] = line.split('\t');
    if (file === name && sha !== undefined && /^[0-9a-fA-F]{64}$/.test(sha)) return sha.toLowerCase();
  }
  return undefined;
}

function get(url: URL): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    const req = client.get(url, { headers: { 'user-agent': 'runj' } }, resolve);
    req.setTimeout(IDLE_TIMEOUT_MS, () => req.destroy(new Error(`no data for ${IDLE_TIMEOUT_MS / 1000}s`)));
    req.on('error', reject);
  });
}

/** new URL() that fails with the URL named instead of a bare TypeError. */
function parseUrl(text: string, base: URL | undefined, what: string): URL {
  try {
    return new URL(text, base);
  } catch {
    throw new RuntimeError('EINVALID', `download ${what}: "${text}" is not a valid URL`);
  }
}

/** GETs `url`, following redirects; resolves with a 200 response, else a RuntimeError naming the URL. */
async function open(url: string): Promise<http.IncomingMessage> {
  let at = parseUrl(url, undefined, url);
  const where = () => (at.href === url ? url : `${url} (redirected to ${at.href})`);
  for (let hops = 0; ; hops++) {
    if (at.protocol !== 'http:' && at.protocol !== 'https:') throw new RuntimeError('ESYSTEM', `download ${where()}: not an http(s) URL`);
    let res: http.IncomingMessage;
    try {
      res = await get(at);
    } catch (err) {
      throw systemError(`download ${where()}`, err);
    }
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (status === 200) return res;
    res.resume();
    if (status >= 300 && status < 400 && location) {
      if (hops >= MAX_REDIRECTS) throw new RuntimeError('ESYSTEM', `download ${where()}: more than ${MAX_REDIRECTS} redirects`);
      at = parseUrl(location, at, where());
      continue;
    }
    throw new RuntimeError('ESYSTEM', `download ${where()}: HTTP ${status} ${res.statusMessage ?? ''}`.trimEnd(), { url: at.href, status });
  }
}

async function fetchText(url: string): Promise<string> {
  const res = await open(url);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      if ((size += chunk.length) > MAX_MANIFEST_BYTES) throw new RuntimeError('ESYSTEM', `download ${url}: larger than ${MAX_MANIFEST_BYTES} bytes`);
      chunks.push(chunk);
    }
  } catch (err) {
    res.destroy();
    throw err instanceof RuntimeError ? err : systemError(`download ${url}`, err);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export interface DownloadOptions {
  /** The release directory URL: base.txz and MANIFEST are fetched from under it. */
  url: string;
  output: string;
  onProgress?: (received: number, total: number | undefined) => void;
}

export interface DownloadResult {
  file: string;
  url: string;
  sha256: string;
  bytes: number;
}

/** Downloads <url>/base.txz to `output` once its SHA-256 matches <url>/MANIFEST's entry. */
export async function downloadBase(opts: DownloadOptions): Promise<DownloadResult> {
  const dir = opts.url.replace(/\/+$/, '');
  const url = `${dir}/base.txz`;
  const manifestUrl = `${dir}/MANIFEST`;
  const expected = manifestSha256(await fetchText(manifestUrl), 'base.txz');
  if (!expected) throw new RuntimeError('ESYSTEM', `${manifestUrl} has no entry for base.txz`, { url: manifestUrl });
  const file = path.resolve(opts.output);
  const partial = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.partial`);
  try {
    const res = await open(url);
    // Opened now, not lazily by the stream: a failure must find the file to remove.
    const out = fs.createWriteStream('', { fd: fs.openSync(partial, 'wx', 0o644) });
    const total = Number(res.headers['content-length']) || undefined;
    const hash = createHash('sha256');
    let received = 0;
    opts.onProgress?.(0, total);
    await pipeline(
      res,
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          hash.update(chunk);
          opts.onProgress?.((received += chunk.length), total);
          yield chunk;
        }
      },
      out,
    );
    const actual = hash.digest('hex');
    if (actual !== expected) {
      throw new RuntimeError('ESYSTEM', `checksum mismatch for ${url}: expected sha256 ${expected} (from ${manifestUrl}), got ${actual}`, {
        expected,
        actual,
      });
    }
    fs.renameSync(partial, file);
    return { file, url, sha256: actual, bytes: received };
  } catch (err) {
    fs.rmSync(partial, { force: true });
    throw err instanceof RuntimeError ? err : systemError(`download ${url} to ${file}`, err);
  }
}
