#!/usr/bin/env bash
# Runs the OCI runtime-tools validation suite against one or more runtimes
# and prints one table: a row per test, a column per runtime.
#
#   bash conformance/runtime-tools/run.sh [RUNTIME...]
#
# Each RUNTIME is a path (or a name on PATH) of a runc-compatible binary, or
# of runj's bundled CLI (a *.cjs/*.mjs/*.js file, run with node). LABEL=PATH names
# the column. Default: runj (dist/runj.cjs of this repository), runc, crun.
# Every runj column is followed by a "+ignore" column: the same runj with a
# host policy that ignores every field runj's Linux backend refuses (so the
# table shows which failures are only refusals).
#
# Needs root. Installs what it lacks from Debian's packages (golang-go, the
# golang-*-dev libraries the suite imports, busybox-static, runc/crun when
# asked for by default), fetches the suite's source (Debian's
# golang-github-opencontainers-runtime-tools source package, from sid, through
# a private apt configuration that leaves the system's apt state alone) into
# $RUNJ_CONFORMANCE_CACHE and builds it there, offline, once.
#
# Runs in a private mount namespace (re-executes itself under unshare -m),
# with a tmpfs work directory for bundles and per-runtime state roots, and
# removes on exit every container, cgroup and process the tests left.
#
# Results (TAP, stderr, exit status per test and runtime, table.txt,
# runj-failures.txt) go to $RUNJ_CONFORMANCE_RESULTS. Exit status is 0 when
# the suite ran, whatever the tests said; non-zero only when the harness
# itself broke.
#
# Environment:
#   RUNJ_CONFORMANCE_CACHE    source and build cache (/var/cache/runj-conformance)
#   RUNJ_CONFORMANCE_RESULTS  results directory (/tmp/runj-conformance-results)
#   RUNJ_CONFORMANCE_TIMEOUT  seconds per test binary (60)
#   RUNJ_CONFORMANCE_TESTS    extended regex: run only the tests it matches
#   RUNJ_CONFORMANCE_IGNORE   0: no "+ignore" column for runj (default 1)
#   RUNJ_CONFORMANCE_KEEP_UNIFIED  1: leave a hybrid host's cgroup2 mount alone
#   RUNJ_CONFORMANCE_XTRACE   1: trace the harness (bash -x)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
SELF="$HERE/run.sh"
CACHE=${RUNJ_CONFORMANCE_CACHE:-/var/cache/runj-conformance}
RESULTS=${RUNJ_CONFORMANCE_RESULTS:-/tmp/runj-conformance-results}
TIMEOUT=${RUNJ_CONFORMANCE_TIMEOUT:-60}
ONLY=${RUNJ_CONFORMANCE_TESTS:-}
WITH_IGNORE=${RUNJ_CONFORMANCE_IGNORE:-1}
SRC_PACKAGE=golang-github-opencontainers-runtime-tools

die() {
	echo "run.sh: $*" >&2
	exit 2
}
log() { echo "== $*" >&2; }

[ "$(id -u)" = 0 ] || die "run it as root: it creates containers, mounts and cgroups"
[ "$(uname -s)" = Linux ] || die "this suite runs on Linux"

