# Loaded by every suite (load lib/common): a hermetic PATH with the build first, LC_ALL=C, and
# the helpers every suite shares.

ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
BIN=${CTRWATCH_BIN:-$ROOT/build/bin}
FIX=$ROOT/tests/fixtures
export PATH="$BIN:$ROOT/scripts:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
export LC_ALL=C
unset NO_COLOR

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

# Count the lines of $output that parse as JSON with jq; fails on the first that does not.
assert_all_json() {
	local n=0 line
	while IFS= read -r line; do
		printf '%s\n' "$line" | jq -e . >/dev/null 2>&1 || fail "not JSON: $line"
		n=$((n + 1))
	done <<<"$output"
	[ "$n" -gt 0 ] || fail "no output"
}
