#!/usr/bin/env bash
# make security: attacks on the runtime from inside a container and from a
# bundle, and faults (races, kill -9, hung hooks, odd config files), each run
# the same way against runj, runc and crun in one run on this machine. Prints
# one row per case with the count for each runtime side by side, writes a
# JSON summary, and exits non-zero when any case succeeds against runj (runc
# and crun are measured for comparison only). See README.md beside this file.
#
#   bash conformance/security/run.sh
# Environment:
#   SECURITY_SCALE=F      multiply every repeat count by F (default 1; 0.2 for a quick look)
#   SECURITY_RUNTIMES=".." which runtimes, in order (default "runj runc crun")
#   SECURITY_ONLY=REGEX   only the cases whose name matches
#   SECURITY_JSON=FILE    the summary (default dist/security.json)
# shellcheck disable=SC2034 # CONF_* variables are read by lib.sh
set -uo pipefail
SEC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SEC_DIR/../.." && pwd)
# shellcheck source=conformance/lib.sh
. "$SEC_DIR/../lib.sh"

# Private mount namespace, a tmpfs work dir $W, the token every process we
# start carries (lib.sh's leftover checks find them by it), no ERR trap (the
# attacks fail commands on purpose), no runj host policy.
CONF_TOKEN_NAME=runj-security CONF_PLAIN=1 conf_init security
install_pkgs busybox-static jq util-linux runc crun gcc libc6-dev time
SEC_START=$SECONDS
SCALE=${SECURITY_SCALE:-1}
RUNTIMES=${SECURITY_RUNTIMES:-runj runc crun}
JSON_OUT=${SECURITY_JSON:-$REPO/dist/security.json}
# scaled N : N times SECURITY_SCALE, at least 1.
scaled() { awk -v n="$1" -v s="$SCALE" 'BEGIN { v = int(n * s + 0.5); print (v < 1 ? 1 : v) }'; }

# The attacker programs, static, so they run in a busybox-static rootfs.
for p in overwrite swapper; do
  gcc -static -O2 -o "$W/bin/sec-$p" "$SEC_DIR/$p.c" || { not_ok "compile $p.c"; conf_finish; }
done

# --- the runtime under test ------------------------------------------------------
# RT is its name, R the command (with its own --root), VICTIM the host binary
# an exe-overwrite attack would damage: for runj the helper (a copy, through
# RUNJ_HELPER), for runc and crun a copy of the runtime itself, run from there.
RT=
R=()
VICTIM=
VICTIM_ORIG=
ROOT=
ROOTFS=
select_runtime() {
  RT=$1
  ROOT=$W/$RT/root
  ROOTFS=$W/$RT/rootfs
  case $RT in
    runj)
      VICTIM_ORIG=$REPO/native/runj-helper
      VICTIM=$W/runj/runj-helper
      R=(env "RUNJ_HELPER=$VICTIM" "$CONF_DIR/runj-wrapper.sh" --root "$ROOT")
      ;;
    runc | crun)
      VICTIM_ORIG=$(command -v "$RT")
      VICTIM=$W/$RT/$RT
      R=("$VICTIM" --root "$ROOT")
      ;;
    *)
      echo "unknown runtime $RT (runj, runc or crun)" >&2
      return 1
      ;;
  esac
}
setup_runtime() {
  select_runtime "$1" || return 1
  mkdir -p "$ROOT" "$W/$RT/b" "$W/$RT/cwd"
  cp "$VICTIM_ORIG" "$VICTIM"
  build_rootfs "$ROOTFS"
  cp "$W/bin/sec-overwrite" "$ROOTFS/bin/"
  # The fd-leak case's way in: a rootfs symlink to an fd of whoever resolves it.
  ln -s /proc/self/fd/4 "$ROOTFS/sec-fd4"
  note "$RT: $("${R[@]}" --version 2>&1 | head -1)"
}

# victim_damaged : the victim copy differs from the original (then it is restored).
victim_damaged() {
  cmp -s "$VICTIM" "$VICTIM_ORIG" && return 1
  cp "$VICTIM_ORIG" "$VICTIM.new" && mv -f "$VICTIM.new" "$VICTIM"
  return 0
}

