/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Result files: one JSON document per run, built with jansson and written
 * atomically.  results/README.md documents every field; bump
 * RESULT_FORMAT_VERSION when a field changes meaning.
 */
#ifndef MMSTALL_RESULT_H
#define MMSTALL_RESULT_H

#include <jansson.h>

#include "harness/hist.h"

#define RESULT_FORMAT_VERSION 1

/*
 * 'mmstall run' prints this on stderr when the warm-up starts: before it,
 * nothing has been measured (mmstall vm retries a guest that panicked
 * before it; see boot_retrying()).
 */
#define RUN_MEASURE_START_MARK "measurement starts:"

/* Percentiles every latency record carries, and their JSON keys. */
struct pct_def {
	double p;
	const char *key;	/* "p99_ns" */
	const char *label;	/* "p99" */
};
extern const struct pct_def result_pcts[];
extern const size_t result_nr_pcts;

/* Envelope: format version, tool version, command line, start time, status "running". */
json_t *result_envelope(void);
/* Set end time and status ("ok" or "failed", with error message or NULL). */
void result_finish(json_t *root, const char *status, const char *error);

/*
 * Latency record of one histogram: count, min/max/mean, percentiles (null
 * when there are too few samples for them, the estimate then kept under
 * "few_samples"), and the non-empty buckets as [lo_ns, hi_ns, count].
 */
json_t *hist_to_json(const struct hist *h);
/* Rebuild a histogram from hist_to_json()'s output (report, merge). */
int hist_from_json(const json_t *rec, struct hist *h);

/* Write atomically (temp file + fsync + rename). Returns 0 or -errno. */
int result_save(const char *path, const json_t *root);
/*
 * Is root shaped like a result (the objects and types results/README.md
 * documents)?  A result from a guest is untrusted input: one of the wrong
 * shape is a failed run, never an ok run with an empty table.  0, or
 * -EINVAL with err naming the first key that is wrong and what it must be.
 */
int result_check(const json_t *root, char *err, size_t errlen);
/* Load and check format_version; on error returns NULL with a message in err. */
json_t *result_load(const char *path, char *err, size_t errlen);

#endif
