#!/usr/bin/env bats
# cgtap: cgroup mkdir/rmdir from the kernel. Most tests need root and a BPF-capable kernel;
# each makes cgroups only under /ctrwatch-test-<pid>-<test> and removes them in teardown.

load lib/common

HELPERS=${BIN%/bin}/helpers

setup() {
	T=ctrwatch-test-$$-$BATS_TEST_NUMBER
	MADE=()
	CGTAP_PID=
	CGTAP_JOIN=() # cgroup.procs files cgtap's process joins before it starts
	CGTAP_VIA=()  # a command that runs cgtap, such as unshare -C
	OUT=$BATS_TEST_TMPDIR/out
	ERR=$BATS_TEST_TMPDIR/err
}

teardown() {
	if [ -n "$CGTAP_PID" ]; then
		kill -CONT "$CGTAP_PID" 2>/dev/null || true
		kill -TERM "$CGTAP_PID" 2>/dev/null || true
		wait_pid "$CGTAP_PID" 2>/dev/null || true
	fi
	local d
	# Deepest first: find -delete works fd-relative, so paths past PATH_MAX go too. A parent can
	# be busy for a while after its children went (the kernel frees them asynchronously).
	for d in "${MADE[@]}"; do
		for _ in $(seq 50); do
			[ -d "$d" ] || break
			find "$d" -depth -type d -delete 2>/dev/null || sleep 0.2
		done
		[ ! -d "$d" ] || echo "# teardown: could not remove $d" >&3
	done
	return 0
}

# The mount point of a v1 controller's hierarchy, or of cgroup2 for "unified".
cg_mount() {
	if [ "$1" = unified ]; then
		findmnt -rn -t cgroup2 -o TARGET | head -1
	else
		findmnt -rn -t cgroup -o TARGET,OPTIONS |
			awk -v c="$1" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) { print $1; exit } }'
	fi
}

# The hierarchy id of a v1 controller (or name=X) from /proc/self/cgroup; 0 for unified.
cg_hier() {
	if [ "$1" = unified ]; then echo 0; return; fi
	awk -F: -v c="$1" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $1 }' /proc/self/cgroup
}

# mkdir under a mount, remembered for teardown.
cg_mkdir() {
	mkdir "$@"
	local d
	for d in "$@"; do MADE+=("$d"); done
}

# Start cgtap in the background (stdout $OUT, stderr $ERR) and wait until it has attached.
# SIGINT as a terminal's foreground job has it: a script's background job starts with SIGINT
# ignored, and cgtap keeps a stop signal that was ignored at entry ignored.
start_cgtap() {
	rm -f "$OUT" "$ERR" # a second start must not see the first one's "attached"
	(
		trap - INT
		for p in "${CGTAP_JOIN[@]}"; do echo "$BASHPID" >"$p"; done
		exec "${CGTAP_VIA[@]}" cgtap -v "$@"
	) >"$OUT" 2>"$ERR" 3>&- &
	CGTAP_PID=$!
	local i
	for i in $(seq 200); do
		grep -q 'attached to' "$ERR" && return 0
		kill -0 "$CGTAP_PID" 2>/dev/null || break
		sleep 0.05
	done
	cat "$ERR" >&2
	fail "cgtap did not attach"
}

# Send a signal (TERM by default) to cgtap and wait; its exit status lands in $status.
stop_cgtap() {
	kill -"${1:-TERM}" "$CGTAP_PID"
	status=0
	wait_pid "$CGTAP_PID" || status=$?
	CGTAP_PID=
	output=$(cat "$ERR") # what assert_success shows when it fails
}

# The bytes of stdin as lowercase hex, one line.
hex() { od -An -v -tx1 | tr -d ' \n'; }

# The exact bytes of a record's path: path_hex when present, else the decoded path.
path_bytes_hex() {
	local rec=$1
	if jq -e 'has("path_hex")' <<<"$rec" >/dev/null; then
		jq -r .path_hex <<<"$rec"
	else
		jq -j .path <<<"$rec" | hex
	fi
}

# Wait until $OUT holds at least $1 lines matching $2 (or 20 s pass).
wait_lines() {
	local i
	for i in $(seq 400); do
		[ "$(grep -cF -- "$2" "$OUT")" -ge "$1" ] && return 0
		sleep 0.05
	done
	return 0
}

