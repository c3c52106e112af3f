/* containerd's messages: request builders and response parsers, by pb.c's tables. */
#include <string.h>

#include "containerd.h"

static const struct pb_str empty = {"", 0};

int ctd_namespaces_list_req(struct buf *b)
{
	return b->err ? -1 : 0; /* no filter: the empty message */
}

int ctd_container_get_req(struct buf *b, const char *id)
{
	return pb_put_string(b, 1, id);
}

int ctd_image_get_req(struct buf *b, const char *name)
{
	return pb_put_string(b, 1, name);
}

int ctd_task_get_req(struct buf *b, const char *container_id)
{
	return pb_put_string(b, 1, container_id);
}

int ctd_containers_list_req(struct buf *b)
{
	return b->err ? -1 : 0; /* no filter */
}

int ctd_images_list_req(struct buf *b)
{
	return b->err ? -1 : 0;
}

/* Namespaces. */

struct ns_list {
	struct pb_str *names;
	size_t max, count;
};

struct ns_one {
	struct pb_str name;
};

/* Namespace{name = 1, labels = 2}: one more name. */
static int take_namespace(struct pb_reader *r, const struct pb_field *f, void *obj)
{
	static const struct pb_fdesc ns_tab[] = {PB_FIELD(1, PBK_STR, struct ns_one, name)};
	struct ns_list *l = obj;
	struct ns_one one = {empty};

	if (pb_decode_sub(r, f, ns_tab, 1, &one))
		return -1;
	if (l->count < l->max)
		l->names[l->count] = one.name;
	l->count++;
	return 0;
}

int ctd_namespaces_parse(const void *msg, size_t len, struct pb_str *names, size_t max,
			 size_t *count, int *err)
{
	static const struct pb_fdesc tab[] = {PB_CALL(1, take_namespace)};
	struct ns_list l = {names, max, 0};
	struct pb_reader r;
	int rc;

	*err = PB_OK;
	pb_reader__init(&r, msg, len);
	rc = pb_decode(&r, tab, 1, &l);
	*count = l.count;
	if (rc)
		*err = r.err;
	return rc;
}

/* Containers. */

/* A label entry: keep the ones struct ctd_container has a field for. */
static int take_label(struct pb_reader *r, const struct pb_field *f, void *obj)
{
	static const char *const keys[] = {
		K8S_LABEL_CONTAINER_NAME, CTD_LABEL_NERDCTL_NAME, K8S_LABEL_POD_NAME,
		K8S_LABEL_POD_NAMESPACE,  K8S_LABEL_POD_UID,	  CTD_LABEL_KIND,
	};
	struct ctd_container *c = obj;
	struct pb_str *const vals[] = {&c->container_name, &c->nerdctl_name, &c->pod_name,
				       &c->pod_namespace,  &c->pod_uid,	     &c->kind};

	return pb_map_pick(r, f, keys, vals, sizeof(vals) / sizeof(vals[0]));
}

#define C struct ctd_container
static const struct pb_fdesc runtime_tab[] = {PB_FIELD(1, PBK_STR, C, runtime)};
static const struct pb_fdesc any_tab[] = {
	PB_FIELD(1, PBK_STR, C, spec_type),
	PB_FIELD(2, PBK_STR, C, spec),
};
static const struct pb_fdesc container_tab[] = {
	PB_FIELD(1, PBK_STR, C, id),	      PB_CALL(2, take_label),
	PB_FIELD(3, PBK_STR, C, image),	      PB_MSG(4, runtime_tab),
	PB_MSG(5, any_tab),		      PB_FIELD(6, PBK_STR, C, snapshotter),
	PB_FIELD(8, PBK_TIME, C, created_at),
};
#undef C

static void container_reset(void *obj)
{
	struct ctd_container *c = obj;

	c->id = c->image = c->runtime = c->spec_type = c->spec = c->snapshotter = empty;
	c->container_name = c->nerdctl_name = c->pod_name = empty;
	c->pod_namespace = c->pod_uid = c->kind = c->raw = empty;
	c->created_at = 0;
}

int ctd_container_parse(const void *msg, size_t len, struct ctd_container *c, int *err)
{
	container_reset(c);
	return pb_decode_field(msg, len, 1, &c->raw, container_tab,
			       sizeof(container_tab) / sizeof(container_tab[0]), c, err);
}

/* Images. */

#define I struct ctd_image
static const struct pb_fdesc descriptor_tab[] = {
	PB_FIELD(1, PBK_STR, I, media_type),
	PB_FIELD(2, PBK_STR, I, digest),
	PB_FIELD(3, PBK_I64, I, size),
};
static const struct pb_fdesc image_tab[] = {
	PB_FIELD(1, PBK_STR, I, name),
	PB_MSG(3, descriptor_tab),
};
#undef I

static void image_reset(void *obj)
{
	struct ctd_image *img = obj;

	img->name = img->media_type = img->digest = empty;
	img->size = 0;
}

int ctd_image_parse(const void *msg, size_t len, struct ctd_image *img, int *err)
{
	image_reset(img);
	return pb_decode_field(msg, len, 1, NULL, image_tab,
			       sizeof(image_tab) / sizeof(image_tab[0]), img, err);
}

/* Tasks. */

#define T struct ctd_task
static const struct pb_fdesc process_tab[] = {
	PB_FIELD(1, PBK_STR, T, container_id), PB_FIELD(2, PBK_STR, T, id),
	PB_FIELD(3, PBK_U32, T, pid),	       PB_FIELD(4, PBK_ENUM, T, status),
	PB_FIELD(9, PBK_U32, T, exit_status),  PB_FIELD(10, PBK_TIME, T, exited_at),
	PB_FIELD(11, PBK_ENUM, T, exit_reason),
};
#undef T

int ctd_task_parse(const void *msg, size_t len, struct ctd_task *t, int *err)
{
	memset(t, 0, sizeof(*t));
	t->container_id = t->id = empty;
	return pb_decode_field(msg, len, 1, NULL, process_tab,
			       sizeof(process_tab) / sizeof(process_tab[0]), t, err);
}

/* Lists: the typed callbacks behind pb_decode_each's untyped one. */

struct each {
	union {
		void (*ctr)(void *ctx, const struct ctd_container *c);
		void (*img)(void *ctx, const struct ctd_image *img);
	} fn;
	void *ctx;
};

static void each_ctr(void *ctx, void *obj, struct pb_str raw)
{
	struct each *e = ctx;
	struct ctd_container *c = obj;

	c->raw = raw;
	e->fn.ctr(e->ctx, c);
}

static void each_img(void *ctx, void *obj, struct pb_str raw)
{
	struct each *e = ctx;

	(void)raw;
	e->fn.img(e->ctx, obj);
}

int ctd_containers_list_parse(const void *msg, size_t len,
			      void (*fn)(void *ctx, const struct ctd_container *c), void *ctx,
			      int *err)
{
	struct each e = {.fn.ctr = fn, .ctx = ctx};
	struct ctd_container c;

	return pb_decode_each(msg, len, 1, container_tab,
			      sizeof(container_tab) / sizeof(container_tab[0]), &c, container_reset,
			      each_ctr, &e, err);
}

int ctd_images_list_parse(const void *msg, size_t len,
			  void (*fn)(void *ctx, const struct ctd_image *img), void *ctx, int *err)
{
	struct each e = {.fn.img = fn, .ctx = ctx};
	struct ctd_image img;

	return pb_decode_each(msg, len, 1, image_tab, sizeof(image_tab) / sizeof(image_tab[0]),
			      &img, image_reset, each_img, &e, err);
}
