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

cleanup_all() {
	for e in $CREATED_EPAIRS; do ifconfig "$e" destroy 2>/dev/null; done
	# Anything a failed case left: jails named rc-*, mounts below $WORK.
	for j in $(jls name 2>/dev/null | grep "^rc-.*-$$\$"); do jail -r "$j" 2>/dev/null; done
	mount -p | awk '{print $2}' | grep "^$WORK/" | sort -r | while read -r m; do umount -f "$m" 2>/dev/null; done
	if [ "$FAILED" -gt 0 ] && [ "${RUNJ_KEEP:-0}" = 1 ]; then
		echo "work directory kept: $WORK"
	else
		chflags -R noschg "$WORK" 2>/dev/null
		rm -rf "$WORK"
	fi
}
trap cleanup_all EXIT
trap 'exit 130' INT TERM

runj() {
	# shellcheck disable=SC2086 # RUNJ_CMD may be "node path"
	timeout 120 $RUNJ_CMD --root "$STATE" "$@"
}

# ---- root file system ---------------------------------------------------

build_rootfs() {
	mkdir -p "$ROOTFS"
	base=${RUNJ_BASE_TXZ:-/usr/freebsd-dist/base.txz}
	if [ -f "$base" ]; then
		echo "root file system: $base"
		tar -xf "$base" -C "$ROOTFS" || return 1
	else
		echo "root file system: /rescue"
		mkdir -p "$ROOTFS/rescue" || return 1
		cp /rescue/sh "$ROOTFS/rescue/sh" || return 1
		for f in /rescue/*; do
			n=${f##*/}
			[ "$n" = sh ] || ln "$ROOTFS/rescue/sh" "$ROOTFS/rescue/$n" || return 1
		done
		(cd "$ROOTFS" && mkdir -p etc dev tmp root var/run usr && ln -s rescue bin && ln -s rescue sbin && ln -s ../rescue usr/bin) || return 1
		chmod 1777 "$ROOTFS/tmp"
		cat >"$ROOTFS/etc/master.passwd" <<-'EOF'
			root::0:0::0:0:Charlie &:/root:/bin/sh
			nobody:*:65534:65534::0:0:Unprivileged user:/nonexistent:/sbin/nologin
		EOF
		cat >"$ROOTFS/etc/group" <<-'EOF'
			wheel:*:0:root
			tty:*:4:
			operator:*:5:root
			nobody:*:65534:
		EOF
		pwd_mkdb -d "$ROOTFS/etc" -p "$ROOTFS/etc/master.passwd" || return 1
	fi
}

# ---- bundles --------------------------------------------------------------

# Every case starts from these; a case changes what it needs, then calls mkbundle.
defaults() {
	RUNJ_POLICY=$WORK/policy.json
	ARGS='["/rescue/sh","-c","true"]'
	ENVJ='["PATH=/rescue:/bin:/sbin:/usr/bin"]'
	CWD=/
	USERJ='{"uid":0,"gid":0}'
	ROOTJ="{\"path\":\"$ROOTFS\"}"
	DEVFS_OPTS='["ruleset=4"]'
	EXTRA_MOUNTS=
	EXTRA=
	PROCX=
	BUNDLE=$WORK/bundles/$ID
	OUT=$BUNDLE/out
	ERR=$BUNDLE/err
}

mkbundle() {
	mkdir -p "$BUNDLE"
	cat >"$BUNDLE/config.json" <<-EOF
		{
		  "ociVersion": "1.3.0",
		  "process": { "user": $USERJ, "args": $ARGS, "env": $ENVJ, "cwd": "$CWD"$PROCX },
		  "root": $ROOTJ,
		  "mounts": [
		    { "destination": "/dev", "type": "devfs", "source": "devfs", "options": $DEVFS_OPTS },
		    { "destination": "/dev/fd", "type": "fdescfs", "source": "fdesc" }$EXTRA_MOUNTS
		  ]$EXTRA
		}
	EOF
}

# Runs the bundle to completion (runj run: create, start, wait, delete); status in RC.
run_bundle() {
	mkbundle
	runj run --bundle "$BUNDLE" "$ID" </dev/null >"$OUT" 2>"$ERR"
	RC=$?
}

# create (detached) and start.
start_bundle() {
	mkbundle
	runj create --bundle "$BUNDLE" "$ID" </dev/null >"$OUT" 2>"$ERR" || return 1
	runj start "$ID" 2>>"$ERR"
}

# A host policy for this case only (defaults() goes back to {}).
with_policy() { # JSON
	RUNJ_POLICY=$WORK/policy-$ID.json
	printf '%s\n' "$1" >"$RUNJ_POLICY"
}

status_of() {
	runj state "$1" 2>/dev/null | tr -d ' \n' | sed -n 's/.*"status":"\([a-z]*\)".*/\1/p'
}

wait_status() { # id status
	i=0
	while [ $i -lt 50 ]; do
		[ "$(status_of "$1")" = "$2" ] && return 0
		sleep 0.2
		i=$((i + 1))
	done
	return 1
}

jid_of() { jls -j "$1" jid 2>/dev/null; }

expect_out() { # expected text of $OUT
	if [ "$RC" != 0 ]; then
		REASON="exit status $RC: $(head -c 600 "$ERR")"
		return 1
	fi
	got=$(cat "$OUT")
	if [ "$got" != "$1" ]; then
		REASON="expected output [$1], got [$got] $(head -c 300 "$ERR")"
		return 1
	fi
}

# ---- reporting --------------------------------------------------------------

leftovers() {
	left=
	jls -j "$ID" jid >/dev/null 2>&1 && left="$left jail $ID;"
	m=$(mount -p | awk '{print $2}' | grep -e "^$ROOTFS/" -e "^$RUNJ_FREEBSD_RUNDIR/" -e "^$WORK/bundles/$ID" | tr '\n' ' ')
	[ -n "$m" ] && left="$left mounts $m;"
	[ -d "$STATE/$ID" ] && left="$left state $STATE/$ID;"
	[ -d "$RUNJ_FREEBSD_RUNDIR/jails/$ID" ] && left="$left $RUNJ_FREEBSD_RUNDIR/jails/$ID;"
	echo "$left"
}

