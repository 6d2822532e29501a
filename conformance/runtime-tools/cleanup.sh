# runtime-tools validation harness: removing what the tests left: containers, cgroups, the work directory (sourced by run.sh).
# shellcheck shell=bash disable=SC2034 # variables are shared with run.sh

# Container ids a column's tests used: every wrapper call is logged, and the
# last argument of a 'create' is the id; plus whatever its (private) state
# root holds.
our_ids() { # label
	{
		awk '$1 == "create" && NF > 1 { print $NF }' "$WORK/calls/$1.log" 2>/dev/null || true
		ls "$WORK/state/$1" 2>/dev/null || true
	} | grep -E '^[A-Za-z0-9][A-Za-z0-9_.-]*$' | sort -u || true
}

# Every container of this run, killed and force-deleted through its runtime;
# the ids are kept in ids.done (for the cgroup sweep) and the logs emptied.
cleanup_containers() {
	local l id ids
	for l in "${LABELS[@]}"; do
		ids=$(our_ids "$l")
		[ -n "$ids" ] || continue
		for id in $ids; do
			timeout -k 5 20 "$WORK/bin/$l" kill "$id" KILL >/dev/null 2>&1 || true
			timeout -k 5 20 "$WORK/bin/$l" delete --force "$id" >/dev/null 2>&1 || true
		done
		echo "$ids" >>"$WORK/ids.done"
		[ -f "$WORK/calls/$l.log" ] && cat "$WORK/calls/$l.log" >>"$WORK/calls/$l.done" && rm -f "$WORK/calls/$l.log"
	done
	return 0
}

list_cgroups() {
	find /sys/fs/cgroup -mindepth 1 -type d 2>/dev/null | grep -v '^/sys/fs/cgroup/unified/' | sort
}

# Cgroups that appeared during the run and are ours: named after one of our
# container ids, or the suite's fixed test cgroups (cgrouptest, testdir).
# Processes still in them are killed and the cgroups removed, deepest first;
# then new parents runj made for them (".../runj"), if empty.
cleanup_cgroups() {
	[ -f "$CG_BEFORE" ] || return 0
	local new d pid
	echo - >>"$WORK/ids.done" # never empty: awk's FNR == NR needs a first file with lines
	new=$(list_cgroups | comm -13 "$CG_BEFORE" - | awk '
		FNR == NR { if ($0 != "") our[$0] = 1; next }
		{
			k = split($0, p, "/")
			for (i = 1; i <= k; i++) if (p[i] in our || p[i] == "cgrouptest" || p[i] == "testdir") { print; next }
		}' "$WORK/ids.done" -)
	if [ -n "$new" ]; then
		for _ in 1 2 3; do
			while read -r d; do
				for pid in $(cat "$d/cgroup.procs" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
			done <<<"$new"
			sleep 0.2
		done
		while read -r d; do rmdir "$d" 2>/dev/null || true; done < <(echo "$new" | awk '{ print length($0) "\t" $0 }' | sort -rn | cut -f2-)
	fi
	{ list_cgroups | comm -13 "$CG_BEFORE" - | grep '/runj$' || true; } | while read -r d; do rmdir "$d" 2>/dev/null || true; done
	new=$(echo "$new" | while read -r d; do if [ -n "$d" ] && [ -d "$d" ]; then echo "$d"; fi; done)
	[ -z "$new" ] || echo "warning: cgroups left behind: $(echo "$new" | tr '\n' ' ')" >&2
	return 0
}

cleanup_all() {
	[ "$CLEANED" = 1 ] && return 0
	CLEANED=1
	set +e
	cleanup_containers
	cleanup_cgroups
	cd /
	[ "$UNIFIED_TMPFS" = 1 ] && umount -l /sys/fs/cgroup/unified 2>/dev/null
	umount -l "$WORK" 2>/dev/null || true
	rmdir "$WORK" 2>/dev/null || true
}
