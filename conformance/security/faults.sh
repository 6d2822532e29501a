# Faults from the host side: concurrent commands on one id, the runtime
# killed mid-operation, hooks that never finish, config files that are huge,
# endless or never readable. Sourced by run.sh; each case_* records one result.
# shellcheck shell=bash

# stuck ID : after the final `delete --force` (already run), ID is still
# there in a way no command fixes: something is left in the root dir (then
# `state` and `create` tell how it looks to a client) or still running.
# Prints the reason (the case scrubs everything afterwards).
stuck() {
  local id=$1 why=
  if [ -e "$ROOT/$id" ]; then
    rt "$id" 10 state "$id"
    if [ "$RC" = 0 ]; then
      why="state shows it after delete --force"
    else
      rt "$id" 30 create --bundle "$W/$RT/b/$id" "$id"
      if [ "$RC" != 0 ] && grep -qi exist "$OUT"; then
        why="state: does not exist, create: exists"
      else
        [ "$RC" = 0 ] && rt_delete "$id"
        why="left in the root dir"
      fi
    fi
  elif [ -n "$(id_pids "$id")" ]; then
    why="processes left"
  fi
  echo "$why"
}

# start-delete-race: 100 ids, 8 at a time, each raced one of two ways (odd
# and even ids): `create` then `start` in a row with `delete --force` sent at
# a random moment of the pair; or `create` first, then `start` and `delete
# --force` together, either one first and the other at a random moment up to
# 1.5 times a start's duration later. Counts ids stuck afterwards.
race_pair() {
  local id=$1 mode=$2 cspan=$3 span=$4 d
  like "$id"
  if [ "$mode" = 1 ]; then
    (rt "$id" 30 create --bundle "$B" "$id" && [ "$RC" = 0 ] && rt "$id" 30 start "$id") &
    sleep "$(rand_s $((cspan + span)))"
    rt_delete "$id"
    wait
    return
  fi
  rt "$id" 30 create --bundle "$B" "$id"
  d=$(rand_s $((2 * span)))
  if [ "$(awk -v d="$d" -v s="$span" 'BEGIN { print (d * 1000 < s) }')" = 1 ]; then
    rt "$id" 30 start "$id" &
    sleep "$d"
    rt_delete "$id"
  else
    rt_delete "$id" &
    sleep "$(awk -v d="$d" -v s="$span" 'BEGIN { printf "%.3f", d - s / 1000 }')"
    rt "$id" 30 start "$id"
  fi
  wait
}
case_start_delete_race() {
  local n i id t0 t1 t2 cspan span stuck_n=0 why reasons='' by_mode=(0 0)
  n=$(scaled 100)
  bundle sd-cal '["/bin/sleep", "1000"]'
  t0=$(date +%s%N)
  rt sd-cal 30 create --bundle "$B" sd-cal
  t1=$(date +%s%N)
  rt sd-cal 30 start sd-cal
  t2=$(date +%s%N)
  rt_delete sd-cal
  scrub sd-cal
  cspan=$(((t1 - t0) / 1000000))
  span=$(((t2 - t1) * 3 / 2000000))
  bundle @ID@ '["/bin/sleep", "1000"]'
  for ((i = 1; i <= n; i++)); do
    race_pair "sd-$i" $((i % 2)) "$cspan" "$span" &
    throttle 8
  done
  wait
  # A client's retry: delete --force again where anything is left.
  for ((i = 1; i <= n; i++)); do
    [ -e "$ROOT/sd-$i" ] || [ -n "$(id_pids "sd-$i")" ] || continue
    rt_delete "sd-$i" &
    throttle 8
  done
  wait
  for ((i = 1; i <= n; i++)); do
    why=$(stuck "sd-$i")
    [ -z "$why" ] && continue
    stuck_n=$((stuck_n + 1))
    by_mode[i % 2]=$((by_mode[i % 2] + 1))
    [[ $reasons == *"$why"* ]] || reasons="${reasons:+$reasons; }$why"
  done
  scrub_all
  result start-delete-race "$stuck_n" "$n" "delete during create+start: ${by_mode[1]}, during start: ${by_mode[0]}${reasons:+; $reasons}; create ${cspan} ms, start window ${span} ms"
}

# kill9 OP : the runtime doing OP (create, start or delete --force) gets
# SIGKILL at a random moment in its first 60 ms; then `delete --force`.
# 4 ids at a time. Counts ids that left state, processes, cgroups or mounts.
kill9_one() {
  local op=$1 id=$2 pid
  like "$id"
  if [ "$op" != create ]; then
    rt "$id" 30 create --bundle "$B" "$id"
    [ "$op" = delete ] && rt "$id" 30 start "$id"
  fi
  case $op in
    create) set -- create --bundle "$B" "$id" ;;
    start) set -- start "$id" ;;
    delete) set -- delete --force "$id" ;;
  esac
  # No timeout wrapper: the runtime itself must be the process killed
  # (every R execs, so $! is the runtime's pid).
  (cd "$W/$RT/cwd" && SEC_MARK=$(mark "$id") exec "${R[@]}" "$@") >/dev/null 2>&1 </dev/null &
  pid=$!
  sleep "$(rand_s 60)"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  rt_delete "$id"
  sleep 0.2
  leftovers "$id" >"$W/$RT/$id.left"
}
kill9() {
  local op=$1 n i left=0 what kinds='' w
  n=$(scaled 20)
  bundle @ID@ '["/bin/sleep", "1000"]'
  for ((i = 1; i <= n; i++)); do
    kill9_one "$op" "k9-$op-$i" &
    throttle 4
  done
  wait
  for ((i = 1; i <= n; i++)); do
    what=$(cat "$W/$RT/k9-$op-$i.left")
    [ -n "$what" ] || continue
    left=$((left + 1))
    for w in $what; do [[ " $kinds " == *" $w "* ]] || kinds="$kinds $w"; done
  done
  scrub_all
  result "kill9-$op" "$left" "$n" "${kinds:+left:$kinds}"
}
case_kill9_create() { kill9 create; }
case_kill9_start() { kill9 start; }
case_kill9_delete() { kill9 delete; }