case_() { # name function
	CASE=$1
	ID="rc-$1-$$"
	REASON=
	defaults
	if "$2"; then
		runj delete --force "$ID" >/dev/null 2>&1
		left=$(leftovers)
		if [ -n "$left" ]; then
			FAILED=$((FAILED + 1))
			echo "FAIL $CASE: left behind:$left"
		else
			PASSED=$((PASSED + 1))
			echo "PASS $CASE"
		fi
	elif [ "$REASON" = skip ]; then
		SKIPPED=$((SKIPPED + 1))
		echo "SKIP $CASE: $SKIP_WHY"
	else
		FAILED=$((FAILED + 1))
		echo "FAIL $CASE: $REASON"
	fi
	runj delete --force "$ID" >/dev/null 2>&1
	j=$(jid_of "$ID") && [ -n "$j" ] && jail -r "$j" 2>/dev/null
	mount -p | awk '{print $2}' | grep -e "^$ROOTFS/" -e "^$RUNJ_FREEBSD_RUNDIR/" | sort -r | while read -r mp; do umount -f "$mp"; done
	return 0
}

skip() {
	REASON=skip
	SKIP_WHY=$1
	return 1
}

# ---- cases ----------------------------------------------------------------
# Container-side scripts are files in the root (/conformance/<id>.sh), run
# with /rescue/sh: a /rescue root has sh, sed, ls, id, hostname, sysctl,
# ifconfig and mount, but no grep, tr or cut.

script() { # body
	mkdir -p "$ROOTFS/conformance"
	printf '%s\n' "$1" >"$ROOTFS/conformance/$ID.sh"
	ARGS="[\"/rescue/sh\",\"/conformance/$ID.sh\"]"
}

t_minimal() {
	ARGS='["/rescue/sh","-c","echo hello"]'
	run_bundle
	expect_out hello
}

t_args() {
	ARGS='["/rescue/sh","-c","printf \"%s|\" \"$@\"","zero","a b","c","","d%e"]'
	run_bundle
	expect_out 'a b|c||d%e|'
}

t_env() {
	ENVJ='["PATH=/rescue","FOO=bar baz","EMPTY=","UTF=\u00e9"]'
	script 'echo "$FOO"; echo "[$EMPTY]"; echo "$UTF"'
	run_bundle
	expect_out "bar baz
[]
$(printf '\303\251')"
}

t_cwd() {
	CWD=/tmp
	script pwd
	run_bundle
	expect_out /tmp || return 1
	CWD=/made/by/runj
	run_bundle
	expect_out /made/by/runj
}

t_user() {
	USERJ='{"uid":65534,"gid":65534,"additionalGids":[5],"umask":63}'
	script 'id -u; id -g; case " $(id -G) " in *" 5 "*) echo in-5;; *) echo not-in-5;; esac; umask'
	run_bundle
	expect_out "65534
65534
in-5
0077"
}

t_hostname() {
	EXTRA=',"hostname":"runj-conformance"'
	script hostname
	run_bundle
	expect_out runj-conformance
}

t_domainname() {
	EXTRA=',"domainname":"example.org"'
	script 'sysctl -n kern.domainname'
	run_bundle
	expect_out example.org
}

t_ip4_inherit() {
	ifconfig lo0 | grep -q 'inet 127\.0\.0\.1 ' || { skip "the host's lo0 has no 127.0.0.1"; return 1; }
	EXTRA=',"freebsd":{"jail":{"ip4":"inherit"}}'
	script 'ifconfig lo0 | sed -n "s/.*\(inet 127\.0\.0\.1\) .*/\1/p"'
	run_bundle
	expect_out "inet 127.0.0.1"
}

t_ip6_addresses() {
	[ "$(sysctl -n kern.features.inet6 2>/dev/null)" = 1 ] || { skip "no INET6 in this kernel"; return 1; }
	A6="fd00:72:756e:6a::$(printf %x $(($$ % 65000 + 1)))"
	EXTRA=",\"freebsd\":{\"jail\":{\"interface\":\"lo0\",\"ip6Addr\":[\"$A6\"]}}"
	script "ifconfig lo0 inet6 | sed -n 's/.*inet6 \\($A6\\) .*/\\1/p'"
	run_bundle
	expect_out "$A6" || return 1
	if ifconfig lo0 inet6 | grep -q "inet6 $A6 "; then
		REASON="alias $A6 still on lo0 after delete"
		return 1
	fi
}

t_vnet_epair() {
	[ "$(sysctl -n kern.features.vimage 2>/dev/null)" = 1 ] || { skip "no VIMAGE in this kernel"; return 1; }
	kldstat -q -m if_epair || kldload -n if_epair || { skip "cannot load if_epair"; return 1; }
	EPA=$(ifconfig epair create) || { REASON="ifconfig epair create failed"; return 1; }
	CREATED_EPAIRS="$CREATED_EPAIRS $EPA"
	EPB=${EPA%a}b
	EXTRA=",\"freebsd\":{\"jail\":{\"vnet\":\"new\",\"vnetInterfaces\":[\"$EPB\"]}}"
	script "ifconfig $EPB inet 10.231.77.2/30 up || exit 1; for i in \$(ifconfig -l); do echo \$i; done"
	run_bundle
	expect_out "lo0
$EPB" || return 1
	if ! ifconfig "$EPB" >/dev/null 2>&1; then
		REASON="$EPB was not given back to the host"
		return 1
	fi
}

t_hooks() {
	LOG=$WORK/hooks-$ID.log
	IN=runj-hooks-$ID.log
	: >"$LOG"
	EXTRA=",\"hooks\":{
	  \"prestart\":[{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"echo prestart >> $LOG\"]}],
	  \"createRuntime\":[{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"cat > $LOG.state; echo createRuntime >> $LOG\"]}],
	  \"createContainer\":[{\"path\":\"/rescue/sh\",\"args\":[\"sh\",\"-c\",\"echo createContainer >> /tmp/$IN\"]}],
	  \"startContainer\":[{\"path\":\"/rescue/sh\",\"args\":[\"sh\",\"-c\",\"echo startContainer >> /tmp/$IN\"]}],
	  \"poststart\":[{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"echo poststart >> $LOG\"]}],
	  \"poststop\":[{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"echo poststop >> $LOG\"]}]}"
	ARGS='["/rescue/sh","-c","echo ran"]'
	run_bundle
	expect_out ran || return 1
	got=$(tr '\n' ' ' <"$LOG")
	[ "$got" = "prestart createRuntime poststart poststop " ] || { REASON="host hooks ran as [$got]"; return 1; }
	grep -q "\"id\": *\"$ID\"" "$LOG.state" || { REASON="createRuntime state on stdin lacks the id: $(cat "$LOG.state")"; return 1; }
	# createContainer and startContainer run after jail_attach: inside the jail's root.
	if [ -f "$ROOTFS/tmp/$IN" ]; then
		inside=$(tr '\n' ' ' <"$ROOTFS/tmp/$IN")
		rm -f "$ROOTFS/tmp/$IN"
	else
		inside=$(tr '\n' ' ' <"/tmp/$IN" 2>/dev/null)
		rm -f "/tmp/$IN"
		[ -n "$inside" ] && inside="(on the host) $inside"
	fi
	[ "$inside" = "createContainer startContainer " ] || { REASON="container hooks ran as [$inside]"; return 1; }
}

