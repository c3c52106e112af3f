#!/usr/bin/env bats
# Fault campaigns: a runtime that misbehaves at random, and every stage of a live pipeline
# stopped and continued in turn. Each record comes out exactly once, in order; nothing is lost.

load lib/common

PY=/usr/bin/python3 # Debian's: a pyenv shim on PATH may take seconds to start

setup() {
	T=$(mktemp -d)
	PIDS=()
}

teardown() {
	local p
	for p in "${PIDS[@]}"; do kill -CONT "$p" 2>/dev/null; kill -TERM "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait_pid "$p" 2>/dev/null || true; done
	[ -z "${CG:-}" ] || find "$CG" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null
	[ -z "${CG:-}" ] || rmdir "$CG" 2>/dev/null || true
	rm -rf "$T"
}

@test "10,000 records against a runtime that misbehaves at random: each out once, in order" {
	"$PY" "$ROOT/tests/fake/runtime.py" "$T/d.sock" --mode random --seed 7 >"$T/fake.out" 2>&1 &
	PIDS+=($!)
	for _ in $(seq 100); do [ -S "$T/d.sock" ] && break; sleep 0.05; done
	awk 'BEGIN { for (i = 1; i <= 10000; i++) {
		ev = (i % 3 == 0) ? "container_remove" : "container_create"
		if (i % 97 == 0) printf "{\"event\":\"lost\",\"ts\":%d,\"count\":1}\n", i
		else printf "{\"event\":\"%s\",\"ts\":%d,\"runtime\":\"docker\",\"container_id\":\"%064x\",\"ctime\":1}\n", ev, i, int((i + 1) / 3) + 1 } }' >"$T/in"
	run --separate-stderr ctrenrich --timeout 300ms --no-discover --socket docker="$T/d.sock" "$T/in"
	assert_success
	[ "${#lines[@]}" -eq 10000 ]
	# In order and each once: the ts column is 1..10000 exactly.
	diff <(jq -r .ts <<<"$output") <(seq 10000)
	# Every container record was enriched or says why not; the faults really happened.
	[ "$(jq -r 'select(.event != "lost") | select((.container_name // "") == "" and (.enrich_error // "") == "") | .ts' <<<"$output" | wc -l)" -eq 0 ]
	n_err=$(grep -c '"enrich_error"' <<<"$output")
	n_ok=$(grep -c '"container_name":"fake-' <<<"$output")
	echo "# $n_ok enriched, $n_err with enrich_error" >&3
	[ "$n_err" -gt 100 ] && [ "$n_ok" -gt 100 ]
	for e in timeout "bad response"; do
		grep -q "\"enrich_error\":\"$e" <<<"$output" || fail "no '$e' among the errors"
	done
}

@test "a live pipeline loses nothing when each stage in turn is stopped and continued" {
	require_root
	CG=/sys/fs/cgroup/cpuset/ctrw-fault-$$
	mkdir "$CG"
	mkfifo "$T/f1" "$T/f2" "$T/f3"
	ctrdetect <"$T/f1" >"$T/f2" &
	PIDS+=($!)
	D=$!
	ctrenrich --no-discover --timeout 100ms <"$T/f2" >"$T/f3" &
	PIDS+=($!)
	E=$!
	ctrfmt --format ndjson <"$T/f3" >"$T/out" &
	PIDS+=($!)
	F=$!
	cgtap -v --hierarchy cpuset >"$T/f1" 2>"$T/cgtap.err" &
	PIDS+=($!)
	C=$!
	for _ in $(seq 200); do grep -q attached "$T/cgtap.err" && break; sleep 0.05; done
	# Container-shaped cgroups (a bare 64-hex id) come and go while each stage is stopped a second.
	n=0
	for p in $C $D $E $F; do
		kill -STOP "$p"
		# ids n+1 .. n+200, each made and removed, in one process (three forks an id took
		# 170 s on a loaded machine)
		"$PY" -c 'import os, sys
for i in range(int(sys.argv[2]) + 1, int(sys.argv[2]) + 201):
    d = "%s/%064x" % (sys.argv[1], i)
    os.mkdir(d)
    os.rmdir(d)' "$CG" "$n"
		n=$((n + 200))
		sleep 1
		kill -CONT "$p"
	done
	sleep 1
	kill -TERM "$C"
	for p in $C $D $E $F; do wait_pid "$p"; done
	PIDS=()
	lost=$(jq -s 'map(select(.event == "lost") | .count) | add // 0' "$T/out")
	# Only ours: other suites or runtimes may make containers at the same time.
	creates=$(grep -F "\"path\":\"/${CG##*/}/" "$T/out" | grep -c '"event":"container_create"')
	removes=$(grep -F "\"path\":\"/${CG##*/}/" "$T/out" | grep -c '"event":"container_remove"')
	echo "# $n containers: $creates creates, $removes removes, $lost lost" >&3
	[ "$lost" -eq 0 ]
	[ "$creates" -eq "$n" ]
	[ "$removes" -eq "$n" ]
}
