/*
 * What the unit tests of ctrenrich's gRPC codecs (pb, grpc, ctrenrich_grpc, ...) add to unit.h:
 * a check of a pb_str against a C string.
 */
#ifndef CTRWATCH_GRPC_TESTLIB_H
#define CTRWATCH_GRPC_TESTLIB_H

#include "pb.h"
#include "unit.h"

/* A pb_str (or anything with .s and .len) against a C string. */
#define CHECK_STR(got, want)                                                                       \
	do {                                                                                       \
		struct pb_str g_ = (got);                                                          \
		const char *w_ = (want);                                                           \
		t_checks++;                                                                        \
		if (!pb_str_eq(g_, w_)) {                                                          \
			t_failed++;                                                                \
			fprintf(stderr, "%s:%d: %s is \"%.*s\", want \"%s\"\n", __FILE__, __LINE__, \
				#got, (int)(g_.len > 200 ? 200 : g_.len), g_.s, w_);               \
		}                                                                                  \
	} while (0)

#endif
