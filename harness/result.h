/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Result files: one JSON document per run, built with jansson and written
 * atomically; results/README.md documents every field.  This module owns
 * the format and is the only place where a key of a run result is spelled
 * (but the "vm" record, harness/vm/): the writers (result_write.c) take
 * typed inputs of Base types, filled by the driver, the throttles, fio and
 * the cgroup sampler; the one decoder, result_decode() (result_decode.c),
 * turns a document into a struct run_result; saving and loading are in
 * result_file.c.  Everything above (runs, summary, reports, gate) reads the
 * struct, never JSON keys.  Bump RESULT_FORMAT_VERSION when a field changes
 * meaning; new fields are optional for the decoder, so older files still
 * load.  tests/test_json.c writes every object and decodes it back.
 */
#ifndef MMSTALL_RESULT_H
#define MMSTALL_RESULT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/hist.h"
#include "harness/slowest.h"

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

/*
 * Every object of a run result is written here, from a typed input made of
 * Base types (harness/hist.h, harness/slowest.h) and plain C: the driver,
 * the throttles, fio and the cgroup sampler fill these structs and call the
 * writers, so no other part spells a key.  Each result_set_*() sets (or
 * replaces, keeping its place) one member of the result document root.
 * Strings are copied; NULL writes null unless a field says "absent".
 */

/* Envelope: format version, tool version, command line, start time, status "running". */
json_t *result_envelope(void);
/* Set end time and status ("ok" or "failed", with error message or NULL). */
void result_finish(json_t *root, const char *status, const char *error);
/* "label" and "mode" ("live"; "vm" on a result the host wrote itself). */
void result_set_label(json_t *root, const char *label, const char *mode);

/* "machine": the machine (or guest) that measured. */
struct result_machine {
	const char *hostname;
	int cpus;
	uint64_t memory_bytes;
};
void result_set_machine(json_t *root, const struct result_machine *m);

/* One kernel config option and its value ("y", "m", "250"), NULL when not set. */
struct result_kconfig_opt {
	const char *name;	/* "CONFIG_HZ" */
	const char *value;
};

/* "kernel": the measured kernel. */
struct result_kernel {
	const char *release, *version, *machine;	/* uname -r, -v, -m */
	const char *transparent_hugepage;	/* the selected mode; NULL without THP */
	const char *config_source;	/* NULL: no config found ("config" is then null) */
	const struct result_kconfig_opt *config;
	size_t nr_config;
};
void result_set_kernel(json_t *root, const struct result_kernel *k);

/*
 * One scenario setting, as the settings table declares it.  Its key is the
 * name with underscores and the unit: "writer-interval" of type
 * RESULT_SETTING_NS is "writer_interval_ns".
 */
enum result_setting_type {
	RESULT_SETTING_TEXT,	/* a string (names, words, job files) */
	RESULT_SETTING_COUNT,	/* a whole number (a seed above INT64_MAX is written as a string) */
	RESULT_SETTING_NS,	/* a duration, ns */
	RESULT_SETTING_BYTES,	/* a size, bytes */
};
struct result_setting {
	const char *name;	/* "writer-interval" */
	enum result_setting_type type;
	const char *text;	/* RESULT_SETTING_TEXT */
	uint64_t value;		/* the others */
};
/* The key a setting has in results: "writer_interval_ns". */
void result_setting_key(const struct result_setting *s, char *buf, size_t len);
/* The "scenario" object of n settings (also 'scenario show --json', compare's check). */
json_t *result_scenario_json(const struct result_setting *s, size_t n);
void result_set_scenario(json_t *root, const struct result_setting *s, size_t n);

/* "histogram": how latency records are binned (harness/hist.h). */
void result_set_histogram(json_t *root);

/* "throttle": what the run's throttle did. */
struct result_throttle {
	const char *requested;	/* as asked: "auto", "io.max", ... */
	const char *kind;	/* what was applied */
	const char *reason;	/* why that kind */
	const char *device, *disk;	/* "254:0", "vda" */
	const char *group, *file, *value;	/* group NULL: none written, the three absent */
	const char *other_settings;	/* NULL or "": absent (io.cost's root knobs) */
};
void result_set_throttle(json_t *root, const struct result_throttle *t);

