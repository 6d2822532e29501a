/**
 * Our encodings against containerd's own Go code (test/interop/shimpeer
 * golden): every message must encode to the same bytes and decode back to the
 * same values. The values are typed again here, not read from Go, so a wrong
 * field number or kind on either side fails.
 */
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import * as ev from '../../../src/shim/proto/events.js';
import type { Init, MessageType } from '../../../src/shim/proto/message.js';
import * as o from '../../../src/shim/proto/options.js';
import * as t from '../../../src/shim/proto/task.js';
import { Request, Response } from '../../../src/shim/proto/ttrpc.js';
import { Empty, packAny, timestamp } from '../../../src/shim/proto/wkt.js';
import { shimPeer } from '../../interop/shimpeer.js';

const exitedAt = { seconds: 1700000000, nanos: 123456789 };
const mounts = [
  { type: 'overlay', source: 'overlay', options: ['lowerdir=/l1:/l2', 'upperdir=/u', 'workdir=/w'] },
  { type: 'bind', source: '/src', target: '/dst', options: ['rbind', 'ro'] },
];
const opts = { typeUrl: 'runtimeoptions.v1.Options', value: new Uint8Array([0x0a, 0x03, 0x61, 0x62, 0x63]) };
const spec = {
  typeUrl: 'types.containerd.io/opencontainers/runtime-spec/1/Process',
  value: new Uint8Array(Buffer.from('{"args":["sh"],"cwd":"/"}')),
};
const exit = { containerId: 'c1', id: 'c1', pid: 4321, exitStatus: 137, exitedAt };