t_enforce_statfs() {
	script 'sysctl -n security.jail.enforce_statfs'
	run_bundle
	expect_out 2 || return 1
	EXTRA=',"freebsd":{"jail":{"enforceStatfs":1}}'
	script 'sysctl -n security.jail.enforce_statfs; mount | sed -n "s/^devfs on \/dev (devfs.*/devfs/p"'
	run_bundle
	expect_out "1
devfs"
}

t_nullfs_rw() {
	VOL=$WORK/vol-$ID
	mkdir -p "$VOL"
	echo from-host >"$VOL/in"
	EXTRA_MOUNTS=",{\"destination\":\"/srv/vol\",\"type\":\"nullfs\",\"source\":\"$VOL\",\"options\":[\"rw\"]}"
	script 'cat /srv/vol/in && echo from-container > /srv/vol/out'
	run_bundle
	expect_out from-host || return 1
	[ "$(cat "$VOL/out" 2>/dev/null)" = from-container ] || { REASON="the write did not reach the host"; return 1; }
	[ ! -e "$ROOTFS/srv" ] || { REASON="mount point $ROOTFS/srv was not removed"; return 1; }
}

t_nullfs_file() {
	F=$WORK/file-$ID.txt
	echo "single file" >"$F"
	EXTRA_MOUNTS=",{\"destination\":\"/etc/single.txt\",\"type\":\"nullfs\",\"source\":\"$F\",\"options\":[\"ro\"]}"
	script 'cat /etc/single.txt; (echo x > /etc/single.txt) 2>/dev/null && echo writable || echo read-only'
	run_bundle
	expect_out "single file
read-only" || return 1
	[ ! -e "$ROOTFS/etc/single.txt" ] || { REASON="mount point $ROOTFS/etc/single.txt was not removed"; return 1; }
	[ "$(cat "$F")" = "single file" ] || { REASON="the host file changed"; return 1; }
}

t_devfs_devices() {
	[ -e /dev/devstat ] || { skip "no /dev/devstat on the host"; return 1; }
	EXTRA=',"freebsd":{"devices":[{"path":"devstat","mode":384}]}'
	script 'ls -l /dev/devstat | sed "s/ .*//"; test -e /dev/mem && echo mem || echo no-mem; test -e /dev/null && echo null'
	run_bundle
	expect_out "crw-------
no-mem
null" || return 1
	# podman's way: rule= mount options.
	EXTRA=
	DEVFS_OPTS='["ruleset=4","rule=path devstat unhide"]'
	script 'test -e /dev/devstat && echo devstat'
	run_bundle
	expect_out devstat || return 1
	# Host memory is refused unless the host policy allows it.
	DEVFS_OPTS='["ruleset=4"]'
	EXTRA=',"freebsd":{"devices":[{"path":"mem"}]}'
	run_bundle
	if [ "$RC" = 0 ] || ! grep -q 'would expose mem' "$ERR"; then
		REASON="a request for /dev/mem was not refused: rc $RC, $(head -c 300 "$ERR")"
		return 1
	fi
}

t_readonly_root() {
	ROOTJ="{\"path\":\"$ROOTFS\",\"readonly\":true}"
	EXTRA_MOUNTS=',{"destination":"/tmp","type":"tmpfs","source":"tmpfs","options":["mode=1777"]}'
	script '(: > /ro-test) 2>/dev/null && echo writable || echo read-only; : > /tmp/ok && echo tmp-writable'
	run_bundle
	expect_out "read-only
tmp-writable" || return 1
	[ ! -e "$ROOTFS/ro-test" ] || { REASON="the root was written"; return 1; }
}

t_kill() {
	ARGS='["/rescue/sleep","600"]'
	start_bundle || { REASON="create/start failed: $(head -c 300 "$ERR")"; return 1; }
	wait_status "$ID" running || { REASON="not running: $(status_of "$ID")"; return 1; }
	runj kill "$ID" KILL 2>>"$ERR" || { REASON="kill failed: $(head -c 300 "$ERR")"; return 1; }
	wait_status "$ID" stopped || { REASON="still $(status_of "$ID") after kill KILL"; return 1; }
	runj delete "$ID" 2>>"$ERR" || { REASON="delete failed: $(head -c 300 "$ERR")"; return 1; }
}

t_kill_all() {
	ARGS='["/rescue/sh","-c","/rescue/sleep 600 & /rescue/sleep 600 & wait"]'
	start_bundle || { REASON="create/start failed: $(head -c 300 "$ERR")"; return 1; }
	wait_status "$ID" running || { REASON="not running"; return 1; }
	JID=$(jid_of "$ID")
	[ -n "$JID" ] || { REASON="no jail named $ID"; return 1; }
	i=0
	while [ "$(pgrep -j "$JID" | wc -l | tr -d ' ')" -lt 3 ] && [ $i -lt 25 ]; do sleep 0.2; i=$((i + 1)); done
	n=$(pgrep -j "$JID" | wc -l | tr -d ' ')
	[ "$n" = 3 ] || { REASON="expected 3 processes in jail $JID, found $n"; return 1; }
	runj kill --all "$ID" KILL 2>>"$ERR" || { REASON="kill --all failed: $(head -c 300 "$ERR")"; return 1; }
	i=0
	while pgrep -j "$JID" >/dev/null && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
	if pgrep -j "$JID" >/dev/null; then
		REASON="processes left in jail $JID: $(pgrep -j "$JID" | tr '\n' ' ')"
		return 1
	fi
	runj delete "$ID" 2>>"$ERR" || { REASON="delete failed: $(head -c 300 "$ERR")"; return 1; }
}

