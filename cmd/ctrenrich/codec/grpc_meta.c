/* What containerd and CRI said, mapped to ctrenrich's fields: see grpc_meta.h. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "grpc_meta.h"

static const struct pb_str empty = {"", 0};

void grpc_meta__init(struct grpc_meta *g)
{
	memset(g, 0, sizeof(*g));
	g->name = g->image = g->digest = empty;
	g->pod_name = g->pod_namespace = g->pod_uid = empty;
}

void grpc_meta_from_ctd(struct grpc_meta *g, const struct ctd_container *c,
			const struct ctd_image *img)
{
	grpc_meta__init(g);
	/* Tracee reads only io.kubernetes.container.name: ctr and nerdctl containers had no name. */
	g->name = c->container_name.len ? c->container_name : c->nerdctl_name;
	g->image = img && img->name.len ? img->name : c->image;
	if (img)
		g->digest = img->digest;
	g->pod_name = c->pod_name;
	g->pod_namespace = c->pod_namespace;
	g->pod_uid = c->pod_uid;
	g->sandbox = pb_str_eq(c->kind, "sandbox");
}

bool grpc_meta_exit_from_ctd_task(struct grpc_meta *g, const struct ctd_task *t)
{
	if (t->status != CTD_TASK_STOPPED)
		return false;
	g->have_exit = true;
	g->exit_code = t->exit_status;
	g->finished_at = t->exited_at;
	g->oom_killed = t->exit_reason == CTD_EXIT_OOMKILLED;
	return true;
}

void grpc_meta_from_cri_container(struct grpc_meta *g, const struct cri_container *c)
{
	grpc_meta__init(g);
	g->name = c->name;
	g->image = c->image;
	g->digest = c->image_ref;
	g->pod_name = c->pod_name;
	g->pod_namespace = c->pod_namespace;
	g->pod_uid = c->pod_uid;
	g->sandbox = pb_str_eq(c->crio_type, "sandbox");
	if (c->state == CRI_CONTAINER_EXITED) {
		g->have_exit = true;
		g->exit_code = c->exit_code;
		g->finished_at = c->finished_at > 0 ? c->finished_at : 0;
		g->oom_killed = pb_str_eq(c->reason, "OOMKilled");
	}
}

void grpc_meta_from_cri_sandbox(struct grpc_meta *g, const struct cri_sandbox *s)
{
	grpc_meta__init(g);
	g->pod_name = s->name.len ? s->name : s->pod_name;
	g->pod_namespace = s->namespace.len ? s->namespace : s->pod_namespace;
	g->pod_uid = s->uid.len ? s->uid : s->pod_uid;
	g->sandbox = true;
}

int grpc_time_rfc3339(char *buf, size_t bufsz, int64_t ns)
{
	time_t sec = (time_t)(ns / 1000000000);
	long frac = (long)(ns % 1000000000);
	char fbuf[16] = "";
	struct tm tm;
	int n;

	if (ns < 0 || !gmtime_r(&sec, &tm))
		return -1;
	if (frac) {
		int digits = 9;

		while (frac % 10 == 0) {
			frac /= 10;
			digits--;
		}
		snprintf(fbuf, sizeof(fbuf), ".%0*ld", digits, frac);
	}
	n = snprintf(buf, bufsz, "%04d-%02d-%02dT%02d:%02d:%02d%sZ", tm.tm_year + 1900,
		     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, fbuf);
	return n < 0 || (size_t)n >= bufsz ? -1 : n;
}
