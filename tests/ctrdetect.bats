#!/usr/bin/env bats
# ctrdetect: cgroup records in, container records out (man ctrdetect, man 7 ctr-records).

load lib/common

ID=4adee4341d1d1f1643888633f654e4365f94c4537f8cabd8d68d5857b1d1463f
ID2=71ebf5aacd2cef62e9b1766584a0bd1234e317908a382ec5410f430c33c56cc7

# rec EVENT PATH [HIERARCHY [TS]]: one cgtap record.
rec() {
	local extra=
	[ "$1" = cgroup_exists ] && extra=',"ctime":500'
	printf '{"event":"%s","ts":%s,"cgroup_id":7,"hierarchy_id":%s,"level":2,"path":"%s","pid":9,"comm":"runc"%s}\n' \
		"$1" "${4:-100}" "${3:-0}" "$2" "$extra"
}

setup() {
	TMP=$(mktemp -d)
}

teardown() {
	rm -rf "$TMP"
}

@test "--help describes the options and exits 0" {
	run --separate-stderr ctrdetect --help
	assert_success
	assert_output --partial "Usage: ctrdetect"
	assert_output --partial "--strict"
	assert_output --partial "--all"
}

@test "--version prints the program and version" {
	run ctrdetect --version
	assert_success
	assert_output --regexp '^ctrdetect \(ctrwatch\) [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "an unknown option is a usage error with status 2" {
	run --separate-stderr ctrdetect --frobnicate
	assert_failure 2
	assert_output ""
	[[ "$stderr" == *"Try 'ctrdetect --help'"* ]]
}

@test "the man pages render" {
	require_cmd man
	run man -l "$ROOT/man/ctrdetect.1"
	assert_success
	assert_output --partial "PATH RULES"
	run man -l "$ROOT/man/ctr-records.7"
	assert_success
	assert_output --partial "container_create"
}

@test "a docker mkdir becomes container_create with every input field" {
	run --separate-stderr bash -c "printf '%s\n' '{\"event\":\"cgroup_mkdir\",\"ts\":1,\"cgroup_id\":7,\"hierarchy_id\":0,\"level\":2,\"path\":\"/system.slice/docker-$ID.scope\",\"pid\":9,\"comm\":\"runc\"}' | ctrdetect"
	assert_success
	assert_output "{\"event\":\"container_create\",\"ts\":1,\"cgroup_id\":7,\"hierarchy_id\":0,\"level\":2,\"path\":\"/system.slice/docker-$ID.scope\",\"pid\":9,\"comm\":\"runc\",\"runtime\":\"docker\",\"container_id\":\"$ID\",\"ctime\":1}"
	[ -z "$stderr" ]
}

@test "every path in the real-world table is classified as expected" {
	local table=$FIX/ctrdetect/paths.tsv n
	n=$(grep -vc '^#' "$table")
	[ "$n" -ge 40 ]
	# One mkdir per path; the expected output is the rows that name a container.
	# Each mkdir is followed by its rmdir, so every row stands alone.
	grep -v '^#' "$table" | awk -F'\t' '{
		printf "{\"event\":\"cgroup_mkdir\",\"ts\":%d,\"cgroup_id\":%d,\"hierarchy_id\":0,\"level\":1,\"path\":\"%s\",\"pid\":1,\"comm\":\"t\"}\n", NR, NR, $2
		printf "{\"event\":\"cgroup_rmdir\",\"ts\":%d,\"cgroup_id\":%d,\"hierarchy_id\":0,\"level\":1,\"path\":\"%s\",\"pid\":1,\"comm\":\"t\"}\n", NR, NR, $2 }' >"$TMP/in"
	grep -v '^#' "$table" | awk -F'\t' '$3 != "-" {print $2 "\t" $3 "\t" $4}' >"$TMP/want"
	run --separate-stderr bash -c "ctrdetect '$TMP/in' | jq -r 'select(.event == \"container_create\") | [.path, .runtime, .container_id] | @tsv'"
	assert_success
	printf '%s\n' "$output" >"$TMP/got"
	run diff -u "$TMP/want" "$TMP/got"
	assert_success
}

