import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RuntimeError, alreadyExists, invalid, notExist, notRunning, unsupported } from '../../../src/core/errors.js';
import { KillRequest, StateRequest, StateResponse } from '../../../src/shim/proto/task.js';
import { Request, Response } from '../../../src/shim/proto/ttrpc.js';
import { Empty } from '../../../src/shim/proto/wkt.js';
import { socketPath } from '../../../src/shim/ttrpc/address.js';
import { TtrpcClient } from '../../../src/shim/ttrpc/client.js';
import { FLAG_REMOTE_OPEN, FrameDecoder, MAX_MESSAGE, TYPE_DATA, TYPE_REQUEST, encodeFrame } from '../../../src/shim/ttrpc/frame.js';
import { TtrpcServer } from '../../../src/shim/ttrpc/server.js';
import { type CallContext, method } from '../../../src/shim/ttrpc/service.js';
import { Code, StatusError } from '../../../src/shim/ttrpc/status.js';

const SVC = 'test.v1.Svc';
let dir: string;
let sock: string;
let server: TtrpcServer;
let client: TtrpcClient;
let seen: CallContext[];
let release: (() => void) | undefined;
let failWith: unknown;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-ttrpc-'));
  sock = path.join(dir, 's.sock');
  seen = [];
  server = new TtrpcServer().register(SVC, {
    Echo: method(StateRequest, StateResponse, (req, ctx) => {
      seen.push(ctx);
      if (failWith) throw failWith;
      return { id: req.id, execId: req.execId, pid: 42 };
    }),
    Block: method(StateRequest, Empty, (_req, ctx) => {
      seen.push(ctx);
      return new Promise((resolve, reject) => {
        release = () => resolve({});
        ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason));
      });
    }),
    Huge: method(StateRequest, StateResponse, () => ({ bundle: 'x'.repeat(MAX_MESSAGE) })),
    Wrong: method(StateRequest, StateResponse, () => ({ pid: -1 })),
  });
  await server.listen(`unix://${sock}`);
  client = await TtrpcClient.connect(sock);
  failWith = undefined;
});

afterEach(async () => {
  client.close();
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const echo = (id: string, options = {}) => client.call(SVC, 'Echo', StateRequest, { id }, StateResponse, options);
const rejection = async (p: Promise<unknown>): Promise<StatusError> => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StatusError);
  return err as StatusError;
};

/** Sends raw frames on a fresh connection and collects the Responses by stream id. */
async function raw(frames: Buffer[], expect: number): Promise<Map<number, ReturnType<typeof Response.decode>>> {
  const s = net.connect(sock);
  const out = new Map<number, ReturnType<typeof Response.decode>>();
  const decoder = new FrameDecoder();
  await new Promise<void>((resolve, reject) => {
    s.on('data', (chunk) => {
      for (const f of decoder.push(chunk)) if (!f.oversized) out.set(f.streamId, Response.decode(f.payload));
      if (out.size >= expect) resolve();
    });
    s.on('error', reject);
    for (const f of frames) s.write(f);
  });
  s.destroy();
  return out;
}
const req = (service: string, methodName: string, payload: Uint8Array = new Uint8Array(0)) =>
  Request.encode({ service, method: methodName, payload });

