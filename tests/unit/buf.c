/* Unit tests for common/buf.c: growth, the limit, fixed buffers, sticky errors. */
#include <errno.h>
#include <stdint.h>

#include "buf.h"
#include "unit.h"

static void test_growable(void)
{
	struct buf b;
	char big[1000];

	buf__init(&b, 0);
	CHECK(b.data == NULL && b.len == 0 && b.cap == 0); /* nothing allocated yet */
	CHECK_INT(buf__put(&b, "abc", 3), 0);
	CHECK_INT(b.len, 3);
	CHECK(memcmp(b.data, "abc", 3) == 0);
	memset(big, 'x', sizeof(big));
	CHECK_INT(buf__put(&b, big, sizeof(big)), 0);
	CHECK_INT(b.len, 1003);
	CHECK(b.cap >= 1003 && (b.cap & (b.cap - 1)) == 0); /* doubled from 64 */
	CHECK(b.data[3] == 'x' && b.data[1002] == 'x');
	CHECK(buf__str(&b) == b.data && b.data[1003] == '\0' && b.len == 1003);

	/* Reset keeps the memory; set replaces the contents. */
	{
		char *mem = b.data;
		size_t cap = b.cap;

		buf__reset(&b);
		CHECK(b.len == 0 && b.data == mem && b.cap == cap);
		CHECK_INT(buf__set(&b, "hello", 5), 0);
		CHECK(b.len == 5 && b.data == mem && !memcmp(b.data, "hello", 5));
	}
	/* Trim frees only a buffer that grew past the bound. */
	buf__trim(&b, 1 << 20);
	CHECK(b.data != NULL && b.len == 5);
	buf__trim(&b, 16);
	CHECK(b.data == NULL && b.len == 0 && b.cap == 0);
	CHECK_INT(buf__put(&b, "x", 1), 0); /* usable again */
	buf__free(&b);
	CHECK(b.data == NULL && b.len == 0);
	buf__free(&b); /* twice is fine */
	buf__free(NULL);
	{
		struct buf z = {0}; /* zeroed: growable, no limit */

		CHECK_INT(buf__put(&z, big, sizeof(big)), 0);
		CHECK_INT(z.len, sizeof(big));
		buf__free(&z);
	}
}

static void test_limit(void)
{
	struct buf b;

	/* Up to max bytes exactly, then ENOMEM, sticky, nothing appended. */
	buf__init(&b, 100);
	for (int i = 0; i < 10; i++)
		CHECK_INT(buf__put(&b, "0123456789", 10), 0);
	CHECK_INT(b.len, 100);
	CHECK(b.cap == 100); /* never beyond the limit */
	CHECK_INT(buf__put(&b, "x", 1), -1);
	CHECK_INT(b.err, ENOMEM);
	CHECK_INT(b.len, 100);
	CHECK(buf__str(&b) == NULL); /* no room left for the NUL either */
	CHECK_INT(buf__put(&b, "", 0), -1); /* sticky, even for nothing */
	buf__reset(&b);
	CHECK_INT(b.err, 0);
	CHECK_INT(buf__put(&b, "x", 1), 0);
	/* An append larger than what is left fails whole. */
	CHECK_INT(buf__put(&b, "0123456789012345678901234567890123456789012345678901234567890123"
			       "456789012345678901234567890123456789", 100),
		  -1);
	CHECK_INT(b.len, 1);
	buf__free(&b);
}

static void test_fixed(void)
{
	char mem[8];
	struct buf b;

	buf__init_fixed(&b, mem, sizeof(mem));
	CHECK(b.data == mem && b.cap == 8);
	CHECK_INT(buf__put(&b, "12345678", 8), 0);
	CHECK_INT(buf__put(&b, "9", 1), -1);
	CHECK_INT(b.err, ENOSPC);
	CHECK_INT(b.len, 8);
	CHECK(memcmp(mem, "12345678", 8) == 0);
	buf__free(&b); /* the caller's memory stays */
	CHECK(b.data == mem && b.len == 8);
	buf__trim(&b, 0);
	CHECK(b.data == mem);
	buf__reset(&b);
	CHECK_INT(buf__put(&b, "abc", 3), 0);
	CHECK(buf__str(&b) == mem && !strcmp(mem, "abc"));
}

static void test_fail(void)
{
	struct buf b;

	buf__init(&b, 0);
	CHECK_INT(buf__fail(&b, 42), -1);
	CHECK_INT(buf__put(&b, "x", 1), -1);
	CHECK_INT(b.err, 42);
	CHECK_INT(buf__fail(&b, 43), -1); /* the first error stays */
	CHECK_INT(b.err, 42);
	CHECK_INT(b.len, 0);
	buf__free(&b);
}

/* An array of another type, grown like bytes. */
static void test_array(void)
{
	struct buf b;
	uint64_t *v;

	buf__init(&b, 0);
	for (uint64_t i = 0; i < 1000; i++)
		CHECK_INT(buf__put(&b, &i, sizeof(i)), 0);
	v = (uint64_t *)b.data;
	CHECK((uintptr_t)v % _Alignof(uint64_t) == 0);
	CHECK(v[0] == 0 && v[999] == 999 && b.len == 1000 * sizeof(uint64_t));
	buf__free(&b);
}

int main(void)
{
	test_growable();
	test_limit();
	test_fixed();
	test_fail();
	test_array();
	return t_done("buf");
}
