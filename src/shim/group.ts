/**
 * Which shim serves a container. A Node shim costs tens of MB, so by default
 * one shim serves a whole namespace; containers of a Kubernetes pod (CRI's
 * `io.kubernetes.cri.sandbox-id` annotation in the bundle's config.json, as
 * containerd's runc shim reads it) share their pod's shim. containerd's
 * environment chooses otherwise with RUNJ_SHIM_GROUP:
 *   namespace (default)  pod when annotated, else the namespace
 *   pod                  pod when annotated, else the container alone
 *   container            one shim per container
 * The group names the socket (paths.ts), so every `start` of a group finds
 * the same address. A namespace group's name has a ':' that container ids
 * cannot contain, so it never collides with a container's own socket.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { invalid } from '../core/errors.js';

export const SANDBOX_ANNOTATION = 'io.kubernetes.cri.sandbox-id';
export const GROUP_ENV = 'RUNJ_SHIM_GROUP';
export const GROUP_MODES = ['namespace', 'pod', 'container'] as const;
export type GroupMode = (typeof GROUP_MODES)[number];

export function groupMode(env: NodeJS.ProcessEnv = process.env): GroupMode {
  const v = env[GROUP_ENV] || 'namespace';
  if (!(GROUP_MODES as readonly string[]).includes(v)) throw invalid(`${GROUP_ENV}=${v}: expected one of ${GROUP_MODES.join(', ')}`);
  return v as GroupMode;
}

/** The bundle's annotations, or none when config.json is missing or unreadable (a `delete` after the bundle went). */
export function bundleAnnotations(bundle: string): Record<string, string> {
  try {
    const spec = JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8')) as { annotations?: unknown };
    const a = spec.annotations;
    return a && typeof a === 'object' && !Array.isArray(a) ? (a as Record<string, string>) : {};
  } catch {
    return {};
  }
}

/** The group key the socket is named after. */
export function groupOf(id: string, namespace: string, annotations: Record<string, string>, mode: GroupMode): string {
  if (mode === 'container') return id;
  const sandbox = annotations[SANDBOX_ANNOTATION];
  if (typeof sandbox === 'string' && sandbox) return sandbox;
  return mode === 'pod' ? id : `runj:namespace:${namespace}`;
}