describe('ttrpc server and client', () => {
  it('answers a unary call and passes the namespace and metadata', async () => {
    const res = await echo('c1', { namespace: 'ns1', metadata: { k: 'v' }, timeoutMs: 5000 });
    expect(res).toMatchObject({ id: 'c1', pid: 42 });
    expect(seen[0]!.namespace).toBe('ns1');
    expect([...seen[0]!.metadata]).toEqual([
      ['k', ['v']],
      ['containerd-namespace-ttrpc', ['ns1']],
    ]);
    expect(seen[0]!.method).toBe('Echo');
  });

  it('serves other calls while one blocks, on the same connection', async () => {
    const blocked = client.call(SVC, 'Block', StateRequest, { id: 'w' }, Empty);
    let blockedDone = false;
    void blocked.then(() => (blockedDone = true));
    const answers = await Promise.all([echo('a'), echo('b'), echo('c')]);
    expect(answers.map((a) => a.id)).toEqual(['a', 'b', 'c']);
    expect(blockedDone).toBe(false);
    release!();
    await expect(blocked).resolves.toEqual({});
  });

  it('answers Unimplemented for unknown services and methods, with ttrpc wording', async () => {
    const m = await rejection(client.call(SVC, 'Nope', StateRequest, {}, Empty));
    expect([m.code, m.message]).toEqual([Code.Unimplemented, 'method Nope']);
    const s = await rejection(client.call('other.Svc', 'Echo', StateRequest, {}, Empty));
    expect([s.code, s.message]).toEqual([Code.Unimplemented, 'service other.Svc']);
    const proto = await rejection(client.call(SVC, 'hasOwnProperty', StateRequest, {}, Empty));
    expect(proto.code).toBe(Code.Unimplemented);
  });

  it.each([
    [notExist(), Code.NotFound],
    [alreadyExists(), Code.AlreadyExists],
    [notRunning(), Code.FailedPrecondition],
    [new RuntimeError('EBADSTATE', 'cannot pause a stopped container'), Code.FailedPrecondition],
    [invalid('bad signal'), Code.InvalidArgument],
    [unsupported('checkpoint'), Code.Unimplemented],
    [new RuntimeError('ELOCKED', 'locked'), Code.Unavailable],
    [new RuntimeError('EHELPER', 'helper died'), Code.Unknown],
    [new StatusError(Code.PermissionDenied, 'no'), Code.PermissionDenied],
    [new Error('plain'), Code.Unknown],
  ])('maps %s to its gRPC code', async (err, code) => {
    failWith = err;
    const got = await rejection(echo('x'));
    expect([got.code, got.message]).toEqual([code, (err as Error).message]);
  });

  it('answers Internal when a handler returns what its message type cannot hold', async () => {
    const err = await rejection(client.call(SVC, 'Wrong', StateRequest, {}, StateResponse));
    expect([err.code, err.message]).toEqual([Code.Internal, 'Wrong response: protobuf: containerd.task.v2.StateResponse.pid: -1 out of uint32 range']);
  });

  it('aborts the handler when the caller times out or goes away', async () => {
    const timedOut = await rejection(client.call(SVC, 'Block', StateRequest, {}, Empty, { timeoutMs: 100 }));
    expect(timedOut.code).toBe(Code.DeadlineExceeded);
    await expect.poll(() => seen[0]?.signal.aborted).toBe(true);
    const pending = client.call(SVC, 'Block', StateRequest, {}, Empty);
    await expect.poll(() => seen.length).toBe(2);
    client.close();
    expect((await rejection(pending)).code).toBe(Code.Unavailable);
    await expect.poll(() => seen[1]!.signal.aborted).toBe(true);
    expect((await rejection(echo('after'))).code).toBe(Code.Unavailable);
  });

  it('answers ResourceExhausted for a response past 4 MiB and for a request it will not send', async () => {
    const huge = await rejection(client.call(SVC, 'Huge', StateRequest, {}, StateResponse));
    expect(huge.code).toBe(Code.ResourceExhausted);
    const big = await rejection(client.call(SVC, 'Echo', StateRequest, { id: 'x'.repeat(MAX_MESSAGE) }, StateResponse));
    expect(big.code).toBe(Code.ResourceExhausted);
    expect((await echo('still')).id).toBe('still');
  });

  it('refuses bad frames stream by stream and keeps the connection', async () => {
    const oversized = Buffer.alloc(10 + MAX_MESSAGE + 1);
    oversized.writeUInt32BE(MAX_MESSAGE + 1, 0);
    oversized.writeUInt32BE(3, 4);
    oversized[8] = TYPE_REQUEST;
    const echoReq = req(SVC, 'Echo', StateRequest.encode({ id: 'ok' }));
    const got = await raw(
      [
        encodeFrame(2, TYPE_REQUEST, echoReq),
        oversized,
        encodeFrame(5, TYPE_REQUEST, Buffer.from([0x0a, 0x05, 0x61])),
        encodeFrame(7, TYPE_DATA, Buffer.from('ignored')),
        encodeFrame(9, TYPE_REQUEST, echoReq, FLAG_REMOTE_OPEN),
        encodeFrame(11, TYPE_REQUEST, req(SVC, 'Echo', Buffer.from([0x10, 0x01]))),
        encodeFrame(13, TYPE_REQUEST, echoReq),
      ],
      6,
    );
    expect(got.get(2)?.status).toMatchObject({ code: Code.InvalidArgument, message: 'StreamID must be odd for client initiated streams' });
    expect(got.get(3)?.status?.code).toBe(Code.ResourceExhausted);
    expect(got.get(5)?.status).toMatchObject({ code: Code.InvalidArgument, message: expect.stringMatching(/^unmarshal request error: protobuf/) });
    expect(got.has(7)).toBe(false);
    expect(got.get(9)?.status?.code).toBe(Code.Unimplemented);
    expect(got.get(11)?.status).toMatchObject({ code: Code.InvalidArgument, message: expect.stringMatching(/^Echo: protobuf: .*StateRequest\.execId: wire type 0/) });
    expect(StateResponse.decode(got.get(13)!.payload).id).toBe('ok');
  });

  it('sends odd, increasing stream ids', async () => {
    const ids: number[] = [];
    const s2 = new TtrpcServer();
    const spy = path.join(dir, 'spy.sock');
    const listener = net.createServer((c) => {
      const d = new FrameDecoder();
      c.on('data', (chunk) => {
        for (const f of d.push(chunk)) if (!f.oversized) ids.push(f.streamId);
      });
      s2.serve(c);
    });
    s2.register(SVC, { Kill: method(KillRequest, Empty, () => ({})) });
    await new Promise<void>((r) => listener.listen(spy, r));
    const c = await TtrpcClient.connect(spy);
    for (let i = 0; i < 3; i++) await c.call(SVC, 'Kill', KillRequest, {}, Empty);
    c.close();
    listener.close();
    expect(ids).toEqual([1, 3, 5]);
  });
});

describe('socket addresses', () => {
  it('accepts paths, unix:// and abstract names', () => {
    expect(socketPath('unix:///run/containerd/s/abc')).toBe('/run/containerd/s/abc');
    expect(socketPath('/run/x.sock')).toBe('/run/x.sock');
    expect(socketPath('@containerd-shim/x')).toBe('\0containerd-shim/x');
    expect(() => socketPath('unix://')).toThrow(/names no path/);
  });

  it.runIf(process.platform === 'linux')('serves on an abstract socket on Linux', async () => {
    const name = `@runj-ttrpc-test-${process.pid}`;
    const s = new TtrpcServer().register(SVC, { Echo: method(StateRequest, StateResponse, (r) => ({ id: r.id })) });
    await s.listen(name);
    const c = await TtrpcClient.connect(`unix://${name}`);
    expect((await c.call(SVC, 'Echo', StateRequest, { id: 'abs' }, StateResponse)).id).toBe('abs');
    c.close();
    await s.close();
  });
});
