import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hook } from '../../src/plan/spec.js';
import { type Env, isRoot, makeBundle, makeEnv, runj, runjCreate, stateOf, uniqueId, waitFor } from './harness.js';

describe.skipIf(!isRoot)('hooks', () => {
  let env: Env;
  beforeAll(() => {
    env = makeEnv();
  });
  afterAll(() => env.cleanup());

  it('runs all six at their points, in order, with the state on stdin', async () => {
    const id = uniqueId('hooks');
    const logDir = fs.mkdtempSync(path.join(env.dir, 'hooklog-'));
    const log = path.join(logDir, 'log');
    // Each hook appends "<stage> <state JSON>" to the log. startContainer runs inside the
    // container (its /bin/sh is busybox) and sees the log dir at /hooklog.
    const hook = (stage: string, file: string, extra: Partial<Hook> = {}): Hook => ({
      path: '/bin/sh',
      args: ['sh', '-c', `printf '%s %s\\n' "$STAGE" "$(cat)" >> ${file}`],
      env: [`STAGE=${stage}`],
      ...extra,
    });
    const bundle = makeBundle(env, ['sh', '-c', 'echo user-process >> /hooklog/log'], (s) => {
      s.mounts?.push({ destination: '/hooklog', source: logDir, options: ['bind'] });
      s.hooks = {
        prestart: [hook('prestart', log)],
        createRuntime: [hook('createRuntime', log)],
        createContainer: [hook('createContainer', log, { timeout: 5 })],
        startContainer: [hook('startContainer', '/hooklog/log')],
        poststart: [hook('poststart', log)],
        poststop: [hook('poststop', log)],
      };
      s.annotations = { 'org.example.key': 'value' };
    });
    expect(runjCreate(env, id, bundle).stderr()).toBe('');
    const pid = stateOf(env, id).pid;
    expect(runj(env, ['start', id])).toMatchObject({ status: 0, stderr: '' });
    await waitFor(() => stateOf(env, id).status === 'stopped');
    expect(runj(env, ['delete', id])).toMatchObject({ status: 0, stderr: '' });

    const lines = fs.readFileSync(log, 'utf8').trim().split('\n');
    const stages = lines.map((l) => l.split(' ')[0]);
    expect(stages.slice(0, 4)).toEqual(['prestart', 'createRuntime', 'createContainer', 'startContainer']);
    expect(stages.at(-1)).toBe('poststop');
    expect([...stages.slice(4, 6)].sort()).toEqual(['poststart', 'user-process']);
    const states = Object.fromEntries(
      lines.filter((l) => !l.startsWith('user-process')).map((l) => [l.split(' ')[0], JSON.parse(l.slice(l.indexOf(' ') + 1))]),
    );
    expect(states.prestart).toMatchObject({ id, status: 'creating', pid, bundle, annotations: { 'org.example.key': 'value' } });
    expect(states.createRuntime).toMatchObject({ status: 'creating', pid });
    expect(states.createContainer).toMatchObject({ status: 'creating', pid });
    expect(states.startContainer).toMatchObject({ status: 'created', pid });
    expect(states.poststart).toMatchObject({ status: 'running', pid });
    expect(states.poststop).toMatchObject({ status: 'stopped', id });
  });

  it('a failing poststart hook fails start and stops the container', async () => {
    const id = uniqueId('hooks');
    const bundle = makeBundle(env, ['sleep', '100'], (s) => {
      s.hooks = { poststart: [{ path: '/bin/sh', args: ['sh', '-c', 'echo bad >&2; exit 1'] }] };
    });
    expect(runjCreate(env, id, bundle).status).toBe(0);
    expect(runj(env, ['start', id])).toMatchObject({ status: 1, stderr: 'runj: poststart hook /bin/sh: exit status 1: bad\n' });
    expect(stateOf(env, id).status).toBe('stopped');
    expect(runj(env, ['delete', id]).status).toBe(0);
  });

  it('a failing startContainer hook fails start', () => {
    const id = uniqueId('hooks');
    const bundle = makeBundle(env, ['sleep', '100'], (s) => {
      s.hooks = { startContainer: [{ path: '/bin/false' }] };
    });
    expect(runjCreate(env, id, bundle).status).toBe(0);
    const r = runj(env, ['start', id]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('/bin/false');
    expect(stateOf(env, id).status).toBe('stopped');
    expect(runj(env, ['delete', id]).status).toBe(0);
  });

  it('a failing poststop hook only warns, and the next one still runs', () => {
    const id = uniqueId('hooks');
    const log = path.join(env.dir, `${id}.log`);
    const marker = path.join(env.dir, `${id}.second`);
    const bundle = makeBundle(env, ['true'], (s) => {
      s.hooks = { poststop: [{ path: '/bin/false' }, { path: '/bin/touch', args: ['touch', marker] }] };
    });
    expect(runjCreate(env, id, bundle).status).toBe(0);
    const r = runj(env, ['--log', log, '--log-format', 'json', 'delete', id]);
    expect(r.status).toBe(0);
    expect(JSON.parse(fs.readFileSync(log, 'utf8').trim())).toMatchObject({ level: 'warning' });
    expect(fs.existsSync(marker)).toBe(true);
    expect(runj(env, ['state', id]).status).toBe(1);
  });
});
