/**
 * `features`: what this build of runj supports, per the spec's features
 * document. The common part is the runtime's; mount options and platform
 * sections come from the backend (FreeBSD has no Linux mount options).
 */
import type { RuntimeContext } from './context.js';
import { OCI_VERSION } from './ociState.js';

export async function features(ctx: Pick<RuntimeContext, 'backend' | 'platform'>, platform = ctx.platform): Promise<Record<string, unknown>> {
  const backend = (await ctx.backend(platform)).features();
  return {
    ociVersionMin: '1.0.0',
    ociVersionMax: OCI_VERSION,
    hooks: ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'],
    mountOptions: [...backend.mountOptions].sort(),
    annotations: { 'org.opencontainers.runtime-spec.features.runtime': 'runj' } as Record<string, string>,
    ...backend.sections,
  };
}
