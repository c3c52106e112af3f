#!/usr/bin/env bats
# The fleet path as written: `make image`, then that image run three ways against private real
# runtimes (scripts/rt): scripts/ctrwatch-daemonset.yaml through containerd's CRI the way the
# kubelet runs it (scripts/kube-run), and the README's single-host `docker run` and `podman run`.
# Each run must report a container started next to it as an enriched container_create, and stop
# cleanly (exit 0) within its grace period. Root; one runtime directory for the file.

load lib/common

VERSION=$(sed -n 's/^VERSION := //p' "$BATS_TEST_DIRNAME/../Makefile")
IMAGE_REF=docker.io/library/ctrwatch:$VERSION

setup_file() {
	[ "$(id -u)" -eq 0 ] || return 0
	command -v containerd >/dev/null && command -v podman >/dev/null || return 0
	export DIR
	DIR=$(mktemp -d /tmp/fleet.XXXXXX)
	"$ROOT/scripts/rt" start docker "$DIR" >&3 2>&1
	# make image loads the image into "the local Docker": here the private one
	DOCKER_HOST=unix://$DIR/docker.sock make -C "$ROOT" -s image >"$DIR/make-image.out" 2>&1 ||
		{ cat "$DIR/make-image.out" >&3; return 1; }
	"$ROOT/scripts/rt" start containerd "$DIR" >&3 2>&1
	"$ROOT/scripts/rt" start podman "$DIR" >&3 2>&1
}

teardown_file() {
	[ -z "${DIR:-}" ] || "$ROOT/scripts/rt" stop "$DIR" >&3 2>&1
}

setup() {
	require_root
	require_cmd containerd
	require_cmd podman
	T=$BATS_TEST_TMPDIR
	ARCHIVE=$ROOT/build/ctrwatch-$VERSION.oci.tar
}

teardown() {
	if [ -f "$T/pod/state.json" ]; then
		"$ROOT/scripts/kube-run" down "$DIR/containerd.sock" "$T/pod" >/dev/null 2>&1 || true
	fi
}

dk() { "$ROOT/scripts/rt" docker "$DIR" "$@"; }
pm() { "$ROOT/scripts/rt" podman "$DIR" "$@"; }
cri() { "$ROOT/scripts/rt" cri "$DIR" "$@"; }

# wait_for CMD PATTERN [SECONDS]: until CMD's output has a line matching the extended regex.
wait_for() {
	local end=$((SECONDS + ${3:-30}))
	while [ "$SECONDS" -lt "$end" ]; do
		eval "$1" 2>/dev/null | grep -Eq -- "$2" && return 0
		sleep 0.1
	done
	echo "timed out waiting for /$2/ in the output of $1:" >&2
	eval "$1" 2>&1 | tail -20 >&2
	return 1
}

# record FILE ID: the record about container ID in FILE (NDJSON, or a CRI log), as compact JSON.
record() {
	sed -n 's/^[^{]*\({.*"event":"container_create".*"container_id":"'"$2"'".*\)$/\1/p' "$1" | head -1
}

# readme_cmd ENGINE: the README's single-host command for ENGINE, continuation lines joined.
readme_cmd() {
	awk -v e="$1 run -d --name ctrwatch" 'index($0, e) == 1 { on = 1 }
		on { line = line " " $0; if ($0 !~ /\\$/) exit }
		END { gsub(/\\/, "", line); print line }' "$ROOT/README.md"
}

# host_run DIR: a stand-in for the host's /run holding this file's runtime sockets where they
# usually are (hard links: same inode, same daemon; DIR on the same file system as $DIR).
host_run() {
	mkdir -p "$1/podman" "$1/containerd"
	ln "$DIR/docker.sock" "$1/docker.sock"
	ln "$DIR/podman.sock" "$1/podman/podman.sock"
	ln "$DIR/containerd.sock" "$1/containerd/containerd.sock"
}

@test "make image: an archive that docker load, ctr import and podman load take, with the programs and what they need" {
	[ -s "$ARCHIVE" ]
	grep -q "^Loaded image: ctrwatch:$VERSION" "$DIR/make-image.out"
	run dk image inspect -f '{{json .Config.Entrypoint}} {{json .Config.Cmd}}' "ctrwatch:$VERSION"
	assert_output '["/usr/local/sbin/ctrwatch"] ["--format=ndjson"]'
	run "$ROOT/scripts/rt" ctr "$DIR" -n k8s.io images import "$ARCHIVE"
	assert_success
	run pm load -q -i "$ARCHIVE"
	assert_success
	assert_output --partial "$IMAGE_REF"
	# the layer: the programs where make install puts them, each host file from a Debian package
	local layer
	layer=$(tar -xOf "$ARCHIVE" manifest.json | jq -r '.[0].Layers[0]')
	tar -xOf "$ARCHIVE" "$layer" | tar -tzf - >"$T/files"
	for f in usr/local/sbin/cgtap usr/local/sbin/ctrwatch usr/local/bin/ctrdetect \
		usr/local/bin/ctrenrich usr/local/bin/ctrfmt usr/bin/bash lib64; do
		grep -qx "$f" "$T/files" || fail "no $f in the image"
	done
	! grep -E '^usr/(local/)?share/man/' "$T/files" || fail "man pages in the image"
	tar -xOf "$ARCHIVE" "$layer" | tar -xzOf - usr/share/doc/ctrwatch/image-packages >"$T/pkgs"
	grep -q '^libbpf1:[a-z0-9]* .*libbpf.so' "$T/pkgs"
	grep -q '^libcurl4:[a-z0-9]* .*libcurl.so' "$T/pkgs"
	grep -q '^coreutils .*/mkfifo' "$T/pkgs"
}

