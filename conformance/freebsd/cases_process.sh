# runj FreeBSD acceptance suite: process, network, mounts and lifecycle cases (sourced by run.sh).
# shellcheck shell=sh disable=SC2034 # variables are shared by the sourced parts

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

# create starts the helper through runj's addon (native/sys_addon.c: vfork,
# a new session, fds placed and the rest closed): the container parked on
# exec.fifo is in a session of its own and holds none of Node's descriptors
# (no kqueue: procstat -f type k), and start still runs it.
t_create_detached() {
	ARGS='["/rescue/sleep","600"]'
	mkbundle
	runj create --bundle "$BUNDLE" "$ID" </dev/null >"$OUT" 2>"$ERR" || { REASON="create failed: $(head -c 300 "$ERR")"; return 1; }
	pid=$(runj state "$ID" 2>>"$ERR" | tr -d ' \n' | sed -n 's/.*"pid":\([0-9]*\).*/\1/p')
	[ -n "$pid" ] || { REASON="no pid in state"; return 1; }
	sid=$(ps -o sid= -p "$pid" | tr -d ' ')
	[ -n "$sid" ] && [ "$sid" != "$(ps -o sid= -p $$ | tr -d ' ')" ] || { REASON="container $pid is in this shell's session ($sid)"; return 1; }
	kq=$(procstat -f "$pid" 2>/dev/null | awk '$4 == "k"' | wc -l | tr -d ' ')
	[ "$kq" = 0 ] || { REASON="container $pid holds $kq kqueue descriptor(s): $(procstat -f "$pid" | head -c 600)"; return 1; }
	runj start "$ID" 2>>"$ERR" || { REASON="start failed: $(head -c 300 "$ERR")"; return 1; }
	wait_status "$ID" running || { REASON="not running after start: $(status_of "$ID")"; return 1; }
	runj delete --force "$ID" 2>>"$ERR" || { REASON="delete failed: $(head -c 300 "$ERR")"; return 1; }
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
