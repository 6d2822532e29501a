# shellcheck shell=bash disable=SC2086,SC2206 # container ids are fixed words
# Hooks (runtime-spec config.md "POSIX-platform Hooks", runtime.md
# "Lifecycle"): each kind runs at its step, in order, with the container's
# state on stdin; a failing createRuntime hook fails create. Sourced by run.sh.
CASES_ALL+=(hooks_order_and_state hook_failure_fails_create)

HOOK_ENV='["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]'
# Every hook is sh -c SCRIPT NAME DIR: saves its stdin as DIR/NAME.json and
# appends NAME to DIR/order. Runtime-namespace hooks run the host's /bin/sh
# and write to the bundle's data dir by its host path; startContainer runs in
# the container (its path resolves there): busybox sh, writing to /data.
# createContainer runs in the container's namespaces with a path resolved in
# the runtime's, so it takes the host path if it sees it, else /data.
# shellcheck disable=SC2016 # expanded by the hook's shell
HOOK_SCRIPT='d=$1; [ -d "$d" ] || d=/data; cat > "$d/$0.json"; echo "$0" >> "$d/order"'
hook() { # hook NAME DIR : one hook object
  jq -nc --arg s "$HOOK_SCRIPT" --arg name "$1" --arg dir "$2" --argjson env "$HOOK_ENV" \
    '{path: "/bin/sh", args: ["sh", "-c", $s, $name, $dir], env: $env}'
}
hooks_run() { tr '\n' ' ' <"$1/order" 2>/dev/null; }
order_is() { # order_is DIR ORDER... : DIR/order lists the hooks in one of these orders
  local got o
  got=$(hooks_run "$1")
  shift
  for o in "$@"; do [ "$got" = "$o" ] && return 0; done
  return 1
}

case_hooks_order_and_state() {
  local id=hooks k want got poststart
  new_bundle $id "$LOOP"
  jq --argjson pre "$(hook prestart "$D")" --argjson cr "$(hook createRuntime "$D")" \
    --argjson cc "$(hook createContainer "$D")" --argjson sc "$(hook startContainer /data)" \
    --argjson ps "$(hook poststart "$D")" --argjson pst "$(hook poststop "$D")" \
    '.hooks = {prestart: [$pre], createRuntime: [$cr], createContainer: [$cc], startContainer: [$sc],
      poststart: [$ps], poststop: [$pst]}' "$B/config.json" >"$B/config.new" && mv "$B/config.new" "$B/config.json"
  rt_create $id || return 1
  # runc 1.1 runs poststart hooks at create, not after the program started
  # (opencontainers/runc#1710, fixed by runc#5186 in 2026), with status
  # created: allowed, as long as they ran once, and before start returned.
  want="prestart createRuntime createContainer "
  expect "hooks run by create: '$(hooks_run "$D")', want '$want' (poststart may follow)" \
    order_is "$D" "$want" "${want}poststart " || return 1
  if order_is "$D" "${want}poststart "; then
    poststart=created
    want="${want}poststart startContainer "
  else
    poststart=running
    want="${want}startContainer poststart "
  fi
  must "start" "${R[@]}" start $id || return 1
  expect "hooks run when start returned: '$(hooks_run "$D")', want poststart among them" \
    test "$(grep -cx poststart "$D/order")" = 1 || return 1
  # startContainer may still be running when start returns (it runs in the
  # container, before the program): the program's marker says it is done.
  wait_for 10 test -e "$D/started" || fail "the program did not run after start" || return 1
  expect "hooks run by create and start: '$(hooks_run "$D")', want '$want'" order_is "$D" "$want" || return 1
  must "kill KILL" "${R[@]}" kill $id KILL || return 1
  expect_status $id stopped || return 1
  sleep 0.5
  expect "hooks run before delete: '$(hooks_run "$D")', want '$want' (poststop runs at delete)" order_is "$D" "$want" || return 1
  must "delete" "${R[@]}" delete $id || return 1
  want="${want}poststop "
  expect "hooks run: '$(hooks_run "$D")', want '$want'" order_is "$D" "$want" || return 1
  got=
  for k in prestart createRuntime createContainer startContainer poststart poststop; do
    got="$got $k:$(jq -r 'if .id == "'$id'" then .status else "id \(.id)" end' "$D/$k.json" 2>/dev/null | head -c 40 | tr -d ' \n')"
  done
  # The status each hook sees (runtime.md "State"): the create-time hooks run
  # while create has not returned but after the environment exists ("creating
  # ... step 2 in the lifecycle"), so creating (runc) or created (crun);
  # startContainer runs before the program, so created; poststart running
  # (created when it ran at create); poststop stopped.
  [[ $got =~ ^\ prestart:(creating|created)\ createRuntime:(creating|created)\ createContainer:(creating|created)\ startContainer:created\ poststart:$poststart\ poststop:stopped$ ]] ||
    fail "hooks' id and status:$got; want prestart, createRuntime, createContainer creating or created, startContainer created, poststart $poststart, poststop stopped"
}

# A createRuntime hook that exits 1: create fails and leaves no container.
case_hook_failure_fails_create() {
  local id=hook-fails
  new_bundle $id "$LOOP" '.hooks = {createRuntime: [{path: "/bin/sh", args: ["sh", "-c", "exit 1"]}]}'
  CASE_IDS+=($id)
  must_fail "create with a failing createRuntime hook" "${R[@]}" create --bundle "$B" $id || return 1
  expect_gone $id || return 1
  expect "the program ran (/data/started exists)" test ! -e "$D/started"
}