@test "every path in the table is also classified on cgroup_exists and rmdir" {
	local table=$FIX/ctrdetect/paths.tsv
	grep -v '^#' "$table" | awk -F'\t' '{
		printf "{\"event\":\"cgroup_exists\",\"ts\":%d,\"path\":\"%s\",\"ctime\":5}\n", NR, $2
		printf "{\"event\":\"cgroup_rmdir\",\"ts\":%d,\"path\":\"%s\"}\n", NR, $2 }' >"$TMP/in"
	grep -v '^#' "$table" | awk -F'\t' '$3 != "-" {
		print "existing_container\t" $3 "\t" $4 "\t5"; print "container_remove\t" $3 "\t" $4 "\t5" }' >"$TMP/want"
	ctrdetect "$TMP/in" | jq -r '[.event, .runtime, .container_id, .ctime] | @tsv' >"$TMP/got"
	diff -u "$TMP/want" "$TMP/got"
}

@test "sub-cgroups inside a container produce nothing on mkdir and rmdir" {
	{
		rec cgroup_mkdir "/system.slice/docker-$ID.scope/init.scope"
		rec cgroup_mkdir "/libpod_parent/libpod-$ID/container"
		rec cgroup_rmdir "/libpod_parent/libpod-$ID/container"
		rec cgroup_rmdir "/system.slice/docker-$ID.scope/init.scope"
	} >"$TMP/in"
	run --separate-stderr ctrdetect "$TMP/in"
	assert_success
	assert_output ""
}

@test "a container seen in ten v1 hierarchies is created and removed once" {
	for h in 1 2 3 4 5 6 7 8 9 0; do rec cgroup_mkdir "/docker/$ID" $h; done >"$TMP/in"
	for h in 3 1 2 4 5 6 7 8 9 0; do rec cgroup_rmdir "/docker/$ID" $h 200; done >>"$TMP/in"
	run ctrdetect "$TMP/in"
	assert_success
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[0]}" == '{"event":"container_create",'*'"hierarchy_id":1,'* ]]
	[[ "${lines[1]}" == '{"event":"container_remove",'*'"hierarchy_id":3,'* ]]
}

@test "the scan and a live mkdir of the same container give one record" {
	{
		rec cgroup_exists "/docker/$ID" 3
		rec cgroup_mkdir "/docker/$ID" 3
		rec cgroup_mkdir "/docker/$ID2" 3
		rec cgroup_exists "/docker/$ID2" 3
	} >"$TMP/in"
	run ctrdetect "$TMP/in"
	assert_success
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[0]}" == '{"event":"existing_container",'*"\"container_id\":\"$ID\",\"ctime\":500}" ]]
	[[ "${lines[1]}" == '{"event":"container_create",'*"\"container_id\":\"$ID2\",\"ctime\":100}" ]]
}

@test "a container removed and created again with the same id is reported again" {
	{
		rec cgroup_mkdir "/docker/$ID" 3 100
		rec cgroup_rmdir "/docker/$ID" 3 200
		rec cgroup_rmdir "/docker/$ID" 4 201
		rec cgroup_mkdir "/docker/$ID" 3 300
		rec cgroup_mkdir "/docker/$ID" 4 301
		rec cgroup_rmdir "/docker/$ID" 3 400
	} >"$TMP/in"
	run ctrdetect "$TMP/in"
	assert_success
	run jq -r '[.event, .ts, .ctime] | @tsv' <<<"$output"
	assert_output "$(printf 'container_create\t100\t100\ncontainer_remove\t200\t100\ncontainer_create\t300\t300\ncontainer_remove\t400\t300')"
}

@test "a removal of a container never seen is reported once, without ctime" {
	{
		rec cgroup_rmdir "/docker/$ID" 3
		rec cgroup_rmdir "/docker/$ID" 4
	} >"$TMP/in"
	run ctrdetect "$TMP/in"
	assert_success
	[ "${#lines[@]}" -eq 1 ]
	[ "$(jq -r 'has("ctime")' <<<"$output")" = false ]
	[ "$(jq -r .event <<<"$output")" = container_remove ]
}

