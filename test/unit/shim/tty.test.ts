/**
 * Terminals through the Task handlers (fake runtime): the helper plan of a
 * terminal init or exec (relayed by the parent half, with the winsize
 * channel), ResizePty before and after Start, and what it ignores.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { call, ids, processSpec, shimFixture } from './shimFakes.js';

const fixtures: (() => void)[] = [];
afterEach(() => {
  for (const c of fixtures.splice(0)) c();
});
async function setUp(config?: (c: Record<string, unknown>) => void) {
  const f = await shimFixture(config);
  fixtures.push(f.cleanup);
  return f;
}
const terminalInit = (c: Record<string, unknown>) => {
  Object.assign(c.process as object, { terminal: true, consoleSize: { height: 30, width: 90 } });
};
const resize = (execId: string, width: number, height: number) => ({ id: 'c1', execId, width, height });

describe('shim terminals', () => {
  it('Create terminal=true: the init relays its pty with the winsize channel; ResizePty sends winsize records', async () => {
    const { host, h, create, log } = await setUp(terminalInit);
    await create(true);
    const helper = host.helpers[0]!;
    expect(helper.sent).toContainEqual(['terminal', 30, 90]);
    expect(helper.sent).toContainEqual(['winsize-channel']);
    expect(helper.sent.some((r) => r[0] === 'console-socket')).toBe(false);
    // The parent half relays the pty, so the process is its child: a backend that does
    // not fork on its own (FreeBSD's, this fake) gets one fork record.
    expect(helper.sent.filter((r) => r[0] === 'fork')).toEqual([['fork']]);
    expect(log[0]).toContain('"io":{"stdin":"","stdout":"/f/out","stderr":"","terminal":true}');
    expect((await h.State!(ids('c1'), call)).terminal).toBe(true);
    await h.ResizePty!(resize('', 120, 40), call); // before Start: the relay has the master by then
    await h.Start!(ids('c1'), call);
    await h.ResizePty!(resize('', 100, 50), call);
    await h.ResizePty!(resize('', 0, 0), call); // ctr without a terminal of its own: ignored
    await h.ResizePty!(resize('', 70000, 10), call);
    expect(helper.sizes).toEqual([[40, 120], [50, 100]]);
    await h.Kill!({ id: 'c1', execId: '', signal: 9, all: false }, call);
    await h.Wait!(ids('c1'), call);
    await h.ResizePty!(resize('', 80, 24), call); // finished: nothing to resize
    expect(helper.sizes).toHaveLength(2);
    await h.Delete!(ids('c1'), call);
  });

  it('a process without a terminal ignores ResizePty, as runc shim does; its plan has no terminal', async () => {
    const { host, h, create, exec } = await setUp();
    await create();
    await h.Start!(ids('c1'), call);
    await exec('e1');
    await h.Start!(ids('c1', 'e1'), call);
    expect(await h.ResizePty!(resize('', 80, 24), call)).toEqual({});
    expect(await h.ResizePty!(resize('e1', 80, 24), call)).toEqual({});
    expect(host.helpers.map((x) => x.sizes)).toEqual([[], []]);
    for (const x of host.helpers) expect(x.sent.some((r) => ['winsize-channel', 'terminal', 'fork'].includes(r[0]))).toBe(false);
  });

  it('exec terminal=true: consoleSize is the start size, a ResizePty before Start replaces it, after Start goes to the relay', async () => {
    const { host, h, create, exec, stdio } = await setUp();
    await create();
    await h.Start!(ids('c1'), call);
    await exec('t1', { terminal: true, spec: processSpec({ consoleSize: { height: 10, width: 20 } }) });
    await exec('t2', { terminal: true, spec: processSpec({ terminal: false }) }); // the request decides
    await h.ResizePty!(resize('t2', 132, 43), call);
    await h.Start!(ids('c1', 't1'), call);
    await h.Start!(ids('c1', 't2'), call);
    const [, h1, h2] = host.helpers;
    expect(h1!.sent).toContainEqual(['terminal', 10, 20]);
    expect(h1!.sent).toContainEqual(['winsize-channel']);
    expect(h1!.sent.filter((r) => r[0] === 'fork')).toEqual([['fork']]);
    expect(h2!.sent).toContainEqual(['terminal', 43, 132]);
    expect(stdio.at(-1)?.io).toEqual({ stdin: '', stdout: '/f/t2.out', stderr: '' });
    await h.ResizePty!(resize('t1', 81, 25), call);
    expect([h1!.sizes, h2!.sizes]).toEqual([[[25, 81]], []]);
    expect((await h.State!(ids('c1', 't1'), call)).terminal).toBe(true);
  });
});
