# Process trees, for the watchdogs: tests/run's per-suite bound and bats' per-test timeout
# (BATS_TEST_TIMEOUT, see common.bash). Sourced by tests/run and tests/lib/common.bash.

# tree_pids ROOT [SKIP]: ROOT's live descendants, parents first, leaving out SKIP and its own
# descendants (the watchdog that asks). One ps snapshot: the tree as it was at that moment.
tree_pids() {
	ps -e -o pid= -o ppid= | awk -v root="$1" -v skip="${2:-0}" '
		$1 != skip { kids[$2] = kids[$2] " " $1 }
		END {
			n = split(kids[root], q, " ")
			for (i = 1; i <= n; i++) {
				print q[i]
				m = split(kids[q[i]], c, " ")
				for (j = 1; j <= m; j++) q[++n] = c[j]
			}
		}'
}

# proc_start PID: sets START to PID's start time (field 22 of /proc/PID/stat), or to "" once
# it has exited (a zombie too): a PID and its start time name one process, whatever later reuses
# the number. No fork: the watchdog loops on it.
proc_start() {
	local s IFS=' ' # whatever the caller's (a trap run during `IFS= read` has it empty)
	START=
	{ read -r s <"/proc/$1/stat"; } 2>/dev/null || return 0
	s=${s##*) }
	# shellcheck disable=SC2086 # the fields, split
	set -- $s
	case $1 in Z | X) ;; *) START=${20} ;; esac
}

# end_pids PID...: end these processes (a PID named twice counts once): SIGTERM (and SIGCONT,
# for a stopped one), up to $GRACE seconds (default 3) for them to go, then SIGKILL for those
# left, each named on stdout. Given a tree_pids list, daemons that left the tree (setsid, and a
# parent that exited) are not in it: their own teardown stops them.
end_pids() {
	local grace=${GRACE:-3} i p left
	local -a pids=() starts=()
	local -A seen=()
	for p in "$@"; do
		[ -z "${seen[$p]:-}" ] || continue
		seen[$p]=1
		proc_start "$p"
		[ -n "$START" ] || continue # gone already (the ps that listed it, say)
		pids+=("$p")
		starts+=("$START")
	done
	[ ${#pids[@]} -gt 0 ] || return 0
	kill -TERM "${pids[@]}" 2>/dev/null
	kill -CONT "${pids[@]}" 2>/dev/null
	for ((i = 0; i < grace * 10; i++)); do
		left=0
		for p in "${!pids[@]}"; do
			proc_start "${pids[p]}"
			[ "$START" = "${starts[p]}" ] && left=1 && break
		done
		[ "$left" = 1 ] || return 0
		sleep 0.1
	done
	for p in "${!pids[@]}"; do
		proc_start "${pids[p]}"
		if [ "$START" = "${starts[p]}" ]; then
			echo "killed ${pids[p]}: $(tr '\0' ' ' <"/proc/${pids[p]}/cmdline" 2>/dev/null | cut -c1-100 | cat -v)"
			kill -KILL "${pids[p]}" 2>/dev/null
		fi
	done
	return 0
}
