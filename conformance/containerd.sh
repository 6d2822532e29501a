#!/usr/bin/env bash
# shellcheck disable=SC2046,SC2086 # flag strings are split on purpose
# containerd client conformance: drives RUNTIME through ctr and the
# io.containerd.runc.v2 shim against a private containerd.
#   bash conformance/containerd.sh [RUNTIME]    (default: conformance/runj-wrapper.sh)
# Prints `ok - NAME` / `not ok - NAME: WHY` per check and `N passed, M failed`.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
conf_init containerd "$@"
install_pkgs containerd busybox-static umoci util-linux

NS=conformance
SOCK=$W/containerd.sock
IMAGE=conformance.local/busybox:latest
RUNC_ROOT=$W/runtime-root
CTRD_PID=
RUN_CONTAINERD_DIR=

# ctr reads its socket and namespace from the environment, also under script(1).
export CONTAINERD_ADDRESS=$SOCK CONTAINERD_NAMESPACE=$NS
# ctr run / exec flags shared by every container: our runtime, private
# runtime root, fifo dir and cgroup, and the token in the container's env.
run_flags() {
  echo --runtime io.containerd.runc.v2 --runc-binary "$RUNTIME" --runc-root "$RUNC_ROOT" \
    --fifo-dir "$W/fifo" --cgroup "$CONF_CGROUP/$1" --env "CONF_TOKEN=$CONF_TOKEN"
}
task_status() { ctr task ls 2>/dev/null | awk -v id="$1" '$1 == id {print $3}'; }
task_pid() { ctr task ls 2>/dev/null | awk -v id="$1" '$1 == id {print $2}'; }
status_is() { [ "$(task_status "$1")" = "$2" ]; }

cleanup() {
  local id
  if [ -n "$CTRD_PID" ] && kill -0 "$CTRD_PID" 2>/dev/null; then
    for id in $(ctr task ls -q 2>/dev/null); do
      timeout 30 ctr task kill -s SIGKILL "$id" >/dev/null 2>&1
      timeout 30 ctr task delete -f "$id" >/dev/null 2>&1
    done
    for id in $(ctr container ls -q 2>/dev/null); do
      timeout 30 ctr container delete "$id" >/dev/null 2>&1
    done
    timeout 30 ctr images rm "$IMAGE" >/dev/null 2>&1
    kill "$CTRD_PID" 2>/dev/null
    wait_for 20 bash -c "! kill -0 $CTRD_PID" || kill -9 "$CTRD_PID" 2>/dev/null
    wait "$CTRD_PID" 2>/dev/null
  fi
  # Shims outlive containerd by design: give them a moment, the common check
  # then reports any that remain.
  wait_for 10 bash -c '[ -z "$(pgrep -f "containerd-shim.*-address $0")" ]' "$SOCK" || true
  if [ -n "$RUN_CONTAINERD_DIR" ]; then
    umount -l /run/containerd 2>/dev/null
    [ "$RUN_CONTAINERD_DIR" = created ] && rmdir /run/containerd 2>/dev/null
  fi
  return 0
}
CONF_CLEANUP=cleanup

# --- a private containerd ----------------------------------------------------
# The runc v2 shim puts its socket in the fixed /run/containerd/s: hide the
# host's /run/containerd behind a tmpfs visible only in our mount namespace.
if [ -d /run/containerd ]; then RUN_CONTAINERD_DIR=existed; else
  mkdir /run/containerd && RUN_CONTAINERD_DIR=created
fi
mount -t tmpfs -o mode=0711 conf-run-containerd /run/containerd

mkdir -p "$W/fifo" "$RUNC_ROOT"
cat >"$W/containerd.toml" <<EOF
version = 2
root = "$W/root"
state = "$W/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.tracing.processor.v1.otlp",
  "io.containerd.internal.v1.tracing"]
[grpc]
  address = "$SOCK"
[ttrpc]
  address = "$W/containerd.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$W/opt"
EOF
containerd --config "$W/containerd.toml" --log-level warn >"$W/containerd.log" 2>&1 &
CTRD_PID=$!
if wait_for 30 ctr version; then ok "containerd starts"; else
  not_ok "containerd starts" "$(tail -1 "$W/containerd.log")"
  conf_finish
fi
note "$(command ctr --version), containerd log $W/containerd.log"

# --- a busybox image, built locally ------------------------------------------
build_rootfs "$W/rootfs"
# umoci makes the OCI image layout from the rootfs; ctr imports it as a tar.
build_image() {
  cd "$W" && umoci init --layout oci && umoci new --image oci:latest &&
    umoci unpack --image oci:latest bundle && cp -a rootfs/. bundle/rootfs/ &&
    umoci repack --image oci:latest bundle &&
    umoci config --image oci:latest --os linux --architecture amd64 \
      --config.env PATH=/bin --config.cmd sh --config.workingdir / &&
    tar -C oci -cf busybox.tar .
}
build_image >"$W/umoci.log" 2>&1 || { not_ok "build an OCI image with umoci" "$(tail -1 "$W/umoci.log")"; conf_finish; }
rm -rf "$W/bundle" "$W/oci"
expect_rc "import the image" 0 ctr images import --base-name conformance.local/busybox "$W/busybox.tar"
run ctr images ls -q
out_has "$IMAGE" || { not_ok "image is listed" "$(why)"; conf_finish; }