t_exec() {
	ARGS='["/rescue/sleep","600"]'
	start_bundle || { REASON="create/start failed: $(head -c 300 "$ERR")"; return 1; }
	wait_status "$ID" running || { REASON="not running: $(status_of "$ID")"; return 1; }
	# Output, exit status and place: the exec'd command runs inside the jail.
	out=$(runj exec "$ID" /rescue/sh -c 'echo exec-ok; sysctl -n security.jail.jailed; exit 7' 2>"$BUNDLE/exec.err")
	rc=$?
	[ "$rc" = 7 ] || { REASON="exec: exit status $rc, not 7: $(head -c 300 "$BUNDLE/exec.err")"; return 1; }
	[ "$out" = "exec-ok
1" ] || { REASON="exec printed [$out]"; return 1; }
	JID=$(jid_of "$ID")
	out=$(runj exec --env RUNJ_X=from-exec --cwd /tmp "$ID" /rescue/sh -c 'echo "$RUNJ_X $(pwd)"' 2>>"$BUNDLE/exec.err")
	[ "$out" = "from-exec /tmp" ] || { REASON="exec --env/--cwd printed [$out]"; return 1; }
	# runj (Go)'s spelling, ext exec.
	out=$(runj ext exec "$ID" /rescue/sh -c 'sysctl -n security.jail.jailed' 2>>"$BUNDLE/exec.err")
	[ "$out" = 1 ] || { REASON="ext exec printed [$out]: $(head -c 300 "$BUNDLE/exec.err")"; return 1; }
	# A detached exec shows up in the jail's process list.
	runj exec --detach "$ID" /rescue/sleep 577 2>>"$BUNDLE/exec.err" || { REASON="exec --detach failed: $(head -c 300 "$BUNDLE/exec.err")"; return 1; }
	i=0
	while ! pgrep -j "$JID" -f 'sleep 577' >/dev/null && [ $i -lt 25 ]; do sleep 0.2; i=$((i + 1)); done
	pgrep -j "$JID" -f 'sleep 577' >/dev/null || { REASON="the detached exec is not in jail $JID"; return 1; }
	# Not into a stopped container.
	runj kill "$ID" KILL 2>>"$ERR"
	wait_status "$ID" stopped || { REASON="not stopped"; return 1; }
	if runj exec "$ID" /rescue/sh -c 'echo ran' >"$BUNDLE/exec.out" 2>>"$BUNDLE/exec.err"; then
		REASON="exec into a stopped container succeeded: $(cat "$BUNDLE/exec.out")"
		return 1
	fi
}

t_delete_cleanup() {
	[ "$(sysctl -n kern.features.vimage 2>/dev/null)" = 1 ] || { skip "no VIMAGE in this kernel"; return 1; }
	kldstat -q -m if_epair || kldload -n if_epair || { skip "cannot load if_epair"; return 1; }
	EPA=$(ifconfig epair create) || { REASON="ifconfig epair create failed"; return 1; }
	CREATED_EPAIRS="$CREATED_EPAIRS $EPA"
	EPB=${EPA%a}b
	VOL=$WORK/vol-$ID
	mkdir -p "$VOL"
	ROOTJ="{\"path\":\"$ROOTFS\",\"readonly\":true}"
	EXTRA_MOUNTS=",{\"destination\":\"/deep/er/vol\",\"type\":\"nullfs\",\"source\":\"$VOL\"},{\"destination\":\"/tmp\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"}"
	EXTRA=",\"hostname\":\"cleanup\",\"freebsd\":{\"devices\":[{\"path\":\"devstat\"}],\"jail\":{\"vnet\":\"new\",\"vnetInterfaces\":[\"$EPB\"]}}"
	ARGS='["/rescue/sleep","600"]'
	start_bundle || { REASON="create/start failed: $(head -c 300 "$ERR")"; return 1; }
	wait_status "$ID" running || { REASON="not running"; return 1; }
	JID=$(jid_of "$ID")
	ifconfig "$EPB" >/dev/null 2>&1 && { REASON="$EPB is still on the host while the jail runs"; return 1; }
	runj delete --force "$ID" 2>>"$ERR" || { REASON="delete failed: $(head -c 300 "$ERR")"; return 1; }
	left=$(leftovers)
	[ -z "$left" ] || { REASON="left behind:$left"; return 1; }
	jls -d -j "$JID" jid >/dev/null 2>&1 && echo "  note: jail $JID is still dying (sockets draining); it is removed" >&2
	ifconfig "$EPB" >/dev/null 2>&1 || { REASON="$EPB was not given back"; return 1; }
	[ ! -e "$ROOTFS/deep" ] || { REASON="mount point $ROOTFS/deep was not removed"; return 1; }
	[ ! -d "$RUNJ_FREEBSD_RUNDIR/jails/$ID" ] || { REASON="read-only view directory left"; return 1; }
	return 0
}

# jls -n output for the given parameters, one name=value (or allow.[no]x) a line.
jail_params() { # name param...
	n=$1
	shift
	jls -j "$n" -n "$@" | tr ' ' '\n'
}

# The generated devfs ruleset runj recorded for the container.
recorded_ruleset() {
	tr -d ' \n' <"$STATE/$ID/state.json" | sed -n 's/.*"devfsRuleset":\([0-9]*\).*/\1/p'
}

JAIL_SETTABLE='host.hostname host.domainname host sysvmsg sysvsem sysvshm enforce_statfs allow.set_hostname allow.raw_sockets allow.chflags allow.mount allow.quotas allow.socket_af allow.mlock persist'