@test "the container table is bounded: the oldest live container is forgotten with a warning" {
	for i in 1 2 3; do rec cgroup_mkdir "/docker/$(printf '%064d' $i)"; done >"$TMP/in"
	rec cgroup_rmdir "/docker/$(printf '%064d' 1)" >>"$TMP/in"
	run --separate-stderr ctrdetect --max-containers 2 "$TMP/in"
	assert_success
	[ "${#lines[@]}" -eq 4 ]
	[[ "$stderr" == *"container table full (2 entries): forgetting live container '$(printf '%064d' 1)' (1 forgotten so far)"* ]]
	# Forgotten: its removal still comes out, without the ctime it no longer knows.
	[ "$(jq -r 'has("ctime")' <<<"${lines[3]}")" = false ]
}

@test "lost records pass through unchanged; other events are dropped" {
	{
		echo '{"event":"lost","ts":5,"count":12}'
		echo '{"event":"something_else","ts":6,"x":1}'
		rec cgroup_mkdir /system.slice/cron.service
	} >"$TMP/in"
	run ctrdetect "$TMP/in"
	assert_success
	assert_output '{"event":"lost","ts":5,"count":12}'
}

@test "--all passes every record and marks the ones in containers" {
	{
		echo '{"event":"something_else","ts":6,"x":1}'
		rec cgroup_mkdir /system.slice/cron.service
		rec cgroup_mkdir "/docker/$ID"
		rec cgroup_mkdir "/docker/$ID/sub"
	} >"$TMP/in"
	run ctrdetect --all "$TMP/in"
	assert_success
	[ "${#lines[@]}" -eq 4 ]
	assert_line --index 0 '{"event":"something_else","ts":6,"x":1}'
	[ "$(jq -r .path <<<"${lines[1]}")" = /system.slice/cron.service ]
	[ "$(jq -r 'has("container_id")' <<<"${lines[1]}")" = false ]
	[ "$(jq -r '[.event, .runtime, .container_root] | @tsv' <<<"${lines[2]}")" = "$(printf 'cgroup_mkdir\tdocker\ttrue')" ]
	[ "$(jq -r '[.event, .runtime, .container_root] | @tsv' <<<"${lines[3]}")" = "$(printf 'cgroup_mkdir\tdocker\tfalse')" ]
}

@test "fields added upstream survive in order, and ctrdetect's own fields are not repeated" {
	echo "{\"event\":\"cgroup_mkdir\",\"ts\":1,\"node\":\"n1\",\"path\":\"/docker/$ID\",\"runtime\":\"stale\",\"note\":\"a \\\"quoted\\\" \\u001b value\"}" >"$TMP/in"
	run ctrdetect "$TMP/in"
	assert_success
	assert_output "{\"event\":\"container_create\",\"ts\":1,\"node\":\"n1\",\"path\":\"/docker/$ID\",\"note\":\"a \\\"quoted\\\" \\u001b value\",\"runtime\":\"docker\",\"container_id\":\"$ID\",\"ctime\":1}"
}

@test "--all converts nothing: a scan record keeps its ctime, in place" {
	rec cgroup_exists "/docker/$ID" 3 >"$TMP/in"
	run --separate-stderr ctrdetect --all "$TMP/in"
	assert_success
	assert_output "{\"event\":\"cgroup_exists\",\"ts\":100,\"cgroup_id\":7,\"hierarchy_id\":3,\"level\":2,\"path\":\"/docker/$ID\",\"pid\":9,\"comm\":\"runc\",\"ctime\":500,\"runtime\":\"docker\",\"container_id\":\"$ID\",\"container_root\":true}"
}

