#!/usr/bin/env bats
# A real LXC container through the pipeline (cgtap --scan | ctrdetect | ctrenrich): LXC has no
# API ctrenrich asks, by design; its name is in its cgroup path (lxc.payload.<name>), and that is
# what the record gives, with no enrich_error.

load lib/common

setup() {
	NAME=cwlxc$$
}

teardown() {
	[ -n "${P:-}" ] || return 0
	timeout 30 lxc-stop -P "$P" -n "$NAME" -k >/dev/null 2>&1 || true
	timeout 30 lxc-destroy -P "$P" -n "$NAME" >/dev/null 2>&1 || true
	rm -rf "$P"
}

@test "a real LXC container comes out with its name and no enrich_error" {
	require_root
	require_cmd lxc-start
	require_cmd busybox
	# its own lxcpath; no network (this machine has no lxcbr0)
	P=$(mktemp -d)
	printf 'lxc.net.0.type = empty\n' >"$P/conf"
	timeout 60 lxc-create -P "$P" -n "$NAME" -f "$P/conf" -t busybox >"$P/create.log" 2>&1 ||
		fail "lxc-create: $(tail -5 "$P/create.log")"
	timeout 60 lxc-start -P "$P" -n "$NAME" -d -o "$P/start.log" ||
		fail "lxc-start: $(tail -5 "$P/start.log")"
	timeout 30 lxc-wait -P "$P" -n "$NAME" -s RUNNING -t 20
	grep -q "/lxc.payload.$NAME\$" "/proc/$(lxc-info -P "$P" -n "$NAME" -p -H)/cgroup"
	run --separate-stderr bash -c "timeout 60 cgtap --scan --hierarchy pids --duration 1s |
		ctrdetect | ctrenrich --no-discover"
	assert_success
	output=$(jq -c "select(.path == \"/lxc.payload.$NAME\")" <<<"$output")
	assert_equal "$(wc -l <<<"$output")" 1
	assert_equal "$(jq -r .event <<<"$output")" existing_container
	assert_equal "$(jq -r .runtime <<<"$output")" lxc
	assert_equal "$(jq -r .container_id <<<"$output")" "$NAME"
	assert_equal "$(jq -r .container_name <<<"$output")" "$NAME"
	assert_equal "$(jq -r 'has("enrich_error")' <<<"$output")" false
}
