import { describe, expect, it } from 'vitest';
import { validateConfigDocument, validateFeaturesDocument, validateStateDocument } from '../../src/plan/validate.js';
import { loadSandbox } from '../../src/runtime/backends.js';
import { features } from '../../src/runtime/features.js';
import { stateOutput } from '../../src/runtime/ociState.js';
import { freebsdSpec, linuxSpec } from '../../src/demo/specTemplate.js';
import type { ContainerRecord } from '../../src/runtime/store.js';

/** What runj prints must satisfy runj's own schemas. */
describe('documents runj writes', () => {
  it('features, for both platforms, is a valid features document', async () => {
    const ctx = { platform: 'linux', backend: loadSandbox };
    const linux = await features(ctx, 'linux');
    const freebsd = await features(ctx, 'freebsd');
    expect(() => validateFeaturesDocument(linux)).not.toThrow();
    expect(() => validateFeaturesDocument(freebsd)).not.toThrow();
    expect(linux).toMatchObject({ ociVersionMin: '1.0.0', ociVersionMax: '1.3.0' });
    // Each platform lists the mount options its backend gives a meaning: FreeBSD has no Linux propagation.
    expect(linux.mountOptions).toContain('rprivate');
    expect(freebsd.mountOptions).not.toContain('rprivate');
    expect(freebsd.mountOptions).toEqual(expect.arrayContaining(['nosymfollow', 'rnoexec', 'bind']));
    expect(freebsd).not.toHaveProperty('linux');
  });
  it('state output is a valid state document in every status', () => {
    const record: ContainerRecord = {
      ociVersion: '1.3.0', id: 'c1', pid: 42, status: 'running', bundle: '/b', rootfs: '/b/rootfs',
      created: new Date().toISOString(), owner: 'root', annotations: { a: 'b' }, platform: 'linux',
    };
    for (const status of ['created', 'running', 'paused', 'stopped'] as const) {
      expect(() => validateStateDocument(stateOutput(record, status))).not.toThrow();
    }
    expect(stateOutput(record, 'stopped').pid).toBe(0);
  });
  it('the spec templates are valid configs', () => {
    expect(() => validateConfigDocument(linuxSpec())).not.toThrow();
    expect(() => validateConfigDocument(freebsdSpec())).not.toThrow();
  });
});
