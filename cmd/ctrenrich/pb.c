#include <stdlib.h>
#include <string.h>

#include "pb.h"

void pb_reader__init(struct pb_reader *r, const void *buf, size_t len)
{
	r->p = buf;
	r->end = buf ? r->p + len : r->p;
	r->depth = 0;
	r->err = PB_OK;
}

int pb_varint_decode(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	const uint8_t *q = *p;
	uint64_t x = 0;
	int i;

	for (i = 0; i < PB_VARINT_MAX; i++) {
		if (q == end)
			return -PB_ETRUNC;
		uint8_t c = *q++;
		/* The tenth byte holds bit 63 only: anything above is an overflow. */
		if (i == PB_VARINT_MAX - 1 && c > 1)
			return -PB_EVARINT;
		x |= (uint64_t)(c & 0x7f) << (7 * i);
		if (!(c & 0x80)) {
			*p = q;
			*v = x;
			return 0;
		}
	}
	return -PB_EVARINT;
}

static int fail(struct pb_reader *r, int err)
{
	r->err = err;
	return -1;
}

int pb_reader__next(struct pb_reader *r, struct pb_field *f)
{
	uint64_t tag, n;
	int e;

	if (r->err)
		return -1;
	if (r->p >= r->end)
		return 0;
	e = pb_varint_decode(&r->p, r->end, &tag);
	if (e)
		return fail(r, -e);
	if (tag >> 3 == 0 || tag >> 3 > PB_MAX_FIELD)
		return fail(r, PB_EFIELD);
	f->num = (uint32_t)(tag >> 3);
	f->wire = (enum pb_wire)(tag & 7);
	f->u = 0;
	f->data = NULL;
	f->len = 0;
	switch (tag & 7) {
	case PB_VARINT:
		e = pb_varint_decode(&r->p, r->end, &f->u);
		if (e)
			return fail(r, -e);
		return 1;
	case PB_I64:
		if (r->end - r->p < 8)
			return fail(r, PB_ETRUNC);
		for (int i = 7; i >= 0; i--)
			f->u = f->u << 8 | r->p[i];
		r->p += 8;
		return 1;
	case PB_I32:
		if (r->end - r->p < 4)
			return fail(r, PB_ETRUNC);
		for (int i = 3; i >= 0; i--)
			f->u = f->u << 8 | r->p[i];
		r->p += 4;
		return 1;
	case PB_LEN:
		e = pb_varint_decode(&r->p, r->end, &n);
		if (e)
			return fail(r, -e);
		if (n > (uint64_t)(r->end - r->p))
			return fail(r, PB_ETRUNC);
		f->data = r->p;
		f->len = (size_t)n;
		r->p += n;
		return 1;
	default: /* 3 and 4 are groups, gone since proto3; 6 and 7 were never defined */
		return fail(r, PB_EWIRE);
	}
}

int pb_reader__sub(struct pb_reader *parent, const struct pb_field *f, struct pb_reader *sub)
{
	pb_reader__init(sub, f->data, f->len);
	sub->depth = parent->depth + 1;
	if (f->wire != PB_LEN)
		sub->err = PB_ESCHEMA;
	else if (sub->depth > PB_MAX_DEPTH)
		sub->err = PB_EDEPTH;
	if (sub->err) {
		sub->p = sub->end;
		parent->err = sub->err;
		return -1;
	}
	return 0;
}

struct pb_str pb_field_str(const struct pb_field *f)
{
	struct pb_str s = {"", 0};

	if (f->wire == PB_LEN && f->data) {
		s.s = (const char *)f->data;
		s.len = f->len;
	}
	return s;
}

int pb_map_entry(struct pb_reader *parent, const struct pb_field *f, struct pb_str *key,
		 struct pb_str *val)
{
	struct pb_reader e;
	struct pb_field g;
	int rc;

