#!/usr/bin/env bats
# ctrfmt: the table, Tracee's JSON and pass-through formats, terminal safety, streaming.
#
# Golden files in tests/fixtures/ctrfmt/ were made with TZ=UTC and then read line by line:
#   ctrfmt records.ndjson > records.table
#   ctrfmt --wide records.ndjson > records.wide.table
#   ctrfmt --columns TIME,event,pid,comm,path:32,CONTAINER,node,bytes,ok records.ndjson \
#       > records.columns.table
#   ctrfmt -f json records.ndjson > records.json
#   ctrfmt -f tracee records.ndjson > records.tracee.json
#   ctrfmt -f tracee --tracee-version 0.23 records.ndjson > records.tracee-v0.23.json
#   ctrfmt hostile.ndjson > hostile.table;  ctrfmt -f json hostile.ndjson > hostile.json
#   ctrfmt -f tracee hostile.ndjson > hostile.tracee.json
# Every JSON golden file is also read by tests/lib/tracee_schema.py, a Tracee consumer's check.

load lib/common

setup() {
	F=$FIX/ctrfmt
	export TZ=UTC
}

# Bytes a terminal could act on: C0 controls but \n, DEL, C1 (U+0080-U+009F), bidi controls
# (U+061C, U+200E/F, U+202A-U+202E, U+2066-U+2069) and zero-width characters (U+200B-U+200D).
RAW_UNSAFE='[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xd8\x9c|\xe2\x80[\x8b-\x8f\xaa-\xae]|\xe2\x81[\xa6-\xa9]'

# Fails when the file holds a byte sequence from RAW_UNSAFE.
refute_raw_unsafe() {
	if LC_ALL=C grep -naP "$RAW_UNSAFE" "$1" >&2; then
		fail "raw control or bidi bytes in $1"
	fi
}

# Checks that a table's columns line up in display columns: each column of the header starts
# at the same display column on every row (but the lost warnings, which span the row), no
# character straddles that boundary, and the two columns before it are blank. Wide characters count 2, combining marks 0 (as in wcwidth).
assert_aligned() {
	python3 - "$1" <<'EOF'
import sys, unicodedata
def width(ch):
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in "WF" else 1
lines = open(sys.argv[1], "rb").read().decode("utf-8").split("\n")[:-1]
lines = [l for l in lines if "  WARNING: " not in l]  # lost rows span the columns
hdr = lines[0]
starts = [i for i, c in enumerate(hdr) if c != " " and (i == 0 or hdr[i - 1] == " ")]
bad = 0
for no, line in enumerate(lines[1:], 2):
    at, col = {}, 0
    for ch in line:
        at[col] = ch
        col += width(ch)
    for s in starts[1:]:
        if s < col and (s not in at or at.get(s - 1) != " " or at.get(s - 2) != " "):
            print("line %d: column at %d does not line up: %r" % (no, s, line[:200]))
            bad += 1
            break
sys.exit(1 if bad else 0)
EOF
}

# Run CMD (a shell command line) under a pseudo-terminal; its output lands in $2.
run_pty() {
	script -qfec "$1" /dev/null >"$2" </dev/null
}

# Wait up to 5 s for FILE to hold at least N lines.
wait_lines() {
	local i
	for i in $(seq 100); do
		[ "$(grep -c '' "$1")" -ge "$2" ] && return 0
		sleep 0.05
	done
	return 1
}

# ---- golden files ----

@test "the default table matches its golden file" {
	run --separate-stderr ctrfmt "$F/records.ndjson"
	assert_success
	[ -z "$stderr" ]
	diff -u "$F/records.table" <(printf '%s\n' "$output")
}

@test "the wide table matches its golden file" {
	run --separate-stderr ctrfmt --wide "$F/records.ndjson"
	assert_success
	diff -u "$F/records.wide.table" <(printf '%s\n' "$output")
}

@test "chosen columns match their golden file" {
	run --separate-stderr ctrfmt --columns TIME,event,pid,comm,path:32,CONTAINER,node,bytes,ok \
		"$F/records.ndjson"
	assert_success
	diff -u "$F/records.columns.table" <(printf '%s\n' "$output")
}

@test "the Tracee JSON matches its golden file" {
	run --separate-stderr ctrfmt --format json "$F/records.ndjson"
	assert_success
	diff -u "$F/records.json" <(printf '%s\n' "$output")
}

@test "--format tracee matches its golden files, for Tracee 0.24 and 0.23" {
	run --separate-stderr ctrfmt --format tracee "$F/records.ndjson"
	assert_success
	diff -u "$F/records.tracee.json" <(printf '%s\n' "$output")
	run --separate-stderr ctrfmt --format tracee --tracee-version 0.23 "$F/records.ndjson"
	assert_success
	diff -u "$F/records.tracee-v0.23.json" <(printf '%s\n' "$output")
	run --separate-stderr ctrfmt -f tracee "$F/hostile.ndjson"
	assert_success
	diff -u "$F/hostile.tracee.json" <(printf '%s\n' "$output")
}

