#!/usr/bin/env bats
# ctrenrich and rootless runtimes: a container in a user's slice (user@<uid>.service in its
# cgroup path) is asked of that user's sockets (/run/user/<uid>/...), found when its first record
# comes. A real rootless Podman service, run by a user this suite makes, for the real answer; the
# fake runtime (tests/fake/runtime.py) on a user's socket path for discovery and its limits.
#
# What this machine cannot give: cgroup v2 delegation (no systemd), so a rootless container makes
# no cgroup and cgtap sees nothing of it; records carrying a user-slice path and the real
# container's id stand in for ctrdetect's output.

load lib/common

PY=/usr/bin/python3
FAKE=$ROOT/tests/fake/runtime.py
RTFIX=$FIX/ctrenrich/runtime
PM_PLAIN=1898fdaef7555406ae53ec8146ddfcdeefbb373c83b4d47557a766f7a26c3ca5

setup() {
	T=$BATS_TEST_TMPDIR
	# A uid no one has, for the fake's tests: ctrenrich goes by the socket's owner only.
	FUID=$((3000000000 + $$ % 1000000))
	FRUN=/run/user/$FUID
}

teardown() {
	local p pids
	for p in "$T"/*.pid; do
		[ -e "$p" ] || continue
		mapfile -t pids < <(tree_pids "$(cat "$p")")
		end_pids "$(cat "$p")" "${pids[@]}" >/dev/null 2>&1 || true
	done
	[ -z "${RUSER:-}" ] || user_remove
	[ -z "${RDIR:-}" ] || rm -rf "$RDIR"
	[ ! -e "$T/frun" ] || rm -rf "$FRUN"
	[ ! -e "$T/fruns" ] || xargs rm -rf <"$T/fruns"
}

# upath UID ID: the cgroup path of a rootless Podman container of user UID (cgroup v2, systemd).
upath() {
	printf '/user.slice/user-%s.slice/user@%s.service/user.slice/libpod-%s.scope' "$1" "$1" "$2"
}

# urec EVENT RUNTIME UID ID [TS]: a container record in user UID's slice.
urec() {
	printf '{"event":"%s","ts":%s,"cgroup_id":7,"hierarchy_id":0,"path":"%s","runtime":"%s","container_id":"%s","ctime":5}\n' \
		"$1" "${5:-1}" "$(upath "$3" "$4")" "$2" "$4"
}

# field N KEY: KEY of output line N (1-based), as jq -r prints it.
field() {
	sed -n "${1}p" <<<"$output" | jq -r ".$2"
}

# ---------------------------------------------------------------- a real rootless Podman

# user_make: an unprivileged user of this test (RUSER, RUID), its home in RDIR (a directory the
# user can reach: bats' own are root's alone), its runtime directory /run/user/RUID made as logind
# would (there is no logind here).
user_make() {
	RDIR=$(mktemp -d)
	chmod 755 "$RDIR"
	RUSER=ctrwrl$$
	useradd -M -d "$RDIR/home" -s /bin/sh -K UID_MIN=60000 -K UID_MAX=64999 "$RUSER" ||
		fail "cannot add user $RUSER"
	RUID=$(id -u "$RUSER")
	mkdir -p "$RDIR/home" "/run/user/$RUID"
	chown "$RUSER:" "$RDIR/home" "/run/user/$RUID"
	chmod 700 "/run/user/$RUID"
	cat >"$RDIR/pm" <<-EOF
		#!/bin/sh
		export HOME=$RDIR/home XDG_RUNTIME_DIR=/run/user/$RUID
		cd "\$HOME" || exit 1
		exec podman "\$@"
	EOF
	chmod 755 "$RDIR/pm"
}

# upm ARGS...: podman as the test's user (rootless), bounded.
upm() {
	timeout 120 runuser -u "$RUSER" -- "$RDIR/pm" "$@"
}

# user_remove: the user's processes (its Podman service and the pause process rootless Podman
# leaves), the user and its runtime directory.
user_remove() {
	local pids
	mapfile -t pids < <(pgrep -u "$RUID" || true)
	[ "${#pids[@]}" -eq 0 ] || end_pids "${pids[@]}" >/dev/null 2>&1 || true
	userdel "$RUSER" 2>/dev/null || true
	rm -rf "/run/user/$RUID"
	RUSER=
}

# service_start: the user's Podman API service on /run/user/RUID/podman/podman.sock.
service_start() {
	local sock=/run/user/$RUID/podman/podman.sock
	runuser -u "$RUSER" -- mkdir -p "/run/user/$RUID/podman"
	(runuser -u "$RUSER" -- "$RDIR/pm" system service --time=0 "unix://$sock" \
		>"$T/service.log" 2>&1 3>&- &
	echo $! >"$T/service.pid")
	for _ in $(seq 200); do
		curl -sf --max-time 1 --unix-socket "$sock" http://d/_ping >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	cat "$T/service.log" >&2
	fail "the rootless Podman service did not answer on $sock"
}

@test "a container in a user's slice is asked of that user's real rootless Podman socket" {
	require_root
	require_cmd podman
	require_cmd runuser
	user_make
	rt-image "$RDIR/img.tar" ctrwatch-test:1 sleep 1000 >/dev/null
	chmod 644 "$RDIR/img.tar"
	upm load -q -i "$RDIR/img.tar" >/dev/null
	id=$(upm create --name "rootless$$" ctrwatch-test:1)
	[[ $id =~ ^[0-9a-f]{64}$ ]] || fail "podman create said: $id"
	service_start
	{
		urec container_create podman "$RUID" "$id" 1
		urec container_create docker "$RUID" "$id" 2
		urec container_create unknown "$RUID" "$id" 3
	} >"$T/in"
	run --separate-stderr ctrenrich -vv "$T/in"
	assert_success
	grep -qF "podman ${id:0:12}: from the event log" <<<"$stderr" || fail "stderr: $stderr"
	assert_equal "$(field 1 container_name)" "rootless$$"
	assert_equal "$(field 1 container_image)" docker.io/library/ctrwatch-test:1
	[[ $(field 1 container_image_digest) == sha256:* ]]
	assert_equal "$(field 1 enrich_error)" null
	# no rootless dockerd for this user: said, with whose
	assert_equal "$(field 2 enrich_error)" "no socket for docker of user $RUID"
	# runtime unknown: only the user's runtimes are asked, and Podman knew it
	assert_equal "$(field 3 runtime)" podman
	assert_equal "$(field 3 container_name)" "rootless$$"
	grep -qF "podman of user $RUID: found /run/user/$RUID/podman/podman.sock" <<<"$stderr" ||
		fail "stderr: $stderr"
	# that user's own event log (rootless Podman's default, events_logger "file") answered
	grep -qF "podman of user $RUID: creates looked up first in the event log /run/user/$RUID/libpod/tmp/events/events.log" <<<"$stderr" ||
		fail "stderr: $stderr"
}

# ---------------------------------------------------------------- discovery, on a fake

# fake_user [ARGS...]: the fake runtime as user FUID's Podman socket, owned by FUID.
fake_user() {
	local sock=$FRUN/podman/podman.sock
	mkdir -p "$FRUN/podman"
	touch "$T/frun"
	("$PY" "$FAKE" "$sock" --root "$RTFIX" --log "$T/fake.log" "$@" >"$T/fake.out" 2>&1 3>&- 4>&- &
	echo $! >"$T/fake.pid")
	for _ in $(seq 100); do
		curl -sf --max-time 1 --unix-socket "$sock" http://x/_stats >/dev/null 2>&1 && break
		sleep 0.05
	done
	[ -S "$sock" ] || fail "fake runtime did not start: $(cat "$T/fake.out")"
}

# enrich_start ARGS...: ctrenrich reading records written to fd 4 (enrich_send), writing $T/out.
enrich_start() {
	mkfifo "$T/fifo"
	(ctrenrich "$@" <"$T/fifo" >"$T/out" 2>"$T/err" 3>&- &
	echo $! >"$T/enrich.pid")
	exec 4>"$T/fifo"
}

# enrich_send RECORD: write it, and wait (bounded) until its line is out; $output is all so far.
enrich_send() {
	local n
	n=$(($(wc -l <"$T/out") + 1))
	printf '%s\n' "$1" >&4
	for _ in $(seq 200); do
		[ "$(wc -l <"$T/out")" -ge "$n" ] && break
		sleep 0.05
	done
	output=$(cat "$T/out")
	[ "$(wc -l <<<"$output")" -ge "$n" ] || fail "record $n did not come out: $(cat "$T/err")"
}

# enrich_end: close its input; it exits (bounded).
enrich_end() {
	local pid
	pid=$(cat "$T/enrich.pid")
	exec 4>&-
	for _ in $(seq 200); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	! kill -0 "$pid" 2>/dev/null || fail "ctrenrich still runs 10 s after its input closed"
	rm "$T/enrich.pid"
	output=$(cat "$T/out")
}

@test "a user's socket owned by someone else is not used" {
	require_root
	fake_user # owned by root
	urec container_create podman "$FUID" "$PM_PLAIN" >"$T/in"
	run --separate-stderr ctrenrich "$T/in"
	assert_success
	assert_equal "$(field 1 enrich_error)" "no socket for podman of user $FUID"
	[ ! -s "$T/fake.log" ]
}

@test "a user's socket that root may not open without CAP_DAC_OVERRIDE: said so" {
	require_root
	require_cmd setpriv
	fake_user
	chown "$FUID" "$FRUN/podman/podman.sock"
	chmod 600 "$FRUN/podman/podman.sock" # as rootless Podman makes it
	urec container_create podman "$FUID" "$PM_PLAIN" >"$T/in"
	# what ctrwatch.service bounds the pipeline to: CAP_BPF and CAP_PERFMON
	run --separate-stderr setpriv --bounding-set -all,+bpf,+perfmon ctrenrich "$T/in"
	assert_success
	assert_equal "$(field 1 enrich_error)" "permission denied connecting to podman of user $FUID (needs CAP_DAC_OVERRIDE)"
	run --separate-stderr setpriv --bounding-set -all,+bpf,+perfmon,+dac_override ctrenrich "$T/in"
	assert_success
	assert_equal "$(field 1 container_name)" rtref-pm-plain
}

@test "a user whose socket appears later is asked once it is there" {
	require_root
	enrich_start
	enrich_send "$(urec container_create podman "$FUID" "$PM_PLAIN" 1)"
	assert_equal "$(field 1 enrich_error)" "no socket for podman of user $FUID"
	fake_user
	chown "$FUID" "$FRUN/podman/podman.sock"
	# Looked for again at most once a second: records until one is answered, bounded.
	for n in $(seq 2 60); do
		enrich_send "$(urec container_create podman "$FUID" "$PM_PLAIN" "$n")"
		[ "$(field "$n" enrich_error)" = null ] && break
		sleep 0.1
	done
	enrich_end
	last=$(wc -l <<<"$output")
	[ "$last" -lt 60 ] || fail "never found the user's socket: $(tail -1 <<<"$output")"
	assert_equal "$(field "$last" container_name)" rtref-pm-plain
	grep -q "GET .*/libpod/containers/$PM_PLAIN/json" "$T/fake.log"
}

