/*
 * What every fuzz target shares: include it first. The libFuzzer entry point each target
 * defines (and replay.c calls), and CHECK, which names the failed condition and aborts, so that
 * libFuzzer keeps the input and a replay in `make test` fails.
 */
#ifndef CTRWATCH_FUZZ_H
#define CTRWATCH_FUZZ_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* open_memstream, memmem */
#endif
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#endif
