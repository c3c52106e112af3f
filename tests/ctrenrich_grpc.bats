#!/usr/bin/env bats
# ctrenrich against a real containerd with its CRI plugin (scripts/rt, root): the containerd
# backend (native gRPC API) and the CRI-O backend (runtime.v1 CRI, pointed at containerd's
# socket as if it were CRI-O's), over HTTP/2 on a Unix socket. A second containerd, without CRI
# (as Docker's own runs), answers CRI calls with "unknown service".

load lib/common

uuid() { cat /proc/sys/kernel/random/uuid; }

# mkdir_rec PATH: a cgroup_mkdir record as cgtap writes it.
mkdir_rec() {
	printf '{"event":"cgroup_mkdir","ts":1,"cgroup_id":9,"hierarchy_id":0,"level":4,"path":"%s","pid":1,"comm":"runc"}\n' "$1"
}

# rec EVENT RUNTIME ID: a container record as ctrdetect writes it.
rec() {
	printf '{"event":"%s","ts":1,"cgroup_id":9,"path":"/x/%s","runtime":"%s","container_id":"%s","ctime":5}\n' \
		"$1" "$3" "$2" "$3"
}

# field N KEY: KEY of output line N (1-based), as jq -r prints it.
field() {
	sed -n "${1}p" <<<"$output" | jq -r ".$2"
}

# enrich ARGS...: ctrenrich with only this suite's containerd, as containerd and as crio.
enrich() {
	ctrenrich --no-discover --socket "containerd=$SOCK" --socket "crio=$SOCK" "$@"
}

setup_file() {
	[ "$(id -u)" -eq 0 ] && command -v containerd >/dev/null || return 0
	# A short path: the socket's must fit in sun_path.
	DIR=$(mktemp -d /tmp/ctrgrpc.XXXXXX)
	export DIR SOCK=$DIR/containerd.sock NOCRI=$DIR/nocri/containerd.sock
	rt start containerd "$DIR" >&3 2>&1
	rt start containerd --no-cri "$DIR/nocri" >&3 2>&1
	export UID1 SID CID
	UID1=$(uuid)
	SID=$(rt cri "$DIR" runp grpc-pod grpc-ns "$UID1" --cgroup-parent "/kubepods/besteffort/pod$UID1")
	CID=$(rt cri "$DIR" create "$SID" app docker.io/library/ctrwatch-test:1 grpc-pod grpc-ns "$UID1" \
		-- /bin/sleep 600)
	rt cri "$DIR" start "$CID"
	export PLAIN=grpc-plain-$$ NERD=grpc-nerd-$$
	rt ctr "$DIR" -n default run -d docker.io/library/ctrwatch-test:1 "$PLAIN" >/dev/null
	rt ctr "$DIR" -n k8s.io run -d --label nerdctl/name=web docker.io/library/ctrwatch-test:1 \
		"$NERD" >/dev/null
}

teardown_file() {
	[ -n "${DIR:-}" ] || return 0
	rt stop "$DIR/nocri" >&3 2>&1
	rt stop "$DIR" >&3 2>&1
}

setup() {
	require_root
	require_cmd containerd
	T=$BATS_TEST_TMPDIR
}

teardown() {
	if [ -e "$T/mute.pid" ]; then kill -KILL "$(cat "$T/mute.pid")" 2>/dev/null || true; fi
	if [ -e "$T/enrich.pid" ]; then kill -KILL "$(cat "$T/enrich.pid")" 2>/dev/null || true; fi
	local ns name
	if [ -e "$T/late" ] && read -r ns name <"$T/late"; then rm_late "$ns" "$name"; fi
}