@test "--help prints the usage on stdout and exits 0" {
	run --separate-stderr cgtap --help
	assert_success
	assert_output --partial "Usage: cgtap"
	assert_output --partial "--ringbuf-size"
	assert_equal "$stderr" ""
}

@test "--version prints the version and exits 0" {
	run cgtap --version
	assert_success
	assert_output --regexp '^cgtap \(ctrwatch\) [0-9]'
}

@test "an unknown option or a bad value is a usage error with status 2" {
	run cgtap --frobnicate
	assert_failure 2
	run cgtap --ringbuf-size 5000
	assert_failure 2
	assert_output --partial "power of two"
	run cgtap --count zero
	assert_failure 2
	run cgtap --cgroupfs /sys/fs/cgroup
	assert_failure 2
	assert_output --partial "only used with --scan"
}

@test "an unknown --hierarchy names the problem and exits 2" {
	require_root
	run --separate-stderr timeout 30 cgtap --hierarchy no-such-controller
	assert_failure 2
	assert_equal "$output" ""
	[[ $stderr == *"no cgroup hierarchy 'no-such-controller'"* ]]
}

# Make /$T and /$T/child under controller $1's mount with known pids, remove them, and check
# every field of the four records.
check_mkdir_rmdir() {
	local ctl=$1 mnt hid t0 t1 ino cino pid1 pid2 pid3 pid4 rec
	mnt=$(cg_mount "$ctl")
	hid=$(cg_hier "$ctl")
	[ -n "$mnt" ] && [ -n "$hid" ] || fail "no $ctl hierarchy"
	start_cgtap --hierarchy "$ctl"
	MADE+=("$mnt/$T")
	t0=$(date +%s%N)
	bash -c 'echo $$ >"$1"; exec mkdir "$2"' _ "$BATS_TEST_TMPDIR/p1" "$mnt/$T"
	bash -c 'echo $$ >"$1"; exec mkdir "$2"' _ "$BATS_TEST_TMPDIR/p2" "$mnt/$T/child"
	ino=$(stat -c %i "$mnt/$T")
	cino=$(stat -c %i "$mnt/$T/child")
	bash -c 'echo $$ >"$1"; exec rmdir "$2"' _ "$BATS_TEST_TMPDIR/p3" "$mnt/$T/child"
	bash -c 'echo $$ >"$1"; exec rmdir "$2"' _ "$BATS_TEST_TMPDIR/p4" "$mnt/$T"
	t1=$(date +%s%N)
	read -r pid1 <"$BATS_TEST_TMPDIR/p1"
	read -r pid2 <"$BATS_TEST_TMPDIR/p2"
	read -r pid3 <"$BATS_TEST_TMPDIR/p3"
	read -r pid4 <"$BATS_TEST_TMPDIR/p4"
	wait_lines 4 "\"/$T"
	stop_cgtap
	assert_success
	run grep -F "\"/$T" "$OUT"
	assert_all_json
	[ "${#lines[@]}" -eq 4 ] || fail "expected 4 records, got: $output"

	rec=${lines[0]}
	jq -e --argjson id "$ino" --argjson h "$hid" --argjson pid "$pid1" --arg p "/$T" \
		--argjson t0 "$t0" --argjson t1 "$t1" '
		.event == "cgroup_mkdir" and .cgroup_id == $id and .hierarchy_id == $h and
		.level == 1 and .path == $p and .pid == $pid and .comm == "mkdir" and
		.ts >= $t0 - 1e9 and .ts <= $t1 + 1e9 and (has("path_truncated") | not)' <<<"$rec" ||
		fail "wrong mkdir record: $rec (inode $ino, hierarchy $hid, pid $pid1)"
	[ "$(jq -r 'keys_unsorted | join(",")' <<<"$rec")" = event,ts,cgroup_id,hierarchy_id,level,path,pid,comm ] ||
		fail "fields out of order: $rec"
	jq -e --argjson id "$cino" --argjson pid "$pid2" --arg p "/$T/child" --argjson h "$hid" '
		.event == "cgroup_mkdir" and .cgroup_id == $id and .level == 2 and .path == $p and
		.pid == $pid and .hierarchy_id == $h' <<<"${lines[1]}" || fail "wrong child mkdir: ${lines[1]}"
	jq -e --argjson id "$cino" --argjson pid "$pid3" --arg p "/$T/child" '
		.event == "cgroup_rmdir" and .cgroup_id == $id and .level == 2 and .path == $p and
		.pid == $pid and .comm == "rmdir"' <<<"${lines[2]}" || fail "wrong child rmdir: ${lines[2]}"
	jq -e --argjson id "$ino" --argjson pid "$pid4" --arg p "/$T" --argjson t0 "$t0" --argjson t1 "$t1" '
		.event == "cgroup_rmdir" and .cgroup_id == $id and .level == 1 and .path == $p and
		.pid == $pid and .comm == "rmdir" and .ts >= $t0 - 1e9 and .ts <= $t1 + 1e9' <<<"${lines[3]}" ||
		fail "wrong rmdir: ${lines[3]}"
}

