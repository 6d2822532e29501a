# runj FreeBSD acceptance suite: rctl, nested jails, mount checks, signals, crashes and lost state (sourced by run.sh).
# shellcheck shell=sh disable=SC2034 # variables are shared by the sourced parts


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