# rm_late NS NAME: remove the ctr container NAME, the image and the namespace NS it was made in,
# and what the namespace left on the host: the empty cgroup parent /NS in every hierarchy and
# runc's state directory for NS (rt stop keeps top-level cgroups, as several DIRs share them).
rm_late() {
	local ns=$1 name=$2 root fs
	rt ctr "$DIR" -n "$ns" tasks delete -f "$name" >/dev/null 2>&1 || true
	rt ctr "$DIR" -n "$ns" containers delete "$name" >/dev/null 2>&1 || true
	rt ctr "$DIR" -n "$ns" images rm --sync docker.io/library/ctrwatch-test:1 >/dev/null 2>&1 || true
	rt ctr "$DIR" namespaces rm "$ns" >/dev/null
	while read -r _ root fs _; do
		if [[ $fs =~ ^cgroup2?$ ]] && [ -d "$root/$ns" ]; then rmdir "$root/$ns"; fi
	done </proc/mounts
	[ ! -d "/run/containerd/runc/$ns" ] || rmdir "/run/containerd/runc/$ns"
	rm -f "$T/late"
}

# The digest containerd holds for the test image (the target of its image record).
image_digest() {
	rt ctr "$DIR" -n k8s.io images ls name==docker.io/library/ctrwatch-test:1 |
		awk 'NR == 2 { print $3 }'
}

@test "containerd: a CRI pod's container and sandbox from their cgroups: names, image, digest, pod fields" {
	run --separate-stderr bash -c "{ $(declare -f mkdir_rec); mkdir_rec /kubepods/besteffort/pod$UID1/$CID; mkdir_rec /kubepods/besteffort/pod$UID1/$SID; } |
		ctrdetect | ctrenrich --no-discover --socket containerd=$SOCK"
	assert_success
	[ "${#lines[@]}" -eq 2 ]
	[ "$(field 1 container_id)" = "$CID" ]
	[ "$(field 1 runtime)" = containerd ]
	[ "$(field 1 container_name)" = app ]
	[ "$(field 1 container_image)" = docker.io/library/ctrwatch-test:1 ]
	[ "$(field 1 container_image_digest)" = "$(image_digest)" ]
	[[ "$(field 1 container_image_digest)" =~ ^sha256:[0-9a-f]{64}$ ]]
	[ "$(field 1 pod_name)" = grpc-pod ]
	[ "$(field 1 pod_namespace)" = grpc-ns ]
	[ "$(field 1 pod_uid)" = "$UID1" ]
	[ "$(field 1 pod_sandbox)" = false ]
	[ "$(field 1 enrich_error)" = null ]
	[ "$(field 2 container_id)" = "$SID" ]
	[ "$(field 2 runtime)" = containerd ]
	[ "$(field 2 container_name)" = "" ]
	[ "$(field 2 container_image)" = docker.io/library/ctrwatch-pause:1 ]
	[ "$(field 2 pod_name)" = grpc-pod ]
	[ "$(field 2 pod_uid)" = "$UID1" ]
	[ "$(field 2 pod_sandbox)" = true ]
}

@test "containerd: ctr containers in two namespaces; nerdctl/name names one, the other has no name" {
	run --separate-stderr enrich < <(rec existing_container containerd "$PLAIN"; rec existing_container containerd "$NERD")
	assert_success
	[ "$(field 1 container_name)" = "" ]
	[ "$(field 1 container_image)" = docker.io/library/ctrwatch-test:1 ]
	[ "$(field 1 pod_name)" = "" ]
	[ "$(field 1 pod_sandbox)" = false ]
	[ "$(field 1 enrich_error)" = null ]
	[ "$(field 2 container_name)" = web ]
	[ "$(field 2 enrich_error)" = null ]
}

@test "crio: CRI on containerd's socket: name from CRI metadata, image and image ref, pod fields" {
	run --separate-stderr bash -c "$(declare -f mkdir_rec); mkdir_rec /kubepods.slice/crio-$CID.scope |
		ctrdetect | ctrenrich --no-discover --socket crio=$SOCK"
	assert_success
	[ "$(field 1 runtime)" = crio ]
	[ "$(field 1 container_name)" = app ]
	[ "$(field 1 container_image)" = docker.io/library/ctrwatch-test:1 ]
	[[ "$(field 1 container_image_digest)" =~ ^sha256:[0-9a-f]{64}$ ]]
	[ "$(field 1 pod_name)" = grpc-pod ]
	[ "$(field 1 pod_namespace)" = grpc-ns ]
	[ "$(field 1 pod_uid)" = "$UID1" ]
	[ "$(field 1 pod_sandbox)" = false ]
}

