#!/usr/bin/env bats
# The whole pipeline on the real kernel with a real dockerd: cgtap | ctrdetect | ctrenrich |
# ctrfmt, and ctrwatch, which runs them. Root; one private dockerd for the file (scripts/rt).

load lib/common

setup_file() {
	[ "$(id -u)" -eq 0 ] || return 0
	export RTDIR
	RTDIR=$(mktemp -d /tmp/ctrw-pipe.XXXXXX)
	"$ROOT/scripts/rt" start docker "$RTDIR" >&3 2>&1
}

teardown_file() {
	[ -z "${RTDIR:-}" ] || "$ROOT/scripts/rt" stop "$RTDIR"
}

setup() {
	require_root
	TMP=$(mktemp -d)
	PIDS=()
}

teardown() {
	local p
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait_pid "$p" 2>/dev/null || true; done
	rm -rf "$TMP"
}

dk() { "$ROOT/scripts/rt" docker "$RTDIR" "$@"; }

# wait_for FILE PATTERN [SECONDS]: until a line of FILE matches the extended regex PATTERN.
wait_for() {
	local i
	for ((i = 0; i < ${3:-10} * 20; i++)); do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "timed out waiting for /$2/ in $1:" >&2
	cat "$1" >&2
	return 1
}

# start_cgtap OUT ARGS...: cgtap in the background, feeding a pipeline through a FIFO.
# Sets CGTAP to its PID once it is attached.
start_cgtap() {
	local out=$1
	shift
	cgtap -v "$@" >"$out" 2>"$TMP/cgtap.err" &
	CGTAP=$!
	PIDS+=("$CGTAP")
	wait_for "$TMP/cgtap.err" 'attached'
}

@test "cgtap | ctrdetect reports a real docker run and rm, once each" {
	mkfifo "$TMP/fifo"
	ctrdetect <"$TMP/fifo" >"$TMP/out" &
	PIDS+=($!)
	start_cgtap "$TMP/fifo" --hierarchy all
	id=$(dk run -d --network none ctrwatch-test:1)
	dk rm -f "$id" >/dev/null
	wait_for "$TMP/out" "\"container_remove\".*\"container_id\":\"$id\""
	kill -TERM "$CGTAP"
	wait_pid "$CGTAP"
	wait_pid "${PIDS[0]}"
	run jq -r "select(.container_id == \"$id\") | [.event, .runtime, .path] | @tsv" "$TMP/out"
	assert_output "$(printf 'container_create\tdocker\t/docker/%s\ncontainer_remove\tdocker\t/docker/%s' "$id" "$id")"
}

@test "cgtap | ctrdetect | ctrenrich names a real container and its exit code" {
	mkfifo "$TMP/f1" "$TMP/f2"
	ctrdetect <"$TMP/f1" >"$TMP/f2" &
	PIDS+=($!)
	ctrenrich --socket docker="$RTDIR/docker.sock" <"$TMP/f2" >"$TMP/out" &
	PIDS+=($!)
	start_cgtap "$TMP/f1"
	id=$(dk run -d --network none --name web --label io.kubernetes.pod.name=p \
		--label io.kubernetes.pod.namespace=ns --label io.kubernetes.pod.uid=u-1 \
		ctrwatch-test:1 sh -c 'sleep 1; exit 7')
	wait_for "$TMP/out" "\"container_remove\".*\"container_id\":\"$id\"" 20
	kill -TERM "$CGTAP"
	wait_pid "${PIDS[@]}"
	run jq -c "select(.container_id == \"$id\") | [.event, .runtime, .container_name, .container_image, .pod_name, .pod_namespace, .pod_uid, .pod_sandbox, .exit_code]" "$TMP/out"
	assert_line --index 0 '["container_create","docker","web","ctrwatch-test:1","p","ns","u-1",false,null]'
	assert_line --index 1 '["container_remove","docker","web","ctrwatch-test:1","p","ns","u-1",false,7]'
	[ "${#lines[@]}" -eq 2 ]
	dk rm -f "$id" >/dev/null
}

