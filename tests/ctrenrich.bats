#!/usr/bin/env bats
# ctrenrich: runtime metadata on container records, never stalling the stream.
# Fake runtimes (tests/fake/runtime.py) for the protocol, faults and concurrency; real dockerd
# and Podman (scripts/rt, root) for the fields as the runtimes give them.

load lib/common

PY=/usr/bin/python3 # Debian's: a pyenv shim on PATH may take a second to start
FAKE=$ROOT/tests/fake/runtime.py
RTFIX=$FIX/ctrenrich/runtime

# Ids from the recorded fixtures (tests/fixtures/ctrenrich/runtime/).
K8S_CTR=e8b3ee9d8ef77f2bd1b6d358ecb1c909137cf8f3d2935bb3ec7bb19c6040e561
K8S_SB=71ebf5aacd2cef62e9b1766584a0bd1234e317908a382ec5410f430c33c56cc7
EXITED=83dd07a964ff59758b7b773dbd3eb8ffd0a0a8b72e087256d1ec90791cf1ff57
BYID=10c3f6cee13e983d92e2d3abb5487968a9e331271a87332693b92e3fe653594e
EVIL=eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee
PM_PLAIN=1898fdaef7555406ae53ec8146ddfcdeefbb373c83b4d47557a766f7a26c3ca5
PM_MEMBER=303e4657cb9cec6d956ff3ebbf7f2940b6c8492cfe9a7297e2ccb93cebd97afd
PM_INFRA=ac1b7f6ff36b8e61950b356f5833a2eb33631bd4ccfb4ad88875cc2ca676479b
PM_K8S=7d6d18424be516beef642440c1ff2223e18544dbd9b546f3a1a24bc00acc0d5a

# cid N: a made-up 64-hex container id, the same for the same N.
cid() { printf '%064x' "$((0x1000 + $1))"; }

# rec EVENT RUNTIME ID [TS]: one container record as ctrdetect writes it.
rec() {
	printf '{"event":"%s","ts":%s,"cgroup_id":7,"path":"/docker/%s","runtime":"%s","container_id":"%s","ctime":5}\n' \
		"$1" "${4:-1}" "$3" "$2" "$3"
}

# recs EVENT RUNTIME FROM TO [EVERY]: records for ids cid FROM..TO (ts = N), in one awk; with
# EVERY, a lost record after each EVERY-th one.
recs() {
	awk -v e="$1" -v rt="$2" -v a="$3" -v b="$4" -v every="${5:-0}" 'BEGIN {
		for (i = a; i <= b; i++) {
			id = sprintf("%064x", 4096 + i)
			printf "{\"event\":\"%s\",\"ts\":%d,\"cgroup_id\":7,\"path\":\"/docker/%s\",\"runtime\":\"%s\",\"container_id\":\"%s\",\"ctime\":5}\n", e, i, id, rt, id
			if (every && i % every == 0)
				printf "{\"event\":\"lost\",\"ts\":%d,\"count\":1}\n", i
		}
	}'
}

# fake_start NAME [ARGS...]: a fake runtime on $T/NAME.sock, its PID in $T/NAME.pid, requests
# logged in $T/NAME.log; returns once it answers.
fake_start() {
	local name=$1
	shift
	# a subshell: not a job of the test's shell (no "Killed" notes), fd 3 closed for bats
	("$PY" "$FAKE" "$T/$name.sock" --root "$RTFIX" --log "$T/$name.log" "$@" \
		>"$T/$name.out" 2>&1 3>&- &
	echo $! >"$T/$name.pid")
	for _ in $(seq 100); do
		curl -sf --max-time 1 --unix-socket "$T/$name.sock" http://x/_stats >/dev/null 2>&1 &&
			return 0
		sleep 0.05
	done
	cat "$T/$name.out" >&2
	fail "fake runtime $name did not start"
}

# fake_kill NAME [SIGNAL]: stop it by PID and wait until it is gone.
fake_kill() {
	local pid
	pid=$(cat "$T/$1.pid")
	kill "-${2:-TERM}" "$pid" 2>/dev/null || true
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.05
	done
}

# stat_of NAME KEY: a number from the fake runtime's /_stats.
stat_of() {
	curl -s --unix-socket "$T/$1.sock" http://x/_stats | jq -r ".$2"
}

setup() {
	T=$BATS_TEST_TMPDIR
}