# hook-timeout: a createRuntime hook, and separately a prestart hook, that
# starts a background sleep and sleeps itself, with timeout 1. Both creates
# run at once. Counts hooks after which create took over 5 s or a sleep was
# still running.
case_hook_timeout() {
  local kind id bad=0 notes='' secs procs
  for kind in createRuntime prestart; do
    id=hook-$kind
    bundle "$id" '["/bin/sleep", "1000"]' ".hooks.$kind = [{path: \"/bin/sh\", args: [\"sh\", \"-c\", \"sleep 30 & sleep 30\"],
      env: [\"PATH=/usr/bin:/bin\", \"CONF_TOKEN=$CONF_TOKEN\", \"SEC_MARK=$(mark "$id")\"], timeout: 1}]"
    (
      t0=$(date +%s%N)
      rt "$id" 45 create --bundle "$B" "$id"
      echo "$((($(date +%s%N) - t0) / 1000000)) $RC" >"$W/$RT/$id.time"
    ) &
  done
  wait
  sleep 0.5
  for kind in createRuntime prestart; do
    id=hook-$kind
    read -r secs rc <"$W/$RT/$id.time"
    procs=$(id_pids "$id" | xargs -r -I{} sh -c 'tr "\0" " " </proc/{}/cmdline 2>/dev/null; echo' | grep -c sleep)
    secs=$(awk -v m="$secs" 'BEGIN { printf "%.1f", m / 1000 }')
    notes="${notes:+$notes; }$kind ${secs}s exit $rc, $procs sleeps left"
    awk -v s="$secs" 'BEGIN { exit !(s > 5) }' || [ "$procs" != 0 ] && bad=$((bad + 1))
    rt_delete "$id"
    scrub "$id"
  done
  result hook-timeout "$bad" 2 "$notes"
}

# config-file: config.json of 51 MB (a valid config with a huge annotation),
# a symlink to /dev/zero, and a FIFO nobody writes, the three at once, each
# under timeout 30 and ulimit -v 3 GiB. Counts files for which create hung,
# was killed, ran out of memory or used more than 1 GiB (a clean error is
# fine, and so is a container from the 51 MB file).
CONFIG_RSS_MB=1024
config_one() {
  local kind=$1 id=cfg-$1 tf secs kb mb bad=0
  bundle "$id" '["/bin/sleep", "1000"]'
  case $kind in
    big) jq --rawfile big <(head -c 51000000 /dev/zero | tr '\0' a) '.annotations.big = $big' "$B/config.json" >"$B/c" && mv "$B/c" "$B/config.json" ;;
    zero) ln -sf /dev/zero "$B/config.json" ;;
    fifo) rm -f "$B/config.json" && mkfifo "$B/config.json" ;;
  esac
  tf=$W/$RT/$id.time
  OUT=$W/out.$BASHPID.$((++CONF_NRUN))
  RC=0
  (cd "$W/$RT/cwd" && ulimit -v 3145728 && SEC_MARK=$(mark "$id") \
    exec /usr/bin/time -f '%e %M' -o "$tf" timeout -k 2 30 "${R[@]}" create --bundle "$B" "$id") >"$OUT" 2>&1 </dev/null || RC=$?
  # time(1) prefixes "Command exited with non-zero status N" when it did.
  read -r secs kb < <(tail -1 "$tf" 2>/dev/null)
  mb=$(((${kb:-0} + 512) / 1024))
  if [ "$RC" -ge 124 ] || [ "$mb" -gt "$CONFIG_RSS_MB" ] ||
    grep -qiE 'out of memory|cannot allocate|allocation failed|ENOMEM' "$OUT"; then
    bad=1
  fi
  echo "$bad $kind: exit $RC ${secs:-?}s ${mb}MB" >"$W/$RT/$id.res"
  rm -f "$B/config.json"
  rt_delete "$id"
  scrub "$id"
}
case_config_file() {
  local kind bad=0 notes='' b line
  for kind in big zero fifo; do config_one "$kind" & done
  wait
  for kind in big zero fifo; do
    read -r b line <"$W/$RT/cfg-$kind.res"
    bad=$((bad + b))
    notes="${notes:+$notes; }$line"
  done
  result config-file "$bad" 3 "$notes"
}
