import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RuntimeError } from '../../../src/core/errors.js';
import { EVENTS_SERVICE, ForwardRequest, TaskExit, TaskStart } from '../../../src/shim/proto/events.js';
import { StateRequest } from '../../../src/shim/proto/task.js';
import { Any, Empty, unpackAny } from '../../../src/shim/proto/wkt.js';
import { EventPublisher } from '../../../src/shim/publisher.js';
import { TtrpcServer } from '../../../src/shim/ttrpc/server.js';
import { method } from '../../../src/shim/ttrpc/service.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function eventsServer(sock: string, got: { topic: string; pid: number; ns?: string }[], delayFirst = 0) {
  const server = new TtrpcServer().register(EVENTS_SERVICE, {
    Forward: method(ForwardRequest, Empty, async (req, ctx) => {
      const env = req.envelope!;
      if (delayFirst && got.length === 0) await new Promise((r) => setTimeout(r, delayFirst));
      const pid = env.topic === '/tasks/exit' ? unpackAny(TaskExit, env.event!).pid : unpackAny(TaskStart, env.event!).pid;
      got.push({ topic: env.topic, pid, ns: ctx.namespace });
      return {};
    }),
  });
  await server.listen(sock);
  return server;
}

describe('event publisher', () => {
  it('delivers in publish order even when the first Forward is slow', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-pub-'));
    dirs.push(dir);
    const got: { topic: string; pid: number; ns?: string }[] = [];
    const server = await eventsServer(path.join(dir, 'e.sock'), got, 200);
    const pub = new EventPublisher({ address: path.join(dir, 'e.sock'), namespace: 'ns' });
    await Promise.all([pub.publish(TaskStart, { pid: 1 }), pub.publish(TaskExit, { pid: 2 }), pub.publish(TaskStart, { pid: 3 })]);
    expect(got).toEqual([
      { topic: '/tasks/start', pid: 1, ns: 'ns' },
      { topic: '/tasks/exit', pid: 2, ns: 'ns' },
      { topic: '/tasks/start', pid: 3, ns: 'ns' },
    ]);
    pub.close();
    await server.close();
  });

  it('reconnects once after containerd restarts, and reports when it is gone', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-pub-'));
    dirs.push(dir);
    const sock = path.join(dir, 'e.sock');
    const got: { topic: string; pid: number }[] = [];
    let server = await eventsServer(sock, got);
    const pub = new EventPublisher({ address: sock, namespace: 'ns' });
    await pub.publish(TaskStart, { pid: 1 });
    await server.close();
    server = await eventsServer(sock, got);
    await pub.publish(TaskStart, { pid: 2 });
    expect(got.map((g) => g.pid)).toEqual([1, 2]);
    await server.close();
    const err = await pub.publish(TaskStart, { pid: 3 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RuntimeError);
    expect((err as RuntimeError).message).toMatch(/^connect to .*e\.sock: ENOENT/);
    // A failure does not stall the queue.
    server = await eventsServer(sock, got);
    await pub.publish(TaskStart, { pid: 4 });
    expect(got.map((g) => g.pid)).toEqual([1, 2, 4]);
    pub.close();
    await server.close();
  });

  it('refuses a message that is not a task event', async () => {
    const pub = new EventPublisher({ address: '/nonexistent', namespace: 'ns' });
    await expect(pub.publish(StateRequest, {})).rejects.toThrow('containerd.task.v2.StateRequest is not a task event');
  });

  it('falls back to the publish binary, in order, when containerd ttrpc is unreachable', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-pub-'));
    dirs.push(dir);
    const bin = fakePublishBinary(dir);
    const pub = new EventPublisher({ address: path.join(dir, 'absent.sock'), namespace: 'ns1', publishBinary: bin, grpcAddress: '/run/c.sock' });
    await Promise.all([pub.publish(TaskStart, { containerId: 'c1', pid: 1 }), pub.publish(TaskExit, { containerId: 'c1', pid: 1, exitStatus: 137 })]);
    const calls = fs.readFileSync(path.join(dir, 'calls'), 'utf8').trim().split('\n');
    expect(calls).toEqual(['--address /run/c.sock publish --topic /tasks/start --namespace ns1', '--address /run/c.sock publish --topic /tasks/exit --namespace ns1']);
    const start = Any.decode(fs.readFileSync(path.join(dir, 'stdin.1')));
    const exit = Any.decode(fs.readFileSync(path.join(dir, 'stdin.2')));
    expect(start.typeUrl).toBe('containerd.events.TaskStart');
    expect(unpackAny(TaskStart, start)).toEqual(TaskStart.create({ containerId: 'c1', pid: 1 }));
    expect(unpackAny(TaskExit, exit).exitStatus).toBe(137);
    pub.close();
  });

  it('uses ttrpc when it answers, and reports a failing publish binary with its stderr', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-pub-'));
    dirs.push(dir);
    const bin = fakePublishBinary(dir);
    const got: { topic: string; pid: number }[] = [];
    const server = await eventsServer(path.join(dir, 'e.sock'), got);
    const pub = new EventPublisher({ address: path.join(dir, 'e.sock'), namespace: 'ns', publishBinary: bin, grpcAddress: '/g' });
    await pub.publish(TaskStart, { pid: 5 });
    expect(got.map((g) => g.pid)).toEqual([5]);
    expect(fs.existsSync(path.join(dir, 'calls'))).toBe(false);
    pub.close();
    await server.close();
    const failing = path.join(dir, 'failing');
    fs.writeFileSync(failing, '#!/bin/sh\ncat >/dev/null; echo "containerd: connection refused" >&2; exit 1\n', { mode: 0o755 });
    const down = new EventPublisher({ address: path.join(dir, 'e.sock'), namespace: 'ns', publishBinary: failing, grpcAddress: '/g' });
    await expect(down.publish(TaskStart, { pid: 6 })).rejects.toThrow(`publishing through ${failing}: exit status 1: containerd: connection refused`);
  });
});

/** A stand-in for `containerd publish`: records each call's argv and stdin, numbered in call order. */
function fakePublishBinary(dir: string): string {
  const bin = path.join(dir, 'publish');
  fs.writeFileSync(
    bin,
    `#!/bin/sh
n=$(( $(cat ${dir}/calls 2>/dev/null | wc -l) + 1 ))
cat > ${dir}/stdin.$n
echo "$*" >> ${dir}/calls
`,
    { mode: 0o755 },
  );
  return bin;
}