@test "ndjson passes every record through byte for byte" {
	ctrfmt --format ndjson "$F/records.ndjson" | cmp - "$F/records.ndjson"
	ctrfmt -f ndjson "$F/hostile.ndjson" | cmp - "$F/hostile.ndjson"
}

@test "hostile values in a table match their golden file" {
	run --separate-stderr ctrfmt "$F/hostile.ndjson"
	assert_success
	diff -u "$F/hostile.table" <(printf '%s\n' "$output")
}

@test "hostile values in JSON match their golden file" {
	run --separate-stderr ctrfmt -f json "$F/hostile.ndjson"
	assert_success
	diff -u "$F/hostile.json" <(printf '%s\n' "$output")
}

@test "ctrdetect's recorded outputs render in every format, one row or event a record" {
	local out n
	for out in "$FIX"/ctrdetect/*.out; do
		[ -e "$out" ] || skip "no ctrdetect fixtures"
		n=$(grep -c '' "$out")
		run --separate-stderr ctrfmt --no-header "$out"
		assert_success
		assert_equal "$stderr" ""
		assert_equal "${#lines[@]}" "$n"
		run --separate-stderr ctrfmt -f json "$out"
		assert_success
		assert_all_json
		assert_equal "${#lines[@]}" "$n"
		ctrfmt -f ndjson "$out" | cmp - "$out"
	done
}

# ---- the table ----

@test "the header names the default columns" {
	run ctrfmt </dev/null
	assert_success
	assert_output "TIME          EVENT               RUNTIME     CONTAINER     NAME                  IMAGE                         POD"
}

@test "--no-header leaves out the header line and nothing else" {
	run --separate-stderr ctrfmt --no-header "$F/records.ndjson"
	assert_success
	diff -u <(tail -n +2 "$F/records.table") <(printf '%s\n' "$output")
}

@test "records from every runtime show their runtime" {
	run ctrfmt "$F/records.ndjson"
	for rt in docker containerd crio podman lxc garden unknown; do
		assert_output --regexp "container_create +$rt "
	done
}

@test "TIME is local time to the millisecond" {
	run bash -c "head -3 '$F/records.ndjson' | TZ=JST-9 ctrfmt --no-header"
	assert_success
	assert_line --index 2 --regexp '^01:00:00\.003  existing_container'
}

@test "CONTAINER is the id cut to 12 characters, and --wide shows it whole" {
	run bash -c "sed -n 6p '$F/records.ndjson' | ctrfmt --no-header --columns CONTAINER"
	assert_output "631dcdaeb7a5"
	run bash -c "sed -n 6p '$F/records.ndjson' | ctrfmt --no-header --wide --columns CONTAINER"
	assert_output "631dcdaeb7a5686593e9c195c7b59243c5625ed36d4be5d9c1310606895ca0f3"
}

@test "POD is namespace/name, and empty when there is no pod" {
	run bash -c "sed -n '6p;8p' '$F/records.ndjson' | ctrfmt --no-header --columns NAME,POD"
	assert_line --index 0 --regexp '^nginx +default/web-7c9d8f6b5-x2kqp$'
	assert_line --index 1 "db"
}

@test "a removal shows its exit code, and oom when the kernel killed it" {
	run bash -c "grep container_remove '$F/records.ndjson' | ctrfmt --no-header -c EVENT,EXIT"
	assert_line --index 0 --regexp '^container_remove +0$'
	assert_line --index 1 --regexp '^container_remove +137 oom$'
	assert_line --index 2 --regexp '^container_remove +-1$'
}

@test "lost records appear as a warning row with their count" {
	run ctrfmt --no-header "$F/records.ndjson"
	assert_line --index 0 "16:00:00.001  WARNING: 12 records lost"
	assert_line --index 16 "16:00:09.700  WARNING: 1 record lost"
}

@test "a lost record's count of the wrong type is shown as it is, not dropped" {
	run bash -c "printf '%s\n' '{\"event\":\"lost\",\"ts\":0,\"count\":\"12x\"}' '{\"event\":\"lost\",\"ts\":0}' | ctrfmt --no-header"
	assert_line --index 0 "00:00:00.000  WARNING: records lost (count: 12x)"
	assert_line --index 1 "00:00:00.000  WARNING: records lost (count unknown)"
}

@test "an unknown event is shown with the columns it has" {
	run bash -c "grep image_pull '$F/records.ndjson' | ctrfmt --no-header"
	assert_output --regexp '^16:00:09\.800  image_pull +docker\.io/library/redis:7$'
}

@test "a record with only event and ts renders with empty columns" {
	run bash -c "echo '{\"event\":\"container_create\",\"ts\":0}' | ctrfmt --no-header --wide"
	assert_success
	assert_output "00:00:00.000  container_create"
}

@test "a value wider than its column ends in an ellipsis" {
	run bash -c "sed -n 7p '$F/records.ndjson' | ctrfmt --no-header --columns NAME,IMAGE"
	assert_output "api-server-with-a-r…  quay.io/example/api-server:…"
}

@test "a column given a width with NAME:WIDTH is cut at that width" {
	run bash -c "sed -n 6p '$F/records.ndjson' | ctrfmt --no-header --columns path:20,comm"
	assert_output "/kubepods/besteffor…  runc"
}

@test "user fields get their name upper-cased as header" {
	run bash -c "ctrfmt --columns node,pod_uid </dev/null"
	assert_output "NODE              POD_UID"
}

@test "fields are found by their decoded key: an escaped runtime fills its column" {
	run --separate-stderr bash -c "printf '%s\\n' '{\"ev\\u0065nt\":\"container_create\",\"ts\":1,\"r\\u0075ntime\":\"docker\",\"n\\u006fde\":\"n1\"}' | ctrfmt --no-header --columns EVENT,RUNTIME,node"
	assert_success
	[ -z "$stderr" ] || fail "$stderr"
	assert_output "container_create    docker      n1"
}

# ---- terminal safety ----

@test "no raw control, C1, bidi or zero-width character reaches the table" {
	ctrfmt "$F/hostile.ndjson" >"$BATS_TEST_TMPDIR/t"
	ctrfmt --wide "$F/hostile.ndjson" >"$BATS_TEST_TMPDIR/w"
	refute_raw_unsafe "$BATS_TEST_TMPDIR/t"
	refute_raw_unsafe "$BATS_TEST_TMPDIR/w"
}

@test "escape sequences, CR, backspace and bidi controls are shown escaped" {
	run ctrfmt --no-header --columns NAME:24,IMAGE:24 "$F/hostile.ndjson"
	assert_line --index 0 '\x1b[31mred\x1b[0m        \x1b]0;pwned\x07img'
	assert_line --index 1 'ok\x0dEVIL                abc\x08\x08\x08xyz'
	assert_line --index 2 '\u202eexe.txt             a\u2066b\u200fc\u061cd'
	assert_line --index 3 '\u202eraw-bidi            \u009b31mraw-c1'
	assert_line --index 7 'ad\u200bmin               🐳 whale'
	assert_line --index 8 $'e\xcc\x81te\xcc\x81                       C:\\\\temp\\\\x1b'
	assert_line --index 9 '\ud800lone                y'
}

@test "tables stay aligned with escapes, wide CJK characters and 10 KB values" {
	ctrfmt "$F/hostile.ndjson" >"$BATS_TEST_TMPDIR/t"
	assert_aligned "$BATS_TEST_TMPDIR/t"
	ctrfmt "$F/records.ndjson" >"$BATS_TEST_TMPDIR/r"
	assert_aligned "$BATS_TEST_TMPDIR/r"
}

@test "a cut never splits a wide character or an escape" {
	run bash -c "sed -n '12p;13p' '$F/hostile.ndjson' | ctrfmt --no-header --columns NAME,POD"
	assert_line --index 0 '日本語の名前がとて…'
	assert_line --index 1 '\x1b\x1b\x1b\x1b…'
}

@test "--wide never cuts a value, even a 10 KB one" {
	run bash -c "sed -n 6p '$F/hostile.ndjson' | ctrfmt --no-header --wide"
	assert_success
	[[ $output == *"$(printf 'n%.0s' $(seq 10240))"* ]]
	[[ $output == *"$(printf 's%.0s' $(seq 10240))/$(printf 'q%.0s' $(seq 10240))"* ]]
	[ "${#lines[@]}" -eq 1 ]
}

@test "JSON stays valid whatever the values, and keeps them" {
	run --separate-stderr ctrfmt -f json "$F/hostile.ndjson"
	assert_success
	assert_all_json
	run bash -c "ctrfmt -f json '$F/hostile.ndjson' | jq -r '.args[] | select(.name==\"container_name\") | .value' | head -2"
	assert_line --index 0 $'\e[31mred\e[0m'
	assert_line --index 1 $'ok\rEVIL'
}

@test "JSON carries no raw control or bidi character: they are \\u escapes" {
	ctrfmt -f json "$F/hostile.ndjson" >"$BATS_TEST_TMPDIR/j"
	refute_raw_unsafe "$BATS_TEST_TMPDIR/j"
	run grep -c '\\u202e' "$BATS_TEST_TMPDIR/j"
	[ "$output" -ge 3 ]
}

@test "a lone surrogate escape becomes U+FFFD in JSON" {
	run bash -c "sed -n 10p '$F/hostile.ndjson' | ctrfmt -f json | jq -r '.args[5].value'"
	assert_output $'\xef\xbf\xbdlone'
}

@test "a line with raw invalid UTF-8 is reported and the others still render" {
	run --separate-stderr bash -c "{ sed -n 1p '$F/records.ndjson'; printf '{\"event\":\"x\",\"ts\":1,\"container_name\":\"a\\xff\\xfeb\"}\n'; sed -n 3p '$F/records.ndjson'; } | ctrfmt --no-header"
	assert_success
	assert_equal "$stderr" "ctrfmt: line 2: invalid UTF-8 in a string"
	assert_line --index 0 "16:00:00.001  WARNING: 12 records lost"
	assert_line --index 1 --regexp '^16:00:00\.003  existing_container'
	[ "${#lines[@]}" -eq 2 ]
}

@test "ndjson into a terminal escapes bidi, C1 and DEL characters to the same JSON values" {
	require_cmd script
	run_pty "ctrfmt -f ndjson '$F/hostile.ndjson'" "$BATS_TEST_TMPDIR/pty"
	tr -d '\r' <"$BATS_TEST_TMPDIR/pty" >"$BATS_TEST_TMPDIR/out"
	refute_raw_unsafe "$BATS_TEST_TMPDIR/out"
	# jq itself rejects the lone surrogate of line 10: compare the others.
	diff <(sed 10d "$F/hostile.ndjson" | jq -c .) <(sed 10d "$BATS_TEST_TMPDIR/out" | jq -c .)
}

# ---- JSON ----

@test "container_create carries Tracee's ten args in order, with Tracee's types" {
	run bash -c "sed -n 6p '$F/records.ndjson' | ctrfmt -f json | jq -c '[.args[:10][] | [.name, .type]]'"
	assert_output '[["runtime","string"],["container_id","string"],["ctime","uint64"],["container_image","string"],["container_image_digest","string"],["container_name","string"],["pod_name","string"],["pod_namespace","string"],["pod_uid","string"],["pod_sandbox","bool"]]'
}

@test "container_remove starts with runtime and container_id, then what ctrenrich added" {
	run bash -c "sed -n 14p '$F/records.ndjson' | ctrfmt -f json | jq -c '[.argsNum, [.args[] | .name]]'"
	assert_output '[10,["runtime","container_id","container_image","container_name","exit_code","finished_at","oom_killed","hierarchy_id","level","path"]]'
	run bash -c "sed -n 14p '$F/records.ndjson' | ctrfmt -f json | jq -c '[.args[] | select(.name == \"exit_code\" or .name == \"oom_killed\")]'"
	assert_output '[{"name":"exit_code","type":"int32","value":137},{"name":"oom_killed","type":"bool","value":true}]'
}

@test "the context of a lifecycle event is the host task, as in Tracee" {
	run bash -c "sed -n 6p '$F/records.ndjson' | ctrfmt -f json | grep -o '^{\"timestamp\":[0-9]*'"
	assert_output '{"timestamp":1764000002000123456'
	run bash -c "sed -n 6p '$F/records.ndjson' | ctrfmt -f json | jq -c '[.processId, .hostProcessId, .processName, .cgroupId, .containerId, .container, .kubernetes, .eventName]'"
	assert_output '[41240,41240,"runc",4002,"",{},{},"container_create"]'
}

@test "other events with container fields carry them as context, omitting empty ones" {
	run bash -c "echo '{\"event\":\"exec\",\"ts\":5,\"container_id\":\"abc\",\"container_name\":\"web\",\"container_image\":\"\",\"pod_name\":\"p\",\"pod_sandbox\":true,\"argv\":\"sh\"}' | ctrfmt -f json | jq -c '[.containerId, .container, .kubernetes, .args]'"
	assert_output '["abc",{"id":"abc","name":"web"},{"podName":"p","podSandbox":true},[{"name":"argv","type":"string","value":"sh"}]]'
}

@test "fields of unknown events become args typed from their values" {
	run bash -c "grep image_pull '$F/records.ndjson' | ctrfmt -f json | jq -c '[.args[] | [.name, .type]]'"
	assert_output '[["bytes","uint64"],["ok","bool"],["ratio","float64"],["note","unknown"]]'
}

@test "every JSON golden file passes a Tracee consumer's schema check" {
	run python3 "$ROOT/tests/lib/tracee_schema.py" "$F/records.json" "$F/hostile.json"
	assert_success
	assert_output "33 events checked"
	run python3 "$ROOT/tests/lib/tracee_schema.py" --exact "$F/records.tracee.json" \
		"$F/hostile.tracee.json"
	assert_success
	assert_output "29 events checked"
	run python3 "$ROOT/tests/lib/tracee_schema.py" --exact --v0.23 "$F/records.tracee-v0.23.json"
	assert_success
	assert_output "16 events checked"
}

@test "the schema check fails what a Tracee consumer would reject" {
	local ok
	ok=$(sed -n 6p "$F/records.json")
	for bad in 's/"eventId":"2018"/"eventId":2018/' 's/"eventId":"2018"/"eventId":"2019"/' \
		's/"threadId":0,//' 's/"hostName":"",//; s/"syscall":""/"hostName":"","syscall":""/' \
		's/"argsNum":13/"argsNum":12/' 's/"type":"uint64","value":17/"type":"uint64","value":-17/' \
		's/"stackAddresses":\[0\]/"stackAddresses":[-1]/' 's/"isCompat":false/"isCompat":0/' \
		's/"container":{}/"container":{"id":""}/' 's/"name":"ctime","type":"uint64"/"name":"ctime","type":"u64"/'; do
		printf '%s\n' "$ok" | sed "$bad" >"$BATS_TEST_TMPDIR/bad"
		! cmp -s <(printf '%s\n' "$ok") "$BATS_TEST_TMPDIR/bad" || fail "sed '$bad' changed nothing"
		run python3 "$ROOT/tests/lib/tracee_schema.py" "$BATS_TEST_TMPDIR/bad"
		assert_failure
	done
	run python3 "$ROOT/tests/lib/tracee_schema.py" --exact "$F/records.json"
	assert_failure
	assert_output --partial "'lost' is not one of Tracee's events"
	assert_output --partial "runtime 'lxc' is none of Tracee's"
}

@test "every recorded record renders as Tracee's events that pass the schema check" {
	local in
	for in in "$F"/*.ndjson "$FIX"/ctrdetect/*.out; do
		ctrfmt -f json "$in" >>"$BATS_TEST_TMPDIR/json"
		ctrfmt -f tracee "$in" >>"$BATS_TEST_TMPDIR/tracee" 2>/dev/null
		ctrfmt -f tracee --tracee-version 0.23 "$in" >>"$BATS_TEST_TMPDIR/v023" 2>/dev/null
	done
	run python3 "$ROOT/tests/lib/tracee_schema.py" "$BATS_TEST_TMPDIR/json"
	assert_success
	assert_output --regexp '^[0-9]+ events checked$'
	run python3 "$ROOT/tests/lib/tracee_schema.py" --exact "$BATS_TEST_TMPDIR/tracee"
	assert_success
	run python3 "$ROOT/tests/lib/tracee_schema.py" --exact --v0.23 "$BATS_TEST_TMPDIR/v023"
	assert_success
}

@test "each event carries Tracee's eventId as a string; events Tracee lacks carry its Undefined" {
	run bash -c "ctrfmt -f json '$F/records.ndjson' | jq -r '[.eventName, .eventId] | @tsv' | sort -u"
	assert_output "$(printf '%s\t%s\n' cgroup_exists 268435453 cgroup_mkdir 729 cgroup_rmdir 730 \
		container_create 2018 container_remove 2019 existing_container 2020 image_pull 268435453 \
		lost 268435453)"
}

@test "the complete object: the task's pid and comm, Tracee's zero values for the rest" {
	run bash -c "sed -n 6p '$F/records.ndjson' | ctrfmt -f json | sed 's/,\"args\":.*/}/'"
	assert_output '{"timestamp":1764000002000123456,"threadStartTime":0,"processorId":0,"processId":41240,"cgroupId":4002,"threadId":0,"parentProcessId":0,"hostProcessId":41240,"hostThreadId":0,"hostParentProcessId":0,"userId":0,"mountNamespace":0,"pidNamespace":0,"processName":"runc","executable":{"path":""},"hostName":"","containerId":"","container":{},"kubernetes":{},"eventId":"2018","eventName":"container_create","argsNum":13,"returnValue":0,"syscall":"","stackAddresses":[0],"contextFlags":{"containerStarted":false,"isCompat":false},"threadEntityId":0,"processEntityId":0,"parentEntityId":0}'
	run bash -c "sed -n '3p;4p' '$F/records.ndjson' | ctrfmt -f json | jq -c '.stackAddresses'"
	assert_output $'null\nnull'
}

