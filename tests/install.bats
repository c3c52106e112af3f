#!/usr/bin/env bats
# Installing, the service files, and the README's two commands.

load lib/common

setup() {
	TMP=$(mktemp -d)
}

teardown() {
	# what a failed test left: make run's process group, its cgroup
	[ -z "${pid:-}" ] || kill -KILL -- "-$pid" 2>/dev/null || true
	[ -z "${cg:-}" ] || rmdir "$cg/$id" "$cg" 2>/dev/null || true
	rm -rf "$TMP"
}

@test "make install DESTDIR puts every program, ctrwatch and man page in place" {
	run make -C "$ROOT" -s install DESTDIR="$TMP/root" prefix=/usr
	assert_success
	for p in ctrdetect ctrenrich ctrfmt; do [ -x "$TMP/root/usr/bin/$p" ] || fail "no $p"; done
	for p in cgtap ctrwatch; do [ -x "$TMP/root/usr/sbin/$p" ] || fail "no $p"; done
	for m in man1/ctrdetect.1 man1/ctrenrich.1 man1/ctrfmt.1 man7/ctr-records.7 man8/cgtap.8 man8/ctrwatch.8; do
		[ -f "$TMP/root/usr/share/man/$m" ] || fail "no $m"
		MANWIDTH=80 man -l "$TMP/root/usr/share/man/$m" >/dev/null || fail "man cannot open $m"
	done
	run "$TMP/root/usr/bin/ctrdetect" --version
	assert_success
	# One version: make install writes the Makefile's into ctrwatch.
	v=${output#ctrdetect }
	run "$TMP/root/usr/sbin/ctrwatch" --version
	assert_output "ctrwatch $v"
}

@test "make install writes the Makefile's version into every man page's .TH line" {
	local m n=0
	run make -C "$ROOT" -s install DESTDIR="$TMP/root" prefix=/usr VERSION=9.8.7
	assert_success
	for m in "$TMP"/root/usr/share/man/man*/*; do
		head -1 "$m" | grep -q '^\.TH [^ ]* [178] [^ ]* "ctrwatch 9\.8\.7" ' || fail "$m: $(head -1 "$m")"
		n=$((n + 1))
	done
	[ "$n" -eq "$(ls "$ROOT"/man/*.[178] | wc -l)" ]
	assert_equal "$("$TMP/root/usr/sbin/ctrwatch" --version)" "ctrwatch (ctrwatch) 9.8.7"
}

@test "make uninstall removes what make install put there" {
	make -C "$ROOT" -s install DESTDIR="$TMP/root" prefix=/usr
	run make -C "$ROOT" -s uninstall DESTDIR="$TMP/root" prefix=/usr
	assert_success
	run find "$TMP/root" -type f
	assert_output ""
}

@test "every man page's SEE ALSO names the other pages" {
	local m p
	for m in "$ROOT"/man/*.[178]; do
		for p in cgtap ctrdetect ctrenrich ctrfmt ctr-records ctrwatch; do
			[ "$(basename "$m" | sed 's/\.[0-9]$//')" = "$p" ] && continue
			sed -n '/^\.SH SEE ALSO/,$p' "$m" | sed 's/\\-/-/g' | grep -q "$p" || fail "$(basename "$m") does not name $p"
		done
	done
}

@test "the man pages render without warnings" {
	local m
	for m in "$ROOT"/man/*.[178]; do
		run bash -c "MANWIDTH=100 man --warnings -l '$m' 2>&1 >/dev/null"
		assert_output ""
	done
}

@test "the systemd unit is valid, runs ctrwatch with options it has, and keeps only cgtap's capabilities" {
	require_cmd systemd-analyze
	local unit=$ROOT/scripts/ctrwatch.service opt
	make -C "$ROOT" -s install DESTDIR="$TMP/root" prefix=/usr/local
	# Point the unit at the copy installed under DESTDIR and verify it.
	sed "s|/usr/local/sbin/ctrwatch|$TMP/root/usr/local/sbin/ctrwatch|" "$unit" >"$TMP/ctrwatch.service"
	run env MANPATH="$TMP/root/usr/local/share/man" SYSTEMD_LOG_LEVEL=err systemd-analyze verify "$TMP/ctrwatch.service"
	assert_success
	assert_output ""
	grep -qx 'CapabilityBoundingSet=CAP_BPF CAP_PERFMON' "$unit"
	grep -qx 'NoNewPrivileges=yes' "$unit"
	grep -qx 'ProtectSystem=strict' "$unit"
	for opt in $(sed -n 's/^ExecStart=[^ ]* //p' "$unit"); do
		[[ $opt != --* ]] && continue
		ctrwatch --help | grep -qe "${opt%%=*}" || fail "ctrwatch has no option $opt"
	done
}

@test "the DaemonSet parses, runs ctrwatch with options it has, and adds only BPF and PERFMON" {
	run /usr/bin/python3 - "$ROOT/scripts/ctrwatch-daemonset.yaml" <<'PY'
import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
assert d["kind"] == "DaemonSet", d["kind"]
spec = d["spec"]["template"]["spec"]
assert spec["hostPID"] is True
c = spec["containers"][0]
sc = c["securityContext"]
assert sc["capabilities"] == {"drop": ["ALL"], "add": ["BPF", "PERFMON"]}, sc
assert sc["readOnlyRootFilesystem"] is True and sc.get("privileged") is not True
mounts = {m["name"]: m for m in c["volumeMounts"]}
for name in ("cgroupfs", "containerd", "crio", "docker"):
    assert mounts[name]["readOnly"] is True, name
print(c["command"][0])
for a in c["args"]:
    print(a)
PY
	assert_success
	assert_line --index 0 /usr/local/sbin/ctrwatch
	for opt in "${lines[@]:1}"; do
		ctrwatch --help | grep -qe "${opt%%=*}" || fail "ctrwatch has no option $opt"
	done
	assert_line '--format=ndjson'
}

@test "the README's two commands are make run and make test, and .ci/run runs the test one" {
	run grep -E '^make (run|test) ' "$ROOT/README.md"
	assert_line --index 0 --regexp '^make run +#'
	assert_line --index 1 --regexp '^make test +#'
	[ "${#lines[@]}" -eq 2 ]
	grep -qx 'make test' "$ROOT/.ci/run"
}

@test "the README's run command works in a fresh clone" {
	require_root
	git clone -q "$ROOT" "$TMP/clone"
	# Uncommitted work is not in a clone: test what is committed, as CI does.
	cd "$TMP/clone"
	cmd=$(sed -n 's/^\(make run\) .*/\1/p' README.md)
	[ "$cmd" = "make run" ]
	# Built first, so that the wait below for a record does not count the build (40 s to minutes).
	run timeout 240 make -s all
	assert_success
	# Its own process group, so that Ctrl-C can be sent the way a terminal sends it, and SIGINT
	# at its default, as a terminal's foreground job has it (a script's background job ignores it).
	(trap - INT; exec setsid $cmd ARGS='--no-enrich --format ndjson') >"$TMP/out" 2>"$TMP/err" &
	pid=$!
	# A cgroup shaped like a container's (a bare 64-hex id) makes one without a runtime.
	cg=/sys/fs/cgroup/cpuset/ctrw-readme-$$
	id=$(printf '%064d' $$)
	mkdir -p "$cg"
	# Until a create comes: a mkdir just before cgtap attached gives only the removal.
	for i in $(seq 600); do
		grep -q "\"event\":\"container_create\".*\"container_id\":\"$id\"" "$TMP/out" 2>/dev/null && break
		mkdir "$cg/$id" 2>/dev/null && rmdir "$cg/$id"
		sleep 0.1
	done
	kill -INT -- "-$pid" 2>/dev/null || true
	wait_pid "$pid" || true
	! pgrep -g "$pid" >/dev/null || fail "processes left behind: $(pgrep -g "$pid" -a)"
	rmdir "$cg/$id" "$cg" 2>/dev/null || true
	[ -x build/bin/cgtap ] && [ -x build/bin/ctrfmt ]
	grep -q "\"event\":\"container_create\".*\"container_id\":\"$id\"" "$TMP/out" ||
		fail "no container_create; stdout: $(cat "$TMP/out"); stderr: $(cat "$TMP/err")"
}