# --- run ------------------------------------------------------------------------
run ctr run --rm $(run_flags r0) "$IMAGE" r0 echo hello-from-r0
if [ "$RC" = 0 ] && out_has hello-from-r0; then ok "run exits 0 with output"; else
  not_ok "run exits 0 with output" "$(why)"
fi
expect_rc "run exits with the process's status (3)" 3 ctr run --rm $(run_flags r3) "$IMAGE" r3 sh -c 'exit 3'
run ctr run --rm $(run_flags rx) "$IMAGE" rx /no/such/cmd
if [ "$RC" = 1 ] && out_has /no/such/cmd; then ok "run of a missing command fails"; else
  not_ok "run of a missing command fails" "$(why)"
fi
run bash -c 'ctr container ls -q; ctr task ls -q'
if ! grep -qE '^r[03x]$' "$OUT"; then ok "run --rm leaves no container"; else not_ok "run --rm leaves no container" "$(tr '\n' ' ' <"$OUT")"; fi

run script -qefc "ctr run --rm -t $(run_flags rt) $IMAGE rt sh -c '[ -t 0 ] && [ -t 1 ] && echo TTY-OK'" /dev/null
if [ "$RC" = 0 ] && out_has TTY-OK; then ok "run with a tty (-t)"; else not_ok "run with a tty (-t)" "$(why)"; fi

# --- a detached task --------------------------------------------------------------
# PID 1 ignores SIGTERM unless it installs a handler: this one exits 42 on TERM.
expect_rc "run -d starts a detached task" 0 ctr run -d --memory-limit $((64 << 20)) --seccomp $(run_flags t1) "$IMAGE" t1 \
  sh -c 'trap "exit 42" TERM; while :; do sleep 1; done'
if wait_for 10 status_is t1 RUNNING; then ok "detached task is RUNNING"; else
  not_ok "detached task is RUNNING" "status '$(task_status t1)'"
fi
cgroup_checks "$(task_pid t1)" "$CONF_CGROUP/t1" $((64 << 20))
seccomp_check "$(task_pid t1)"

run ctr task exec --exec-id e1 t1 sh -c 'echo exec-out; echo exec-err >&2; exit 5'
if [ "$RC" = 5 ] && out_has exec-out && out_has exec-err; then ok "exec without a tty: output and status"; else
  not_ok "exec without a tty: output and status" "$(why)"
fi
run ctr task exec --exec-id e2 t1 /no/such/cmd
if [ "$RC" = 1 ] && out_has /no/such/cmd; then ok "exec of a missing command fails"; else
  not_ok "exec of a missing command fails" "$(why)"
fi
run script -qefc "ctr task exec -t --exec-id e3 t1 sh -c '[ -t 0 ] && [ -t 1 ] && tty && echo TTY-OK'" /dev/null
if [ "$RC" = 0 ] && out_has TTY-OK && out_has /dev/pts/; then ok "exec with a tty (-t)"; else
  not_ok "exec with a tty (-t)" "$(why)"
fi

run ctr task ps t1
pid=$(task_pid t1)
if [ "$RC" = 0 ] && [ -n "$pid" ] && awk 'NR > 1 {print $1}' "$OUT" | grep -qx "$pid"; then
  ok "ps lists the task's processes"
else
  not_ok "ps lists the task's processes" "$(why)"
fi

expect_rc "pause" 0 ctr task pause t1
if wait_for 10 status_is t1 PAUSED; then ok "paused task is PAUSED"; else
  not_ok "paused task is PAUSED" "status '$(task_status t1)'"
fi
expect_rc "resume" 0 ctr task resume t1
if wait_for 10 status_is t1 RUNNING; then ok "resumed task is RUNNING"; else
  not_ok "resumed task is RUNNING" "status '$(task_status t1)'"
fi

expect_rc "kill (SIGTERM)" 0 ctr task kill t1
if wait_for 15 status_is t1 STOPPED; then ok "killed task is STOPPED"; else
  not_ok "killed task is STOPPED" "status '$(task_status t1)'"
fi
# ctr task delete warns with the task's exit status.
run ctr task delete t1
if [ "$RC" = 0 ] && out_has "exit code 42"; then ok "task delete reports exit status 42 (TERM handler)"; else
  not_ok "task delete reports exit status 42 (TERM handler)" "$(why)"
fi
expect_rc "container delete (t1)" 0 ctr container delete t1

expect_rc "run -d a second task" 0 ctr run -d $(run_flags t2) "$IMAGE" t2 sleep 600
wait_for 10 status_is t2 RUNNING || true
expect_rc "kill -s SIGKILL" 0 ctr task kill -s SIGKILL t2
wait_for 15 status_is t2 STOPPED || true
run ctr task delete t2
if [ "$RC" = 0 ] && out_has "exit code 137"; then ok "task delete reports exit status 137 (SIGKILL)"; else
  not_ok "task delete reports exit status 137 (SIGKILL)" "$(why)"
fi
expect_rc "container delete (t2)" 0 ctr container delete t2

run bash -c 'ctr task ls -q; ctr container ls -q'
if [ ! -s "$OUT" ]; then ok "no tasks or containers remain"; else not_ok "no tasks or containers remain" "$(tr '\n' ' ' <"$OUT")"; fi
run "$RUNTIME" --root "$RUNC_ROOT/$NS" list -q
if [ "$RC" = 0 ] && [ -z "$(grep -v '^time=' "$OUT")" ]; then ok "runtime lists no containers"; else
  not_ok "runtime lists no containers" "$(why)"
fi

conf_finish