@test "a pid, comm or cgroup_id of the wrong type is kept, as an arg of its own type" {
	run --separate-stderr bash -c "echo '{\"event\":\"container_create\",\"ts\":5,\"pid\":\"41240\",\"comm\":7,\"cgroup_id\":-3,\"runtime\":\"docker\"}' | ctrfmt -f json | jq -c '[.processId, .hostProcessId, .processName, .cgroupId, .argsNum, .args[10:]]'"
	assert_success
	assert_output '[0,0,"",0,13,[{"name":"pid","type":"string","value":"41240"},{"name":"comm","type":"uint64","value":7},{"name":"cgroup_id","type":"int64","value":-3}]]'
	# In a cgroup event, cgroup_id is one of Tracee's args: it stays there, with its own type.
	run --separate-stderr bash -c "echo '{\"event\":\"cgroup_mkdir\",\"ts\":5,\"cgroup_id\":\"x\",\"path\":\"/a\",\"hierarchy_id\":1}' | ctrfmt -f json | jq -c '[.cgroupId, .args]'"
	assert_output '[0,[{"name":"cgroup_id","type":"string","value":"x"},{"name":"cgroup_path","type":"string","value":"/a"},{"name":"hierarchy_id","type":"uint32","value":1}]]'
}

@test "--format tracee reports a record it has no place for, by line, and writes the others" {
	run --separate-stderr bash -c "{ sed -n 6p '$F/records.ndjson'; echo '{\"event\":\"container_create\",\"ts\":5,\"pid\":\"41240\"}'; echo '{\"event\":\"cgroup_mkdir\",\"ts\":5,\"hierarchy_id\":-1}'; sed -n 7p '$F/records.ndjson'; } | ctrfmt -f tracee"
	assert_success
	assert_equal "$stderr" $'ctrfmt: line 2: field "pid" is not an integer (--format tracee)\nctrfmt: line 3: field "hierarchy_id" is not of Tracee\'s type uint32 (--format tracee)'
	assert_equal "${#lines[@]}" 2
	run bash -c "{ sed -n 6p '$F/records.ndjson'; echo '{\"event\":\"container_create\",\"ts\":5,\"comm\":1}'; } | ctrfmt --strict -f tracee"
	assert_failure 65
}