t_jail_params() {
	ARGS='["/rescue/sleep","600"]'
	EXTRA=',"hostname":"rc-params","domainname":"params.example"'
	# Unset: runj's defaults (the spec's) rather than the kernel's.
	start_bundle || { REASON="create/start failed: $(head -c 300 "$ERR")"; return 1; }
	# shellcheck disable=SC2086 # a list of names
	got=$(jail_params "$ID" $JAIL_SETTABLE)
	want="host.hostname=rc-params
host.domainname=params.example
host=new
sysvmsg=new
sysvsem=new
sysvshm=new
enforce_statfs=2
allow.noset_hostname
allow.noraw_sockets
allow.nochflags
allow.nomount
allow.noquotas
allow.nosocket_af
allow.nomlock
persist"
	[ "$got" = "$want" ] || { REASON="defaults: jls -n gave [$got], expected [$want]"; return 1; }
	runj delete --force "$ID" 2>>"$ERR" || { REASON="delete failed: $(head -c 300 "$ERR")"; return 1; }
	left=$(leftovers)
	[ -z "$left" ] || { REASON="left behind by the first container:$left"; return 1; }
	# Every field set, with the policy granting what needs granting. allow.mount.tmpfs
	# exists only while tmpfs.ko is loaded (the module registers it).
	kldstat -q -m tmpfs || kldload -n tmpfs || { REASON="cannot load tmpfs"; return 1; }
	with_policy '{"freebsd":{"allow":["raw_sockets","chflags","mount.tmpfs","mount.devfs","quotas","socket_af","mlock","sysvshm=inherit"]}}'
	IP6=
	P6=
	if [ "$(sysctl -n kern.features.inet6 2>/dev/null)" = 1 ]; then
		IP6=',"ip6":"disable"'
		P6=ip6
	fi
	EXTRA="$EXTRA"',"freebsd":{"jail":{"host":"new","ip4":"disable"'"$IP6"',"sysvmsg":"new","sysvsem":"disable","sysvshm":"inherit","enforceStatfs":1,
	  "allow":{"setHostname":true,"rawSockets":true,"chflags":true,"mount":["tmpfs","devfs"],"quotas":true,"socketAf":true,"mlock":true,"reservedPorts":true,"suser":true}}}'
	start_bundle || { REASON="create/start with every field failed: $(head -c 300 "$ERR")"; return 1; }
	# shellcheck disable=SC2086 # lists of names
	got=$(jail_params "$ID" $JAIL_SETTABLE ip4 $P6 allow.reserved_ports allow.suser allow.mount.tmpfs allow.mount.devfs)
	want="host.hostname=rc-params
host.domainname=params.example
host=new
sysvmsg=new
sysvsem=disable
sysvshm=inherit
enforce_statfs=1
allow.set_hostname
allow.raw_sockets
allow.chflags
allow.mount
allow.quotas
allow.socket_af
allow.mlock
persist
ip4=disable${P6:+
ip6=disable}
allow.reserved_ports
allow.suser
allow.mount.tmpfs
allow.mount.devfs"
	[ "$got" = "$want" ] || { REASON="jls -n gave [$got], expected [$want]"; return 1; }
	# allow.mount.devfs: devfs_ruleset is the generated ruleset /dev was mounted with.
	rs=$(jls -j "$ID" devfs_ruleset)
	[ -n "$rs" ] && [ "$rs" = "$(recorded_ruleset)" ] || { REASON="devfs_ruleset is [$rs], the recorded ruleset [$(recorded_ruleset)]"; return 1; }
	[ "$rs" -ge 5000 ] && [ "$rs" -le 5999 ] || { REASON="devfs_ruleset $rs is outside the default range 5000-5999"; return 1; }
	# allow.set_hostname does what it says.
	out=$(runj exec "$ID" /rescue/sh -c 'hostname rc-renamed && hostname' 2>>"$ERR")
	[ "$out" = rc-renamed ] || { REASON="hostname inside the jail: [$out] $(tail -c 300 "$ERR")"; return 1; }
	[ "$(jls -j "$ID" host.hostname)" = rc-renamed ] || { REASON="the jail's host.hostname did not change"; return 1; }
	[ "$(hostname)" != rc-renamed ] || { REASON="the host was renamed"; return 1; }
}

# "fstype path-in-the-jail" for each mount under the root, in mount order.
host_mounts() {
	mount -p | awk -v r="$ROOTFS" 'index($2, r "/") == 1 { print $3, substr($2, length(r) + 1) }'
}

# Kills, deletes (without --force) and checks nothing is left.
stop_delete_clean() {
	runj kill "$ID" KILL 2>>"$ERR"
	wait_status "$ID" stopped || { REASON="still $(status_of "$ID") after kill KILL"; return 1; }
	runj delete "$ID" 2>>"$ERR" || { REASON="delete failed: $(head -c 300 "$ERR")"; return 1; }
	left=$(leftovers)
	[ -z "$left" ] || { REASON="left behind after delete:$left"; return 1; }
}

