#!/bin/sh
# runj's containerd shim on a real FreeBSD host: an acceptance script.
# NOT RUN HERE: runj is developed on Linux, where this script is only
# checked with `sh -n` and `shellcheck -s sh`; it has not been run on a
# FreeBSD host yet. On FreeBSD 14 or 15, as root, with containerd and ctr
# installed (sysutils/containerd) and node on PATH, from the repository:
#
#   make -C native && node build/bundle.mjs
#   sh conformance/freebsd/shim.sh [dist/containerd-shim-runj-v1]
#
# It starts a private containerd (socket, root and state under a temporary
# directory; the shim's runtime state there too through RUNJ_SHIM_ROOT),
# links the shim into a directory on containerd's PATH as
# containerd-shim-runj-v1 (what `make install` does), imports a small image
# made from the host's /rescue, and checks through ctr and the runtime name
# wtf.sbk.runj.v1 (containerd-shim-<last two parts of the name>):
#
#   run-rm        output and exit status of `ctr run --rm`
#   rootfs-jail   a detached task: its jail (jls) and the native snapshotter's
#                 nullfs on the bundle's rootfs (mount -p); killed: 137;
#                 after delete no jail and no mount
#   shim-killed   the shim SIGKILLed: containerd's delete action removes the
#                 jail and the rootfs mount
#   zfs-rootfs    the zfs snapshotter's dataset as the root (only when
#                 RUNJ_SHIM_ZFS names a dataset to create, e.g. zroot/runjtest)
#   runtime-v2    another version in the runtime name is another binary,
#                 which is not installed
#
# One PASS, FAIL or SKIP line per check; the exit status is non-zero when one
# failed. RUNJ_KEEP=1 keeps the work directory of a failed run.
set -u

