/* cgtap's capabilities module (caps.c): what it may do, and dropping it. */
#ifndef CTRWATCH_CAPS_H
#define CTRWATCH_CAPS_H

#include <stdbool.h>

/* True when the effective set can load and attach BPF tracing programs. */
bool caps_can_bpf(void);
/*
 * Drop every capability but CAP_DAC_READ_SEARCH when keep_read, and set no_new_privs. Called
 * again with keep_read false to drop that one too. -1 with errno set on failure.
 */
int caps_drop(bool keep_read);

#endif
