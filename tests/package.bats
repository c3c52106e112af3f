#!/usr/bin/env bats
# The single-host path: `make deb` installed with apt-get, run, and purged with nothing left; and
# the systemd unit's hardening, each directive reproduced by hand (no systemd runs here) around
# the pipeline it starts, which must still attach and reach a runtime's socket. Root.

load lib/common

VERSION=$(sed -n 's/^VERSION := //p' "$BATS_TEST_DIRNAME/../Makefile")
DEB=$BATS_TEST_DIRNAME/../build/ctrwatch_${VERSION}_$(dpkg --print-architecture).deb
APT=(apt-get -y -qq -o DPkg::Lock::Timeout=300)

setup() {
	T=$BATS_TEST_TMPDIR
	PIDS=()
	MEMCG=/sys/fs/cgroup/memory/ctrw-unit-$$-$BATS_TEST_NUMBER
}

teardown() {
	local p
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	if [ -n "${CG:-}" ]; then rmdir "$CG"/* "$CG" 2>/dev/null || true; fi
	# what runs in the unit's memory cgroup is this test's: stop it, then remove the cgroup
	if [ -d "$MEMCG" ]; then
		local i
		xargs -r kill -TERM <"$MEMCG/cgroup.procs" 2>/dev/null || true
		for ((i = 0; i < 50; i++)); do
			[ -s "$MEMCG/cgroup.procs" ] || break
			sleep 0.1
		done
		xargs -r kill -KILL <"$MEMCG/cgroup.procs" 2>/dev/null || true
		for ((i = 0; i < 30; i++)); do rmdir "$MEMCG" 2>/dev/null && break; sleep 0.1; done
	fi
	if [ -n "${INSTALLED:-}" ]; then DEBIAN_FRONTEND=noninteractive "${APT[@]}" purge ctrwatch >/dev/null 2>&1 || true; fi
	if [ -n "${RTDIR:-}" ]; then "$ROOT/scripts/rt" stop "$RTDIR" >&3 2>&1; fi
}

# wait_for FILE PATTERN [SECONDS]: until a line of FILE matches the extended regex PATTERN.
wait_for() {
	local i
	for ((i = 0; i < ${3:-30} * 10; i++)); do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "timed out waiting for /$2/ in $1:" >&2
	cat "$1" >&2
	return 1
}

# stage_pid ROOT NAME: the PID of ROOT's descendant named NAME (ctrwatch runs each stage
# under a wrapper subshell, so a stage is a grandchild); fails when there is none.
stage_pid() {
	local p c
	for p in $(tree_pids "$1"); do
		{ read -r c <"/proc/$p/comm"; } 2>/dev/null || continue
		[ "$c" = "$2" ] && echo "$p" && return 0
	done
	echo "no process named $2 under $1" >&2
	return 1
}

# container_cgroup: a cgroup shaped like a container's (a bare 64-hex id under a parent of this
# test's own) in the cpuset hierarchy, the one ctrwatch watches by default. Sets CG and ID.
container_cgroup() {
	CG=/sys/fs/cgroup/cpuset/ctrw-pkg-$$
	ID=$(printf '%064x' $$)
	mkdir -p "$CG"
	mkdir "$CG/$ID"
}

@test "make deb: the programs, ctrwatch, man pages and unit under /usr; Depends names the libraries' packages" {
	run make -C "$ROOT" -s deb
	assert_success
	[ -s "$DEB" ]
	dpkg-deb -c "$DEB" | awk '{print $6}' >"$T/files"
	for f in ./usr/sbin/cgtap ./usr/sbin/ctrwatch ./usr/bin/ctrdetect ./usr/bin/ctrenrich ./usr/bin/ctrfmt \
		./usr/share/man/man8/ctrwatch.8.gz ./usr/share/man/man7/ctr-records.7.gz ./lib/systemd/system/ctrwatch.service; do
		grep -qx -- "$f" "$T/files" || fail "no $f in the package"
	done
	! grep -q '/usr/local' "$T/files"
	# every library a program links directly comes from a package Depends names
	local lib pkg depends
	depends=$(dpkg-deb -f "$DEB" Depends)
	for lib in $(for p in "$ROOT"/build/bin/*; do objdump -p "$p" | awk '$1 == "NEEDED" {print $2}'; done | sort -u); do
		pkg=$(dpkg-query -S "*/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/$lib" | sed -n "1s/:.*//p")
		[ -n "$pkg" ] || fail "no package ships $lib"
		[[ ", $depends" == *", $pkg "* || ", $depends" == *", $pkg," ]] || fail "Depends ($depends) lacks $pkg for $lib"
	done
	# the packaged unit starts the packaged ctrwatch, which runs the packaged stages
	dpkg-deb --fsys-tarfile "$DEB" | tar -xOf - ./lib/systemd/system/ctrwatch.service >"$T/unit"
	grep -qx 'ExecStart=/usr/sbin/ctrwatch --format ndjson' "$T/unit"
	grep -qx 'Environment=PATH=/usr/sbin:/usr/bin:/sbin:/bin' "$T/unit"
}

