/**
 * TypeScript view of runtime-spec v1.3.0 documents (config.json, state).
 * Only the fields runj reads are typed precisely; the JSON Schemas in
 * spec-schemas/ are the authority on shape.
 */
export interface Hook {
  path: string;
  args?: string[];
  env?: string[];
  timeout?: number;
}

export interface Hooks {
  prestart?: Hook[];
  createRuntime?: Hook[];
  createContainer?: Hook[];
  startContainer?: Hook[];
  poststart?: Hook[];
  poststop?: Hook[];
}

export interface Rlimit {
  type: string;
  soft: number;
  hard: number;
}

export interface Capabilities {
  bounding?: string[];
  effective?: string[];
  inheritable?: string[];
  permitted?: string[];
  ambient?: string[];
}

export interface User {
  uid: number;
  gid: number;
  umask?: number;
  additionalGids?: number[];
  username?: string;
}

export interface Process {
  terminal?: boolean;
  consoleSize?: { height: number; width: number };
  user: User;
  args?: string[];
  commandLine?: string;
  env?: string[];
  cwd: string;
  capabilities?: Capabilities;
  rlimits?: Rlimit[];
  noNewPrivileges?: boolean;
  apparmorProfile?: string;
  oomScoreAdj?: number;
  selinuxLabel?: string;
  ioPriority?: { class: string; priority: number };
  scheduler?: Record<string, unknown>;
  execCPUAffinity?: Record<string, unknown>;
}

export interface Mount {
  destination: string;
  source?: string;
  type?: string;
  options?: string[];
  uidMappings?: unknown[];
  gidMappings?: unknown[];
}

export interface Namespace {
  type: string;
  path?: string;
}

export interface Device {
  type: string;
  path: string;
  major?: number;
  minor?: number;
  fileMode?: number;
  uid?: number;
  gid?: number;
}

export interface LinuxConfig {
  namespaces?: Namespace[];
  uidMappings?: unknown[];
  gidMappings?: unknown[];
  timeOffsets?: Record<string, unknown>;
  devices?: Device[];
  cgroupsPath?: string;
  resources?: Record<string, unknown>;
  rootfsPropagation?: string;
  seccomp?: Record<string, unknown>;
  sysctl?: Record<string, string>;
  maskedPaths?: string[];
  readonlyPaths?: string[];
  mountLabel?: string;
  intelRdt?: Record<string, unknown>;
  personality?: Record<string, unknown>;
  memoryPolicy?: Record<string, unknown>;
  netDevices?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface FreeBSDJail {
  parent?: string;
  host?: 'new' | 'inherit';
  ip4?: 'new' | 'inherit' | 'disable';
  ip4Addr?: string[];
  ip6?: 'new' | 'inherit' | 'disable';
  ip6Addr?: string[];
  vnet?: 'new' | 'inherit';
  interface?: string;
  vnetInterfaces?: string[];
  sysvmsg?: 'new' | 'inherit' | 'disable';
  sysvsem?: 'new' | 'inherit' | 'disable';
  sysvshm?: 'new' | 'inherit' | 'disable';
  enforceStatfs?: number;
  allow?: {
    setHostname?: boolean;
    rawSockets?: boolean;
    chflags?: boolean;
    mount?: string[];
    quotas?: boolean;
    socketAf?: boolean;
    mlock?: boolean;
    reservedPorts?: boolean;
    suser?: boolean;
  };
}

export interface FreeBSDConfig {
  devices?: { path: string; mode?: number }[];
  jail?: FreeBSDJail;
}

export interface Spec {
  ociVersion: string;
  root?: { path: string; readonly?: boolean };
  mounts?: Mount[];
  process?: Process;
  hostname?: string;
  domainname?: string;
  hooks?: Hooks;
  annotations?: Record<string, string>;
  linux?: LinuxConfig;
  freebsd?: FreeBSDConfig;
  [platform: string]: unknown;
}

/** The state document of runtime.md, plus nothing else: this is what `state` prints. */
export interface OciState {
  ociVersion: string;
  id: string;
  status: 'creating' | 'created' | 'running' | 'stopped' | 'paused';
  pid?: number;
  bundle: string;
  annotations?: Record<string, string>;
}