@test "a user field named container_root passes through without --all; with --all it is replaced" {
	echo "{\"event\":\"cgroup_mkdir\",\"ts\":1,\"path\":\"/docker/$ID\",\"container_root\":\"mine\",\"z\":1}" >"$TMP/in"
	run ctrdetect "$TMP/in"
	assert_success
	assert_output "{\"event\":\"container_create\",\"ts\":1,\"path\":\"/docker/$ID\",\"container_root\":\"mine\",\"z\":1,\"runtime\":\"docker\",\"container_id\":\"$ID\",\"ctime\":1}"
	run ctrdetect --all "$TMP/in"
	assert_success
	assert_output "{\"event\":\"cgroup_mkdir\",\"ts\":1,\"path\":\"/docker/$ID\",\"z\":1,\"runtime\":\"docker\",\"container_id\":\"$ID\",\"container_root\":true}"
}

@test "keys are matched after decoding: an escaped event is read, an escaped runtime is not repeated" {
	{
		echo "{\"ev\\u0065nt\":\"cgroup_mkdir\",\"\\u0074s\":1,\"p\\u0061th\":\"/docker/$ID\",\"r\\u0075ntime\":\"stale\",\"n\\u006fde\":\"n1\"}"
		echo "{\"event\":\"cgroup_exists\",\"ts\":2,\"path\":\"/docker/$ID2\",\"\\u0063time\":7,\"container\\u005fid\":\"x\"}"
	} >"$TMP/in"
	run --separate-stderr ctrdetect "$TMP/in"
	assert_success
	[ -z "$stderr" ] || fail "$stderr"
	assert_line --index 0 "{\"event\":\"container_create\",\"\\u0074s\":1,\"p\\u0061th\":\"/docker/$ID\",\"n\\u006fde\":\"n1\",\"runtime\":\"docker\",\"container_id\":\"$ID\",\"ctime\":1}"
	assert_line --index 1 "{\"event\":\"existing_container\",\"ts\":2,\"path\":\"/docker/$ID2\",\"runtime\":\"docker\",\"container_id\":\"$ID2\",\"ctime\":7}"
}