@test "ctrwatch shows existing containers, then creates and removals with their exit codes" {
	pre=$(dk run -d --network none --name pre ctrwatch-test:1)
	ctrwatch --socket docker="$RTDIR/docker.sock" --columns event,container_name,container_image,pod_name,exit_code \
		>"$TMP/out" 2>"$TMP/err" &
	W=$!
	PIDS+=("$W")
	wait_for "$TMP/out" '^existing_container +pre +ctrwatch-test:1'
	dk run -d --network none --name x1 --label io.kubernetes.pod.name=P1 ctrwatch-test:1 sh -c 'sleep 2; exit 3' >/dev/null
	# The create row is there within a second of docker run returning.
	wait_for "$TMP/out" '^container_create +x1 +ctrwatch-test:1 +P1' 1
	wait_for "$TMP/out" '^container_remove +x1 +ctrwatch-test:1 +P1 +3 *$' 20
	stages=$(ps -o pid= --ppid "$W" | tr -d ' ')
	[ "$(wc -w <<<"$stages")" -eq 4 ]
	kill -TERM "$W"
	wait_pid "$W" || fail "ctrwatch exited with status $?"
	for p in $stages; do ! kill -0 "$p" 2>/dev/null || fail "stage $p is still running"; done
	[ ! -s "$TMP/err" ] || fail "stderr: $(cat "$TMP/err")"
	dk rm -f pre x1 >/dev/null
}

@test "ctrwatch --format json prints Tracee-style events that parse" {
	ctrwatch -v --socket docker="$RTDIR/docker.sock" --format json >"$TMP/out" 2>"$TMP/err" &
	W=$!
	PIDS+=("$W")
	wait_for "$TMP/err" 'scan of hierarchy .* done'
	id=$(dk run -d --network none --name jx ctrwatch-test:1)
	wait_for "$TMP/out" "\"eventName\":\"container_create\".*$id"
	kill -TERM "$W"
	wait_pid "$W" || fail "ctrwatch exited with status $?"
	run cat "$TMP/out"
	assert_all_json
	run jq -c "select(.eventName == \"container_create\" and (.args[1].value == \"$id\")) | [.args[0:10][] | .name]" "$TMP/out"
	assert_output '["runtime","container_id","ctime","container_image","container_image_digest","container_name","pod_name","pod_namespace","pod_uid","pod_sandbox"]'
	run python3 "$ROOT/tests/lib/tracee_schema.py" "$TMP/out"
	assert_success
	dk rm -f "$id" >/dev/null
}

@test "with no runtime socket at all, creates still appear with enrich_error and nothing hangs" {
	ctrwatch -v --format ndjson --socket docker="$TMP/none.sock" --socket podman="$TMP/none.sock" \
		--socket containerd="$TMP/none.sock" --socket crio="$TMP/none.sock" >"$TMP/out" 2>"$TMP/err" &
	W=$!
	PIDS+=("$W")
	wait_for "$TMP/err" 'scan of hierarchy .* done'
	id=$(dk run -d --network none ctrwatch-test:1)
	wait_for "$TMP/out" "\"container_create\".*\"container_id\":\"$id\""
	kill -TERM "$W"
	wait_pid "$W" || fail "ctrwatch exited with status $?"
	run jq -r "select(.container_id == \"$id\") | [.event, .runtime, (.enrich_error | length > 0)] | @tsv" "$TMP/out"
	assert_output "$(printf 'container_create\tdocker\ttrue')"
	dk rm -f "$id" >/dev/null
}

@test "ctrwatch without root says so before starting anything" {
	run --separate-stderr timeout 30 setpriv --reuid=65534 --regid=65534 --clear-groups "$ROOT/scripts/ctrwatch"
	assert_failure 1
	[[ "$stderr" == *"ctrwatch: needs root"* ]]
	assert_output ""
}

@test "ctrwatch names the stage that failed" {
	run --separate-stderr timeout 60 ctrwatch --hierarchy no-such-controller
	assert_failure 1
	[[ "$stderr" == *"ctrwatch: cgtap failed (exit status"* ]]
}

@test "ctrwatch --help and --version; a bad option is a usage error" {
	run ctrwatch --help
	assert_success
	assert_output --partial "Usage: ctrwatch"
	run ctrwatch --version
	assert_output --regexp '^ctrwatch \(ctrwatch\) [0-9.]+$'
	run ctrwatch --bogus
	assert_failure 2
}
