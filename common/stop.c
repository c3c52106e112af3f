#define _GNU_SOURCE /* ppoll */
#include <errno.h>
#include <stddef.h>
#include <time.h>

#include "stop.h"

volatile sig_atomic_t stop_signal;
static sigset_t caught; /* the stop signals this program catches */

static void on_stop(int sig)
{
	stop_signal = sig;
}

void stop_catch(void)
{
	static const int sigs[] = {SIGINT, SIGTERM};
	struct sigaction sa = {.sa_handler = on_stop, .sa_flags = SA_RESTART};

	sigemptyset(&sa.sa_mask);
	sigemptyset(&caught);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction old;

		if (sigaction(sigs[i], NULL, &old) || old.sa_handler == SIG_IGN)
			continue;
		sigaction(sigs[i], &sa, NULL);
		sigaddset(&caught, sigs[i]);
	}
}

int stop_poll(struct pollfd *pfd, nfds_t n, int timeout_ms)
{
	struct timespec ts = {.tv_sec = timeout_ms / 1000, .tv_nsec = timeout_ms % 1000 * 1000000L};
	sigset_t old;
	int rc = -1, err = EINTR;

	/* Blocked, the flag cannot change between the test and the wait, which unblocks them. */
	sigprocmask(SIG_BLOCK, &caught, &old);
	if (!stop_signal) {
		rc = ppoll(pfd, n, timeout_ms < 0 ? NULL : &ts, &old);
		err = errno;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = err;
	return rc;
}
