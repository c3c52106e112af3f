/* Unit tests for common/htab.c: keys, the bound, LRU order, the evict callback. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "htab.h"
#include "unit.h"

struct val {
	int n;
	bool pinned; /* the evict callback keeps it */
	char *owned; /* freed by the evict callback */
};

static int evicted;

static bool evict(void *value, void *ctx)
{
	struct val *v = value;

	(void)ctx;
	if (v->pinned)
		return false;
	free(v->owned);
	evicted++;
	return true;
}

static void test_basic(void)
{
	struct htab *t = htab__new(4, sizeof(struct val), NULL, NULL);
	struct val *a, *b;
	size_t len;

	CHECK(t != NULL);
	CHECK(htab__get(t, "a", 1) == NULL);
	a = htab__add(t, "a", 1);
	CHECK(a && a->n == 0 && !a->pinned); /* zeroed */
	a->n = 1;
	b = htab__add(t, "a\0b", 3); /* keys are bytes: a NUL is part of them */
	CHECK(b && b != a);
	b->n = 2;
	CHECK(htab__get(t, "a", 1) == a);
	CHECK(htab__get(t, "a\0b", 3) == b);
	CHECK(htab__get(t, "a\0c", 3) == NULL);
	CHECK(htab__get(t, "", 0) == NULL);
	CHECK(!strcmp(htab__key(a, &len), "a") && len == 1);
	CHECK(!memcmp(htab__key(b, &len), "a\0b", 4) && len == 3); /* NUL-terminated copy */
	CHECK((uintptr_t)a % _Alignof(max_align_t) == 0);
	CHECK_INT(htab__count(t), 2);
	{
		bool added = true;

		CHECK(htab__put(t, "a", 1, &added) == a && !added); /* there: found, not added */
		CHECK(htab__put(t, "b", 1, &added) != NULL && added);
		CHECK(htab__get(t, "b", 1) && htab__count(t) == 3);
		htab__del(t, htab__get(t, "b", 1));
	}
	htab__del(t, a);
	CHECK(htab__get(t, "a", 1) == NULL && htab__get(t, "a\0b", 3) == b);
	CHECK_INT(htab__count(t), 1);
	htab__free(t);
	htab__free(NULL);
}

/* Many keys through a small table: the newest stay, found by key, in a table never over limit. */
static void test_bound(void)
{
	struct htab *t = htab__new(100, sizeof(struct val), NULL, NULL);
	char key[32];

	for (int i = 0; i < 10000; i++) {
		struct val *v;
		int n = snprintf(key, sizeof(key), "container-%d", i);

		v = htab__add(t, key, (size_t)n);
		CHECK(v != NULL);
		v->n = i;
		CHECK(htab__count(t) <= 100);
	}
	CHECK_INT(htab__count(t), 100);
	for (int i = 9900; i < 10000; i++) {
		int n = snprintf(key, sizeof(key), "container-%d", i);
		struct val *v = htab__get(t, key, (size_t)n);

		CHECK(v && v->n == i);
	}
	CHECK(htab__get(t, "container-9899", 14) == NULL);
	htab__free(t);
}

/* Touching an entry makes it the last to go; get alone does not. */
static void test_lru(void)
{
	struct htab *t = htab__new(3, sizeof(struct val), NULL, NULL);
	struct val *a = htab__add(t, "a", 1), *b = htab__add(t, "b", 1);

	htab__add(t, "c", 1);
	CHECK(htab__get(t, "b", 1) == b);
	htab__touch(t, a);
	htab__touch(t, a); /* the newest already: nothing moves */
	htab__add(t, "d", 1); /* evicts b, the oldest: a was touched, get did not move b */
	CHECK(htab__get(t, "b", 1) == NULL);
	CHECK(htab__get(t, "a", 1) == a);
	CHECK(htab__get(t, "c", 1) && htab__get(t, "d", 1));
	htab__add(t, "e", 1); /* then c */
	CHECK(htab__get(t, "c", 1) == NULL && htab__get(t, "a", 1) == a);
	/* Oldest first: a, d, e. */
	{
		const char *want[] = {"a", "d", "e"};
		int i = 0;

		for (void *v = htab__oldest(t); v; v = htab__newer(v), i++)
			CHECK(i < 3 && !strcmp(htab__key(v, NULL), want[i]));
		CHECK_INT(i, 3);
	}
	htab__free(t);
	t = htab__new(1, 1, NULL, NULL);
	CHECK(htab__oldest(t) == NULL);
	htab__free(t);
}

/* The evict callback frees what values own, and may keep an entry; all kept: ENOSPC. */
static void test_evict(void)
{
	struct htab *t = htab__new(2, sizeof(struct val), evict, NULL);
	struct val *a = htab__add(t, "a", 1), *b = htab__add(t, "b", 1), *c;

	a->pinned = true;
	b->owned = strdup("owned by b");
	evicted = 0;
	c = htab__add(t, "c", 1); /* a is pinned: b goes (its string freed: ASan would tell) */
	CHECK(c != NULL);
	CHECK_INT(evicted, 1);
	CHECK(htab__get(t, "b", 1) == NULL && htab__get(t, "a", 1) == a);
	c->pinned = true;
	errno = 0;
	CHECK(htab__add(t, "d", 1) == NULL);
	CHECK_INT(errno, ENOSPC);
	CHECK_INT(htab__count(t), 2);
	CHECK(htab__get(t, "d", 1) == NULL);
	a->pinned = false;
	CHECK(htab__add(t, "d", 1) != NULL); /* a goes now */
	CHECK(htab__get(t, "a", 1) == NULL && htab__get(t, "c", 1) == c);
	htab__free(t);
}

int main(void)
{
	test_basic();
	test_bound();
	test_lru();
	test_evict();
	return t_done("htab");
}