@test "a host record is not asked of a user's socket, nor a user's record of the host's" {
	require_root
	fake_user
	chown "$FUID" "$FRUN/podman/podman.sock"
	{
		printf '{"event":"container_create","ts":1,"cgroup_id":7,"path":"/machine.slice/libpod-%s.scope","runtime":"podman","container_id":"%s","ctime":5}\n' "$PM_PLAIN" "$PM_PLAIN"
		urec container_create podman $((FUID + 1)) "$PM_PLAIN" 2
	} >"$T/in"
	run --separate-stderr ctrenrich --no-discover --socket "podman=$T/none.sock" "$T/in"
	assert_success
	[[ $(field 1 enrich_error) == "no socket for podman"* ]]
	assert_equal "$(field 2 enrich_error)" "no socket for podman of user $((FUID + 1)): not looked for (--no-discover)"
	[ ! -s "$T/fake.log" ]
}

# fake_users N ARGS...: one fake runtime on the Podman sockets of users FUID+1 .. FUID+N, each
# owned by its user (ARGS: the fake's options).
fake_users() {
	local n=$1 u also=()
	shift
	for u in $(seq 2 "$n"); do
		mkdir -p "/run/user/$((FUID + u))/podman"
		also+=(--also "/run/user/$((FUID + u))/podman/podman.sock")
	done
	FRUN=/run/user/$((FUID + 1))
	fake_user "${also[@]}" "$@"
	for u in $(seq 1 "$n"); do
		echo "/run/user/$((FUID + u))" >>"$T/fruns"
		chown "$((FUID + u))" "/run/user/$((FUID + u))/podman/podman.sock"
	done
}

