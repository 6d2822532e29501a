#!/usr/bin/env bash
# shellcheck disable=SC2046,SC2086 # flag strings are split on purpose
# podman client conformance: drives RUNTIME through podman and conmon with
# private storage, run dir and containers.conf, on a local busybox rootfs.
#   bash conformance/podman.sh [RUNTIME]    (default: conformance/runj-wrapper.sh)
# Prints `ok - NAME` / `not ok - NAME: WHY` per check and `N passed, M failed`.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
conf_init podman "$@"
install_pkgs podman conmon busybox-static util-linux

# podman accepts a runtime by name; the name must be in runtime_supports_json
# for podman to read the runtime's JSON error output. Register RUNTIME under
# one name in a private containers.conf (CONTAINERS_CONF replaces the system
# files) and a private storage.conf.
#
# podman gives a root runtime no --root (runc would keep state in /run/runc),
# and neither conmon's environment nor the cleanup process (conmon's exit
# command) keeps --runtime-flag or RUNJ_POLICY. So podman runs RUNTIME through
# a small wrapper that adds a private --root and the policy, nothing else.
RT_NAME=conformance
RT_ROOT=$W/runtime-root
mkdir -p "$W"/{storage,runroot,libpod,net,hooks} "$RT_ROOT"
cat >"$W/bin/$RT_NAME" <<EOF
#!/bin/sh
${RUNJ_POLICY:+export RUNJ_POLICY=$RUNJ_POLICY}
exec "$RUNTIME" --root "$RT_ROOT" "\$@"
EOF
chmod +x "$W/bin/$RT_NAME"
cat >"$W/containers.conf" <<EOF
[containers]
# podman asks for nofile/nproc limits of 1048576/4194304 (or its own hard
# limits); where root lacks CAP_SYS_RESOURCE (as in some sandboxes) the runtime
# cannot raise them. Ask for modest limits that any host allows.
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
log_driver = "k8s-file"
netns = "none"
[network]
network_config_dir = "$W/net"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$W/events.log"
tmp_dir = "$W/libpod"
hooks_dir = ["$W/hooks"]
conmon_path = ["$(command -v conmon)"]
runtime = "$RT_NAME"
runtime_supports_json = ["$RT_NAME"]
[engine.runtimes]
$RT_NAME = ["$W/bin/$RT_NAME"]
EOF
cat >"$W/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "$W/storage"
runroot = "$W/runroot"
EOF
export CONTAINERS_CONF=$W/containers.conf CONTAINERS_STORAGE_CONF=$W/storage.conf
export CONTAINERS_REGISTRIES_CONF=$W/registries.conf
echo 'unqualified-search-registries = []' >"$CONTAINERS_REGISTRIES_CONF"

P="podman --runtime $RT_NAME"
# Flags for every container: our cgroup parent, the token in its env, and
# --rootfs, which makes the first argument a rootfs directory, not an image.
C="--cgroup-parent $CONF_CGROUP --network none --env CONF_TOKEN=$CONF_TOKEN --rootfs"
R=$W/rootfs

cleanup() {
  timeout 60 $P rm -af -t 0 >/dev/null 2>&1
  return 0
}
CONF_CLEANUP=cleanup
CONF_CGROUP_KEEP=conmon # podman's shared cgroup for conmon under the parent

build_rootfs "$W/rootfs"
run $P info --format '{{.Host.OCIRuntime.Path}} {{.Host.CgroupManager}} {{.Store.GraphRoot}}'
if [ "$RC" = 0 ] && out_has "$W/bin/$RT_NAME cgroupfs $W/storage"; then ok "podman uses the runtime and private storage"; else
  not_ok "podman uses the runtime and private storage" "$(why)"
  conf_finish
fi
note "$(podman --version), conmon $(conmon --version | head -1 | awk '{print $3}')"

# --- run and exit codes ----------------------------------------------------------
run $P run --rm $C $R echo hello-from-podman
if [ "$RC" = 0 ] && out_has hello-from-podman; then ok "run exits 0 with output"; else
  not_ok "run exits 0 with output" "$(why)"
fi
expect_rc "run exits with the process's status (3)" 3 $P run --rm $C $R sh -c 'exit 3'
expect_rc "run of a missing command exits 127" 127 $P run --rm $C $R /no/such/cmd
run script -qefc "$P run --rm -t $C $R sh -c '[ -t 0 ] && [ -t 1 ] && echo TTY-OK'" /dev/null
if [ "$RC" = 0 ] && out_has TTY-OK; then ok "run with a tty (-t)"; else not_ok "run with a tty (-t)" "$(why)"; fi
run $P ps -aq
if [ "$RC" = 0 ] && [ ! -s "$OUT" ]; then ok "run --rm leaves no container"; else
  not_ok "run --rm leaves no container" "$(why)"
