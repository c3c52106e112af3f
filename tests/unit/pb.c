/*
 * Unit tests of cmd/ctrenrich/codec/pb.c: varints, fields, nested messages, maps, the encoder, and
 * hostile input (lengths past the end, overlong and overflowing varints, field 0, wire types
 * 3/4/6/7, deep nesting, and a few thousand pseudo-random buffers through every parser).
 */
#include <stdint.h>

#include "containerd.h"
#include "cri.h"
#include "grpc.h"
#include "grpc_meta.h"
#include "pb.h"
#include "pb_test.h"
#include "grpc_testlib.h"

/* Read every field of buf; the result of the last next() (0 clean end, -1 error) and its err. */
static int walk(const void *buf, size_t len, int *err, int *fields)
{
	struct pb_reader r;
	struct pb_field f;
	int rc;

	*fields = 0;
	pb_reader__init(&r, buf, len);
	while ((rc = pb_reader__next(&r, &f)) > 0)
		(*fields)++;
	*err = r.err;
	return rc;
}

static int walk_err(const void *buf, size_t len)
{
	int err, n;

	walk(buf, len, &err, &n);
	return err;
}

static void test_varint(void)
{
	static const uint64_t vals[] = {
		0, 1, 127, 128, 300, 16383, 16384, UINT32_MAX, (uint64_t)INT64_MAX, UINT64_MAX,
		(uint64_t)-1LL, (uint64_t)INT64_MIN,
	};
	uint8_t mem[16];
	struct buf b;

	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		const uint8_t *p;
		uint64_t v = 0;

		buf__init_fixed(&b, mem, sizeof(mem));
		CHECK(pb_put_raw_varint(&b, vals[i]) == 0);
		p = mem;
		CHECK_INT(pb_varint_decode(&p, mem + b.len, &v), 0);
		CHECK(v == vals[i]);
		CHECK(p == mem + b.len);
	}
	/* UINT64_MAX takes exactly 10 bytes, the last one 0x01. */
	buf__init_fixed(&b, mem, sizeof(mem));
	pb_put_raw_varint(&b, UINT64_MAX);
	CHECK_INT(b.len, 10);
	CHECK_INT(mem[9], 1);

	/* 11 bytes: overlong. */
	{
		static const uint8_t over[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
					       0x80, 0x80, 0x80, 0x80, 0x00};
		const uint8_t *p = over;
		uint64_t v;

		CHECK_INT(pb_varint_decode(&p, over + sizeof(over), &v), -PB_EVARINT);
		CHECK(p == over);
	}
	/* 10 bytes whose last carries more than bit 63: overflow. */
	{
		static const uint8_t ovf[] = {0xff, 0xff, 0xff, 0xff, 0xff,
					      0xff, 0xff, 0xff, 0xff, 0x02};
		const uint8_t *p = ovf;
		uint64_t v;

		CHECK_INT(pb_varint_decode(&p, ovf + sizeof(ovf), &v), -PB_EVARINT);
	}
	/* Cut short. */
	{
		static const uint8_t cut[] = {0x80, 0x80};
		const uint8_t *p = cut;
		uint64_t v;

		CHECK_INT(pb_varint_decode(&p, cut + 2, &v), -PB_ETRUNC);
		CHECK_INT(pb_varint_decode(&p, cut, &v), -PB_ETRUNC);
	}
}