/* One probe, all its threads merged: an entry of "probes". */
struct result_probe_in {
	const char *name;		/* its key under "probes": "maps" */
	const char *what;		/* the operation timed */
	const char *mmap_lock_of;	/* "lo", "hi" or "none" */
	bool control;
	uint64_t interval_ns;
	unsigned int threads;
	uint64_t errors;
	const char *first_error;	/* NULL: none */
	uint64_t late_samples;
	uint64_t censored, censored_min_ns;	/* samples never completed, the least they had waited */
	const struct hist *corrected, *service;
	const struct slowest *slowest;	/* any order: written by due time */
};
/*
 * "probes": n probes in that order.  Each slowest sample's t_s counts from
 * window_start_ns (the end of the warm-up); p99_ratio_to_control is taken
 * against the probe marked control.  result_save() adds stall_index.
 */
void result_set_probes(json_t *root, const struct result_probe_in *p, size_t n, uint64_t window_start_ns);

/* "lo": the low-priority workload's own figures, all threads merged. */
struct result_lo_in {
	const char *fault_mode, *writer;	/* the settings' words */
	uint64_t touches;
	const struct hist *touch;
	uint64_t writer_ops;
	const struct hist *writer_op;
	uint64_t writer_errors;
	const char *writer_first_error;	/* NULL: none */
};
void result_set_lo(json_t *root, const struct result_lo_in *lo);

/* An integer that may be missing (null, or absent where documented so). */
struct result_int {
	bool known;
	int64_t v;
};

/* A counter of memory.stat, end minus start (a gauge shows its change: may be negative). */
struct result_counter {
	const char *name;	/* "pgmajfault" */
	int64_t delta;
};

/* io.stat's counters for the throttled disk, in "io_stat" order. */
enum result_io_stat { RESULT_IO_RBYTES, RESULT_IO_WBYTES, RESULT_IO_RIOS, RESULT_IO_WIOS, RESULT_IO_DBYTES,
		      RESULT_IO_DIOS, RESULT_NR_IO_STAT };
/* The PSI files, in "pressure" order. */
enum result_psi { RESULT_PSI_CPU, RESULT_PSI_MEMORY, RESULT_PSI_IO, RESULT_NR_PSI };
/* Their keys (the writer's and the decoder's; "rios", "memory"). */
extern const char *const result_io_stat_keys[RESULT_NR_IO_STAT];
extern const char *const result_psi_keys[RESULT_NR_PSI];

/* "cgroups.lo", "cgroups.hi": one group over the measured window. */
struct result_cgroup {
	bool has_memory_stat;	/* memory.stat read at both ends */
	const struct result_counter *memory_stat;
	size_t nr_memory_stat;
	bool has_io_stat;	/* io.stat read (a counter without a line: not known, absent) */
	struct result_int io_stat[RESULT_NR_IO_STAT];
	struct {
		bool present;	/* <x>.pressure read at both ends */
		struct result_int some_total_us, full_total_us;	/* absent when not known */
	} pressure[RESULT_NR_PSI];
	const char *path;
	bool has_memory_max;	/* lo only */
	uint64_t memory_max_bytes;
};
/* "cgroups": lo and hi, or {} when the window was never sampled (both NULL). */
void result_set_cgroups(json_t *root, const struct result_cgroup *lo, const struct result_cgroup *hi);

/* One direction of an fio job (fio's clat_ns figures). */
struct result_fio_dir {
	bool present;		/* false: null, the job did no I/O that way */
	uint64_t ios;
	double iops;
	struct result_int io_bytes, bw_bytes_per_s;
	struct result_int clat_mean_ns, clat_p50_ns, clat_p99_ns, clat_p99_9_ns, clat_max_ns;
};
enum { RESULT_READ, RESULT_WRITE, RESULT_NR_DIRS };
struct result_fio_job {
	const char *name;
	struct result_int error, runtime_ms;
	struct result_fio_dir dir[RESULT_NR_DIRS];
};

/*
 * A fio run record: the baseline or a background job.  Keys absent until
 * their step happened: file (the baseline, once fio was started), job_text
 * (once the job file was read), runtime (a job started), ended_by (a job
 * stopped), exit_status (fio reaped), fio_version and jobs (its output
 * parsed), read (the baseline, once it succeeded).
 */
struct result_fio_rec {
	bool present;		/* false: null (no such job in the scenario) */
	const char *job_file;
	const char *group;	/* NULL for the baseline */
	const char *status, *error;	/* NULL: null */
	const char *file, *job_text, *runtime, *ended_by;	/* NULL: absent */
	bool reaped;		/* exit_status written */
	struct result_int exit_status;	/* not known: killed by a signal */
	bool has_output;	/* fio_version and jobs written */
	const char *fio_version;
	const struct result_fio_job *jobs;
	size_t nr_jobs;
	bool has_read;		/* read written (null unless read.present) */
	struct result_fio_dir read;
};
/* "fio": the device baseline and the background jobs. */
struct result_fio {
	const char *binary;	/* NULL: fio not found */
	bool sysv_shm_emulated;
	const char *version;	/* NULL: fio never ran */
	const char *data_dir, *read_file;	/* the environment job files read */
	struct result_fio_rec baseline, lo, hi;
};
void result_set_fio(json_t *root, const struct result_fio *f);

