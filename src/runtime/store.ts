/**
 * The state store: <root>/<id>/state.json, written atomically (temp file +
 * rename) so a reader never sees half a document. `state` and `list` read it
 * without a lock; every operation that changes it holds the container lock.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Hook, Process } from '../plan/spec.js';
import { alreadyExists, isErrno, notExist, systemError, RuntimeError } from './errors.js';
import type { Status } from './status.js';

export interface ContainerRecord {
  ociVersion: string;
  id: string;
  pid: number;
  status: Status;
  bundle: string;
  rootfs: string;
  created: string;
  owner: string;
  annotations?: Record<string, string>;
  /** Process start time as the platform reports it: guards against pid reuse. */
  startTime?: string;
  platform: string;
  /** Backend data needed to tear the container down (jail id, mounts, namespaces). */
  sandbox?: Record<string, unknown>;
  /** Hooks that run after create returns (kept so a changed bundle cannot alter them). */
  hooks?: { poststart?: Hook[]; poststop?: Hook[] };
  /** What `exec` starts from: the config's process and the seccomp profile every process gets. */
  execDefaults?: { process: Process | undefined; seccomp: Record<string, unknown> | undefined };
}

export class Store {
  constructor(readonly root: string) {}

  dir(id: string): string {
    return path.join(this.root, id);
  }
  file(id: string, name: string): string {
    return path.join(this.root, id, name);
  }

  /** Creates the container directory; the atomic mkdir is the duplicate-id check. */
  createDir(id: string): string {
    try {
      fs.mkdirSync(this.root, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw systemError(`create root directory ${this.root}`, err);
    }
    const dir = this.dir(id);
    try {
      // 0711, as runc: a container init that dropped to another uid still reaches exec.fifo through its open directory.
      fs.mkdirSync(dir, { mode: 0o711 });
    } catch (err) {
      if (isErrno(err, 'EEXIST')) throw alreadyExists();
      throw systemError(`create state directory ${dir}`, err);
    }
    return dir;
  }

  exists(id: string): boolean {
    return fs.existsSync(this.dir(id));
  }

  load(id: string): ContainerRecord {
    let text: string;
    try {
      text = fs.readFileSync(this.file(id, 'state.json'), 'utf8');
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) throw notExist();
      throw systemError(`read state of ${id}`, err);
    }
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch {}
    const r = record as Partial<ContainerRecord> | null | undefined;
    // Valid JSON that is not a record (null, [], a string) would fail later as a TypeError.
    if (typeof r !== 'object' || r === null || Array.isArray(r) || typeof r.id !== 'string' || typeof r.status !== 'string') {
      throw new RuntimeError('ESYSTEM', `state of ${id} is corrupt: ${this.file(id, 'state.json')}`);
    }
    return r as ContainerRecord;
  }

  save(record: ContainerRecord): void {
    const target = this.file(record.id, 'state.json');
    const tmp = `${target}.${process.pid}.tmp`;
    try {
      fs.writeFileSync(tmp, JSON.stringify(record), { mode: 0o600 });
      fs.renameSync(tmp, target);
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      throw systemError(`write state of ${record.id}`, err);
    }
  }

  /** Removes the container directory and everything in it. */
  remove(id: string): void {
    try {
      fs.rmSync(this.dir(id), { recursive: true, force: true });
    } catch (err) {
      throw systemError(`remove state directory ${this.dir(id)}`, err);
    }
  }

  /** Ids of every container directory under the root (none when the root is missing). */
  ids(): string[] {
    try {
      return fs
        .readdirSync(this.root, { withFileTypes: true })
        .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
        .map((d) => d.name)
        .sort();
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return [];
      throw systemError(`read root directory ${this.root}`, err);
    }
  }
}

/** Writes a file atomically, as runc does for --pid-file. */
export function writeFileAtomic(file: string, content: string): void {
  const abs = path.resolve(file);
  const tmp = path.join(path.dirname(abs), `.${path.basename(abs)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(tmp, content, { mode: 0o644 });
    fs.renameSync(tmp, abs);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw systemError(`write ${abs}`, err);
  }
}
