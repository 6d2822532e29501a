import { describe, expect, it } from 'vitest';
import type { BackendFeatures, Sandbox } from '../../../src/backend/sandbox.js';
import { validateFeaturesDocument } from '../../../src/plan/validate.js';
import { features } from '../../../src/runtime/features.js';
import { OCI_VERSION } from '../../../src/runtime/ociState.js';

function ctxWith(f: BackendFeatures, hostPlatform = 'linux') {
  const asked: string[] = [];
  return {
    asked,
    ctx: {
      platform: hostPlatform,
      backend: async (platform: string) => {
        asked.push(platform);
        return { features: () => f } as unknown as Sandbox;
      },
    },
  };
}

describe('features', () => {
  it('the runtime part, sorted mount options from the backend, its sections; a valid features document', async () => {
    const { ctx, asked } = ctxWith({ mountOptions: ['ro', 'bind', 'nosuid'], sections: { linux: { namespaces: ['pid'] } } });
    const doc = await features(ctx);
    expect(doc).toEqual({
      ociVersionMin: '1.0.0',
      ociVersionMax: OCI_VERSION,
      hooks: ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'],
      mountOptions: ['bind', 'nosuid', 'ro'],
      annotations: { 'org.opencontainers.runtime-spec.features.runtime': 'runj' },
      linux: { namespaces: ['pid'] },
    });
    expect(asked).toEqual(['linux']);
    expect(() => validateFeaturesDocument(doc)).not.toThrow();
  });
  it('the host platform by default, another when asked', async () => {
    const { ctx, asked } = ctxWith({ mountOptions: [], sections: {} }, 'freebsd');
    expect(await features(ctx)).not.toHaveProperty('linux');
    await features(ctx, 'linux');
    expect(asked).toEqual(['freebsd', 'linux']);
  });
  it('the backend list is not reordered in place', async () => {
    const opts = ['ro', 'bind'];
    const { ctx } = ctxWith({ mountOptions: opts, sections: {} });
    await features(ctx);
    expect(opts).toEqual(['ro', 'bind']);
  });
  it('an unknown platform: the backend error', async () => {
    const ctx = {
      platform: 'plan9',
      backend: async (p: string): Promise<Sandbox> => {
        throw new Error(`no backend for platform ${p}`);
      },
    };
    await expect(features(ctx)).rejects.toThrow('no backend for platform plan9');
  });
});