# Tests the suite gets wrong against the current runtime-spec (or that can
# never pass as written). Their raw result is still shown, marked known-wrong,
# and they are left out of the pass/fail totals.
declare -A KNOWN_WRONG=(
	[delete]="expects 'delete' of a created (never started) container to fail: the spec's text says so, but runc, crun and runj delete it, and containerd and Docker rely on that"
	[hooks]="compares the hook output with 'post-start1\\n...' while its hooks print 'post-start1 called': can never pass (and would dereference a nil error if it did)"
	[hooks_stdin]="expects status 'created' in the prestart hook's state; runtime-spec >= 1.0.2 runs prestart during 'create', so the state says 'creating'"
	[linux_cgroups_devices]="compares config rule i with line i-1 of devices.list, but runtimes also allow the default devices the spec requires (/dev/null, ...), so the lines never line up"
	[linux_cgroups_memory]="checks linux.resources.memory.kernel: deprecated by runtime-spec 1.1, and recent kernels (6.18 here) accept writes to memory.kmem.limit_in_bytes but ignore them (it reads back unlimited)"
	[linux_cgroups_relative_devices]="same check as linux_cgroups_devices (config rule i against devices.list line i-1)"
	[linux_cgroups_relative_memory]="same check as linux_cgroups_memory (linux.resources.memory.kernel)"
	[misc_props]="its first case runs /runtimetest without copying it into the bundle, so 'create' (or the process) must fail where the test wants success"
	[pidfile]="kills the container after its process ('true') has exited and counts the error; the spec requires that error"
	[process_capabilities_fail]="wants an error for an unknown capability (CAP_TEST); runtime-spec 1.1 says such values MUST be logged as a warning and runtimes SHOULD NOT fail"
	[process_rlimits]="runtimetest is built with Go >= 1.19, whose runtime raises its own soft RLIMIT_NOFILE to the hard limit at startup, so it reads 4000 where 3000 was set"
	[poststart]="wants the container process's output written before the poststart hook runs; the spec only orders the hook after the process starts (a race)"
	[poststart_fail]="wants a failing poststart hook to be only a warning (runtime-spec 1.0); runtime-spec 1.3.0 runtime.md step 9 says the runtime MUST generate an error and stop the container, which runj does"
	[prestart]="expects prestart hooks to run at 'start'; runtime-spec >= 1.0.2 (and runc/crun) run them during 'create'"
	[start]="its last case checks that 'start' succeeds for a config without 'process' (the spec says it MUST fail), after a 'create' that runc and crun refuse"
)

# ---- private mount namespace --------------------------------------------

if [ "${_RUNJ_CONFORMANCE_NS:-}" != 1 ]; then
	command -v unshare >/dev/null || die "unshare (util-linux) not found"
	_RUNJ_CONFORMANCE_NS=1 exec unshare --mount --propagation private -- bash ${RUNJ_CONFORMANCE_XTRACE:+-x} "$SELF" "$@"
fi

# ---- runtimes -------------------------------------------------------------

