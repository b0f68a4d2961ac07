// SPDX-License-Identifier: GPL-2.0
/*
 * A results directory, as 'mmstall report' and 'gate' read one: the input
 * is up to four NUL-separated parts (a NUL ends a JSON text, so the
 * mutator moves the borders freely):
 *
 *   part 0, 1   results a/0.json, a/1.json
 *   part 2      result  b/2.json: a second directory, merged (LABEL@HOST...)
 *   part 3      a/compare.json: a compare's settings (its rule)
 *
 * (an empty part writes no file).  The set is loaded (runset_load), its
 * compare rule applied and summarised (summary_build, as summary_open()
 * does; runs of different experiments then again with --allow-mixed, so
 * the pooled path is reached too), and every report format rendered.
 *
 * Oracle: a refusal comes with a message; the json format is JSON; the
 * html format escapes what the files say (no "<mmfuzz" from an input
 * appears unescaped; the dictionary and seeds carry that tag).
 */
#include "tests/fuzz/fuzz_common.h"

#include <jansson.h>

#include "harness/report.h"
#include "harness/runs.h"
#include "harness/summary.h"
#include "harness/util.h"

#define NR_PARTS 4

static void render_all(const struct summary *s)
{
	size_t i;

	for (i = 0; i < report_nr_formats; i++) {
		const struct report_format *fmt = report_formats[i];
		char *out = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&out, &len);
		int ret;

		if (!m)
			abort();
		ret = fmt->render(m, s);
		if (fclose(m))
			abort();
		if (!ret && !strcmp(fmt->name, "json")) {
			json_error_t je;
			json_t *j = json_loads(out, 0, &je);

			if (!j)
				fuzz_fail("the json report is not JSON: %d:%d: %s", je.line, je.column, je.text);
			json_decref(j);
		}
		if (!ret && !strcmp(fmt->name, "html") && strstr(out, "<mmfuzz"))
			fuzz_fail("the html report carries a tag from an input unescaped");
		free(out);
	}
}

static void summarise(struct runset *rs, const struct summary_rule *given_rule)
{
	static const struct summary_given none;
	struct summary_rule rule = *given_rule;
	struct summary s;
	char err[2048];
	int ret;

	summary_rule_from_json(&rule, &none, json_object_get(rs->compare, "rule"));
	err[0] = '\0';
	ret = summary_build(&s, rs, NULL, &rule, err, sizeof(err));
	if (ret && !err[0])
		fuzz_fail("summary_build() failed (%d) without a message", ret);
	if (!ret) {
		render_all(&s);
		(void)summary_decided(&s, NULL);
		(void)summary_decided(&s, "maps");
	}
	summary_free(&s);
	if (ret && !rule.allow_mixed && runset_check_comparable(rs, err, sizeof(err))) {
		rule = *given_rule;
		rule.allow_mixed = true;
		summarise(rs, &rule);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[NR_PARTS] = { "a/0.json", "a/1.json", "b/2.json", "a/compare.json" };
	const uint8_t *p = data, *end = data + size;
	char path[PATH_MAX], a[PATH_MAX], b[PATH_MAX], err[2048];
	char *paths[2] = { a, b };
	struct summary_rule rule;
	struct runset rs;
	size_t k;
	int ret;

	snprintf(a, sizeof(a), "%s/a", fuzz_dir());
	snprintf(b, sizeof(b), "%s/b", fuzz_dir());
	rm_rf(a);
	rm_rf(b);
	mkdir(a, 0700);
	mkdir(b, 0700);
	for (k = 0; k < NR_PARTS && p <= end; k++) {
		const uint8_t *nul = memchr(p, '\0', (size_t)(end - p));
		size_t n = nul ? (size_t)(nul - p) : (size_t)(end - p);

		if (n) {
			snprintf(path, sizeof(path), "%s/%s", fuzz_dir(), names[k]);
			fuzz_write(path, p, n);
		}
		p += n + 1;
	}
	err[0] = '\0';
	/* the second directory only when it has a file: an empty one is an error of its own */
	snprintf(path, sizeof(path), "%s/%s", fuzz_dir(), names[2]);
	ret = runset_load(&rs, paths, access(path, F_OK) ? 1 : 2, err, sizeof(err));
	if (ret && !err[0])
		fuzz_fail("runset_load() failed (%d) without a message", ret);
	if (ret)
		return 0;
	summary_rule_defaults(&rule);
	summarise(&rs, &rule);
	runset_free(&rs);
	return 0;
}
