/*
 * Fuzz target: the protobuf codec (pb.c) and the message parsers built on it (containerd.c,
 * cri.c, grpc_meta.c). The input is one gRPC message, frame removed.
 *
 * Checks: the generic cursor only hands out fields inside the input and ends where the input
 * ends; a message re-encoded canonically (nested messages through pb_msg_begin/end) decodes to
 * the same fields and re-encodes to the same bytes, and fits a fixed buffer of exactly its size
 * but not one byte less; every string a typed parser returns lies inside the input; the label
 * the parser kept is the one pb_map_lookup finds; times format as RFC 3339 that reads back;
 * requests and map entries built from a string of the input read back as that string.
 */
#include "fuzz.h"
#include <time.h>

#include "containerd.h"
#include "cri.h"
#include "grpc_meta.h"
#include "pb.h"
#include "pb_test.h"

static const uint8_t *in_lo, *in_hi;

/* A view is empty, or lies inside the input. */
static void check_str(struct pb_str s)
{
	CHECK(s.s != NULL);
	if (s.len)
		CHECK((const uint8_t *)s.s >= in_lo && (const uint8_t *)s.s + s.len <= in_hi);
}

static bool same_str(struct pb_str a, struct pb_str b)
{
	return a.len == b.len && (a.len == 0 || !memcmp(a.s, b.s, a.len));
}

/*
 * Walk every field of r, descending into each length-delimited field that reads as a message.
 * Returns 0 when the whole of r was read, -1 at the first malformed field.
 */
static int walk(struct pb_reader *r)
{
	struct pb_field f;
	const uint8_t *start = r->p, *end = r->end;
	int rc;

	while ((rc = pb_reader__next(r, &f)) > 0) {
		CHECK(f.num >= 1 && f.num <= PB_MAX_FIELD);
		CHECK(r->p > start && r->p <= end);
		if (f.wire == PB_LEN) {
			struct pb_reader copy = *r, sub;

			CHECK(f.data >= start && f.data + f.len <= r->p);
			if (pb_reader__sub(&copy, &f, &sub) == 0)
				walk(&sub);
			else
				CHECK(copy.err == PB_EDEPTH && r->depth + 1 > PB_MAX_DEPTH);
		} else {
			CHECK(f.data == NULL && f.len == 0);
		}
		if (f.wire == PB_I32)
			CHECK(f.u <= UINT32_MAX);
	}
	if (rc == 0) {
		CHECK(r->p == end && r->err == PB_OK);
		return 0;
	}
	CHECK(r->err != PB_OK);
	CHECK(pb_reader__next(r, &f) == -1); /* sticky */
	return -1;
}

/* True when bytes [p, p + n) read as a message to its end, nested no deeper than the limit. */
static bool is_msg(const uint8_t *p, size_t n, int depth)
{
	struct pb_reader r;

	pb_reader__init(&r, p, n);
	r.depth = depth;
	return walk(&r) == 0;
}

/* Canonical form: the same fields with minimal varints; nested messages re-encoded too. */
static void canon(struct buf *b, const uint8_t *p, size_t n, int depth)
{
	struct pb_reader r;
	struct pb_field f;

	pb_reader__init(&r, p, n);
	r.depth = depth;
	while (pb_reader__next(&r, &f) > 0) {
		switch (f.wire) {
		case PB_VARINT:
			pb_put_varint(b, f.num, f.u);
			break;
		case PB_I64:
			pb_put_fixed64(b, f.num, f.u);
			break;
		case PB_I32:
			pb_put_fixed32(b, f.num, (uint32_t)f.u);
			break;
		case PB_LEN:
			if (f.len && depth + 1 <= PB_MAX_DEPTH && is_msg(f.data, f.len, depth + 1)) {
				size_t m = pb_msg_begin(b, f.num);

				canon(b, f.data, f.len, depth + 1);
				pb_msg_end(b, m);
			} else {
				pb_put_bytes(b, f.num, f.data, f.len);
			}
			break;
		}
	}
}