@test "--format tracee writes only Tracee's events, arguments and runtime names" {
	run --separate-stderr ctrfmt -f tracee "$F/records.ndjson"
	assert_success
	assert_equal "$stderr" $'ctrfmt: 12 records lost upstream (Tracee has no event for this)\nctrfmt: 1 record lost upstream (Tracee has no event for this)'
	run bash -c "ctrfmt -f tracee '$F/records.ndjson' 2>/dev/null | jq -r '[.eventName, .argsNum, (.args | length), .args[0].value] | @tsv'"
	assert_line --index 0 $'existing_container\t10\t10\tdocker'
	assert_line --index 1 $'cgroup_mkdir\t3\t3\t4001'
	assert_line --index 6 $'container_create\t10\t10\tunknown' # lxc: Tracee does not know it
	assert_line --index 10 $'container_remove\t2\t2\tcontainerd'
	assert_line --index 13 $'cgroup_rmdir\t3\t3\t4005'
	assert_line --index 14 $'container_create\t10\t10\tunknown' # no runtime at all
	assert_equal "${#lines[@]}" 16
}

@test "existing_container: ours keeps the record's context, --format tracee has Tracee's" {
	run bash -c "sed -n 3p '$F/records.ndjson' | ctrfmt -f json | jq -c '[.processName, .processId, .cgroupId, .argsNum]'"
	assert_output '["",0,3171,13]'
	run bash -c "sed -n 3p '$F/records.ndjson' | ctrfmt -f tracee | jq -c '[.processName, .processId, .cgroupId, .argsNum]'"
	assert_output '["tracee-ebpf",0,0,10]'
}