LABELS=()
PATHS=()
POLICIES=() # "" (not runj), "empty", "ignore"
add_runtime() { # label path policy
	LABELS+=("$1")
	PATHS+=("$2")
	POLICIES+=("$3")
}
want_pkgs=()
if [ $# -eq 0 ]; then
	set -- "runj=$REPO/dist/runj.cjs" runc crun
	command -v runc >/dev/null || want_pkgs+=(runc)
	command -v crun >/dev/null || want_pkgs+=(crun)
fi
for arg in "$@"; do
	label= path=$arg
	case "$arg" in *=*) label=${arg%%=*} path=${arg#*=} ;; esac
	case "$path" in
	*/*) ;;
	*) path=$(command -v "$path" 2>/dev/null || echo "$path") ;;
	esac
	case "$path" in /*) ;; *) path=$(pwd)/$path ;; esac
	if [ -z "$label" ]; then
		label=$(basename "$path")
		label=${label%.mjs}; label=${label%.cjs}
		label=${label%.js}
		label=${label%.sh}
	fi
	case "$label" in *[!A-Za-z0-9_.+-]*) die "bad column label '$label'" ;; esac
	policy=
	case "$path" in *.mjs | *.cjs | *.js) policy=empty ;; esac
	case "$(basename "$path")" in runj*) policy=empty ;; esac
	add_runtime "$label" "$path" "$policy"
	if [ "$policy" = empty ] && [ "$WITH_IGNORE" = 1 ]; then
		add_runtime "$label+ignore" "$path" ignore
	fi
done
dups=$(printf '%s\n' "${LABELS[@]}" | sort | uniq -d)
[ -z "$dups" ] || die "duplicate column labels: $dups (use LABEL=PATH)"

# ---- packages --------------------------------------------------------------

GO_DEV_PKGS=(
	golang-go
	golang-github-blang-semver-dev
	golang-github-google-uuid-dev
	golang-github-hashicorp-go-multierror-dev
	golang-github-mrunalp-fileutils-dev
	golang-github-opencontainers-specs-dev
	golang-github-opencontainers-selinux-dev
	golang-github-sirupsen-logrus-dev
	golang-gocapability-dev
	golang-github-urfave-cli-dev
	golang-github-xeipuuv-gojsonschema-dev
	golang-golang-x-sys-dev
	golang-gopkg-yaml.v2-dev
)
need=()
for p in "${GO_DEV_PKGS[@]}" busybox-static xz-utils "${want_pkgs[@]}"; do
	dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
	log "installing ${need[*]}"
	export DEBIAN_FRONTEND=noninteractive
	aptlog=$(mktemp /tmp/runj-conformance-apt-log.XXXXXX)
	if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}"; } >"$aptlog" 2>&1; then
		cat "$aptlog" >&2
		rm -f "$aptlog"
		die "apt-get install ${need[*]} failed"
	fi
	rm -f "$aptlog"
fi
for i in "${!PATHS[@]}"; do
	[ -e "${PATHS[$i]}" ] || die "${LABELS[$i]}: ${PATHS[$i]}: not found${POLICIES[$i]:+ (run 'make build' in $REPO)}"
done
command -v node >/dev/null || die "node not found (the report is written with node)"

# shellcheck source=conformance/runtime-tools/suite.sh
. "$HERE/suite.sh"

# ---- work directory ------------------------------------------------------------

WORK=$(mktemp -d /tmp/runj-conformance.XXXXXX)
mount -t tmpfs -o mode=0755 runj-conformance "$WORK" || die "cannot mount a tmpfs on $WORK"
CG_BEFORE=$WORK/cgroups.before
CLEANED=0
UNIFIED_TMPFS=0

# shellcheck source=conformance/runtime-tools/cleanup.sh
. "$HERE/cleanup.sh"

trap cleanup_all EXIT
trap 'exit 130' INT TERM HUP

list_cgroups >"$CG_BEFORE"

# The suite knows cgroup v1 only, and crun refuses a hybrid host whose
# cgroup2 hierarchy holds controllers ("cgroups in hybrid mode not
# supported"): inside this mount namespace, drop the cgroup2 mount of a hybrid
# host so that every runtime sees plain cgroup v1. The host keeps its mounts.
if [ "${RUNJ_CONFORMANCE_KEEP_UNIFIED:-0}" != 1 ] && [ "$(stat -f -c %T /sys/fs/cgroup)" = tmpfs ] &&
	mountpoint -q /sys/fs/cgroup/unified 2>/dev/null; then
	umount /sys/fs/cgroup/unified || die "cannot unmount /sys/fs/cgroup/unified in the private namespace"
	# Runtimes still see "0::/" in /proc/self/cgroup and may create
	# directories there: give them a private tmpfs, gone with the namespace,
	# rather than the host's /sys/fs/cgroup tmpfs under its cgroup2 mount.
	mount -t tmpfs -o mode=0755,size=16m runj-conformance-unified /sys/fs/cgroup/unified ||
		die "cannot mount a tmpfs on /sys/fs/cgroup/unified"
	UNIFIED_TMPFS=1
	log "cgroup: hybrid host; in this namespace /sys/fs/cgroup/unified is an empty tmpfs (cgroup v1 only)"
fi
mkdir -p "$WORK/bin" "$WORK/state" "$WORK/tmp" "$WORK/cwd" "$WORK/rootfs" "$WORK/calls"

# The root file system the suite unpacks into each bundle: busybox-static
# and its applets, as rootfs-$GOARCH.tar.gz in the tests' working directory.
ARCH=$(go env GOARCH)
cp /bin/busybox "$WORK/rootfs/busybox.tmp"
file_ok=$("$WORK/rootfs/busybox.tmp" --list 2>/dev/null | grep -cx sh || true)
[ "$file_ok" = 1 ] || die "/bin/busybox is not a working busybox (install busybox-static)"
mkdir -p "$WORK/rootfs/bin" "$WORK/rootfs/proc" "$WORK/rootfs/sys" "$WORK/rootfs/dev" "$WORK/rootfs/tmp"
mv "$WORK/rootfs/busybox.tmp" "$WORK/rootfs/bin/busybox"
for a in $("$WORK/rootfs/bin/busybox" --list); do
	[ -e "$WORK/rootfs/bin/$a" ] || ln -s busybox "$WORK/rootfs/bin/$a"
done
chmod 1777 "$WORK/rootfs/tmp"
tar -czf "$WORK/cwd/rootfs-$ARCH.tar.gz" --owner=0 --group=0 -C "$WORK/rootfs" .
rm -rf "$WORK/rootfs"
cp "$BUILD/runtimetest" "$WORK/cwd/runtimetest"

# runj host policies: as-is (nothing ignored) and everything refused ignored.
echo '{}' >"$WORK/policy-empty.json"
cat >"$WORK/policy-ignore.json" <<'EOF'
{"ignore": ["linux.seccomp", "linux.resources", "linux.intelRdt", "linux.personality", "linux.timeOffsets",
 "linux.uidMappings", "linux.gidMappings", "linux.mountLabel", "linux.memoryPolicy", "linux.netDevices",
 "process.apparmorProfile", "process.selinuxLabel", "process.ioPriority", "process.scheduler",
 "process.execCPUAffinity", "mounts.uidMappings"]}
EOF

# runj is rebuilt while it is worked on: each node runtime runs from a copy
# taken now (its bundle directory, the runj-helper and runj-sys.node it would
# find by walking up from there, and a link to node_modules), so that one run measures one
# build. Prints the copy's entry point.
snapshot_node_runtime() { # index path
	local snap=$WORK/snap/$1 src_dir d
	src_dir=$(dirname "$2")
	mkdir -p "$snap/dist" "$snap/native"
	cp -a "$src_dir/." "$snap/dist/"
	d=$src_dir
	while [ "$d" != / ]; do
		if [ -x "$d/native/runj-helper" ]; then
			cp "$d/native/runj-helper" "$snap/native/runj-helper"
			[ -f "$d/native/runj-sys.node" ] && cp "$d/native/runj-sys.node" "$snap/native/runj-sys.node"
			break
		fi
		d=$(dirname "$d")
	done
	d=$src_dir
	while [ "$d" != / ]; do
		if [ -d "$d/node_modules" ]; then
			ln -s "$d/node_modules" "$snap/node_modules"
			break
		fi
		d=$(dirname "$d")
	done
	echo "$snap/dist/$(basename "$2")"
}

# One wrapper per column: the runtime with a private --root (and runj's
# policy). It logs every call, and the runtime's stderr when a call fails,
# since the tests often report only "exit status 1". The streams of create
# and run are inherited by the container: they are left as they are.
for i in "${!LABELS[@]}"; do
	l=${LABELS[$i]} p=${PATHS[$i]}
	w=$WORK/bin/$l
	mkdir -p "$WORK/state/$l"
	case "$p" in
	*.mjs | *.cjs | *.js) cmd="node '$(snapshot_node_runtime "$i" "$p")' --root '$WORK/state/$l'" ;;
	*) cmd="'$p' --root '$WORK/state/$l'" ;;
	esac
	{
		echo '#!/bin/sh'
		# node warns on stderr when NODE_EXTRA_CA_CERTS names a missing file.
		echo 'unset NODE_EXTRA_CA_CERTS'
		echo "log='$WORK/calls/$l.log'"
		echo 'echo "$*" >>"$log"'
		[ -n "${POLICIES[$i]}" ] && echo "export RUNJ_POLICY='$WORK/policy-${POLICIES[$i]}.json'"
		# create: the test hands it a regular file for stderr (the container
		# inherits it); on failure, log what the runtime appended to it.
		echo 'if [ "$1" = create ] && [ -f /proc/self/fd/2 ]; then'
		echo '	off=$(stat -L -c %s /proc/self/fd/2 2>/dev/null || echo 0)'
		echo "	$cmd"' "$@"'
		echo '	rc=$?'
		echo '	[ "$rc" = 0 ] || { echo "! exit $rc: $*"; tail -c +"$((off + 1))" /proc/self/fd/2 | head -c 4096 | sed "s/^/! /"; echo; } >>"$log"'
		echo '	exit "$rc"'
		echo 'fi'
		echo 'case "$1" in create | run) exec '"$cmd"' "$@" ;; esac'
		echo "err=\$(mktemp '$WORK/calls/stderr.XXXXXX') || exit 125"
		echo "$cmd"' "$@" 2>"$err"'
		echo 'rc=$?'
		echo 'cat "$err" >&2'
		echo '[ "$rc" = 0 ] || { echo "! exit $rc: $*"; sed "s/^/! /" "$err"; } >>"$log"'
		echo 'rm -f "$err"'
		echo 'exit "$rc"'
	} >"$w"
	chmod +x "$w"
done

# ---- tests -----------------------------------------------------------------------

TESTS=()
for f in "$BUILD"/*.t; do
	n=$(basename "$f" .t)
	[ -z "$ONLY" ] || [[ "$n" =~ $ONLY ]] || continue
	TESTS+=("$n")
done
[ ${#TESTS[@]} -gt 0 ] || die "no test matches '$ONLY'"

# One line naming what ran: the runtime's --version, and for runj the git
# commit of its tree and when the copied bundle and helper were built.
runtime_version() { # index
	local v p=${PATHS[$1]} snap=$WORK/snap/$1 g
	v=$("$WORK/bin/${LABELS[$1]}" --version 2>/dev/null | head -n 1 || true)
	if [ -d "$snap" ]; then
		g=$(git -C "$(dirname "$p")" log -1 --format=%h 2>/dev/null || true)
		if [ -n "$g" ]; then
			[ -z "$(git -C "$(dirname "$p")" status --porcelain 2>/dev/null | head -n 1)" ] || g="$g + uncommitted changes"
			v="$v, git $g"
		fi
		v="$v, bundle $(date -r "$snap/dist/$(ls -t "$snap/dist" | head -n 1)" -u '+%F %T' 2>/dev/null || echo '?')"
		[ -x "$snap/native/runj-helper" ] && v="$v, helper $(date -r "$snap/native/runj-helper" -u '+%F %T')"
	fi
	echo "${v:-unknown version}" | tr '\t' ' '
}

# Groups: Linux-specific (linux_* and the cgroup-based delete tests), generic
# checked inside the container (runtimetest validates the config from inside),
# generic lifecycle (everything else: create/start/kill/delete/state/hooks).
group_of() {
	local n=$1 src=$SRC/validation/$1
	case "$n" in linux_*) echo linux && return ;; esac
	if grep -qE '/sys/fs/cgroup|ValidateLinuxResources' "$src"/*.go; then
		echo linux
	elif grep -q 'RuntimeInsideValidate' "$src"/*.go; then
		echo inside
	else
		echo lifecycle
	fi
}

# The results directory is replaced, but only if it is one (or empty).
if [ -d "$RESULTS" ] && [ -n "$(ls -A "$RESULTS")" ]; then
	[ -f "$RESULTS/meta.tsv" ] || die "$RESULTS exists and is not a results directory of this script"
	rm -rf "${RESULTS:?}"
fi
mkdir -p "$RESULTS"
{
	echo "suite	$SUITE_VERSION"
	echo "timeout	$TIMEOUT"
	for i in "${!LABELS[@]}"; do echo "runtime	${LABELS[$i]}	${PATHS[$i]}	${POLICIES[$i]}	$(runtime_version "$i")"; done
	for n in "${TESTS[@]}"; do echo "test	$n	$(group_of "$n")	${KNOWN_WRONG[$n]:-}"; done
} >"$RESULTS/meta.tsv"

total=$((${#TESTS[@]} * ${#LABELS[@]}))
k=0
started=$(date +%s)
for i in "${!LABELS[@]}"; do
	l=${LABELS[$i]}
	mkdir -p "$RESULTS/$l"
	for n in "${TESTS[@]}"; do
		k=$((k + 1))
		printf '== [%d/%d] %s %s ... ' "$k" "$total" "$l" "$n" >&2
		t0=$(date +%s)
		rc=0
		(
			cd "$WORK/cwd"
			exec env RUNTIME="$WORK/bin/$l" TMPDIR="$WORK/tmp" timeout -k 5 "$TIMEOUT" "$BUILD/$n.t"
		) </dev/null >"$RESULTS/$l/$n.tap" 2>"$RESULTS/$l/$n.err" || rc=$?
		echo "$rc" >"$RESULTS/$l/$n.rc"
		echo "$(($(date +%s) - t0))" >"$RESULTS/$l/$n.secs"
		# What the runtime said: the wrapper's call log, and the stderr files
		# of bundles a failed test left behind (its 'create' output).
		cp "$WORK/calls/$l.log" "$RESULTS/$l/$n.calls" 2>/dev/null || : >"$RESULTS/$l/$n.calls"
		find "$WORK/tmp" -maxdepth 2 -type f -name 'stderr-*' -size +0 2>/dev/null | sort | while read -r f; do
			echo "== ${f#"$WORK/tmp/"}"
			head -c 4096 "$f"
			echo
		done >"$RESULTS/$l/$n.runtime-stderr"
		cleanup_containers
		cleanup_cgroups
		rm -rf "${WORK:?}/tmp/"* 2>/dev/null || true
		echo "rc=$rc $(cat "$RESULTS/$l/$n.secs")s" >&2
	done
done
log "ran $total tests in $(($(date +%s) - started))s"

cleanup_all
node "$HERE/report.mjs" "$RESULTS" || die "report failed"