/* Both messages hold the same top-level fields (nested bytes compared canonically). */
static void check_same_fields(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	struct pb_reader ra, rb;
	struct pb_field fa, fb;
	int ka, kb;

	pb_reader__init(&ra, a, an);
	pb_reader__init(&rb, b, bn);
	for (;;) {
		ka = pb_reader__next(&ra, &fa);
		kb = pb_reader__next(&rb, &fb);
		CHECK(ka == kb);
		if (ka <= 0)
			break;
		CHECK(fa.num == fb.num && fa.wire == fb.wire && fa.u == fb.u);
		if (fa.wire == PB_LEN && !(fa.len == fb.len && !memcmp(fa.data, fb.data, fa.len))) {
			/* Re-encoded: both must be messages with the same canonical form. */
			struct buf ca, cb;

			buf__init(&ca, 0);
			buf__init(&cb, 0);
			canon(&ca, fa.data, fa.len, 1);
			canon(&cb, fb.data, fb.len, 1);
			CHECK(!ca.err && !cb.err && ca.len == cb.len &&
			      (ca.len == 0 || !memcmp(ca.data, cb.data, ca.len)));
			buf__free(&ca);
			buf__free(&cb);
		}
	}
	CHECK(ka == 0);
}

static void check_codec(const uint8_t *data, size_t size)
{
	struct pb_reader r;
	struct buf c1, c2, fixed;
	uint8_t *mem;

	pb_reader__init(&r, data, size);
	if (walk(&r) < 0)
		return;
	buf__init(&c1, 0);
	buf__init(&c2, 0);
	canon(&c1, data, size, 0);
	CHECK(c1.err == PB_OK);
	check_same_fields(data, size, (const uint8_t *)c1.data, c1.len);
	canon(&c2, (const uint8_t *)c1.data, c1.len, 0);
	CHECK(c2.err == PB_OK && c2.len == c1.len && (c1.len == 0 || !memcmp(c1.data, c2.data, c1.len)));

	/* A fixed buffer of exactly that size holds it; one byte less does not. */
	mem = malloc(c1.len + 1);
	CHECK(mem);
	buf__init_fixed(&fixed, mem, c1.len);
	canon(&fixed, data, size, 0);
	CHECK(fixed.err == PB_OK && fixed.len == c1.len &&
	      (c1.len == 0 || !memcmp(mem, c1.data, c1.len)));
	if (c1.len) {
		buf__init_fixed(&fixed, mem, c1.len - 1);
		canon(&fixed, data, size, 0);
		CHECK(fixed.err == PB_ENOSPC);
	}
	free(mem);
	buf__free(&c1);
	buf__free(&c2);
}

/* A time formats, and reads back to the same second and fraction. */
static void check_time(int64_t ns)
{
	char buf[36], frac[16] = "";
	struct tm tm;
	int n, used = 0;
	long sub = 0;

	n = grpc_time_rfc3339(buf, sizeof(buf), ns);
	if (ns < 0) {
		CHECK(n == -1);
		return;
	}
	CHECK(n > 0 && (size_t)n == strlen(buf));
	memset(&tm, 0, sizeof(tm));
	CHECK(sscanf(buf, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		     &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &used) == 6);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	CHECK(timegm(&tm) == (time_t)(ns / 1000000000));
	if (buf[used] == '.') {
		size_t k = strspn(buf + used + 1, "0123456789");

		CHECK(k >= 1 && k <= 9 && buf[used + k] != '0');
		memcpy(frac, buf + used + 1, k);
		for (; k < 9; k++)
			frac[k] = '0';
		sub = strtol(frac, NULL, 10);
		used += 1 + (int)strspn(buf + used + 1, "0123456789");
	}
	CHECK(sub == ns % 1000000000);
	CHECK(!strcmp(buf + used, "Z"));
}

