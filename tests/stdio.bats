#!/usr/bin/env bats
# What every program shares (common/): standard descriptors checked at start, non-blocking
# input read as input, and diagnostics as safe as a terminal's output (issue 13, defects 2, 3
# and 6; DESIGN.md "Rules every stage follows").

load lib/common

PROGS="cgtap ctrdetect ctrenrich ctrfmt"
ID=4adee4341d1d1f1643888633f654e4365f94c4537f8cabd8d68d5857b1d1463f
ID2=71ebf5aacd2cef62e9b1766584a0bd1234e317908a382ec5410f430c33c56cc7

setup() {
	TMP=$(mktemp -d)
}

teardown() {
	rm -rf "$TMP"
}

# Fails when the file holds a byte a terminal could act on: C0 controls but \n, DEL, C1
# (U+0080-U+009F), bidi controls and zero-width characters.
refute_raw_unsafe() {
	if LC_ALL=C grep -naP '[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xd8\x9c|\xe2\x80[\x8b-\x8f\xaa-\xae]|\xe2\x81[\xa6-\xa9]' "$1" >&2; then
		fail "raw control or bidi bytes in $1"
	fi
}

@test "a closed standard input is an error in every program, never a hang" {
	# ctrenrich used to hang here: curl's wake-up socketpair took fd 0 and was read as input.
	for p in $PROGS; do
		run --separate-stderr bash -c "exec timeout 20 $p <&-"
		[ "$status" -eq 1 ] || fail "$p: status $status, stderr: $stderr"
		[ "$stderr" = "$p: standard input is closed" ] || fail "$p: $stderr"
		assert_output ""
	done
}

@test "a closed standard output is an error in every program, and nothing is written elsewhere" {
	rec() { printf '{"event":"cgroup_mkdir","ts":1,"path":"/docker/%s"}\n' "$ID"; }
	rec >"$TMP/in"
	cp "$TMP/in" "$TMP/in.orig"
	for p in $PROGS; do
		run --separate-stderr bash -c "exec timeout 20 $p </dev/null >&-"
		[ "$status" -eq 1 ] || fail "$p: status $status, stderr: $stderr"
		[ "$stderr" = "$p: standard output is closed" ] || fail "$p: $stderr"
	done
	# A file operand opened later does not become the output.
	for p in ctrdetect ctrenrich ctrfmt; do
		run --separate-stderr bash -c "exec timeout 20 $p '$TMP/in' </dev/null >&-"
		assert_failure 1
		[ "$stderr" = "$p: standard output is closed" ] || fail "$p: $stderr"
		cmp "$TMP/in" "$TMP/in.orig"
	done
}

@test "a closed standard error is an error in every program, and no record goes out" {
	printf '{"event":"cgroup_mkdir","ts":1,"path":"/docker/%s"}\n' "$ID" >"$TMP/in"
	for p in $PROGS; do
		run bash -c "exec timeout 20 $p '$TMP/in' 2>&-"
		[ "$status" -eq 1 ] || fail "$p: status $status, output: $output"
		assert_output ""
	done
}

@test "every closed standard descriptor is named, each on its own line" {
	run bash -c "exec 3>&2; exec timeout 20 ctrdetect <&- >&- 2>&3"
	assert_failure 1
	assert_line --index 0 "ctrdetect: standard input is closed"
	assert_line --index 1 "ctrdetect: standard output is closed"
}

# nonblocking PROG ARGS...: run PROG with its standard input a pipe marked O_NONBLOCK, fed two
# records 0.5 s apart (the reader finds it empty in between).
nonblocking() {
	{
		printf '{"event":"cgroup_mkdir","ts":1,"path":"/docker/%s"}\n' "$ID"
		sleep 0.5
		printf '{"event":"cgroup_mkdir","ts":2,"path":"/docker/%s"}\n' "$ID2"
	} | timeout 20 python3 -c '
import fcntl, os, sys
fcntl.fcntl(0, fcntl.F_SETFL, fcntl.fcntl(0, fcntl.F_GETFL) | os.O_NONBLOCK)
os.execvp(sys.argv[1], sys.argv[1:])' "$@"
}

@test "ctrdetect reads a non-blocking standard input as input, to its end" {
	require_cmd python3
	run --separate-stderr nonblocking ctrdetect
	assert_success
	[ -z "$stderr" ] || fail "$stderr"
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[1]}" == *"\"container_id\":\"$ID2\""* ]]
}

@test "ctrfmt reads a non-blocking standard input as input, to its end" {
	require_cmd python3
	run --separate-stderr nonblocking ctrfmt -f ndjson
	assert_success
	[ -z "$stderr" ] || fail "$stderr"
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[1]}" == *"$ID2"* ]]
}