teardown() {
	local p
	for p in "$T"/*.pid; do
		[ -e "$p" ] || continue
		kill -KILL "$(cat "$p")" 2>/dev/null || true
	done
}

# field N KEY: KEY of output line N (1-based), as jq -r prints it.
field() {
	sed -n "${1}p" <<<"$output" | jq -r ".$2"
}

# ---------------------------------------------------------------- interface

@test "--help prints the usage on stdout and exits 0" {
	run ctrenrich --help
	assert_success
	assert_line --index 0 --partial 'Usage: ctrenrich'
	assert_output --partial '--socket RUNTIME=PATH'
	assert_output --partial '--unordered'
}

@test "--version prints the version and exits 0" {
	run ctrenrich --version
	assert_success
	assert_output --regexp '^ctrenrich \(ctrwatch\) [0-9]'
}

@test "a bad option, a bad --socket and a bad --timeout are usage errors (2)" {
	run ctrenrich --bogus
	assert_failure 2
	run ctrenrich --socket nonsense </dev/null
	assert_failure 2
	assert_output --partial 'RUNTIME=PATH'
	run ctrenrich --socket rkt=/x </dev/null
	assert_failure 2
	assert_output --partial "unknown runtime 'rkt'"
	run ctrenrich --timeout 0 </dev/null
	assert_failure 2
}

@test "records that are not container records pass through byte for byte, in place" {
	fake_start d
	{
		printf '{"event":"lost","ts":1,"count":3}\n'
		rec container_create docker "$(cid 1)" 2
		printf '{ "event" : "cgroup_mkdir", "ts":3, "path":"/a\\u00e9" }\n'
		printf '{"event":"user","ts":4,"extra":"kept"}\n'
	} >"$T/in"
	run ctrenrich --no-discover --socket "docker=$T/d.sock" "$T/in"
	assert_success
	assert_equal "$(sed -n 1p <<<"$output")" '{"event":"lost","ts":1,"count":3}'
	assert_equal "$(sed -n 3p <<<"$output")" '{ "event" : "cgroup_mkdir", "ts":3, "path":"/a\u00e9" }'
	assert_equal "$(sed -n 4p <<<"$output")" '{"event":"user","ts":4,"extra":"kept"}'
	assert_equal "$(field 2 container_name)" "fake-$(cid 1 | cut -c1-12)"
}

@test "a nested value is bad input: one diagnostic with its line number, the rest still out" {
	fake_start d
	{
		printf '{"event":"lost","ts":1,"count":3}\n'
		printf '{ "event" : "cgroup_mkdir", "ts":3, "x":[] }\n'
		printf 'not json\n'
		rec container_create docker "$(cid 1)" 4
		printf '{"event":"container_create","ts":5,"runtime":"docker"}\n'
	} >"$T/in"
	run --separate-stderr ctrenrich --no-discover --socket "docker=$T/d.sock" "$T/in"
	assert_success
	assert_equal "$(wc -l <<<"$output")" 2
	assert_equal "$(grep -c 'ctrenrich: .*in:[235]: ' <<<"$stderr")" 3
	assert_equal "$(field 2 ts)" 4
	run --separate-stderr ctrenrich --strict --no-discover --socket "docker=$T/d.sock" "$T/in"
	assert_failure 65
	assert_equal "$output" '{"event":"lost","ts":1,"count":3}'
}

# long_rec TS LEN: a garden container record (no lookup) padded to LEN bytes.
long_rec() {
	local r
	r=$(rec container_create garden "$(cid "$1")" "$1")
	r=${r%\}},\"pad\":\"
	printf '%s%s"}\n' "$r" "$(head -c $(($2 - ${#r} - 2)) /dev/zero | tr '\0' x)"
}

@test "a record the added fields would take past the line limit is passed on unchanged, by line" {
	# The limit is 262,144 bytes (ctr-records(7)). Line 2 has room for fewer bytes than
	# ctrenrich adds; line 3 for enough of them.
	{
		rec container_create garden "$(cid 1)" 1
		long_rec 2 262044
		long_rec 3 261500
		printf '{"event":"lost","ts":4,"count":1}\n'
	} >"$T/in"
	[ "$(sed -n 2p "$T/in" | wc -c)" -eq 262045 ]
	run --separate-stderr ctrenrich --no-discover "$T/in"
	assert_success
	assert_equal "$(jq -r .ts <<<"$output" | paste -sd,)" 1,2,3,4
	cmp <(sed -n 2p <<<"$output") <(sed -n 2p "$T/in")
	assert_equal "$(field 3 container_id)" "$(cid 3)"
	[ "$(sed -n 3p <<<"$output" | wc -c)" -gt 261501 ]
	assert_equal "$(awk 'length > 262144' <<<"$output" | wc -l)" 0
	assert_equal "$stderr" "ctrenrich: $T/in:2: record would grow past the line limit: passed on unchanged"
	# --strict stops reading there: what was read before it was found comes out, status 65
	run --separate-stderr ctrenrich --strict --no-discover "$T/in"
	assert_failure 65
	cmp <(sed -n 2p <<<"$output") <(sed -n 2p "$T/in")
	assert_equal "$stderr" "ctrenrich: $T/in:2: record would grow past the line limit: passed on unchanged"
}

@test "stdout carries only records even with -v" {
	fake_start d
	rec container_create docker "$(cid 1)" >"$T/in"
	run --separate-stderr ctrenrich -v --no-discover --socket "docker=$T/d.sock" "$T/in"
	assert_success
	assert_all_json
	[[ $stderr == *"docker: $T/d.sock"* ]]
	[[ $stderr == *"1 lookups"* ]]
}

@test "a closed stdout ends the run quietly with status 0 (| head -1)" {
	fake_start d
	recs container_create docker 1 3000 >"$T/in"
	run bash -c "ctrenrich --no-discover --socket docker='$T/d.sock' '$T/in' | head -1; echo \"rc=\${PIPESTATUS[0]}\""
	assert_line --index 1 'rc=0'
	refute_output --partial 'ctrenrich:'
}

# ---------------------------------------------------------------- Docker (fake, recorded answers)

@test "docker: a Kubernetes container gets name, image, pod fields from its replayed create event" {
	fake_start d
	rec container_create docker "$K8S_CTR" >"$T/in"
	run ctrenrich --no-discover --socket "docker=$T/d.sock" "$T/in"
	assert_success
	assert_equal "$(field 1 container_name)" k8s_app_rtref-pod_default_8f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b_0
	assert_equal "$(field 1 container_image)" rtref-bb:1
	assert_equal "$(field 1 container_image_digest)" ''
	assert_equal "$(field 1 pod_name)" rtref-pod
	assert_equal "$(field 1 pod_namespace)" default
	assert_equal "$(field 1 pod_uid)" 8f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b
	assert_equal "$(field 1 pod_sandbox)" false
	assert_equal "$(field 1 enrich_error)" null
	# the create event replayed, then the image by its name as typed; never inspect at create
	# (it blocks until start), nor the list (it walks every container)
	run cat "$T/d.log"
	assert_line --index 0 --regexp '^GET /v1.41/events\?until=[0-9]+\.[0-9]{9}&filters=.*%22container%22%3A%5B%22'"$K8S_CTR"'%22%5D'
	assert_line --index 1 'GET /v1.41/images/rtref-bb%3A1/json'
	assert_equal "${#lines[@]}" 2
}

@test "docker: the dockershim sandbox (io.kubernetes.docker.type=podsandbox) is pod_sandbox" {
	fake_start d
	rec container_create docker "$K8S_SB" >"$T/in"
	run ctrenrich --no-discover --socket "docker=$T/d.sock" "$T/in"
	assert_success
	assert_equal "$(field 1 pod_sandbox)" true
	assert_equal "$(field 1 container_name)" k8s_POD_rtref-pod_default_8f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b_0
	assert_equal "$(field 1 pod_name)" rtref-pod
}

@test "docker: an image named by id is shown by its first repo tag" {
	fake_start d
	rec container_create docker "$BYID" >"$T/in"
	run ctrenrich --no-discover --socket "docker=$T/d.sock" "$T/in"
	assert_success
	assert_equal "$(field 1 container_image)" rtref-bb:1
}

@test "docker: existing_container the list does not hold is looked up alone, and cached for its removal" {
	fake_start d
	{ rec existing_container docker "$EXITED" 1; rec container_remove docker "$EXITED" 2; } >"$T/in"
	run ctrenrich --no-discover --socket "docker=$T/d.sock" "$T/in"
	assert_success
	assert_equal "$(field 1 container_name)" rtref-exited
	assert_equal "$(field 2 container_name)" rtref-exited
	assert_equal "$(field 2 exit_code)" 3
	# the list (of running containers: this one has exited), then its own lookup; the removal
	# asks only for the exit
	assert_equal "$(grep -cx 'GET /v1.41/containers/json' "$T/d.log")" 1
	assert_equal "$(grep -cx 'GET /v1.41/images/json' "$T/d.log")" 1
	assert_equal "$(grep -c '/events?' "$T/d.log")" 1
	assert_equal "$(grep -c "/containers/$EXITED/json" "$T/d.log")" 1
	assert_equal "$(wc -l <"$T/d.log")" 5
}

@test "docker: the scan's burst of existing containers is answered by one list, in order" {
	for i in $(seq 1 300); do cid "$i"; echo; done >"$T/running"
	fake_start d --running "$T/running"
	{
		recs existing_container docker 1 300
		rec container_remove docker "$(cid 7)" 301
		rec existing_container docker "$(cid 1000)" 302 # not running: asked alone
	} >"$T/in"
	run ctrenrich --no-discover --socket "docker=$T/d.sock" "$T/in"
	assert_success
	assert_equal "${#lines[@]}" 302
	diff <(jq -r .ts <<<"$output") <(jq -r .ts "$T/in")
	assert_equal "$(jq -r 'select(.enrich_error) | .ts' <<<"$output" | wc -l)" 0
	for i in 1 150 300; do
		assert_equal "$(field "$i" container_name)" "fake-$(cid "$i" | cut -c1-12)"
		assert_equal "$(field "$i" container_image)" fake/app:1
		[[ $(field "$i" container_image_digest) == fake/app@sha256:* ]]
	done
	assert_equal "$(field 301 container_name)" "fake-$(cid 7 | cut -c1-12)"
	assert_equal "$(field 302 container_name)" "fake-$(cid 1000 | cut -c1-12)"
	# two requests for the 300 (images, then running containers); the removal asks only for
	# the exit; the one the list did not hold asks alone (replay, then its image)
	assert_equal "$(grep -cx 'GET /v1.41/images/json' "$T/d.log")" 1
	assert_equal "$(grep -cx 'GET /v1.41/containers/json' "$T/d.log")" 1
	assert_equal "$(grep -c "/containers/$(cid 7)/json" "$T/d.log")" 1
	assert_equal "$(grep -c "/events?.*$(cid 1000)" "$T/d.log")" 1
	assert_equal "$(wc -l <"$T/d.log")" 5
}

@test "docker: a list that fails leaves each existing container to its own lookup" {
	for i in 1 2 3; do cid "$i"; echo; done >"$T/running"
	fake_start d --running "$T/running" --fail /images/json
	recs existing_container docker 1 3 >"$T/in"
	run ctrenrich --no-discover --socket "docker=$T/d.sock" "$T/in"
	assert_success
	for i in 1 2 3; do
		assert_equal "$(field "$i" container_name)" "fake-$(cid "$i" | cut -c1-12)"
		assert_equal "$(field "$i" enrich_error)" null
	done
	assert_equal "$(grep -c '/events?' "$T/d.log")" 3
	assert_equal "$(grep -cx 'GET /v1.41/containers/json' "$T/d.log")" 0
}

@test "docker: a list that outlives the deadline: the records waiting on it say timeout" {
	for i in 1 2 3; do cid "$i"; echo; done >"$T/running"
	fake_start d --running "$T/running" --slow /images/json:3000
	recs existing_container docker 1 3 >"$T/in"
	run ctrenrich --timeout 300ms --no-discover --socket "docker=$T/d.sock" "$T/in"
	assert_success
	for i in 1 2 3; do assert_equal "$(field "$i" enrich_error)" timeout; done
}

@test "existing containers of runtimes without a socket, every transfer busy: each says no socket" {
	{
		recs existing_container docker 1 20
		recs existing_container podman 21 40
	} >"$T/in"
	run --separate-stderr ctrenrich --max-inflight 1 --no-discover --socket "docker=$T/none.sock" \
		--socket "podman=$T/none.sock" "$T/in"
	assert_success
	assert_equal "${#lines[@]}" 40
	assert_equal "$(jq -r .enrich_error <<<"$output" | sort | uniq -c | awk '{print $1, $NF}' | paste -sd,)" \
		'20 docker,20 podman'
}

@test "docker: a digest comes from the image's first repo digest" {
	fake_start d
	rec container_create docker "$(cid 1)" >"$T/in"
	run ctrenrich --no-discover --socket "docker=$T/d.sock" "$T/in"
	assert_success
	[[ $(field 1 container_image_digest) == fake/app@sha256:* ]]
}

@test "hostile runtime strings come out escaped, as valid JSON" {
	fake_start d
	rec container_create docker "$EVIL" >"$T/in"
	run ctrenrich --no-discover --socket "docker=$T/d.sock" "$T/in"
	assert_success
	assert_all_json
	assert_equal "$(wc -l <<<"$output")" 1
	# quote, backslash, newline, U+0001, a lone surrogate (U+FFFD), as the writer escapes them
	assert_output --partial '"container_name":"evil\"name\\\u000a\u0001'$'\xef\xbf\xbd''x"'
	assert_output --partial '"container_image":"img'$'\xef\xbf\xbd'':1"'
	[[ $(field 1 pod_name) == $'p\xc3\xa9\t' ]]
}

@test "docker: container_remove carries the create-time fields and the exit details" {
	fake_start d
	{ rec container_create docker "$EXITED" 1; rec container_remove docker "$EXITED" 2; } >"$T/in"
	run ctrenrich --no-discover --socket "docker=$T/d.sock" "$T/in"
	assert_success
	assert_equal "$(field 2 event)" container_remove
	assert_equal "$(field 2 container_name)" rtref-exited
	assert_equal "$(field 2 container_image)" rtref-bb:1
	assert_equal "$(field 2 exit_code)" 3
	assert_equal "$(field 2 finished_at)" 2026-11-23T06:37:26.038914416Z
	assert_equal "$(field 2 oom_killed)" false
	assert_equal "$(field 2 enrich_error)" null
	# the removal asked only for the exit details: one inspect, no second image lookup
	assert_equal "$(grep -c "/containers/$EXITED/json" "$T/d.log")" 1
	assert_equal "$(grep -c '/images/' "$T/d.log")" 1
}

@test "docker: container_remove of a container never seen is looked up whole" {
	fake_start d
	rec container_remove docker "$EXITED" >"$T/in"
	run ctrenrich --no-discover --socket "docker=$T/d.sock" "$T/in"
	assert_success
	assert_equal "$(field 1 container_name)" rtref-exited
	assert_equal "$(field 1 container_image)" rtref-bb:1
	assert_equal "$(field 1 exit_code)" 3
}

@test "docker: removal while the runtime still says running waits, then goes without exit details" {
	fake_start d
	{ rec container_create docker "$K8S_SB" 1; rec container_remove docker "$K8S_SB" 2; } >"$T/in"
	run ctrenrich --timeout 300ms --no-discover --socket "docker=$T/d.sock" "$T/in"
	assert_success
	assert_equal "$(field 2 container_name)" k8s_POD_rtref-pod_default_8f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b_0
	assert_equal "$(field 2 exit_code)" null
	assert_equal "$(field 2 enrich_error)" null
	# asked again with backoff inside the deadline
	[ "$(grep -c "/containers/$K8S_SB/json" "$T/d.log")" -ge 3 ]
}

@test "fields ctrenrich owns are replaced, not doubled, when a record is enriched again" {
	fake_start d
	rec container_create docker "$K8S_CTR" >"$T/in"
	run bash -c "ctrenrich --no-discover --socket docker='$T/d.sock' '$T/in' |
		ctrenrich --no-discover --socket docker='$T/d.sock'"
	assert_success
	assert_equal "$(grep -o '"container_name"' <<<"$output" | wc -l)" 1
	assert_equal "$(field 1 pod_name)" rtref-pod
}

# ---------------------------------------------------------------- Podman (fake, recorded answers)

@test "podman: a plain container: name, image name and its digest" {
	fake_start p
	rec container_create podman "$PM_PLAIN" >"$T/in"
	run ctrenrich --no-discover --socket "podman=$T/p.sock" "$T/in"
	assert_success
	assert_equal "$(field 1 container_name)" rtref-pm-plain
	assert_equal "$(field 1 container_image)" localhost/rtref-imp:1
	assert_equal "$(field 1 container_image_digest)" sha256:28d86d074b86e4fb6caff401f685bd3d8e6ecf9835901757dc85c41f63b5072f
	assert_equal "$(field 1 pod_sandbox)" false
	run cat "$T/p.log"
	assert_line "GET /v4.0.0/libpod/containers/$PM_PLAIN/json"
}

@test "podman: a journald host (events_logger = \"journald\"): -v says no log is read, the API answers" {
	fake_start p
	printf '[engine]\nevents_logger = "journald"\n' >"$T/containers.conf"
	rec container_create podman "$PM_PLAIN" >"$T/in"
	CONTAINERS_CONF=$T/containers.conf run --separate-stderr ctrenrich -v --no-discover \
		--socket "podman=$T/p.sock" "$T/in"
	assert_success
	[[ $stderr == *'podman: no event log to read (events_logger is "journald")'* ]]
	assert_equal "$(field 1 container_name)" rtref-pm-plain
	assert_equal "$(field 1 enrich_error)" null
	run cat "$T/p.log"
	assert_line "GET /v4.0.0/libpod/containers/$PM_PLAIN/json"
}

@test "podman: a pod member gets pod_name from its Podman pod; the infra container is the sandbox" {
	fake_start p
	{ rec container_create podman "$PM_MEMBER" 1; rec container_create podman "$PM_INFRA" 2; } >"$T/in"
	run ctrenrich --no-discover --socket "podman=$T/p.sock" "$T/in"
	assert_success
	assert_equal "$(field 1 container_name)" rtref-pmpod-app
	assert_equal "$(field 1 pod_name)" rtref-pmpod
	assert_equal "$(field 1 pod_sandbox)" false
	assert_equal "$(field 2 container_name)" 3b430bdcb1e1-infra
	assert_equal "$(field 2 pod_sandbox)" true
	# the infra container has Kubernetes labels: they win over the Podman pod's name
	assert_equal "$(field 2 pod_name)" pmpod
}

@test "podman: Kubernetes labels give pod name, namespace and uid" {
	fake_start p
	rec container_create podman "$PM_K8S" >"$T/in"
	run ctrenrich --no-discover --socket "podman=$T/p.sock" "$T/in"
	assert_success
	assert_equal "$(field 1 pod_name)" pmpod
	assert_equal "$(field 1 pod_namespace)" default
	assert_equal "$(field 1 pod_uid)" cccccccc-0000-0000-0000-000000000001
}

@test "podman: container_remove carries create-time fields and the exit code" {
	fake_start p
	{ rec container_create podman "$(cid 3)" 1; rec container_remove podman "$(cid 3)" 2; } >"$T/in"
	run ctrenrich --no-discover --socket "podman=$T/p.sock" "$T/in"
	assert_success
	assert_equal "$(field 2 container_name)" "fake-$(cid 3 | cut -c1-12)"
	assert_equal "$(field 2 exit_code)" "$((0x$(cid 3 | cut -c63-64) % 8))"
	assert_equal "$(field 2 oom_killed)" false
}

# ---------------------------------------------------------------- runtime unknown, ids

@test "runtime unknown: every runtime is asked, the one that knows the id is kept and named" {
	fake_start d --no-synth
	fake_start p
	{ rec container_create unknown "$PM_PLAIN" 1; rec container_remove unknown "$PM_PLAIN" 2; } >"$T/in"
	run ctrenrich --no-discover --socket "docker=$T/d.sock" --socket "podman=$T/p.sock" "$T/in"
	assert_success
	assert_equal "$(field 1 runtime)" podman
	assert_equal "$(field 1 container_name)" rtref-pm-plain
	assert_equal "$(field 2 runtime)" podman
	assert_equal "$(field 2 container_name)" rtref-pm-plain
	# runtime stays where it was among the fields
	assert_equal "$(sed -n 1p <<<"$output" | jq -c 'keys_unsorted[0:6]')" \
		'["event","ts","cgroup_id","path","runtime","container_id"]'
}

@test "runtime unknown and nobody knows the id: not found, runtime left as it was" {
	fake_start d --no-synth
	rec container_create unknown "$(cid 9)" >"$T/in"
	run ctrenrich --timeout 200ms --no-discover --socket "docker=$T/d.sock" "$T/in"
	assert_success
	assert_equal "$(field 1 runtime)" unknown
	assert_equal "$(field 1 enrich_error)" 'not found'
}

@test "invalid container ids never reach a runtime" {
	fake_start d
	{
		rec container_create docker '../../../../etc/passwd' 1
		rec container_create docker "$(cid 1 | tr 0 A)" 2
		rec container_create docker "$(cid 1 | cut -c2-)" 3
		rec container_create docker "$(cid 1)%2F" 4
		rec container_create unknown 'x?y#z' 5
		printf '{"event":"container_create","ts":6,"runtime":"docker","container_id":"%s\\u0000"}\n' "$(cid 1 | cut -c2-)"
	} >"$T/in"
	run ctrenrich --no-discover --socket "docker=$T/d.sock" "$T/in"
	assert_success
	assert_equal "$(wc -l <<<"$output")" 6
	assert_equal "$(jq -r .enrich_error <<<"$output" | sort -u)" 'invalid container id'
	[ ! -s "$T/d.log" ]
}

@test "lxc and garden containers are not looked up: lxc's name is its id, neither is an error" {
	{ rec container_create lxc foo 1; rec container_create garden "$(cid 1)" 2; } >"$T/in"
	run --separate-stderr ctrenrich --no-discover "$T/in"
	assert_success
	assert_equal "$(field 1 container_name)" foo
	assert_equal "$(field 1 runtime)" lxc
	assert_equal "$(jq -r 'has("enrich_error")' <<<"$output" | paste -sd,)" false,false
	assert_equal "$(field 2 container_id)" "$(cid 1)"
	assert_equal "$(field 2 container_name)" ''
	assert_equal "$stderr" ''
}

# ---------------------------------------------------------------- faults

# faulty ARGS... : 3 container records between pass-through ones through ctrenrich $ARGS; checks
# every record comes out once, in order; leaves the output in $output.
faulty() {
	{
		printf '{"event":"lost","ts":1,"count":1}\n'
		rec container_create docker "$(cid 1)" 2
		printf '{"event":"lost","ts":3,"count":1}\n'
		rec container_create docker "$(cid 2)" 4
		rec container_remove docker "$(cid 3)" 5
		printf '{"event":"lost","ts":6,"count":1}\n'
	} >"$T/in"
	run --separate-stderr ctrenrich --no-discover "$@" "$T/in"
	assert_success
	assert_all_json
	assert_equal "$(jq -r .ts <<<"$output" | paste -sd,)" 1,2,3,4,5,6
}

@test "fault: no socket: each record out once, in order, with enrich_error" {
	faulty --socket "docker=$T/none.sock"
	assert_equal "$(field 2 enrich_error)" 'no socket for docker'
	assert_equal "$(field 5 enrich_error)" 'no socket for docker'
	assert_equal "$(field 2 container_name)" ''
}

@test "fault: no socket found anywhere (discovery off)" {
	faulty
	assert_equal "$(field 4 enrich_error)" 'no socket for docker'
}

@test "fault: connection refused (a socket nobody listens on)" {
	fake_start d
	fake_kill d KILL # the socket file stays behind
	[ -S "$T/d.sock" ]
	faulty --socket "docker=$T/d.sock"
	assert_equal "$(field 2 enrich_error)" 'connection refused'
	assert_equal "$(field 5 enrich_error)" 'connection refused'
}

@test "fault: HTTP 500" {
	fake_start d --mode http500
	faulty --socket "docker=$T/d.sock"
	assert_equal "$(field 2 enrich_error)" 'bad response: HTTP 500'
	assert_equal "$(field 5 enrich_error)" 'bad response: HTTP 500'
}

@test "fault: invalid JSON" {
	fake_start d --mode badjson
	faulty --socket "docker=$T/d.sock"
	assert_equal "$(field 2 enrich_error)" 'bad response: invalid JSON'
	assert_equal "$(field 4 enrich_error)" 'bad response: invalid JSON'
}

@test "fault: a body cut mid-way (connection closed)" {
	fake_start d --mode cut
	faulty --socket "docker=$T/d.sock"
	assert_equal "$(field 2 enrich_error)" 'bad response: truncated'
	assert_equal "$(field 5 enrich_error)" 'bad response: truncated'
}

@test "fault: the connection closed with no answer" {
	fake_start d --mode close
	faulty --socket "docker=$T/d.sock"
	assert_equal "$(field 2 enrich_error)" 'connection closed'
}

@test "fault: a 100 MB body is cut at the response cap" {
	fake_start d --mode huge
	faulty --socket "docker=$T/d.sock"
	assert_equal "$(field 2 enrich_error)" 'response too large'
	assert_equal "$(field 5 enrich_error)" 'response too large'
}

@test "fault: a runtime that never answers: the deadline holds for every record" {
	fake_start d --mode hang
	recs container_create docker 1 40 >"$T/in"
	start=$(date +%s%N)
	run --separate-stderr ctrenrich --timeout 500ms --no-discover --socket "docker=$T/d.sock" "$T/in"
	ms=$((($(date +%s%N) - start) / 1000000))
	echo "# 40 lookups to a runtime that never answers, deadline 500 ms: all out in ${ms} ms" >&3
	assert_success
	assert_equal "$(grep -c '"enrich_error":"timeout"' <<<"$output")" 40
	# The promise: each record out by its deadline, 500 ms after it was read (all are read at
	# once), checked with a margin of 8 s for start-up on a loaded machine. Deadlines one after
	# another (20 s) would break it.
	[ "$ms" -lt 8500 ] || fail "40 records with a 500 ms deadline took ${ms} ms"
	faulty --timeout 300ms --socket "docker=$T/d.sock"
	assert_equal "$(field 2 enrich_error)" timeout
	assert_equal "$(field 5 enrich_error)" timeout
}

@test "fault: never answering: a record leaves one deadline after it came, not held by later ones" {
	fake_start d --mode hang
	mkfifo "$T/fifo"
	ctrenrich --timeout 300ms --no-discover --socket "docker=$T/d.sock" <"$T/fifo" >"$T/out" &
	pid=$!
	exec 5>"$T/fifo"
	rec container_create docker "$(cid 1)" 1 >&5
	# Out at its deadline while the input stays open and the next record is not written yet
	# (300 ms; up to 10 s is the margin for a loaded machine).
	for _ in $(seq 200); do [ -s "$T/out" ] && break; sleep 0.05; done
	[ "$(wc -l <"$T/out")" -eq 1 ] || fail "the first record waited for more input"
	rec container_create docker "$(cid 2)" 2 >&5
	exec 5>&-
	wait_pid "$pid"
	assert_equal "$(grep -c '"enrich_error":"timeout"' "$T/out")" 2
}

@test "fault: with every transfer busy, a record with no socket to ask fails at once, saying so" {
	# The one transfer waits on a runtime that never answers. The podman record has no socket
	# known, the containerd one a path with nothing there: each ends with its reason, before
	# the docker one, not at its deadline with "timeout" for want of a transfer.
	fake_start d --mode hang
	{
		rec container_create docker "$(cid 1)" 1
		rec container_create podman "$(cid 2)" 2
		rec container_create containerd "$(cid 3)" 3
	} >"$T/in"
	run --separate-stderr ctrenrich --unordered --max-inflight 1 --timeout 2s --no-discover \
		--socket "docker=$T/d.sock" --socket "containerd=$T/none.sock" "$T/in"
	assert_success
	assert_equal "$(jq -r .ts <<<"$output" | paste -sd,)" 2,3,1
	assert_equal "$(field 1 enrich_error)" 'no socket for podman'
	assert_equal "$(field 2 enrich_error)" 'no socket for containerd'
	assert_equal "$(field 3 enrich_error)" timeout
}

@test "fault: dockerd's events stream misbehaving (up, garbage, cut, unanswered) costs no record a field" {
	for mode in up garbage close hang; do
		rm -f "$T/d.log"
		fake_start d --stream "$mode"
		t0=$(date +%s%N)
		# 15 creates 100 ms apart: the stream is asked again after it ended (close)
		for i in $(seq 15); do
			rec container_create docker "$(cid "$i")" "$i"
			sleep 0.1
		done | timeout 30 ctrenrich --no-discover --socket "docker=$T/d.sock" >"$T/out" ||
			fail "$mode: ctrenrich failed or did not end"
		secs=$((($(date +%s%N) - t0) / 1000000000))
		assert_equal "$(grep -c '"container_name":"fake-' "$T/out")" 15
		assert_equal "$(grep -c enrich_error "$T/out")" 0
		# up, and no create event came (or garbage came): no image answer was kept for a
		# create; otherwise kept for a second, as without the stream
		if [ "$mode" = up ] || [ "$mode" = garbage ]; then
			assert_equal "$(grep -c '^GET /v1.41/images/fake%2Fapp%3A1/json' "$T/d.log")" 15
		fi
		# asked again at most once a second (at least once)
		n=$(grep -c '^GET /v1.41/events?since=' "$T/d.log")
		[ "$n" -ge 1 ] && [ "$n" -le $((secs + 1)) ] || fail "$mode: $n streams asked in ${secs}s"
		# (KILL: a fake holding a stream open would wait for it on TERM)
		kill -KILL "$(cat "$T/d.pid")"
		for _ in $(seq 100); do kill -0 "$(cat "$T/d.pid")" 2>/dev/null || break; sleep 0.05; done
	done
}

@test "fault: a runtime that dies and comes back is used again" {
	fake_start d
	mkfifo "$T/fifo"
	ctrenrich --no-discover --socket "docker=$T/d.sock" <"$T/fifo" >"$T/out" 2>"$T/err" &
	pid=$!
	exec 5>"$T/fifo"
	rec container_create docker "$(cid 1)" 1 >&5
	for _ in $(seq 50); do [ -s "$T/out" ] && break; sleep 0.05; done
	fake_kill d
	rec container_create docker "$(cid 2)" 2 >&5
	for _ in $(seq 50); do [ "$(wc -l <"$T/out")" -ge 2 ] && break; sleep 0.05; done
	fake_start d 5>&- # the server must not hold the fifo open
	rec container_create docker "$(cid 3)" 3 >&5
	exec 5>&-
	wait_pid "$pid"
	run cat "$T/out"
	assert_equal "$(wc -l <<<"$output")" 3
	assert_equal "$(field 1 container_name)" "fake-$(cid 1 | cut -c1-12)"
	[[ $(field 2 enrich_error) == 'no socket for docker' || $(field 2 enrich_error) == 'connection refused' ]]
	assert_equal "$(field 3 container_name)" "fake-$(cid 3 | cut -c1-12)"
	assert_equal "$(field 3 enrich_error)" null
}

@test "not found right after a create is asked again with backoff, inside the deadline" {
	fake_start d --mode notfound --notfound 3
	rec container_create docker "$(cid 1)" >"$T/in"
	run ctrenrich --no-discover --socket "docker=$T/d.sock" "$T/in"
	assert_success
	assert_equal "$(field 1 container_name)" "fake-$(cid 1 | cut -c1-12)"
	# the replay (not found: 1), list-by-id at once (2), then twice more, with backoff
	assert_equal "$(grep -c '/events?' "$T/d.log")" 1
	assert_equal "$(grep -c '/containers/json' "$T/d.log")" 3
}

@test "not found for longer than the deadline: enrich_error not found" {
	fake_start d --mode notfound --notfound 1000
	rec container_create docker "$(cid 1)" >"$T/in"
	run ctrenrich --timeout 300ms --no-discover --socket "docker=$T/d.sock" "$T/in"
	assert_success
	assert_equal "$(field 1 enrich_error)" 'not found'
}

# ---------------------------------------------------------------- order and concurrency

@test "1000 records against answers delayed 0-50 ms: input order kept, many in flight" {
	fake_start d --delay-rand 0-50
	recs container_create docker 1 1000 10 >"$T/in"
	start=$(date +%s%N)
	# a long deadline: this is about order and concurrency, on a machine that may be loaded
	run ctrenrich --timeout 60s --no-discover --socket "docker=$T/d.sock" "$T/in"
	ms=$((($(date +%s%N) - start) / 1000000))
	assert_success
	assert_equal "$(wc -l <<<"$output")" 1100
	diff <(jq -r .ts <<<"$output") <(jq -r .ts "$T/in")
	assert_equal "$(jq -r 'select(.enrich_error) | .ts' <<<"$output" | wc -l)" 0
	inflight=$(stat_of d max_inflight)
	echo "# 1000 lookups (2000 requests) in ${ms} ms; sequential would take ~50000 ms; server saw ${inflight} at once" >&3
	# many at once: an outcome, not a speed (the time above is only reported)
	[ "$inflight" -ge 32 ]
}

@test "--max-inflight bounds the requests the runtime sees at once" {
	fake_start d --delay 20
	recs container_create docker 1 100 >"$T/in"
	run ctrenrich --max-inflight 4 --no-discover --socket "docker=$T/d.sock" "$T/in"
	assert_success
	assert_equal "$(wc -l <<<"$output")" 100
	[ "$(stat_of d max_inflight)" -le 4 ]
}

@test "--unordered lets a fast record overtake a slow one; ordered output waits" {
	fake_start d --slow "$(cid 1):600"
	{ rec container_create docker "$(cid 1)" 1; rec container_create docker "$(cid 2)" 2; } >"$T/in"
	run ctrenrich --unordered --no-discover --socket "docker=$T/d.sock" "$T/in"
	assert_success
	assert_equal "$(jq -r .ts <<<"$output" | paste -sd,)" 2,1
	run ctrenrich --no-discover --socket "docker=$T/d.sock" "$T/in"
	assert_equal "$(jq -r .ts <<<"$output" | paste -sd,)" 1,2
}

@test "a small --queue-size still lets every record through, in order" {
	fake_start d --delay-rand 0-5
	recs container_create docker 1 200 >"$T/in"
	run ctrenrich --queue-size 3 --no-discover --socket "docker=$T/d.sock" "$T/in"
	assert_success
	diff <(jq -r .ts <<<"$output") <(seq 200)
	[ "$(stat_of d max_inflight)" -le 3 ]
}

@test "a full queue takes the lines already read as soon as a slot frees (--queue-size 1)" {
	# Records that need no runtime are done when read: each frees its slot at once, and the next
	# line is already in the buffer. ctrenrich must take it then, not first sleep in its poll
	# (it used to, for the default 1000 ms, after each record: 5 records took 5 s). Counted,
	# not timed: no wait may run out its time, as one does only when it slept with work at hand.
	recs container_create garden 1 5 >"$T/in"
	# LeakSanitizer cannot run under ptrace
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		run strace -f -qq -e trace=poll,ppoll -o "$T/trace" ctrenrich --queue-size 1 --no-discover "$T/in"
	assert_success
	assert_equal "$(jq -r .ts <<<"$output" | paste -sd,)" 1,2,3,4,5
	grep -q poll "$T/trace" || fail "strace saw no poll: $(head -5 "$T/trace")"
	slept=$(grep -F '= 0 (Timeout)' "$T/trace" | grep -Ev ', 0\) += 0 |\{tv_sec=0, tv_nsec=0\}' || true)
	[ -z "$slept" ] || fail "waited with lines to take: $slept"
}

@test "--cache-size bounds the cache: an evicted container is looked up whole at removal" {
	fake_start d
	mkfifo "$T/fifo"
	ctrenrich --cache-size 1 --no-discover --socket "docker=$T/d.sock" <"$T/fifo" >"$T/out" &
	pid=$!
	exec 5>"$T/fifo"
	# each record once the one before is out: the first create is cached before the second
	n=0
	for r in "container_create 1" "container_create 2" "container_remove 1"; do
		set -- $r
		rec "$1" docker "$(cid "$2")" $((n + 1)) >&5
		n=$((n + 1))
		for _ in $(seq 200); do [ "$(wc -l <"$T/out")" -ge "$n" ] && break; sleep 0.05; done
	done
	exec 5>&-
	wait_pid "$pid"
	run cat "$T/out"
	assert_equal "$(field 3 container_name)" "fake-$(cid 1 | cut -c1-12)"
	# the container was asked for whole (inspect); its image came from the image cache
	assert_equal "$(grep -c "/containers/$(cid 1)/json" "$T/d.log")" 1
	assert_equal "$(field 3 container_image)" "$(field 1 container_image)"
	assert_equal "$(grep -c '/images/' "$T/d.log")" 1
}

@test "containers of one image ask the runtime for that image once" {
	fake_start d
	for i in 1 2 3 4 5; do rec container_create docker "$(cid $i)" $i; done >"$T/in"
	# one lookup at a time: concurrent lookups of one image each ask, nothing is waited for
	run ctrenrich --max-inflight 1 --no-discover --socket "docker=$T/d.sock" "$T/in"
	assert_success
	[ "${#lines[@]}" -eq 5 ]
	[ "$(grep -c '/events?' "$T/d.log")" -eq 5 ]
	[ "$(grep -c '/images/' "$T/d.log")" -eq 1 ]
	for i in 1 2 3 4 5; do
		assert_equal "$(field $i container_image)" "$(field 1 container_image)"
		assert_equal "$(field $i container_image_digest)" "$(field 1 container_image_digest)"
	done
}

# ---------------------------------------------------------------- real dockerd and Podman
#
# One private dockerd and one Podman service for the whole file (scripts/rt), root only. The
# records are made by hand from the ids docker/podman print; every field is checked against what
# docker inspect / podman inspect say.

setup_file() {
	[ "$(id -u)" -eq 0 ] || return 0
	RTDIR=$(mktemp -d /tmp/ctrenrich.XXXXXX)
	export RTDIR
	if ! { rt start docker "$RTDIR" && rt start podman "$RTDIR"; } >"$RTDIR.log" 2>&1; then
		touch "$RTDIR.failed"
	fi
}

teardown_file() {
	[ -n "${RTDIR:-}" ] || return 0
	rt stop "$RTDIR" >/dev/null 2>&1 || true
	rm -f "$RTDIR.log" "$RTDIR.failed"
}

require_rt() {
	require_root
	if [ -e "$RTDIR.failed" ]; then
		cat "$RTDIR.log" >&2
		fail "scripts/rt could not start the runtimes"
	fi
}

# enrich RUNTIME EVENT ID [EVENT ID]...: ctrenrich over hand-made records, against $RTDIR, with
# the options in ENRICH_ARGS (an array) first.
enrich() {
	local rt=$1 ts=1
	shift
	while [ $# -gt 0 ]; do
		rec "$1" "$rt" "$2" "$ts"
		ts=$((ts + 1))
		shift 2
	done >"$T/in"
	run --separate-stderr ctrenrich "${ENRICH_ARGS[@]}" --no-discover \
		--socket "docker=$RTDIR/docker.sock" --socket "podman=$RTDIR/podman.sock" "$T/in"
	assert_success
}

# docker_fields ID: the fields ctrenrich should give, from docker inspect, as one JSON object.
docker_fields() {
	local c img
	c=$(rt docker "$RTDIR" inspect "$1" | jq '.[0]')
	img=$(rt docker "$RTDIR" image inspect "$(jq -r .Image <<<"$c")" | jq '.[0]')
	jq -cn --argjson c "$c" --argjson i "$img" '{
		container_name: ($c.Name | ltrimstr("/")),
		container_image: $c.Config.Image,
		container_image_digest: ($i.RepoDigests[0] // ""),
		pod_name: ($c.Config.Labels["io.kubernetes.pod.name"] // ""),
		pod_namespace: ($c.Config.Labels["io.kubernetes.pod.namespace"] // ""),
		pod_uid: ($c.Config.Labels["io.kubernetes.pod.uid"] // ""),
		pod_sandbox: ($c.Config.Labels["io.kubernetes.docker.type"] == "podsandbox")}'
}

# got N: the enriched fields of output line N, as one JSON object.
got() {
	sed -n "${1}p" <<<"$output" | jq -c '{container_name, container_image,
		container_image_digest, pod_name, pod_namespace, pod_uid, pod_sandbox}'
}

@test "real docker: a plain container, every field as docker inspect says" {
	require_rt
	c=$(rt docker "$RTDIR" run -d --name ce-plain ctrwatch-test:1)
	enrich docker container_create "$c"
	assert_equal "$(field 1 enrich_error)" null
	assert_equal "$(got 1)" "$(docker_fields "$c")"
	assert_equal "$(field 1 container_name)" ce-plain
	assert_equal "$(field 1 container_image)" ctrwatch-test:1
	rt docker "$RTDIR" rm -f "$c" >/dev/null
}

@test "real docker: found only through dockerd's containerd (namespace moby), it is docker's and says Docker was not asked" {
	require_rt
	c=$(rt docker "$RTDIR" run -d --name ce-moby ctrwatch-test:1)
	rec container_create unknown "$c" >"$T/in"
	# Docker's own socket not given: only the containerd that dockerd started
	run --separate-stderr ctrenrich --no-discover \
		--socket "containerd=$RTDIR/docker/exec/containerd/containerd.sock" "$T/in"
	assert_success
	assert_equal "$(field 1 runtime)" docker
	assert_equal "$(field 1 container_id)" "$c"
	assert_equal "$(field 1 enrich_error)" "found by containerd as docker's, but docker could not be asked: no socket for docker"
	rt docker "$RTDIR" rm -f "$c" >/dev/null
}

@test "real docker: Kubernetes-style labels give the pod fields" {
	require_rt
	c=$(rt docker "$RTDIR" run -d --name web --label io.kubernetes.pod.name=p \
		--label io.kubernetes.pod.namespace=team --label io.kubernetes.pod.uid=0b5f-77 \
		ctrwatch-test:1)
	enrich docker container_create "$c"
	assert_equal "$(got 1)" "$(docker_fields "$c")"
	assert_equal "$(field 1 pod_name)" p
	assert_equal "$(field 1 pod_namespace)" team
	assert_equal "$(field 1 pod_uid)" 0b5f-77
	rt docker "$RTDIR" rm -f "$c" >/dev/null
}

@test "real docker: a dockershim-style sandbox and its container, under the pod's cgroup parent" {
	require_rt
	uid=$(cat /proc/sys/kernel/random/uuid)
	labels=(--label io.kubernetes.pod.name=cepod --label io.kubernetes.pod.namespace=default
		--label "io.kubernetes.pod.uid=$uid")
	sb=$(rt docker "$RTDIR" run -d --ipc shareable --cgroup-parent "/kubepods/besteffort/pod$uid" \
		--name "k8s_POD_cepod_default_${uid}_0" "${labels[@]}" \
		--label io.kubernetes.docker.type=podsandbox --label io.kubernetes.container.name=POD \
		ctrwatch-pause:1)
	app=$(rt docker "$RTDIR" run -d --network "container:$sb" --ipc "container:$sb" \
		--cgroup-parent "/kubepods/besteffort/pod$uid" --name "k8s_app_cepod_default_${uid}_0" \
		"${labels[@]}" --label io.kubernetes.docker.type=container \
		--label io.kubernetes.container.name=app --label "io.kubernetes.sandbox.id=$sb" \
		ctrwatch-test:1)
	enrich docker container_create "$sb" container_create "$app"
	assert_equal "$(got 1)" "$(docker_fields "$sb")"
	assert_equal "$(got 2)" "$(docker_fields "$app")"
	assert_equal "$(field 1 pod_sandbox)" true
	assert_equal "$(field 2 pod_sandbox)" false
	assert_equal "$(field 2 pod_uid)" "$uid"
	rt docker "$RTDIR" rm -f "$app" "$sb" >/dev/null
}

@test "real docker: a container under a custom absolute cgroup parent" {
	require_rt
	c=$(rt docker "$RTDIR" run -d --cgroup-parent "/ctrenrich-test/p$$" --name ce-parent \
		ctrwatch-test:1)
	enrich docker container_create "$c"
	assert_equal "$(got 1)" "$(docker_fields "$c")"
	assert_equal "$(field 1 container_name)" ce-parent
	rt docker "$RTDIR" rm -f "$c" >/dev/null
	find /sys/fs/cgroup -depth -type d -path "*/ctrenrich-test*" -exec rmdir {} + 2>/dev/null || true
}

