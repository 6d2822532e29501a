/**
 * Messages around the Task API: what containerd hands the shim as runtime
 * options (in Create's `options` Any, or on stdin at launch), the bootstrap
 * exchange of containerd 2.3+, and small shared types.
 */
import { type MessageOf, f, message } from './message.js';
import { Any } from './wkt.js';

/** runtimeoptions.v1.Options: what runj's Go shim and CRI's generic runtimes send (config_body from 1.7 on). */
export const RuntimeOptions = message('runtimeoptions.v1.Options', {
  typeUrl: f.string(1),
  configPath: f.string(2),
  configBody: f.bytes(3),
});

/** containerd.runc.v1.Options: what runc-style runtime configs send (binary name, root, io uid/gid). */
export const RuncOptions = message('containerd.runc.v1.Options', {
  noPivotRoot: f.bool(1),
  noNewKeyring: f.bool(2),
  shimCgroup: f.string(3),
  ioUid: f.uint32(4),
  ioGid: f.uint32(5),
  binaryName: f.string(6),
  root: f.string(7),
  criuPath: f.string(8),
  systemdCgroup: f.bool(9),
  criuImagePath: f.string(10),
  criuWorkPath: f.string(11),
});
export type RuncOptions = MessageOf<typeof RuncOptions>;

/** Pids' ProcessInfo.info for an exec'd process, as runc's shim fills it. */
export const ProcessDetails = message('containerd.runc.v1.ProcessDetails', { execId: f.string(1) });

export const Platform = message('containerd.types.Platform', {
  os: f.string(1),
  architecture: f.string(2),
  variant: f.string(3),
});

/**
 * The bootstrap protocol (containerd 2.3+): BootstrapParams arrive on stdin
 * at `start`, BootstrapResult is the reply. They travel bare, never inside an
 * Any, so only the field numbers matter, not the message names.
 */
export const Extension = message('containerd.runtime.bootstrap.v1.Extension', { value: f.message(1, Any) });
export const BootstrapParams = message('containerd.runtime.bootstrap.v1.BootstrapParams', {
  instanceId: f.string(1),
  namespace: f.string(2),
  logLevel: f.string(3),
  containerdVersion: f.string(4),
  ttrpcAddress: f.string(5),
  grpcAddress: f.string(6),
  containerdBinary: f.string(7),
  extensions: f.messages(8, Extension),
  socketDir: f.string(9),
});
export type BootstrapParams = MessageOf<typeof BootstrapParams>;
export const BootstrapResult = message('containerd.runtime.bootstrap.v1.BootstrapResult', {
  version: f.int32(1),
  address: f.string(2),
  protocol: f.string(3),
  capabilities: f.repeatedString(4),
  metadata: f.map(5),
});