static void test_fields(void)
{
	uint8_t mem[256];
	struct buf b;
	struct pb_reader r;
	struct pb_field f;

	buf__init_fixed(&b, mem, sizeof(mem));
	pb_put_varint(&b, 1, 150);
	pb_put_string(&b, 2, "testing");
	pb_put_fixed64(&b, 3, 0x0102030405060708ull);
	pb_put_fixed32(&b, 4, 0xdeadbeef);
	pb_put_varint(&b, PB_MAX_FIELD, (uint64_t)-2LL);
	CHECK_INT(b.err, PB_OK);
	/* The canonical example from the protobuf encoding guide. */
	CHECK(mem[0] == 0x08 && mem[1] == 0x96 && mem[2] == 0x01);
	CHECK(mem[3] == 0x12 && mem[4] == 0x07 && memcmp(mem + 5, "testing", 7) == 0);

	pb_reader__init(&r, mem, b.len);
	CHECK_INT(pb_reader__next(&r, &f), 1);
	CHECK(f.num == 1 && f.wire == PB_VARINT && f.u == 150);
	CHECK_INT(pb_reader__next(&r, &f), 1);
	CHECK(f.num == 2 && f.wire == PB_LEN);
	CHECK_STR(pb_field_str(&f), "testing");
	CHECK_INT(pb_reader__next(&r, &f), 1);
	CHECK(f.num == 3 && f.wire == PB_I64 && f.u == 0x0102030405060708ull);
	CHECK_INT(pb_reader__next(&r, &f), 1);
	CHECK(f.num == 4 && f.wire == PB_I32 && f.u == 0xdeadbeef);
	CHECK_INT(pb_reader__next(&r, &f), 1);
	CHECK(f.num == PB_MAX_FIELD && pb_int64(f.u) == -2 && pb_int32(f.u) == -2);
	CHECK_INT(pb_reader__next(&r, &f), 0);
	CHECK_INT(pb_reader__next(&r, &f), 0);

	/* The encoder refuses field numbers 0 and 2^29. */
	buf__init_fixed(&b, mem, sizeof(mem));
	CHECK_INT(pb_put_varint(&b, 0, 1), -1);
	CHECK_INT(b.err, PB_EFIELD);
	CHECK_INT(pb_put_varint(&b, 1, 1), -1); /* sticky */
	buf__reset(&b);
	CHECK_INT(pb_put_varint(&b, PB_MAX_FIELD + 1, 1), -1);

	/* Empty input is an empty message. */
	CHECK_INT(walk_err(NULL, 0), PB_OK);
	CHECK_INT(walk_err("", 0), PB_OK);
}

static void test_nested_and_maps(void)
{
	struct buf b;
	struct pb_reader r, s, s2;
	struct pb_field f, g;
	struct pb_str k, v;
	size_t outer, inner;

	buf__init(&b, 0);
	outer = pb_msg_begin(&b, 1);
	pb_put_string(&b, 1, "id");
	pb_put_map_entry(&b, 2, "a", "1");
	pb_put_map_entry(&b, 2, "b", "2");
	pb_put_map_entry(&b, 2, "a", "3"); /* later entry wins */
	inner = pb_msg_begin(&b, 5);
	/* A body over 127 bytes: the length prefix needs two bytes and the body moves. */
	for (int i = 0; i < 20; i++)
		pb_put_string(&b, 1, "0123456789");
	CHECK_INT(pb_msg_end(&b, inner), 0);
	CHECK_INT(pb_msg_end(&b, outer), 0);
	CHECK_INT(b.err, PB_OK);

	pb_reader__init(&r, b.data, b.len);
	CHECK_INT(pb_reader__next(&r, &f), 1);
	CHECK(f.num == 1 && f.wire == PB_LEN && f.len == b.len - 3);
	CHECK_INT(pb_reader__sub(&r, &f, &s), 0);
	CHECK_INT(s.depth, 1);
	CHECK_INT(pb_reader__next(&s, &g), 1);
	CHECK_STR(pb_field_str(&g), "id");
	CHECK_INT(pb_reader__next(&s, &g), 1);
	CHECK_INT(pb_map_entry(&s, &g, &k, &v), 0);
	CHECK_STR(k, "a");
	CHECK_STR(v, "1");
	CHECK_INT(pb_map_lookup(f.data, f.len, 2, "a", &v), 1);
	CHECK_STR(v, "3");
	CHECK_INT(pb_map_lookup(f.data, f.len, 2, "b", &v), 1);
	CHECK_STR(v, "2");
	CHECK_INT(pb_map_lookup(f.data, f.len, 2, "c", &v), 0);
	CHECK_INT(pb_map_lookup(f.data, f.len, 2, "", &v), 0);
	while (pb_reader__next(&s, &g) > 0 && g.num != 5)
		;
	CHECK_INT(g.num, 5);
	CHECK_INT(g.len, 20 * 12);
	CHECK_INT(pb_reader__sub(&s, &g, &s2), 0);
	{
		int n = 0;

		while (pb_reader__next(&s2, &g) > 0) {
			CHECK_STR(pb_field_str(&g), "0123456789");
			n++;
		}
		CHECK_INT(n, 20);
		CHECK_INT(s2.err, PB_OK);
	}
	/* A map entry that is a varint: schema error, reported through the parent. */
	{
		uint8_t m[] = {0x10, 0x01};

		CHECK_INT(pb_map_lookup(m, sizeof(m), 2, "a", &v), -1);
	}
	/* Map entry with a varint key: schema error. */
	{
		uint8_t m[] = {0x12, 0x02, 0x08, 0x01};

		CHECK_INT(pb_map_lookup(m, sizeof(m), 2, "a", &v), -1);
	}
	/* Missing value: the empty string; unknown fields inside the entry skipped. */
	{
		uint8_t m[] = {0x12, 0x05, 0x0a, 0x01, 'k', 0x18, 0x07};

		CHECK_INT(pb_map_lookup(m, sizeof(m), 2, "k", &v), 1);
		CHECK_STR(v, "");
	}
	buf__free(&b);
	buf__free(NULL);
}