# The per-container marker: every runtime command for ID runs with it in its
# environment, the container's processes and hooks get it in theirs.
mark() { echo "$CONF_TOKEN-$RT-$1"; }

# rt ID SECONDS CMD... : the runtime command for container ID, bounded in
# time, from a cwd of its own; stdout+stderr to $OUT, status in $RC.
OUT=
RC=0
rt() {
  local id=$1 secs=$2
  shift 2
  OUT=$W/out.$BASHPID.$((++CONF_NRUN))
  RC=0
  (cd "$W/$RT/cwd" && SEC_MARK=$(mark "$id") timeout -k 3 "$secs" "${R[@]}" "$@") >"$OUT" 2>&1 </dev/null || RC=$?
}
rt_delete() { rt "$1" 30 delete --force "$1"; }

# bundle ID ARGS_JSON [JQ_FILTER] : writes $W/RT/b/ID/config.json (sets B, D):
# the runtime's busybox rootfs, proc and a /dev tmpfs, the bundle's data/ at
# /data, pid/ipc/uts/mount/network namespaces, the usual three capabilities,
# a cgroup of its own under the run's parent. ociVersion 1.0.2: crun 1.8
# refuses newer.
B=
D=
CAPS='["CAP_AUDIT_WRITE","CAP_KILL","CAP_NET_BIND_SERVICE"]'
bundle() {
  local id=$1 args=$2 filter=${3:-.}
  B=$W/$RT/b/$id
  D=$B/data
  rm -rf "$B"
  mkdir -p "$D"
  chmod 1777 "$D"
  jq -n --arg rootfs "$ROOTFS" --arg data "$D" --arg cg "$CONF_CGROUP/$RT-$id" --argjson args "$args" \
    --arg token "CONF_TOKEN=$CONF_TOKEN" --arg mark "SEC_MARK=$(mark "$id")" --argjson caps "$CAPS" \
    --arg b "$B" --arg d "$D" '{
  ociVersion: "1.0.2",
  process: {
    terminal: false, user: {uid: 0, gid: 0}, args: $args, cwd: "/",
    env: ["PATH=/bin", "HOME=/root", $token, $mark],
    capabilities: {bounding: $caps, effective: $caps, permitted: $caps},
    noNewPrivileges: false
  },
  root: {path: $rootfs, readonly: false},
  hostname: "security",
  mounts: [
    {destination: "/proc", type: "proc", source: "proc"},
    {destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"]},
    {destination: "/data", type: "bind", source: $data, options: ["rbind", "rw"]}
  ],
  linux: {
    namespaces: [{type: "pid"}, {type: "ipc"}, {type: "uts"}, {type: "mount"}, {type: "network"}],
    cgroupsPath: $cg
  }
} | '"$filter" >"$B/config.json"
}

# like ID : a bundle for ID made from the last one written for the id "@ID@"
# (bundle @ID@ ...), with the id put in by sed: one jq per case, not per id.
like() {
  B=$W/$RT/b/$1
  D=$B/data
  rm -rf "$B"
  mkdir -p "$D"
  chmod 1777 "$D"
  sed "s/@ID@/$1/g" "$W/$RT/b/@ID@/config.json" >"$B/config.json"
}

# throttle N : waits while N or more background jobs run.
throttle() { while [ "$(jobs -rp | wc -l)" -ge "$1" ]; do wait -n; done; }

