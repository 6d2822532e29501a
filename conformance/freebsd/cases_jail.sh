# runj FreeBSD acceptance suite: jail parameters, pseudo file systems, devfs, terminals, policy (sourced by run.sh).
# shellcheck shell=sh disable=SC2034 # variables are shared by the sourced parts

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