@test "mkdir and rmdir under cgroup2 give records with every field right" {
	require_root
	check_mkdir_rmdir unified
}

@test "mkdir and rmdir under a cgroup v1 controller (memory) give records with every field right" {
	require_root
	[ -n "$(cg_mount memory)" ] || skip "no cgroup v1 memory hierarchy on this host"
	check_mkdir_rmdir memory
}

# Every cgroup mount point of the host, one a hierarchy.
all_mounts() {
	findmnt -rn -t cgroup,cgroup2 -o TARGET
}

@test "--hierarchy auto reports a directory made in every hierarchy once, from the cpuset hierarchy" {
	require_root
	local hid m n
	hid=$(cg_hier cpuset)
	[ -n "$hid" ] || hid=0
	start_cgtap
	n=0
	while read -r m; do cg_mkdir "$m/$T"; n=$((n + 1)); done < <(all_mounts)
	[ "$n" -gt 1 ] || skip "a single hierarchy here"
	sleep 0.3
	stop_cgtap
	assert_success
	run grep -F "\"path\":\"/$T\"" "$OUT"
	[ "${#lines[@]}" -eq 1 ] || fail "expected one record, got: $output"
	jq -e --argjson h "$hid" '.hierarchy_id == $h and .event == "cgroup_mkdir"' <<<"$output"
	grep -q 'holds cpuset' "$ERR" || grep -q 'pure cgroup v2' "$ERR"
}

@test "--hierarchy all reports a directory made in every hierarchy once per hierarchy" {
	require_root
	local m n want got
	start_cgtap --hierarchy all
	n=0
	while read -r m; do cg_mkdir "$m/$T"; n=$((n + 1)); done < <(all_mounts)
	wait_lines "$n" "\"path\":\"/$T\""
	sleep 0.2
	stop_cgtap
	assert_success
	run grep -F "\"path\":\"/$T\"" "$OUT"
	[ "${#lines[@]}" -eq "$n" ] || fail "expected $n records, got: $output"
	want=$(cut -d: -f1 /proc/self/cgroup | sort -n | tr '\n' ' ')
	got=$(jq -r .hierarchy_id <<<"$output" | sort -n | tr '\n' ' ')
	assert_equal "$got" "$want"
}

