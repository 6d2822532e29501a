# shellcheck shell=bash disable=SC2086,SC2206 # container ids are fixed words
# Operations that must fail (runtime-spec runtime.md "Operations": an
# operation on a container in the wrong state MUST generate an error and, for
# kill and start, have no effect). Exit status and the container's state are
# checked, not the message, except that an unknown id is reported as such.
# Sourced by run.sh.
CASES_ALL+=(unknown_id_fails create_duplicate_id_fails start_twice_fails start_stopped_fails
  delete_running_fails kill_stopped_fails)

# state, start, kill, delete and exec of an id that does not exist.
case_unknown_id_fails() {
  local op
  expect_gone no-such-container || return 1
  for op in "start" "kill" "delete" "exec"; do
    case $op in
      kill) run "${R[@]}" kill no-such-container KILL ;;
      exec) run "${R[@]}" exec no-such-container true ;;
      *) run "${R[@]}" $op no-such-container ;;
    esac
    [ "$RC" != 0 ] || { fail "$op of an unknown id: exit 0, want an error"; return 1; }
    grep -qiE 'does not exist|no such file or directory|not found' "$OUT" ||
      { fail "$op of an unknown id: no 'does not exist' error: $(why)"; return 1; }
  done
}

# create with an id in use fails and leaves the first container as it was.
case_create_duplicate_id_fails() {
  local id=dup pid
  new_bundle $id "$LOOP"
  rt_create $id || return 1
  pid=$(field $id pid)
  new_bundle dup-second "echo second > /data/started; sleep 600"
  must_fail "create with a duplicate id" "${R[@]}" create --bundle "$W/bundles/dup-second" $id || return 1
  expect_status $id created || return 1
  expect "after the duplicate create: pid '$(field $id pid)', bundle '$(field $id bundle)', want $pid and $W/bundles/$id" \
    test "$(field $id pid)" = "$pid" -a "$(field $id bundle)" = "$W/bundles/$id" || return 1
  expect "after the duplicate create: the first container's process $pid is gone" alive "$pid" || return 1
  must "start of the first container" "${R[@]}" start $id || return 1
  wait_for 10 file_is "$W/bundles/$id/data/started" started ||
    fail "the first container's program did not run after start ($(head -c 100 "$W/bundles/$id/data/started" 2>/dev/null))" || return 1
  expect "the duplicate's program ran" test ! -e "$W/bundles/dup-second/data/started"
}

# start of a running container fails; it keeps running.
case_start_twice_fails() {
  local id=start-twice
  new_bundle $id "echo x >> /data/runs; $LOOP"
  create_started $id || return 1
  must_fail "second start" "${R[@]}" start $id || return 1
  expect_status $id running || return 1
  sleep 0.5
  expect "the program ran $(wc -l <"$D/runs") times, want once" test "$(wc -l <"$D/runs")" = 1
}

# start of a stopped container fails and does not run the program again.
case_start_stopped_fails() {
  local id=start-stopped
  new_bundle $id 'echo x >> /data/runs; echo started > /data/started'
  create_started $id || return 1
  expect_status $id stopped || return 1
  must_fail "start of a stopped container" "${R[@]}" start $id || return 1
  sleep 0.5
  expect_status $id stopped || return 1
  expect "the program ran $(wc -l <"$D/runs") times, want once" test "$(wc -l <"$D/runs")" = 1
}

# delete without --force of a running container fails; it keeps running.
case_delete_running_fails() {
  local id=delete-running pid
  new_bundle $id "$LOOP"
  create_started $id || return 1
  pid=$(field $id pid)
  must_fail "delete of a running container" "${R[@]}" delete $id || return 1
  expect_status $id running || return 1
  expect "process $pid died from the failed delete" alive "$pid"
}

# kill of a stopped container fails and it stays stopped.
case_kill_stopped_fails() {
  local id=kill-stopped
  new_bundle $id 'echo started > /data/started'
  create_started $id || return 1
  expect_status $id stopped || return 1
  must_fail "kill KILL of a stopped container" "${R[@]}" kill $id KILL || return 1
  expect_status $id stopped || return 1
  must "delete after the failed kill" "${R[@]}" delete $id
}