# padded EVENT PATH LEN: a record of exactly LEN bytes (without its newline), padded by a "pad" field.
padded() {
	local head="{\"event\":\"$1\",\"ts\":1,\"path\":\"$2\",\"pad\":\"" tail='"}'
	printf '%s' "$head"
	head -c $(($3 - ${#head} - ${#tail})) /dev/zero | tr '\0' x
	printf '%s\n' "$tail"
}

@test "no line ctrdetect writes is longer than the line limit it reads" {
	local limit=262144
	{
		padded cgroup_mkdir "/docker/$ID" $limit               # 1: accepted; would grow past
		padded cgroup_exists "/docker/$ID2" $((limit - 400))   # 2: no ctime: bad
		padded cgroup_mkdir "/docker/$ID2" $((limit - 400))    # 3: grows, and fits
		padded cgroup_mkdir "/docker/$ID" $((limit + 1))        # 4: too long to read
		padded cgroup_mkdir "/x/lxc.payload.$(head -c 5000 /dev/zero | tr '\0' '\t')" $((limit - 40000)) # 5: an id that grows 6 to 1 when escaped
	} | sed '5s/\t/\\t/g' >"$TMP/in"
	run --separate-stderr ctrdetect "$TMP/in"
	assert_success
	# Every line within the limit; the record that could not grow passed on as it came.
	awk -v max=$limit 'length($0) > max { print NR ": " length($0); bad = 1 } END { exit bad }' <<<"$output"
	[ "${#lines[@]}" -eq 3 ]
	[ "${lines[0]}" = "$(sed -n 1p "$TMP/in")" ]
	[ "$(jq -r .event <<<"${lines[1]}")" = container_create ]
	[ "$(jq -r .container_id <<<"${lines[1]}")" = "$ID2" ]
	[ "$(jq -r '.container_id | length' <<<"${lines[2]}")" -eq 5000 ]
	[[ "$stderr" == *"ctrdetect: $TMP/in:1: record would grow past the line limit: passed on unchanged"* ]] || fail "$stderr"
	[[ "$stderr" == *"$TMP/in:4: line too long"* ]]
	# What it wrote, it can read again: nothing is too long for the next stage.
	run --separate-stderr bash -c "ctrdetect '$TMP/in' 2>/dev/null | ctrfmt -f ndjson"
	assert_success
	[ -z "$stderr" ] || fail "$stderr"
	[ "${#lines[@]}" -eq 3 ]
}

@test "--strict stops after a record that would grow past the line limit" {
	{
		padded cgroup_mkdir "/docker/$ID" 262144
		rec cgroup_mkdir "/docker/$ID2"
	} >"$TMP/in"
	run --separate-stderr ctrdetect --strict "$TMP/in"
	assert_failure 65
	[ "${#lines[@]}" -eq 1 ]
	[[ "${lines[0]}" == '{"event":"cgroup_mkdir",'* ]]
}

@test "escaped paths are unescaped before they are classified" {
	echo "{\"event\":\"cgroup_mkdir\",\"ts\":1,\"path\":\"\\/docker\\/$ID\"}" >"$TMP/in"
	run ctrdetect "$TMP/in"
	assert_success
	[ "$(jq -r .container_id <<<"$output")" = "$ID" ]
}

@test "recorded streams give their expected outputs" {
	local f n=0
	for f in "$FIX"/ctrdetect/*.in; do
		ctrdetect "$f" >"$TMP/out" 2>"$TMP/err"
		diff -u "${f%.in}.out" "$TMP/out"
		[ ! -s "$TMP/err" ]
		n=$((n + 1))
	done
	[ "$n" -ge 3 ]
}

@test "malformed lines are reported by line number and every good record still comes out" {
	bad="$TMP/bad"
	{
		rec cgroup_mkdir "/docker/$(printf '%064d' 1)"                 # 1 good
		echo '{"event":"cgroup_mkdir","ts":1,"path":"/doc'              # 2 truncated
		echo '{"ts":1,"path":"/docker/x"}'                              # 3 no event
		echo '{"event":"cgroup_mkdir","path":"/x"}'                     # 4 no ts
		echo '{"event":"cgroup_mkdir","ts":"1","path":"/x"}'            # 5 ts string
		echo '{"event":"cgroup_mkdir","ts":1,"path":17}'                # 6 path number
		echo '{"event":"cgroup_mkdir","ts":1}'                          # 7 no path
		head -c 1048576 /dev/zero | tr '\0' 'x'; echo                   # 8 1 MB line
		printf '{"event":"cgroup_mkdir","ts":1,"path":"/a\0b"}\n'       # 9 NUL byte
		printf '{"event":"cgroup_mkdir","ts":1,"path":"/\xff\xfe"}\n'   # 10 invalid UTF-8
		echo '{"event":"cgroup_mkdir","ts":1,"path":{"a":1}}'           # 11 nested
		echo '[1,2]'                                                    # 12 not an object
		echo ''                                                         # 13 empty
		echo '{"event":"cgroup_exists","ts":1,"path":"/docker/x"}'      # 14 exists w/o ctime
		echo '{"event":"cgroup_mkdir","ts":1,"path":"/x"} trailing'     # 15 trailing text
		rec cgroup_mkdir "/docker/$(printf '%064d' 2)"                 # 16 good
		rec cgroup_mkdir "/docker/$(printf '%064d' 3)"                 # 17 good
	} >"$bad"
	run --separate-stderr ctrdetect "$bad"
	assert_success
	[ "${#lines[@]}" -eq 3 ]
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 14 ]
	for n in 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do
		[[ "$stderr" == *"ctrdetect: $bad:$n: "* ]] || fail "line $n not reported: $stderr"
	done
	[[ "$stderr" == *":2: truncated JSON"* ]]
	[[ "$stderr" == *":3: missing field \"event\""* ]]
	[[ "$stderr" == *":8: line too long"* ]]
	[[ "$stderr" == *":9: NUL byte in line"* ]]
	[[ "$stderr" == *":10: invalid UTF-8 in a string"* ]]
}

@test "standard input diagnostics name the line number" {
	run --separate-stderr bash -c "printf '{bad\n' | ctrdetect"
	assert_success
	[ "$stderr" = "ctrdetect: line 1: invalid JSON" ] || [ "$stderr" = "ctrdetect: line 1: truncated JSON" ]
}

@test "--strict stops at the first bad line with status 65" {
	{
		rec cgroup_mkdir "/docker/$ID"
		echo 'not json'
		rec cgroup_mkdir "/docker/$ID2"
	} >"$TMP/in"
	run --separate-stderr ctrdetect --strict "$TMP/in"
	assert_failure 65
	[ "${#lines[@]}" -eq 1 ]
	[[ "$stderr" == *":2: invalid JSON"* ]]
}

@test "a missing file is an error, and the other files are still read" {
	rec cgroup_mkdir "/docker/$ID" >"$TMP/a"
	run --separate-stderr ctrdetect "$TMP/nope" "$TMP/a"
	assert_failure 1
	[ "${#lines[@]}" -eq 1 ]
	[[ "$stderr" == *"cannot open '$TMP/nope': No such file or directory"* ]]
}

@test "a closed stdout ends ctrdetect quietly" {
	awk 'BEGIN { for (i = 0; i < 100000; i++) {
		printf "{\"event\":\"cgroup_mkdir\",\"ts\":%d,\"path\":\"/docker/%064d\"}\n", i, i
		printf "{\"event\":\"cgroup_rmdir\",\"ts\":%d,\"path\":\"/docker/%064d\"}\n", i, i } }' >"$TMP/big"
	run --separate-stderr bash -c "set -o pipefail; ctrdetect '$TMP/big' | head -1"
	assert_success
	[ "${#lines[@]}" -eq 1 ]
	[ -z "$stderr" ]
}

@test "each record comes out as soon as it is read from a live pipe" {
	# The writer waits for ctrdetect's answer before it sends the next record.
	run bash -c "
		exec 3< <(true)
		coproc CD { ctrdetect; }
		printf '%s\n' '{\"event\":\"cgroup_mkdir\",\"ts\":1,\"path\":\"/docker/$ID\"}' >&\${CD[1]}
		IFS= read -r -t 5 a <&\${CD[0]} || exit 1
		printf '%s\n' '{\"event\":\"cgroup_mkdir\",\"ts\":2,\"path\":\"/docker/$ID2\"}' >&\${CD[1]}
		IFS= read -r -t 5 b <&\${CD[0]} || exit 1
		echo \"\$a\"; echo \"\$b\""
	assert_success
	[ "${#lines[@]}" -eq 2 ]
}

@test "peak memory stays flat as the input grows" {
	require_cmd /usr/bin/time
	gen() {
		awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++) {
			printf "{\"event\":\"cgroup_mkdir\",\"ts\":%d,\"cgroup_id\":%d,\"hierarchy_id\":0,\"level\":2,\"path\":\"/docker/%064x\",\"pid\":1,\"comm\":\"runc\"}\n", i, i, i
			printf "{\"event\":\"cgroup_rmdir\",\"ts\":%d,\"cgroup_id\":%d,\"hierarchy_id\":0,\"level\":2,\"path\":\"/docker/%064x\",\"pid\":1,\"comm\":\"runc\"}\n", i, i, i } }'
	}
	# Under AddressSanitizer, freed memory waits in a quarantine: turn it off to measure.
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0:thread_local_quarantine_size_kb=0"
	gen 50000 >"$TMP/small"
	gen 500000 >"$TMP/large"
	/usr/bin/time -f %M -o "$TMP/rss.small" ctrdetect --max-containers 4096 "$TMP/small" >/dev/null
	/usr/bin/time -f %M -o "$TMP/rss.large" ctrdetect --max-containers 4096 "$TMP/large" >/dev/null
	small=$(cat "$TMP/rss.small") large=$(cat "$TMP/rss.large")
	echo "peak RSS: $small KiB for 100k records, $large KiB for 1M records" >&3
	# Ten times the records may not cost more than 1 MiB more memory.
	[ $((large - small)) -lt 1024 ]
}
