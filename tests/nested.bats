#!/usr/bin/env bats
# Nested runtimes: a containerd inside a Docker container (scripts/rt start nested: this machine's
# own binaries, the container in a cgroup namespace of its own, so its containers' cgroups sit
# below the outer container's: /docker/<outer>/<namespace>/<id>). ctrenrich reaches the inner
# containerd's socket through /proc/<pid>/root of a process of the outer container, and enriches
# the inner containers; without ptrace access it says so at once. Root only: real dockerd, real
# containerd, real BPF (cgtap).

load lib/common

setup_file() {
	[ "$(id -u)" -eq 0 ] || return 0
	NDIR=$(mktemp -d /tmp/nested.XXXXXX)
	export NDIR
	if ! timeout 600 rt start nested "$NDIR" >"$NDIR.log" 2>&1; then
		touch "$NDIR.failed"
	fi
}

teardown_file() {
	[ -n "${NDIR:-}" ] || return 0
	timeout 300 rt stop "$NDIR" >/dev/null 2>&1 || true
	rm -f "$NDIR.log" "$NDIR.failed"
}

setup() {
	T=$BATS_TEST_TMPDIR
	# an inner container id as a Docker or CRI one looks: 64 hex digits, unique to the test
	IID=$(printf 'e15%05x%056x' "$BATS_TEST_NUMBER" "$$")
}

