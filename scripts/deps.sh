#!/usr/bin/env bash
# Installs what building and testing runj needs on a fresh Debian machine.
# Idempotent: does nothing when everything is already there.
set -euo pipefail
need=()
command -v cc >/dev/null || need+=(gcc libc6-dev)
command -v make >/dev/null || need+=(make)
[ -x /bin/busybox ] && /bin/busybox --list 2>/dev/null | grep -qx sh && file -L /bin/busybox 2>/dev/null | grep -q static || need+=(busybox-static)
command -v file >/dev/null || need+=(file)
[ -e /usr/include/seccomp.h ] || need+=(libseccomp-dev)
command -v python3 >/dev/null || need+=(python3)
command -v ps >/dev/null || need+=(procps)
# Independent descriptions of FreeBSD's ABI for scripts/abi-check.mjs (make abi-check).
ls -d /usr/share/cargo/registry/libc-0.2.* >/dev/null 2>&1 || need+=(librust-libc-dev)
[ -e /usr/share/gocode/src/golang.org/x/sys/unix/ztypes_freebsd_amd64.go ] || need+=(golang-golang-x-sys-dev)
# containerd's own Go code for the shim's interop tests (test/interop/shimpeer).
command -v go >/dev/null || need+=(golang-go)
[ -d /usr/share/gocode/src/github.com/containerd/containerd/runtime/v2/task ] || need+=(golang-github-containerd-containerd-dev)
[ -d /usr/share/gocode/src/github.com/containerd/ttrpc ] || need+=(golang-github-containerd-ttrpc-dev)
# containerd 1.6 and ctr for the shim's integration test, umoci to make its image.
command -v containerd >/dev/null || need+=(containerd)
command -v umoci >/dev/null || need+=(umoci)
# runc (containerd's runc shim runs it) and crun: make bench's baselines beside runj.
command -v runc >/dev/null || [ -x /usr/sbin/runc ] || need+=(runc)
command -v crun >/dev/null || need+=(crun)
# buildah (unmodified, Debian's) driving runj: test/integration/buildah.test.ts, make bench.
command -v buildah >/dev/null || need+=(buildah)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "missing packages: ${need[*]} (run as root or install them)" >&2
    exit 1
  fi
  echo "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# npm ci: exactly the lock file's versions (it removes node_modules first), so
# only when node_modules is missing or older than the lock.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  npm ci --no-audit --no-fund
  touch node_modules
fi
