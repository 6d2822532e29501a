# shellcheck shell=bash disable=SC2086,SC2206,SC2016 # fixed ids; container-side scripts
# The process of config.json (runtime-spec config.md "Process", "Root",
# "Hostname"), each checked by `run`ning a container whose program prints what
# it sees; run's stdout is a file. Sourced by run.sh.
CASES_ALL+=(process_args process_env process_cwd process_user process_hostname process_readonly_root
  process_rlimits process_capabilities process_no_new_privileges)

# run_program ID SCRIPT [JQ_FILTER] : run the container; it must exit 0.
run_program() {
  new_bundle "$@"
  CASE_IDS+=("$1")
  run "${R[@]}" run --bundle "$B" "$1"
  [ "$RC" = 0 ] || fail "run: $(why)"
}
# has_line LINE : the last run's output has this exact line.
has_line() { grep -qxF -- "$1" "$OUT" || fail "output has no line '$1': $(tr '\n' '|' <"$OUT" | head -c 300)"; }

case_process_args() {
  run_program args 'printf "arg=%s\n" "$0" "$@"' '.process.args += ["zero", "one two", "", "th\"ree"]' || return 1
  expect "args: '$(tr '\n' '|' <"$OUT")', want 'arg=zero|arg=one two|arg=|arg=th\"ree|'" \
    test "$(grep '^arg=' "$OUT" | tr '\n' '|')" = 'arg=zero|arg=one two|arg=|arg=th"ree|'
}

case_process_env() {
  run_program env 'env' '.process.env += ["FOO=bar baz", "EMPTY=", "WITH_EQ=a=b"]' || return 1
  has_line "FOO=bar baz" && has_line "EMPTY=" && has_line "WITH_EQ=a=b" && has_line "PATH=/bin"
}

case_process_cwd() {
  run_program cwd 'echo "cwd=$(pwd)"' '.process.cwd = "/data"' || return 1
  has_line "cwd=/data"
}

case_process_user() {
  run_program user 'grep -E "^(Uid|Gid|Groups):" /proc/self/status; echo "id=$(id -u):$(id -g)"; touch /data/by-user' \
    '.process.user = {uid: 1000, gid: 1001, additionalGids: [1002, 1003]}' || return 1
  has_line "id=1000:1001" || return 1
  grep -qP '^Uid:\t1000\t1000\t1000\t1000$' "$OUT" || { fail "Uid: $(grep ^Uid: "$OUT"), want 1000 (real, effective, saved, fs)"; return 1; }
  grep -qP '^Gid:\t1001\t1001\t1001\t1001$' "$OUT" || { fail "Gid: $(grep ^Gid: "$OUT"), want 1001"; return 1; }
  expect "Groups: '$(grep ^Groups: "$OUT" | cut -f2)', want '1002 1003'" \
    test "$(grep ^Groups: "$OUT" | cut -f2 | tr ' ' '\n' | grep . | sort -n | tr '\n' ' ')" = "1002 1003 " || return 1
  expect "/data/by-user is owned by '$(stat -c %u:%g "$D/by-user" 2>/dev/null)', want 1000:1001" \
    test "$(stat -c %u:%g "$D/by-user" 2>/dev/null)" = 1000:1001
}

case_process_hostname() {
  run_program hostname 'echo "hostname=$(hostname)"; echo "uts=$(cat /proc/sys/kernel/hostname)"' \
    '.hostname = "runj-cases-host"' || return 1
  has_line "hostname=runj-cases-host" && has_line "uts=runj-cases-host" || return 1
  expect "the host's hostname changed to runj-cases-host" test "$(hostname)" != runj-cases-host
}

case_process_readonly_root() {
  run_program readonly-root 'touch /root-write 2>/dev/null && echo root=rw || echo root=ro
touch /data/data-write && echo data=rw || echo data=ro
awk '\''$5 == "/" {print "opts=" $6}'\'' /proc/self/mountinfo' '.root.readonly = true' || return 1
  has_line root=ro && has_line data=rw || return 1
  expect "root mount options: $(grep '^opts=' "$OUT" | tr '\n' ' '), want ro" grep -qE '^opts=(ro|ro,.*)$' "$OUT" || return 1
  expect "/root-write was created in the shared rootfs" test ! -e "$ROOTFS/root-write"
}

case_process_rlimits() {
  run_program rlimits 'echo "soft=$(ulimit -Sn) hard=$(ulimit -Hn)"; grep "^Max open files" /proc/self/limits' \
    '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 555, hard: 666}]' || return 1
  has_line "soft=555 hard=666"
}

# CapBnd, CapEff, CapPrm of CAP_CHOWN (0), CAP_KILL (5), CAP_NET_BIND_SERVICE (10):
# 0x421; no inheritable or ambient capabilities.
case_process_capabilities() {
  local got
  run_program capabilities 'grep "^Cap" /proc/self/status' \
    '.process.capabilities = {bounding: ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      effective: ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"], permitted: ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"]}' || return 1
  got=$(grep '^Cap' "$OUT" | tr -d '\t' | tr '\n' ' ')
  expect "capabilities: '$got', want CapBnd, CapEff, CapPrm 0000000000000421, CapInh, CapAmb 0" \
    test "$got" = "CapInh:0000000000000000 CapPrm:0000000000000421 CapEff:0000000000000421 CapBnd:0000000000000421 CapAmb:0000000000000000 "
}

case_process_no_new_privileges() {
  run_program nnp-true 'grep ^NoNewPrivs: /proc/self/status' '.process.noNewPrivileges = true' || return 1
  expect "noNewPrivileges true: '$(grep ^NoNewPrivs "$OUT" | tr '\t' ' ')', want NoNewPrivs: 1" \
    grep -qP '^NoNewPrivs:\t1$' "$OUT" || return 1
  run_program nnp-false 'grep ^NoNewPrivs: /proc/self/status' '.process.noNewPrivileges = false' || return 1
  expect "noNewPrivileges false: '$(grep ^NoNewPrivs "$OUT" | tr '\t' ' ')', want NoNewPrivs: 0" \
    grep -qP '^NoNewPrivs:\t0$' "$OUT"
}