/* The phases of 'mmstall run' whose durations "timings" records. */
enum result_phase { RESULT_PH_SETUP, RESULT_PH_BASELINE, RESULT_PH_WARMUP, RESULT_PH_WINDOW, RESULT_PH_DRAIN,
		    RESULT_PH_TEARDOWN, RESULT_NR_PHASES };
struct result_timings {
	bool known[RESULT_NR_PHASES];	/* false: never reached, null */
	double s[RESULT_NR_PHASES];	/* seconds, written to the millisecond */
};
extern const char *const result_phase_keys[RESULT_NR_PHASES];	/* "window_s" */
void result_set_timings(json_t *root, const struct result_timings *t);

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

/* The "attribution" object (harness/attrib.c builds it; the reference is taken). */
void result_set_attribution(json_t *root, json_t *attribution);

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
	bool has_censored_min;	/* min_ns stored as a number (null when count is 0) */
	bool has_ratio;		/* p99_ratio_to_control stored as a number */
	double p99_ratio_to_control;
	struct lat_record corrected, service;
	struct slow_rec *slowest;
	size_t nr_slowest;
	bool has_slowest;	/* the field was stored (older results have none) */
	/* probe statistic / the control's, same run: always computed from the latencies */
	struct stat_value index[RESULT_NR_STATS];
};

/* A fio run record as stored, and the figures reports show of it. */
struct fio_side {
	bool present;
	struct result_fio_rec rec;	/* everything stored (jobs owned by the run_result) */
	const char *job_file, *status, *error;
	bool has_read;		/* the baseline's read figures */
	double read_p50_ns, read_p99_ns, read_iops;
	/* background jobs: iops and p99 per direction, all jobs together */
	double iops[2], p99_ns[2];
	bool has_dir[2];
};

enum run_status { RUN_UNKNOWN, RUN_OK, RUN_FAILED, RUN_RUNNING };

/* vm.timings' keys, in results/README.md's order (seconds each). */
#define RESULT_VM_TIMINGS(X)                                                                        \
	X(prepare_s) X(boot_s) X(qemu_s) X(guest_run_s) X(boot_to_result_s) X(teardown_s) X(transfer_s) \
	X(poweroff_s) X(collect_s) X(wall_s) X(overhead_s)

/* vm.timings, typed: NAN where the value is null or absent (not booted, never started). */
struct vm_result_timings {
	bool present;		/* the object was stored */
#define RESULT_VM_TIMING_FIELD(k) double k;
	RESULT_VM_TIMINGS(RESULT_VM_TIMING_FIELD)
#undef RESULT_VM_TIMING_FIELD
};

struct vm_result {
	bool present;
	const char *label, *kernel_spec, *kernel_image, *kernel_release, *package, *package_version;
	const char *accelerator, *accelerator_reason, *could_not_test, *baseline;
	bool host_present;		/* vm.host was stored */
	const char *host_name;
	int host_cpus;
	uint64_t host_memory_bytes;
	const char *host_kernel_release;	/* NULL: not stored */
	int guest_cpus;
	uint64_t guest_memory_bytes;
	int repetition, repetitions, variant_index;	/* 0 / -1: not stored */
	int parallel_guests;		/* guests run at once ('compare --jobs'); 0: not stored */
	/* the job list entry ('compare --plan', vm.plan): plan_id NULL when none */
	const char *plan_id;
	int plan_index, plan_pairing;	/* -1: not stored */
	json_t *kernel_features;	/* {"io.latency": true, ...} or NULL (borrowed from raw) */
	struct vm_result_timings t;	/* vm.timings */
};

/*
 * "attribution" (attribute on), what reports merge of it: the summaries,
 * the blame, the limits and the trace's health.  Strings point into raw.
 */
struct attribution_sum {
	uint64_t waits;			/* hi waits on lo's mm in the window or its drain */
	uint64_t waits_over_min;	/* of which at least min_ns */
	uint64_t wait_ns;		/* their total (over the threshold only) */
	uint64_t explained_ns;		/* charged to a holder whose call or stack is known */
};

struct attribution_probe {
	const char *name;		/* "maps", ..., "unknown" */
	struct attribution_sum sum;
};

