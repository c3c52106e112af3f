/*
 * Protobuf helpers only the tests use, on top of ctrenrich's codec (cmd/ctrenrich/codec/pb.h):
 * encoding nested messages, fixed-width values and maps (the program sends flat requests only),
 * and looking up any label or annotation of a parsed containerd or CRI message.
 */
#ifndef CTRWATCH_PB_TEST_H
#define CTRWATCH_PB_TEST_H

#include "containerd.h"
#include "cri.h"
#include "pb.h"

/* Fixed-width values, little-endian. 0, or -1 with b->err set. */
int pb_put_fixed64(struct buf *b, uint32_t field, uint64_t v);
int pb_put_fixed32(struct buf *b, uint32_t field, uint32_t v);

/*
 * A nested message: pb_msg_begin() writes the tag and returns a mark; write the fields; then
 * pb_msg_end(mark) inserts the length prefix. Marks nest. Returns of begin: the mark, or
 * (size_t)-1 with b->err; end: 0 or -1.
 */
size_t pb_msg_begin(struct buf *b, uint32_t field);
int pb_msg_end(struct buf *b, size_t mark);

/* A map<string, string> entry {1: key, 2: val} as field number field. */
int pb_put_map_entry(struct buf *b, uint32_t field, const char *key, const char *val);

/*
 * Look key up in the map<string, string> held by field number field of the message msg (len
 * bytes): 1 found (*val set; the last entry wins, as protobuf says), 0 absent, -1 malformed.
 */
int pb_map_lookup(const void *msg, size_t len, uint32_t field, const char *key, struct pb_str *val);

/* Any label (or annotation) of a parsed message: 1 found, 0 absent, -1 malformed. */
int ctd_container_label(const struct ctd_container *c, const char *key, struct pb_str *val);
int cri_container_label(const struct cri_container *c, const char *key, struct pb_str *val);
int cri_container_annotation(const struct cri_container *c, const char *key, struct pb_str *val);
int cri_sandbox_label(const struct cri_sandbox *s, const char *key, struct pb_str *val);
int cri_sandbox_annotation(const struct cri_sandbox *s, const char *key, struct pb_str *val);

#endif
