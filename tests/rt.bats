#!/usr/bin/env bats
# scripts/rt: private docker, podman and containerd (+CRI) daemons under one directory, and their
# complete removal (processes, containers, mounts, cgroups, the directory).

load lib/common

setup() {
	require_root
	DIR=$(mktemp -d)
}

teardown() {
	[ -z "${DIR:-}" ] || rt stop "$DIR"
	if [ -n "${FAKE:-}" ]; then rm -rf "$FAKE"; fi
}

uuid() { cat /proc/sys/kernel/random/uuid; }

# assert_cgroup PATH: the directory exists in a v1 controller and in the unified hierarchy.
assert_cgroup() {
	[ -d "/sys/fs/cgroup/cpuset$1" ] || fail "no cgroup cpuset:$1"
	[ -d "/sys/fs/cgroup/unified$1" ] || fail "no cgroup 0::$1"
}

# assert_no_cgroup PATH: the directory is gone from every hierarchy.
assert_no_cgroup() {
	local left
	left=$(ls -d /sys/fs/cgroup/*"$1" 2>/dev/null || true)
	[ -z "$left" ] || fail "cgroup left behind: $left"
}

# assert_stopped PID: DIR's daemon is gone and so is DIR.
assert_stopped() {
	if [ -e "/proc/$1" ] && ! grep -q '^State:.*zombie' "/proc/$1/status" 2>/dev/null; then
		fail "daemon pid $1 still runs: $(tr '\0' ' ' <"/proc/$1/cmdline")"
	fi
	[ ! -e "$DIR" ] || fail "$DIR still exists"
	! grep -qF " $DIR" /proc/self/mountinfo || fail "mounts left under $DIR"
}

@test "rt: usage errors exit 2" {
	run rt
	assert_failure 2
	run rt start nosuchruntime "$DIR"
	assert_failure 2
	assert_output --partial "rt start docker|podman|containerd DIR"
	run rt start docker "$DIR/a-directory-name-too-long-for-podman-and-sockets"
	assert_failure 1
	assert_output --partial "DIR is too long"
}

@test "rt stop: a never-started or missing DIR succeeds" {
	run rt stop "$DIR"
	assert_success
	[ ! -e "$DIR" ]
	run rt stop "$DIR/never/made"
	assert_success
}

@test "rt start: a daemon that dies is reported with its log, exit 1" {
	FAKE=$(mktemp -d)
	printf '#!/bin/sh\necho "fake dockerd: cannot start" >&2\nexit 3\n' >"$FAKE/dockerd"
	chmod +x "$FAKE/dockerd"
	PATH="$FAKE:$PATH" run rt start docker "$DIR"
	assert_failure 1
	assert_output --partial "exited before it answered"
	assert_output --partial "fake dockerd: cannot start"
}

@test "rt docker: private dockerd, a container and its cgroups, all gone after stop" {
	require_cmd dockerd
	run rt start docker "$DIR"
	assert_success
	[ -S "$DIR/docker.sock" ]
	pid=$(cat "$DIR/docker.pid")
	kill -0 "$pid"
	# idempotent: the same daemon
	run rt start docker "$DIR"
	assert_success
	[ "$(cat "$DIR/docker.pid")" = "$pid" ]

	uid=$(uuid)
	id=$(rt docker "$DIR" run -d --name rt-plain ctrwatch-test:1)
	pod=$(rt docker "$DIR" run -d --name rt-pod --cgroup-parent "/kubepods/besteffort/pod$uid" \
		docker.io/library/ctrwatch-pause:1)
	run rt docker "$DIR" inspect -f '{{.State.Running}} {{.Config.Image}}' rt-plain
	assert_output "true ctrwatch-test:1"
	assert_cgroup "/docker/$id"
	assert_cgroup "/kubepods/besteffort/pod$uid/$pod"
	# removed by the test itself: docker leaves its parent, stop removes it
	rt docker "$DIR" run -d --name rt-gone --cgroup-parent "/kubepods/burstable/pod$uid" ctrwatch-test:1
	rt docker "$DIR" rm -f rt-gone
	assert_cgroup "/kubepods/burstable/pod$uid"
	run rt status "$DIR"
	assert_line --regexp "^docker +running +pid $pid"
	assert_line --regexp '^podman +stopped'

	run rt stop "$DIR"
	assert_success
	assert_stopped "$pid"
	assert_no_cgroup "/docker/$id"
	assert_no_cgroup "/kubepods/besteffort/pod$uid"
	assert_no_cgroup "/kubepods/burstable/pod$uid"
	# a second stop has nothing left to do
	run rt stop "$DIR"
	assert_success
}

@test "rt podman: private service, a container and pods, all gone after stop" {
	require_cmd podman
	run rt start podman "$DIR"
	assert_success
	pid=$(cat "$DIR/podman.pid")
	kill -0 "$pid"
	run curl -sf --unix-socket "$DIR/podman.sock" http://podman/_ping
	assert_output OK
	run rt start podman "$DIR"
	assert_success
	[ "$(cat "$DIR/podman.pid")" = "$pid" ]

	id=$(rt podman "$DIR" run -d --name rt-plain ctrwatch-test:1)
	podid=$(rt podman "$DIR" pod create --name rt-pod)
	inpod=$(rt podman "$DIR" run -d --pod rt-pod --name rt-inpod ctrwatch-test:1)
	# the service sees what the CLI made
	run curl -sf --unix-socket "$DIR/podman.sock" "http://podman/v1.41/containers/rt-plain/json"
	assert_success
	[ "$(jq -r .State.Status <<<"$output")" = running ]
	assert_cgroup "/libpod_parent/libpod-$id"
	assert_cgroup "/libpod_parent/$podid/libpod-$inpod"
	# a pod removed by the test: podman leaves its cgroup in cgroup2 and name=systemd
	gone=$(rt podman "$DIR" pod create --name rt-gone)
	rt podman "$DIR" run -d --pod rt-gone ctrwatch-test:1
	rt podman "$DIR" pod rm -f -t 0 rt-gone
	[ -d "/sys/fs/cgroup/unified/libpod_parent/$gone" ]

	run rt stop "$DIR"
	assert_success
	assert_stopped "$pid"
	assert_no_cgroup "/libpod_parent/libpod-$id"
	assert_no_cgroup "/libpod_parent/$podid"
	assert_no_cgroup "/libpod_parent/$gone"
}

@test "rt containerd: CRI pod sandbox and container, a ctr container, all gone after stop" {
	require_cmd containerd
	run rt start containerd "$DIR"
	assert_success
	pid=$(cat "$DIR/containerd.pid")
	kill -0 "$pid"
	run rt start containerd "$DIR"
	assert_success
	[ "$(cat "$DIR/containerd.pid")" = "$pid" ]
	for ns in k8s.io default; do
		run rt ctr "$DIR" -n "$ns" images ls -q
		assert_line docker.io/library/ctrwatch-test:1
		assert_line docker.io/library/ctrwatch-pause:1
	done

	uid=$(uuid)
	sid=$(rt cri "$DIR" runp rt-pod default "$uid" --cgroup-parent "/kubepods/besteffort/pod$uid")
	cid=$(rt cri "$DIR" create "$sid" app docker.io/library/ctrwatch-test:1 rt-pod default "$uid" \
		--cgroup-parent "/kubepods/besteffort/pod$uid" -- /bin/sleep 600)
	rt cri "$DIR" start "$cid"
	run rt cri "$DIR" inspect "$cid"
	assert_success
	[ "$(jq -r .status.state <<<"$output")" = CONTAINER_RUNNING ]
	[ "$(jq -r '.status.labels["io.kubernetes.pod.uid"]' <<<"$output")" = "$uid" ]
	run rt cri "$DIR" inspectp "$sid"
	[ "$(jq -r .status.state <<<"$output")" = SANDBOX_READY ]
	[ "$(jq -r .status.metadata.name <<<"$output")" = rt-pod ]
	assert_cgroup "/kubepods/besteffort/pod$uid/$sid"
	assert_cgroup "/kubepods/besteffort/pod$uid/$cid"

	# host-network pod: the container inherits the sandbox's parent and network mode
	uid2=$(uuid)
	sid2=$(rt cri "$DIR" runp rt-hostnet default "$uid2" --hostnet --cgroup-parent "/kubepods/burstable/pod$uid2")
	cid2=$(rt cri "$DIR" create "$sid2" app docker.io/library/ctrwatch-test:1 rt-hostnet default "$uid2")
	rt cri "$DIR" start "$cid2"
	assert_cgroup "/kubepods/burstable/pod$uid2/$cid2"
	# removed by the test: CRI leaves the pod's parent, stop removes it
	rt cri "$DIR" stopp "$sid2"
	rt cri "$DIR" rmp "$sid2"
	assert_cgroup "/kubepods/burstable/pod$uid2"

	rt ctr "$DIR" run -d docker.io/library/ctrwatch-test:1 "rt-ctr-$uid"
	assert_cgroup "/default/rt-ctr-$uid"

	run rt stop "$DIR"
	assert_success
	assert_stopped "$pid"
	assert_no_cgroup "/kubepods/besteffort/pod$uid"
	assert_no_cgroup "/kubepods/burstable/pod$uid2"
	assert_no_cgroup "/default/rt-ctr-$uid"
}

@test "rt stop: after the daemons of a DIR were killed, shims, containers and cgroups still go" {
	require_cmd dockerd
	require_cmd containerd
	rt start docker "$DIR"
	rt start containerd "$DIR"
	pids="$(cat "$DIR/docker.pid") $(cat "$DIR/containerd.pid")"
	name=rt-crash-$(uuid)
	d=$(rt docker "$DIR" run -d ctrwatch-test:1)
	rt ctr "$DIR" run -d docker.io/library/ctrwatch-test:1 "$name"
	assert_cgroup "/docker/$d"
	assert_cgroup "/default/$name"
	# shellcheck disable=SC2086
	kill -KILL $pids
	run rt stop "$DIR"
	assert_success
	assert_output --partial "killing leftover containerd-shim"
	for pid in $pids; do assert_stopped "$pid"; done
	assert_no_cgroup "/docker/$d"
	assert_no_cgroup "/default/$name"
	[ ! -e "/run/containerd/runc/default/$name" ]
}