// biome-ignore lint/suspicious/noExplicitAny: a table of every message type
const cases: [string, MessageType<any>, Init<any>][] = [
  ['StateRequest', t.StateRequest, { id: 'c1', execId: 'e1' }],
  ['StateResponse', t.StateResponse, { id: 'c1', bundle: '/run/bündle/c1', pid: 4321, status: t.TaskStatus.STOPPED, stdin: '/fifo/in', stdout: '/fifo/out', stderr: '/fifo/err', terminal: true, exitStatus: 137, exitedAt, execId: 'e1' }],
  // Go 1.6's non-nullable timestamps write the zero time.Time: year 1, a negative int64.
  ['StateResponseZero', t.StateResponse, { id: 'c1', pid: 7, status: t.TaskStatus.RUNNING, exitedAt: { seconds: -62135596800, nanos: 0 } }],
  ['CreateTaskRequest', t.CreateTaskRequest, { id: 'c1', bundle: '/b/c1', rootfs: mounts, terminal: true, stdin: '/fifo/in', stdout: '/fifo/out', stderr: '/fifo/err', checkpoint: '/ck', parentCheckpoint: '/pck', options: opts }],
  ['CreateTaskResponse', t.CreateTaskResponse, { pid: 300000 }],
  ['DeleteResponse', t.DeleteResponse, { pid: 4321, exitStatus: 2, exitedAt }],
  ['PidsResponse', t.PidsResponse, { processes: [{ pid: 1 }, { pid: 99, info: opts }] }],
  ['KillRequest', t.KillRequest, { id: 'c1', execId: 'e1', signal: 9, all: true }],
  ['ExecProcessRequest', t.ExecProcessRequest, { id: 'c1', execId: 'e1', terminal: true, stdin: '/i', stdout: '/o', stderr: '/e', spec }],
  ['ResizePtyRequest', t.ResizePtyRequest, { id: 'c1', execId: 'e1', width: 132, height: 43 }],
  ['CloseIORequest', t.CloseIORequest, { id: 'c1', execId: 'e1', stdin: true }],
  ['UpdateTaskRequest', t.UpdateTaskRequest, { id: 'c1', resources: spec, annotations: { k: 'v' } }],
  ['WaitResponse', t.WaitResponse, { exitStatus: 143, exitedAt }],
  ['StatsResponse', t.StatsResponse, { stats: opts }],
  ['ConnectResponse', t.ConnectResponse, { shimPid: 100, taskPid: 200, version: 'v2' }],
  ['ShutdownRequest', t.ShutdownRequest, { id: 'c1', now: true }],
  ['CheckpointTaskRequest', t.CheckpointTaskRequest, { id: 'c1', path: '/ck', options: opts }],
  ['PauseRequest', t.PauseRequest, { id: 'c1' }],
  ['Empty', Empty, {}],
  ['TaskCreate', ev.TaskCreate, { containerId: 'c1', bundle: '/b/c1', rootfs: mounts, io: { stdin: '/i', stdout: '/o', stderr: '/e', terminal: true }, checkpoint: '/ck', pid: 4321 }],
  ['TaskStart', ev.TaskStart, { containerId: 'c1', pid: 4321 }],
  ['TaskExit', ev.TaskExit, exit],
  ['TaskDelete', ev.TaskDelete, { containerId: 'c1', pid: 4321, exitStatus: 137, exitedAt, id: 'e1' }],
  ['TaskExecAdded', ev.TaskExecAdded, { containerId: 'c1', execId: 'e1' }],
  ['TaskExecStarted', ev.TaskExecStarted, { containerId: 'c1', execId: 'e1', pid: 77 }],
  ['TaskPaused', ev.TaskPaused, { containerId: 'c1' }],
  ['TaskResumed', ev.TaskResumed, { containerId: 'c1' }],
  ['TaskOOM', ev.TaskOOM, { containerId: 'c1' }],
  ['TaskCheckpointed', ev.TaskCheckpointed, { containerId: 'c1', checkpoint: '/ck' }],
  ['ForwardRequest', ev.ForwardRequest, { envelope: { timestamp: exitedAt, namespace: 'default', topic: ev.TOPICS[ev.TaskExit.name], event: packAny(ev.TaskExit, exit) } }],
  ['Request', Request, { service: 'containerd.task.v2.Task', method: 'State', payload: new Uint8Array([0x0a, 0x02, 0x63, 0x31]), timeoutNano: 10_000_000_000, metadata: [{ key: 'containerd-namespace-ttrpc', value: 'default' }, { key: 'k', value: 'v' }] }],
  ['ResponseError', Response, { status: { code: 5, message: 'container c1: not found' } }],
  ['ResponseOK', Response, { status: {}, payload: new Uint8Array([0x08, 0x01]) }],
  ['RuntimeOptions', o.RuntimeOptions, { typeUrl: 'io.containerd.runj.v1.options', configPath: '/etc/runj.toml' }],
  ['RuncOptions', o.RuncOptions, { noPivotRoot: true, noNewKeyring: true, shimCgroup: '/shim', ioUid: 1000, ioGid: 1001, binaryName: 'runj', root: '/run/runj', criuPath: '/criu', systemdCgroup: true, criuImagePath: '/img', criuWorkPath: '/work' }],
  ['ProcessDetails', o.ProcessDetails, { execId: 'e1' }],
  ['Platform', o.Platform, { os: 'freebsd', architecture: 'amd64', variant: 'v3' }],
];

describe('encodings match containerd 1.6 Go code', () => {
  let golden: Record<string, string>;
  beforeAll(() => {
    golden = JSON.parse(execFileSync(shimPeer(), ['golden'], { encoding: 'utf8' }));
  }, 900_000);

  it('covers every message Go printed', () => {
    expect(cases.map((c) => c[0]).sort()).toEqual(Object.keys(golden).sort());
  });

  it.each(cases)('%s encodes to the same bytes', (name, type, value) => {
    expect(Buffer.from(type.encode(value)).toString('hex')).toBe(golden[name]);
  });

  it.each(cases)('%s decodes from Go bytes to the same values', (name, type, value) => {
    const decoded = type.decode(Buffer.from(golden[name]!, 'hex'));
    expect(decoded).toEqual(type.create(value as never));
    expect(type.encode(decoded)).toEqual(type.encode(value));
  });

  it('the Forward envelope carries the event under its bare proto name', () => {
    const fwd = ev.ForwardRequest.decode(Buffer.from(golden['ForwardRequest']!, 'hex'));
    expect(fwd.envelope?.event?.typeUrl).toBe('containerd.events.TaskExit');
    expect(ev.TaskExit.decode(fwd.envelope!.event!.value)).toEqual(ev.TaskExit.create(exit));
    expect(timestamp(new Date(1700000000123))).toEqual({ seconds: 1700000000, nanos: 123000000 });
  });
});
