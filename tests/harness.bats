#!/usr/bin/env bats
# The test harness itself: a hung test becomes a named failure and leaves nothing running
# (BATS_TEST_TIMEOUT, tests/lib/common.bash), waits are bounded (wait_pid), and tests/bare
# names what makes a machine not bare.

load lib/common

setup() {
	T=$BATS_TEST_TMPDIR
	# a number no other process on the host has on its command line
	MARK=$((900000000 + $$ * 100 + BATS_TEST_NUMBER))
}

teardown() {
	# what a failed test left: the sleeps marked with this test's number, by PID
	local p
	for p in $(pgrep -xf "sleep $MARK"); do kill -KILL "$p" 2>/dev/null || true; done
	[ -z "${CG:-}" ] || rmdir "$CG" 2>/dev/null || true
}

@test "a test that hangs ends as 'not ok N <name> # timeout', its processes too, and the next test runs" {
	# (written as %test: bats would take an @test line here for one of this file's own)
	sed 's/^%test/@test/' >"$T/hang.bats" <<-EOF
		load "$ROOT/tests/lib/common"
		%test "hangs under run" {
			run sleep $MARK
		}
		%test "hangs in a pipeline under run" {
			run bash -c 'sleep $MARK | cat'
		}
		%test "hangs on a child that ignores SIGTERM" {
			run bash -c 'trap "" TERM; sleep $MARK'
		}
		%test "hangs on a stopped background child" {
			sleep $MARK &
			kill -STOP \$!
			wait
		}
		%test "runs after them" {
			true
		}
	EOF
	run timeout 200 env BATS_TEST_TIMEOUT=2 bats --tap "$T/hang.bats"
	[ "$status" -ne 124 ] || fail "bats itself hung: $output"
	assert_line 'not ok 1 hangs under run # timeout after 2s'
	assert_line 'not ok 2 hangs in a pipeline under run # timeout after 2s'
	assert_line 'not ok 3 hangs on a child that ignores SIGTERM # timeout after 2s'
	assert_line 'not ok 4 hangs on a stopped background child # timeout after 2s'
	assert_line 'ok 5 runs after them'
	run pgrep -axf "sleep $MARK"
	assert_failure
}

@test "wait_pid fails naming a child that does not exit in time, and returns the exit status of one that does" {
	sleep "$MARK" &
	run wait_pid -t 1 $!
	assert_failure
	assert_output --partial "still runs 1s later: sleep $MARK"
	kill $!
	(exit 7) &
	status=0
	wait_pid $! || status=$?
	assert_equal "$status" 7
}

@test "tests/bare names a cgroup below a hierarchy's root and exits 1" {
	require_root
	CG=$(findmnt -rn -t cgroup2 -o TARGET | head -1)/harness-bare-$$
	mkdir "$CG"
	run timeout 120 "$ROOT/tests/bare"
	assert_failure 1
	assert_line "cgroup: $CG"
	refute_line --partial bare:
}