@test "--tracee-version 0.23 names the argument types as Tracee 0.23 did" {
	run bash -c "sed -n '4p;6p;14p' '$F/records.ndjson' | ctrfmt -f json --tracee-version 0.23 | jq -c '[.args[] | .type]'"
	assert_line --index 0 '["u64","const char*","u32","u32"]'
	assert_line --index 1 '["const char*","const char*","unsigned long","const char*","const char*","const char*","const char*","const char*","const char*","bool","u32","u32","const char*"]'
	assert_line --index 2 '["const char*","const char*","const char*","const char*","int","const char*","bool","u32","u32","const char*"]'
}

@test "--format tracee carries no raw control or bidi character either" {
	ctrfmt -f tracee "$F/hostile.ndjson" >"$BATS_TEST_TMPDIR/j"
	refute_raw_unsafe "$BATS_TEST_TMPDIR/j"
	run grep -c '\\u202e' "$BATS_TEST_TMPDIR/j"
	[ "$output" -ge 2 ]
}

# ---- colour ----

@test "--color auto prints no colour into a pipe" {
	run bash -c "ctrfmt --color=auto '$F/records.ndjson' | cat"
	refute_output --partial $'\e['
	run bash -c "ctrfmt '$F/records.ndjson' | cat"
	refute_output --partial $'\e['
}

