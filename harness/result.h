/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Result files: one JSON document per run, built with jansson and written
 * atomically; results/README.md documents every field.  This module owns
 * the format: the writers' shared pieces (envelope, latency records, the
 * derived stall index), and the one decoder, result_decode(), which turns a
 * document into a struct run_result.  Everything above (runs, summary,
 * reports, gate) reads the struct, never JSON keys.  Bump
 * RESULT_FORMAT_VERSION when a field changes meaning; new fields are
 * optional for the decoder, so older files still load.
 */
#ifndef MMSTALL_RESULT_H
#define MMSTALL_RESULT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
#define RESULT_NR_PCTS 4
extern const size_t result_nr_pcts;

/*
 * The statistics of a probe that comparisons and verdicts use: p50, p99,
 * p99.9 and max of the coordinated-omission-corrected latency.
 */
enum result_stat { STAT_P50, STAT_P99, STAT_P99_9, STAT_MAX, RESULT_NR_STATS };
struct result_stat_def {
	const char *name;	/* "p99.9": --stat, reports */
	const char *key;	/* "p99_9_ns": the latency record's key */
	const char *index_key;	/* "p99_9": the stall index's key */
	int pct;		/* index into result_pcts[], -1 for max */
};
extern const struct result_stat_def result_stats[RESULT_NR_STATS];
/* "p99" -> STAT_P99; -1 when unknown. */
int result_stat_parse(const char *name);

/* ---- writing ---- */

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

/*
 * Write atomically (temp file + fsync + rename).  The derived fields (each
 * probe's stall_index, from its values and the control's) are computed
 * from the measured ones first, so every stored result has them.
 * Returns 0 or -errno.
 */
int result_save(const char *path, json_t *root);

/* ---- reading ---- */

/* One statistic of one run: a value, or why there is none. */
struct stat_value {
	bool known;		/* a value (else: too few samples, or no such probe) */
	double v;		/* ns, or a ratio for a stall index */
	bool lower_bound;	/* censored samples may lie above it: the true value is >= v */
	bool upper_bound;	/* a stall index over a censored control: the true value is <= v */
};

struct lat_bucket {
	uint64_t lo_ns, hi_ns, count;
};

struct lat_record {
	bool present;
	uint64_t count;
	bool has_extremes;	/* min/max/mean known (count > 0) */
	double min_ns, max_ns, mean_ns;
	struct {
		bool known;
		double ns;
		double estimate_ns;	/* too few samples: the estimate, if stored */
		uint64_t needed;	/* too few samples: how many it takes (0: not stored) */
	} pct[RESULT_NR_PCTS];
	struct lat_bucket *buckets;
	size_t nr_buckets;
};

struct slow_rec {
	double t_s;		/* due time, s into the measured window */
	double corrected_ns, service_ns;
	int thread;
};

struct probe_result {
	const char *name, *what;
	const char *lock_of;		/* whose mmap_lock: "lo", "hi", "none" (or NULL: not stored) */
	bool control;
	uint64_t interval_ns;
	unsigned int threads;
	uint64_t errors, late;
	const char *first_error;
	/* samples due in the window that never completed (counted in corrected) */
	uint64_t censored;
	double censored_min_ns;
	struct lat_record corrected, service;
	struct slow_rec *slowest;
	size_t nr_slowest;
	bool has_slowest;	/* the field was stored (older results have none) */
	/* probe statistic / the control's, same run: always computed from the latencies */
	struct stat_value index[RESULT_NR_STATS];
};

struct fio_side {
	bool present;
	const char *job_file, *status, *error;
	bool has_read;		/* the baseline's read figures */
	double read_p50_ns, read_p99_ns, read_iops;
	/* background jobs: iops and p99 per direction, all jobs together */
	double iops[2], p99_ns[2];
	bool has_dir[2];
};

enum run_status { RUN_UNKNOWN, RUN_OK, RUN_FAILED, RUN_RUNNING };

struct vm_result {
	bool present;
	const char *label, *kernel_spec, *kernel_image, *kernel_release, *package, *package_version;
	const char *accelerator, *accelerator_reason, *could_not_test, *baseline;
	const char *host_name;
	int host_cpus;
	uint64_t host_memory_bytes;
	int guest_cpus;
	uint64_t guest_memory_bytes;
	int repetition, repetitions, variant_index;	/* 0 / -1: not stored */
	json_t *kernel_features;	/* {"io.latency": true, ...} or NULL (borrowed from raw) */
	json_t *timings;		/* borrowed from raw */
	double overhead_s;		/* -1: not stored */
};

struct run_result {
	json_t *raw;		/* the document, as stored (owned) */
	int format_version;
	const char *mmstall_version;
	enum run_status status;
	const char *status_text, *error;
	const char *label, *mode, *start_time, *end_time;
	const char *machine_host;
	int machine_cpus;
	uint64_t machine_memory_bytes;
	const char *kernel_release;
	json_t *scenario;	/* the settings as recorded (borrowed from raw) */
	const char *scenario_name;
	uint64_t duration_ns;
	struct {
		bool present;
		const char *requested, *kind, *reason, *group, *file, *value;
	} throttle;
	struct probe_result *probes;
	size_t nr_probes;
	int control;		/* index into probes, -1 if none */
	struct {
		bool present;
		uint64_t touches, writer_ops;
	} lo;
	struct {
		bool present;
		uint64_t pgmajfault, rios;
	} cg_lo;
	struct {
		bool present;
		struct fio_side baseline, lo, hi;
	} fio;
	struct vm_result vm;
};

/*
 * Decode root (taking a reference) into r.  Fields documented as optional
 * may be absent; a field that is present must have its documented type.
 * 0, or -EINVAL with err naming the first key that is wrong (e.g.
 * "probes is a string, not an object") -- r is then empty.
 */
int result_decode(json_t *root, struct run_result *r, char *err, size_t errlen);
void result_free(struct run_result *r);

/*
 * Is root shaped like a result?  A result from a guest is untrusted input:
 * one of the wrong shape is a failed run, never an ok run with an empty
 * table.  result_decode() without keeping anything: 0 or -EINVAL with err.
 */
int result_check(const json_t *root, char *err, size_t errlen);

/*
 * Read a result file: only a regular file, at most RESULT_MAX_BYTES
 * (a FIFO or /dev/zero is refused, not read forever), of the supported
 * format version, decoded.  0 or -errno with err naming the path.
 */
#define RESULT_MAX_MIB 256
#define RESULT_MAX_BYTES ((uint64_t)RESULT_MAX_MIB << 20)
int result_read(const char *path, struct run_result *r, char *err, size_t errlen);
/* The same, keeping only the document (resuming a compare compares settings). */
json_t *result_load(const char *path, char *err, size_t errlen);

/* The probe called name, or NULL. */
const struct probe_result *result_probe(const struct run_result *r, const char *name);
/*
 * Statistic st of a probe: its value in ns, whether it is known (enough
 * samples), and whether it is only a lower bound (censored samples at or
 * below it: their true latency is higher than what they had waited when
 * the probe was stopped).
 */
struct stat_value probe_stat_value(const struct probe_result *p, enum result_stat st);
/* Does the probe wait on the low-priority task's mmap_lock ("lo")? */
bool probe_takes_lo_lock(const struct probe_result *p);

#endif
