/* Protobuf helpers only the tests use: see pb_test.h. */
#include <string.h>

#include "pb_test.h"

/* Little-endian fixed-width value of n bytes. */
static int put_fixed(struct buf *b, uint32_t field, enum pb_wire wire, uint64_t v, int n)
{
	uint8_t tmp[8];

	if (pb_put_tag(b, field, wire))
		return -1;
	for (int i = 0; i < n; i++)
		tmp[i] = (uint8_t)(v >> (8 * i));
	return buf__put(b, tmp, (size_t)n);
}

int pb_put_fixed64(struct buf *b, uint32_t field, uint64_t v)
{
	return put_fixed(b, field, PB_I64, v, 8);
}

int pb_put_fixed32(struct buf *b, uint32_t field, uint32_t v)
{
	return put_fixed(b, field, PB_I32, v, 4);
}

size_t pb_msg_begin(struct buf *b, uint32_t field)
{
	if (pb_put_tag(b, field, PB_LEN))
		return (size_t)-1;
	return b->len;
}

int pb_msg_end(struct buf *b, size_t mark)
{
	uint8_t tmp[PB_VARINT_MAX];
	size_t body, n;

	if (b->err)
		return -1;
	if (mark > b->len)
		return buf__fail(b, PB_ESCHEMA);
	/* The length is known only now: open a gap for its varint and slide the body over. */
	body = b->len - mark;
	n = pb_varint_encode(tmp, body);
	if (buf__reserve(b, n))
		return -1;
	memmove(b->data + mark + n, b->data + mark, body);
	memcpy(b->data + mark, tmp, n);
	b->len += n;
	return 0;
}

int pb_put_map_entry(struct buf *b, uint32_t field, const char *key, const char *val)
{
	size_t m = pb_msg_begin(b, field);

	pb_put_string(b, 1, key);
	pb_put_string(b, 2, val);
	return pb_msg_end(b, m);
}

int pb_map_lookup(const void *msg, size_t len, uint32_t field, const char *key, struct pb_str *val)
{
	struct pb_reader r;
	struct pb_field f;
	struct pb_str k, v;
	int rc, found = 0;

	pb_reader__init(&r, msg, len);
	while ((rc = pb_reader__next(&r, &f)) > 0) {
		if (f.num != field)
			continue;
		if (pb_map_entry(&r, &f, &k, &v))
			return -1;
		if (pb_str_eq(k, key)) {
			*val = v;
			found = 1;
		}
	}
	return rc < 0 ? -1 : found;
}

int ctd_container_label(const struct ctd_container *c, const char *key, struct pb_str *val)
{
	return pb_map_lookup(c->raw.s, c->raw.len, 2, key, val);
}

int cri_container_label(const struct cri_container *c, const char *key, struct pb_str *val)
{
	return pb_map_lookup(c->raw.s, c->raw.len, 12, key, val);
}

int cri_container_annotation(const struct cri_container *c, const char *key, struct pb_str *val)
{
	return pb_map_lookup(c->raw.s, c->raw.len, 13, key, val);
}

int cri_sandbox_label(const struct cri_sandbox *s, const char *key, struct pb_str *val)
{
	return pb_map_lookup(s->raw.s, s->raw.len, 7, key, val);
}

int cri_sandbox_annotation(const struct cri_sandbox *s, const char *key, struct pb_str *val)
{
	return pb_map_lookup(s->raw.s, s->raw.len, 8, key, val);
}
