/* Which cgroup hierarchies this host has, and where they are mounted. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <linux/types.h>
#include <string.h>

#include "cgtap.h"
#include "hier.h"

/* Undo mountinfo's octal escapes (\040 for a space) in place. */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

/* Is word one of the comma-separated items of list? */
static bool in_list(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	while (p && *p) {
		const char *e = strchr(p, ',');
		size_t l = e ? (size_t)(e - p) : strlen(p);

		if (l == n && !strncmp(p, word, n))
			return true;
		p = e ? e + 1 : NULL;
	}
	return false;
}

struct hier *hiers__find(struct hiers *hs, int id)
{
	for (int i = 0; i < hs->n; i++)
		if (hs->h[i].id == id)
			return &hs->h[i];
	return NULL;
}

static int read_proc_cgroup(struct hiers *hs)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	char *line = NULL;
	size_t cap = 0;
	bool v1 = false;

	if (!f)
		return -1;
	while (getline(&line, &cap, f) > 0 && hs->n < HIER_MAX) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		struct hier *h;

		if (!c2)
			continue;
		*c2 = '\0';
		h = &hs->h[hs->n];
		h->id = atoi(line);
		h->controllers = strdup(c1 + 1);
		if (!h->controllers)
			break;
		hs->n++;
		if (h->id != 0)
			v1 = true;
	}
	free(line);
	fclose(f);
	hs->pure_v2 = !v1 && hs->n > 0;
	return 0;
}

/* Fields of a mountinfo line: 5 mount point, 4 root; after " - ": type, source, super options. */
static void read_mountinfo(struct hiers *hs)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t cap = 0;

	if (!f)
		return;
	while (getline(&line, &cap, f) > 0) {
		char *fld[6] = {0}, *sep, *type, *opts, *save = NULL, *tok;
		int i = 0;

		line[strcspn(line, "\n")] = '\0';
		sep = strstr(line, " - ");
		if (!sep)
			continue;
		*sep = '\0';
		for (tok = strtok_r(line, " ", &save); tok && i < 6;
		     tok = strtok_r(NULL, " ", &save))
			fld[i++] = tok;
		type = strtok_r(sep + 3, " ", &save);
		(void)strtok_r(NULL, " ", &save);
		opts = strtok_r(NULL, " ", &save);
		if (i < 5 || !type || !opts)
			continue;
		for (int k = 0; k < hs->n; k++) {
			struct hier *h = &hs->h[k];
			char first[128];

			if (h->mount && !strcmp(h->mount_root, "/"))
				continue; /* a whole-hierarchy mount is already known */
			if (h->id == 0) {
				if (strcmp(type, "cgroup2"))
					continue;
			} else {
				snprintf(first, sizeof(first), "%.*s",
					 (int)strcspn(h->controllers, ","), h->controllers);
				if (strcmp(type, "cgroup") || !in_list(opts, first))
					continue;
			}
			free(h->mount);
			free(h->mount_root);
			h->mount = strdup(fld[4]);
			h->mount_root = strdup(fld[3]);
			if (!h->mount || !h->mount_root) {
				free(h->mount);
				h->mount = NULL;
				continue;
			}
			unescape(h->mount);
			unescape(h->mount_root);
		}
	}
	free(line);
	fclose(f);
}

int hiers__load(struct hiers *hs)
{
	memset(hs, 0, sizeof(*hs));
	if (read_proc_cgroup(hs))
		return -1;
	read_mountinfo(hs);
	return 0;
}

void hiers__free(struct hiers *hs)
{
	if (!hs)
		return;
	for (int i = 0; i < hs->n; i++) {
		free(hs->h[i].controllers);
		free(hs->h[i].mount);
		free(hs->h[i].mount_root);
	}
	hs->n = 0;
}

/* The hierarchy of a v1 controller (or name=X) as /proc/self/cgroup lists it, or NULL. */
static struct hier *by_controller(struct hiers *hs, const char *name)
{
	for (int i = 0; i < hs->n; i++)
		if (hs->h[i].id != 0 && in_list(hs->h[i].controllers, name))
			return &hs->h[i];
	return NULL;
}

/* Is controller enabled in /proc/cgroups on no v1 hierarchy (so cgroup2 may hold it)? */
static bool controller_on_v2(const char *name)
{
	FILE *f = fopen("/proc/cgroups", "re");
	char sub[64], head[256];
	int hid, n, en;
	bool found = false;

	if (!f)
		return false;
	if (!fgets(head, sizeof(head), f)) {
		fclose(f);
		return false; /* the header line */
	}
	while (fscanf(f, "%63s %d %d %d", sub, &hid, &n, &en) == 4)
		if (!strcmp(sub, name) && hid == 0 && en)
			found = true;
	fclose(f);
	return found;
}

int hiers__select(struct hiers *hs, const char *arg, int *id, char *why, size_t whycap)
{
	struct hier *h;
	char name[128];

	if (!strcmp(arg, "all")) {
		*id = CGTAP_ALL_HIERARCHIES;
		snprintf(why, whycap, "--hierarchy all: every hierarchy (%d on this host)", hs->n);
		return 0;
	}
	if (!strcmp(arg, "auto")) {
		if (hs->pure_v2) {
			*id = 0;
			snprintf(why, whycap,
				 "auto: a pure cgroup v2 host, so the cgroup2 hierarchy");
			return 0;
		}
		h = by_controller(hs, "cpuset");
		if (h) {
			*id = h->id;
			snprintf(
			    why, whycap,
			    "auto: a cgroup v1 or hybrid host, so the hierarchy that holds cpuset "
			    "(once per container)");
			return 0;
		}
		if (hiers__find(hs, 0)) {
			*id = 0;
			snprintf(why, whycap, "auto: no v1 hierarchy holds cpuset, so cgroup2");
			return 0;
		}
		return -1;
	}
	if (isdigit((unsigned char)arg[0])) {
		char *end;
		long v = strtol(arg, &end, 10);

		if (*end || v < 0 || v > 1 << 20 || !hiers__find(hs, (int)v))
			return -1;
		*id = (int)v;
		snprintf(why, whycap, "--hierarchy %ld", v);
		return 0;
	}
	if (!strcmp(arg, "unified") || !strcmp(arg, "cgroup2")) {
		if (!hiers__find(hs, 0))
			return -1;
		*id = 0;
		snprintf(why, whycap, "--hierarchy %s: the cgroup2 hierarchy", arg);
		return 0;
	}
	snprintf(name, sizeof(name), "%s%s", strchr(arg, '=') ? "" : "name=", arg);
	h = by_controller(hs, arg);
	if (!h)
		h = by_controller(hs, name);
	if (h) {
		*id = h->id;
		snprintf(why, whycap, "--hierarchy %s: the v1 hierarchy of %s", arg,
			 h->controllers);
		return 0;
	}
	if (hiers__find(hs, 0) && controller_on_v2(arg)) {
		*id = 0;
		snprintf(why, whycap, "--hierarchy %s: on no v1 hierarchy, so cgroup2", arg);
		return 0;
	}
	return -1;
}
