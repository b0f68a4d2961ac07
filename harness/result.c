// SPDX-License-Identifier: GPL-2.0
/*
 * Result files: the format's tables (percentiles, statistics, keys shared
 * by the writer and the decoder) and the statistics of a decoded probe.
 * Writing each object: result_write.c; decoding: result_decode.c; saving
 * and loading files: result_file.c.
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
	if ((v = json_object_get(rec, "mean_ns")) && json_is_number(v)) {
		double sum = json_number_value(v) * (double)h->count;

		/* a mean no count of samples can have is no histogram (and no cast of it is defined) */
		if (!(sum >= 0 && sum < 0x1p64))
			return -EINVAL;
		h->sum_ns = (uint64_t)sum;
	}
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
