/*
 * unitsec: run a command under the seccomp filters systemd 252 installs for the hardening
 * directives of scripts/ctrwatch.service, so that the suites can check those directives let the
 * pipeline work on a machine where systemd does not run.
 *
 *   unitsec CMD [ARG...]
 *
 * One filter, each rule as systemd's seccomp-util.c and namespace.c make it:
 *   SystemCallArchitectures=native  another ABI (i386, x32) is killed
 *   RestrictAddressFamilies=AF_UNIX socket() of any other family: EAFNOSUPPORT
 *   RestrictNamespaces=yes          unshare, setns, clone with a CLONE_NEW* flag: EPERM;
 *                                   clone3: ENOSYS (glibc then falls back to clone)
 *   MemoryDenyWriteExecute=yes      mmap with PROT_WRITE|PROT_EXEC, mprotect and pkey_mprotect
 *                                   with PROT_EXEC, shmat with SHM_EXEC: EPERM
 *   LockPersonality=yes             personality() to anything but PER_LINUX (or a query): EPERM
 *   RestrictRealtime=yes            sched_setscheduler to FIFO, RR or DEADLINE: EPERM
 *   RestrictSUIDSGID=yes            chmod, fchmod, fchmodat setting S_ISUID or S_ISGID: EPERM
 *   ProtectClock=yes                settimeofday, clock_settime, adjtimex, clock_adjtime: EPERM
 *   ProtectHostname=yes             sethostname, setdomainname: EPERM
 *   ProtectKernelModules=yes        init_module, finit_module, delete_module: EPERM
 *   ProtectKernelLogs=yes           syslog: EPERM
 *   PrivateDevices=yes              ioperm, iopl (@raw-io): EPERM
 * and no_new_privs (NoNewPrivileges=yes; also what lets a filter be installed).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __x86_64__
#error "unitsec knows the x86_64 system call table only"
#endif

#define NR offsetof(struct seccomp_data, nr)
#define ARCH offsetof(struct seccomp_data, arch)
#define ARG_LO(n) offsetof(struct seccomp_data, args[n])

#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))
#define ERRNO(e) RET(SECCOMP_RET_ERRNO | (e))
#define LOAD(off) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off))
/* if A == k go on, else skip the next n instructions */
#define IS(k, n) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), 0, (n))
/* if A & k go on, else skip the next n instructions */
#define ANY(k, n) BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, (k), 0, (n))

#define CLONE_NEW_ALL                                                                              \
	(CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |             \
	 CLONE_NEWPID | CLONE_NEWNET)
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef SCHED_DEADLINE
#define SCHED_DEADLINE 6
#endif

/* A call that always fails with errno e: two instructions. */
#define DENY(nr, e) IS(nr, 1), ERRNO(e)

/* A call that fails with errno e when bit mask m is set in argument a (its low 32 bits). */
#define DENY_ARG(nr, a, m, e) IS(nr, 4), LOAD(ARG_LO(a)), ANY(m, 1), ERRNO(e), LOAD(NR)

static struct sock_filter filter[] = {
    /* SystemCallArchitectures=native */
    LOAD(ARCH),
    IS(AUDIT_ARCH_X86_64, 1),
    BPF_JUMP(BPF_JMP | BPF_JA, 1, 0, 0),
    RET(SECCOMP_RET_KILL_PROCESS),
    LOAD(NR),
    BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1), /* x32 */
    RET(SECCOMP_RET_KILL_PROCESS),

    /* RestrictAddressFamilies=AF_UNIX */
    IS(SYS_socket, 4),
    LOAD(ARG_LO(0)),
    IS(AF_UNIX, 1),
    RET(SECCOMP_RET_ALLOW),
    ERRNO(EAFNOSUPPORT),

    /* RestrictNamespaces=yes */
    DENY(SYS_unshare, EPERM),
    DENY(SYS_setns, EPERM),
    DENY(SYS_clone3, ENOSYS),
    DENY_ARG(SYS_clone, 0, CLONE_NEW_ALL | CLONE_NEWTIME, EPERM),

    /* MemoryDenyWriteExecute=yes */
    IS(SYS_mmap, 5),
    LOAD(ARG_LO(2)),
    BPF_STMT(BPF_ALU | BPF_AND | BPF_K, PROT_WRITE | PROT_EXEC),
    IS(PROT_WRITE | PROT_EXEC, 1),
    ERRNO(EPERM),
    LOAD(NR),
    DENY_ARG(SYS_mprotect, 2, PROT_EXEC, EPERM),
    DENY_ARG(SYS_pkey_mprotect, 2, PROT_EXEC, EPERM),
    DENY_ARG(SYS_shmat, 2, SHM_EXEC, EPERM),

    /* LockPersonality=yes: PER_LINUX (0) and the query (0xffffffff) only */
    IS(SYS_personality, 6),
    LOAD(ARG_LO(0)),
    IS(0, 1),
    RET(SECCOMP_RET_ALLOW),
    IS(0xffffffff, 1),
    RET(SECCOMP_RET_ALLOW),
    ERRNO(EPERM),

    /* RestrictRealtime=yes */
    IS(SYS_sched_setscheduler, 8),
    LOAD(ARG_LO(1)),
    BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xff),
    IS(SCHED_FIFO, 1),
    ERRNO(EPERM),
    IS(SCHED_RR, 1),
    ERRNO(EPERM),
    IS(SCHED_DEADLINE, 1),
    ERRNO(EPERM),

    /* RestrictSUIDSGID=yes */
    LOAD(NR),
    DENY_ARG(SYS_chmod, 1, S_ISUID | S_ISGID, EPERM),
    DENY_ARG(SYS_fchmod, 1, S_ISUID | S_ISGID, EPERM),
    DENY_ARG(SYS_fchmodat, 2, S_ISUID | S_ISGID, EPERM),

    /* ProtectClock, ProtectHostname, ProtectKernelModules, ProtectKernelLogs, PrivateDevices */
    DENY(SYS_settimeofday, EPERM),
    DENY(SYS_clock_settime, EPERM),
    DENY(SYS_adjtimex, EPERM),
    DENY(SYS_clock_adjtime, EPERM),
    DENY(SYS_sethostname, EPERM),
    DENY(SYS_setdomainname, EPERM),
    DENY(SYS_init_module, EPERM),
    DENY(SYS_finit_module, EPERM),
    DENY(SYS_delete_module, EPERM),
    DENY(SYS_syslog, EPERM),
    DENY(SYS_ioperm, EPERM),
    DENY(SYS_iopl, EPERM),

    RET(SECCOMP_RET_ALLOW),
};

int main(int argc, char **argv)
{
	struct sock_fprog prog = {.len = sizeof(filter) / sizeof(filter[0]), .filter = filter};

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fprintf(stderr, "usage: unitsec CMD [ARG...]\n");
		return 2;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		perror("unitsec: no_new_privs");
		return 1;
	}
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
		perror("unitsec: seccomp");
		return 1;
	}
	execvp(argv[1], argv + 1);
	fprintf(stderr, "unitsec: cannot run '%s': %s\n", argv[1], strerror(errno));
	return 127;
}