t_mounts_pseudo() {
	had_proc=no
	[ -e "$ROOTFS/proc" ] && had_proc=yes
	EXTRA_MOUNTS=',{"destination":"/tmp","type":"tmpfs","source":"tmpfs","options":["mode=1777"]},{"destination":"/proc","type":"procfs","source":"proc"}'
	ARGS='["/rescue/sleep","600"]'
	start_bundle || { REASON="create/start failed: $(head -c 300 "$ERR")"; return 1; }
	got=$(host_mounts)
	want="devfs /dev
fdescfs /dev/fd
tmpfs /tmp
procfs /proc"
	[ "$got" = "$want" ] || { REASON="host mount -p under the root: [$got], expected [$want]"; return 1; }
	# The jail sees the same mounts (enforce_statfs 2: only its own, at their paths inside).
	got=$(runj exec "$ID" /rescue/sh -c 'mount -p | while read -r dev on fs rest; do echo "$fs $on"; done' 2>>"$ERR")
	[ "$got" = "$want" ] || { REASON="mount -p in the jail: [$got], expected [$want]"; return 1; }
	# /dev/fd/7 exists only on fdescfs (devfs has 0-2).
	got=$(runj exec "$ID" /rescue/sh -c 'echo x > /tmp/t && echo tmp-ok; test -e /proc/curproc/status && echo proc-ok; exec 7>/dev/null; test -e /dev/fd/7 && echo fd-ok' 2>>"$ERR")
	[ "$got" = "tmp-ok
proc-ok
fd-ok" ] || { REASON="using the mounts: [$got] $(tail -c 300 "$ERR")"; return 1; }
	[ ! -e "$ROOTFS/tmp/t" ] || { REASON="a file written to the tmpfs landed in the root's /tmp"; return 1; }
	stop_delete_clean || return 1
	[ -n "$(host_mounts)" ] && { REASON="mounts left: $(host_mounts)"; return 1; }
	if [ $had_proc = no ] && [ -e "$ROOTFS/proc" ]; then
		REASON="mount point $ROOTFS/proc was not removed"
		return 1
	fi
	return 0
}

t_mounts_linux() {
	for m in linprocfs linsysfs; do
		kldstat -q -m "$m" || { skip "$m is not loaded (kldload $m to run this case)"; return 1; }
	done
	had_compat=no
	[ -e "$ROOTFS/compat" ] && had_compat=yes
	EXTRA_MOUNTS=',{"destination":"/compat/linux/proc","type":"linprocfs","source":"linproc"},{"destination":"/compat/linux/sys","type":"linsysfs","source":"linsys"}'
	ARGS='["/rescue/sleep","600"]'
	start_bundle || { REASON="create/start failed: $(head -c 300 "$ERR")"; return 1; }
	got=$(host_mounts)
	want="devfs /dev
fdescfs /dev/fd
linprocfs /compat/linux/proc
linsysfs /compat/linux/sys"
	[ "$got" = "$want" ] || { REASON="host mount -p under the root: [$got], expected [$want]"; return 1; }
	got=$(runj exec "$ID" /rescue/sh -c 'test -e /compat/linux/proc/meminfo && echo linproc-ok; test -d /compat/linux/sys/class && echo linsys-ok' 2>>"$ERR")
	[ "$got" = "linproc-ok
linsys-ok" ] || { REASON="using the mounts: [$got] $(tail -c 300 "$ERR")"; return 1; }
	stop_delete_clean || return 1
	if [ $had_compat = no ] && [ -e "$ROOTFS/compat" ]; then
		REASON="mount points under $ROOTFS/compat were not removed"
		return 1
	fi
	return 0
}

t_devfs_ruleset() {
	[ -e /dev/devstat ] || { skip "no /dev/devstat on the host"; return 1; }
	ARGS='["/rescue/sleep","600"]'
	EXTRA=',"freebsd":{"devices":[{"path":"devstat"}]}'
	start_bundle || { REASON="create/start failed: $(head -c 300 "$ERR")"; return 1; }
	rs=$(recorded_ruleset)
	[ -n "$rs" ] || { REASON="no devfsRuleset in $STATE/$ID/state.json"; return 1; }
	rules=$(devfs rule -s "$rs" show 2>&1)
	for r in hide 'path null unhide' 'path pts/\* unhide' 'include 4' 'path devstat unhide'; do
		printf '%s\n' "$rules" | grep -q "^[0-9]* $r\$" || { REASON="ruleset $rs lacks [$r]: $rules"; return 1; }
	done
	# What the ruleset hides is absent in the jail; the basic devices and the unhidden one are there.
	got=$(runj exec "$ID" /rescue/sh -c 'for d in null zero random urandom ptmx pts devstat mem kmem io pci klog devctl bpf console; do test -e /dev/$d && echo "$d yes" || echo "$d no"; done' 2>>"$ERR")
	want="null yes
zero yes
random yes
urandom yes
ptmx yes
pts yes
devstat yes
mem no
kmem no
io no
pci no
klog no
devctl no
bpf no
console no"
	[ "$got" = "$want" ] || { REASON="devices in the jail: [$got], expected [$want]"; return 1; }
	[ ! -e "$ROOTFS/dev/mem" ] && [ -e "$ROOTFS/dev/null" ] || { REASON="the host's view of the jail's /dev differs"; return 1; }
	stop_delete_clean || return 1
	# A refused device the host policy lists under freebsd.devices is unhidden.
	[ -e /dev/klog ] || return 0
	with_policy '{"freebsd":{"devices":["klog"]}}'
	EXTRA=',"freebsd":{"devices":[{"path":"klog","mode":384}]}'
	script 'ls -l /dev/klog | sed "s/ .*//"; test -e /dev/mem && echo mem || echo no-mem'
	run_bundle
	expect_out "crw-------
no-mem"
}

# Needs tty(1) in the root (base.txz has /usr/bin/tty) and script(1) on the host.
tty_bin() {
	for t in /usr/bin/tty /rescue/tty; do
		[ -x "$ROOTFS$t" ] && { echo "$t"; return 0; }
	done
	return 1
}

# The /dev/pts/N a command run under script(1) printed (script adds CRs, the terminal may echo ^D).
pts_of() {
	tr -d '\r' <"$1" | sed -n 's|.*\(/dev/pts/[0-9][0-9]*\).*|\1|p'
}

t_pts() {
	TTY=$(tty_bin) || { skip "no tty(1) in the root file system (use a base.txz root)"; return 1; }
	command -v script >/dev/null || { skip "no script(1) on the host"; return 1; }
	# run with process.terminal: runj relays script's terminal to a pty made in the jail.
	PROCX=', "terminal": true'
	ARGS="[\"$TTY\"]"
	mkbundle
	# shellcheck disable=SC2086 # RUNJ_CMD may be "node path"
	script -q /dev/null timeout 120 $RUNJ_CMD --root "$STATE" run --bundle "$BUNDLE" "$ID" </dev/null >"$OUT" 2>"$ERR"
	p=$(pts_of "$OUT")
	[ -n "$p" ] || { REASON="run -t: tty printed [$(tr -d '\r' <"$OUT")] $(head -c 300 "$ERR")"; return 1; }
	# exec --tty into a container without a terminal.
	PROCX=
	ARGS='["/rescue/sleep","600"]'
	start_bundle || { REASON="create/start failed: $(head -c 300 "$ERR")"; return 1; }
	# shellcheck disable=SC2086
	script -q /dev/null timeout 120 $RUNJ_CMD --root "$STATE" exec --tty "$ID" "$TTY" </dev/null >"$OUT" 2>>"$ERR"
	p=$(pts_of "$OUT")
	[ -n "$p" ] || { REASON="exec --tty: tty printed [$(tr -d '\r' <"$OUT")] $(head -c 300 "$ERR")"; return 1; }
	# Without a terminal, tty(1) says so: the pty came from --tty.
	out=$(runj exec "$ID" "$TTY" </dev/null 2>>"$ERR")
	[ "$out" = "not a tty" ] || { REASON="exec without --tty: tty printed [$out]"; return 1; }
}

# Runs the bundle expecting a refusal naming $1, and nothing made.
expect_refused() { # message
	run_bundle
	[ "$RC" != 0 ] || { REASON="not refused (expected: $1)"; return 1; }
	grep -qF -- "$1" "$ERR" || { REASON="expected [$1], got: $(head -c 400 "$ERR")"; return 1; }
	left=$(leftovers)
	[ -z "$left" ] || { REASON="refusal of [$1] left behind:$left"; return 1; }
	n=$(ls "$RUNJ_FREEBSD_RUNDIR/devfs" 2>/dev/null | wc -l | tr -d ' ')
	[ "$n" = "$DEVFS_BEFORE" ] || { REASON="refusal of [$1] registered a devfs ruleset"; return 1; }
}

t_policy_refusals() {
	DEVFS_BEFORE=$(ls "$RUNJ_FREEBSD_RUNDIR/devfs" 2>/dev/null | wc -l | tr -d ' ')
	with_policy '{"freebsd":{"devfs":{"deny":["devstat"],"rulesets":[4]},"vnetInterfaces":[],"aliasInterfaces":[],"parents":[]}}'
	EXTRA=',"freebsd":{"devices":[{"path":"devstat"}]}'
	expect_refused 'would expose devstat (refused by the host policy); list "devstat" under freebsd.devices in the host policy' || return 1
	EXTRA=
	DEVFS_OPTS='["ruleset=4","rule=type disk unhide"]'
	expect_refused 'devfs rule "type disk unhide" would expose ada* (a host disk)' || return 1
	DEVFS_OPTS='["ruleset=4","rule=path mem unhide"]'
	expect_refused 'would expose mem (host memory)' || return 1
	DEVFS_OPTS='["ruleset=5"]'
	expect_refused 'ruleset 5 is not one the host policy allows (freebsd.devfs.rulesets: 4)' || return 1
	DEVFS_OPTS='["ruleset=4"]'
	EXTRA=',"freebsd":{"jail":{"allow":{"rawSockets":true}}}'
	expect_refused "allow.raw_sockets needs \"raw_sockets\" under freebsd.allow in the host policy ($RUNJ_POLICY)" || return 1
	EXTRA=',"freebsd":{"jail":{"allow":{"mount":["nullfs"]}}}'
	expect_refused 'allow.mount.nullfs needs "mount.nullfs" under freebsd.allow' || return 1
	EXTRA=',"freebsd":{"jail":{"sysvshm":"inherit"}}'
	expect_refused 'needs "sysvshm=inherit" under freebsd.allow' || return 1
	EXTRA=',"freebsd":{"jail":{"enforceStatfs":0}}'
	expect_refused 'needs "enforce_statfs=0" under freebsd.allow' || return 1
	EXTRA=',"freebsd":{"jail":{"vnet":"new","vnetInterfaces":["epair0b"]}}'
	expect_refused 'moving interface epair0b into a jail is not allowed by freebsd.vnetInterfaces' || return 1
	EXTRA=',"freebsd":{"jail":{"interface":"lo0","ip4Addr":["127.0.0.2"]}}'
	expect_refused 'adding addresses to interface lo0 is not allowed by freebsd.aliasInterfaces' || return 1
	EXTRA=',"freebsd":{"jail":{"parent":"rc-nope"}}'
	expect_refused 'parent jail "rc-nope" is not allowed by freebsd.parents' || return 1
	# The default policy ({}) refuses host memory and privileges too.
	RUNJ_POLICY=$WORK/policy.json
	EXTRA=',"freebsd":{"jail":{"allow":{"mlock":true}}}'
	expect_refused 'allow.mlock needs "mlock" under freebsd.allow' || return 1
}

# ---- main -----------------------------------------------------------------

echo "runj: $RUNJ_CMD"
echo "work: $WORK"
build_rootfs || { echo "could not build the root file system" >&2; exit 1; }

# ---- rctl, nested jails, mount checks, signals ------------------------------

racct_on() { [ "$(sysctl -n kern.racct.enable 2>/dev/null)" = 1 ]; }

t_rctl_limits() {
	racct_on || { skip "kern.racct.enable is not 1 (t_rctl_refused covers this host)"; return 1; }
	ARGS='["/rescue/sleep","600"]'
	EXTRA=',"linux":{"resources":{"memory":{"limit":268435456},"pids":{"limit":32}}}'
	start_bundle || { REASON="create/start failed: $(head -c 300 "$ERR")"; return 1; }
	wait_status "$ID" running || { REASON="not running"; return 1; }
	r=$(rctl "jail:$ID" 2>&1)
	case "$r" in *memoryuse:deny=268435456*) ;; *) REASON="no memoryuse rule: $r"; return 1 ;; esac
	case "$r" in *maxproc:deny=32*) ;; *) REASON="no maxproc rule: $r"; return 1 ;; esac
	runj update --pids-limit 16 "$ID" 2>>"$ERR" || { REASON="update failed: $(head -c 300 "$ERR")"; return 1; }
	case "$(rctl "jail:$ID" 2>&1)" in *maxproc:deny=16*) ;; *) REASON="update did not replace maxproc: $(rctl "jail:$ID")"; return 1 ;; esac
	st=$(runj events --stats "$ID" 2>>"$ERR")
	case "$st" in *'"memory"'*'"pids"'*) ;; *) REASON="events --stats: $st"; return 1 ;; esac
	runj kill "$ID" KILL 2>>"$ERR"
	wait_status "$ID" stopped || { REASON="not stopped"; return 1; }
	runj delete "$ID" 2>>"$ERR" || { REASON="delete failed: $(head -c 300 "$ERR")"; return 1; }
	r=$(rctl "jail:$ID" 2>&1)
	[ -z "$r" ] || { REASON="rules left after delete: $r"; return 1; }
}

