// SPDX-License-Identifier: GPL-2.0
/*
 * One result file, as a guest or a user may leave it: the input is parsed
 * as result_load() parses a file and decoded by result_decode(); a result
 * that decodes is then read the ways the tools read one: each probe's
 * statistics and stall index, its histogram rebuilt (hist_from_json), the
 * per-run table 'mmstall run' prints, and result_save() (which derives the
 * stall indexes) followed by result_read() of what it wrote.
 *
 * Oracle: a refusal comes with a message; a result that decoded is still
 * a well-formed result once saved (a host saving a guest's result must not
 * turn it into a file its own reader refuses).
 */
#include "tests/fuzz/fuzz_common.h"

#include <jansson.h>

#include "harness/hist.h"
#include "harness/report.h"
#include "harness/result.h"
#include "harness/util.h"

static FILE *devnull;

static void read_probes(const struct run_result *r)
{
	const json_t *probes = json_object_get(r->raw, "probes");
	struct hist h;
	size_t i;
	int st;

	for (i = 0; i < r->nr_probes; i++) {
		const struct probe_result *p = &r->probes[i];
		const json_t *o = json_object_get(probes, p->name);

		if (result_probe(r, p->name) != p)
			fuzz_fail("probe '%s' not found by its name", p->name);
		for (st = 0; st < RESULT_NR_STATS; st++)
			(void)probe_stat_value(p, st);
		(void)probe_takes_lo_lock(p);
		hist_from_json(json_object_get(o, "corrected"), &h);
		hist_from_json(json_object_get(o, "service"), &h);
	}
}

static void save_and_read_back(json_t *root)
{
	char path[PATH_MAX], err[1024];
	struct run_result back;

	snprintf(path, sizeof(path), "%s/result.json", fuzz_dir());
	if (result_save(path, root))
		fuzz_fail("result_save() of a decoded result failed");
	err[0] = '\0';
	if (result_read(path, &back, err, sizeof(err)))
		fuzz_fail("a decoded result, once saved, no longer reads: %s", err);
	result_free(&back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct run_result *runs[1];
	const char *labels[1] = { "fuzz" };
	struct run_result r;
	char err[1024], *text;
	json_t *root;
	int ret;

	if (!devnull && !(devnull = fopen("/dev/null", "w")))
		abort();
	text = fuzz_str(data, size);
	root = json_loads(text, 0, NULL);	/* as result_load() */
	free(text);
	if (!root)
		return 0;
	err[0] = '\0';
	ret = result_decode(root, &r, err, sizeof(err));
	if (ret && !err[0])
		fuzz_fail("result_decode() failed (%d) without a message", ret);
	if (!ret) {
		read_probes(&r);
		runs[0] = &r;
		result_print_table(devnull, runs, labels, 1);
		result_free(&r);
		save_and_read_back(root);
	}
	json_decref(root);
	return 0;
}