# The image holds the commands scripts/ctrwatch runs (IMAGE_TOOLS): every run of it below
# fails on "command not found", here and in the runs that watch and stop.
@test "the image runs ctrwatch: --help, --version, and a usage error find every command they need" {
	run dk run --rm "ctrwatch:$VERSION" --help
	assert_success
	assert_line --index 0 'Usage: ctrwatch [OPTION]...'
	refute_output --partial 'not found'
	run dk run --rm "ctrwatch:$VERSION" --version
	assert_output "ctrwatch (ctrwatch) $VERSION"
	run dk run --rm "ctrwatch:$VERSION" --bogus
	assert_failure 2
	refute_output --partial 'not found'
}

@test "the DaemonSet through containerd's CRI as the kubelet runs it: enriched creates in its log, a clean stop in its grace period" {
	local ds=$ROOT/scripts/ctrwatch-daemonset.yaml grace st cid spec log pid
	# the node's paths are this file's private runtimes: containerd's directory, docker's socket
	RT_CGROUP_PARENTS=$DIR/cgroup-parents run "$ROOT/scripts/kube-run" up "$DIR/containerd.sock" "$ds" "$T/pod" \
		--image "$IMAGE_REF" --hostpath "containerd=$DIR" --hostpath "docker=$DIR/docker.sock" \
		--hostpath "crio=$T/crio"
	assert_success
	st=$T/pod/state.json
	cid=$(jq -r .containers.ctrwatch.id "$st")
	log=$(jq -r .containers.ctrwatch.log "$st")
	grace=$(jq -r .grace "$st")
	[ "$grace" = "$(python3 -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["spec"]["template"]["spec"].get("terminationGracePeriodSeconds", 30))' "$ds")" ]
	# the runtime made what the manifest asked for
	spec=$(cri inspect "$cid" | jq -c .info.info.runtimeSpec)
	[ "$(jq -c '.process.capabilities.effective' <<<"$spec")" = '["CAP_BPF","CAP_PERFMON"]' ]
	[ "$(jq -r '.root.readonly' <<<"$spec")" = true ]
	[ "$(jq -r '.process.noNewPrivileges' <<<"$spec")" = true ]
	[ "$(jq -r '.linux.seccomp.defaultAction' <<<"$spec")" = SCMP_ACT_ERRNO ]
	pid=$(cri inspect "$cid" | jq -r .info.info.pid)
	[ "$(readlink "/proc/$pid/ns/pid")" = "$(readlink /proc/self/ns/pid)" ] # host PID
	[ "$(jq -r '.mounts[] | select(.destination == "/sys/fs/cgroup") | any(.options[]; . == "ro")' <<<"$spec")" = true ]
	# the first record: the scan, which sees the pod's own sandbox
	wait_for "cat '$log'" '^[^ ]+ stdout F \{"event":"existing_container"' 60
	echo "# StartContainer -> first record: $(first_record_ms "$st") ms (StartContainer itself: $(( ($(jq .containers.ctrwatch.start_returned "$st") - $(jq .containers.ctrwatch.start_called "$st")) / 1000000 )) ms)" >&3
	# a pod started next to it, and a Docker container
	local uid sid app dkid r
	uid=$(cat /proc/sys/kernel/random/uuid)
	sid=$(cri runp fleet-web fleet-ns "$uid" --cgroup-parent "/kubepods/besteffort/pod$uid")
	app=$(cri create "$sid" web docker.io/library/ctrwatch-test:1 fleet-web fleet-ns "$uid" -- /bin/sleep 600)
	cri start "$app"
	dkid=$(dk run -d --name fleet-next ctrwatch-test:1)
	wait_for "cat '$log'" "\"container_id\":\"$app\"" 30
	wait_for "cat '$log'" "\"container_id\":\"$dkid\"" 30
	r=$(record "$log" "$app")
	[ "$(jq -c '[.runtime, .container_name, .container_image, .pod_name, .pod_namespace, .pod_uid, .pod_sandbox, .enrich_error]' <<<"$r")" = \
		"[\"containerd\",\"web\",\"docker.io/library/ctrwatch-test:1\",\"fleet-web\",\"fleet-ns\",\"$uid\",false,null]" ]
	r=$(record "$log" "$sid")
	[ "$(jq -c '[.pod_name, .pod_sandbox]' <<<"$r")" = '["fleet-web",true]' ]
	r=$(record "$log" "$dkid")
	[ "$(jq -c '[.runtime, .container_name, .container_image, .enrich_error]' <<<"$r")" = '["docker","fleet-next","ctrwatch-test:1",null]' ]
	# every stdout line of the CRI log is "TIME stdout F RECORD": what a log collector's cri
	# parser reads, the message one JSON record
	grep ' stdout ' "$log" | awk '$3 != "F" { exit 1 }'
	grep ' stdout ' "$log" | cut -d' ' -f4- | jq -e 'has("event") and has("ts")' >/dev/null
	! grep ' stderr ' "$log" | grep -E 'command not found|denied|failed' || fail "errors in the log"
	# the pod deleted: StopContainer with the grace period, then the sandbox
	run "$ROOT/scripts/kube-run" down "$DIR/containerd.sock" "$T/pod"
	assert_success
	[ "$(jq -c '.ctrwatch | [.exit_code, .reason]' <<<"$output")" = '[0,"Completed"]' ]
	jq -e --argjson g "$grace" '.ctrwatch.stop_seconds < $g' <<<"$output" >/dev/null
	echo "# StopContainer (grace ${grace}s) took $(jq .ctrwatch.stop_seconds <<<"$output") s" >&3
	rm -f "$T/pod/state.json"
	cri stop "$app" 0 && cri stopp "$sid" && cri rmp "$sid"
	dk rm -f fleet-next >/dev/null
}