t_rctl_refused() {
	racct_on && { skip "kern.racct.enable is 1 (t_rctl_limits covers this host)"; return 1; }
	EXTRA=',"linux":{"resources":{"pids":{"limit":32}}}'
	run_bundle
	[ "$RC" != 0 ] || { REASON="a container with limits ran without RACCT"; return 1; }
	grep -q 'RACCT/RCTL' "$ERR" || { REASON="unclear error: $(head -c 300 "$ERR")"; return 1; }
}

t_parent_children_max() {
	P="rc-parent-$$"
	jail -c name="$P" persist children.max=0 || { REASON="cannot create the parent jail"; return 1; }
	EXTRA=",\"freebsd\":{\"jail\":{\"parent\":\"$P\"}}"
	ARGS='["/rescue/sh","-c","echo child"]'
	run_bundle
	max=$(jls -j "$P" children.max 2>/dev/null)
	jail -r "$P" 2>/dev/null
	expect_out child || return 1
	[ "$max" = 0 ] || { REASON="the parent's children.max changed to $max"; return 1; }
}

t_nullfs_hardlinked_target() {
	F=$WORK/file-$ID.txt
	echo "single file" >"$F"
	echo original >"$ROOTFS/etc/linked-$ID"
	ln "$ROOTFS/etc/linked-$ID" "$ROOTFS/etc/linked-$ID.bak"
	EXTRA_MOUNTS=",{\"destination\":\"/etc/linked-$ID\",\"type\":\"nullfs\",\"source\":\"$F\"}"
	run_bundle
	rm -f "$ROOTFS/etc/linked-$ID" "$ROOTFS/etc/linked-$ID.bak"
	[ "$RC" != 0 ] || { REASON="mounted on a file with two hard links"; return 1; }
	grep -q 'hard links' "$ERR" || { REASON="unclear error: $(head -c 300 "$ERR")"; return 1; }
}