/* A copy into a small buffer is NUL-terminated, never longer, and never splits a character. */
static void check_copy(struct pb_str s)
{
	char dst[8];
	bool cut = pb_str_copy(dst, sizeof(dst), s);
	size_t n = strlen(dst);

	CHECK(n < sizeof(dst) && n <= s.len && !memcmp(dst, s.s, n));
	CHECK(cut == (n < s.len));
	if (n && n < s.len && !memchr(s.s, '\0', n + 1))
		CHECK(((unsigned char)s.s[n] & 0xc0) != 0x80);
}

static void check_meta(const struct grpc_meta *g)
{
	check_str(g->name);
	check_str(g->image);
	check_str(g->digest);
	check_str(g->pod_name);
	check_str(g->pod_namespace);
	check_str(g->pod_uid);
	if (g->have_exit)
		check_time(g->finished_at);
}

static void check_parsers(const uint8_t *data, size_t size)
{
	struct pb_str names[4], v;
	struct ctd_container c;
	struct ctd_image img;
	struct ctd_task t;
	struct cri_container cc;
	struct cri_sandbox sb;
	struct grpc_meta g;
	size_t count;
	int err;

	if (ctd_namespaces_parse(data, size, names, 4, &count, &err) == 0) {
		for (size_t i = 0; i < count && i < 4; i++)
			check_str(names[i]);
	} else {
		CHECK(err != PB_OK);
	}

	if (ctd_container_parse(data, size, &c, &err) == 0) {
		const struct pb_str all[] = {c.id,	     c.image,	c.runtime,	 c.spec_type,
					     c.spec,	     c.snapshotter, c.container_name, c.nerdctl_name,
					     c.pod_name,     c.pod_namespace, c.pod_uid,	 c.kind,
					     c.raw};

		for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
			check_str(all[i]);
		CHECK(c.created_at >= 0);
		check_copy(c.id);
		/* The label the parser kept is the one a lookup finds (the last entry wins). */
		CHECK(ctd_container_label(&c, K8S_LABEL_POD_NAME, &v) >= 0);
		if (c.pod_name.len)
			CHECK(same_str(v, c.pod_name));
		if (ctd_container_label(&c, CTD_LABEL_KIND, &v) == 1)
			CHECK(same_str(v, c.kind));
		else
			CHECK(c.kind.len == 0);
		if (ctd_image_parse(data, size, &img, &err) == 0) {
			check_str(img.name);
			check_str(img.media_type);
			check_str(img.digest);
			grpc_meta_from_ctd(&g, &c, &img);
		} else {
			grpc_meta_from_ctd(&g, &c, NULL);
		}
		check_meta(&g);
		check_time(c.created_at);
	} else {
		CHECK(err != PB_OK);
	}

	if (ctd_task_parse(data, size, &t, &err) == 0) {
		check_str(t.container_id);
		check_str(t.id);
		CHECK(t.exited_at >= 0);
		grpc_meta__init(&g);
		if (grpc_meta_exit_from_ctd_task(&g, &t))
			CHECK(t.status == CTD_TASK_STOPPED && g.have_exit);
		check_meta(&g);
	}

	if (cri_container_parse(data, size, &cc, &err) == 0) {
		const struct pb_str all[] = {cc.id,	      cc.name,	       cc.image,   cc.image_ref,
					     cc.reason,       cc.message,      cc.raw,     cc.container_name,
					     cc.pod_name,     cc.pod_namespace, cc.pod_uid, cc.crio_type};

		for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
			check_str(all[i]);
		if (cri_container_label(&cc, "io.kubernetes.pod.namespace", &v) == 1)
			CHECK(same_str(v, cc.pod_namespace));
		else
			CHECK(cc.pod_namespace.len == 0);
		if (cri_container_annotation(&cc, CRI_ANNOTATION_CRIO_TYPE, &v) == 1)
			CHECK(same_str(v, cc.crio_type));
		else
			CHECK(cc.crio_type.len == 0);
		grpc_meta_from_cri_container(&g, &cc);
		check_meta(&g);
		check_copy(cc.name);
	} else {
		CHECK(err != PB_OK);
	}

	if (cri_sandbox_parse(data, size, &sb, &err) == 0) {
		const struct pb_str all[] = {sb.id,	  sb.name,	    sb.uid,	    sb.namespace,
					     sb.raw,	  sb.pod_name, sb.pod_namespace, sb.pod_uid};

		for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
			check_str(all[i]);
		if (cri_sandbox_label(&sb, "io.kubernetes.pod.uid", &v) == 1)
			CHECK(same_str(v, sb.pod_uid));
		else
			CHECK(sb.pod_uid.len == 0);
		cri_sandbox_annotation(&sb, "io.kubernetes.cri-o.ContainerType", &v);
		grpc_meta_from_cri_sandbox(&g, &sb);
		CHECK(g.sandbox);
		check_meta(&g);
	} else {
		CHECK(err != PB_OK);
	}

	/* The helpers the backends call on raw messages. */
	{
		struct pb_str out;
		int rc = pb_find_bytes(data, size, 1, &out, &err);

		if (rc == 1)
			check_str(out);
		if (pb_map_lookup(data, size, 2, "io.kubernetes.pod.name", &out) == 1)
			check_str(out);
	}
}

