# shellcheck shell=bash disable=SC2086,SC2206,SC2016 # fixed ids; container-side scripts
# kill (runtime-spec runtime.md "Kill"; runc's kill CLI): signal names with
# and without SIG, numbers, the default TERM, a created container, --all.
# Sourced by run.sh.
CASES_ALL+=(kill_KILL kill_9 kill_SIGKILL kill_TERM_trapped kill_default_is_TERM kill_created kill_all)

# kill_stops ID SIGNAL : a running container stops on SIGNAL (KILL) and can be deleted.
kill_stops() {
  local id=$1 pid
  new_bundle $id "$LOOP"
  create_started $id || return 1
  pid=$(field $id pid)
  must "kill $2" "${R[@]}" kill $id "$2" || return 1
  expect_status $id stopped || return 1
  expect_dead "$pid" "after kill $2" || return 1
  must "delete" "${R[@]}" delete $id || return 1
  expect_gone $id
}
case_kill_KILL() { kill_stops kill-name KILL; }
case_kill_9() { kill_stops kill-number 9; }
case_kill_SIGKILL() { kill_stops kill-signame SIGKILL; }

# term_trapped ID [SIGNAL] : the program traps TERM, writes a marker, exits.
term_trapped() {
  local id=$1
  shift
  new_bundle $id "trap 'echo term > /data/term; exit 0' TERM; $LOOP"
  create_started $id || return 1
  must "kill $*" "${R[@]}" kill $id "$@" || return 1
  wait_for 10 file_is "$D/term" term || fail "the program's TERM handler did not run (no /data/term)" || return 1
  expect_status $id stopped || return 1
  must "delete" "${R[@]}" delete $id
}
case_kill_TERM_trapped() { term_trapped kill-term TERM; }
case_kill_default_is_TERM() { term_trapped kill-default; }

# kill of a created container: it stops without running the program.
case_kill_created() {
  local id=kill-created pid
  new_bundle $id "$LOOP"
  rt_create $id || return 1
  pid=$(field $id pid)
  must "kill KILL (created)" "${R[@]}" kill $id KILL || return 1
  expect_status $id stopped || return 1
  expect_dead "$pid" "after kill KILL" || return 1
  must "delete" "${R[@]}" delete $id || return 1
  expect "the program ran (/data/started exists) though the container was never started" test ! -e "$D/started"
}

# term_log_is FILE WANT : FILE's lines, sorted and space-joined, are WANT. A
# function, so that wait_for reads the file again on every poll (a $(...) in
# its arguments would be expanded once, before the first).
term_log_is() { [ "$(sort "$1" 2>/dev/null | tr '\n' ' ')" = "$2" ]; }

# kill --all TERM reaches every process of the container: two children and
# the init process each trap TERM and log it (the init process keeps going;
# without --all only it would get the signal).
case_kill_all() {
  local id=kill-all n
  new_bundle $id 'child() { trap "echo $1 >> /data/term; exit 0" TERM; : > /data/ready.$1; while :; do sleep 1; done; }
child c1 & child c2 & trap "echo init >> /data/term" TERM
until [ -e /data/ready.c1 ] && [ -e /data/ready.c2 ]; do sleep 0.1; done
echo started > /data/started; while :; do sleep 1; done'
  create_started $id || return 1
  must "kill --all TERM" "${R[@]}" kill --all $id TERM || return 1
  wait_for 10 term_log_is "$D/term" "c1 c2 init " ||
    fail "processes that got TERM: '$(sort "$D/term" 2>/dev/null | tr '\n' ' ')', want c1 c2 init" || return 1
  sleep 0.5
  n=$(wc -l <"$D/term")
  expect "TERM logged $n times, want 3 (once per process)" test "$n" = 3 || return 1
  expect_status $id running
}