@test "real docker: removal carries create-time fields and the real exit code" {
	require_rt
	c=$(rt docker "$RTDIR" run -d --name ce-exit3 ctrwatch-test:1 sh -c 'exit 3')
	rt docker "$RTDIR" wait "$c" >/dev/null
	enrich docker container_create "$c" container_remove "$c"
	assert_equal "$(got 2)" "$(docker_fields "$c")"
	assert_equal "$(field 2 container_name)" ce-exit3
	assert_equal "$(field 2 exit_code)" 3
	assert_equal "$(field 2 finished_at)" "$(rt docker "$RTDIR" inspect "$c" | jq -r '.[0].State.FinishedAt')"
	assert_equal "$(field 2 oom_killed)" false
	rt docker "$RTDIR" rm -f "$c" >/dev/null
}

@test "real docker: an OOM-killed container's removal says oom_killed" {
	require_rt
	c=$(rt docker "$RTDIR" run -d --memory 16m --memory-swap 16m ctrwatch-test:1 \
		sh -c 'x=$(head -c 200000000 /dev/zero | tr "\0" a); echo ${#x}')
	rt docker "$RTDIR" wait "$c" >/dev/null
	enrich docker container_create "$c" container_remove "$c"
	assert_equal "$(field 2 oom_killed)" "$(rt docker "$RTDIR" inspect -f '{{.State.OOMKilled}}' "$c")"
	assert_equal "$(field 2 oom_killed)" true
	assert_equal "$(field 2 exit_code)" 137
	rt docker "$RTDIR" rm -f "$c" >/dev/null
}