t_mount_option_typo() {
	EXTRA_MOUNTS=",{\"destination\":\"/mnt\",\"type\":\"nullfs\",\"source\":\"$WORK\",\"options\":[\"nocahce\"]}"
	run_bundle
	[ "$RC" != 0 ] || { REASON="nullfs accepted an unknown option"; return 1; }
	grep -q 'is not a nullfs option' "$ERR" || { REASON="unclear error: $(head -c 300 "$ERR")"; return 1; }
}

t_realtime_signal() {
	ARGS='["/rescue/sleep","600"]'
	start_bundle || { REASON="create/start failed: $(head -c 300 "$ERR")"; return 1; }
	wait_status "$ID" running || { REASON="not running"; return 1; }
	# SIGRTMIN+35: real-time signals run to 126 on FreeBSD; the default action ends the process.
	runj kill "$ID" 100 2>>"$ERR" || { REASON="kill 100 refused: $(head -c 300 "$ERR")"; return 1; }
	wait_status "$ID" stopped || { REASON="still $(status_of "$ID") after signal 100"; return 1; }
	runj delete "$ID" 2>>"$ERR" || { REASON="delete failed"; return 1; }
}

# ---- crashes and lost state (docs/state.md) ---------------------------------

# Nothing of the container anywhere: jail, mounts, state, view, staging or
# trash directories, rctl rules, processes naming it. REASON on failure.
nothing_left() { # what happened
	left=$(leftovers)
	for d in "$STATE/.creating~$ID~"* "$STATE/.trash~$ID~"*; do
		[ -e "$d" ] && left="$left $d;"
	done
	if racct_on; then
		r=$(rctl "jail:$ID" 2>/dev/null)
		[ -n "$r" ] && left="$left rctl $r;"
	fi
	# A helper orphaned outside the jail would show here (it ends on its own when its pipe closes).
	i=0
	while pgrep -f -- "$ID" >/dev/null && [ $i -lt 10 ]; do sleep 0.2; i=$((i + 1)); done
	p=$(pgrep -f -- "$ID" | tr '\n' ' ')
	[ -n "$p" ] && left="$left processes $p;"
	[ -z "$left" ] || { REASON="$1: left behind:$left"; return 1; }
}

# The limits give the crash cases an rctl rule to leave behind when RACCT is on.
crash_bundle() {
	ARGS='["/rescue/sleep","600"]'
	EXTRA_MOUNTS=',{"destination":"/tmp","type":"tmpfs","source":"tmpfs"}'
	racct_on && EXTRA=',"linux":{"resources":{"pids":{"limit":32}}}'
	mkbundle
}

# runj itself in the background, so that $! is runj (node, or the given
# runj binary; a wrapper script would be killed instead of the runj it runs).
runj_bg() {
	# shellcheck disable=SC2086 # RUNJ_CMD may be "node path"
	$RUNJ_CMD --root "$STATE" "$@" </dev/null >/dev/null 2>>"$ERR" &
	BG=$!
}

t_kill9_create() {
	crash_bundle
	for d in 0 0.02 0.05 0.1 0.2 0.4 0.8; do
		runj_bg create --bundle "$BUNDLE" "$ID"
		# Until it holds the lock: its staging directory or the published one exists.
		i=0
		while [ $i -lt 1000 ] && kill -0 "$BG" 2>/dev/null; do
			[ -e "$STATE/$ID/lock" ] && break
			for c in "$STATE/.creating~$ID~"*; do [ -e "$c" ] && break 2; done
			sleep 0.01
			i=$((i + 1))
		done
		sleep "$d"
		kill -9 "$BG" 2>/dev/null
		wait "$BG" 2>/dev/null
		runj delete --force "$ID" >/dev/null 2>>"$ERR"
		nothing_left "create SIGKILLed ${d}s after taking the lock, then delete --force" || return 1
	done
}

t_kill9_delete() {
	crash_bundle
	for d in 0 0.02 0.05 0.1 0.2 0.4; do
		runj create --bundle "$BUNDLE" "$ID" </dev/null >/dev/null 2>>"$ERR" || { REASON="create failed: $(tail -c 300 "$ERR")"; return 1; }
		runj start "$ID" 2>>"$ERR" || { REASON="start failed: $(tail -c 300 "$ERR")"; return 1; }
		wait_status "$ID" running || { REASON="not running"; return 1; }
		runj_bg delete --force "$ID"
		sleep "$d"
		kill -9 "$BG" 2>/dev/null
		wait "$BG" 2>/dev/null
		runj delete --force "$ID" >/dev/null 2>>"$ERR"
		nothing_left "delete SIGKILLed after ${d}s, then delete --force" || return 1
	done
}

t_garbage_state() {
	crash_bundle
	for garbage in null '{"id":' ''; do
		runj create --bundle "$BUNDLE" "$ID" </dev/null >/dev/null 2>>"$ERR" || { REASON="create failed: $(tail -c 300 "$ERR")"; return 1; }
		runj start "$ID" 2>>"$ERR" || { REASON="start failed: $(tail -c 300 "$ERR")"; return 1; }
		wait_status "$ID" running || { REASON="not running"; return 1; }
		JID=$(jid_of "$ID")
		[ -n "$(host_mounts)" ] || { REASON="no mounts under the root while it runs"; return 1; }
		printf '%s' "$garbage" >"$STATE/$ID/state.json"
		# Without --force: an error naming the file, and the container untouched.
		if runj delete "$ID" >/dev/null 2>"$BUNDLE/delete.err"; then
			REASON="delete without --force accepted state.json [$garbage]"
			return 1
		fi
		grep -q 'state.json' "$BUNDLE/delete.err" || { REASON="delete over [$garbage] did not name state.json: $(head -c 300 "$BUNDLE/delete.err")"; return 1; }
		pgrep -j "$JID" >/dev/null || { REASON="delete without --force killed the container"; return 1; }
		# With --force: the jail is found by name, its processes killed, its mounts unmounted.
		runj delete --force "$ID" 2>>"$ERR" || { REASON="delete --force over state.json [$garbage] failed: $(tail -c 300 "$ERR")"; return 1; }
		pgrep -j "$JID" >/dev/null 2>&1 && { REASON="processes left in jail $JID"; return 1; }
		[ -z "$(host_mounts)" ] || { REASON="mounts left: $(host_mounts)"; return 1; }
		nothing_left "delete --force over state.json [$garbage]" || return 1
	done
}

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
