#!/usr/bin/env bats
# Stopping loses nothing, however it is stopped (DESIGN.md). The matrix: SIGTERM or SIGINT, to
# ctrwatch alone or to its whole process group (Ctrl-C is SIGINT to the group), while idle, while
# a container starts, and with 1,000 records in flight to a slow runtime. Then each stage alone.
# Root; each test makes its own cgroups (under the cpuset hierarchy), fake runtime and session.

load lib/common

PY=/usr/bin/python3 # Debian's: a pyenv shim on PATH may take seconds to start
HELPERS=${BIN%/bin}/helpers
TIMEOUT_MS=2000 # ctrwatch --timeout: every stop must end within it plus a second
BOUND_MS=$((TIMEOUT_MS + 1000))
# Under the sanitizers, LeakSanitizer's scan at exit costs each process up to half a second.
[[ $BIN != */san/* ]] || BOUND_MS=$((BOUND_MS + 1500))

setup() {
	require_root
	T=$(mktemp -d)
	CG=/sys/fs/cgroup/cpuset/ctrw-stop-$$-$BATS_TEST_NUMBER
	mkdir "$CG"
	PIDS=()
	SID=
	N=0
}

teardown() {
	local p
	if [ -n "$SID" ]; then
		for p in $(ps -o pid= -s "$SID"); do kill -KILL "$p" 2>/dev/null || true; done
	fi
	for p in "${PIDS[@]}"; do kill -CONT "$p" 2>/dev/null; kill -KILL "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	for _ in $(seq 50); do
		[ -d "$CG" ] || break
		find "$CG" -depth -type d -delete 2>/dev/null || sleep 0.2
	done
	rm -rf "$T"
}

# A container id unique to this test: 64 hex digits.
ctr_id() { printf '%08x%08x%048x' $$ "$BATS_TEST_NUMBER" "$1"; }

# make_containers COUNT: that many Docker-shaped container cgroups, in one mkdir.
make_containers() {
	local dirs=() i
	for ((i = 0; i < $1; i++)); do
		N=$((N + 1))
		dirs+=("$CG/docker-$(ctr_id "$N").scope")
	done
	mkdir "${dirs[@]}"
}

# until_true SECONDS COMMAND...: run COMMAND every 50 ms until it succeeds; fails after SECONDS.
until_true() {
	local i limit=$(($1 * 20))
	shift
	for ((i = 0; i < limit; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

# gone PID: true once the process has exited (a zombie too: when the shell reaps it is its own).
gone() {
	local state
	{ read -r _ _ state _ <"/proc/$1/stat"; } 2>/dev/null || return 0
	[ "$state" = Z ]
}

# in_syscall PID NR: true while the process waits in system call NR (x86_64: 1 is write).
in_syscall() { { read -r nr _ <"/proc/$1/syscall"; } 2>/dev/null && [ "$nr" = "$2" ]; }

# The fake Docker on $T/d.sock, answering each request after a second, logging to $T/rt.log.
start_runtime() {
	"$PY" "$ROOT/tests/fake/runtime.py" "$T/d.sock" --delay 1000 --log "$T/rt.log" >"$T/rt.out" 2>&1 &
	PIDS+=($!)
	until_true 10 test -S "$T/d.sock" || fail "the fake runtime did not start: $(cat "$T/rt.out")"
}

# start_ctrwatch: ctrwatch in a session of its own ($SID), with SIGINT at its default as in a
# terminal. A ctrdetect on PATH that tees what it reads into $T/detect.in stands in for it.
start_ctrwatch() {
	mkdir -p "$T/bin"
	cat >"$T/bin/ctrdetect" <<EOF
#!/bin/bash
tee -a "$T/detect.in" | "$BIN/ctrdetect" "\$@"
EOF
	chmod +x "$T/bin/ctrdetect"
	(trap - INT; PATH="$T/bin:$PATH" exec setsid ctrwatch --hierarchy cpuset --format ndjson \
		--timeout "${TIMEOUT_MS}ms" --socket docker="$T/d.sock" >"$T/out" 2>"$T/err") &
	SID=$!
	# A container made as it starts: once it is out, the pipeline is attached and running.
	make_containers 1
	until_true 60 grep -q "\"container_id\":\"$(ctr_id 1)\"" "$T/out" ||
		fail "ctrwatch did not report the existing container; stderr: $(cat "$T/err")"
	[ "$(ps -o pgid= -p "$SID" | tr -d ' ')" = "$SID" ] || fail "ctrwatch does not lead its group"
}

# stop_cell SIGNAL WHO STATE: one cell of the matrix. WHO: ctrwatch or group. STATE: idle,
# starting (a container made just as the signal is sent) or inflight (1,000 of them, their
# lookups under way at the slow runtime).
stop_cell() {
	local sig=$1 who=$2 state=$3 t0 t1 ms st in expected out errs ours early left
	start_runtime
	start_ctrwatch
	case $state in
	starting) make_containers 1 ;;
	inflight)
		# Signalled once ctrdetect has read all 1,000: they are then in the pipeline, most
		# waiting for the runtime (each answer takes it a second).
		make_containers 1000
		until_true 20 eval '[ "$(grep -c "$(printf %08x%08x $$ "$BATS_TEST_NUMBER")" "$T/detect.in")" -ge 1001 ]' ||
			fail "ctrdetect did not read the 1,000 new containers"
		;;
	esac
	early=$(grep -c "\"container_id\":\"$(printf %08x%08x $$ "$BATS_TEST_NUMBER")" "$T/out" || true)
	t0=$(date +%s%N)
	if [ "$who" = group ]; then kill -"$sig" -- "-$SID"; else kill -"$sig" "$SID"; fi
	until_true 30 gone "$SID" || fail "ctrwatch still runs 30 s after SIG$sig"
	t1=$(date +%s%N)
	st=0
	wait "$SID" || st=$?
	ms=$(((t1 - t0) / 1000000))
	left=$(ps -o pid=,comm= -s "$SID" || true)
	SID=

	# What ctrdetect read, what it makes of it alone, and what came out of ctrfmt.
	in=$(wc -l <"$T/detect.in")
	ctrdetect <"$T/detect.in" | jq -c '[.event, .ts, .cgroup_id, .container_id]' >"$T/expected"
	jq -c '[.event, .ts, .cgroup_id, .container_id]' "$T/out" >"$T/got"
	expected=$(wc -l <"$T/expected")
	out=$(wc -l <"$T/got")
	errs=$(wc -l <"$T/err")
	ours=$(grep -c "\"container_id\":\"$(printf %08x%08x $$ "$BATS_TEST_NUMBER")" "$T/out" || true)
	echo "# SIG$sig to $who, $state: exit in $ms ms, status $st, stderr $errs lines;" \
		"ctrdetect read $in lines, $expected records to come out, $out out;" \
		"containers: $N made, $early out before the signal, $ours out in the end" >&3

	[ "$st" -eq 0 ] || fail "ctrwatch exited with status $st; stderr: $(cat "$T/err")"
	[ "$ms" -le "$BOUND_MS" ] || fail "ctrwatch took $ms ms to stop (bound $BOUND_MS ms)"
	[ "$errs" -lt 20 ] || fail "stderr has $errs lines: $(head -5 "$T/err")"
	[ -z "$left" ] || fail "processes left: $left"
	diff "$T/expected" "$T/got" >"$T/diff" || fail "records in and out differ: $(head -5 "$T/diff")"
	# Every container made before the signal was read (cgtap flushed) and came out, once.
	[ "$ours" -eq "$N" ] || fail "$ours of $N containers came out"
}

@test "SIGTERM to ctrwatch alone, idle: everything read comes out, status 0, nothing left" {
	stop_cell TERM ctrwatch idle
}

@test "SIGTERM to ctrwatch alone, as a container starts: it comes out" {
	stop_cell TERM ctrwatch starting
}

@test "SIGTERM to ctrwatch alone, 1,000 lookups in flight: all 1,000 come out in time" {
	stop_cell TERM ctrwatch inflight
}

@test "SIGTERM to the process group (systemd's default), idle: everything read comes out" {
	stop_cell TERM group idle
}

@test "SIGTERM to the process group, as a container starts: it comes out" {
	stop_cell TERM group starting
}

@test "SIGTERM to the process group, 1,000 lookups in flight: all 1,000 come out in time" {
	stop_cell TERM group inflight
}

@test "SIGINT to ctrwatch alone, idle: everything read comes out, status 0, nothing left" {
	stop_cell INT ctrwatch idle
}

@test "SIGINT to ctrwatch alone, as a container starts: it comes out" {
	stop_cell INT ctrwatch starting
}

@test "SIGINT to ctrwatch alone, 1,000 lookups in flight: all 1,000 come out in time" {
	stop_cell INT ctrwatch inflight
}

@test "Ctrl-C (SIGINT to the process group), idle: everything read comes out" {
	stop_cell INT group idle
}

@test "Ctrl-C, as a container starts: it comes out" {
	stop_cell INT group starting
}

@test "Ctrl-C, 1,000 lookups in flight: all 1,000 come out in time" {
	stop_cell INT group inflight
}

@test "a stage that does not end after the stop is killed by PID, named, and nothing is left" {
	# A ctrfmt that reads to the end of its input, then hangs (signals ignored, as ctrwatch
	# starts it): only the kill ends it. --timeout 1s: killed 3 s after the stop.
	mkdir -p "$T/bin"
	printf '#!/bin/sh\ncat >/dev/null\nexec sleep 600\n' >"$T/bin/ctrfmt"
	chmod +x "$T/bin/ctrfmt"
	(trap - INT; PATH="$T/bin:$PATH" exec setsid ctrwatch --hierarchy cpuset --no-enrich \
		--timeout 1s >"$T/out" 2>"$T/err") &
	SID=$!
	sleep 1
	kill -TERM "$SID"
	until_true 20 gone "$SID" || fail "ctrwatch still runs 20 s after SIGTERM"
	st=0
	wait "$SID" || st=$?
	[ "$st" -eq 1 ]
	grep -q '^ctrwatch: ctrfmt did not end within 3 s of the stop; killed$' "$T/err" ||
		fail "stderr: $(cat "$T/err")"
	[ "$(wc -l <"$T/err")" -lt 5 ] || fail "stderr: $(cat "$T/err")"
	[ -z "$(ps -o pid= -s "$SID")" ] || fail "processes left: $(ps -o pid=,comm= -s "$SID")"
	SID=
}

# Each stage alone, in a user's own pipeline.

# The container records of $1 cgroup_mkdir lines, ~200 bytes each, into $T/in.
cgroup_records() {
	awk -v n="$1" 'BEGIN { for (i = 1; i <= n; i++)
		printf "{\"event\":\"cgroup_mkdir\",\"ts\":%d,\"cgroup_id\":%d,\"hierarchy_id\":3,\"level\":2,\"path\":\"/stop/docker-%064x.scope\",\"pid\":1,\"comm\":\"runc\"}\n", i, i, i }' >"$T/in"
}

# stop_while_writing SIGNAL NAME PID READER: once PID waits in write(2), its reader READER being
# stopped, send SIGNAL and let the reader go on: PID then ends with status 0, and the reader too.
stop_while_writing() {
	local sig=$1 name=$2 p=$3 r=$4 st=0
	until_true 20 in_syscall "$p" 1 || fail "$name never blocked writing"
	kill -"$sig" "$p"
	kill -CONT "$r"
	until_true 20 gone "$p" || fail "$name still runs 20 s after SIG$sig"
	wait "$p" || st=$?
	[ "$st" -eq 0 ] || fail "$name exited with status $st: $(cat "$T/err")"
	until_true 10 gone "$r" || fail "the reader did not see the end"
}

# stop_blocked SIGNAL PROG ARGS...: PROG reads from a FIFO whose writer stays open and writes
# to a reader that is stopped, so that PROG holds records it cannot write yet. Then SIGNAL, and
# the reader goes on: PROG writes all it read, stops reading, exits 0.
stop_blocked() {
	local sig=$1 p r w k
	shift
	cgroup_records 5000
	"$@" <"$T/in" >"$T/expected"
	mkfifo "$T/fin" "$T/fout"
	cat "$T/fout" >"$T/got" &
	r=$!
	PIDS+=("$r")
	# PROG opens its output first (meeting the reader), then waits for a writer of its input.
	(trap - INT; exec "$@" >"$T/fout" <"$T/fin" 2>"$T/err") &
	p=$!
	PIDS+=("$p")
	until_true 20 in_syscall "$r" 0 || fail "the reader never started reading"
	kill -STOP "$r"
	cat "$T/in" >"$T/fin" &
	w=$!
	PIDS+=("$w")
	stop_while_writing "$sig" "$1" "$p" "$r"
	[ ! -s "$T/err" ] || fail "stderr: $(cat "$T/err")"
	# What came out is whole and in order; it stopped reading: the writer still had lines.
	k=$(wc -l <"$T/got")
	echo "# $1: $k of 5000 records out after SIG$sig" >&3
	[ "$k" -gt 0 ] && [ "$k" -lt 5000 ]
	head -n "$k" "$T/expected" | cmp - "$T/got"
}

# stop_idle SIGNAL PROG ARGS...: PROG has written all it read and waits for more: SIGNAL ends it
# with status 0 at once, though its input is still open.
stop_idle() {
	local sig=$1 p st
	shift
	cgroup_records 3
	"$@" <"$T/in" >"$T/expected"
	mkfifo "$T/fin"
	(trap - INT; exec "$@" <"$T/fin" >"$T/got" 2>"$T/err") &
	p=$!
	PIDS+=("$p")
	exec 7>"$T/fin"
	cat "$T/in" >&7
	until_true 10 eval '[ "$(wc -l <"$T/got")" -eq 3 ]' || fail "$1 did not flush while idle"
	kill -"$sig" "$p"
	until_true 10 gone "$p" || fail "$1 still runs 10 s after SIG$sig"
	exec 7>&-
	st=0
	wait "$p" || st=$?
	[ "$st" -eq 0 ] || fail "$1 exited with status $st: $(cat "$T/err")"
	[ ! -s "$T/err" ] || fail "stderr: $(cat "$T/err")"
	cmp "$T/expected" "$T/got"
}

@test "SIGTERM to ctrdetect waiting for input ends it at once, status 0" {
	stop_idle TERM ctrdetect
}

@test "SIGINT to ctrdetect with its output blocked: it writes all it read, then exits 0" {
	stop_blocked INT ctrdetect
}

@test "SIGINT to ctrfmt waiting for input ends it at once, status 0" {
	stop_idle INT ctrfmt --format ndjson
}

@test "SIGTERM to ctrfmt with its output blocked: it writes all it read, then exits 0" {
	stop_blocked TERM ctrfmt --format ndjson
}

@test "a stop signal ignored at entry stays ignored: the stage ends at end of input" {
	local p prog
	cgroup_records 3
	for prog in ctrdetect ctrenrich; do
		rm -f "$T/fin" "$T/got"
		mkfifo "$T/fin"
		(trap '' INT TERM; exec "$prog" <"$T/fin" >"$T/got") &
		p=$!
		PIDS+=("$p")
		exec 7>"$T/fin"
		kill -TERM "$p"
		kill -INT "$p"
		cat "$T/in" >&7
		until_true 10 eval '[ "$(wc -l <"$T/got")" -eq 3 ]' || fail "$prog stopped at a signal it ignored"
		exec 7>&-
		until_true 10 gone "$p" || fail "$prog did not end at end of input"
		wait "$p"
	done
}

@test "SIGTERM to ctrenrich waiting for input ends it at once, status 0" {
	stop_idle TERM ctrenrich --no-discover
}

@test "SIGINT to ctrenrich with its output blocked: it writes all it read, then exits 0" {
	stop_blocked INT ctrenrich --no-discover
}

@test "SIGTERM to ctrenrich with lookups in flight: they finish, all it read comes out, status 0" {
	local p st t0 ms i timeout=4000
	start_runtime # each answer after a second: a Docker lookup (two requests) takes two
	for i in 1 2 3; do
		printf '{"event":"container_create","ts":%d,"runtime":"docker","container_id":"%s"}\n' \
			"$i" "$(ctr_id "$i")"
	done >"$T/in"
	# a second file, to be left unopened: the stop ends the input
	printf '{"event":"lost","ts":4,"count":1}\n' >"$T/more"
	mkfifo "$T/fin"
	(trap - INT; exec ctrenrich --timeout "${timeout}ms" --no-discover \
		--socket docker="$T/d.sock" "$T/fin" "$T/more" >"$T/got" 2>"$T/err") &
	p=$!
	PIDS+=("$p")
	exec 7>"$T/fin"
	cat "$T/in" >&7
	until_true 20 eval '[ "$(grep -c . "$T/rt.log")" -ge 3 ]' || fail "the lookups did not start"
	t0=$(date +%s%N)
	kill -TERM "$p"
	until_true 20 gone "$p" || fail "ctrenrich still runs 20 s after SIGTERM"
	ms=$((($(date +%s%N) - t0) / 1000000))
	exec 7>&-
	st=0
	wait "$p" || st=$?
	echo "# ctrenrich: 3 lookups in flight at SIGTERM; out after $ms ms" >&3
	[ "$st" -eq 0 ] || fail "ctrenrich exited with status $st: $(cat "$T/err")"
	[ ! -s "$T/err" ] || fail "stderr: $(cat "$T/err")"
	# the deadline plus a second, as DESIGN.md promises (the lookups themselves take about 2 s)
	[ "$ms" -le $((BOUND_MS - TIMEOUT_MS + timeout)) ] ||
		fail "ctrenrich took $ms ms to stop (bound $((BOUND_MS - TIMEOUT_MS + timeout)) ms)"
	# every record it read, in order, each with what the runtime said (it answers in time)
	assert_equal "$(jq -r .ts "$T/got" | paste -sd,)" 1,2,3
	assert_equal "$(jq -r 'select(.container_name != "") | .ts' "$T/got" | paste -sd,)" 1,2,3
	assert_equal "$(jq -r 'select(.enrich_error) | .ts' "$T/got")" ''
}

@test "SIGTERM to cgtap while it is blocked writing to a full pipe: every record is written, status 0" {
	local r p mine lost
	mkfifo "$T/fout"
	cat "$T/fout" >"$T/got" &
	r=$!
	PIDS+=("$r")
	cgtap -v --hierarchy cpuset >"$T/fout" 2>"$T/err" &
	p=$!
	PIDS+=("$p")
	until_true 30 grep -q 'attached to' "$T/err" || fail "cgtap did not attach: $(cat "$T/err")"
	kill -STOP "$r"
	# 3,000 mkdir+rmdir: ~1.5 MB of records, far more than the pipe and cgtap's buffer hold.
	"$HELPERS/cgchurn" burst "$CG" c 3000 >/dev/null
	stop_while_writing TERM cgtap "$p" "$r"
	mine=$(grep -c "\"path\":\"/${CG##*/}/c-" "$T/got" || true)
	lost=$(jq -s 'map(select(.event == "lost") | .count) | add // 0' "$T/got")
	echo "# cgtap: $mine of 6000 records out after SIGTERM, $lost lost" >&3
	[ "$mine" -eq 6000 ] || fail "$mine of 6000 records, $lost lost"
}

@test "cgtap keeps SIGINT ignored when it was ignored at entry (as ctrwatch starts it), and SIGTERM stops it" {
	local p
	(trap '' INT; exec cgtap -v --hierarchy cpuset >"$T/got" 2>"$T/err") &
	p=$!
	PIDS+=("$p")
	until_true 30 grep -q 'attached to' "$T/err" || fail "cgtap did not attach: $(cat "$T/err")"
	kill -INT "$p"
	mkdir "$CG/after-int"
	until_true 10 grep -q "\"path\":\"/${CG##*/}/after-int\"" "$T/got" || fail "SIGINT stopped cgtap"
	kill -TERM "$p"
	until_true 10 gone "$p" || fail "cgtap still runs 10 s after SIGTERM"
	wait "$p"
}