@test "more users at once than places: the rest wait for room; an idle place makes room for the next" {
	require_root
	fake_user
	chown "$FUID" "$FRUN/podman/podman.sock"
	# 20 users' records read in one go: 15 places besides the host's; as records are done, their
	# places make room for the 5 that waited
	for u in $(seq 1 20); do urec container_create podman $((FUID + u)) "$PM_PLAIN" "$u"; done >"$T/in"
	run --separate-stderr ctrenrich "$T/in"
	assert_success
	for u in $(seq 1 20); do
		assert_equal "$(field "$u" enrich_error)" "no socket for podman of user $((FUID + u))"
	done
	# one at a time, every place is idle when the next comes: the least recently used makes room
	enrich_start
	for u in $(seq 1 20); do
		enrich_send "$(urec container_create podman $((FUID + u)) "$PM_PLAIN" "$u")"
		assert_equal "$(field "$u" enrich_error)" "no socket for podman of user $((FUID + u))"
	done
	enrich_send "$(urec container_create podman "$FUID" "$PM_PLAIN" 21)"
	enrich_end
	assert_equal "$(field 21 enrich_error)" null
	assert_equal "$(field 21 container_name)" rtref-pm-plain
}

@test "more users at once than places: a record waits for room until its deadline, then says so" {
	require_root
	# 15 users whose Podman answers after 300 ms hold every place; 5 more users' records wait
	fake_users 15 --root "$RTFIX" --delay 300
	for u in $(seq 1 20); do urec container_create podman $((FUID + u)) "$PM_PLAIN" "$u"; done >"$T/in"
	run --separate-stderr ctrenrich -t 10s "$T/in"
	assert_success
	for u in $(seq 1 15); do
		assert_equal "$(field "$u" container_name)" rtref-pm-plain
	done
	for u in $(seq 16 20); do
		assert_equal "$(field "$u" enrich_error)" "no socket for podman of user $((FUID + u))"
	done
	# a Podman that never answers holds them past the deadline: the 5 say why they were not asked
	end_pids "$(cat "$T/fake.pid")" >/dev/null 2>&1
	rm -f "$T/fake.pid"
	fake_users 15 --mode hang
	run --separate-stderr ctrenrich -t 1s "$T/in"
	assert_success
	for u in $(seq 1 15); do assert_equal "$(field "$u" enrich_error)" timeout; done
	for u in $(seq 16 20); do
		assert_equal "$(field "$u" enrich_error)" "no room for the runtimes of one more place (16)"
	done
}
