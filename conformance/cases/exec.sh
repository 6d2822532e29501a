# shellcheck shell=bash disable=SC2086,SC2206,SC2016 # fixed ids; container-side scripts
# exec (runc's exec CLI; runtime-spec "process" for an additional process):
# a command in a running container's namespaces, its output and exit status,
# -e and --cwd, and exec into a stopped container. Sourced by run.sh.
CASES_ALL+=(exec_output_and_status exec_env_and_cwd exec_stopped_fails)

case_exec_output_and_status() {
  local id=exec
  new_bundle $id "$LOOP" '.hostname = "exec-host"'
  create_started $id || return 1
  run "${R[@]}" exec $id sh -c 'echo "out=exec"; echo "host=$(hostname)"; echo "data=$(cat /data/started)"; echo err=exec >&2; exit 4'
  [ "$RC" = 4 ] || { fail "exec (exits 4): want exit 4, $(why)"; return 1; }
  for l in out=exec host=exec-host data=started err=exec; do
    grep -qxF $l "$OUT" || { fail "exec output has no line '$l': $(tr '\n' '|' <"$OUT" | head -c 300)"; return 1; }
  done
  must "exec true" "${R[@]}" exec $id true || return 1
  expect_status $id running
}

case_exec_env_and_cwd() {
  local id=exec-env
  new_bundle $id "$LOOP"
  create_started $id || return 1
  must "exec -e --cwd" "${R[@]}" exec -e FOO=bar -e "SP=a b" --cwd /data $id sh -c 'echo "FOO=$FOO"; echo "SP=$SP"; echo "PATH=$PATH"; echo "cwd=$(pwd)"' || return 1
  for l in FOO=bar "SP=a b" PATH=/bin cwd=/data; do
    grep -qxF "$l" "$OUT" || { fail "exec output has no line '$l': $(tr '\n' '|' <"$OUT" | head -c 300)"; return 1; }
  done
}

case_exec_stopped_fails() {
  local id=exec-stopped
  new_bundle $id 'echo started > /data/started'
  create_started $id || return 1
  expect_status $id stopped || return 1
  must_fail "exec into a stopped container" "${R[@]}" exec $id true
}