@test "the package installs with apt-get, its ctrwatch reports a new container, and purge leaves nothing" {
	require_root
	[ -s "$DEB" ] || make -C "$ROOT" -s deb
	! dpkg-query -W ctrwatch >/dev/null 2>&1 || fail "a ctrwatch package is installed already; remove it first"
	run env DEBIAN_FRONTEND=noninteractive "${APT[@]}" install "$(realpath "$DEB")"
	assert_success
	INSTALLED=1
	dpkg-query -L ctrwatch >"$T/list"
	grep -qx /usr/sbin/ctrwatch "$T/list"
	run man -w ctrwatch
	assert_output --partial /usr/share/man/man8/ctrwatch.8.gz
	# the packaged ctrwatch with only the packaged stages on PATH (not a /usr/local copy)
	env PATH=/usr/sbin:/usr/bin:/sbin:/bin /usr/sbin/ctrwatch --no-enrich --format ndjson -v >"$T/out" 2>"$T/err" &
	PIDS+=($!)
	wait_for "$T/err" 'scan of hierarchy .* done'
	[ "$(readlink "/proc/$(stage_pid "${PIDS[0]}" cgtap)/exe")" = /usr/sbin/cgtap ]
	container_cgroup
	wait_for "$T/out" "\"event\":\"container_create\".*\"container_id\":\"$ID\""
	kill -TERM "${PIDS[0]}"
	wait "${PIDS[0]}" || fail "ctrwatch exited with status $?: $(cat "$T/err")"
	PIDS=()
	run env DEBIAN_FRONTEND=noninteractive "${APT[@]}" purge ctrwatch
	assert_success
	INSTALLED=
	! dpkg-query -W -f='${db:Status-Status}' ctrwatch 2>/dev/null | grep -q installed
	local f
	while IFS= read -r f; do
		[ -d "$f" ] || [ ! -e "$f" ] || fail "left behind: $f"
	done <"$T/list"
	[ ! -e /usr/share/doc/ctrwatch ] && [ ! -e /lib/systemd/system/ctrwatch.service ]
	[ ! -e /var/lib/dpkg/info/ctrwatch.list ]
}

