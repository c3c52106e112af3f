/* One line of Podman's event log: see podevent.h. */
#include <string.h>

#include "podevent.h"

/* A string member that must be 64 characters to count (ids); "" otherwise. -1: not a string. */
static int id_of(const struct jp *d, const char *key, char out[65])
{
	int t = jp__key(d, 0, key);
	long n;

	out[0] = '\0';
	if (t < 0)
		return 0;
	n = jp__str(d, t, out, 65);
	if (n != 64)
		out[0] = '\0';
	return n < 0 ? -1 : 0;
}

/* Token of string member key, or -1 when absent; -2 when it is there with another type. */
static int str_of(const struct jp *d, const char *key)
{
	int t = jp__key(d, 0, key);

	if (t < 0)
		return -1;
	return jp__str(d, t, NULL, 0) < 0 ? -2 : t;
}

int podevent__parse(struct podevent *ev, struct jp *doc, const char *line, size_t len)
{
	static const struct {
		const char *name;
		enum podevent_type type;
	} types[] = {{"container", PE_CONTAINER}, {"pod", PE_POD}, {"image", PE_IMAGE}};
	int t;

	memset(ev, 0, sizeof(*ev));
	if (jp__parse(doc, line, len) < 0 || !jp__is_obj(doc, 0))
		return -1;
	t = jp__key(doc, 0, "Type");
	if (jp__str(doc, t, NULL, 0) < 0)
		return -1;
	ev->type = PE_OTHER;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (jp__str_eq(doc, t, types[i].name))
			ev->type = types[i].type;
	jp__str(doc, jp__key(doc, 0, "Status"), ev->status, sizeof(ev->status));
	ev->name = str_of(doc, "Name");
	ev->image = str_of(doc, "Image");
	if (ev->name == -2 || ev->image == -2 || id_of(doc, "ID", ev->id) < 0 ||
	    id_of(doc, "PodID", ev->pod_id) < 0)
		return -1;
	ev->attrs = jp__key(doc, 0, "Attributes");
	if (!jp__is_obj(doc, ev->attrs))
		ev->attrs = -1;
	return 0;
}