@test "--color always colours creates, removals and warnings differently" {
	run ctrfmt --color=always --no-header "$F/records.ndjson"
	assert_line --index 0 $'\e[1;33m16:00:00.001  WARNING: 12 records lost\e[0m'
	assert_line --index 2 --regexp $'^\e\\[36m16:00:00\\.003  existing_container .*\e\\[0m$'
	assert_line --index 4 --regexp $'^\e\\[32m16:00:01\\.000  container_create .*\e\\[0m$'
	assert_line --index 12 --regexp $'^\e\\[31m16:00:08\\.000  container_remove .*\e\\[0m$'
}

@test "--color auto colours on a terminal" {
	require_cmd script
	run_pty "ctrfmt --no-header '$F/records.ndjson'" "$BATS_TEST_TMPDIR/pty"
	grep -q $'\e\\[32m' "$BATS_TEST_TMPDIR/pty"
}

@test "NO_COLOR turns colour off on a terminal" {
	require_cmd script
	run_pty "NO_COLOR=1 ctrfmt '$F/records.ndjson'" "$BATS_TEST_TMPDIR/pty"
	run grep -c $'\e' "$BATS_TEST_TMPDIR/pty"
	assert_output 0
}

@test "an empty NO_COLOR does not turn colour off" {
	require_cmd script
	run_pty "NO_COLOR= ctrfmt '$F/records.ndjson'" "$BATS_TEST_TMPDIR/pty"
	grep -q $'\e\\[32m' "$BATS_TEST_TMPDIR/pty"
}

