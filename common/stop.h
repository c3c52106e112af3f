/*
 * The stop signals. SIGINT and SIGTERM ask a program to stop reading, write what it holds and
 * exit 0. A stop signal ignored when the program started stays ignored: whoever ignored it
 * (ctrwatch, for the stages after cgtap) stops the program another way, by ending its input.
 */
#ifndef CTRWATCH_STOP_H
#define CTRWATCH_STOP_H

#include <poll.h>
#include <signal.h>

/* The stop signal that came, or 0. */
extern volatile sig_atomic_t stop_signal;

/*
 * Catch SIGINT and SIGTERM, but not one ignored at entry, with a handler that only sets
 * stop_signal. SA_RESTART: a read or write under way goes on, so nothing is cut short.
 */
void stop_catch(void);

/*
 * ppoll(2) that a stop signal ends, without a race: -1 with errno EINTR at once when one came
 * before (even just before the call), or when one comes while waiting. timeout_ms < 0: no
 * timeout.
 */
int stop_poll(struct pollfd *pfd, nfds_t n, int timeout_ms);

#endif
