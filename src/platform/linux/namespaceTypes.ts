/** The runtime-spec's names of the namespace types (linux.namespaces[].type) and the helper's (native/linux_shared.c). */
export const NS_TYPES: Readonly<Record<string, string>> = {
  user: 'user', pid: 'pid', network: 'net', mount: 'mount', ipc: 'ipc', uts: 'uts', cgroup: 'cgroup',
};