/* A lock-taking probe whose stalls these tracepoints cannot attribute on that kernel. */
struct attribution_unattributable {
	const char *probe, *why;
};

struct attribution_holder {
	const char *thread;		/* "lo", "hi" or a comm */
	const char *mode;		/* "read", "write" */
	const char *call;		/* "page fault", "mprotect", ...; NULL: not known */
	const char *state;		/* "sleeping", "preempted", "running", "unknown" */
	const char **frames;		/* innermost first (owned array) */
	size_t nr_frames;
	uint64_t stall_ns, waits, holds;
};

struct attribution_writer {
	const char *call;
	const char **frames;		/* owned array */
	size_t nr_frames;
	uint64_t stall_ns, waits, requests;
};

struct attribution_result {
	bool present;			/* the object was stored */
	bool ok;			/* status "ok" */
	const char *status, *error;
	uint64_t min_ns;
	struct attribution_sum total;
	struct attribution_probe *probes;	/* in result order (owned) */
	size_t nr_probes;
	struct attribution_unattributable *unattributable;	/* owned */
	size_t nr_unattributable;
	const char **limits;		/* sentences (owned array) */
	size_t nr_limits;
	struct attribution_holder *holders;	/* most stall time first (owned) */
	size_t nr_holders;
	uint64_t holders_dropped;
	struct attribution_writer *writers;	/* owned */
	size_t nr_writers;
	struct {
		uint64_t lost_events;		/* [LOST n EVENTS], summed */
		bool incomplete;		/* complete_from_s is a number: the start is missing */
		double complete_from_s;
	} trace;
};

/* A scenario setting as stored: its key and value. */
struct result_setting_value {
	const char *key;	/* "writer_interval_ns" */
	const char *text;	/* a string; NULL: a number */
	uint64_t value;
};

/*
 * A decoded result.  Every string points into raw.  Fields documented as
 * optional are zero (NULL, false) when absent or null.
 */
struct run_result {
	json_t *raw;		/* the document, as stored (owned) */
	int format_version;
	const char *mmstall_version;
	const char **command_line;	/* owned array of argv strings */
	size_t nr_command_line;
	enum run_status status;
	const char *status_text, *error;
	const char *label, *mode, *start_time, *end_time;
	const char *machine_host;
	int machine_cpus;
	uint64_t machine_memory_bytes;
	const char *kernel_release;	/* kernel.release */
	struct result_kernel kernel;	/* the whole object (config owned) */
	json_t *scenario;	/* the settings as recorded (borrowed from raw) */
	struct result_setting_value *settings;	/* the same, typed (owned) */
	size_t nr_settings;
	const char *scenario_name;
	uint64_t duration_ns;
	struct {
		bool present;
		const char *type, *unit;
		int sub_bucket_bits;
		double relative_error_bound;
	} histogram;
	struct {
		bool present;
		const char *requested, *kind, *reason, *group, *file, *value;
		const char *device, *disk, *other_settings;
	} throttle;
	struct probe_result *probes;
	size_t nr_probes;
	int control;		/* index into probes, -1 if none */
	struct {
		bool present;
		uint64_t touches, writer_ops;
		const char *fault_mode, *writer;
		struct lat_record touch, writer_op;
		uint64_t writer_errors;
		const char *writer_first_error;
	} lo;
	struct {
		bool present;		/* the object, even {} (never sampled) */
		bool has_lo, has_hi;
		struct result_cgroup lo, hi;	/* memory_stat owned */
	} cgroups;
	struct {
		bool present;
		uint64_t pgmajfault, rios;
	} cg_lo;		/* lo's headline figures, from cgroups.lo */
	struct {
		bool present;
		const char *binary, *version;
		bool sysv_shm_emulated;
		const char *data_dir, *read_file;	/* env */
		struct fio_side baseline, lo, hi;
	} fio;
	struct {
		bool present;
		struct result_timings t;
	} timings;
	struct attribution_result attribution;
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

/* ---- one result as text: result_table.c ---- */

/*
 * One block per run: count, p50, p99, p99.9, max of the corrected latency
 * and the p99 stall index (over the control in the same run); percentiles
 * with too few samples as "n<N", lower bounds as ">=".  'mmstall run'
 * prints it for its one run, 'report --format runs' for every run.
 */
void result_print_table(FILE *f, const struct run_result *const *runs, const char *const *labels, size_t n);
/* The same from result documents (decoded here). */
void result_print_json_table(FILE *f, json_t *const *results, const char *const *labels, int n);

#endif
