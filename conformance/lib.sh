# Shared helpers for the client conformance scripts (containerd.sh, podman.sh).
# Sourced, not run. Each script:
#   conf_init NAME "$@"      re-exec in a private mount namespace, set up $W, $RUNTIME
#   ... checks with ok/not_ok/expect_rc ...
#   conf_finish              clean up, verify nothing was left behind, print the summary
# The script sets CONF_CLEANUP to a function that tears down its client (tasks,
# daemons) before the common leftover checks run.
# shellcheck shell=bash

CONF_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PASSED=0
FAILED=0
CONF_FINISHED=
CONF_ABORT=
CONF_CLEANUP=:

ok() { PASSED=$((PASSED + 1)); echo "ok - $1"; }
not_ok() { FAILED=$((FAILED + 1)); echo "not ok - $1: ${2:-failed}"; }
note() { echo "# $*"; }

# run CMD... : runs with a timeout, stdout+stderr into $OUT (file) and $RC.
# Never fails, so it is safe under set -e.
OUT=
RC=0
run() {
  OUT=$W/out.$((++CONF_NRUN))
  RC=0
  timeout -k 5 "${CONF_TIMEOUT:-60}" "$@" >"$OUT" 2>&1 </dev/null || RC=$?
}
CONF_NRUN=0

# The first line that explains a failure: the runtime's or client's error
# if there is one, else the first line of output, else the exit status.
why() {
  local line
  line=$(grep -m1 -iE 'error|failed|fatal|runj:|not permitted|denied|invalid' "$OUT" 2>/dev/null || true)
  [ -n "$line" ] || line=$(grep -m1 . "$OUT" 2>/dev/null || true)
  [ "$RC" = 124 ] && line="timed out${line:+; $line}"
  echo "exit $RC${line:+: ${line:0:400}}"
}

# expect_rc NAME WANT CMD... : one check, passes when CMD exits with WANT.
expect_rc() {
  local name=$1 want=$2
  shift 2
  run "$@"
  if [ "$RC" = "$want" ]; then ok "$name"; else not_ok "$name" "want exit $want, $(why)"; fi
}

# out_has TEXT : the last run's output contains TEXT.
out_has() { grep -qF -- "$1" "$OUT"; }

# wait_for SECONDS CMD... : poll until CMD succeeds. CMD runs anew on each
# poll, but its arguments are expanded once by the caller: to re-read state,
# pass a function or command that reads it, never a $(...) of it.
wait_for() {
  local t=$(($1 * 5))
  shift
  while [ "$t" -gt 0 ]; do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.2
    t=$((t - 1))
  done
  return 1
}

install_pkgs() {
  local missing=() p
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  note "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  timeout 300 apt-get update -qq >/dev/null
  timeout 600 apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Packages create their own default paths (podman: /etc/cni/net.d): those
  # are the installer's, not the run's, so the snapshot is taken again.
  CONF_HOST_PATHS_BEFORE=$(host_paths)
}