@test "--color always wins over NO_COLOR" {
	NO_COLOR=1 run ctrfmt --color=always --no-header "$F/records.ndjson"
	assert_line --index 0 --partial $'\e[1;33m'
}

@test "--color takes its value as the next argument too" {
	run ctrfmt --color always --no-header "$F/records.ndjson"
	assert_success
	assert_line --index 0 --partial $'\e[1;33m'
}

@test "a bad --color value is a usage error" {
	run ctrfmt --color=sometimes </dev/null
	assert_failure 2
}

# ---- streaming ----

@test "each row is written before the next record arrives, through a pipe" {
	mkfifo "$BATS_TEST_TMPDIR/in"
	ctrfmt <"$BATS_TEST_TMPDIR/in" 3>&- | cat >"$BATS_TEST_TMPDIR/out" 3>&- &
	pid=$!
	exec 7>"$BATS_TEST_TMPDIR/in"
	wait_lines "$BATS_TEST_TMPDIR/out" 1 || fail "no header before the first record"
	for n in 1 2 3; do
		sed -n "${n}p" "$F/records.ndjson" >&7
		wait_lines "$BATS_TEST_TMPDIR/out" $((n + 1)) || fail "row $n did not come before record $((n + 1))"
	done
	exec 7>&-
	wait_pid "$pid"
	run cat "$BATS_TEST_TMPDIR/out"
	assert_line --index 3 --regexp '^16:00:00\.003  existing_container'
}

@test "each row is written before the next record arrives, on a terminal" {
	require_cmd script
	mkfifo "$BATS_TEST_TMPDIR/in"
	run_pty "ctrfmt --no-header <'$BATS_TEST_TMPDIR/in'" "$BATS_TEST_TMPDIR/out" 3>&- &
	pid=$!
	exec 7>"$BATS_TEST_TMPDIR/in"
	for n in 1 2 3; do
		sed -n "${n}p" "$F/records.ndjson" >&7
		wait_lines "$BATS_TEST_TMPDIR/out" "$n" || fail "row $n did not come before record $((n + 1))"
	done
	exec 7>&-
	wait_pid "$pid"
	run grep -c '' "$BATS_TEST_TMPDIR/out"
	assert_output 3
}

@test "json rows are flushed as records arrive too" {
	mkfifo "$BATS_TEST_TMPDIR/in"
	ctrfmt -f json <"$BATS_TEST_TMPDIR/in" 3>&- | cat >"$BATS_TEST_TMPDIR/out" 3>&- &
	pid=$!
	exec 7>"$BATS_TEST_TMPDIR/in"
	for n in 1 2; do
		sed -n "${n}p" "$F/records.ndjson" >&7
		wait_lines "$BATS_TEST_TMPDIR/out" "$n" || fail "event $n did not come before record $((n + 1))"
	done
	exec 7>&-
	wait_pid "$pid"
}

# ---- input errors and the Unix-filter rules ----

