// SPDX-License-Identifier: GPL-2.0
#include "harness/result.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cmds.h"
#include "harness/util.h"
#include "version.h"

const struct pct_def result_pcts[] = {
	{ 50.0, "p50_ns", "p50" },
	{ 90.0, "p90_ns", "p90" },
	{ 99.0, "p99_ns", "p99" },
	{ 99.9, "p99_9_ns", "p99.9" },
};
const size_t result_nr_pcts = ARRAY_SIZE(result_pcts);

json_t *result_envelope(void)
{
	json_t *root = json_object(), *cmd = json_array();
	char t[64];
	int i;

	for (i = 0; i < mm_orig_argc; i++)
		json_array_append_new(cmd, json_string(mm_orig_argv[i]));
	iso8601_now(t, sizeof(t));
	json_object_set_new(root, "format_version", json_integer(RESULT_FORMAT_VERSION));
	json_object_set_new(root, "mmstall_version", json_string(MMSTALL_VERSION));
	json_object_set_new(root, "command_line", cmd);
	json_object_set_new(root, "start_time", json_string(t));
	json_object_set_new(root, "end_time", json_null());
	json_object_set_new(root, "status", json_string("running"));
	json_object_set_new(root, "error", json_null());
	return root;
}

void result_finish(json_t *root, const char *status, const char *error)
{
	char t[64];

	iso8601_now(t, sizeof(t));
	json_object_set_new(root, "end_time", json_string(t));
	json_object_set_new(root, "status", json_string(status));
	json_object_set_new(root, "error", error ? json_string(error) : json_null());
}

json_t *hist_to_json(const struct hist *h)
{
	json_t *o = json_object(), *few = json_object(), *b = json_array();
	size_t i;

	json_object_set_new(o, "count", json_integer((json_int_t)h->count));
	json_object_set_new(o, "min_ns", h->count ? json_integer((json_int_t)h->min_ns) : json_null());
	json_object_set_new(o, "max_ns", h->count ? json_integer((json_int_t)h->max_ns) : json_null());
	json_object_set_new(o, "mean_ns", h->count ? json_real(hist_mean(h)) : json_null());
	for (i = 0; i < result_nr_pcts; i++) {
		uint64_t need = hist_samples_needed(result_pcts[i].p);
		uint64_t v = hist_percentile(h, result_pcts[i].p);

		if (h->count >= need) {
			json_object_set_new(o, result_pcts[i].key, json_integer((json_int_t)v));
			continue;
		}
		/* Too few samples: no plain number, the estimate is kept aside. */
		json_object_set_new(o, result_pcts[i].key, json_null());
		if (h->count)
			json_object_set_new(few, result_pcts[i].key,
					    json_pack("{s:I,s:I}", "estimate_ns", (json_int_t)v,
						      "samples_needed", (json_int_t)need));
	}
	json_object_set_new(o, "few_samples", few);
	for (i = 0; i < HIST_NR_BUCKETS; i++) {
		uint64_t lo, hi;

		if (!h->buckets[i])
			continue;
		hist_bucket_range(i, &lo, &hi);
		json_array_append_new(b, json_pack("[I,I,I]", (json_int_t)lo, (json_int_t)hi,
						   (json_int_t)h->buckets[i]));
	}
	json_object_set_new(o, "buckets", b);
	return o;
}

int hist_from_json(const json_t *rec, struct hist *h)
{
	json_t *buckets = json_object_get(rec, "buckets"), *b, *v;
	json_int_t lo, hi, n;
	size_t i;

	hist_init(h);
	if (!json_is_array(buckets))
		return -EINVAL;
	json_array_foreach(buckets, i, b) {
		if (json_unpack(b, "[III]", &lo, &hi, &n) || lo < 0 || n < 0)
			return -EINVAL;
		hist_add_bucket(h, (uint64_t)lo, (uint64_t)n);
	}
	if ((v = json_object_get(rec, "min_ns")) && json_is_integer(v))
		h->min_ns = json_integer_value(v);
	if ((v = json_object_get(rec, "max_ns")) && json_is_integer(v))
		h->max_ns = json_integer_value(v);
	if ((v = json_object_get(rec, "mean_ns")) && json_is_number(v))
		h->sum_ns = (uint64_t)(json_number_value(v) * (double)h->count);
	if ((v = json_object_get(rec, "count")) && json_integer_value(v) != (json_int_t)h->count)
		return -EINVAL;
	return 0;
}

int result_save(const char *path, const json_t *root)
{
	char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	int ret;

	if (!s)
		return -ENOMEM;
	ret = write_file_atomic(path, s, strlen(s));
	free(s);
	return ret;
}

int result_check(const json_t *root, char *err, size_t errlen)
{
	static const struct {
		const char *key;
		json_type type;
	} top[] = {
		{ "format_version", JSON_INTEGER }, { "status", JSON_STRING }, { "scenario", JSON_OBJECT },
		{ "probes", JSON_OBJECT },
	};
	const json_t *v;
	size_t i;

	if (!json_is_object(root)) {
		snprintf(err, errlen, "a result is a JSON object");
		return -EINVAL;
	}
	for (i = 0; i < ARRAY_SIZE(top); i++) {
		v = json_object_get(root, top[i].key);
		/* a run that failed early may have no probes yet */
		if (!v && !strcmp(top[i].key, "probes"))
			continue;
		if (!v || json_typeof(v) != top[i].type) {
			snprintf(err, errlen, "\"%s\" is %s, not %s", top[i].key, v ? "of the wrong type" : "missing",
				 top[i].type == JSON_OBJECT ? "an object" : top[i].type == JSON_STRING ? "a string"
													 : "an integer");
			return -EINVAL;
		}
	}
	return 0;
}

json_t *result_load(const char *path, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root, *v;

	root = json_load_file(path, 0, &je);
	if (!root) {
		snprintf(err, errlen, "%s:%d:%d: %s", path, je.line, je.column, je.text);
		return NULL;
	}
	v = json_object_get(root, "format_version");
	if (!json_is_integer(v) || json_integer_value(v) != RESULT_FORMAT_VERSION) {
		snprintf(err, errlen, "%s: not an mmstall result of format version %d", path,
			 RESULT_FORMAT_VERSION);
		json_decref(root);
		return NULL;
	}
	return root;
}