	key->s = val->s = "";
	key->len = val->len = 0;
	if (pb_reader__sub(parent, f, &e))
		return -1;
	while ((rc = pb_reader__next(&e, &g)) > 0) {
		if (g.num != 1 && g.num != 2)
			continue;
		if (g.wire != PB_LEN) {
			e.err = PB_ESCHEMA;
			rc = -1;
			break;
		}
		*(g.num == 1 ? key : val) = pb_field_str(&g);
	}
	if (rc < 0) {
		parent->err = e.err;
		return -1;
	}
	return 0;
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

bool pb_str_eq(struct pb_str s, const char *lit)
{
	size_t n = strlen(lit);

	return s.len == n && (n == 0 || memcmp(s.s, lit, n) == 0);
}

bool pb_str_copy(char *dst, size_t dstsz, struct pb_str s)
{
	size_t n = s.len;
	bool cut = false;
	const char *nul;

	if (dstsz == 0)
		return s.len > 0;
	if (n && (nul = memchr(s.s, '\0', n))) {
		n = (size_t)(nul - s.s);
		cut = true;
	}
	if (n > dstsz - 1) {
		n = dstsz - 1;
		cut = true;
		/* Back off over continuation bytes, then drop the lead byte they belonged to. */
		if (n < s.len && ((unsigned char)s.s[n] & 0xc0) == 0x80) {
			while (n > 0 && ((unsigned char)s.s[n] & 0xc0) == 0x80)
				n--;
		}
	}
	if (n)
		memcpy(dst, s.s, n);
	dst[n] = '\0';
	return cut;
}

const char *pb_strerror(int err)
{
	switch (err) {
	case PB_OK:
		return "no error";
	case PB_ETRUNC:
		return "length past the end of the message";
	case PB_EVARINT:
		return "varint too long";
	case PB_EWIRE:
		return "invalid wire type";
	case PB_EFIELD:
		return "invalid field number";
	case PB_EDEPTH:
		return "messages nested too deep";
	case PB_ENOSPC:
		return "message does not fit its buffer";
	case PB_ENOMEM:
		return "out of memory";
	case PB_ESCHEMA:
		return "unexpected message layout";
	default:
		return "unknown protobuf error";
	}
}

/* Encoder. */

void pb_buf__init(struct pb_buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max ? max : SIZE_MAX / 2;
}

void pb_buf__init_fixed(struct pb_buf *b, void *mem, size_t cap)
{
	memset(b, 0, sizeof(*b));
	b->data = mem;
	b->cap = b->max = cap;
	b->fixed = true;
}

void pb_buf__reset(struct pb_buf *b)
{
	b->len = 0;
	b->err = PB_OK;
}

void pb_buf__free(struct pb_buf *b)
{
	if (!b)
		return;
	if (!b->fixed)
		free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

/* Room for n more bytes: 0, or -1 with b->err. */
static int reserve(struct pb_buf *b, size_t n)
{
	size_t want;
	uint8_t *d;

	if (b->err)
		return -1;
	if (n <= b->cap - b->len)
		return 0;
	if (b->fixed || n > b->max - b->len) {
		b->err = b->fixed ? PB_ENOSPC : PB_ENOMEM;
		return -1;
	}
	want = b->cap ? b->cap : 64;
	while (want - b->len < n)
		want = want > b->max / 2 ? b->max : want * 2;
	d = realloc(b->data, want);
	if (!d) {
		b->err = PB_ENOMEM;
		return -1;
	}
	b->data = d;
	b->cap = want;
	return 0;
}

int pb_buf__append(struct pb_buf *b, const void *p, size_t n)
{
	if (reserve(b, n))
		return -1;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

/* A varint into out (at least PB_VARINT_MAX bytes): its length. */
static size_t varint_encode(uint8_t *out, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		out[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	out[n++] = (uint8_t)v;
	return n;
}

int pb_put_raw_varint(struct pb_buf *b, uint64_t v)
{
	uint8_t tmp[PB_VARINT_MAX];

	return pb_buf__append(b, tmp, varint_encode(tmp, v));
}

static int put_tag(struct pb_buf *b, uint32_t field, enum pb_wire wire)
{
	if (b->err)
		return -1;
	if (field == 0 || field > PB_MAX_FIELD) {
		b->err = PB_EFIELD;
		return -1;
	}
	return pb_put_raw_varint(b, (uint64_t)field << 3 | wire);
}

int pb_put_varint(struct pb_buf *b, uint32_t field, uint64_t v)
{
	if (put_tag(b, field, PB_VARINT))
		return -1;
	return pb_put_raw_varint(b, v);
}

int pb_put_bytes(struct pb_buf *b, uint32_t field, const void *p, size_t n)
{
	if (put_tag(b, field, PB_LEN) || pb_put_raw_varint(b, n))
		return -1;
	return pb_buf__append(b, p, n);
}

int pb_put_string(struct pb_buf *b, uint32_t field, const char *s)
{
	return pb_put_bytes(b, field, s, strlen(s));
}

/* Little-endian fixed-width value of n bytes. */
static int put_fixed(struct pb_buf *b, uint32_t field, enum pb_wire wire, uint64_t v, int n)
{
	uint8_t tmp[8];

	if (put_tag(b, field, wire))
		return -1;
	for (int i = 0; i < n; i++)
		tmp[i] = (uint8_t)(v >> (8 * i));
	return pb_buf__append(b, tmp, (size_t)n);
}

int pb_put_fixed64(struct pb_buf *b, uint32_t field, uint64_t v)
{
	return put_fixed(b, field, PB_I64, v, 8);
}

int pb_put_fixed32(struct pb_buf *b, uint32_t field, uint32_t v)
{
	return put_fixed(b, field, PB_I32, v, 4);
}

size_t pb_msg_begin(struct pb_buf *b, uint32_t field)
{
	if (put_tag(b, field, PB_LEN))
		return (size_t)-1;
	return b->len;
}

int pb_msg_end(struct pb_buf *b, size_t mark)
{
	uint8_t tmp[PB_VARINT_MAX];
	size_t body, n;

	if (b->err)
		return -1;
	if (mark > b->len) {
		b->err = PB_ESCHEMA;
		return -1;
	}
	/* The length is known only now: open a gap for its varint and slide the body over. */
	body = b->len - mark;
	n = varint_encode(tmp, body);
	if (reserve(b, n))
		return -1;
	memmove(b->data + mark + n, b->data + mark, body);
	memcpy(b->data + mark, tmp, n);
	b->len += n;
	return 0;
}

int pb_put_map_entry(struct pb_buf *b, uint32_t field, const char *key, const char *val)
{
	size_t m = pb_msg_begin(b, field);

	pb_put_string(b, 1, key);
	pb_put_string(b, 2, val);
	return pb_msg_end(b, m);
}

int pb_find_bytes(const void *msg, size_t len, uint32_t field, struct pb_str *out, int *err)
{
	struct pb_reader r;
	struct pb_field f;
	int rc, found = 0;

	pb_reader__init(&r, msg, len);
	while ((rc = pb_reader__next(&r, &f)) > 0) {
		if (f.num != field)
			continue;
		if (f.wire != PB_LEN) {
			*err = PB_ESCHEMA;
			return -1;
		}
		*out = pb_field_str(&f);
		found = 1;
	}
	if (rc < 0) {
		*err = r.err;
		return -1;
	}
	return found;
}

int pb_timestamp_ns(struct pb_reader *parent, const struct pb_field *f, int64_t *ns)
{
	struct pb_reader r;
	struct pb_field g;
	int64_t sec = 0, nsec = 0;
	int rc;

	*ns = 0;
	if (pb_reader__sub(parent, f, &r))
		return -1;
	while ((rc = pb_reader__next(&r, &g)) > 0) {
		if ((g.num == 1 || g.num == 2) && g.wire != PB_VARINT) {
			r.err = PB_ESCHEMA;
			rc = -1;
			break;
		}
		if (g.num == 1)
			sec = pb_int64(g.u);
		else if (g.num == 2)
			nsec = pb_int32(g.u);
	}
	if (rc < 0) {
		parent->err = r.err;
		return -1;
	}
	if (sec < 0 || nsec < 0 || nsec > 999999999 || sec > INT64_MAX / 1000000000 - 1)
		return 0;
	*ns = sec * 1000000000 + nsec;
	return 0;
}

int pb_take_str(struct pb_reader *r, const struct pb_field *f, struct pb_str *s)
{
	if (f->wire != PB_LEN) {
		r->err = PB_ESCHEMA;
		return -1;
	}
	*s = pb_field_str(f);
	return 0;
}

int pb_take_varint(struct pb_reader *r, const struct pb_field *f, uint64_t *v)
{
	if (f->wire != PB_VARINT) {
		r->err = PB_ESCHEMA;
		return -1;
	}
	*v = f->u;
	return 0;
}

int pb_reader__open(struct pb_reader *r, const void *msg, size_t len, uint32_t field,
		    struct pb_str *raw, int *err)
{
	struct pb_str m;
	int rc;

	*err = PB_OK;
	rc = pb_find_bytes(msg, len, field, &m, err);
	if (rc <= 0) {
		if (rc == 0)
			*err = PB_ESCHEMA;
		pb_reader__init(r, NULL, 0);
		r->err = *err;
		return -1;
	}
	if (raw)
		*raw = m;
	pb_reader__init(r, m.s, m.len);
	r->depth = 1;
	return 0;
}

int pb_decode_sub(struct pb_reader *r, const struct pb_field *f, const struct pb_fdesc *t,
		  size_t n, void *obj)
{
	struct pb_reader s;

	if (pb_reader__sub(r, f, &s))
		return -1;
	if (pb_decode(&s, t, n, obj)) {
		r->err = s.err;
		return -1;
	}
	return 0;
}

/* One field into its destination as entry d says. */
static int decode_one(struct pb_reader *r, const struct pb_field *f, const struct pb_fdesc *d,
		      void *obj)
{
	char *dst = (char *)obj + d->off;
	uint64_t u;

	switch (d->kind) {
	case PBK_STR:
		return pb_take_str(r, f, (struct pb_str *)dst);
	case PBK_TIME:
		return pb_timestamp_ns(r, f, (int64_t *)dst);
	case PBK_MSG:
		return pb_decode_sub(r, f, d->sub, d->nsub, obj);
	case PBK_CALL:
		return d->call(r, f, obj);
	default:
		break;
	}
	if (pb_take_varint(r, f, &u))
		return -1;
	if (d->kind == PBK_U32)
		*(uint32_t *)dst = (uint32_t)u;
	else if (d->kind == PBK_I32)
		*(int32_t *)dst = pb_int32(u);
	else if (d->kind == PBK_ENUM)
		*(int *)dst = pb_int32(u);
	else
		*(int64_t *)dst = pb_int64(u);
	return 0;
}

int pb_decode(struct pb_reader *r, const struct pb_fdesc *t, size_t n, void *obj)
{
	struct pb_field f;
	int rc;

	while ((rc = pb_reader__next(r, &f)) > 0) {
		for (size_t i = 0; i < n; i++) {
			if (t[i].num != f.num)
				continue;
			if (decode_one(r, &f, &t[i], obj)) {
				if (!r->err)
					r->err = PB_ESCHEMA;
				return -1;
			}
			break;
		}
	}
	return rc < 0 ? -1 : 0;
}

int pb_decode_field(const void *msg, size_t len, uint32_t field, struct pb_str *raw,
		    const struct pb_fdesc *t, size_t n, void *obj, int *err)
{
	struct pb_reader r;

	if (pb_reader__open(&r, msg, len, field, raw, err))
		return -1;
	if (pb_decode(&r, t, n, obj)) {
		*err = r.err;
		return -1;
	}
	return 0;
}
