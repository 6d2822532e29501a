/**
 * The phase trace (src/core/trace.ts): a create over the fakes prints each of
 * its phases, in order, in the documented format; off, a mark reads no clock
 * and the sink never hears anything.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mark, startTrace, stopTrace, traceTo, traceWanted } from '../../src/core/trace.js';
import { create } from '../../src/runtime/create.js';
import { makeBundle, hook } from './fakes/bundle.js';
import { FakeHost } from './fakes/host.js';

const LINE = /^runj-trace ([a-zA-Z.]+) (\d+\.\d{3}) (\d+\.\d{3})$/;

afterEach(() => {
  stopTrace();
  vi.restoreAllMocks();
});

async function createOverFakes(): Promise<void> {
  const host = new FakeHost();
  const ctx = await host.context();
  const bundle = makeBundle((c) => {
    c.hooks = { prestart: [hook('/bin/pre')], createRuntime: [hook('/bin/cr')] };
  });
  await create(ctx, { id: 'c1', bundle, policy: { file: undefined, ignore: new Set(), sections: {} } });
}

describe('trace', () => {
  it('is wanted with RUNJ_TRACE (not 0 or empty) or --debug', () => {
    expect(traceWanted({ RUNJ_TRACE: '1' }, ['node', 'runj', 'state', 'x'])).toBe(true);
    expect(traceWanted({}, ['node', 'runj', '--debug', 'state', 'x'])).toBe(true);
    expect(traceWanted({ RUNJ_TRACE: '0' }, ['node', 'runj', 'state', 'x'])).toBe(false);
    expect(traceWanted({ RUNJ_TRACE: '' }, ['node', 'runj', 'state', 'x'])).toBe(false);
    expect(traceWanted({}, ['node', 'runj', 'state', 'x'])).toBe(false);
  });

  it('prints every phase of a create, in order, with durations and times since start', async () => {
    const lines: string[] = [];
    startTrace();
    traceTo((l) => lines.push(l));
    await createOverFakes();
    const parsed = lines.map((l) => {
      const m = LINE.exec(l);
      expect(m, l).not.toBeNull();
      return { phase: m?.[1], ms: Number(m?.[2]), at: Number(m?.[3]) };
    });
    // runj's addon loads once per process, at the first lock (state.stage here, unless an earlier test locked).
    expect(parsed.filter((p) => p.phase === 'sys.load').length).toBeLessThanOrEqual(1);
    expect(parsed.map((p) => p.phase).filter((p) => p !== 'sys.load')).toEqual([
      'node.boot',
      'load.main',
      'check',
      'bundle.read',
      'backend.load',
      'helper.spawn', // before validating: it starts up (and may enter its namespaces) meanwhile
      'validators.load',
      'validate',
      'plan',
      'backend.prepare',
      'state.stage',
      'state.publish',
      'backend.setup',
      'helper.send.plan',
      'state.write', // the set-up saved while the helper works on its plan
      'helper.recv.pid',
      'state.write',
      'helper.recv.hooks', // the helper's mounts
      'hooks.prestart',
      'hooks.createRuntime',
      'helper.send.continue',
      'helper.recv.ready',
      'state.write',
      'helper.detach',
    ]);
    for (let i = 1; i < parsed.length; i++) {
      const [prev, cur] = [parsed[i - 1], parsed[i]];
      // Each phase ends where the next begins: its time since start is the previous one's plus its duration.
      expect(cur?.at ?? 0).toBeGreaterThanOrEqual(prev?.at ?? 0);
      if (i > 1) expect(Math.abs((prev?.at ?? 0) + (cur?.ms ?? 0) - (cur?.at ?? 0))).toBeLessThan(0.002);
    }
  });

  it('keeps the lines made before the sink is known and writes them to it first', () => {
    const lines: string[] = [];
    startTrace();
    mark('args');
    mark('helper.recv', 'pid');
    traceTo((l) => lines.push(l));
    mark('output');
    expect(lines.map((l) => l.split(' ')[1])).toEqual(['node.boot', 'load.main', 'args', 'helper.recv.pid', 'output']);
  });

  it('gives a failed command its pending lines through the fallback', () => {
    const lines: string[] = [];
    startTrace();
    mark('args');
    stopTrace((l) => lines.push(l));
    expect(lines.map((l) => l.split(' ')[1])).toEqual(['node.boot', 'load.main', 'args']);
  });

  it('off: a create prints nothing and reads no clock', async () => {
    const lines: string[] = [];
    traceTo((l) => lines.push(l)); // ignored: no trace was started
    const now = vi.spyOn(performance, 'now');
    await createOverFakes();
    mark('output');
    expect(now).not.toHaveBeenCalled();
    expect(lines).toEqual([]);
  });
});