static void test_hostile(void)
{
	/* A length past the end, at the top and inside a nested message. */
	{
		uint8_t m[] = {0x0a, 0x05, 'a', 'b'};

		CHECK_INT(walk_err(m, sizeof(m)), PB_ETRUNC);
	}
	{
		uint8_t m[] = {0x0a, 0x04, 0x0a, 0x09, 'a', 'b'};
		struct pb_reader r, s;
		struct pb_field f;

		pb_reader__init(&r, m, sizeof(m));
		CHECK_INT(pb_reader__next(&r, &f), 1);
		CHECK_INT(pb_reader__sub(&r, &f, &s), 0);
		CHECK_INT(pb_reader__next(&s, &f), -1);
		CHECK_INT(s.err, PB_ETRUNC);
		CHECK_INT(pb_reader__next(&s, &f), -1); /* sticky */
	}
	/* A length of 2^63: must not wrap the pointer. */
	{
		uint8_t m[] = {0x0a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01};

		CHECK_INT(walk_err(m, sizeof(m)), PB_ETRUNC);
	}
	/* Fixed-width values cut short. */
	{
		uint8_t m[] = {0x09, 1, 2, 3, 4, 5, 6, 7};
		uint8_t n[] = {0x0d, 1, 2, 3};

		CHECK_INT(walk_err(m, sizeof(m)), PB_ETRUNC);
		CHECK_INT(walk_err(n, sizeof(n)), PB_ETRUNC);
	}
	/* Overlong tag and value varints. */
	{
		uint8_t m[] = {0x88, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
		uint8_t n[] = {0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};

		CHECK_INT(walk_err(m, sizeof(m)), PB_EVARINT);
		CHECK_INT(walk_err(n, sizeof(n)), PB_EVARINT);
	}
	/* Varint value overflow (10th byte 0x7f). */
	{
		uint8_t m[] = {0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};

		CHECK_INT(walk_err(m, sizeof(m)), PB_EVARINT);
	}
	/* Field number 0, with each wire type; field number 2^29 (tag above 32 bits too). */
	for (uint8_t wt = 0; wt < 8; wt++) {
		uint8_t m[] = {wt, 0, 0, 0, 0, 0, 0, 0, 0};

		CHECK_INT(walk_err(m, sizeof(m)), PB_EFIELD);
	}
	{
		uint8_t m[] = {0x80, 0x80, 0x80, 0x80, 0x10, 0x00}; /* field 2^29, varint */
		uint8_t n[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0x00}; /* tag 2^35 */

		CHECK_INT(walk_err(m, sizeof(m)), PB_EFIELD);
		CHECK_INT(walk_err(n, sizeof(n)), PB_EFIELD);
	}
	/* Wire types 3, 4 (groups), 6, 7. */
	{
		uint8_t wts[] = {3, 4, 6, 7};

		for (size_t i = 0; i < sizeof(wts); i++) {
			uint8_t m[] = {(uint8_t)(1 << 3 | wts[i]), 0, 0, 0, 0};

			CHECK_INT(walk_err(m, sizeof(m)), PB_EWIRE);
		}
	}
	/* A valid field after an error is not read: the error is sticky. */
	{
		uint8_t m[] = {0x0b, 0x08, 0x01};
		struct pb_reader r;
		struct pb_field f;

		pb_reader__init(&r, m, sizeof(m));
		CHECK_INT(pb_reader__next(&r, &f), -1);
		CHECK_INT(pb_reader__next(&r, &f), -1);
	}
	/* Sub-cursor over a varint field: schema error, propagated to the parent. */
	{
		uint8_t m[] = {0x08, 0x01};
		struct pb_reader r, s;
		struct pb_field f;

		pb_reader__init(&r, m, sizeof(m));
		pb_reader__next(&r, &f);
		CHECK_INT(pb_reader__sub(&r, &f, &s), -1);
		CHECK_INT(r.err, PB_ESCHEMA);
		CHECK_INT(pb_reader__next(&s, &f), -1);
	}
}

/* Descend through field 1 until the bytes end or an error: the depth reached. */
static int descend(const uint8_t *buf, size_t len, int *err)
{
	struct pb_reader r[PB_MAX_DEPTH + 2];
	struct pb_field f;
	int d = 0;

	pb_reader__init(&r[0], buf, len);
	for (;;) {
		if (pb_reader__next(&r[d], &f) <= 0 || f.wire != PB_LEN)
			break;
		if (pb_reader__sub(&r[d], &f, &r[d + 1]))
			break;
		d++;
	}
	*err = r[d].err;
	return d;
}

static void test_depth(void)
{
	struct buf b;
	size_t marks[200];
	int err, depth;

	/* 100 levels of field 1 inside field 1. */
	buf__init(&b, 0);
	for (int i = 0; i < 100; i++)
		marks[i] = pb_msg_begin(&b, 1);
	pb_put_varint(&b, 2, 7);
	for (int i = 99; i >= 0; i--)
		pb_msg_end(&b, marks[i]);
	CHECK_INT(b.err, PB_OK);
	depth = descend((const uint8_t *)b.data, b.len, &err);
	CHECK_INT(depth, PB_MAX_DEPTH);
	CHECK_INT(err, PB_EDEPTH);
	buf__reset(&b);

	/* Exactly PB_MAX_DEPTH levels are fine. */
	for (int i = 0; i < PB_MAX_DEPTH; i++)
		marks[i] = pb_msg_begin(&b, 1);
	pb_put_varint(&b, 2, 7);
	for (int i = PB_MAX_DEPTH - 1; i >= 0; i--)
		pb_msg_end(&b, marks[i]);
	depth = descend((const uint8_t *)b.data, b.len, &err);
	CHECK_INT(depth, PB_MAX_DEPTH);
	CHECK_INT(err, PB_OK);

	/* Hostile nesting through a real parser: Container{labels{...deep...}}. */
	{
		struct ctd_container c;
		int e;

		buf__reset(&b);
		for (int i = 0; i < 100; i++)
			marks[i] = pb_msg_begin(&b, i < 2 ? (i == 0 ? 1 : 4) : 1);
		for (int i = 99; i >= 0; i--)
			pb_msg_end(&b, marks[i]);
		CHECK_INT(ctd_container_parse(b.data, b.len, &c, &e), 0); /* Runtime.name */
	}
	buf__free(&b);
}

static void test_buffers(void)
{
	uint8_t mem[8];
	struct buf b;

	/* A fixed buffer that overflows: error, nothing written past it. */
	buf__init_fixed(&b, mem, sizeof(mem));
	CHECK_INT(pb_put_string(&b, 1, "123456"), 0);
	CHECK_INT(b.len, 8);
	CHECK_INT(pb_put_varint(&b, 1, 1), -1);
	CHECK_INT(b.err, PB_ENOSPC);
	CHECK_INT(b.len, 8);
	buf__reset(&b);
	CHECK_INT(pb_put_string(&b, 1, "1234567"), -1);
	/* A nested message whose length prefix no longer fits. */
	buf__init_fixed(&b, mem, sizeof(mem));
	{
		size_t m = pb_msg_begin(&b, 1);

		pb_put_string(&b, 1, "1234");
		CHECK_INT(b.len, 7);
		CHECK_INT(pb_msg_end(&b, m), 0);
		CHECK_INT(b.len, 8);
		m = pb_msg_begin(&b, 1);
		CHECK(m == (size_t)-1);
		CHECK_INT(pb_msg_end(&b, m), -1);
	}
	/* A growable buffer with a maximum. */
	buf__init(&b, 100);
	for (int i = 0; i < 9; i++)
		CHECK_INT(pb_put_string(&b, 1, "123456789"), 0);
	CHECK_INT(b.len, 99);
	CHECK_INT(pb_put_varint(&b, 1, 1), -1);
	CHECK_INT(b.err, PB_ENOMEM);
	buf__free(&b);

	/* pb_str_copy: truncation at a UTF-8 boundary, embedded NUL. */
	{
		char dst[6];
		struct pb_str s = {"ab\xc3\xa9\xc3\xa9", 6}; /* "abéé" */

		CHECK(pb_str_copy(dst, sizeof(dst), s));
		CHECK(strcmp(dst, "ab\xc3\xa9") == 0);
		s.len = 5;
		s.s = "abcde";
		CHECK(!pb_str_copy(dst, sizeof(dst), s));
		CHECK(strcmp(dst, "abcde") == 0);
		s.s = "ab\0de";
		CHECK(pb_str_copy(dst, sizeof(dst), s));
		CHECK(strcmp(dst, "ab") == 0);
		s.s = "abc\xe2\x82\xac"; /* "abc€", cut inside the euro sign */
		s.len = 6;
		CHECK(pb_str_copy(dst, sizeof(dst), s));
		CHECK(strcmp(dst, "abc") == 0);
		CHECK(pb_str_copy(dst, 1, s));
		CHECK(dst[0] == '\0');
	}
	CHECK(strcmp(pb_strerror(PB_ETRUNC), "length past the end of the message") == 0);
	CHECK(strcmp(pb_strerror(999), "unknown protobuf error") == 0);
}

/* xorshift64*: a fixed sequence, so failures reproduce. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

/* Every parser on buf: none may crash or read outside it (ASan watches the heap copy). */
static void parse_all(const uint8_t *buf, size_t len)
{
	struct ctd_container c;
	struct ctd_image img;
	struct ctd_task t;
	struct cri_container cc;
	struct cri_sandbox sb;
	struct grpc_meta g;
	struct pb_str names[4], v;
	size_t count;
	const uint8_t *msg;
	size_t mlen;
	int err, n;

	walk(buf, len, &err, &n);
	descend(buf, len, &err);
	pb_map_lookup(buf, len, 2, "a", &v);
	ctd_namespaces_parse(buf, len, names, 4, &count, &err);
	if (ctd_container_parse(buf, len, &c, &err) == 0) {
		ctd_container_label(&c, "x", &v);
		grpc_meta_from_ctd(&g, &c, NULL);
	}
	ctd_image_parse(buf, len, &img, &err);
	if (ctd_task_parse(buf, len, &t, &err) == 0)
		grpc_meta_exit_from_ctd_task(&g, &t);
	if (cri_container_parse(buf, len, &cc, &err) == 0) {
		cri_container_annotation(&cc, "x", &v);
		grpc_meta_from_cri_container(&g, &cc);
	}
	if (cri_sandbox_parse(buf, len, &sb, &err) == 0)
		grpc_meta_from_cri_sandbox(&g, &sb);
	grpc_unary_message(buf, len, 1 << 20, &msg, &mlen, &err);
}

static void test_random(void)
{
	enum { ROUNDS = 5000, MAXLEN = 96 };
	int ok = 0;

	for (int i = 0; i < ROUNDS; i++) {
		size_t len = rng() % MAXLEN;
		uint8_t *buf = malloc(len ? len : 1);

		for (size_t j = 0; j < len; j++) {
			uint64_t x = rng();

			/* Bias towards bytes that make valid-looking tags and short lengths. */
			buf[j] = (x & 0x300) ? (uint8_t)x : (uint8_t)((x >> 16) % 0x20);
		}
		parse_all(buf, len);
		ok++;
		free(buf);
	}
	CHECK_INT(ok, ROUNDS);

	/* Mutations of a real message: every single-byte change and every truncation. */
	{
		size_t len;
		char *pb = fixture("containerd-grpc-containers-get.pb", &len);

		if (pb) {
			for (size_t cut = 0; cut <= len; cut += 7) {
				uint8_t *b = malloc(cut ? cut : 1);

				memcpy(b, pb, cut);
				parse_all(b, cut);
				free(b);
			}
			for (int k = 0; k < 2000; k++) {
				uint8_t *b = malloc(len);

				memcpy(b, pb, len);
				b[rng() % len] = (uint8_t)rng();
				b[rng() % 64] = (uint8_t)rng(); /* the headers of the outer messages */
				parse_all(b, len);
				free(b);
			}
			free(pb);
		}
	}
}

int main(void)
{
	test_varint();
	test_fields();
	test_nested_and_maps();
	test_hostile();
	test_depth();
	test_buffers();
	test_random();
	return t_done("pb");
}
