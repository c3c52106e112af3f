# Loaded by every suite (load lib/common): a hermetic PATH with the build first, LC_ALL=C, and
# the helpers every suite shares.

ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
BIN=${CTRWATCH_BIN:-$ROOT/build/bin}
FIX=$ROOT/tests/fixtures
# The packaged tools before /usr/local: what scripts/install-deps installs is what runs (this
# machine has an unpackaged, newer docker CLI in /usr/local/bin).
export PATH="$BIN:$ROOT/scripts:/usr/sbin:/usr/bin:/sbin:/bin:/usr/local/sbin:/usr/local/bin"
export LC_ALL=C
# nothing from the caller's session: ctrfmt reads NO_COLOR, ctrenrich's discovery
# XDG_RUNTIME_DIR (a rootless Podman socket)
unset NO_COLOR XDG_RUNTIME_DIR

bats_require_minimum_version 1.5.0

load /usr/lib/bats/bats-support/load.bash
load /usr/lib/bats/bats-assert/load.bash
source "${BASH_SOURCE[0]%/*}/tree.bash"

# A test that outlives BATS_TEST_TIMEOUT (tests/run sets it) fails as "not ok N <name> # timeout
# after Ns". bats 1.8.2's watchdog signals the test first and then ends only its direct children
# (pkill -P): a command under `run` is a grandchild, survives, holds the output pipe open, and the
# test hangs for good; a child the test's exit orphaned survives too. This one notes the whole
# tree before it signals the test, then ends all of it (tests/lib/tree.bash); what it had to
# SIGKILL goes to the test's output.
if declare -F bats_start_timeout_countdown >/dev/null; then
	bats_start_timeout_countdown() {
		local -ri timeout=$1 target=$$
		# shellcheck disable=SC2064 # expanded now, as bats does
		trap "bats_timeout_trap $target" ABRT
		(
			sleep "$timeout" &
			# the test ended in time (bats_abort_timeout_countdown)
			trap "kill $! 2>/dev/null; exit 0" ABRT
			wait
			trap '' ABRT
			local me=$BASHPID
			local -a pids
			mapfile -t pids < <(tree_pids "$target" "$me")
			echo "# timeout after ${timeout}s: ending the test's processes" >>"$BATS_OUT"
			kill -ABRT "$target" 2>/dev/null || exit 0
			mapfile -t -O "${#pids[@]}" pids < <(tree_pids "$target" "$me")
			end_pids "${pids[@]}" >>"$BATS_OUT" 2>&1
		) &
	}
fi

# wait_pid [-t SECONDS] PID...: `wait PID...` with a bound: each background child of this shell
# must have exited within SECONDS (default 20, for them all); returns the last one's exit status
# as wait does. One still running past the bound fails the test, naming it.
wait_pid() {
	local secs=20 p i
	if [ "${1:-}" = -t ]; then
		secs=$2
		shift 2
	fi
	[ $# -gt 0 ] || return 0
	for ((i = 0; i < secs * 20; i++)); do
		START=
		for p in "$@"; do
			proc_start "$p"
			[ -z "$START" ] || break
		done
		[ -n "$START" ] || break
		sleep 0.05
	done
	[ -z "$START" ] || fail "pid $p still runs ${secs}s later: $(ps -o args= -p "$p" | cut -c1-100 | cat -v)"
	wait "$@"
}

# Root-only tests skip outside CI with a reason; in CI (CI=true) they must run, so they fail.
require_root() {
	[ "$(id -u)" -eq 0 ] && return 0
	if [ "${CI:-}" = true ]; then
		fail "this test needs root, and CI runs as root"
	fi
	skip "needs root"
}

# Like require_root, for a command the suite needs (installed by scripts/install-deps test).
require_cmd() {
	command -v "$1" >/dev/null 2>&1 && return 0
	if [ "${CI:-}" = true ]; then
		fail "'$1' is missing: scripts/install-deps test installs it"
	fi
	skip "'$1' is not installed (scripts/install-deps test)"
}

# Every line of $output is one JSON value; fails naming the first that is not, or if there is
# no output. One jq for all the lines: its cost does not grow with a fork per line (a --scan
# lists every cgroup of the host).
assert_all_json() {
	local bad
	[ -n "$output" ] || fail "no output"
	bad=$(jq -rR '. as $l | try (fromjson | empty) catch "line \(input_line_number): \($l)"' \
		<<<"$output" | head -1) || true
	[ -z "$bad" ] || fail "not JSON: $bad"
}
