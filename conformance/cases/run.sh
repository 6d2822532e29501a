#!/usr/bin/env bash
# runj's black-box lifecycle cases: generic OCI runtime cases driven through
# the runc-compatible CLI only (RUNTIME --root DIR create|start|state|kill|
# delete|run|exec|ps|list), so they run unchanged against runc, crun or runj.
#   bash conformance/cases/run.sh [RUNTIME]    (default: conformance/runj-wrapper.sh)
# Prints `ok - CASE` / `not ok - CASE: WHY` per case, then the common leftover
# checks and `N passed, M failed`; exits 0 only when everything passed.
# CASES_ONLY=REGEX runs only the cases whose name matches (extended regex).
#
# Every case file (cases/*.sh but this one) is sourced and appends its cases
# to CASES_ALL; a case is a function case_NAME that returns non-zero after
# calling fail WHY (the first failed assertion). Each case makes fresh bundles
# (new_bundle) on the one busybox-static rootfs of the run; whatever
# containers it created are force-deleted after it, pass or fail.
# shellcheck disable=SC2034 # CONF_* variables are read by lib.sh
set -uo pipefail
CASES_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=conformance/lib.sh
. "$CASES_DIR/../lib.sh"

# --- setup: lib.sh's conf_init with this suite's own names -------------------
# Everything lives under /tmp/runj-cases-PID (a tmpfs in a private mount
# namespace); containers get cgroups under /runj-cases-PID and carry
# CONF_TOKEN=runj-cases-PID in their environment, so lib.sh's leftover checks
# (conf_finish) find whatever a runtime leaves behind. CONF_PLAIN: the cases
# fail commands on purpose (no ERR trap) and runj gets no host policy.
CONF_TOKEN_NAME=runj-cases CONF_PLAIN=1 conf_init cases "$@"
install_pkgs busybox-static jq util-linux

ROOT=$W/state                 # the runtime's --root
R=("$RUNTIME" --root "$ROOT") # the runtime command, for lib.sh's run
ROOTFS=$W/rootfs
CONF_TIMEOUT=30
mkdir -p "$ROOT" "$W/bundles"
build_rootfs "$ROOTFS"
mkdir -p "$ROOTFS/data"