@test "real docker: runtime unknown is found and rewritten to docker" {
	require_rt
	c=$(rt docker "$RTDIR" run -d ctrwatch-test:1)
	enrich unknown container_create "$c"
	assert_equal "$(field 1 runtime)" docker
	assert_equal "$(got 1)" "$(docker_fields "$c")"
	rt docker "$RTDIR" rm -f "$c" >/dev/null
}

# proxy_start [SOCK]: a counting proxy (tests/fake/proxy.py) on $T/p.sock in front of SOCK
# ($RTDIR's dockerd by default); each request it passes is a line "METHOD PATH STATUS MS" in
# $T/p.log.
proxy_start() {
	("$PY" "$ROOT/tests/fake/proxy.py" "$T/p.sock" "${1:-$RTDIR/docker.sock}" --log "$T/p.log" \
		>"$T/p.out" 2>&1 3>&- &
	echo $! >"$T/p.pid")
	for _ in $(seq 100); do
		[ -S "$T/p.sock" ] && return 0
		sleep 0.05
	done
	cat "$T/p.out" >&2
	fail "the proxy did not start"
}

# asked: the requests the proxy passed ("METHOD PATH STATUS"), but dockerd's events stream, which
# the first create starts alongside its own requests.
asked() {
	cut -d' ' -f1-3 "$T/p.log" | grep -v '^GET /v1.41/events?since='
}

