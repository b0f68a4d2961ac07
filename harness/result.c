// SPDX-License-Identifier: GPL-2.0
/*
 * Result files: the format's tables (percentiles, statistics, keys shared
 * by the writer and the decoder), the statistics of a decoded probe, and
 * saving and loading.  Writing each object: result_write.c; decoding:
 * result_decode.c.
 */
#include "harness/result.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/util.h"

const struct pct_def result_pcts[] = {
	{ 50.0, "p50_ns", "p50" },
	{ 90.0, "p90_ns", "p90" },
	{ 99.0, "p99_ns", "p99" },
	{ 99.9, "p99_9_ns", "p99.9" },
};
const size_t result_nr_pcts = ARRAY_SIZE(result_pcts);
_Static_assert(ARRAY_SIZE(result_pcts) == RESULT_NR_PCTS, "RESULT_NR_PCTS");

const struct result_stat_def result_stats[RESULT_NR_STATS] = {
	[STAT_P50] = { "p50", "p50_ns", "p50", 0 },
	[STAT_P99] = { "p99", "p99_ns", "p99", 2 },
	[STAT_P99_9] = { "p99.9", "p99_9_ns", "p99_9", 3 },
	[STAT_MAX] = { "max", "max_ns", "max", -1 },
};

const char *const result_io_stat_keys[RESULT_NR_IO_STAT] = {
	[RESULT_IO_RBYTES] = "rbytes", [RESULT_IO_WBYTES] = "wbytes", [RESULT_IO_RIOS] = "rios",
	[RESULT_IO_WIOS] = "wios",     [RESULT_IO_DBYTES] = "dbytes", [RESULT_IO_DIOS] = "dios",
};
const char *const result_psi_keys[RESULT_NR_PSI] = {
	[RESULT_PSI_CPU] = "cpu", [RESULT_PSI_MEMORY] = "memory", [RESULT_PSI_IO] = "io",
};

const char *const result_phase_keys[RESULT_NR_PHASES] = {
	[RESULT_PH_SETUP] = "setup_s",   [RESULT_PH_BASELINE] = "device_baseline_s",
	[RESULT_PH_WARMUP] = "warmup_s", [RESULT_PH_WINDOW] = "window_s",
	[RESULT_PH_DRAIN] = "drain_s",   [RESULT_PH_TEARDOWN] = "teardown_s",
};

int result_stat_parse(const char *name)
{
	int i;

	for (i = 0; i < RESULT_NR_STATS; i++)
		if (!strcmp(result_stats[i].name, name))
			return i;
	return -1;
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

/* ---- the derived stall index ---- */

struct stat_value probe_stat_value(const struct probe_result *p, enum result_stat st)
{
	const struct lat_record *c = &p->corrected;
	struct stat_value s = { 0 };
	int k = result_stats[st].pct;

	if (k >= 0 && c->pct[k].known) {
		s.known = true;
		s.v = c->pct[k].ns;
	} else if (k < 0 && c->has_extremes) {
		s.known = true;
		s.v = c->max_ns;
	}
	/* a censored sample recorded at or below v may truly lie above it */
	s.lower_bound = s.known && p->censored && p->censored_min_ns <= s.v;
	return s;
}

bool probe_takes_lo_lock(const struct probe_result *p)
{
	return p->lock_of && !strncmp(p->lock_of, "lo", 2);
}

static json_t *index_json(const struct probe_result *p)
{
	json_t *o = json_object(), *lb = json_array(), *ub = json_array();
	int st;

	for (st = 0; st < RESULT_NR_STATS; st++) {
		const struct stat_value *x = &p->index[st];

		json_object_set_new(o, result_stats[st].index_key, x->known ? json_real(x->v) : json_null());
		if (x->known && x->lower_bound)
			json_array_append_new(lb, json_string(result_stats[st].index_key));
		if (x->known && x->upper_bound)
			json_array_append_new(ub, json_string(result_stats[st].index_key));
	}
	json_object_set_new(o, "lower_bound", lb);
	json_object_set_new(o, "upper_bound", ub);
	return o;
}

/* ---- files ---- */

int result_save(const char *path, json_t *root)
{
	json_t *probes = json_object_get(root, "probes");
	struct run_result r;
	char err[256], *s;
	size_t i;
	int ret;

	/* the derived fields, as the decoder computes them (a result not yet complete has none to derive) */
	if (json_is_object(probes) && !result_decode(root, &r, err, sizeof(err))) {
		for (i = 0; i < r.nr_probes; i++) {
			json_t *p = json_object_get(probes, r.probes[i].name);

			if ((int)i == r.control)
				json_object_del(p, "stall_index");
			else
				json_object_set_new(p, "stall_index", index_json(&r.probes[i]));
		}
		result_free(&r);
	}
	s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!s)
		return -ENOMEM;
	ret = write_file_atomic(path, s, strlen(s));
	free(s);
	return ret;
}

json_t *result_load(const char *path, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root, *v;
	char *text;

	int ret = read_file_capped(path, RESULT_MAX_BYTES, &text, NULL);

	if (ret) {
		snprintf(err, errlen, "%s: %s", path,
			 ret == -EINVAL ? "not a regular file (a result is a .json file)"
			 : ret == -EFBIG ? "larger than any result can be (" STRINGIFY(RESULT_MAX_MIB) " MiB)"
					 : strerror(-ret));
		return NULL;
	}
	root = json_loads(text, 0, &je);
	free(text);
	if (!root) {
		snprintf(err, errlen, "%s:%d:%d: %s", path, je.line, je.column, je.text);
		return NULL;
	}
	v = json_object_get(root, "format_version");
	if (!json_is_integer(v) || json_integer_value(v) != RESULT_FORMAT_VERSION) {
		snprintf(err, errlen, "%s: not an mmstall result of format version %d", path, RESULT_FORMAT_VERSION);
		json_decref(root);
		return NULL;
	}
	return root;
}

int result_read(const char *path, struct run_result *r, char *err, size_t errlen)
{
	char why[512];
	json_t *root = result_load(path, err, errlen);
	int ret;

	if (!root)
		return -EINVAL;
	ret = result_decode(root, r, why, sizeof(why));
	json_decref(root);
	if (ret)
		snprintf(err, errlen, "%s: not a well-formed result: %s", path, why);
	return ret;
}
