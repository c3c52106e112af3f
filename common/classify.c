#include <string.h>

#include "classify.h"

#define ID_HEX_LEN 64

struct comp {
	const char *s;
	size_t len;
};

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_hex(s[i]))
			return false;
	return true;
}

static bool is_id64(const char *s, size_t n)
{
	return n == ID_HEX_LEN && all_hex(s, n);
}

/* Cloud Foundry Garden: five groups of hex digits, 8-4-4-4-4. */
static bool is_garden(const char *s, size_t n)
{
	static const size_t group[] = {8, 4, 4, 4, 4};
	size_t p = 0;

	if (n != 28)
		return false;
	for (size_t g = 0; g < 5; g++) {
		if (g && s[p++] != '-')
			return false;
		if (!all_hex(s + p, group[g]))
			return false;
		p += group[g];
	}
	return true;
}

static bool starts(struct comp c, const char *prefix, struct comp *rest)
{
	size_t n = strlen(prefix);

	if (c.len < n || memcmp(c.s, prefix, n))
		return false;
	rest->s = c.s + n;
	rest->len = c.len - n;
	return true;
}

/* The text after the last occurrence of needle in c, if any. */
static bool after_last(struct comp c, const char *needle, struct comp *rest)
{
	size_t n = strlen(needle);
	bool found = false;

	for (size_t i = 0; i + n <= c.len; i++) {
		if (!memcmp(c.s + i, needle, n)) {
			rest->s = c.s + i + n;
			rest->len = c.len - i - n;
			found = true;
		}
	}
	return found;
}

static bool comp_is(struct comp c, const char *s)
{
	return c.len == strlen(s) && !memcmp(c.s, s, c.len);
}

/*
 * One component, with its parent (len 0 at the top). Returns the runtime, or NULL when this
 * component names no container; *id is set to the container id.
 */
static const char *match(struct comp raw, struct comp parent, struct comp *id)
{
	struct comp c = raw, rest;

	if (c.len > 6 && !memcmp(c.s + c.len - 6, ".scope", 6))
		c.len -= 6;

	if (starts(c, "docker-", &rest))
		return is_id64(rest.s, rest.len) ? (*id = rest, "docker") : NULL;
	if (starts(c, "crio-", &rest))
		return is_id64(rest.s, rest.len) ? (*id = rest, "crio") : NULL; /* crio-conmon-: no */
	if (starts(c, "cri-containerd-", &rest))
		return is_id64(rest.s, rest.len) ? (*id = rest, "containerd") : NULL;
	if (starts(c, "libpod-", &rest))
		return is_id64(rest.s, rest.len) ? (*id = rest, "podman") : NULL; /* libpod-conmon-: no */
	if (starts(c, "nerdctl-", &rest))
		return is_id64(rest.s, rest.len) ? (*id = rest, "containerd") : NULL;
	if (after_last(c, ":cri-containerd:", &rest))
		return is_id64(rest.s, rest.len) ? (*id = rest, "containerd") : NULL;
	if (starts(raw, "lxc.payload.", &rest))
		return rest.len ? (*id = rest, "lxc") : NULL;
	/* As Tracee: one ".scope" is dropped wherever an id can stand, bare ids too. */
	if (is_id64(c.s, c.len)) {
		/* Podman's cgroupfs pods: /libpod_parent/<pod id> holds the pod, not a container. */
		if (comp_is(parent, "libpod_parent"))
			return NULL;
		*id = c;
		/* Bare ids: only Docker's own parents tell the runtime; ctrenrich finds the rest. */
		if (comp_is(parent, "docker") || comp_is(parent, "actions_job"))
			return "docker";
		return "unknown";
	}
	if (is_garden(c.s, c.len)) {
		*id = c;
		return "garden";
	}
	return NULL;
}

bool cgroup_classify(const char *path, size_t len, struct cgroup_class *c)
{
	size_t end = len;
	bool last = true;

	while (end > 0) {
		size_t start = end;
		struct comp comp, parent = {path, 0}, id;
		const char *rt;

		while (start > 0 && path[start - 1] != '/')
			start--;
		comp.s = path + start;
		comp.len = end - start;
		if (start > 0) {
			size_t pe = start - 1, ps = pe;

			while (ps > 0 && path[ps - 1] != '/')
				ps--;
			parent.s = path + ps;
			parent.len = pe - ps;
		}
		if (comp.len) {
			rt = match(comp, parent, &id);
			if (rt) {
				c->runtime = rt;
				c->id = id.s;
				c->id_len = id.len;
				c->root = last;
				return true;
			}
			last = false;
		}
		end = start ? start - 1 : 0;
	}
	return false;
}
