/** Bundles for unit tests: a config.json (valid unless the test says otherwise) and an empty rootfs. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export function baseConfig(): Record<string, unknown> {
  return {
    ociVersion: '1.3.0',
    root: { path: 'rootfs' },
    process: { args: ['/bin/true'], cwd: '/', user: { uid: 0, gid: 0 }, env: ['PATH=/bin'] },
    hostname: 'fake',
    mounts: [{ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid'] }],
  };
}

/** A bundle directory; `edit` changes the config before it is written. */
export function makeBundle(edit: (c: Record<string, unknown>) => void = () => {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-bundle-'));
  fs.mkdirSync(path.join(dir, 'rootfs'));
  const config = baseConfig();
  edit(config);
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

export const hook = (p: string, extra: Record<string, unknown> = {}) => ({ path: p, ...extra });