# --- leftovers of one container --------------------------------------------------
# Processes carrying ID's marker, or in its cgroup on any hierarchy.
id_pids() {
  grep -lsxzF "SEC_MARK=$(mark "$1")" /proc/[0-9]*/environ | cut -d/ -f3
  cat /sys/fs/cgroup/*/"$CONF_TOKEN/$RT-$1"/cgroup.procs 2>/dev/null
}
id_cgroups() { find /sys/fs/cgroup/*/"$CONF_TOKEN/$RT-$1" -depth -type d 2>/dev/null; }
id_mounts() { awk -v re="/$1(/|$)" '$5 ~ re {print $5}' /proc/self/mountinfo; }
# leftovers ID : what ID left behind (one word per kind, empty when nothing).
leftovers() {
  local what=()
  [ -e "$ROOT/$1" ] && what+=(state)
  [ -n "$(id_pids "$1")" ] && what+=(processes)
  [ -n "$(id_cgroups "$1")" ] && what+=(cgroups)
  [ -n "$(id_mounts "$1")" ] && what+=(mounts)
  echo "${what[*]}"
}
# scrub ID : removes whatever ID left (after counting), so later cases start clean.
scrub() {
  local p d
  for p in $(id_pids "$1"); do kill -9 "$p" 2>/dev/null; done
  for p in $(id_mounts "$1" | sort -r); do umount -l "$p" 2>/dev/null; done
  soon 100 test -z "$(id_pids "$1")"
  for d in $(id_cgroups "$1"); do rmdir "$d" 2>/dev/null || { sleep 0.3; rmdir "$d" 2>/dev/null; }; done
  rm -rf "${ROOT:?}/$1"
  return 0
}

# soon TICKS CMD... : polls CMD every 50 ms, TICKS times at most.
soon() {
  local t=$1
  shift
  while [ "$t" -gt 0 ]; do
    "$@" 2>/dev/null && return 0
    sleep 0.05
    t=$((t - 1))
  done
  return 1
}

# scrub_all : scrub for every id of this runtime at once (after a case that
# ran many ids: one pass, not one per id).
scrub_all() {
  local p d
  for p in $(grep -lsz "^SEC_MARK=$CONF_TOKEN-$RT-" /proc/[0-9]*/environ | cut -d/ -f3) \
    $(cat /sys/fs/cgroup/*/"$CONF_TOKEN/$RT"-*/cgroup.procs 2>/dev/null); do
    kill -9 "$p" 2>/dev/null
  done
  soon 100 test -z "$(grep -lsz "^SEC_MARK=$CONF_TOKEN-$RT-" /proc/[0-9]*/environ)"
  find /sys/fs/cgroup/*/"$CONF_TOKEN" -mindepth 1 -depth -type d -name "$RT-*" 2>/dev/null |
    while read -r d; do rmdir "$d" 2>/dev/null || { sleep 0.3; rmdir "$d" 2>/dev/null; }; done
  find "$ROOT" -mindepth 1 -maxdepth 1 -exec rm -rf {} +
  return 0
}

# rand_s MAX_MS : a random number of seconds in [0, MAX ms].
rand_s() { awk -v r="$RANDOM" -v m="$1" 'BEGIN { printf "%.3f", r / 32767 * m / 1000 }'; }

# --- results ---------------------------------------------------------------------
# result CASE COUNT TOTAL NOTE : one runtime's count for a case ("bad" things
# out of attempts: successful attacks, stuck ids, leftovers, failed runs).
RESULTS=$W/results.tsv
: >"$RESULTS"
result() {
  printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$RT" "$2" "$3" "${4:-}" >>"$RESULTS"
  note "$RT $1: $2/$3${4:+ ($4)}"
}

# shellcheck source=conformance/security/attacks.sh
. "$SEC_DIR/attacks.sh"
# shellcheck source=conformance/security/faults.sh
. "$SEC_DIR/faults.sh"
# Cases that drive the runtime hard run one runtime at a time; the two that
# mostly wait (hooks that sleep, config files that hang) run last, for every
# runtime at once, so a hang costs its 30 s once and not three times.
ACTIVE=(exe-overwrite-exec exe-overwrite-exec-detach exe-overwrite-created-init fd-leak mount-race
  start-delete-race kill9-create kill9-start kill9-delete)
WAITING=(hook-timeout config-file)
CASES=("${ACTIVE[@]}" "${WAITING[@]}")
selected() { [ -z "${SECURITY_ONLY:-}" ] || [[ $1 =~ $SECURITY_ONLY ]]; }

if [[ " $RUNTIMES " == *" crun "* ]] && [ -n "$(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null)" ]; then
  # As lib.sh's conf_init does for crun: crun 1.8 refuses a hybrid host whose
  # cgroup2 has a controller; an empty file over the list (in this namespace)
  # makes it use the v1 controllers as runc does. runj and runc use v1 on a
  # hybrid host and do not read the file.
  : >"$W/empty"
  mount --bind "$W/empty" /sys/fs/cgroup/unified/cgroup.controllers && MASKED=1
  note "hybrid cgroups: masked /sys/fs/cgroup/unified/cgroup.controllers in this namespace (for crun)"
fi
ran=()
for rt in $RUNTIMES; do
  setup_runtime "$rt" || continue
  ran+=("$rt")
  for c in "${ACTIVE[@]}"; do
    selected "$c" || continue
    t=$SECONDS
    "case_${c//-/_}"
    note "$RT $c took $((SECONDS - t)) s"
  done
done
t=$SECONDS
for rt in "${ran[@]}"; do
  for c in "${WAITING[@]}"; do
    selected "$c" && (select_runtime "$rt" && "case_${c//-/_}") &
  done
done
wait
note "${WAITING[*]} took $((SECONDS - t)) s"
for rt in "${ran[@]}"; do
  select_runtime "$rt"
  # Whatever the runtime still lists, or left in its root, goes before the end.
  for id in "$ROOT"/*; do
    [ -e "$id" ] || continue
    rt_delete "${id##*/}"
    scrub "${id##*/}"
  done