# The unit's hardening, made by hand around CMD as systemd 252 makes it (what each line does is in
# systemd.exec(5)); the values are read from the unit, so a line this does not know fails the test.
# Run in a mount and UTS namespace of its own:
#   ProtectSystem=strict         every mount read-only but /dev, /proc, /sys (below)
#   PrivateTmp=yes               new writable /tmp and /var/tmp
#   ProtectHome=yes              /home, /root, /run/user empty and inaccessible
#   PrivateDevices=yes           a /dev with only null zero full random urandom tty, pts, shm
#   ProtectKernelTunables=yes    /proc/sys, /proc/sysrq-trigger, /sys read-only
#   ProtectControlGroups=yes     /sys/fs/cgroup read-only (with the rest of /sys)
#   ProtectKernelModules=yes     /lib/modules inaccessible
#   ProtectKernelLogs=yes        /proc/kmsg inaccessible
#   ProtectHostname=yes          a UTS namespace of its own
#   MemoryMax=                   a memory cgroup with that limit
#   CapabilityBoundingSet=, NoNewPrivileges=yes   setpriv
#   the seccomp-based lines      build/helpers/unitsec (its comment lists them)
# STAGE (a make install DESTDIR, with unitsec added) is put at /usr/local, and SOCK at
# /run/docker.sock, first. It execs: run it in the background or in `run`, and its PID is CMD's.
# User=root is this test's user; Restart and the logging lines need no counterpart.
unit_sandbox() {
	local stage=$1 sock=$2 unit=$ROOT/scripts/ctrwatch.service key val bset mem
	shift 2
	while IFS='=' read -r key val; do
		case $key in
		CapabilityBoundingSet) bset=$(tr 'A-Z' 'a-z' <<<"$val" | sed 's/cap_/+/g; s/ /,/g') ;;
		MemoryMax) mem=$val ;;
		ProtectSystem) [ "$val" = strict ] || fail "ProtectSystem=$val is not reproduced" ;;
		NoNewPrivileges | PrivateTmp | ProtectHome | PrivateDevices | ProtectKernelModules | \
			ProtectKernelLogs | ProtectKernelTunables | ProtectControlGroups | ProtectClock | \
			ProtectHostname | RestrictNamespaces | RestrictRealtime | RestrictSUIDSGID | \
			LockPersonality | MemoryDenyWriteExecute)
			[ "$val" = yes ] || fail "$key=$val is not reproduced" ;;
		RestrictAddressFamilies) [ "$val" = AF_UNIX ] || fail "$key=$val is not reproduced" ;;
		SystemCallArchitectures) [ "$val" = native ] || fail "$key=$val is not reproduced" ;;
		User) [ "$val" = root ] || fail "User=$val is not reproduced" ;;
		Type | ExecStart | Restart | RestartSec | StandardOutput | StandardError | SyslogIdentifier | \
			KillMode | Description | Documentation | After | WantedBy | TimeoutStopSec) ;;
		*) fail "the unit sets $key, which this test does not reproduce" ;;
		esac
	done < <(grep -E '^[A-Za-z]+=' "$unit")
	[ -n "$bset" ] && [ -n "$mem" ]
	mkdir -p "$MEMCG"
	case $mem in
	*G) echo $((${mem%G} << 30)) ;; *M) echo $((${mem%M} << 20)) ;; *K) echo $((${mem%K} << 10)) ;; *) echo "$mem" ;;
	esac >"$MEMCG/memory.limit_in_bytes"
	exec unshare -m -u --propagation private bash -euc '
		stage=$1 sock=$2 memcg=$3 bset=$4
		shift 4
		echo $$ >"$memcg/cgroup.procs"
		mount --bind "$stage/usr/local" /usr/local
		mount -t tmpfs -o mode=755 run /run
		touch /run/docker.sock
		mount --bind "$sock" /run/docker.sock
		# ProtectSystem=strict (and, with /sys, ProtectKernelTunables and ProtectControlGroups):
		# every mount read-only at once (mount_setattr, AT_RECURSIVE), then /proc writable again
		setattr() {
			python3 -c "if 1:
				import ctypes, struct, sys
				libc = ctypes.CDLL(None, use_errno=True)
				ro = 1  # MOUNT_ATTR_RDONLY
				attr = struct.pack(\"QQQQ\", ro if sys.argv[2] == \"ro\" else 0, 0 if sys.argv[2] == \"ro\" else ro, 0, 0)
				# mount_setattr(AT_FDCWD, path, AT_RECURSIVE, attr, size)
				if libc.syscall(442, -100, sys.argv[1].encode(), 0x8000, attr, len(attr)):
				    sys.exit(\"mount_setattr %s: %s\" % (sys.argv[1], ctypes.get_errno()))
			" "$1" "$2"
		}
		setattr / ro
		setattr /proc rw
		for p in /proc/sys /proc/sysrq-trigger; do
			[ -e "$p" ] || continue
			mount --bind "$p" "$p"
			mount -o remount,bind,ro "$p"
		done
		mount -t tmpfs -o mode=1777 tmp /tmp
		mount -t tmpfs -o mode=1777 vartmp /var/tmp
		for d in /home /root /run/user /lib/modules; do
			[ -d "$d" ] && mount -t tmpfs -o ro,mode=000 inaccessible "$d"
		done
		mount -t tmpfs -o ro,mode=000 inaccessible /proc/kmsg 2>/dev/null ||
			{ : >/tmp/.inaccessible; chmod 000 /tmp/.inaccessible; mount --bind /tmp/.inaccessible /proc/kmsg; }
		# PrivateDevices
		mount -t tmpfs -o mode=755,nosuid dev /dev
		mknod -m 666 /dev/null c 1 3; mknod -m 666 /dev/zero c 1 5; mknod -m 666 /dev/full c 1 7
		mknod -m 666 /dev/random c 1 8; mknod -m 666 /dev/urandom c 1 9; mknod -m 666 /dev/tty c 5 0
		mkdir /dev/pts /dev/shm; mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
		mount -t tmpfs -o mode=1777 shm /dev/shm
		ln -s /proc/self/fd /dev/fd; ln -s /proc/self/fd/0 /dev/stdin
		ln -s /proc/self/fd/1 /dev/stdout; ln -s /proc/self/fd/2 /dev/stderr
		mount -o remount,ro /dev
		cd /
		exec setpriv --bounding-set "-all,$bset" --no-new-privs -- "$@"
	' unit_sandbox "$stage" "$sock" "$MEMCG" "$bset" \
		env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root USER=root \
		LOGNAME=root SHELL=/bin/sh /usr/local/lib/ctrwatch-test/unitsec "$@" </dev/null
}

# stage DIR: make install DESTDIR=DIR prefix=/usr/local, plus unitsec where unit_sandbox runs it.
stage() {
	make -C "$ROOT" -s install DESTDIR="$1" prefix=/usr/local >/dev/null
	install -D -m 755 "$ROOT/build/helpers/unitsec" "$1/usr/local/lib/ctrwatch-test/unitsec"
}

@test "the unit's sandbox, made by hand, is what the unit says" {
	require_root
	require_cmd setpriv
	stage "$T/stage"
	: >"$T/sock"
	run unit_sandbox "$T/stage" "$T/sock" bash -c '
		grep -E "^(CapBnd|CapEff|NoNewPrivs|Seccomp):" /proc/self/status
		touch /usr/x 2>&1; touch /etc/x 2>&1; touch /sys/fs/cgroup/x 2>&1; echo >/proc/sys/kernel/hostname 2>&1
		touch /tmp/x && echo tmp writable
		ls /root 2>&1; ls /lib/modules 2>&1; ls /dev
		exec 3<>/dev/tcp/127.0.0.1/9
		'
	assert_line 'CapBnd:	000000c000000000'
	assert_line 'CapEff:	000000c000000000'
	assert_line 'NoNewPrivs:	1'
	assert_line 'Seccomp:	2'
	assert_line "touch: cannot touch '/usr/x': Read-only file system"
	assert_line "touch: cannot touch '/etc/x': Read-only file system"
	assert_line "touch: cannot touch '/sys/fs/cgroup/x': Read-only file system"
	assert_line --partial '/proc/sys/kernel/hostname: Read-only file system'
	assert_line 'tmp writable'
	assert_line "ls: cannot open directory '/root': Permission denied"
	assert_line --regexp "^ls: cannot (open directory '/lib/modules': Permission denied|access '/lib/modules': No such file)"
	assert_line --partial 'Address family not supported by protocol'
	refute_line --regexp '^(sda|vda|nvme|kmsg|mem)'
	[ "$(cat "$MEMCG/memory.limit_in_bytes")" -eq $((128 << 20)) ]
}

@test "under the unit's hardening, cgtap attaches and ctrenrich reaches the runtime's socket" {
	require_root
	require_cmd dockerd
	require_cmd setpriv
	local cmd pid p id2
	RTDIR=$(mktemp -d /tmp/ctrw-unit.XXXXXX)
	"$ROOT/scripts/rt" start docker "$RTDIR" >&3 2>&1
	stage "$T/stage"
	id1=$("$ROOT/scripts/rt" docker "$RTDIR" run -d --name unit-before ctrwatch-test:1)
	# the unit's own command line
	read -ra cmd < <(sed -n 's/^ExecStart=//p' "$ROOT/scripts/ctrwatch.service")
	[ "${cmd[0]}" = /usr/local/sbin/ctrwatch ]
	unit_sandbox "$T/stage" "$RTDIR/docker.sock" "${cmd[@]}" >"$T/out" 2>"$T/err" &
	pid=$!
	PIDS+=("$pid")
	wait_for "$T/out" "\"event\":\"existing_container\".*\"container_id\":\"$id1\".*\"container_name\":\"unit-before\""
	id2=$("$ROOT/scripts/rt" docker "$RTDIR" run -d --name unit-after ctrwatch-test:1)
	wait_for "$T/out" "\"event\":\"container_create\".*\"container_id\":\"$id2\".*\"container_name\":\"unit-after\""
	# every stage runs hardened; cgtap holds no capability once attached
	for p in $(tree_pids "$pid"); do
		grep -qx 'NoNewPrivs:	1' "/proc/$p/status" || fail "$(cat "/proc/$p/comm") has no no_new_privs"
		grep -qx 'Seccomp:	2' "/proc/$p/status" || fail "$(cat "/proc/$p/comm") has no seccomp filter"
	done
	grep -qx 'CapEff:	0000000000000000' "/proc/$(stage_pid "$pid" cgtap)/status"
	echo "# peak memory of the pipeline: $(($(cat "$MEMCG/memory.max_usage_in_bytes") >> 20)) MiB of $(($(cat "$MEMCG/memory.limit_in_bytes") >> 20))" >&3
	kill -TERM "$pid"
	wait "$pid" || fail "ctrwatch exited with status $?: $(cat "$T/err")"
	PIDS=()
	[ ! -s "$T/err" ] || fail "stderr: $(cat "$T/err")"
	[ "$(cat "$MEMCG/memory.failcnt")" -eq 0 ]
	"$ROOT/scripts/rt" docker "$RTDIR" rm -f unit-before unit-after >/dev/null
}