# conf_init NAME ARGS... : re-exec under `unshare -m` so every mount stays
# private, then create the work dir $W (a tmpfs), resolve $RUNTIME and, for
# runj, write its host policy. Knobs: CONF_TOKEN_NAME (default
# runj-client-NAME), CONF_PLAIN=1 for scripts whose checks fail commands on
# purpose (no ERR trap) and give runj no host policy.
conf_init() {
  local name=$1
  shift
  [ "$(id -u)" = 0 ] || { echo "must run as root" >&2; exit 2; }
  if [ -z "${CONF_PRIVATE_NS:-}" ]; then
    CONF_PRIVATE_NS=1 exec unshare -m --propagation private bash "$0" "$@"
  fi
  RUNTIME=${1:-$CONF_DIR/runj-wrapper.sh}
  case $RUNTIME in */*) ;; *) RUNTIME=$(command -v "$RUNTIME" || echo "$RUNTIME") ;; esac
  [ -x "$RUNTIME" ] || { echo "runtime $RUNTIME is not executable" >&2; exit 2; }
  RUNTIME=$(cd "$(dirname "$RUNTIME")" && pwd)/$(basename "$RUNTIME")
  # Marks every process we start (clients, shims, monitors and, through the
  # spec's env, container processes) so leftovers can be found afterwards.
  CONF_TOKEN=${CONF_TOKEN_NAME:-runj-client-$name}-$$
  export CONF_TOKEN
  # shellcheck disable=SC2034 # used by the client scripts
  CONF_CGROUP=/$CONF_TOKEN
  W=/tmp/$CONF_TOKEN
  mkdir -p "$W"
  mount -t tmpfs -o mode=0755 "conf-$name" "$W"
  mkdir -p "$W/bin"
  if [ -z "${CONF_PLAIN:-}" ]; then
    set -E
    trap 'CONF_ABORT="line $LINENO: \`$BASH_COMMAND\` exited $?"' ERR
  fi
  trap 'conf_finish aborted' EXIT
  trap 'CONF_ABORT="interrupted by a signal"; exit 130' INT TERM HUP
  CONF_MNT_NS=$(readlink /proc/self/ns/mnt)
  CONF_HOST_PATHS_BEFORE=$(host_paths)
  RUNTIME_VERSION=$("$RUNTIME" --version 2>&1 | head -1 || true)
  note "$name conformance, runtime $RUNTIME ($RUNTIME_VERSION)"
  if [[ $RUNTIME_VERSION == runj* ]] && [ -z "${RUNJ_POLICY:-}" ] && [ -z "${CONF_PLAIN:-}" ]; then
    # runj's Linux backend refuses config fields it cannot apply unless the
    # host policy (RUNJ_POLICY) lists them under "ignore". Builds before the
    # cgroup and seccomp support refused linux.resources and linux.seccomp,
    # which every containerd and podman bundle carries, so nothing started.
    # Builds that apply them do not consult the policy for these fields; the
    # memory-limit and seccomp checks below tell whether they were applied.
    # A RUNJ_POLICY set by the caller is used instead.
    echo '{"ignore":["linux.resources","linux.seccomp"]}' >"$W/runj-policy.json"
    export RUNJ_POLICY=$W/runj-policy.json
    note "runj host policy $RUNJ_POLICY: ignore linux.resources, linux.seccomp"
  fi
  if [[ $RUNTIME_VERSION == crun* ]] && [ -n "$(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null)" ]; then
    # crun refuses hybrid cgroups when the v2 hierarchy has any controller
    # ("drop all controllers from cgroupv2"); it checks by reading this file.
    # Mask it with an empty file in our mount namespace only; crun then uses
    # the v1 controllers as runc does.
    : >"$W/empty"
    mount --bind "$W/empty" /sys/fs/cgroup/unified/cgroup.controllers
    note "crun on hybrid cgroups: masked /sys/fs/cgroup/unified/cgroup.controllers in this namespace"
  fi
}

# A rootfs made of busybox-static: every applet as a symlink in /bin.
build_rootfs() {
  local r=$1 a
  mkdir -p "$r"/{bin,dev,etc,proc,sys,tmp,run,root,var}
  cp /bin/busybox "$r/bin/busybox"
  for a in $(/bin/busybox --list); do [ -e "$r/bin/$a" ] || ln -s busybox "$r/bin/$a"; done
  echo 'root:x:0:0:root:/root:/bin/sh' >"$r/etc/passwd"
  echo 'root:x:0:' >"$r/etc/group"
  chmod 1777 "$r/tmp"
}

# Paths outside $W that a client or runtime writes by default; none may
# appear during a run (state must be private).
host_paths() {
  local p
  for p in /run/containerd /var/lib/containerd /opt/containerd /run/runc /run/crun \
    /var/run/runj /run/libpod /run/containers/storage /var/lib/containers/storage \
    /etc/cni/net.d /etc/containers/networks; do
    [ -e "$p" ] && echo "$p"
  done | sort
  return 0
}

pid_under_self() {
  local p=$1
  while [ -n "$p" ] && [ "$p" -gt 1 ]; do
    [ "$p" = $$ ] && return 0
    p=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | cut -d' ' -f2)
  done
  return 1
}

# Processes we started that are still alive: those in our mount namespace or
# carrying our token in their environment, not counting this shell's children.
stray_pids() {
  local d p
  for d in /proc/[0-9]*; do
    p=${d#/proc/}
    if [ "$(readlink "$d/ns/mnt" 2>/dev/null)" = "$CONF_MNT_NS" ] ||
      grep -qsxzF "CONF_TOKEN=$CONF_TOKEN" "$d/environ"; then
      pid_under_self "$p" || echo "$p"
    fi
  done
}

# cgroup_checks PID WANT_PATH BYTES : the process sits in the cgroup its
# bundle named (linux.cgroupsPath) and that cgroup has the memory limit the
# client asked for (linux.resources.memory.limit). v1 memory or v2 unified.
cgroup_checks() {
  local pid=$1 want=$2 bytes=$3 cg f
  if [ -d /sys/fs/cgroup/memory ]; then
    cg=$(awk -F: '$2 == "memory" {print $3}' "/proc/$pid/cgroup" 2>/dev/null || true)
    f=/sys/fs/cgroup/memory$cg/memory.limit_in_bytes
  else
    cg=$(awk -F: '$1 == "0" {print $3}' "/proc/$pid/cgroup" 2>/dev/null || true)
    f=/sys/fs/cgroup$cg/memory.max
  fi
  if [ -n "$pid" ] && [ "$cg" = "$want" ]; then ok "process is in its cgroupsPath"; else
    not_ok "process is in its cgroupsPath" "pid '$pid' in memory cgroup '$cg', want '$want'"
  fi
  if [ -n "$pid" ] && [ "$(cat "$f" 2>/dev/null)" = "$bytes" ]; then ok "memory limit applied (linux.resources)"; else
    not_ok "memory limit applied (linux.resources)" "$f: '$(cat "$f" 2>/dev/null)', want $bytes"
  fi
}

# seccomp_check PID : the process runs under a seccomp filter (linux.seccomp).
seccomp_check() {
  local mode
  mode=$(awk '$1 == "Seccomp:" {print $2}' "/proc/$1/status" 2>/dev/null || true)
  if [ "$mode" = 2 ]; then ok "seccomp filter applied (linux.seccomp)"; else
    not_ok "seccomp filter applied (linux.seccomp)" "pid '$1' has Seccomp: '$mode', want 2"
  fi
}

# Our cgroup directories on every hierarchy, deepest first.
cgroup_dirs() { find /sys/fs/cgroup/*/"$CONF_TOKEN" -depth -type d 2>/dev/null || true; }

