#!/usr/bin/env bats
# ctrfmt's Tracee events from a live pipeline, read as a Tracee consumer reads them
# (tests/lib/tracee_schema.py): cgtap --scan | ctrdetect | ctrenrich | ctrfmt on the real kernel,
# with containers made by hand the way Docker's cgroupfs driver makes them (.../docker/<64 hex>)
# and no runtime to ask, so every record is what the kernel and the stages made. Root; cgroups
# only under /ctrwatch-tracee-<pid>-<test>, removed in teardown.

load lib/common

setup() {
	require_root
	T=ctrwatch-tracee-$$-$BATS_TEST_NUMBER
	TMP=$BATS_TEST_TMPDIR
	PIPE_PID= CGTAP_PID=
	# The cpuset hierarchy where there is one (what cgtap watches on a hybrid host), else cgroup2.
	MNT=$(findmnt -rn -t cgroup -o TARGET,OPTIONS |
		awk '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == "cpuset") { print $1; exit } }')
	HIER=cpuset
	if [ -z "$MNT" ]; then
		MNT=$(findmnt -rn -t cgroup2 -o TARGET | head -1)
		HIER=unified
	fi
	[ -n "$MNT" ] || fail "no cgroup hierarchy mounted"
}

teardown() {
	[ -z "$CGTAP_PID" ] || kill -TERM "$CGTAP_PID" 2>/dev/null || true
	[ -z "$PIPE_PID" ] || wait_gone "$PIPE_PID" || kill -TERM "$PIPE_PID" 2>/dev/null || true
	local i
	for i in $(seq 50); do
		[ -d "$MNT/$T" ] || break
		find "$MNT/$T" -depth -type d -delete 2>/dev/null || sleep 0.2
	done
	[ ! -d "${MNT:-/nonexistent}/$T" ] || echo "# teardown: could not remove $MNT/$T" >&3
	return 0
}

# wait_for FILE PATTERN [SECONDS]: until a line of FILE matches the extended regex PATTERN.
wait_for() {
	timeout "${3:-10}" bash -c 'until grep -Eq -- "$2" "$1" 2>/dev/null; do sleep 0.05; done' \
		_ "$1" "$2" && return 0
	echo "timed out waiting for /$2/ in $1:" >&2
	cat "$1" >&2
	return 1
}

# wait_gone PID: until the process has ended, at most 10 s.
wait_gone() {
	local i
	for i in $(seq 200); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.05
	done
	return 1
}

@test "a live pipeline's json and tracee events pass a Tracee consumer's schema check" {
	local id1 id2 n
	id1=$(printf 'ee%062d' "$$") id2=$(printf 'ff%062d' "$$")
	mkdir -p "$MNT/$T/docker/$id1" # running before ctrwatch starts: existing_container

	# 1. The pipeline, with each stage's output kept: cgtap's records, the enriched ones, json.
	mkfifo "$TMP/tap"
	bash -c 'tee "$1/raw" | ctrdetect | ctrenrich --no-discover --socket docker="$1/none.sock" \
		2>"$1/enrich.err" | tee "$1/records" | ctrfmt -f json >"$1/json"' _ "$TMP" <"$TMP/tap" 3>&- &
	PIPE_PID=$!
	cgtap -v --scan --hierarchy "$HIER" >"$TMP/tap" 2>"$TMP/cgtap.err" 3>&- &
	CGTAP_PID=$!
	wait_for "$TMP/cgtap.err" 'scan of hierarchy .* done'

	# 2. A container made and removed while it runs, then the one that was there.
	mkdir "$MNT/$T/docker/$id2"
	rmdir "$MNT/$T/docker/$id2"
	rmdir "$MNT/$T/docker/$id1"
	wait_for "$TMP/json" "\"eventName\":\"container_remove\".*\"value\":\"$id1\""
	kill -TERM "$CGTAP_PID"
	wait_gone "$PIPE_PID" || fail "the pipeline did not end after cgtap"
	wait "$PIPE_PID" || fail "the pipeline failed: $(cat "$TMP/enrich.err")"

	# 3. What came out is what happened, once each.
	run jq -r --arg a "$id1" --arg b "$id2" \
		'select(.args[1].value == $a or .args[1].value == $b) | [.eventName, .eventId, .args[1].value[:2]] | @tsv' \
		"$TMP/json"
	assert_output "$(printf '%s\t%s\t%s\n' existing_container 2020 ee container_create 2018 ff \
		container_remove 2019 ff container_remove 2019 ee)"

	# 4. Every event, as a Tracee consumer reads it: json and the raw cgroup events as json,
	# and both as --format tracee, for Tracee 0.24 and 0.23.
	ctrfmt -f json "$TMP/raw" >"$TMP/raw.json"
	grep -q "\"eventName\":\"cgroup_mkdir\".*/docker/$id2\"" "$TMP/raw.json" ||
		fail "no cgroup_mkdir for $id2"
	cat "$TMP/records" "$TMP/raw" >"$TMP/all"
	ctrfmt -f tracee "$TMP/all" >"$TMP/tracee" 2>/dev/null
	ctrfmt -f tracee --tracee-version 0.23 "$TMP/all" >"$TMP/v023" 2>/dev/null
	run python3 "$ROOT/tests/lib/tracee_schema.py" "$TMP/json" "$TMP/raw.json"
	assert_success
	n=${output%% *}
	run python3 "$ROOT/tests/lib/tracee_schema.py" --exact "$TMP/tracee"
	assert_success
	n=$((n + ${output%% *}))
	run python3 "$ROOT/tests/lib/tracee_schema.py" --exact --v0.23 "$TMP/v023"
	assert_success
	n=$((n + ${output%% *}))
	echo "# $n live events checked" >&3
}