SHIM=${1:-dist/containerd-shim-runj-v1}
case "$SHIM" in /*) ;; *) SHIM=$(pwd)/$SHIM ;; esac
[ -x "$SHIM" ] || { echo "$SHIM: not an executable shim (make build)" >&2; exit 2; }
[ "$(uname -s)" = FreeBSD ] || { echo "this script runs on FreeBSD" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "run it as root: containerd makes jails and mounts" >&2; exit 2; }
for c in containerd ctr node jls; do
	command -v "$c" >/dev/null || { echo "$c: not on PATH" >&2; exit 2; }
done

WORK=$(mktemp -d /tmp/runj-shim.XXXXXX) || exit 2
ROOTFS=$WORK/rootfs
FAILED=0
PASSED=0
SKIPPED=0
# shellcheck disable=SC2034 # read by lib.sh's cleanup_all
CREATED_EPAIRS=
CTRD_PID=
ZFS_MADE=
NS=runjshim
IMAGE=runj.local/shimtest:latest
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=/dev/null
. "$HERE/lib.sh" # build_rootfs, cleanup_all (jails named rc-*, mounts below $WORK)

stop_all() {
	if [ -n "$CTRD_PID" ]; then
		for id in $(ctr_ task ls -q 2>/dev/null); do
			ctr_ task kill -s SIGKILL "$id" >/dev/null 2>&1
			ctr_ task delete -f "$id" >/dev/null 2>&1
		done
		for id in $(ctr_ containers ls -q 2>/dev/null); do ctr_ containers rm "$id" >/dev/null 2>&1; done
		kill "$CTRD_PID" 2>/dev/null
		wait "$CTRD_PID" 2>/dev/null
	fi
	for j in $(jls name 2>/dev/null | grep '^rs-'); do jail -r "$j" 2>/dev/null; done
	[ -n "$ZFS_MADE" ] && zfs destroy -r "$RUNJ_SHIM_ZFS" 2>/dev/null
	cleanup_all
}
trap stop_all EXIT

ctr_() { timeout 60 ctr --address "$WORK/containerd.sock" --namespace "$NS" "$@"; }
pass() { PASSED=$((PASSED + 1)); echo "PASS $1"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL $1: $2"; }
skip() { SKIPPED=$((SKIPPED + 1)); echo "SKIP $1: $2"; }
mounts_below() { mount -p | awk '{print $2}' | grep "^$WORK/state/" || true; }
shim_pid() { pgrep -f "containerd-shim-runj-v1[^ ]* .*-id $1 " | head -1; }
wait_gone() { # seconds command...
	n=$1
	shift
	while [ "$n" -gt 0 ]; do
		"$@" || return 0
		sleep 1
		n=$((n - 1))
	done
	return 1
}
has_jail() { jls -j "$1" jid >/dev/null 2>&1; }
task_running() { ctr_ task ls 2>/dev/null | grep -q "^$1[[:space:]].*RUNNING"; }

# ---- an image from /rescue, as an OCI layout --------------------------------

blob() { # file: moves it into the layout, prints its digest
	d=$(sha256 -q "$1")
	mv "$1" "$WORK/oci/blobs/sha256/$d"
	echo "$d"
}
make_image() {
	RUNJ_BASE_TXZ=/nonexistent build_rootfs >/dev/null || return 1
	mkdir -p "$WORK/oci/blobs/sha256"
	tar -C "$ROOTFS" -czf "$WORK/layer.tgz" . || return 1
	diffid=$(gzip -dc "$WORK/layer.tgz" | sha256 -q)
	lsize=$(stat -f %z "$WORK/layer.tgz")
	layer=$(blob "$WORK/layer.tgz")
	printf '{"architecture":"%s","os":"freebsd","config":{"Env":["PATH=/rescue:/bin:/sbin"],"Cmd":["/rescue/sh"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
		"$(uname -m)" "$diffid" >"$WORK/config.json"
	csize=$(stat -f %z "$WORK/config.json")
	config=$(blob "$WORK/config.json")
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' \
		"$config" "$csize" "$layer" "$lsize" >"$WORK/manifest.json"
	msize=$(stat -f %z "$WORK/manifest.json")
	manifest=$(blob "$WORK/manifest.json")
	printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"latest"}}]}' \
		"$manifest" "$msize" >"$WORK/oci/index.json"
	echo '{"imageLayoutVersion":"1.0.0"}' >"$WORK/oci/oci-layout"
	tar -C "$WORK/oci" -cf "$WORK/image.tar" . || return 1
	ctr_ images import --base-name "${IMAGE%:*}" "$WORK/image.tar" >/dev/null
}

# ---- a private containerd ----------------------------------------------------

mkdir -p "$WORK/bin" "$WORK/root" "$WORK/shim" "$WORK/rundir"
ln -s "$SHIM" "$WORK/bin/containerd-shim-runj-v1"
if [ -n "${RUNJ_SHIM_ZFS:-}" ]; then
	mkdir -p "$WORK/root/io.containerd.snapshotter.v1.zfs"
	zfs create -o mountpoint="$WORK/root/io.containerd.snapshotter.v1.zfs" "$RUNJ_SHIM_ZFS" && ZFS_MADE=1
fi
cat >"$WORK/containerd.toml" <<EOF
version = 2
root = "$WORK/root"
state = "$WORK/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$WORK/containerd.sock"
[ttrpc]
  address = "$WORK/containerd.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
EOF
PATH=$WORK/bin:$PATH RUNJ_SHIM_ROOT=$WORK/shim RUNJ_FREEBSD_RUNDIR=$WORK/rundir \
	containerd --config "$WORK/containerd.toml" --log-level debug >"$WORK/containerd.log" 2>&1 &
CTRD_PID=$!
# shellcheck disable=SC2016 # $1 is the inner shell's
wait_gone 30 sh -c '! ctr --address "$1" version >/dev/null 2>&1' _ "$WORK/containerd.sock" || { echo "containerd did not start: $WORK/containerd.log" >&2; exit 1; }
make_image || { echo "could not make the test image" >&2; exit 1; }
echo "shim: $SHIM"
echo "work: $WORK"

# ---- checks -------------------------------------------------------------------

out=$(ctr_ run --rm --runtime wtf.sbk.runj.v1 "$IMAGE" rs-run /rescue/sh -c 'echo hello from the jail; exit 7' 2>&1)
st=$?
if [ "$st" = 7 ] && [ "$out" = "hello from the jail" ]; then pass run-rm; else fail run-rm "status $st, output: $out"; fi

check_detached() { # name id [ctr run flags]: a detached task's jail and rootfs, then kill and delete
	name=$1 id=$2
	shift 2
	if ! ctr_ run -d --runtime wtf.sbk.runj.v1 "$@" "$IMAGE" "$id" /rescue/sleep 600 >/dev/null 2>&1; then
		fail "$name" "ctr run -d failed"
		return 1
	fi
	rootfs=$WORK/state/io.containerd.runtime.v2.task/$NS/$id/rootfs
	has_jail "$id" || { fail "$name" "no jail $id"; return 1; }
	mount -p | awk -v r="$rootfs" '$2 == r {print $3}' | grep -q "^${EXPECT_FS}\$" || { fail "$name" "no $EXPECT_FS on $rootfs"; return 1; }
	return 0
}

EXPECT_FS=nullfs
if check_detached rootfs-jail rs-detached --snapshotter native; then
	ctr_ task kill -s SIGKILL rs-detached >/dev/null 2>&1
	wait_gone 10 task_running rs-detached
	deleted=$(ctr_ task delete rs-detached 2>&1)
	ctr_ containers rm rs-detached >/dev/null 2>&1
	left=$(mounts_below)
	if has_jail rs-detached || [ -n "$left" ]; then fail rootfs-jail "left behind: jail or mounts $left"
	else case "$deleted" in
		*"exit code 137"*) pass rootfs-jail ;;
		*) fail rootfs-jail "task delete did not report exit code 137: $deleted" ;;
		esac
	fi
fi

if check_detached shim-killed rs-orphan --snapshotter native; then
	pid=$(shim_pid rs-orphan)
	if [ -z "$pid" ]; then fail shim-killed "no shim process for rs-orphan"
	else
		kill -9 "$pid"
		wait_gone 30 has_jail rs-orphan
		ctr_ task delete -f rs-orphan >/dev/null 2>&1
		ctr_ containers rm rs-orphan >/dev/null 2>&1
		left=$(mounts_below)
		if has_jail rs-orphan || [ -n "$left" ]; then fail shim-killed "left behind: jail or mounts $left"
		else pass shim-killed; fi
	fi
fi

if [ -z "$ZFS_MADE" ]; then
	skip zfs-rootfs "set RUNJ_SHIM_ZFS to a dataset name to create (e.g. zroot/runjtest)"
else
	EXPECT_FS=zfs
	ctr_ images unpack --snapshotter zfs "$IMAGE" >/dev/null 2>&1
	if check_detached zfs-rootfs rs-zfs --snapshotter zfs; then
		ctr_ task kill -s SIGKILL rs-zfs >/dev/null 2>&1
		ctr_ task delete rs-zfs >/dev/null 2>&1
		ctr_ containers rm rs-zfs >/dev/null 2>&1
		left=$(mounts_below)
		if has_jail rs-zfs || [ -n "$left" ]; then fail zfs-rootfs "left behind: jail or mounts $left"; else pass zfs-rootfs; fi
	fi
fi

err=$(ctr_ run --rm --runtime wtf.sbk.runj.v2 "$IMAGE" rs-v2 /rescue/true 2>&1)
ctr_ containers rm rs-v2 >/dev/null 2>&1
case "$err" in
*containerd-shim-runj-v2*) pass runtime-v2 ;;
*) fail runtime-v2 "expected containerd-shim-runj-v2 not to be found: $err" ;;
esac

echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
[ "$FAILED" = 0 ]
