#!/bin/sh
# runj FreeBSD acceptance suite. On a FreeBSD 14 or 15 host, as root:
#
#   sh conformance/freebsd/run.sh path/to/runj        (or dist/runj.cjs, run with node)
#
# Builds a root file system from the host's base system ($RUNJ_BASE_TXZ or
# /usr/freebsd-dist/base.txz when present, else a copy of /rescue), then
# runs each case in its own bundle and checks that delete leaves no jail,
# mount or interface behind. Prints one line per case (PASS, FAIL, SKIP)
# and exits non-zero when a case failed. Keeps its work directory on
# failure when RUNJ_KEEP=1. Environment: RUNJ_HELPER is passed through.
# Needs: jls, jail, pgrep, ifconfig, mount, umount, timeout, devfs, rctl,
# kldstat, script (all in base). Not yet run on a FreeBSD host.
# The cases live in cases_*.sh and the shared functions in lib.sh.
set -u

if [ $# -lt 1 ]; then
	echo "usage: sh $0 path/to/runj" >&2
	exit 2
fi
case "$1" in
/*) RUNJ_PATH=$1 ;;
*) RUNJ_PATH=$(pwd)/$1 ;;
esac
case "$RUNJ_PATH" in
*.mjs | *.cjs | *.js) RUNJ_CMD="node $RUNJ_PATH" ;;
*) RUNJ_CMD=$RUNJ_PATH ;;
esac
[ -e "$RUNJ_PATH" ] || { echo "$RUNJ_PATH: not found" >&2; exit 2; }
[ "$(uname -s)" = FreeBSD ] || { echo "this suite runs on FreeBSD" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "run it as root: it creates jails, mounts and interfaces" >&2; exit 2; }
MAJOR=$(uname -r | sed 's/\..*//')
[ "$MAJOR" -ge 14 ] 2>/dev/null || echo "warning: FreeBSD $MAJOR: runj targets 14 and later" >&2

WORK=$(mktemp -d /tmp/runj-conformance.XXXXXX) || exit 2
ROOTFS=$WORK/rootfs
STATE=$WORK/state
export RUNJ_FREEBSD_RUNDIR="$WORK/rundir"
export RUNJ_POLICY="$WORK/policy.json"
echo '{}' >"$RUNJ_POLICY"
PASSED=0
FAILED=0
SKIPPED=0
CREATED_EPAIRS=

HERE=$(cd "$(dirname "$0")" && pwd)
for part in lib cases_process cases_jail cases_limits; do
	# shellcheck source=/dev/null
	. "$HERE/$part.sh"
done

# ---- main -----------------------------------------------------------------

echo "runj: $RUNJ_CMD"
echo "work: $WORK"
build_rootfs || { echo "could not build the root file system" >&2; exit 1; }

case_ minimal t_minimal
case_ args t_args
case_ env t_env
case_ cwd t_cwd
case_ user t_user
case_ hostname t_hostname
case_ domainname t_domainname
case_ ip4-inherit t_ip4_inherit
case_ ip6-addresses t_ip6_addresses
case_ vnet-epair t_vnet_epair
case_ hooks t_hooks
case_ enforce-statfs t_enforce_statfs
case_ nullfs-volume-rw t_nullfs_rw
case_ nullfs-single-file t_nullfs_file
case_ devfs-devices t_devfs_devices
case_ readonly-root t_readonly_root
case_ create-detached t_create_detached
case_ kill t_kill
case_ kill-all t_kill_all
case_ exec t_exec
case_ jail-params t_jail_params
case_ mounts-pseudo t_mounts_pseudo
case_ mounts-linux t_mounts_linux
case_ devfs-ruleset t_devfs_ruleset
case_ pts t_pts
case_ policy-refusals t_policy_refusals
case_ delete-cleanup t_delete_cleanup
case_ rctl-limits t_rctl_limits
case_ rctl-refused t_rctl_refused
case_ parent-children-max t_parent_children_max
case_ nullfs-hardlinked-target t_nullfs_hardlinked_target
case_ mount-option-typo t_mount_option_typo
case_ realtime-signal t_realtime_signal
case_ kill9-create t_kill9_create
case_ kill9-delete t_kill9_delete
case_ garbage-state t_garbage_state

echo "passed $PASSED, failed $FAILED, skipped $SKIPPED"
[ "$FAILED" = 0 ]