# --- bundles ---------------------------------------------------------------------
# One config template for every runtime (`RUNTIME spec` differs between them):
# ociVersion 1.0.2 (crun 1.8 refuses newer), the shared rootfs by absolute
# path, the usual mounts, pid/ipc/uts/mount/network namespaces, no seccomp, no
# resources, and a cgroupsPath of its own under the run's parent cgroup. The
# bundle's data/ dir (mode 1777) is bind-mounted at /data: programs write
# their markers and output there and the cases read them from the host.
CAPS='["CAP_AUDIT_WRITE","CAP_KILL","CAP_NET_BIND_SERVICE"]'
config_template() {
  jq -n --arg rootfs "$ROOTFS" --arg data "$1/data" --arg cg "$CONF_CGROUP/$2" \
    --arg token "CONF_TOKEN=$CONF_TOKEN" --argjson caps "$CAPS" '{
  ociVersion: "1.0.2",
  process: {
    terminal: false,
    user: {uid: 0, gid: 0},
    args: ["sh"],
    env: ["PATH=/bin", "HOME=/root", $token],
    cwd: "/",
    capabilities: {bounding: $caps, effective: $caps, permitted: $caps},
    noNewPrivileges: false
  },
  root: {path: $rootfs, readonly: false},
  hostname: "runj-cases",
  mounts: [
    {destination: "/proc", type: "proc", source: "proc"},
    {destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"]},
    {destination: "/dev/pts", type: "devpts", source: "devpts", options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
    {destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
    {destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"]},
    {destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"]},
    {destination: "/data", type: "bind", source: $data, options: ["rbind", "rw"]}
  ],
  linux: {
    namespaces: [{type: "pid"}, {type: "ipc"}, {type: "uts"}, {type: "mount"}, {type: "network"}],
    cgroupsPath: $cg
  }
}'
}

# new_bundle ID SCRIPT [JQ_FILTER] : makes $W/bundles/ID with process.args
# ["sh", "-c", SCRIPT], then applies JQ_FILTER to the config ($b is the
# bundle path, $d its data dir); sets B to the bundle and D to its data dir.
B=
D=
new_bundle() {
  local id=$1 script=$2 filter=${3:-.}
  B=$W/bundles/$id
  D=$B/data
  rm -rf "$B"
  mkdir -p "$D"
  chmod 1777 "$D"
  config_template "$B" "$id" |
    jq --arg s "$script" --arg b "$B" --arg d "$D" ".process.args = [\"sh\", \"-c\", \$s] | $filter" >"$B/config.json"
}

# --- assertions --------------------------------------------------------------------
# A case calls fail WHY and returns non-zero at its first failed assertion:
#   must DESC CMD...        CMD (through lib.sh's run) exits 0
#   must_fail DESC CMD...   CMD exits non-zero
#   expect DESC TEST...     the test command succeeds
CASE_WHY=
fail() {
  [ -n "$CASE_WHY" ] || CASE_WHY=$1
  return 1
}
must() {
  local desc=$1
  shift
  run "$@"
  [ "$RC" = 0 ] || fail "$desc: $(why)"
}
must_fail() {
  local desc=$1
  shift
  run "$@"
  [ "$RC" != 0 ] || fail "$desc: exit 0, want an error"
}
expect() {
  local desc=$1
  shift
  "$@" || fail "$desc"
}

# --- the runtime -------------------------------------------------------------------
# Containers created by the current case, force-deleted after it.
CASE_IDS=()
# rt_create ID [FLAGS...] : create from $W/bundles/ID.
rt_create() {
  local id=$1
  shift
  CASE_IDS+=("$id")
  run "${R[@]}" create --bundle "$W/bundles/$id" "$@" "$id"
  [ "$RC" = 0 ] || fail "create $id: $(why)"
}
# create_started ID : create and start; wait until the program ran (it writes
# /data/started), so the container is past its runtime's init.
create_started() {
  rt_create "$1" || return 1
  must "start $1" "${R[@]}" start "$1" || return 1
  wait_for 10 test -e "$W/bundles/$1/data/started" || fail "program of $1 did not write /data/started"
}

# state_of ID : STATE (stdout of `state`, JSON) and STATE_RC; STATE_ERR its stderr.
STATE=
STATE_RC=0
STATE_ERR=
state_of() {
  STATE_ERR=$W/state.err
  STATE_RC=0
  STATE=$(timeout -k 5 "$CONF_TIMEOUT" "${R[@]}" state "$1" 2>"$STATE_ERR" </dev/null) || STATE_RC=$?
}
# field ID KEY : one field of the container's state (empty when state fails).
field() {
  state_of "$1"
  [ "$STATE_RC" = 0 ] || return 0
  jq -r ".$2 // empty" <<<"$STATE" 2>/dev/null || true
}
status_is() { [ "$(field "$1" status)" = "$2" ]; }
# expect_status ID STATUS [SECONDS] : waits for it (stopped is asynchronous).
expect_status() {
  local id=$1 want=$2
  wait_for "${3:-10}" status_is "$id" "$want" && return 0
  state_of "$id"
  fail "state of $id: status '$(jq -r .status <<<"$STATE" 2>/dev/null)', want '$want' (state exit $STATE_RC$(head -c 300 "$STATE_ERR" | sed -n '1s/^/: /p'))"
}
# expect_gone ID : `state` fails, saying the container does not exist.
expect_gone() {
  state_of "$1"
  [ "$STATE_RC" != 0 ] || { fail "state of $1 succeeded after it was deleted (status $(jq -r .status <<<"$STATE" 2>/dev/null))"; return 1; }
  grep -qiE 'does not exist|no such file or directory|not found' "$STATE_ERR" ||
    fail "state of $1: exit $STATE_RC but no 'does not exist' error: $(head -c 300 "$STATE_ERR")"
}
# alive PID : the process exists and is not a zombie.
alive() {
  local st
  st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}
dead() { ! alive "$1"; }
# expect_dead PID DESC : the process is gone (within 10 s).
expect_dead() { wait_for 10 dead "$1" || fail "$2: process $1 is still alive"; }
# file_is FILE TEXT : FILE's content is exactly TEXT (one line).
file_is() { [ "$(cat "$1" 2>/dev/null)" = "$2" ]; }
# The program most cases run: say it started, then wait (and die) quietly.
LOOP='echo started > /data/started; while :; do sleep 1; done'

force_delete() {
  local id
  for id in "$@"; do
    timeout -k 5 30 "${R[@]}" kill "$id" KILL >/dev/null 2>&1 </dev/null
    timeout -k 5 30 "${R[@]}" delete --force "$id" >/dev/null 2>&1 </dev/null
  done
  return 0
}

# Force-deletes whatever the runtime still lists, then reports it if any.
cleanup() {
  local ids
  ids=$(timeout -k 5 30 "${R[@]}" list -q 2>/dev/null </dev/null | grep -v '^time=')
  # shellcheck disable=SC2086 # one id a line
  [ -z "$ids" ] || { note "force-deleting left containers: $(tr '\n' ' ' <<<"$ids")"; force_delete $ids; }
  return 0
}
CONF_CLEANUP=cleanup

# --- the cases -----------------------------------------------------------------
CASES_ALL=()
CASE_FILES=(lifecycle state kill errors hooks process exec)
for f in "$CASES_DIR"/*.sh; do
  f=$(basename "$f" .sh)
  [ "$f" = run ] || [[ " ${CASE_FILES[*]} " == *" $f "* ]] || CASE_FILES+=("$f")
done
for f in "${CASE_FILES[@]}"; do
  # shellcheck source=/dev/null
  . "$CASES_DIR/$f.sh"
done
START=$SECONDS
for c in "${CASES_ALL[@]}"; do
  [ -n "${CASES_ONLY:-}" ] && ! [[ $c =~ $CASES_ONLY ]] && continue
  CASE_WHY=
  CASE_IDS=()
  t=$SECONDS
  if "case_$c" && [ -z "$CASE_WHY" ]; then ok "$c"; else not_ok "$c" "${CASE_WHY:-failed}"; fi
  [ ${#CASE_IDS[@]} = 0 ] || force_delete "${CASE_IDS[@]}"
  [ $((SECONDS - t)) -lt 20 ] || note "$c took $((SECONDS - t)) s"
done
note "cases took $((SECONDS - START)) s"
run "${R[@]}" list -q
if [ "$RC" = 0 ] && ! grep -qv '^time=' "$OUT"; then ok "runtime lists no containers"; else
  not_ok "runtime lists no containers" "$(why; tr '\n' ' ' <"$OUT" | head -c 200)"
fi
conf_finish