fi

# --- a detached container --------------------------------------------------------
# PID 1 ignores SIGTERM unless it installs a handler: this one exits 42 on TERM.
expect_rc "run -d starts a detached container" 0 $P run -d --name c1 --memory 64m $C $R \
  sh -c 'trap "exit 42" TERM; while :; do sleep 1; done'
state() { timeout 30 $P inspect --format '{{.State.Status}}' "$1" 2>/dev/null; }
state_is() { [ "$(state "$1")" = "$2" ]; }
if wait_for 10 state_is c1 running; then ok "detached container is running"; else
  not_ok "detached container is running" "status '$(state c1)'"
fi
run $P inspect --format '{{.State.Pid}} {{.Id}}' c1
read -r pid id <"$OUT" || true
cgroup_checks "$pid" "$CONF_CGROUP/libpod-$id" $((64 << 20))
seccomp_check "$pid" # podman's default profile

run $P exec c1 sh -c 'echo exec-out; echo exec-err >&2; exit 5'
if [ "$RC" = 5 ] && out_has exec-out && out_has exec-err; then ok "exec without a tty: output and status"; else
  not_ok "exec without a tty: output and status" "$(why)"
fi
expect_rc "exec of a missing command exits 127" 127 $P exec c1 /no/such/cmd
run script -qefc "$P exec -t c1 sh -c '[ -t 0 ] && [ -t 1 ] && tty && echo TTY-OK'" /dev/null
if [ "$RC" = 0 ] && out_has TTY-OK && out_has /dev/pts/; then ok "exec with a tty (-t)"; else
  not_ok "exec with a tty (-t)" "$(why)"
fi
# run() gives no stdin; feed it explicitly.
OUT=$W/out.stdin RC=0
timeout 60 $P exec -i c1 cat >"$OUT" 2>&1 <<<"stdin-ok" || RC=$?
if [ "$RC" = 0 ] && out_has stdin-ok; then ok "exec -i passes stdin"; else not_ok "exec -i passes stdin" "$(why)"; fi

run $P top c1 pid comm
if [ "$RC" = 0 ] && out_has sh; then ok "top lists the container's processes"; else
  not_ok "top lists the container's processes" "$(why)"
fi

expect_rc "pause" 0 $P pause c1
if wait_for 10 state_is c1 paused; then ok "paused container is paused"; else
  not_ok "paused container is paused" "status '$(state c1)'"
fi
expect_rc "unpause" 0 $P unpause c1
if wait_for 10 state_is c1 running; then ok "unpaused container is running"; else
  not_ok "unpaused container is running" "status '$(state c1)'"
fi

expect_rc "stop" 0 $P stop -t 10 c1
if wait_for 10 state_is c1 exited; then ok "stopped container has exited"; else
  not_ok "stopped container has exited" "status '$(state c1)'"
fi
run $P inspect --format '{{.State.ExitCode}}' c1
if [ "$RC" = 0 ] && [ "$(cat "$OUT")" = 42 ]; then ok "stop: exit status 42 (TERM handler)"; else
  not_ok "stop: exit status 42 (TERM handler)" "$(why)"
fi
expect_rc "rm (c1)" 0 $P rm c1

# A container that ignores SIGTERM: stop falls back to SIGKILL.
expect_rc "run -d a second container" 0 $P run -d --name c2 $C $R sleep 600
wait_for 10 state_is c2 running || true
expect_rc "stop falls back to SIGKILL" 0 $P stop -t 1 c2
run $P inspect --format '{{.State.ExitCode}}' c2
if [ "$RC" = 0 ] && [ "$(cat "$OUT")" = 137 ]; then ok "stop: exit status 137 (SIGKILL)"; else
  not_ok "stop: exit status 137 (SIGKILL)" "$(why)"
fi
expect_rc "rm (c2)" 0 $P rm c2

expect_rc "run -d a third container" 0 $P run -d --name c3 $C $R sleep 600
wait_for 10 state_is c3 running || true
expect_rc "rm -f of a running container" 0 $P rm -f -t 0 c3

run $P ps -aq
if [ "$RC" = 0 ] && [ ! -s "$OUT" ]; then ok "no containers remain"; else not_ok "no containers remain" "$(why)"; fi
run "$RUNTIME" --root "$RT_ROOT" list -q
if [ "$RC" = 0 ] && [ -z "$(grep -v '^time=' "$OUT")" ]; then ok "runtime lists no containers"; else
  not_ok "runtime lists no containers" "$(why)"
fi
conf_finish
