/**
 * Interop with containerd's own Go code (test/interop/shimpeer, containerd
 * 1.6 from Debian): its Task client against our ttrpc server, and its events
 * service receiving our Forward calls.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notExist } from '../../src/core/errors.js';
import * as ev from '../../src/shim/proto/events.js';
import type { MessageType } from '../../src/shim/proto/message.js';
import { TaskStatus } from '../../src/shim/proto/task.js';
import { timestamp } from '../../src/shim/proto/wkt.js';
import { EventPublisher } from '../../src/shim/publisher.js';
import { type TaskHandlers, registerTaskService } from '../../src/shim/taskApi.js';
import { TtrpcServer } from '../../src/shim/ttrpc/server.js';
import { shimPeer } from './shimpeer.js';

const run = promisify(execFile);
const EXITED_AT = timestamp(Date.UTC(2024, 0, 2, 3, 4, 5, 678));
let peer: string;
let dir: string;

beforeAll(() => {
  peer = shimPeer();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-interop-'));
}, 900_000);
afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** A canned Task service: one task "c1" that runs until killed. */
function cannedTask() {
  const seen: { method: string; namespace: string | undefined; req: unknown }[] = [];
  let exit: { exitStatus: number; exitedAt: typeof EXITED_AT } | undefined;
  const waiters: (() => void)[] = [];
  const lookup = (id: string) => {
    if (id !== 'c1' && id !== 'huge') throw notExist();
  };
  const handlers: TaskHandlers = {
    Create: (req, ctx) => {
      seen.push({ method: 'Create', namespace: ctx.namespace, req });
      return { pid: 4321 };
    },
    State: (req, ctx) => {
      seen.push({ method: 'State', namespace: ctx.namespace, req });
      lookup(req.id);
      if (req.id === 'huge') return { id: 'huge', bundle: 'x'.repeat(5 << 20) };
      const status = exit ? TaskStatus.STOPPED : TaskStatus.RUNNING;
      return { id: req.id, execId: req.execId, bundle: '/b/c1', pid: 4321, status, stdout: '/fifo/out', ...exit };
    },
    Wait: async (req) => {
      lookup(req.id);
      if (!exit) await new Promise<void>((resolve) => waiters.push(resolve));
      return exit!;
    },
    Kill: (req) => {
      lookup(req.id);
      exit = { exitStatus: 128 + req.signal, exitedAt: EXITED_AT };
      for (const w of waiters.splice(0)) w();
      return {};
    },
    Connect: () => ({ shimPid: process.pid, taskPid: 4321, version: '2' }),
  };
  return { handlers, seen };
}

describe("containerd's Task client against our ttrpc server", () => {
  // biome-ignore lint/suspicious/noExplicitAny: JSON printed by the Go peer
  let out: any;
  let seen: ReturnType<typeof cannedTask>['seen'];

  beforeAll(async () => {
    const task = cannedTask();
    seen = task.seen;
    const server = new TtrpcServer();
    registerTaskService(server, task.handlers);
    const sock = path.join(dir, 'task.sock');
    await server.listen(`unix://${sock}`);
    try {
      const { stdout } = await run(peer, ['client', sock], { timeout: 120_000, maxBuffer: 1 << 20 });
      out = JSON.parse(stdout);
    } finally {
      await server.close();
    }
  }, 180_000);

  it('Create and State carry every field and the namespace both ways', () => {
    expect(out.createErr).toBeNull();
    expect(out.create).toEqual({ pid: 4321 });
    const create = seen.find((s) => s.method === 'Create')!;
    expect(create.namespace).toBe('interop');
    expect(create.req).toMatchObject({
      id: 'c1',
      bundle: '/b/c1',
      stdout: '/fifo/out',
      rootfs: [
        { type: 'overlay', source: 'overlay', target: '', options: ['lowerdir=/l1:/l2', 'upperdir=/u', 'workdir=/w'] },
        { type: 'bind', source: '/src', target: '/dst', options: ['rbind', 'ro'] },
      ],
      options: { typeUrl: 'runtimeoptions.v1.Options', value: new Uint8Array([0x0a, 0x03, 0x61, 0x62, 0x63]) },
    });
    expect(out.stateErr).toBeNull();
    expect(out.state).toMatchObject({ id: 'c1', exec_id: 'e1', bundle: '/b/c1', pid: 4321, status: TaskStatus.RUNNING, stdout: '/fifo/out' });
  });

  it('a blocked Wait does not hold back State or Kill, and ends with the exit Kill caused', () => {
    expect(out.stateWhileWaiting).toBe(true);
    expect(out.waitReturnedEarly).toBe(false);
    expect(out.killErr).toBeNull();
    expect(out.waitErr).toBeNull();
    expect(out.waitEndedAfterKill).toBe(true);
    expect(out.wait).toEqual({ exit_status: 137, exited_at: '2024-01-02T03:04:05.678Z' });
  });

  it('errors reach containerd in their errdefs class', () => {
    expect(out.notFound).toMatchObject({ code: 5, notFound: true, containerd: 'container does not exist: not found' });
    expect(out.checkpoint).toMatchObject({ code: 12, notImplemented: true, message: 'Checkpoint is not implemented' });
    expect(out.unknownMethod).toMatchObject({ code: 12, notImplemented: true, message: 'method Frobnicate' });
    expect(out.unknownService).toMatchObject({ code: 12, notImplemented: true, message: 'service containerd.task.v9.Task' });
  });

  it('serves the v3 service name as well', () => {
    expect(out.v3StateErr).toBeNull();
    expect(out.v3State).toMatchObject({ id: 'c1', pid: 4321, status: TaskStatus.STOPPED, exit_status: 137 });
  });

  it('refuses messages past 4 MiB with ResourceExhausted and keeps the connection', () => {
    expect(out.oversizedRequest).toMatchObject({ code: 8, message: expect.stringMatching(/exceed maximum message size of 4194304/) });
    expect(out.stateAfterOversized).toBe(true);
    expect(out.oversizedResponse).toMatchObject({ code: 8 });
    expect(out.connect).toEqual({ shim_pid: process.pid, task_pid: 4321, version: '2' });
  });
});

