/*
 * A protobuf wire-format codec for the few gRPC messages ctrenrich exchanges with containerd and
 * CRI runtimes. No schema, no allocation on the decode side: a cursor over the caller's buffer
 * yields one field at a time, strings and nested messages are (pointer, length) into that buffer.
 *
 * Hardened for hostile input: every length is checked against the end of its buffer, varints are
 * at most 10 bytes and must fit in 64 bits, field number 0 and wire types 3, 4, 6, 7 (groups and
 * invalid) are errors, and nesting is bounded by PB_MAX_DEPTH.
 */
#ifndef CTRWATCH_PB_H
#define CTRWATCH_PB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PB_MAX_DEPTH 32          /* nested messages a cursor may descend through */
#define PB_MAX_FIELD 0x1fffffffu /* 2^29 - 1, the largest valid field number */
#define PB_VARINT_MAX 10         /* bytes in the longest 64-bit varint */

enum pb_wire {
	PB_VARINT = 0,
	PB_I64 = 1,
	PB_LEN = 2,
	PB_I32 = 5,
};

enum pb_err {
	PB_OK = 0,
	PB_ETRUNC,   /* a value or length runs past the end of the buffer */
	PB_EVARINT,  /* a varint longer than 10 bytes or above 2^64 - 1 */
	PB_EWIRE,    /* wire type 3, 4 (groups), 6 or 7 */
	PB_EFIELD,   /* field number 0 or above 2^29 - 1 */
	PB_EDEPTH,   /* nested deeper than PB_MAX_DEPTH */
	PB_ENOSPC,   /* encoder: a fixed buffer is full */
	PB_ENOMEM,   /* encoder: growing the buffer failed */
	PB_ESCHEMA,  /* a known field has the wrong wire type, or a required part is missing */
};

/* A string or bytes value: points into the decoded buffer, not NUL-terminated. */
struct pb_str {
	const char *s;
	size_t len;
};

/* A decoding cursor. err is sticky: after the first error next() keeps returning -1. */
struct pb_reader {
	const uint8_t *p;
	const uint8_t *end;
	int depth;
	int err;
};

/* One field as read off the wire. */
struct pb_field {
	uint32_t num;
	enum pb_wire wire;
	uint64_t u;          /* PB_VARINT, PB_I64, PB_I32: the value (I32 zero-extended) */
	const uint8_t *data; /* PB_LEN: the bytes */
	size_t len;
};

/* A cursor over len bytes of buf at depth 0. */
void pb_reader__init(struct pb_reader *r, const void *buf, size_t len);

/* The next field: 1 when *f was set, 0 at the end of the buffer, -1 on malformed input (r->err). */
int pb_reader__next(struct pb_reader *r, struct pb_field *f);

/*
 * A cursor over a PB_LEN field's bytes, one level deeper than parent: 0, or -1 with sub->err and
 * parent->err set to PB_EDEPTH past PB_MAX_DEPTH (PB_ESCHEMA when f is not length-delimited).
 */
int pb_reader__sub(struct pb_reader *parent, const struct pb_field *f, struct pb_reader *sub);

/* Decode one varint at *p (before end): 0 and *p advanced, or -PB_ETRUNC / -PB_EVARINT. */
int pb_varint_decode(const uint8_t **p, const uint8_t *end, uint64_t *v);

/* A PB_LEN field's bytes as a string. */
struct pb_str pb_field_str(const struct pb_field *f);

/* Sign conversions as proto3 int32 / int64 are sent (two's complement in a 64-bit varint). */
static inline int64_t pb_int64(uint64_t u)
{
	return (int64_t)u;
}
static inline int32_t pb_int32(uint64_t u)
{
	return (int32_t)(uint32_t)u;
}

/*
 * A map<string, string> entry (key = 1, value = 2) in a PB_LEN field, read with parent's depth
 * accounting: 0, or -1 with parent->err set. Missing key or value is the empty string.
 */
int pb_map_entry(struct pb_reader *parent, const struct pb_field *f, struct pb_str *key,
		 struct pb_str *val);

/*
 * Look key up in the map<string, string> held by field number field of the message msg (len
 * bytes): 1 found (*val set; the last entry wins, as protobuf says), 0 absent, -1 malformed.
 */
int pb_map_lookup(const void *msg, size_t len, uint32_t field, const char *key, struct pb_str *val);

/*
 * The last field number field of msg (len bytes), which must be length-delimited, as *out:
 * 1 found, 0 absent, -1 malformed (*err set to a pb_err).
 */
int pb_find_bytes(const void *msg, size_t len, uint32_t field, struct pb_str *out, int *err);

/*
 * A google.protobuf.Timestamp{seconds = 1, nanos = 2} in field f (read with parent's depth
 * accounting) as ns since the epoch. *ns is 0 when the time is before the epoch (Go's zero time
 * arrives as seconds -62135596800) or does not fit in 64 bits. 0, or -1 with parent->err.
 */
int pb_timestamp_ns(struct pb_reader *parent, const struct pb_field *f, int64_t *ns);

/* Field f as a string / a varint; another wire type sets r->err = PB_ESCHEMA. 0 or -1. */
int pb_take_str(struct pb_reader *r, const struct pb_field *f, struct pb_str *s);
int pb_take_varint(struct pb_reader *r, const struct pb_field *f, uint64_t *v);

/*
 * A cursor at depth 1 over the message held in field number field of msg (len bytes), the
 * usual shape of a response ({status = 1}, {container = 1}); with raw non-NULL, its bytes too.
 * 0, or -1 with *err set (PB_ESCHEMA when the field is absent).
 */