teardown() {
	local p pids
	for p in "$T"/*.pid; do
		[ -e "$p" ] || continue
		mapfile -t pids < <(tree_pids "$(cat "$p")")
		end_pids "$(cat "$p")" "${pids[@]}" >/dev/null 2>&1 || true
	done
	[ -z "${NDIR:-}" ] || [ -e "$NDIR.failed" ] || inner_rm "$IID"
}

require_nested() {
	require_root
	if [ -e "$NDIR.failed" ]; then
		cat "$NDIR.log" >&2
		fail "scripts/rt could not start the nested runtime"
	fi
}

# inner_run ID: a container of the inner containerd (namespace default), running.
inner_run() {
	timeout 60 rt nested "$NDIR" -n default run -d docker.io/library/ctrwatch-test:1 "$1" >/dev/null
}

# inner_rm ID: gone, whatever state it was in.
inner_rm() {
	timeout 30 rt nested "$NDIR" -n default task kill -s KILL "$1" >/dev/null 2>&1 || true
	for _ in $(seq 50); do
		timeout 30 rt nested "$NDIR" -n default task rm -f "$1" >/dev/null 2>&1 && break
		timeout 30 rt nested "$NDIR" -n default task ls -q 2>/dev/null | grep -qx "$1" || break
		sleep 0.1
	done
	timeout 30 rt nested "$NDIR" -n default containers rm "$1" >/dev/null 2>&1 || true
}

outer_id() {
	rt docker "$NDIR" inspect -f '{{.Id}}' ctrwatch-nested
}

# rec_of ID: the record of container ID in $output.
rec_of() {
	jq -c --arg id "$1" 'select(.container_id == $id)' <<<"$output"
}

@test "Docker-in-Docker and kind paths are asked of the outer container's runtimes, and say which" {
	# outer container ids from tests/fixtures/ctrdetect/paths.tsv; no such cgroup here
	outer=7232fa5b7fe3f027d56d3feba41858ad7e5841fa3432d4b5b9f98c0186b6abbb
	inner=34ddcac91f4bceefc4e58377d402dc325255d7df7870b24136275c8ebcc12af4
	pod=kubelet-kubepods-besteffort-pod9fb49d1d_9175_4fc2_8875_a183b95e3670.slice
	for p in "/system.slice/docker-$outer.scope/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/$pod/cri-containerd-$inner.scope" \
		"/docker/$outer/kubepods/besteffort/pod9fb49d1d-9175-4fc2-8875-a183b95e3670/$inner" \
		"/docker/$outer/docker/$inner" "/docker/$inner"; do
		printf '{"event":"container_create","ts":1,"cgroup_id":7,"hierarchy_id":1,"path":"%s","runtime":"unknown","container_id":"%s","ctime":5}\n' "$p" "$inner"
	done >"$T/in"
	run --separate-stderr ctrenrich --no-discover "$T/in"
	assert_success
	for n in 1 2 3; do
		assert_equal "$(sed -n "${n}p" <<<"$output" | jq -r .enrich_error)" \
			"no runtime socket in container ${outer:0:12}: not looked for (--no-discover)"
	done
	assert_equal "$(sed -n 4p <<<"$output" | jq -r .enrich_error)" "no runtime socket"
}

@test "the scan: an inner container is enriched through the outer container's root" {
	require_nested
	inner_run "$IID"
	outer=$(outer_id)
	run --separate-stderr bash -c "timeout 60 cgtap --scan --hierarchy pids --duration 1s |
		ctrdetect | ctrenrich --socket docker=$NDIR/docker.sock"
	assert_success
	output=$(grep -F "\"/docker/$outer" <<<"$output")
	inner=$(rec_of "$IID")
	[ -n "$inner" ] || fail "no record of the inner container: $output"
	assert_equal "$(jq -r .path <<<"$inner")" "/docker/$outer/default/$IID"
	assert_equal "$(jq -r .runtime <<<"$inner")" containerd
	assert_equal "$(jq -r .container_image <<<"$inner")" docker.io/library/ctrwatch-test:1
	[[ $(jq -r .container_image_digest <<<"$inner") == sha256:* ]]
	assert_equal "$(jq -r .enrich_error <<<"$inner")" null
	# the outer container, asked of the host's dockerd, keeps its own name
	assert_equal "$(rec_of "$outer" | jq -r .container_name)" ctrwatch-nested
}

@test "live: an inner container's create and remove are enriched (cgtap | ctrdetect | ctrenrich)" {
	require_nested
	outer=$(outer_id)
	mkfifo "$T/tap"
	(cgtap -v --hierarchy pids --duration 120s >"$T/tap" 2>"$T/cgtap.err" 3>&- &
	echo $! >"$T/cgtap.pid")
	(ctrdetect <"$T/tap" | ctrenrich >"$T/out" 2>"$T/enrich.err" 3>&- &
	echo $! >"$T/pipe.pid")
	for _ in $(seq 400); do
		grep -q attached "$T/cgtap.err" && break
		sleep 0.05
	done
	grep -q attached "$T/cgtap.err" || fail "cgtap did not attach: $(cat "$T/cgtap.err")"
	inner_run "$IID"
	inner_rm "$IID"
	for _ in $(seq 400); do
		grep -q "\"container_remove\".*\"container_id\":\"$IID\"" "$T/out" && break
		sleep 0.05
	done
	output=$(cat "$T/out")
	create=$(jq -c --arg id "$IID" 'select(.container_id == $id and .event == "container_create")' <<<"$output")
	remove=$(jq -c --arg id "$IID" 'select(.container_id == $id and .event == "container_remove")' <<<"$output")
	[ -n "$create" ] && [ -n "$remove" ] || fail "records: $output $(cat "$T/enrich.err")"
	assert_equal "$(jq -r .path <<<"$create")" "/docker/$outer/default/$IID"
	assert_equal "$(jq -r .runtime <<<"$create")" containerd
	assert_equal "$(jq -r .container_image <<<"$create")" docker.io/library/ctrwatch-test:1
	assert_equal "$(jq -r .enrich_error <<<"$create")" null
	assert_equal "$(jq -r .container_image <<<"$remove")" docker.io/library/ctrwatch-test:1
}

@test "without CAP_SYS_PTRACE (the unit's bounding set) an inner record says what is missing" {
	require_nested
	require_cmd setpriv
	inner_run "$IID"
	outer=$(outer_id)
	printf '{"event":"existing_container","ts":1,"cgroup_id":7,"hierarchy_id":%s,"path":"/docker/%s/default/%s","runtime":"unknown","container_id":"%s","ctime":5}\n' \
		"$(awk -F: '$2 == "pids" {print $1}' /proc/self/cgroup)" "$outer" "$IID" "$IID" >"$T/in"
	# what ctrwatch.service bounds cgtap to: CAP_BPF and CAP_PERFMON
	run --separate-stderr setpriv --bounding-set -all,+bpf,+perfmon ctrenrich "$T/in"
	assert_success
	[[ $(jq -r .enrich_error <<<"$output") =~ ^"no runtime socket in container ${outer:0:12}: permission denied opening /proc/"[0-9]+"/root (needs CAP_SYS_PTRACE)"$ ]] ||
		fail "enrich_error: $(jq -r .enrich_error <<<"$output")"
	# with it, the same record is enriched
	run --separate-stderr setpriv --bounding-set -all,+bpf,+perfmon,+sys_ptrace ctrenrich "$T/in"
	assert_success
	assert_equal "$(jq -r .runtime <<<"$output")" containerd
	assert_equal "$(jq -r .enrich_error <<<"$output")" null
}
