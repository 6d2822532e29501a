import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Sandbox } from '../../../src/backend/sandbox.js';
import { type HostPolicy, emptyPolicy } from '../../../src/plan/policy.js';
import { check } from '../../../src/runtime/check.js';
import { makeBundle } from '../fakes/bundle.js';
import { FakeHost } from '../fakes/host.js';

/** A context whose backend is the fake for any platform, recording the platform and policy each explain got. */
function ctxFor(hostPlatform: string, policy: HostPolicy = emptyPolicy) {
  const host = new FakeHost();
  const asked: string[] = [];
  const policies: HostPolicy[] = [];
  const explain = host.sandbox.explain.bind(host.sandbox);
  const sandbox = Object.assign(Object.create(host.sandbox) as Sandbox, {
    explain: (plan: Parameters<Sandbox['explain']>[0], p: HostPolicy) => {
      policies.push(p);
      return explain(plan);
    },
  });
  let policyReads = 0;
  const ctx = {
    platform: hostPlatform,
    backend: async (platform: string) => {
      asked.push(platform);
      return sandbox;
    },
    policy: () => {
      policyReads++;
      return policy;
    },
  };
  return { ctx, asked, policies, reads: () => policyReads };
}

describe('check: plan a bundle without touching the system', () => {
  it('on a Linux host: the linux backend explains the plan, with the host policy', async () => {
    const { ctx, asked, policies, reads } = ctxFor('linux');
    const bundle = makeBundle((c) => {
      c.hostname = 'h1';
    });
    const r = await check(ctx, { bundle });
    expect(r).toEqual({ platform: 'linux', plan: { id: 'check' }, text: 'fake plan for check\n' });
    expect(asked).toEqual(['linux']);
    expect(policies).toEqual([emptyPolicy]);
    expect(reads()).toBe(1);
  });
  it('on a FreeBSD host: freebsd by default', async () => {
    const { ctx, asked } = ctxFor('freebsd');
    expect((await check(ctx, { bundle: makeBundle() })).platform).toBe('freebsd');
    expect(asked).toEqual(['freebsd']);
  });
  it('any other host defaults to linux; --platform chooses', async () => {
    const { ctx, asked } = ctxFor('darwin');
    expect((await check(ctx, { bundle: makeBundle() })).platform).toBe('linux');
    expect((await check(ctx, { bundle: makeBundle(), platform: 'freebsd' })).platform).toBe('freebsd');
    expect(asked).toEqual(['linux', 'freebsd']);
  });
  it('a policy given in the options replaces the host policy (not read)', async () => {
    const { ctx, policies, reads } = ctxFor('linux');
    const given: HostPolicy = { file: '/x/policy.json', ignore: new Set(['linux.seccomp']), sections: {} };
    await check(ctx, { bundle: makeBundle(), policy: given });
    expect(policies).toEqual([given]);
    expect(reads()).toBe(0);
  });
  it('--platform other than freebsd or linux: EINVALID, the bundle not read', async () => {
    const { ctx, asked } = ctxFor('linux');
    await expect(check(ctx, { bundle: '/nonexistent', platform: 'windows' })).rejects.toMatchObject({
      code: 'EINVALID',
      message: '--platform: must be freebsd or linux, not "windows"',
    });
    expect(asked).toEqual([]);
  });
  it('a missing bundle: EBUNDLE naming it', async () => {
    const { ctx } = ctxFor('linux');
    await expect(check(ctx, { bundle: '/nonexistent/b' })).rejects.toMatchObject({ code: 'EBUNDLE', message: 'bundle /nonexistent/b does not exist' });
  });
  it('an invalid config: ECONFIG, the backend not asked', async () => {
    const { ctx, asked } = ctxFor('linux');
    const bundle = makeBundle((c) => {
      c.process = { args: 'not-a-list', cwd: '/' };
    });
    await expect(check(ctx, { bundle })).rejects.toMatchObject({ code: 'ECONFIG' });
    expect(asked).toEqual([]);
  });
  it('the bundle defaults to the current directory', async () => {
    const { ctx } = ctxFor('linux');
    const bundle = makeBundle();
    const cwd = process.cwd();
    process.chdir(bundle);
    try {
      expect((await check(ctx, {})).plan).toEqual({ id: 'check' });
    } finally {
      process.chdir(cwd);
    }
    fs.rmSync(path.join(bundle, 'config.json'));
    await expect(check(ctx, { bundle })).rejects.toMatchObject({ code: 'EBUNDLE', message: `${path.join(bundle, 'config.json')} does not exist` });
  });
});