@test "names with spaces, quotes, backslashes, control bytes, invalid UTF-8 and 255 bytes round-trip" {
	require_root
	local mnt name rec ino got want long deep=() i
	mnt=$(cg_mount unified)
	long=$(printf 'n%.0s' $(seq 255))
	local names=(
		'with space' 'dq"uote' "sq'uote" 'back\slash' $'tab\there' $'ctl\001\002\033\037\177x'
		$'bad\xff\xfeutf8' $'half\xc3' $'\xc3\x28lone' 'ünïcødé ✓ 名前' "$long" '--dash' '\u0041'
	)
	start_cgtap --hierarchy unified
	cg_mkdir "$mnt/$T"
	for name in "${names[@]}"; do mkdir "$mnt/$T/$name"; done
	# A path past 1,000 bytes: four 250-byte levels.
	local d=$mnt/$T
	for i in 1 2 3 4; do
		d=$d/$(printf "$i%.0s" $(seq 250))
		mkdir "$d"
	done
	wait_lines $((${#names[@]} + 5)) "\"/$T"
	sleep 0.2
	stop_cgtap
	assert_success
	run grep -F "\"/$T" "$OUT"
	assert_all_json
	for name in "${names[@]}" "$(dirname "${d#"$mnt"/"$T"/}")" "${d#"$mnt"/"$T"/}"; do
		ino=$(stat -c %i "$mnt/$T/$name")
		rec=$(jq -c --argjson id "$ino" 'select(.event == "cgroup_mkdir" and .cgroup_id == $id)' <<<"$output")
		[ -n "$rec" ] || fail "no record for $(printf %q "$name")"
		got=$(path_bytes_hex "$rec")
		want=$(printf '%s' "/$T/$name" | hex)
		assert_equal "$got" "$want"
		jq -e 'has("path_truncated") | not' <<<"$rec" >/dev/null || fail "flagged truncated: $rec"
		if printf '%s' "$name" | iconv -f UTF-8 -t UTF-8 >/dev/null 2>&1; then
			jq -e 'has("path_hex") | not' <<<"$rec" >/dev/null || fail "path_hex on valid UTF-8: $rec"
		else
			jq -e 'has("path_hex") and (.path | contains("\ufffd"))' <<<"$rec" >/dev/null ||
				fail "invalid UTF-8 without path_hex: $rec"
		fi
	done
	rec=$(jq -c --argjson id "$(stat -c %i "$d")" 'select(.cgroup_id == $id)' <<<"$output")
	[ "$(jq -r '.path | length' <<<"$rec")" -gt 1000 ]
	jq -e '.level == 5' <<<"$rec"
}

@test "a path longer than the 4096-byte buffer is flagged path_truncated and keeps its last components" {
	require_root
	local mnt name rec full ino
	mnt=$(cg_mount unified)
	name=$(printf 'x%.0s' $(seq 255))
	start_cgtap --hierarchy unified
	cg_mkdir "$mnt/$T"
	"$HELPERS/cgchurn" deep "$mnt/$T" "$name" 17
	wait_lines 17 "$name\""
	sleep 0.2
	stop_cgtap
	assert_success
	run grep -F "$name\"" "$OUT"
	assert_all_json
	[ "${#lines[@]}" -eq 17 ] || fail "expected 17 records, got ${#lines[@]}"
	full=/$T
	for i in $(seq 0 16); do
		full=$full/$name
		rec=${lines[$i]}
		jq -e --argjson l $((i + 2)) '.level == $l' <<<"$rec" >/dev/null || fail "level: $rec"
		if [ ${#full} -le 4096 ]; then
			jq -e --arg p "$full" '.path == $p and (has("path_truncated") | not)' <<<"$rec" >/dev/null ||
				fail "level $((i + 2)) (${#full} bytes) not exact"
		else
			jq -e --arg p "$full" '.path_truncated == true and (.path | length) <= 4096 and
				(.path | startswith("/")) and (.path as $q | $p | endswith($q))' <<<"$rec" >/dev/null ||
				fail "level $((i + 2)) (${#full} bytes) not flagged or not a suffix"
		fi
	done
	[ ${#full} -gt 4096 ]
}

@test "a cgroup more than 256 levels deep is flagged path_truncated, never silently cut" {
	require_root
	local mnt check
	mnt=$(cg_mount unified)
	start_cgtap --hierarchy unified
	cg_mkdir "$mnt/$T"
	"$HELPERS/cgchurn" deep "$mnt/$T" d 260
	wait_lines 260 '/d","pid"'
	sleep 0.2
	stop_cgtap
	assert_success
	# Levels 2..256 exact; 257..261 flagged, and a suffix of the real path.
	check='[ .[] | select(.event == "cgroup_mkdir" and (.path | endswith("/d")) and
		((.path | startswith($t + "/")) or .path_truncated == true)) ]
		| map(("/d" * (.level - 1)) as $tail | ($t + $tail) as $full |
			select(if .level <= 256 then .path != $full or has("path_truncated")
			else .path_truncated != true or (.path as $p | $full | endswith($p) | not) end))'
	run jq -sc --arg t "/$T" "$check" "$OUT"
	assert_output '[]'
	run jq -sc --arg t "/$T" '[ .[] | select(.event == "cgroup_mkdir" and (.path | endswith("/d")) and
		((.path | startswith($t + "/")) or .path_truncated == true)) | .level ] | sort' "$OUT"
	assert_output "[$(seq -s, 2 261)]"
}

@test "--scan lists the cgroups that exist with inode, level and ctime" {
	require_root
	local mnt d rec
	mnt=$(cg_mount unified)
	cg_mkdir "$mnt/$T"
	mkdir -p "$mnt/$T/a/b"
	run --separate-stderr timeout 30 cgtap --scan --hierarchy unified --duration 200ms
	assert_success
	assert_all_json
	jq -se 'map(select(.path == "/")) | length == 1 and .[0].level == 0 and
		.[0].event == "cgroup_exists"' <<<"$output"
	for d in "" /a /a/b; do
		rec=$(jq -c --arg p "/$T$d" 'select(.path == $p)' <<<"$output")
		[ -n "$rec" ] || fail "no record for /$T$d"
		jq -e --argjson id "$(stat -c %i "$mnt/$T$d")" --argjson l $(( $(tr -cd / <<<"$T$d" | wc -c) + 1 )) \
			--argjson ct "$(stat -c %.9Z "$mnt/$T$d" | tr -d .)" '
			.event == "cgroup_exists" and .cgroup_id == $id and .hierarchy_id == 0 and
			.level == $l and .pid == 0 and .comm == "" and .ctime == $ct' <<<"$rec" ||
			fail "wrong record: $rec"
		[ "$(jq -r 'keys_unsorted | join(",")' <<<"$rec")" = event,ts,cgroup_id,hierarchy_id,level,path,pid,comm,ctime ]
	done
}

@test "--scan misses no cgroup made while it starts and walks" {
	require_root
	local mnt i made=0 missing=0 n
	mnt=$(cg_mount unified)
	cg_mkdir "$mnt/$T"
	# Enough siblings that the walk takes a while, and a maker running all through it.
	"$HELPERS/cgchurn" deep "$mnt/$T" pre 1
	mkdir "$mnt/$T/pre/p"{1..300}
	(
		i=0
		while [ ! -e "$BATS_TEST_TMPDIR/stop" ]; do
			mkdir "$mnt/$T/live-$i" && i=$((i + 1))
		done
	) 3>&- &
	local maker=$!
	sleep 0.1
	start_cgtap --scan --hierarchy unified
	for i in $(seq 200); do grep -q 'scan of hierarchy 0 done' "$ERR" && break; sleep 0.05; done
	sleep 0.2
	touch "$BATS_TEST_TMPDIR/stop"
	wait_pid "$maker"
	sleep 0.3
	stop_cgtap
	assert_success
	n=$(find "$mnt/$T" -maxdepth 1 -name 'live-*' | wc -l)
	[ "$n" -gt 10 ] || fail "only $n made"
	for i in $(seq 0 $((n - 1))); do
		grep -qE "\"event\":\"cgroup_(exists|mkdir)\".*\"path\":\"/$T/live-$i\"" "$OUT" ||
			missing=$((missing + 1))
	done
	[ "$missing" -eq 0 ] || fail "$missing of $n cgroups made during the scan were missed"
	# The window was really crossed: some were found by the walk, some seen live.
	grep -q "\"cgroup_exists\".*/$T/live-" "$OUT"
	grep -q "\"cgroup_mkdir\".*/$T/live-" "$OUT"
	[ "$(grep -c "\"cgroup_exists\".*/$T/pre/p" "$OUT")" -eq 300 ]
}

# The cgroup_exists records under /$T of $1 (NDJSON), as "cgroup_id level path" lines, sorted.
exists_under_t() {
	jq -r --arg t "/$T" 'select(.event == "cgroup_exists" and (.path == $t or
		(.path | startswith($t + "/")))) | "\(.cgroup_id) \(.level) \(.path)"' "$1" | sort
}

# cgtap --scan in a cgroup namespace of its own rooted at /$T/ns of controller $1 (as containerd
# starts a container on a cgroup v2 node): scan and live records carry the paths, levels and ids
# that cgtap run outside the namespace gives, from the hierarchy's root.
check_cgroupns() {
	local ctl=$1 mnt hid want
	require_cmd unshare
	mnt=$(cg_mount "$ctl")
	hid=$(cg_hier "$ctl")
	[ -n "$mnt" ] && [ -n "$hid" ] || fail "no $ctl hierarchy"
	cg_mkdir "$mnt/$T"
	mkdir -p "$mnt/$T/ns/inner" "$mnt/$T/sib"
	# What cgtap outside the namespace sees
	timeout 30 cgtap --scan --hierarchy "$ctl" --duration 0 >"$BATS_TEST_TMPDIR/outside" ||
		fail "cgtap --scan outside the namespace failed"
	want=$(exists_under_t "$BATS_TEST_TMPDIR/outside")
	[ "$(wc -l <<<"$want")" -eq 4 ] || fail "outside: $want"

	CGTAP_JOIN=("$mnt/$T/ns/cgroup.procs")
	CGTAP_VIA=(unshare -C)
	start_cgtap --scan --hierarchy "$ctl"
	# It really runs in a namespace of its own, rooted at /$T/ns
	[ "$(readlink "/proc/$CGTAP_PID/ns/cgroup")" != "$(readlink /proc/self/ns/cgroup)" ] ||
		fail "cgtap is in this test's cgroup namespace"
	grep -q "^$hid:[^:]*:/$T/ns\$" "/proc/$CGTAP_PID/cgroup" || fail "cgtap is not in /$T/ns"
	local i
	for i in $(seq 200); do grep -q "scan of hierarchy $hid done" "$ERR" && break; sleep 0.05; done
	mkdir "$mnt/$T/ns/live" "$mnt/$T/live2"
	wait_lines 2 "\"cgroup_mkdir\""
	stop_cgtap
	assert_success

	assert_equal "$(exists_under_t "$OUT")" "$want"
	jq -se --arg t "/$T" --argjson h "$hid" \
		--argjson id1 "$(stat -c %i "$mnt/$T/ns/live")" --argjson id2 "$(stat -c %i "$mnt/$T/live2")" '
		(map(select(.event == "cgroup_mkdir" and .hierarchy_id == $h and
			(.path | startswith($t + "/")))) |
			map([.cgroup_id, .level, .path]) == [[$id1, 3, $t + "/ns/live"], [$id2, 2, $t + "/live2"]]) and
		(map(select(.event == "cgroup_exists" and .path == "/")) | length == 1 and .[0].level == 0 and
			.[0].cgroup_id == 1) and
		(map(select(.path | startswith("/.."))) == [])' "$OUT" ||
		fail "wrong records in the namespace: $(cat "$OUT")"
}

@test "in a cgroup namespace of its own (cgroup2) cgtap's paths start at the hierarchy root, as outside" {
	require_root
	check_cgroupns unified
}

@test "in a cgroup namespace of its own (cgroup v1 memory) cgtap's paths start at the hierarchy root" {
	require_root
	[ -n "$(cg_mount memory)" ] || skip "no cgroup v1 memory hierarchy on this host"
	check_cgroupns memory
}

@test "a cgroupfs showing only part of its hierarchy, or --cgroupfs not at a root, is refused in one line" {
	require_root
	require_cmd unshare
	local mnt part=$BATS_TEST_TMPDIR/part
	mnt=$(cg_mount unified)
	cg_mkdir "$mnt/$T"
	mkdir "$mnt/$T/ns" "$part"
	# In a cgroup namespace rooted at /$T/ns, with a fresh cgroup2 mount (that shows /$T/ns) and
	# no other: where /$T/ns is in the hierarchy cannot be seen from inside.
	run --separate-stderr timeout 30 bash -c '
		echo $$ >"$1/cgroup.procs"
		exec unshare -C -m --propagation private bash -c "
			findmnt -rn -t cgroup2 -o TARGET | while read -r t; do umount -l \"\$t\"; done
			mount -t cgroup2 none \"\$1\" && exec cgtap --scan --hierarchy unified --duration 0" _ "$2"
	' _ "$mnt/$T/ns" "$part"
	assert_failure 1
	assert_equal "$output" ""
	[[ $stderr == "cgtap: cgroupfs '$part' holds only part of hierarchy 0, from '/' of this cgroup namespace"*"--cgroupfs" ]] ||
		fail "wrong message: $stderr"
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
	# A sub-directory given as --cgroupfs would give paths from the wrong directory
	run --separate-stderr timeout 30 cgtap --scan --hierarchy unified --cgroupfs "$mnt/$T" --duration 0
	assert_failure 1
	assert_equal "$output" ""
	assert_equal "$stderr" "cgtap: '$mnt/$T' is not the root of its cgroup hierarchy: --cgroupfs takes the mount point of the whole hierarchy"
}

@test "a burst of 20,000 mkdir+rmdir reaches cgtap whole with the default ring buffer" {
	require_root
	local mnt mine lost rate
	mnt=$(cg_mount cpuset)
	[ -n "$mnt" ] || mnt=$(cg_mount unified)
	cg_mkdir "$mnt/$T"
	start_cgtap
	run "$HELPERS/cgchurn" burst "$mnt/$T" b 20000
	assert_success
	rate=$output
	wait_lines 40000 "\"/$T/b-"
	stop_cgtap
	assert_success
	mine=$(grep -cE "\"event\":\"cgroup_(mk|rm)dir\".*\"path\":\"/$T/b-" "$OUT")
	lost=$(jq -s 'map(select(.event == "lost") | .count) | add // 0' "$OUT")
	echo "# $rate; received $mine, lost $lost" >&3
	[ $((mine + lost)) -ge 40000 ] || fail "received $mine + lost $lost < 40000"
	assert_equal "$lost" 0
	assert_equal "$mine" 40000
}

@test "records that do not fit the ring buffer are counted in lost records" {
	require_root
	local mnt mine lost
	mnt=$(cg_mount unified)
	cg_mkdir "$mnt/$T"
	start_cgtap --hierarchy unified --ringbuf-size 4096
	kill -STOP "$CGTAP_PID" # nothing is read: the 4 KiB buffer fills
	"$HELPERS/cgchurn" burst "$mnt/$T" b 2000
	kill -CONT "$CGTAP_PID"
	sleep 0.5
	stop_cgtap
	assert_success
	run grep '"event":"lost"' "$OUT"
	assert_success
	assert_output --regexp '^\{"event":"lost","ts":[0-9]+,"count":[1-9][0-9]*\}$'
	mine=$(grep -cE "\"event\":\"cgroup_(mk|rm)dir\".*\"path\":\"/$T/b-" "$OUT")
	lost=$(jq -s 'map(select(.event == "lost") | .count) | add' "$OUT")
	# Other cgroups made on the host meanwhile may be among the lost, hence >=.
	[ "$mine" -lt 4000 ] && [ $((mine + lost)) -ge 4000 ] || fail "received $mine + lost $lost"
}

@test "SIGTERM and SIGINT flush the records and exit 0" {
	require_root
	local mnt sig
	mnt=$(cg_mount unified)
	for sig in TERM INT; do
		start_cgtap --hierarchy unified
		cg_mkdir "$mnt/$T-$sig"
		sleep 0.2
		stop_cgtap "$sig"
		assert_success
		grep -q "\"path\":\"/$T-$sig\"" "$OUT" || fail "record lost on SIG$sig"
	done
}

@test "cgtap | head -1 ends cgtap quietly, even when no further record comes" {
	require_root
	local mnt
	mnt=$(cg_mount unified)
	run timeout 20 bash -c 'set -o pipefail; cgtap --scan | head -1'
	assert_success
	[ "${#lines[@]}" -eq 1 ]
	bash -c 'set -o pipefail; cgtap -v --hierarchy unified 2>"$1" | head -1 >"$2"; echo $? >"$3"' \
		_ "$ERR" "$OUT" "$BATS_TEST_TMPDIR/rc" 3>&- &
	local pipe=$! i
	for i in $(seq 200); do grep -q 'attached to' "$ERR" && break; sleep 0.05; done
	cg_mkdir "$mnt/$T"
	for i in $(seq 100); do kill -0 "$pipe" 2>/dev/null || break; sleep 0.05; done
	! kill -0 "$pipe" 2>/dev/null || { kill "$pipe"; fail "cgtap still running after head left"; }
	assert_equal "$(cat "$BATS_TEST_TMPDIR/rc")" 0
	assert_equal "$(wc -l <"$OUT")" 1
}

@test "--count N exits after N records and --duration after the time" {
	require_root
	local m
	# Three cgroups at least in whichever hierarchy auto picks: the root, /$T and /$T/a (on a
	# fresh machine a hierarchy holds only its root: one record, and --count 3 would wait).
	while read -r m; do cg_mkdir "$m/$T" && mkdir "$m/$T/a"; done < <(all_mounts)
	run --separate-stderr timeout 30 cgtap --scan --count 3
	assert_success
	[ "${#lines[@]}" -eq 3 ]
	# --duration: it ends by itself (timeout's 124 fails assert_success), and not before the time
	SECONDS=0
	run --separate-stderr timeout 30 cgtap --hierarchy unified --duration 1s
	assert_success
	[ "$SECONDS" -ge 1 ]
}

@test "after attaching cgtap holds no capability and has no_new_privs" {
	require_root
	start_cgtap --scan
	sleep 0.3
	run grep -E '^(CapEff|CapPrm|NoNewPrivs):' "/proc/$CGTAP_PID/status"
	assert_line --regexp '^CapEff:[[:space:]]+0+$'
	assert_line --regexp '^CapPrm:[[:space:]]+0+$'
	assert_line --regexp '^NoNewPrivs:[[:space:]]+1$'
	stop_cgtap
	assert_success
}

@test "-v says which hierarchy was chosen and why, on stderr only" {
	require_root
	run --separate-stderr timeout 30 cgtap -v --duration 1ms
	assert_success
	assert_equal "$output" ""
	[[ $stderr == *"cgtap: hierarchy "*"auto: "* ]]
	run --separate-stderr timeout 30 cgtap -v --hierarchy all --duration 1ms
	[[ $stderr == *"cgtap: hierarchy all"* ]]
	run --separate-stderr timeout 30 cgtap --duration 1ms
	assert_equal "$stderr" ""
}

@test "-vv: libbpf's messages reach stderr a line each, prefixed and terminal-safe" {
	require_root
	run --separate-stderr timeout 30 cgtap -vv --hierarchy unified --duration 0
	assert_success
	assert_equal "$output" ""
	printf '%s\n' "$stderr" >"$ERR"
	[ "$(grep -c '^cgtap: libbpf: ' "$ERR")" -gt 20 ] || fail "no libbpf debug messages: $stderr"
	run grep -v '^cgtap: ' "$ERR"
	assert_failure # every line has the prefix, a multi-line message included
	LC_ALL=C grep -naP '[\x00-\x09\x0b-\x1f\x7f]' "$ERR" && fail "raw control bytes on stderr"
	return 0
}

@test "--scan of a directory that is not a cgroupfs fails with one clear line" {
	require_root
	run --separate-stderr timeout 30 cgtap --scan --cgroupfs "$BATS_TEST_TMPDIR"
	assert_failure 1
	assert_equal "$output" ""
	[[ $stderr == "cgtap: '$BATS_TEST_TMPDIR' is not a cgroup filesystem"* ]]
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
}

@test "a non-root user gets one line naming the cause and status 1" {
	require_root
	require_cmd setpriv
	local dir
	dir=$(mktemp -d /tmp/cgtap-nonroot.XXXXXX)
	chmod 755 "$dir"
	cp "$BIN/cgtap" "$dir/"
	run --separate-stderr timeout 30 setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		"$dir/cgtap" --duration 1s
	rm -rf "$dir"
	assert_failure 1
	assert_equal "$output" ""
	[[ $stderr == "cgtap: permission denied: "*"needs root"* ]]
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
}

@test "a non-root user with only CAP_BPF and CAP_PERFMON can run cgtap --scan" {
	require_root
	require_cmd setpriv
	local dir
	dir=$(mktemp -d /tmp/cgtap-caps.XXXXXX)
	chmod 755 "$dir"
	cp "$BIN/cgtap" "$dir/"
	run --separate-stderr timeout 30 setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=-all,+bpf,+perfmon --ambient-caps=+bpf,+perfmon \
		"$dir/cgtap" --scan --hierarchy unified --duration 0
	rm -rf "$dir"
	assert_success
	assert_equal "$stderr" ""
	assert_all_json
	jq -se 'map(select(.path == "/" and .event == "cgroup_exists")) | length == 1' <<<"$output"
}
