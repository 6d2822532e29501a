/**
 * The Task handlers over the fake runtime (test/unit/fakes) for the exec and
 * terminal tests: every published event, the stdio each process was given,
 * and the fake helpers with their relaying parent halves in the container.
 */
import * as fs from 'node:fs';
import { type TaskDeps, taskHandlers } from '../../../src/shim/handlers.js';
import { PROCESS_TYPE_URL } from '../../../src/shim/execs.js';
import type { Any } from '../../../src/shim/proto/wkt.js';
import type { OpenStdio, StdioPaths } from '../../../src/shim/stdio.js';
import type { CallContext } from '../../../src/shim/ttrpc/service.js';
import { toStatus, unimplemented } from '../../../src/shim/ttrpc/status.js';
import { makeBundle } from '../fakes/bundle.js';
import { FakeHost } from '../fakes/host.js';

export const call = {} as CallContext;
export const ids = (id: string, execId = '') => ({ id, execId });
/** The status a handler fails with (as the ttrpc server answers it), thrown at once or as a rejection. */
export const err = (f: () => unknown) => Promise.resolve().then(f).then(() => undefined, (e: unknown) => toStatus(e));

export function processSpec(p: Record<string, unknown> = {}, typeUrl = PROCESS_TYPE_URL): Any {
  const doc = { args: ['sh', '-c', 'exit 3'], cwd: '/', user: { uid: 0, gid: 0 }, env: ['PATH=/bin'], ...p };
  return { typeUrl, value: Buffer.from(JSON.stringify(doc)) };
}

export async function shimFixture(config: (c: Record<string, unknown>) => void = () => {}) {
  const host = new FakeHost();
  host.relayHalves = true;
  const ctx = await host.context();
  const log: string[] = [];
  const stdio: { io: StdioPaths; stdin: string[] }[] = [];
  const open = (io: StdioPaths): OpenStdio => {
    // A URI the fake cannot open, as a logger that fails would be refused.
    for (const uri of [io.stdin, io.stdout, io.stderr]) if (uri.includes('://')) throw unimplemented(`${uri}: only fifo paths are supported`);
    const s = { io, stdin: [] as string[] };
    stdio.push(s);
    return { fds: [0, 1, 2], attach() {}, release() {}, started: () => void s.stdin.push('started'), closeStdin: () => void s.stdin.push('closed'), close: async () => void s.stdin.push('all closed') };
  };
  const deps: TaskDeps = {
    ctx,
    publish: (type, event) => log.push(`${type.name.replace('containerd.events.', '')} ${JSON.stringify({ ...event, exitedAt: undefined })}`),
    spawnHelper: (n) => host.spawnHelper(n),
    shutdown: () => {},
    mount: async () => {},
    unmount: async () => {},
    open,
  };
  const bundle = makeBundle(config);
  const h = taskHandlers(deps);
  const create = (terminal = false, id = 'c1') =>
    h.Create!({ id, bundle, rootfs: [], terminal, stdin: '', stdout: '/f/out', stderr: terminal ? '' : '/f/err', checkpoint: '', parentCheckpoint: '', options: undefined }, call);
  const exec = (execId: string, over: { terminal?: boolean; spec?: Any | undefined; stdin?: string; stdout?: string } = {}) =>
    h.Exec!({ id: 'c1', execId, terminal: over.terminal ?? false, stdin: over.stdin ?? '', stdout: over.stdout ?? `/f/${execId}.out`, stderr: '', spec: 'spec' in over ? over.spec : processSpec() }, call);
  /** Event names, in the order published. */
  const events = () => log.map((l) => l.split(' ')[0]);
  const cleanup = () => {
    for (const d of [bundle, host.root]) fs.rmSync(d, { recursive: true, force: true });
  };
  return { host, ctx, h, log, stdio, create, exec, events, cleanup };
}