@test "untrusted text in diagnostics is escaped: ESC, BEL, C1, bidi and zero-width characters" {
	local name=$'/nope-\e]0;owned\a-\xc2\x9b31m-\xe2\x80\xae-\xe2\x80\x8b-\\'
	for p in ctrdetect ctrfmt; do
		run --separate-stderr "$p" "$TMP$name"
		assert_failure 1
		printf '%s\n' "$stderr" >"$TMP/err"
		refute_raw_unsafe "$TMP/err"
		[ "$stderr" = "$p: cannot open '$TMP/nope-\\x1b]0;owned\\x07-\\u009b31m-\\u202e-\\u200b-\\\\': No such file or directory" ] ||
			fail "$p: $stderr"
	done
}

@test "an option's bad value is escaped in the usage error" {
	run --separate-stderr ctrdetect --max-containers $'\e[2J\xe2\x81\xa6'
	assert_failure 2
	printf '%s\n' "$stderr" >"$TMP/err"
	refute_raw_unsafe "$TMP/err"
	assert_equal "${stderr%%$'\n'*}" "ctrdetect: --max-containers: '\\x1b[2J\\u2066' is not a number"
}

@test "a container id from the input is escaped in ctrdetect's warnings" {
	# LXC names come from the path as they are: here with ESC, BEL and a right-to-left override.
	for n in 1 2; do
		printf '{"event":"cgroup_mkdir","ts":%d,"path":"/lxc.payload.c%d\\u001b]0;x\\u0007\\u202e"}\n' $n $n
	done >"$TMP/in"
	run --separate-stderr ctrdetect --max-containers 1 "$TMP/in"
	assert_success
	[ "${#lines[@]}" -eq 2 ]
	printf '%s\n' "$stderr" >"$TMP/err"
	refute_raw_unsafe "$TMP/err"
	[[ "$stderr" == *"forgetting live container 'c1\\x1b]0;x\\x07\\u202e'"* ]] || fail "$stderr"
}

@test "a bad option is named escaped, not echoed raw by getopt" {
	for p in cgtap ctrdetect ctrfmt ctrenrich; do
		run --separate-stderr "$p" $'--\e]0;x\a' </dev/null
		assert_failure 2
		printf '%s\n' "$stderr" >"$TMP/err"
		refute_raw_unsafe "$TMP/err"
		assert_equal "$stderr" "$p: unknown option '--\\x1b]0;x\\x07'"$'\n'"Try '$p --help' for more information."
		run --separate-stderr "$p" $'-\e' </dev/null
		assert_failure 2
		[[ "$stderr" == "$p: unknown option '-\\x1b'"* ]] || fail "$p: $stderr"
	done
	run --separate-stderr ctrdetect --all=1 </dev/null
	assert_failure 2
	[[ "$stderr" == "ctrdetect: option '--all' takes no value"* ]]
	run --separate-stderr ctrdetect -n </dev/null
	assert_failure 2
	[[ "$stderr" == "ctrdetect: option '-n' needs a value"* ]]
	run --separate-stderr ctrenrich --unordered=1 </dev/null
	assert_failure 2
	[[ "$stderr" == "ctrenrich: option '--unordered' takes no value"* ]]
	run --separate-stderr ctrenrich --socket </dev/null
	assert_failure 2
	[[ "$stderr" == "ctrenrich: option '--socket' needs a value"* ]]
}

@test "cgtap names a bad option, a missing value and a stray argument escaped, before it needs root" {
	run --separate-stderr cgtap --scan=1 </dev/null
	assert_failure 2
	assert_equal "$output" ""
	assert_equal "$stderr" "cgtap: option '--scan' takes no value"$'\n'"Try 'cgtap --help' for more information."
	run --separate-stderr cgtap -sc </dev/null
	assert_failure 2
	[[ "$stderr" == "cgtap: option '-c' needs a value"* ]] || fail "$stderr"
	run --separate-stderr cgtap --hierarchy </dev/null
	assert_failure 2
	[[ "$stderr" == "cgtap: option '--hierarchy' needs a value"* ]] || fail "$stderr"
	run --separate-stderr cgtap -s $'-\xe2\x80\xae' </dev/null
	assert_failure 2
	printf '%s\n' "$stderr" >"$TMP/err"
	refute_raw_unsafe "$TMP/err"
	[[ "$stderr" == "cgtap: unknown option '-\\xe2'"* ]] || fail "$stderr"
	local a=$'\e]0;x\a\\' # ESC, BEL and a backslash
	run --separate-stderr cgtap "$a" </dev/null
	assert_failure 2
	assert_equal "${stderr%%$'\n'*}" "cgtap: unexpected argument '\\x1b]0;x\\x07\\\\'"
	run --separate-stderr cgtap --ringbuf-size "$a" </dev/null
	assert_failure 2
	assert_equal "${stderr%%$'\n'*}" "cgtap: --ringbuf-size: '\\x1b]0;x\\x07\\\\' is not a size"
	run --separate-stderr cgtap --ringbuf-size "4M$a" </dev/null
	assert_failure 2
	assert_equal "${stderr%%$'\n'*}" "cgtap: --ringbuf-size: '4M\\x1b]0;x\\x07\\\\' is not a size (use K, M or G)"
}