done
[ -z "${MASKED:-}" ] || umount /sys/fs/cgroup/unified/cgroup.controllers

# --- the table and the summary -------------------------------------------------------
# A case passes for runj when its count is 0; runc and crun are for comparison.
cell() { awk -F'\t' -v c="$1" -v r="$2" '$1 == c && $2 == r {print $3 "/" $4; f = 1} END {if (!f) print "-"}' "$RESULTS"; }
echo
printf '%-28s %-10s %-10s %-10s %s\n' case runj runc crun "verdict (runj)"
printf '%-28s %-10s %-10s %-10s %s\n' ---- ---- ---- ---- -------
for c in "${CASES[@]}"; do
  grep -q "^$c	" "$RESULTS" || continue
  v=$(awk -F'\t' -v c="$c" '$1 == c && $2 == "runj" {print ($3 == 0 ? "pass" : "FAIL")}' "$RESULTS")
  printf '%-28s %-10s %-10s %-10s %s\n' "$c" "$(cell "$c" runj)" "$(cell "$c" runc)" "$(cell "$c" crun)" "${v:-not run}"
done
echo
awk -F'\t' '$5 != "" {printf "# %-28s %-5s %s\n", $1, $2, $5}' "$RESULTS"
SEC_WALL=$((SECONDS - SEC_START))
mkdir -p "$(dirname "$JSON_OUT")"
jq -R -s --argjson wall "$SEC_WALL" --arg scale "$SCALE" '
  split("\n") | map(select(length > 0) | split("\t")
    | {case: .[0], runtime: .[1], count: (.[2] | tonumber), total: (.[3] | tonumber), note: .[4]})
  | {scale: ($scale | tonumber), wallSeconds: $wall,
     cases: (group_by(.case) | map({key: .[0].case, value: (map({key: .runtime, value: (del(.case, .runtime))}) | from_entries)}) | from_entries),
     runjFailed: (map(select(.runtime == "runj" and .count > 0) | .case))}' "$RESULTS" >"$JSON_OUT"
note "summary: $JSON_OUT; wall time $SEC_WALL s (scale $SCALE)"
for c in "${CASES[@]}"; do
  n=$(awk -F'\t' -v c="$c" '$1 == c && $2 == "runj" {print $3 "/" $4}' "$RESULTS")
  [ -n "$n" ] || continue
  if [ "${n%%/*}" = 0 ]; then ok "runj: $c ($n)"; else not_ok "runj: $c" "$n"; fi
done
conf_finish
