# shellcheck shell=bash disable=SC2086,SC2206 # container ids are fixed words
# Lifecycle cases (runtime-spec runtime.md "Lifecycle" and "Operations"):
# create, start, kill, delete in order; delete of created and running
# containers; --pid-file; run's exit status. Sourced by run.sh.
CASES_ALL+=(lifecycle delete_created delete_force_running pid_file run_exit_status run_killed_by_sigkill)

# create -> created (pid alive, program not started) -> start -> running,
# program ran -> kill -> stopped -> delete -> gone.
case_lifecycle() {
  local id=lifecycle pid
  new_bundle $id "$LOOP"
  rt_create $id || return 1
  expect_status $id created || return 1
  pid=$(field $id pid)
  expect "state after create: pid '$pid', want a number > 0" test "${pid:-0}" -gt 0 2>/dev/null || return 1
  expect "state after create: pid $pid is not alive" alive "$pid" || return 1
  sleep 0.5
  expect "the program ran before start (/data/started exists after create)" test ! -e "$D/started" || return 1
  must "start" "${R[@]}" start $id || return 1
  expect_status $id running || return 1
  wait_for 10 test -e "$D/started" || fail "the program did not run after start (no /data/started)" || return 1
  expect "state after start: pid '$(field $id pid)', want $pid (the same process)" test "$(field $id pid)" = "$pid" || return 1
  must "kill KILL" "${R[@]}" kill $id KILL || return 1
  expect_status $id stopped || return 1
  expect_dead "$pid" "after kill KILL and status stopped" || return 1
  must "delete" "${R[@]}" delete $id || return 1
  expect_gone $id
}

# delete of a created container: works, kills its process, the program never runs.
case_delete_created() {
  local id=delete-created pid
  new_bundle $id "$LOOP"
  rt_create $id || return 1
  expect_status $id created || return 1
  pid=$(field $id pid)
  must "delete (created)" "${R[@]}" delete $id || return 1
  expect_gone $id || return 1
  expect_dead "$pid" "after delete" || return 1
  expect "the program ran (/data/started exists) though the container was never started" test ! -e "$D/started"
}

# delete --force of a running container: works and kills its process.
case_delete_force_running() {
  local id=delete-force pid
  new_bundle $id "$LOOP"
  create_started $id || return 1
  pid=$(field $id pid)
  must "delete --force (running)" "${R[@]}" delete --force $id || return 1
  expect_gone $id || return 1
  expect_dead "$pid" "after delete --force"
}

# create --pid-file: the file holds the container's pid, as state reports it.
case_pid_file() {
  local id=pid-file pid
  new_bundle $id "$LOOP"
  rt_create $id --pid-file "$W/bundles/$id/pidfile" || return 1
  pid=$(field $id pid)
  expect "pid file: '$(head -c 40 "$B/pidfile" 2>/dev/null)', want the state's pid '$pid'" \
    test -n "$pid" -a "$(cat "$B/pidfile" 2>/dev/null)" = "$pid" || return 1
  expect "pid $pid from the pid file is not alive" alive "$pid"
}

# run: exits with the program's status (0, 3), prints its output, removes the container.
case_run_exit_status() {
  local st
  for st in 0 3; do
    new_bundle run-exit-$st "echo run-output-$st; exit $st"
    CASE_IDS+=(run-exit-$st)
    run "${R[@]}" run --bundle "$B" run-exit-$st
    [ "$RC" = "$st" ] || { fail "run (program exits $st): want exit $st, $(why)"; return 1; }
    out_has run-output-$st || { fail "run: the program's output is missing: $(why)"; return 1; }
    expect_gone run-exit-$st || return 1
  done
}

# run: exits 137 when the container's process is killed by SIGKILL from outside.
case_run_killed_by_sigkill() {
  local id=run-killed bg rc=0
  new_bundle $id "$LOOP"
  CASE_IDS+=($id)
  timeout -k 5 60 "${R[@]}" run --bundle "$B" $id >"$W/run-killed.out" 2>&1 </dev/null &
  bg=$!
  wait_for 10 test -e "$D/started" || { fail "the program did not start under run: $(head -c 300 "$W/run-killed.out")"; kill "$bg" 2>/dev/null; wait "$bg"; return 1; }
  run "${R[@]}" kill $id KILL
  [ "$RC" = 0 ] || fail "kill KILL: $(why)"
  wait "$bg" || rc=$?
  [ -n "$CASE_WHY" ] && return 1
  expect "run exited $rc, want 137 (128 + SIGKILL)$(head -c 300 "$W/run-killed.out" | sed -n '1s/^/: /p')" test "$rc" = 137
}
