/*
 * CRI-O backend: the Kubernetes CRI (runtime.v1.RuntimeService) over HTTP/2 on CRI-O's socket.
 * Any CRI runtime answers the same way; the tests point it at containerd's CRI plugin.
 *
 * Create: ContainerStatus; a pod sandbox is no CRI container (NotFound), so on NotFound
 * PodSandboxStatus, which answers only once RunPodSandbox has returned, ~100 ms after the
 * sandbox's cgroup appeared (REPORT.md section 9): the engine's retries cover that wait.
 * Remove: ContainerStatus for the exit code, finish time and OOM kill; "not yet" while CRI still
 * reports the container running; a sandbox has no exit details.
 *
 * A socket that serves no CRI answers UNIMPLEMENTED ("unknown service runtime.v1.RuntimeService"):
 * containerd without its CRI plugin, as Docker's own runs, or a runtime older than CRI v1.
 */
#include <string.h>

#include "backend.h"
#include "be_grpc.h"
#include "codec/cri.h"
#include "codec/grpc.h"
#include "codec/grpc_meta.h"

enum {
	STEP_START,
	STEP_CONTAINER, /* ContainerStatus */
	STEP_SANDBOX,	/* PodSandboxStatus */
};

static int crio_request(struct be_lookup *lk, struct be_request *rq)
{
	struct buf b;
	size_t mark;

	if (lk->step == STEP_START)
		lk->step = STEP_CONTAINER;
	be_grpc_begin(rq, &b, &mark);
	if (lk->step == STEP_CONTAINER) {
		cri_container_status_req(&b, lk->id, false);
		return be_grpc_end(lk, rq, &b, mark, CRI_SVC, CRI_METHOD_CONTAINER_STATUS, NULL);
	}
	cri_sandbox_status_req(&b, lk->id, false);
	return be_grpc_end(lk, rq, &b, mark, CRI_SVC, CRI_METHOD_SANDBOX_STATUS, NULL);
}

/* A status other than OK and NOT_FOUND; UNIMPLEMENTED named so that the user can act on it. */
static enum be_result crio_error(struct be_lookup *lk, int code)
{
	if (code != GRPC_UNIMPLEMENTED)
		return be_grpc_error(lk, code);
	lk->err = "grpc unimplemented: the runtime does not serve CRI (runtime.v1.RuntimeService)";
	return BE_ERROR;
}

/* Store g: the create-time fields when wanted, the exit details on removal. */
static enum be_result keep(struct be_lookup *lk, const struct grpc_meta *g)
{
	if ((lk->kind == BE_CREATE || lk->need_meta) && !lk->got_meta) {
		if (be_grpc_meta_create(lk->m, g) < 0)
			goto nomem;
		lk->got_meta = true;
	}
	if (lk->kind == BE_REMOVE && be_grpc_meta_exit(lk->m, g) < 0)
		goto nomem;
	return BE_DONE;
nomem:
	lk->err = "out of memory";
	return BE_ERROR;
}

static enum be_result on_container(struct be_lookup *lk, int code, const uint8_t *msg,
				   size_t len)
{
	struct cri_container c;
	struct grpc_meta g;
	int err;

	if (code == GRPC_NOT_FOUND) {
		lk->step = STEP_SANDBOX;
		return BE_MORE;
	}
	if (code != GRPC_OK)
		return crio_error(lk, code);
	if (cri_container_parse(msg, len, &c, &err) < 0)
		return be_grpc_bad_pb(lk, err);
	grpc_meta_from_cri_container(&g, &c);
	if (lk->kind == BE_REMOVE && !g.have_exit && c.state != CRI_CONTAINER_UNKNOWN) {
		/* Keep who it is for the retry, which will not ask for it again. */
		if (keep(lk, &g) == BE_ERROR)
			return BE_ERROR;
		return BE_NOTYET;
	}
	return keep(lk, &g);
}

static enum be_result on_sandbox(struct be_lookup *lk, int code, const uint8_t *msg, size_t len)
{
	struct cri_sandbox s;
	struct grpc_meta g;
	int err;

	if (code == GRPC_NOT_FOUND)
		return BE_NOTFOUND;
	if (code != GRPC_OK)
		return crio_error(lk, code);
	if (cri_sandbox_parse(msg, len, &s, &err) < 0)
		return be_grpc_bad_pb(lk, err);
	grpc_meta_from_cri_sandbox(&g, &s);
	return keep(lk, &g);
}

static enum be_result crio_response(struct be_lookup *lk, const struct be_response *rs)
{
	const uint8_t *msg;
	size_t len;
	int code = be_grpc_answer(lk, rs, &msg, &len);

	if (code < 0)
		return BE_ERROR;
	if (lk->step == STEP_CONTAINER)
		return on_container(lk, code, msg, len);
	return on_sandbox(lk, code, msg, len);
}

const struct backend backend_crio = {
	.name = "crio",
	.id_ok = be_id_hex64,
	.request = crio_request,
	.response = crio_response,
};
