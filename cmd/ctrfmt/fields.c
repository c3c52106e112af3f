#include <stdlib.h>
#include <string.h>

#include "ctrfmt.h"
#include "log.h"

/*
 * Runs once per member per record, so it looks at the length and three bytes only: enough to
 * tell the record contract's keys apart; the rest is settled by comparing.
 */
static unsigned hash(const char *s, size_t n)
{
	unsigned char a, m, z;

	if (!n)
		return 0;
	a = (unsigned char)s[0];
	m = (unsigned char)s[n / 2];
	z = (unsigned char)s[n - 1];
	return (unsigned)(n * 31 + a * 7 + m * 11 + z * 13) & 255;
}

void fields_init(struct fields *fs)
{
	memset(fs, 0, sizeof(*fs));
	memset(fs->hash, 0xff, sizeof(fs->hash));
}

void fields_free(struct fields *fs)
{
	free(fs->slot_of);
	fs->slot_of = NULL;
	fs->slot_cap = 0;
}

static int lookup(const struct fields *fs, const char *s, size_t n)
{
	for (unsigned h = hash(s, n);; h = (h + 1) & 255) {
		int slot = fs->hash[h];

		if (slot < 0)
			return -1;
		if (fs->len[slot] == n && !memcmp(fs->name[slot], s, n))
			return slot;
	}
}

int fields_add(struct fields *fs, const char *name)
{
	size_t n = strlen(name);
	int slot = lookup(fs, name, n);
	unsigned h;

	if (slot >= 0)
		return slot;
	if (fs->n == FIELDS_MAX)
		die("too many fields (at most %d)", FIELDS_MAX);
	slot = (int)fs->n++;
	fs->name[slot] = name;
	fs->len[slot] = n;
	for (h = hash(name, n); fs->hash[h] >= 0; h = (h + 1) & 255)
		;
	fs->hash[h] = (short)slot;
	return slot;
}

void fields_scan(struct fields *fs, const struct rec *r)
{
	unsigned nf = rec_nfields(r);

	if (nf > fs->slot_cap) {
		/* Grown for the widest record seen; later records reuse it. */
		unsigned cap = nf < 64 ? 64 : nf * 2;
		short *p = realloc(fs->slot_of, cap * sizeof(*p));

		if (!p)
			die("out of memory");
		fs->slot_of = p;
		fs->slot_cap = cap;
	}
	for (unsigned s = 0; s < fs->n; s++)
		fs->at[s] = -1;
	for (unsigned i = 0; i < nf; i++) {
		size_t n;
		const char *k = rec_key_text(r, (int)i, &n);
		int slot = lookup(fs, k, n);

		if (slot >= 0 && fs->at[slot] < 0)
			fs->at[slot] = (int)i;
		else
			slot = -1;
		fs->slot_of[i] = (short)slot;
	}
}
