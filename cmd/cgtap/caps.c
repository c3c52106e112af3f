/* Capabilities through the raw capget/capset system calls (no libcap). */
#include <errno.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "caps.h"
#include "log.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static int cap_get(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};

	return (int)syscall(SYS_capget, &hdr, data);
}

static bool has(const struct __user_cap_data_struct data[2], int cap)
{
	return data[cap / 32].effective & (1u << (cap % 32));
}

bool caps_can_bpf(void)
{
	struct __user_cap_data_struct data[2] = {0};

	if (cap_get(data))
		return geteuid() == 0;
	return has(data, CAP_SYS_ADMIN) || (has(data, CAP_BPF) && has(data, CAP_PERFMON));
}

/* The highest capability this kernel knows. */
static int cap_last(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int last = 63;

	if (f) {
		if (fscanf(f, "%d", &last) != 1)
			last = 63;
		fclose(f);
	}
	return last;
}

int caps_drop(bool keep_read)
{
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct now[2] = {0}, data[2] = {0};
	__u32 keep;

	if (cap_get(now))
		return -1;
	/* Only what is held can be kept (a service may grant just CAP_BPF and CAP_PERFMON). */
	keep = keep_read ? now[0].permitted & (1u << CAP_DAC_READ_SEARCH) : 0;

	/*
	 * With CAP_SETPCAP: root must not win capabilities back through execve, and the bounding
	 * set shrinks. Without it neither can be done, nor matters as much.
	 */
	if (has(now, CAP_SETPCAP)) {
		if (prctl(PR_SET_SECUREBITS,
			  SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
			      SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED,
			  0, 0, 0))
			verbose("cannot lock the securebits:");
		for (int c = 0; c <= cap_last(); c++)
			if (!(keep && c == CAP_DAC_READ_SEARCH))
				prctl(PR_CAPBSET_DROP, c, 0, 0, 0);
	}
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);

	data[0].effective = data[0].permitted = keep;
	if (syscall(SYS_capset, &hdr, data))
		return -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return 0;
}