/* Requests built from a string of the input read back as that string (and map entries too). */
static void check_requests(const uint8_t *data, size_t size)
{
	char id[80];
	size_t n = size < sizeof(id) - 1 ? size : sizeof(id) - 1;
	struct buf b;
	struct pb_str out;
	uint64_t verbose = 0;
	int err, rc;

	memcpy(id, data, n);
	id[n] = '\0';
	n = strlen(id);
	buf__init(&b, 0);
	for (int k = 0; k < 6; k++) {
		buf__reset(&b);
		switch (k) {
		case 0: rc = ctd_container_get_req(&b, id); break;
		case 1: rc = ctd_image_get_req(&b, id); break;
		case 2: rc = ctd_task_get_req(&b, id); break;
		case 3: rc = cri_container_status_req(&b, id, true); break;
		case 4: rc = cri_sandbox_status_req(&b, id, false); break;
		default: rc = pb_put_map_entry(&b, 2, id, "v") | pb_put_map_entry(&b, 2, "k", id); break;
		}
		CHECK(rc == 0 && b.err == PB_OK);
		if (k < 5) {
			CHECK(pb_find_bytes(b.data, b.len, 1, &out, &err) == 1);
			CHECK(out.len == n && !memcmp(out.s, id, n));
		} else {
			/* The last entry wins: {id: "v"} then {"k": id}. */
			CHECK(pb_map_lookup(b.data, b.len, 2, id, &out) == 1 &&
			      pb_str_eq(out, strcmp(id, "k") ? "v" : id));
			CHECK(pb_map_lookup(b.data, b.len, 2, "k", &out) == 1 && out.len == n &&
			      !memcmp(out.s, id, n));
		}
		if (k == 3 || k == 4) {
			struct pb_reader r;
			struct pb_field f;

			pb_reader__init(&r, b.data, b.len);
			while (pb_reader__next(&r, &f) > 0)
				if (f.num == 2)
					CHECK(pb_take_varint(&r, &f, &verbose) == 0);
			CHECK(r.err == PB_OK && verbose == (k == 3));
			verbose = 0;
		}
	}
	buf__reset(&b);
	CHECK(ctd_namespaces_list_req(&b) == 0 && b.len == 0);
	buf__free(&b);
	CHECK(pb_strerror(PB_ESCHEMA) && pb_strerror(-1));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly size bytes, so that any read past the end is caught. */
	uint8_t *buf = malloc(size ? size : 1);

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	in_lo = buf;
	in_hi = buf + size;
	check_codec(buf, size);
	check_parsers(buf, size);
	check_requests(buf, size);
	free(buf);
	return 0;
}
