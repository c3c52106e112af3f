/* The CRI messages: request builders and response parsers, by pb.c's tables. */
#include <string.h>

#include "cri.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const struct pb_str empty = {"", 0};

/* {id = 1, verbose = 2}: both status requests have this shape. */
static int status_req(struct buf *b, const char *id, bool verbose)
{
	pb_put_string(b, 1, id);
	if (verbose)
		pb_put_varint(b, 2, 1);
	return b->err ? -1 : 0;
}

int cri_container_status_req(struct buf *b, const char *id, bool verbose)
{
	return status_req(b, id, verbose);
}

int cri_sandbox_status_req(struct buf *b, const char *id, bool verbose)
{
	return status_req(b, id, verbose);
}

static const char *const pod_keys[] = {K8S_LABEL_POD_NAME, K8S_LABEL_POD_NAMESPACE,
				       K8S_LABEL_POD_UID, K8S_LABEL_CONTAINER_NAME};

/* Containers. */

static int container_label(struct pb_reader *r, const struct pb_field *f, void *obj)
{
	struct cri_container *c = obj;
	struct pb_str *const slots[] = {&c->pod_name, &c->pod_namespace, &c->pod_uid,
				  &c->container_name};

	return pb_map_pick(r, f, pod_keys, slots, NELEM(slots));
}

static int container_annotation(struct pb_reader *r, const struct pb_field *f, void *obj)
{
	static const char *const keys[] = {CRI_ANNOTATION_CRIO_TYPE};
	struct cri_container *c = obj;
	struct pb_str *const slots[] = {&c->crio_type};

	return pb_map_pick(r, f, keys, slots, NELEM(slots));
}

#define C struct cri_container
static const struct pb_fdesc cmeta_tab[] = {
	PB_FIELD(1, PBK_STR, C, name),
	PB_FIELD(2, PBK_U32, C, attempt),
};
static const struct pb_fdesc imagespec_tab[] = {PB_FIELD(1, PBK_STR, C, image)};
static const struct pb_fdesc cstatus_tab[] = {
	PB_FIELD(1, PBK_STR, C, id),
	PB_MSG(2, cmeta_tab),
	PB_FIELD(3, PBK_ENUM, C, state),
	PB_FIELD(4, PBK_I64, C, created_at),
	PB_FIELD(5, PBK_I64, C, started_at),
	PB_FIELD(6, PBK_I64, C, finished_at),
	PB_FIELD(7, PBK_I32, C, exit_code),
	PB_MSG(8, imagespec_tab),
	PB_FIELD(9, PBK_STR, C, image_ref),
	PB_FIELD(10, PBK_STR, C, reason),
	PB_FIELD(11, PBK_STR, C, message),
	PB_CALL(12, container_label),
	PB_CALL(13, container_annotation),
};
#undef C

static void container_reset(void *obj)
{
	struct cri_container *c = obj;

	memset(c, 0, sizeof(*c));
	c->id = c->name = c->image = c->image_ref = c->reason = c->message = empty;
	c->raw = c->container_name = c->pod_name = c->pod_namespace = c->pod_uid = empty;
	c->crio_type = empty;
}

int cri_container_parse(const void *msg, size_t len, struct cri_container *c, int *err)
{
	container_reset(c);
	return pb_decode_field(msg, len, 1, &c->raw, cstatus_tab, NELEM(cstatus_tab), c, err);
}

/* Pod sandboxes. */

static int sandbox_label(struct pb_reader *r, const struct pb_field *f, void *obj)
{
	struct cri_sandbox *s = obj;
	struct pb_str *const slots[] = {&s->pod_name, &s->pod_namespace, &s->pod_uid};

	return pb_map_pick(r, f, pod_keys, slots, NELEM(slots));
}

#define S struct cri_sandbox
static const struct pb_fdesc smeta_tab[] = {
	PB_FIELD(1, PBK_STR, S, name),
	PB_FIELD(2, PBK_STR, S, uid),
	PB_FIELD(3, PBK_STR, S, namespace),
	PB_FIELD(4, PBK_U32, S, attempt),
};
static const struct pb_fdesc sstatus_tab[] = {
	PB_FIELD(1, PBK_STR, S, id),
	PB_MSG(2, smeta_tab),
	PB_FIELD(3, PBK_ENUM, S, state),
	PB_FIELD(4, PBK_I64, S, created_at),
	PB_CALL(7, sandbox_label),
};
#undef S

static void sandbox_reset(void *obj)
{
	struct cri_sandbox *s = obj;

	memset(s, 0, sizeof(*s));
	s->id = s->name = s->uid = s->namespace = s->raw = empty;
	s->pod_name = s->pod_namespace = s->pod_uid = empty;
}

