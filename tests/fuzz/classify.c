/* Fuzz target: ctrdetect's cgroup path classifier. */
#include "fuzz.h"

#include "classify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	struct cgroup_class c;

	if (!cgroup_classify(p, size, &c))
		return 0;
	/*
	 * The id lies inside the path and is never empty; a root's id is in the last component
	 * (but for a ".scope" and trailing slashes).
	 */
	CHECK(c.id >= p && c.id + c.id_len <= p + size && c.id_len != 0 && c.runtime);
	CHECK(!memchr(c.id, '/', c.id_len));
	if (c.root) {
		const char *q = c.id + c.id_len, *end = p + size;

		if (end - q >= 6 && !memcmp(q, ".scope", 6))
			q += 6;
		for (; q < end; q++)
			CHECK(*q == '/');
	}
	return 0;
}
