# runj FreeBSD acceptance suite: state, bundles, reporting (sourced by run.sh).
# shellcheck shell=sh disable=SC2034 # variables are shared by the sourced parts

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