@test "crio: a sandbox id is no CRI container: PodSandboxStatus makes it the pod sandbox" {
	run --separate-stderr enrich < <(rec container_create crio "$SID")
	assert_success
	[ "$(field 1 pod_sandbox)" = true ]
	[ "$(field 1 pod_name)" = grpc-pod ]
	[ "$(field 1 pod_namespace)" = grpc-ns ]
	[ "$(field 1 pod_uid)" = "$UID1" ]
	[ "$(field 1 container_name)" = "" ]
	[ "$(field 1 enrich_error)" = null ]
}

@test "not found (a trailers-only answer), in both backends: enrich_error, the stream goes on in order" {
	local nope
	nope=$(printf '%064x' 48879)
	run --separate-stderr enrich -t 300ms < <(rec container_create containerd "$nope"
		rec existing_container containerd "$PLAIN"; rec container_create crio "$nope"
		rec container_create crio "$CID")
	assert_success
	[ "${#lines[@]}" -eq 4 ]
	[ "$(field 1 enrich_error)" = "not found" ]
	[ "$(field 2 container_id)" = "$PLAIN" ]
	[ "$(field 2 enrich_error)" = null ]
	[ "$(field 3 enrich_error)" = "not found" ]
	[ "$(field 4 container_name)" = app ]
}

@test "many lookups at once, both backends: every record enriched, in order" {
	local i
	for i in $(seq 100); do
		rec existing_container containerd "$CID"
		rec existing_container crio "$CID"
		rec existing_container containerd "$NERD"
	done >"$T/in"
	run --separate-stderr enrich --cache-size 1 -t 10s "$T/in"
	assert_success
	[ "${#lines[@]}" -eq 300 ]
	[ "$(jq -r 'select(.enrich_error) | .enrich_error' <<<"$output" | wc -l)" -eq 0 ]
	[ "$(jq -r .container_name <<<"$output" | sort | uniq -c | awk '{ print $1 $2 }' | tr '\n' ' ')" = "200app 100web " ]
}

@test "fault: a socket that accepts and never answers: timeout, and the next record is not held" {
	/usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1]); s.listen(16)
conns = []
while True:
    conns.append(s.accept())
' "$T/mute.sock" &
	echo $! >"$T/mute.pid"
	disown
	for _ in $(seq 50); do [ -S "$T/mute.sock" ] && break; sleep 0.05; done
	run --separate-stderr ctrenrich --no-discover --socket "containerd=$T/mute.sock" \
		--socket "crio=$SOCK" -t 500ms < <(rec container_create containerd "$CID"
		rec container_create crio "$CID")
	assert_success
	[ "$(field 1 enrich_error)" = timeout ]
	[ "$(field 2 container_name)" = app ]
}

@test "fault: unknown service: a containerd without CRI as crio's socket: enrich_error says so, in order" {
	run --separate-stderr ctrenrich --no-discover --socket "crio=$NOCRI" --socket "containerd=$SOCK" \
		< <(rec container_create crio "$CID"; rec container_create containerd "$CID"
		rec existing_container crio "$CID")
	assert_success
	[ "${#lines[@]}" -eq 3 ]
	[ "$(field 1 event)" = container_create ]
	[ "$(field 2 runtime)" = containerd ]
	[ "$(field 3 event)" = existing_container ]
	for n in 1 3; do
		[ "$(field $n runtime)" = crio ]
		[ "$(field $n container_id)" = "$CID" ]
		[ "$(field $n enrich_error)" = "grpc unimplemented: the runtime does not serve CRI (runtime.v1.RuntimeService)" ]
	done
	[ "$(field 2 container_id)" = "$CID" ]
	[ "$(field 2 container_name)" = app ]
	[ "$(field 2 pod_name)" = grpc-pod ]
	[ "$(field 2 enrich_error)" = null ]
}