# penrich EVENT ID [EVENT ID]...: ctrenrich over hand-made docker records, through the proxy.
penrich() {
	local n=0
	while [ $# -gt 0 ]; do
		n=$((n + 1))
		rec "$1" docker "$2" "$n"
		shift 2
	done >"$T/in"
	run --separate-stderr ctrenrich --no-discover --socket "docker=$T/p.sock" "$T/in"
	assert_success
}

@test "real docker: the scan's existing containers are answered by one list request" {
	require_rt
	proxy_start
	ids=()
	for i in 1 2 3 4 5 6; do
		ids+=("$(rt docker "$RTDIR" run -d --name "ce-scan$i" --label "io.kubernetes.pod.name=scan$i" \
			ctrwatch-test:1)")
	done
	args=()
	for c in "${ids[@]}"; do args+=(existing_container "$c"); done
	penrich "${args[@]}"
	for i in 1 2 3 4 5 6; do
		assert_equal "$(field "$i" enrich_error)" null
		assert_equal "$(got "$i")" "$(docker_fields "${ids[i - 1]}")"
	done
	# the images, then the running containers: two requests for all six, none per container
	run cut -d' ' -f1-3 "$T/p.log"
	assert_output "$(printf 'GET /v1.41/images/json 200\nGET /v1.41/containers/json 200')"
	rt docker "$RTDIR" rm -f "${ids[@]}" >/dev/null
}

@test "real docker: a create is enriched from its replayed create event, every field right" {
	require_rt
	proxy_start
	c=$(rt docker "$RTDIR" create --name ce-replay --label io.kubernetes.pod.name=rp \
		--label io.kubernetes.pod.namespace=ns --label io.kubernetes.pod.uid=77-88 ctrwatch-test:1)
	rt docker "$RTDIR" rename ce-replay ce-replayed
	rt docker "$RTDIR" start "$c" >/dev/null
	penrich container_create "$c"
	assert_equal "$(field 1 enrich_error)" null
	assert_equal "$(got 1)" "$(docker_fields "$c")"
	assert_equal "$(field 1 container_name)" ce-replayed
	# the replay answered (no list, no inspect), then the image by its name as typed
	run asked
	assert_line --index 0 --regexp "^GET /v1.41/events\\?until=[0-9.]+&filters=.*$c.* 200$"
	assert_line --index 1 'GET /v1.41/images/ctrwatch-test%3A1/json 200'
	assert_equal "${#lines[@]}" 2
	rt docker "$RTDIR" rm -f "$c" >/dev/null
}

@test "real docker: a create gone from dockerd's events ring is found by list-by-id" {
	require_rt
	proxy_start
	c=$(rt docker "$RTDIR" run -d --name ce-ring --label io.kubernetes.pod.name=ring ctrwatch-test:1)
	# push the create out of the ring (256 events): 300 image tags, in one curl
	curl -sf --unix-socket "$RTDIR/docker.sock" -X POST -o /dev/null \
		"http://d/v1.41/images/ctrwatch-test:1/tag?repo=ce-ringfill&tag=[1-300]"
	penrich container_create "$c"
	curl -s --unix-socket "$RTDIR/docker.sock" -X DELETE -o /dev/null \
		"http://d/v1.41/images/ce-ringfill:[1-300]"
	assert_equal "$(field 1 enrich_error)" null
	assert_equal "$(got 1)" "$(docker_fields "$c")"
	run asked
	assert_line --index 0 --regexp "^GET /v1.41/events\\?until=.*$c.* 200$"
	assert_line --index 1 --regexp "^GET /v1.41/containers/json\\?all=1&filters=%7B%22id%22%3A%5B%22$c%22%5D%7D 200$"
	rt docker "$RTDIR" rm -f "$c" >/dev/null
}

# live_start: ctrenrich through the proxy, its records written one at a time (live_rec) to the
# fifo $T/live, its output in $T/out.
live_start() {
	mkfifo "$T/live"
	ctrenrich -v --no-discover --socket "docker=$T/p.sock" <"$T/live" >"$T/out" 2>"$T/err" &
	echo $! >"$T/live.pid"
	exec 5>"$T/live"
}

# live_rec EVENT ID N: write record N, and wait (at most 10 s) for ctrenrich's N-th line.
live_rec() {
	rec "$1" docker "$2" "$3" >&5
	for _ in $(seq 200); do
		[ "$(wc -l <"$T/out")" -ge "$3" ] && return 0
		sleep 0.05
	done
	fail "no record $3 out of ctrenrich within 10 s"
}

# live_stop: end ctrenrich's input; it ends (bounded); $output is what it wrote.
live_stop() {
	exec 5>&-
	wait_pid "$(cat "$T/live.pid")"
	output=$(cat "$T/out")
}

# image_asks NAME: how many times the image NAME (%-encoded) was asked through the proxy.
image_asks() {
	grep -c "^GET /v1.41/images/$1/json " "$T/p.log"
}

# two_runs NAME: through the proxy, image NAME:1 (a tag of ctrwatch-test:1), container c1 of it
# run and its create asked of a live ctrenrich (which opens dockerd's events stream), then c2 of
# it run (its record not sent yet).
two_runs() {
	proxy_start
	name=$1
	rt docker "$RTDIR" tag ctrwatch-test:1 "$name:1"
	c1=$(rt docker "$RTDIR" run -d "$name:1")
	live_start
	live_rec container_create "$c1" 1
	c2=$(rt docker "$RTDIR" run -d "$name:1")
}

@test "real docker: with dockerd's events stream up, two creates of one image a second apart ask the image once" {
	require_rt
	two_runs ce-stream$$
	sleep 1.2 # past the 1 s an image answer is kept without the stream
	live_rec container_create "$c2" 2
	live_stop
	assert_equal "$(field 1 enrich_error)" null
	assert_equal "$(field 2 enrich_error)" null
	assert_equal "$(got 1)" "$(docker_fields "$c1")"
	assert_equal "$(got 2)" "$(docker_fields "$c2")"
	assert_equal "$(image_asks "$name%3A1")" 1
	grep -q "^GET /v1.41/events?since=[0-9.]*&filters=%7B%22type%22%3A%5B%22container%22%2C%22image%22%5D%7D 200 " "$T/p.log"
	grep -qx 'ctrenrich: docker: events stream up' "$T/err"
	rt docker "$RTDIR" rm -f "$c1" "$c2" >/dev/null
	rt docker "$RTDIR" rmi "$name:1" >/dev/null
}

@test "real docker: after docker tag moves an image name, the next create of that name asks the image again" {
	require_rt
	two_runs ce-retag$$
	live_rec container_create "$c2" 2
	# the name now names the other image: its tag event reaches the stream before this create's
	rt docker "$RTDIR" tag ctrwatch-pause:1 "$name:1"
	c3=$(rt docker "$RTDIR" run -d "$name:1")
	live_rec container_create "$c3" 3
	live_stop
	assert_equal "$(rt docker "$RTDIR" inspect -f '{{.Image}}' "$c3")" \
		"$(rt docker "$RTDIR" image inspect -f '{{.Id}}' ctrwatch-pause:1)"
	for i in 1 2 3; do assert_equal "$(field "$i" enrich_error)" null; done
	assert_equal "$(got 3)" "$(docker_fields "$c3")"
	# c2 from the cache, c3 asked again (locally built images have no digest to tell them apart)
	assert_equal "$(image_asks "$name%3A1")" 2
	rt docker "$RTDIR" rm -f "$c1" "$c2" "$c3" >/dev/null
	rt docker "$RTDIR" rmi "$name:1" >/dev/null
}

# podman_fields ID: the fields ctrenrich should give, from podman inspect.
podman_fields() {
	local c pod='""'
	c=$(rt podman "$RTDIR" inspect "$1" | jq '.[0]')
	if [ -n "$(jq -r .Pod <<<"$c")" ]; then
		pod=$(rt podman "$RTDIR" pod inspect "$(jq -r .Pod <<<"$c")" | jq '(.Name // .[0].Name)')
	fi
	jq -cn --argjson c "$c" --argjson pod "$pod" '{
		container_name: $c.Name,
		container_image: $c.ImageName,
		container_image_digest: $c.ImageDigest,
		pod_name: ($c.Config.Labels["io.kubernetes.pod.name"] // $pod),
		pod_namespace: ($c.Config.Labels["io.kubernetes.pod.namespace"] // ""),
		pod_uid: ($c.Config.Labels["io.kubernetes.pod.uid"] // ""),
		pod_sandbox: $c.IsInfra}'
}

@test "real podman: a plain container, every field as podman inspect says" {
	require_rt
	c=$(rt podman "$RTDIR" run -d --name ce-pm-plain ctrwatch-test:1)
	enrich podman container_create "$c"
	assert_equal "$(field 1 enrich_error)" null
	assert_equal "$(got 1)" "$(podman_fields "$c")"
	assert_equal "$(field 1 container_name)" ce-pm-plain
	rt podman "$RTDIR" rm -f -t 0 "$c" >/dev/null
}

@test "real podman: a pod's infra container is the sandbox, its member gets the pod's name" {
	require_rt
	rt podman "$RTDIR" pod create --name ce-pm-pod >/dev/null
	m=$(rt podman "$RTDIR" run -d --pod ce-pm-pod --name ce-pm-member ctrwatch-test:1)
	infra=$(rt podman "$RTDIR" pod inspect ce-pm-pod | jq -r '(.InfraContainerID // .[0].InfraContainerID)')
	enrich podman container_create "$infra" container_create "$m"
	assert_equal "$(got 1)" "$(podman_fields "$infra")"
	assert_equal "$(got 2)" "$(podman_fields "$m")"
	assert_equal "$(field 1 pod_sandbox)" true
	assert_equal "$(field 2 pod_sandbox)" false
	assert_equal "$(field 2 pod_name)" ce-pm-pod
	rt podman "$RTDIR" pod rm -f -t 0 ce-pm-pod >/dev/null
}

@test "real podman: the scan's existing containers (a pod, Kubernetes labels) are answered by one list" {
	require_rt
	proxy_start "$RTDIR/podman.sock"
	rt podman "$RTDIR" pod create --name ce-pl-pod >/dev/null
	m=$(rt podman "$RTDIR" run -d --pod ce-pl-pod --name ce-pl-member ctrwatch-test:1)
	infra=$(rt podman "$RTDIR" pod inspect ce-pl-pod | jq -r '(.InfraContainerID // .[0].InfraContainerID)')
	k=$(rt podman "$RTDIR" run -d --name ce-pl-k8s --label io.kubernetes.pod.name=kp \
		--label io.kubernetes.pod.namespace=kns --label io.kubernetes.pod.uid=9-9 ctrwatch-test:1)
	{ rec existing_container podman "$infra" 1; rec existing_container podman "$m" 2
	  rec existing_container podman "$k" 3; } >"$T/in"
	run --separate-stderr ctrenrich --no-discover --socket "podman=$T/p.sock" "$T/in"
	assert_success
	assert_equal "$(got 1)" "$(podman_fields "$infra")"
	assert_equal "$(got 2)" "$(podman_fields "$m")"
	assert_equal "$(got 3)" "$(podman_fields "$k")"
	assert_equal "$(field 1 pod_sandbox)" true
	assert_equal "$(field 2 pod_name)" ce-pl-pod
	assert_equal "$(field 3 pod_name)" kp
	run cut -d' ' -f1-3 "$T/p.log"
	assert_output "$(printf 'GET /v4.0.0/libpod/images/json 200\nGET /v4.0.0/libpod/containers/json?pod=true 200')"
	rt podman "$RTDIR" rm -f -t 0 "$k" >/dev/null
	rt podman "$RTDIR" pod rm -f -t 0 ce-pl-pod >/dev/null
}

@test "real podman: Kubernetes labels win over the Podman pod" {
	require_rt
	rt podman "$RTDIR" pod create --name ce-pm-pod2 >/dev/null
	c=$(rt podman "$RTDIR" run -d --pod ce-pm-pod2 --label io.kubernetes.pod.name=kp \
		--label io.kubernetes.pod.namespace=kns ctrwatch-test:1)
	enrich podman container_create "$c"
	assert_equal "$(got 1)" "$(podman_fields "$c")"
	assert_equal "$(field 1 pod_name)" kp
	assert_equal "$(field 1 pod_namespace)" kns
	rt podman "$RTDIR" pod rm -f -t 0 ce-pm-pod2 >/dev/null
}

@test "real podman: removal carries create-time fields and the real exit code" {
	require_rt
	c=$(rt podman "$RTDIR" run -d --name ce-pm-exit5 ctrwatch-test:1 sh -c 'exit 5')
	rt podman "$RTDIR" wait "$c" >/dev/null
	enrich podman container_create "$c" container_remove "$c"
	assert_equal "$(got 2)" "$(podman_fields "$c")"
	assert_equal "$(field 2 exit_code)" 5
	assert_equal "$(field 2 oom_killed)" false
	[[ $(field 2 finished_at) == 20* ]]
	assert_equal "$(field 2 exit_code)" "$(rt podman "$RTDIR" inspect "$c" | jq -r '.[0].State.ExitCode')"
	rt podman "$RTDIR" rm -f -t 0 "$c" >/dev/null
}

# ---------------------------------------------------------------- real Podman's event log
#
# The private Podman logs its events to a file (events_logger = "file", scripts/rt). A create
# whose line is in that log is answered from it (ctrenrich -vv says "from the event log"), only
# the image's digest asked of the API; every field must still be what podman inspect says.

PMLOG() { printf '%s/podman/tmp/events/events.log' "$RTDIR"; }

# from_log ID: ctrenrich -vv said ID's create was answered from the event log; not_from_log ID:
# it did not say so.
from_log() { grep -qF "podman ${1:0:12}: from the event log" <<<"$stderr"; }
not_from_log() { if from_log "$1"; then fail "${1:0:12} answered from the event log"; fi; }

@test "podman event log: a plain container, every field from the log as podman inspect says" {
	require_rt
	c=$(rt podman "$RTDIR" run -d --name ce-pl-plain ctrwatch-test:1)
	ENRICH_ARGS=(-vv --podman-events "$(PMLOG)")
	enrich podman container_create "$c"
	from_log "$c"
	assert_equal "$(field 1 enrich_error)" null
	assert_equal "$(got 1)" "$(podman_fields "$c")"
	assert_equal "$(field 1 container_name)" ce-pl-plain
	[[ $(field 1 container_image_digest) == sha256:* ]]
	rt podman "$RTDIR" rm -f -t 0 "$c" >/dev/null
}

@test "podman event log: a pod's infra container (any name) is the sandbox, its member gets the pod's name" {
	require_rt
	rt podman "$RTDIR" pod create --name ce-pl-pod --infra-name ce-pl-infra >/dev/null
	m=$(rt podman "$RTDIR" run -d --pod ce-pl-pod --name ce-pl-member ctrwatch-test:1)
	infra=$(rt podman "$RTDIR" pod inspect ce-pl-pod | jq -r '(.InfraContainerID // .[0].InfraContainerID)')
	ENRICH_ARGS=(-vv --podman-events "$(PMLOG)")
	enrich podman container_create "$infra" container_create "$m"
	from_log "$infra"
	from_log "$m"
	assert_equal "$(got 1)" "$(podman_fields "$infra")"
	assert_equal "$(got 2)" "$(podman_fields "$m")"
	assert_equal "$(field 1 container_name)" ce-pl-infra
	assert_equal "$(field 1 pod_sandbox)" true
	assert_equal "$(field 2 pod_sandbox)" false
	assert_equal "$(field 1 pod_name)" ce-pl-pod
	assert_equal "$(field 2 pod_name)" ce-pl-pod
	rt podman "$RTDIR" pod rm -f -t 0 ce-pl-pod >/dev/null
}

@test "podman event log: Kubernetes labels from the log win over the Podman pod" {
	require_rt
	rt podman "$RTDIR" pod create --name ce-pl-pod2 >/dev/null
	c=$(rt podman "$RTDIR" run -d --pod ce-pl-pod2 --label io.kubernetes.pod.name=kp \
		--label io.kubernetes.pod.namespace=kns --label io.kubernetes.pod.uid=4f1e-9a ctrwatch-test:1)
	ENRICH_ARGS=(-vv --podman-events "$(PMLOG)")
	enrich podman container_create "$c"
	from_log "$c"
	assert_equal "$(got 1)" "$(podman_fields "$c")"
	assert_equal "$(field 1 pod_name)" kp
	assert_equal "$(field 1 pod_namespace)" kns
	assert_equal "$(field 1 pod_uid)" 4f1e-9a
	rt podman "$RTDIR" pod rm -f -t 0 ce-pl-pod2 >/dev/null
}

@test "podman event log: found from containers.conf (CONTAINERS_CONF) without --podman-events" {
	require_rt
	c=$(rt podman "$RTDIR" run -d ctrwatch-test:1)
	ENRICH_ARGS=(-vv)
	CONTAINERS_CONF=$RTDIR/podman/containers.conf enrich podman container_create "$c"
	from_log "$c"
	grep -qF "looked up first in the event log $(PMLOG)" <<<"$stderr"
	assert_equal "$(got 1)" "$(podman_fields "$c")"
	rt podman "$RTDIR" rm -f -t 0 "$c" >/dev/null
}

@test "podman event log: absent, or without the container's line: the API answers, every field right" {
	require_rt
	# A copy of the log from before the container was made: it has no line for it.
	cp "$(PMLOG)" "$T/old.log"
	rt podman "$RTDIR" pod create --name ce-pl-pod3 >/dev/null
	m=$(rt podman "$RTDIR" run -d --pod ce-pl-pod3 ctrwatch-test:1)
	c=$(rt podman "$RTDIR" run -d --name ce-pl-late ctrwatch-test:1)
	for log in "$T/old.log" "$T/absent.log" none; do
		ENRICH_ARGS=(-vv --podman-events "$log")
		enrich podman container_create "$c" container_create "$m"
		not_from_log "$c"
		not_from_log "$m"
		assert_equal "$(field 1 enrich_error)" null
		assert_equal "$(got 1)" "$(podman_fields "$c")"
		assert_equal "$(got 2)" "$(podman_fields "$m")"
		assert_equal "$(field 2 pod_name)" ce-pl-pod3
	done
	rt podman "$RTDIR" rm -f -t 0 "$c" >/dev/null
	rt podman "$RTDIR" pod rm -f -t 0 ce-pl-pod3 >/dev/null
}

@test "podman event log: garbage and a huge line in the log are skipped, said once, nothing lost" {
	require_rt
	c=$(rt podman "$RTDIR" run -d --name ce-pl-garbage ctrwatch-test:1)
	{
		printf 'not json at all\n{"ID": 7}\n'
		head -c 200000 /dev/zero | tr '\0' x
		printf '\n'
		grep -F "\"ID\":\"$c\"" "$(PMLOG)"
		printf '{"ID":"%s","Status":"crea' "$c"
	} >"$T/bad.log"
	ENRICH_ARGS=(-vv --podman-events "$T/bad.log")
	enrich podman container_create "$c"
	from_log "$c"
	assert_equal "$(got 1)" "$(podman_fields "$c")"
	[ "$(grep -c 'skipped a line of the event log' <<<"$stderr")" -eq 1 ]
	rt podman "$RTDIR" rm -f -t 0 "$c" >/dev/null
}

# wait_line FILE PATTERN: until a line of FILE matches the extended regex (20 s at most).
wait_line() {
	local i
	for ((i = 0; i < 400; i++)); do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	fail "no /$2/ in $1 within 20 s: $(head -c 2000 "$1")"
}

@test "podman event log: live, a podman run named from the log as its cgroup appears, its digest asked as its create line did" {
	require_rt
	local cgp=/ctrenrich-pl$$ pids=() img
	proxy_start "$RTDIR/podman.sock"
	mkfifo "$T/f0" "$T/f1" "$T/f2"
	cgtap -v --hierarchy cpuset >"$T/f0" 2>"$T/cgtap.err" &
	pids+=($!)
	grep --line-buffered -F "\"path\":\"$cgp/" <"$T/f0" >"$T/f1" &
	pids+=($!)
	ctrdetect <"$T/f1" >"$T/f2" &
	pids+=($!)
	ctrenrich -vv --no-discover --socket "podman=$T/p.sock" --podman-events "$(PMLOG)" \
		<"$T/f2" >"$T/out" 2>"$T/err" &
	pids+=($!)
	wait_line "$T/cgtap.err" attached
	# followed from start-up (the socket is there), before any create record
	wait_line "$T/err" "podman: reading the event log"
	c=$(rt podman "$RTDIR" run -d --cgroup-parent "$cgp" --name ce-pl-live ctrwatch-test:1)
	wait_line "$T/out" "\"event\":\"container_create\".*\"container_id\":\"$c\""
	kill -TERM "${pids[0]}"
	wait_pid "${pids[@]}"
	stderr=$(cat "$T/err")
	from_log "$c"
	output=$(grep -F "\"event\":\"container_create\"" "$T/out" | grep -F "\"container_id\":\"$c\"")
	assert_equal "$(field 1 runtime)" podman
	assert_equal "$(field 1 enrich_error)" null
	assert_equal "$(got 1)" "$(podman_fields "$c")"
	# The image's digest was asked as the create line appeared, before the record was looked
	# up; the record asked nothing itself: one request in all, that one.
	img=$(rt podman "$RTDIR" inspect "$c" | jq -r '.[0].ImageName')
	grep -F -e "podman: image $img: digest asked as a create line names it" \
		-e "podman ${c:0:12}: from the event log" <<<"$stderr" >"$T/order"
	assert_equal "$(cat "$T/order")" "$(printf 'ctrenrich: podman: image %s: digest asked as a create line names it\nctrenrich: podman %s: from the event log' "$img" "${c:0:12}")"
	run cut -d' ' -f1-3 "$T/p.log"
	assert_output "GET /v4.0.0/libpod/images/$img/json 200"
	rt podman "$RTDIR" rm -f -t 0 "$c" >/dev/null
	# conmon's cgroup under the parent empties a moment after rm returns
	for _ in $(seq 50); do
		find /sys/fs/cgroup -depth -type d -path "*$cgp*" -exec rmdir {} + 2>/dev/null && break
		sleep 0.1
	done
}

# live_log_start FAKE-ARGS...: a fake Podman (fake_start p FAKE-ARGS), an event log $T/ev.log
# holding an older container's create line, and ctrenrich -vv following it, its input the FIFO
# $T/in held open on fd 4 (records are written there as the test goes).
live_log_start() {
	fake_start p "$@"
	printf '{"ID":"%064x","Image":"old:1","Name":"old","Status":"create","Type":"container"}\n' 1 >"$T/ev.log"
	mkfifo "$T/in"
	ctrenrich -vv --timeout 5s --no-discover --socket "podman=$T/p.sock" --podman-events "$T/ev.log" \
		<"$T/in" >"$T/out" 2>"$T/err" &
	echo $! >"$T/ce.pid"
	exec 4>"$T/in"
	wait_line "$T/err" "podman: reading the event log"
}

# live_log_create ID IMAGE: Podman logs ID's create line; returns once ctrenrich asked IMAGE's
# digest for it.
live_log_create() {
	printf '{"ID":"%s","Image":"%s","Name":"rtref-pm-plain","Status":"create","Type":"container","Attributes":{}}\n' \
		"$1" "$2" >>"$T/ev.log"
	wait_line "$T/err" "podman: image $2: digest asked as a create line names it"
}

# live_log_end ID: the record of ID's create, and once it is out, the end of the input;
# $output, $stderr what ctrenrich wrote.
live_log_end() {
	rec container_create podman "$1" >&4
	wait_line "$T/out" "\"container_id\":\"$1\""
	exec 4>&-
	wait_pid "$(cat "$T/ce.pid")"
	output=$(cat "$T/out")
	stderr=$(cat "$T/err")
}

@test "podman event log: a digest asked as the create line appears; the record waits for it, asks nothing" {
	live_log_start --slow /libpod/images/:1500
	grep -qF "digest asked" "$T/err" && fail "the create line read back at start-up was asked for"
	live_log_create "$PM_PLAIN" rtref-imp:1
	# the request was made before the record exists
	wait_line "$T/p.log" "libpod/images/rtref-imp:1/json"
	assert_equal "$(cat "$T/p.log")" "GET /v4.0.0/libpod/images/rtref-imp:1/json"
	live_log_end "$PM_PLAIN"
	from_log "$PM_PLAIN"
	grep -qF "podman ${PM_PLAIN:0:12}: waits for its image's digest, asked ahead" <<<"$stderr"
	assert_equal "$(field 1 enrich_error)" null
	assert_equal "$(field 1 container_name)" rtref-pm-plain
	assert_equal "$(field 1 container_image)" rtref-imp:1
	assert_equal "$(field 1 container_image_digest)" \
		"$(curl -s --unix-socket "$T/p.sock" http://x/v4.0.0/libpod/images/rtref-imp:1/json | jq -r .Digest)"
	[[ $(field 1 container_image_digest) == sha256:* ]]
	# one request of ctrenrich's, that one (the curl above is the second)
	[ "$(grep -c . "$T/p.log")" -eq 2 ]
}

@test "podman event log: a digest asked ahead that fails: its waiting record asks alone, the API answers" {
	live_log_start --slow /libpod/images/:1500 --fail /libpod/images/
	live_log_create "$PM_PLAIN" rtref-imp:1
	live_log_end "$PM_PLAIN"
	grep -qF "podman: image rtref-imp:1: the digest asked ahead failed: bad response: HTTP 500" <<<"$stderr"
	assert_equal "$(field 1 enrich_error)" null
	# the image gone under that name: the container's inspect says all, as without asking ahead
	assert_equal "$(field 1 container_name)" rtref-pm-plain
	assert_equal "$(field 1 container_image)" localhost/rtref-imp:1
	assert_equal "$(field 1 container_image_digest)" sha256:28d86d074b86e4fb6caff401f685bd3d8e6ecf9835901757dc85c41f63b5072f
	run cat "$T/p.log"
	assert_output "$(printf 'GET /v4.0.0/libpod/images/rtref-imp:1/json\nGET /v4.0.0/libpod/images/rtref-imp:1/json\nGET /v4.0.0/libpod/containers/%s/json' "$PM_PLAIN")"
}

@test "podman event log: ctrwatch --podman-events reaches ctrenrich" {
	require_rt
	ctrwatch -v --no-scan --format ndjson --socket "podman=$RTDIR/podman.sock" \
		--podman-events "$(PMLOG)" >"$T/out" 2>"$T/err" &
	w=$!
	wait_line "$T/err" attached
	c=$(rt podman "$RTDIR" run -d --name ce-pl-watch ctrwatch-test:1)
	wait_line "$T/out" "\"event\":\"container_create\".*\"container_id\":\"$c\""
	kill -TERM "$w"
	wait_pid "$w"
	grep -qF "podman: creates looked up first in the event log $(PMLOG)" "$T/err"
	output=$(grep -F "\"event\":\"container_create\"" "$T/out" | grep -F "\"container_id\":\"$c\"")
	assert_equal "$(got 1)" "$(podman_fields "$c")"
	rt podman "$RTDIR" rm -f -t 0 "$c" >/dev/null
}