int pb_reader__open(struct pb_reader *r, const void *msg, size_t len, uint32_t field,
		    struct pb_str *raw, int *err);

/*
 * Table-driven decoding of a message into a C struct. Each entry says where field num goes:
 * a string view, an integer of some width, a Timestamp, a nested message whose own table writes
 * into the same struct (so Container.runtime.name lands in a flat field), or a callback (map
 * entries, repeated fields). Fields not in the table are skipped; a known field with the wrong
 * wire type is PB_ESCHEMA. Proto3 semantics: the last occurrence of a scalar wins.
 */
enum pb_kind {
	PBK_STR,  /* struct pb_str */
	PBK_U32,  /* uint32_t from a varint (truncated, as proto3 uint32 is) */
	PBK_I32,  /* int32_t from a varint */
	PBK_ENUM, /* int from a varint (an enum, int32 on the wire) */
	PBK_I64,  /* int64_t from a varint */
	PBK_TIME, /* int64_t ns from a google.protobuf.Timestamp message, see pb_timestamp_ns */
	PBK_MSG,  /* a nested message decoded by sub[0, nsub) into the same struct */
	PBK_CALL, /* call(r, f, obj) */
};

struct pb_fdesc {
	uint32_t num;
	enum pb_kind kind;
	size_t off; /* offsetof() the destination */
	const struct pb_fdesc *sub;
	size_t nsub;
	int (*call)(struct pb_reader *r, const struct pb_field *f, void *obj);
};

#define PB_FIELD(num, kind, type, member) {(num), (kind), offsetof(type, member), NULL, 0, NULL}
#define PB_MSG(num, table) {(num), PBK_MSG, 0, (table), sizeof(table) / sizeof((table)[0]), NULL}
#define PB_CALL(num, fn) {(num), PBK_CALL, 0, NULL, 0, (fn)}

/* Decode the rest of r into obj by table t (n entries): 0, or -1 with r->err set. */
int pb_decode(struct pb_reader *r, const struct pb_fdesc *t, size_t n, void *obj);

/* The nested message in field f of r decoded into obj by t: 0, or -1 with r->err set. */
int pb_decode_sub(struct pb_reader *r, const struct pb_field *f, const struct pb_fdesc *t,
		  size_t n, void *obj);

/*
 * The usual response shape: the message in field number field of msg (len bytes) decoded into
 * obj by table t; with raw non-NULL, that message's bytes too. 0, or -1 with *err set
 * (PB_ESCHEMA when the field is absent).
 */
int pb_decode_field(const void *msg, size_t len, uint32_t field, struct pb_str *raw,
		    const struct pb_fdesc *t, size_t n, void *obj, int *err);

/* True when s holds exactly the NUL-terminated string lit. */
bool pb_str_eq(struct pb_str s, const char *lit);

/*
 * Copy s into dst (size dstsz >= 1) NUL-terminated. Stops at an embedded NUL. When it does not
 * fit, cuts at a UTF-8 character boundary. Returns true when something was left out.
 */
bool pb_str_copy(char *dst, size_t dstsz, struct pb_str s);

/* A short lowercase description of a pb_err. */
const char *pb_strerror(int err);

/*
 * An output buffer: either growable (malloc'd, pb_buf__init) or the caller's fixed array
 * (pb_buf__init_fixed, never grown). err is sticky: the first failure makes every later put a
 * no-op returning -1, so a message can be built without checking each call.
 */
struct pb_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
	size_t max; /* growable: the largest size it may reach */
	bool fixed;
	int err;
};

/* A growable buffer of at most max bytes (0: no limit beyond SIZE_MAX / 2). */
void pb_buf__init(struct pb_buf *b, size_t max);
/* A buffer over the caller's cap bytes at mem. */
void pb_buf__init_fixed(struct pb_buf *b, void *mem, size_t cap);
/* Empty it (keeping its memory) and clear err. */
void pb_buf__reset(struct pb_buf *b);
/* Free a growable buffer's memory; NULL and fixed buffers are fine. */
void pb_buf__free(struct pb_buf *b);

/* Append raw bytes: 0, or -1 with b->err. */
int pb_buf__append(struct pb_buf *b, const void *p, size_t n);

/* Encoders: each writes the tag then the value; 0, or -1 with b->err set. */
int pb_put_varint(struct pb_buf *b, uint32_t field, uint64_t v);
int pb_put_bytes(struct pb_buf *b, uint32_t field, const void *p, size_t n);
int pb_put_string(struct pb_buf *b, uint32_t field, const char *s);
int pb_put_fixed64(struct pb_buf *b, uint32_t field, uint64_t v);
int pb_put_fixed32(struct pb_buf *b, uint32_t field, uint32_t v);

/* A bare varint, no tag. */
int pb_put_raw_varint(struct pb_buf *b, uint64_t v);

/*
 * A nested message: pb_msg_begin() writes the tag and returns a mark; write the fields; then
 * pb_msg_end(mark) inserts the length prefix. Marks nest. Returns of begin: the mark, or
 * (size_t)-1 with b->err; end: 0 or -1.
 */
size_t pb_msg_begin(struct pb_buf *b, uint32_t field);
int pb_msg_end(struct pb_buf *b, size_t mark);

/* A map<string, string> entry {1: key, 2: val} as field number field. */
int pb_put_map_entry(struct pb_buf *b, uint32_t field, const char *key, const char *val);

#endif
