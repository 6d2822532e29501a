# shellcheck shell=bash disable=SC2086,SC2206 # container ids are fixed words
# state, list and ps (runtime-spec runtime.md "State" and "Query State";
# runc's list and ps CLI). Sourced by run.sh.
CASES_ALL+=(state_json list_and_ps)

# The state of a created container (bundle given as a relative path): the
# REQUIRED fields, the bundle's absolute path and the config's annotations.
case_state_json() {
  local id=state-json want got
  new_bundle $id "$LOOP" '.annotations = {"org.runj-cases.one": "1", "org.runj-cases.two": "two words"}'
  CASE_IDS+=($id)
  cd "$W/bundles" || return 1
  run "${R[@]}" create --bundle $id $id
  cd / || return 1
  [ "$RC" = 0 ] || { fail "create with a relative --bundle: $(why)"; return 1; }
  state_of $id
  [ "$STATE_RC" = 0 ] || { fail "state: exit $STATE_RC: $(head -c 300 "$STATE_ERR")"; return 1; }
  jq -e . >/dev/null 2>&1 <<<"$STATE" || { fail "state is not JSON: $(head -c 200 <<<"$STATE")"; return 1; }
  want=$(jq -c --arg id $id --arg b "$B" \
    '{ociVersion: "a string", id: $id, status: "created", pid: "a number > 0", bundle: $b,
      annotations: {"org.runj-cases.one": "1", "org.runj-cases.two": "two words"}}' <<<null)
  got=$(jq -c '{ociVersion: (if (.ociVersion | type) == "string" and .ociVersion != "" then "a string" else .ociVersion end),
    id, status, pid: (if (.pid | type) == "number" and .pid > 0 then "a number > 0" else .pid end),
    bundle, annotations}' <<<"$STATE")
  expect "state $got, want $want" test "$got" = "$want" || return 1
  must "start" "${R[@]}" start $id || return 1
  expect_status $id running
}

# list shows the container and its status (-q: ids only; --format json);
# ps --format json lists its init process.
case_list_and_ps() {
  local id=list-ps pid
  new_bundle $id "$LOOP"
  create_started $id || return 1
  pid=$(field $id pid)
  run "${R[@]}" list -q
  { [ "$RC" = 0 ] && grep -qx $id "$OUT"; } || { fail "list -q does not show $id: $(why)"; return 1; }
  run "${R[@]}" list
  { [ "$RC" = 0 ] && grep -qE "^$id +$pid +running " "$OUT"; } || { fail "list does not show '$id $pid running': $(why)"; return 1; }
  run "${R[@]}" list --format json
  { [ "$RC" = 0 ] && jq -e --arg id $id --argjson pid "$pid" \
    'any(.[]; .id == $id and .pid == $pid and .status == "running")' "$OUT" >/dev/null 2>&1; } ||
    { fail "list --format json has no {id: $id, pid: $pid, status: running}: $(why)"; return 1; }
  run "${R[@]}" ps --format json $id
  { [ "$RC" = 0 ] && jq -e --argjson pid "$pid" 'index($pid) != null' "$OUT" >/dev/null 2>&1; } ||
    { fail "ps --format json does not list the init process $pid: $(why)"; return 1; }
}