@test "malformed lines are reported by line number and the rest rendered" {
	run --separate-stderr bash -c "{ sed -n 1p '$F/records.ndjson'; echo 'not json'; echo '{\"event\":\"x\"}'; sed -n 3p '$F/records.ndjson'; } | ctrfmt --no-header"
	assert_success
	assert_equal "$stderr" $'ctrfmt: line 2: invalid JSON\nctrfmt: line 3: missing field "ts"'
	assert_equal "${#lines[@]}" 2
}

@test "--strict exits 65 at the first bad line" {
	run --separate-stderr bash -c "{ sed -n 1p '$F/records.ndjson'; echo 'not json'; sed -n 3p '$F/records.ndjson'; } | ctrfmt --strict --no-header"
	assert_failure 65
	assert_output "16:00:00.001  WARNING: 12 records lost"
	assert_equal "$stderr" "ctrfmt: line 2: invalid JSON"
}

@test "files are read in order, and - is standard input" {
	run bash -c "sed -n 3p '$F/records.ndjson' | ctrfmt --no-header --columns EVENT '$F/records.ndjson' - | tail -2"
	assert_line --index 0 "cgroup_mkdir"
	assert_line --index 1 "existing_container"
}

@test "a missing file is reported, the others still render, and the status is 1" {
	run --separate-stderr ctrfmt --no-header "$BATS_TEST_TMPDIR/nope" "$F/records.ndjson"
	assert_failure 1
	assert_equal "${#lines[@]}" 20
	[[ $stderr == "ctrfmt: cannot open '$BATS_TEST_TMPDIR/nope': No such file or directory" ]]
}

@test "a reader that goes away (| head -1) ends ctrfmt quietly with status 0" {
	# 2000 copies, in one process (a cat each took 100 s on a loaded machine)
	awk '{ r[NR] = $0 } END { for (i = 0; i < 2000; i++) for (j = 1; j <= NR; j++) print r[j] }' \
		"$F/records.ndjson" >"$BATS_TEST_TMPDIR/big"
	for fmt in table json ndjson; do
		run --separate-stderr bash -c "ctrfmt -f $fmt '$BATS_TEST_TMPDIR/big' | head -1; exit \${PIPESTATUS[0]}"
		assert_success
		assert_equal "$stderr" ""
		assert_equal "${#lines[@]}" 1
	done
}

# ---- the command line ----

@test "--help prints the usage on stdout and exits 0" {
	run --separate-stderr ctrfmt --help
	assert_success
	assert_line --index 0 "Usage: ctrfmt [OPTION]... [FILE]..."
	assert_output --partial "--format FORMAT"
	assert_output --partial "--tracee-version V"
	[ -z "$stderr" ]
}

@test "--version prints the version and exits 0" {
	run ctrfmt --version
	assert_success
	assert_output --regexp '^ctrfmt \(ctrwatch\) [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "an unknown option or a missing value exits 2 with a quoted complaint and a hint" {
	run --separate-stderr ctrfmt --bogus
	assert_failure 2
	assert_equal "$stderr" $'ctrfmt: unknown option \'--bogus\'\nTry \'ctrfmt --help\' for more information.'
	[ -z "$output" ]
	run --separate-stderr ctrfmt -f
	assert_failure 2
	assert_equal "$stderr" $'ctrfmt: option \'-f\' needs a value\nTry \'ctrfmt --help\' for more information.'
	run --separate-stderr ctrfmt --columns
	assert_failure 2
	assert_equal "${stderr##*$'\n'}" "Try 'ctrfmt --help' for more information."
}

@test "an unknown format exits 2" {
	run ctrfmt --format xml </dev/null
	assert_failure 2
	assert_output --partial "'xml' is not table, json, tracee or ndjson"
}

@test "--tracee-version takes 0.24 or 0.23, and only with the JSON formats" {
	run ctrfmt -f json --tracee-version 0.22 </dev/null
	assert_failure 2
	assert_output --partial "'0.22' is not 0.24 or 0.23"
	run ctrfmt --tracee-version 0.23 </dev/null
	assert_failure 2
	run ctrfmt -f ndjson --tracee-version 0.24 </dev/null
	assert_failure 2
	run ctrfmt -f json --tracee-version v0.23 </dev/null
	assert_success
}

@test "table options with another format are a usage error" {
	run ctrfmt -f json --wide </dev/null
	assert_failure 2
	run ctrfmt -f ndjson --columns a </dev/null
	assert_failure 2
}

@test "a bad column width is a usage error" {
	run ctrfmt --columns name:0 </dev/null
	assert_failure 2
	run ctrfmt --columns name:x </dev/null
	assert_failure 2
	run ctrfmt --columns , </dev/null
	assert_failure 2
}

@test "the man page renders without warnings" {
	require_cmd man
	run bash -c "MANWIDTH=100 man --warnings -l '$ROOT/man/ctrfmt.1' 2>&1 >/dev/null"
	assert_success
	assert_output ""
}
