/* Fuzz target: the record reader, its getters, and pass-through copying. */
#include "fuzz.h"

#include "jsonw.h"
#include "rec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rec r;
	const char *err;
	char buf[128];
	char *out = NULL;
	size_t outlen = 0;
	FILE *f;
	struct jsonw w;
	static const char *const skip[] = {"event", "path", NULL};

	if (rec_parse(&r, (const char *)data, size, &err) < 0)
		return 0;
	for (unsigned i = 0; i < rec_nfields(&r); i++) {
		uint64_t u;
		int64_t v;
		bool b;
		size_t len;

		rec_str(&r, (int)i, buf, sizeof(buf));
		rec_u64(&r, (int)i, &u);
		rec_i64(&r, (int)i, &v);
		rec_bool(&r, (int)i, &b);
		rec_raw(&r, (int)i, &len);
		rec_key(&r, (int)i, &len);
		rec_str_eq(&r, (int)i, "cgroup_mkdir");
		/* A key decodes to no more bytes than it has, and is found by what it decodes to. */
		size_t kl;
		const char *kt = rec_key_text(&r, (int)i, &kl);

		if (kl > len)
			abort();
		if (kl < sizeof(buf)) {
			memcpy(buf, kt, kl);
			buf[kl] = '\0';
			if (rec_find(&r, buf) < 0 || rec_find(&r, buf) > (int)i || !rec_key_is(&r, (int)i, buf))
				abort();
		}
	}
	rec_find(&r, "path");
	f = open_memstream(&out, &outlen);
	if (!f)
		return 0;
	jsonw_init(&w, f);
	jsonw_obj_open(&w, NULL);
	rec_copy_fields(&r, &w, skip);
	if (rec_find(&r, "path") >= 0) {
		long n = rec_str(&r, rec_find(&r, "path"), buf, sizeof(buf));

		if (n >= 0)
			jsonw_strn(&w, "path", buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	}
	jsonw_obj_close(&w);
	fclose(f);
	/* What the writer made of a valid record must itself be a valid record. */
	if (outlen && rec_parse(&r, out, outlen - 1, &err) < 0 && strcmp(err, "missing field \"event\"") &&
	    strcmp(err, "missing field \"ts\"")) {
		fprintf(stderr, "writer output rejected (%s): %.*s\n", err, (int)outlen, out);
		abort();
	}
	free(out);
	return 0;
}