int cri_sandbox_parse(const void *msg, size_t len, struct cri_sandbox *s, int *err)
{
	sandbox_reset(s);
	return pb_decode_field(msg, len, 1, &s->raw, sstatus_tab, NELEM(sstatus_tab), s, err);
}

/* Lists. */

int cri_list_containers_req(struct buf *b, bool running)
{
	/* ContainerFilter{state = 2 ContainerStateValue{state = 1: CONTAINER_RUNNING}} */
	static const char filter[] = {0x12, 0x02, 0x08, CRI_CONTAINER_RUNNING};

	if (running)
		pb_put_bytes(b, 1, filter, sizeof(filter));
	return b->err ? -1 : 0;
}

int cri_list_sandboxes_req(struct buf *b)
{
	return b->err ? -1 : 0;
}

int cri_list_images_req(struct buf *b)
{
	return b->err ? -1 : 0;
}

/* The typed callbacks behind pb_decode_each's untyped one. */
struct each {
	union {
		void (*ctr)(void *ctx, const struct cri_container *c);
		void (*sb)(void *ctx, const struct cri_sandbox *s);
		void (*img)(void *ctx, const struct cri_image *img);
	} fn;
	void *ctx;
};

static void each_ctr(void *ctx, void *obj, struct pb_str raw)
{
	struct each *e = ctx;

	(void)raw;
	e->fn.ctr(e->ctx, obj);
}

static void each_sb(void *ctx, void *obj, struct pb_str raw)
{
	struct each *e = ctx;

	(void)raw;
	e->fn.sb(e->ctx, obj);
}

static void each_img(void *ctx, void *obj, struct pb_str raw)
{
	struct each *e = ctx;

	(void)raw;
	e->fn.img(e->ctx, obj);
}

#define C struct cri_container
static const struct pb_fdesc list_ctr_tab[] = {
	PB_FIELD(1, PBK_STR, C, id),	    PB_MSG(3, cmeta_tab),
	PB_MSG(4, imagespec_tab),	    PB_FIELD(5, PBK_STR, C, image_ref),
	PB_FIELD(6, PBK_ENUM, C, state),    PB_FIELD(7, PBK_I64, C, created_at),
	PB_CALL(8, container_label),	    PB_CALL(9, container_annotation),
};
#undef C

int cri_list_containers_parse(const void *msg, size_t len,
			      void (*fn)(void *ctx, const struct cri_container *c), void *ctx,
			      int *err)
{
	struct each e = {.fn.ctr = fn, .ctx = ctx};
	struct cri_container c;

	return pb_decode_each(msg, len, 1, list_ctr_tab, NELEM(list_ctr_tab), &c, container_reset,
			      each_ctr, &e, err);
}

#define S struct cri_sandbox
static const struct pb_fdesc list_sb_tab[] = {
	PB_FIELD(1, PBK_STR, S, id),
	PB_MSG(2, smeta_tab),
	PB_FIELD(3, PBK_ENUM, S, state),
	PB_FIELD(4, PBK_I64, S, created_at),
	PB_CALL(5, sandbox_label),
};
#undef S

int cri_list_sandboxes_parse(const void *msg, size_t len,
			     void (*fn)(void *ctx, const struct cri_sandbox *s), void *ctx, int *err)
{
	struct each e = {.fn.sb = fn, .ctx = ctx};
	struct cri_sandbox sb;

	return pb_decode_each(msg, len, 1, list_sb_tab, NELEM(list_sb_tab), &sb, sandbox_reset,
			      each_sb, &e, err);
}

/* repeated string: the first one is kept. */
static int first_tag(struct pb_reader *r, const struct pb_field *f, void *obj)
{
	struct cri_image *img = obj;

	return img->tag.len ? 0 : pb_take_str(r, f, &img->tag);
}

static int first_digest(struct pb_reader *r, const struct pb_field *f, void *obj)
{
	struct cri_image *img = obj;

	return img->digest.len ? 0 : pb_take_str(r, f, &img->digest);
}

static const struct pb_fdesc list_image_tab[] = {
	PB_FIELD(1, PBK_STR, struct cri_image, id),
	PB_CALL(2, first_tag),
	PB_CALL(3, first_digest),
};

static void image_reset(void *obj)
{
	struct cri_image *img = obj;

	img->id = img->tag = img->digest = empty;
}

int cri_list_images_parse(const void *msg, size_t len,
			  void (*fn)(void *ctx, const struct cri_image *img), void *ctx, int *err)
{
	struct each e = {.fn.img = fn, .ctx = ctx};
	struct cri_image img;

	return pb_decode_each(msg, len, 1, list_image_tab, NELEM(list_image_tab), &img,
			      image_reset, each_img, &e, err);
}