@test "fault: wrong namespace: one made after the namespaces were listed is found on the miss; an id in none is not found" {
	local ns=late-$$ name=grpc-late-$$ w
	mkfifo "$T/in"
	# the namespaces are listed again at most once a second: the late container's create is
	# retried until then, well within 5 s (the id in no namespace takes the 5 s)
	enrich -t 5s <"$T/in" >"$T/out" 2>"$T/err" 3>&- &
	echo $! >"$T/enrich.pid"
	exec {w}>"$T/in"
	# the first record's answer is out: ctrenrich listed the namespaces before NS existed
	rec existing_container containerd "$PLAIN" >&"$w"
	for _ in $(seq 600); do [ -s "$T/out" ] && break; sleep 0.05; done
	[ "$(wc -l <"$T/out")" -eq 1 ]
	echo "$ns $name" >"$T/late"
	rt ctr "$DIR" -n "$ns" images import "$DIR/image/ctrwatch-test.tar" >/dev/null
	rt ctr "$DIR" -n "$ns" run -d docker.io/library/ctrwatch-test:1 "$name" >/dev/null
	rec container_create containerd "$name" >&"$w"
	rec container_create containerd "grpc-nowhere-$$" >&"$w"
	rec existing_container containerd "$NERD" >&"$w"
	exec {w}>&-
	wait_pid "$(cat "$T/enrich.pid")"
	rm "$T/enrich.pid"
	run cat "$T/out"
	[ "${#lines[@]}" -eq 4 ]
	[ "$(field 1 container_id)" = "$PLAIN" ]
	[ "$(field 1 enrich_error)" = null ]
	[ "$(field 2 container_id)" = "$name" ]
	[ "$(field 2 container_image)" = docker.io/library/ctrwatch-test:1 ]
	[ "$(field 2 enrich_error)" = null ]
	[ "$(field 3 container_id)" = "grpc-nowhere-$$" ]
	[ "$(field 3 enrich_error)" = "not found" ]
	[ "$(field 4 container_id)" = "$NERD" ]
	[ "$(field 4 container_name)" = web ]
	rm_late "$ns" "$name"
}

@test "container_remove after a stop: exit code and finish time, through containerd and through CRI" {
	local uid sid cid
	uid=$(uuid)
	sid=$(rt cri "$DIR" runp grpc-rm grpc-ns "$uid")
	cid=$(rt cri "$DIR" create "$sid" app docker.io/library/ctrwatch-test:1 grpc-rm grpc-ns "$uid" -- /bin/sleep 600)
	rt cri "$DIR" start "$cid"
	rt cri "$DIR" stop "$cid" 0
	run --separate-stderr enrich < <(rec container_remove containerd "$cid"; rec container_remove crio "$cid")
	assert_success
	for n in 1 2; do
		[ "$(field $n container_name)" = app ]
		[ "$(field $n pod_name)" = grpc-rm ]
		[ "$(field $n exit_code)" = 137 ]
		[[ "$(field $n finished_at)" =~ ^20[0-9-]{8}T[0-9:]{8}(\.[0-9]+)?Z$ ]]
		[ "$(field $n oom_killed)" = false ]
	done
	rt cri "$DIR" rm "$cid"
	rt cri "$DIR" stopp "$sid"
	rt cri "$DIR" rmp "$sid"
}

@test "fault: containerd killed mid-stream: enrich_error while it is down, enriched again once it is back" {
	local pid
	pid=$(cat "$DIR/containerd.pid")
	kill -KILL "$pid"
	for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	run --separate-stderr enrich -t 300ms < <(rec existing_container containerd "$CID"
		rec existing_container crio "$CID")
	assert_success
	[ "$(field 1 enrich_error)" != null ]
	[ "$(field 2 enrich_error)" != null ]
	rt start containerd "$DIR" >&3 2>&1
	run --separate-stderr enrich < <(rec existing_container containerd "$CID"
		rec existing_container crio "$CID")
	assert_success
	[ "$(field 1 container_name)" = app ]
	[ "$(field 2 container_name)" = app ]
}