conf_finish() {
  [ -n "$CONF_FINISHED" ] && return
  CONF_FINISHED=1
  # Cleanup must finish once started (every step has a timeout).
  trap - EXIT
  trap '' INT TERM HUP
  set +e
  trap - ERR
  [ "${1:-}" = aborted ] && not_ok "script completed" "aborted: ${CONF_ABORT:-see the output above}"
  "$CONF_CLEANUP"

  local pids left p
  pids=$(stray_pids)
  if [ -z "$pids" ]; then ok "no processes left"; else
    not_ok "no processes left" "$(for p in $pids; do printf '%s:%s ' "$p" "$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | cut -c1-60)"; done)"
    for p in $pids; do kill -9 "$p" 2>/dev/null; done
    sleep 1
  fi

  # The clients were told to put containers under /$CONF_TOKEN; the runtime
  # must remove each container's own cgroup, we remove the parent (and
  # CONF_CGROUP_KEEP: cgroups the client itself keeps, like podman's conmon).
  left=
  for d in $(cgroup_dirs); do
    case ${d#/sys/fs/cgroup/*/"$CONF_TOKEN"} in
      "" | /"${CONF_CGROUP_KEEP:-/}") ;;
      *) left="$left ${d#/sys/fs/cgroup}" ;;
    esac
    for p in $(cat "$d/cgroup.procs" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
    rmdir "$d" 2>/dev/null || { sleep 0.5; rmdir "$d" 2>/dev/null; } || left="$left ${d#/sys/fs/cgroup}(busy)"
  done
  if [ -z "$left" ]; then ok "no cgroups left"; else not_ok "no cgroups left" "${left:0:400}"; fi

  left=$(awk -v w="$W" '$5 ~ "^"w"/" {print $5}' /proc/self/mountinfo | sort -r)
  for p in $left; do umount -l "$p" 2>/dev/null; done
  if [ -z "$left" ]; then ok "no mounts left"; else not_ok "no mounts left" "$(echo "$left" | tr '\n' ' ')"; fi

  left=$(comm -13 <(echo "$CONF_HOST_PATHS_BEFORE") <(host_paths))
  if [ -z "$left" ]; then ok "no state outside the work dir"; else
    not_ok "no state outside the work dir" "$(echo "$left" | tr '\n' ' ')"
  fi

  cd /
  umount -l "$W" 2>/dev/null
  rmdir "$W" 2>/dev/null
  echo "$PASSED passed, $FAILED failed"
  [ "$FAILED" = 0 ] && exit 0
  exit 1
}