# first_record_ms STATE: milliseconds from the StartContainer call to the first record's line in
# the container's CRI log (the runtime stamps each line when it reads it).
first_record_ms() {
	python3 - "$1" <<'PY'
import datetime, json, sys
c = json.load(open(sys.argv[1]))['containers']['ctrwatch']
for line in open(c['log']):
    t, stream, _, msg = line.split(' ', 3)
    if stream == 'stdout' and msg.startswith('{'):
        whole, frac = t.rstrip('Z').split('.')
        s = datetime.datetime.strptime(whole, '%Y-%m-%dT%H:%M:%S').replace(tzinfo=datetime.timezone.utc)
        ns = int(s.timestamp()) * 10**9 + int(frac.ljust(9, '0'))
        print((ns - c['start_called']) // 10**6)
        break
PY
}

# single_host ENGINE RUN...: the README's command for ENGINE, with the host's /run replaced by
# this file's sockets, run by RUN...; then a container started next to it must show up enriched
# in its log, and `stop -t 15` must end it with status 0 in time.
single_host() {
	local engine=$1 cmd id r t0 took
	shift
	cmd=$(readme_cmd "$engine")
	[[ $cmd == *" -v /run:/run:ro "* ]] || fail "the README's $engine command does not mount /run: $cmd"
	[[ $cmd == *" ctrwatch:$VERSION"* ]] || fail "the README's $engine command does not run ctrwatch:$VERSION: $cmd"
	host_run "$DIR/run-$engine"
	cmd=${cmd/ -v \/run:\/run:ro / -v $DIR/run-$engine:/run:ro }
	# shellcheck disable=SC2086 # the README's words
	set -- "$@" ${cmd#*"$engine" }
	"$@" >/dev/null
	wait_for "$1 $2 $3 logs ctrwatch" '"event":"existing_container"' 60
	id=$("$1" "$2" "$3" run -d --name fleet-next-"$engine" ctrwatch-test:1)
	wait_for "$1 $2 $3 logs ctrwatch" "\"container_id\":\"$id\"" 30
	"$1" "$2" "$3" logs ctrwatch >"$T/out" 2>"$T/err"
	r=$(record "$T/out" "$id")
	[ "$(jq -c '[.runtime, .container_name, .enrich_error]' <<<"$r")" = "[\"$engine\",\"fleet-next-$engine\",null]" ]
	# every line one JSON object (one jq for the whole log: it holds the host's other containers)
	[ "$(jq -c 'select(type == "object")' "$T/out" | wc -l)" -eq "$(wc -l <"$T/out")" ]
	! grep -E 'command not found|denied|failed' "$T/err" || fail "stderr: $(cat "$T/err")"
	t0=$SECONDS
	"$1" "$2" "$3" stop -t 15 ctrwatch >/dev/null
	took=$((SECONDS - t0))
	[ "$took" -lt 15 ] || fail "stop took ${took}s"
	run "$1" "$2" "$3" inspect -f '{{.State.ExitCode}}' ctrwatch
	assert_output 0
	"$1" "$2" "$3" rm -f ctrwatch "fleet-next-$engine" >/dev/null
}

@test "docker run with the README's single-host flags: enriched creates, a clean stop" {
	dk image inspect "ctrwatch:$VERSION" >/dev/null
	single_host docker "$ROOT/scripts/rt" docker "$DIR"
}

@test "podman run with the README's single-host flags: enriched creates, a clean stop" {
	pm image exists "$IMAGE_REF" || pm load -q -i "$ARCHIVE" >/dev/null
	single_host podman "$ROOT/scripts/rt" podman "$DIR"
}