describe("our events reach containerd's events service", () => {
  let child: ChildProcess | undefined;
  afterAll(() => child?.kill());

  it('in publish order, with topic, namespace and the decoded event', async () => {
    const sock = path.join(dir, 'events.sock');
    // biome-ignore lint/suspicious/noExplicitAny: a table of every event type
    const events: [MessageType<any>, object][] = [
      [ev.TaskCreate, { containerId: 'c1', bundle: '/b/c1', pid: 4321, io: { stdout: '/o' }, rootfs: [{ type: 'bind', source: '/s' }] }],
      [ev.TaskStart, { containerId: 'c1', pid: 4321 }],
      [ev.TaskExecAdded, { containerId: 'c1', execId: 'e1' }],
      [ev.TaskExecStarted, { containerId: 'c1', execId: 'e1', pid: 77 }],
      [ev.TaskExit, { containerId: 'c1', id: 'e1', pid: 77, exitStatus: 1, exitedAt: EXITED_AT }],
      [ev.TaskPaused, { containerId: 'c1' }],
      [ev.TaskResumed, { containerId: 'c1' }],
      [ev.TaskOOM, { containerId: 'c1' }],
      [ev.TaskExit, { containerId: 'c1', id: 'c1', pid: 4321, exitStatus: 137, exitedAt: EXITED_AT }],
      [ev.TaskDelete, { containerId: 'c1', pid: 4321, exitStatus: 137, exitedAt: EXITED_AT }],
    ];
    child = spawn(peer, ['events', sock, String(events.length)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    expect((await lines.next()).value).toBe('"ready"');
    const publisher = new EventPublisher({ address: `unix://${sock}`, namespace: 'k8s.io', now: () => 1_700_000_000_500 });
    // Published without waiting in between: the publisher must keep the order.
    const sent = events.map(([type, e]) => publisher.publish(type, e as never));
    await Promise.all(sent);
    publisher.close();
    const got = [];
    for (let i = 0; i < events.length; i++) got.push(JSON.parse((await lines.next()).value as string));
    expect(got.map((g) => g.topic)).toEqual(events.map(([type]) => ev.TOPICS[type.name]));
    for (const g of got) {
      expect(g).toMatchObject({ namespace: 'k8s.io', ctxNamespace: 'k8s.io', timestamp: '2023-11-14T22:13:20.5Z' });
      expect(g.decodeError).toBeUndefined();
    }
    expect(got.map((g) => g.typeUrl)).toEqual(events.map(([type]) => type.name));
    expect(got[0].event).toMatchObject({ container_id: 'c1', bundle: '/b/c1', pid: 4321, io: { stdout: '/o' }, rootfs: [{ type: 'bind', source: '/s' }] });
    expect(got[3].event).toEqual({ container_id: 'c1', exec_id: 'e1', pid: 77 });
    expect(got[8].event).toEqual({ container_id: 'c1', id: 'c1', pid: 4321, exit_status: 137, exited_at: '2024-01-02T03:04:05.678Z' });
    expect(got[9].event).toMatchObject({ container_id: 'c1', pid: 4321, exit_status: 137, exited_at: '2024-01-02T03:04:05.678Z' });
  }, 60_000);
});
