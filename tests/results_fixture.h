/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hand-made result files for the gate and report tests: the fields of
 * results/README.md that 'report' and 'gate' read, with chosen latencies, so
 * the expected verdict of each case is known.  Also: running the mmstall
 * binary and capturing what it prints.
 */
#ifndef MMSTALL_TESTS_RESULTS_FIXTURE_H
#define MMSTALL_TESTS_RESULTS_FIXTURE_H

#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/result.h"
#include "harness/proc.h"
#include "harness/util.h"
#include "tests/test_util.h"

static const char *fx_mmstall;

/* A latency record whose p50/p99/p99.9/max are p99 * (0.1, 1, 1.5, 2). */
static inline json_t *fx_record(double p99)
{
	json_int_t n = 3000;
	json_t *rec = json_pack("{s:I,s:I,s:I,s:f,s:I,s:I,s:I,s:I,s:{}}", "count", n, "min_ns",
				(json_int_t)(p99 * 0.05), "max_ns", (json_int_t)(p99 * 2), "mean_ns", p99 * 0.2,
				"p50_ns", (json_int_t)(p99 * 0.1), "p90_ns", (json_int_t)(p99 * 0.5), "p99_ns",
				(json_int_t)p99, "p99_9_ns", (json_int_t)(p99 * 1.5), "few_samples");
	json_t *b = json_array();

	json_array_append_new(b, json_pack("[I,I,I]", (json_int_t)(p99 * 0.05), (json_int_t)(p99 * 0.05), n / 3));
	json_array_append_new(b, json_pack("[I,I,I]", (json_int_t)(p99 * 0.1), (json_int_t)(p99 * 0.1), n / 3));
	json_array_append_new(b, json_pack("[I,I,I]", (json_int_t)(p99 * 0.5), (json_int_t)(p99 * 0.5),
					   n - 2 * (n / 3) - 33));
	json_array_append_new(b, json_pack("[I,I,I]", (json_int_t)p99, (json_int_t)p99, (json_int_t)27));
	json_array_append_new(b, json_pack("[I,I,I]", (json_int_t)(p99 * 1.5), (json_int_t)(p99 * 1.5), (json_int_t)5));
	json_array_append_new(b, json_pack("[I,I,I]", (json_int_t)(p99 * 2), (json_int_t)(p99 * 2), (json_int_t)1));
	json_object_set_new(rec, "buckets", b);
	return rec;
}

/* One hand-made run: what fx_write() puts in it. */
struct fx_spec {
	const char *label;
	int index, rep, reps;
	double maps_p99, status_p99;	/* ns; status 0: 1 ms */
	double cmdline_p99;		/* ns; 0: no cmdline probe */
	const char *host, *error;	/* error: a failed run with no probes */
	double duration_s;		/* 0: 30 s */
	uint64_t maps_censored;		/* censored maps samples (recorded at >= maps_censored_min) */
	double maps_censored_min;
	uint64_t status_censored;	/* the same for the control */
	double status_censored_min;
	const char *status;		/* NULL: "ok", or "failed" with error; "running": left unfinished */
	const char *throttle;		/* the throttle applied; NULL: io.max */
	const char *accel;		/* the accelerator; NULL: tcg */
	int guest_cpus, guest_memory_mib;	/* 0: 2 CPUs, 1024 MiB */
};

static inline json_t *fx_probe(const char *what, const char *lock, bool control, double p99)
{
	return json_pack("{s:s,s:s,s:b,s:o}", "what", what, "mmap_lock_of", lock, "control", control, "corrected",
			 fx_record(p99));
}

/*
 * Write <dir>/<label>.rep<rep>.json: maps (and cmdline) at their p99, the
 * status control at status_p99; error != NULL makes a failed run with no probes.
 */
static inline void fx_write(const char *dir, const struct fx_spec *s)
{
	char path[PATH_MAX];
	json_t *r = json_object(), *probes = json_object(), *maps;

	json_object_set_new(r, "format_version", json_integer(RESULT_FORMAT_VERSION));
	json_object_set_new(r, "mmstall_version", json_string("test"));
	json_object_set_new(r, "status", json_string(s->status ?: s->error ? "failed" : "ok"));
	json_object_set_new(r, "error", s->error ? json_string(s->error) : json_null());
	json_object_set_new(r, "label", json_string(s->label));
	json_object_set_new(r, "mode", json_string(s->error ? "vm" : "live"));
	json_object_set_new(r, "machine", json_pack("{s:s,s:i,s:I}", "hostname", "guest", "cpus", 2,
						    "memory_bytes", (json_int_t)1 << 30));
	json_object_set_new(r, "kernel", json_pack("{s:s}", "release", "6.12.0-test"));
	json_object_set_new(r, "scenario", json_pack("{s:s,s:I,s:I}", "name", "ps-latency", "duration_ns",
						     (json_int_t)((s->duration_s ?: 30) * 1e9),
						     "warmup_ns", (json_int_t)5000000000LL));
	json_object_set_new(r, "throttle", json_pack("{s:s,s:s,s:s}", "kind", s->throttle ?: "io.max", "group", "lo",
						     "value", "254:0 riops=100"));
	if (!s->error && !s->status) {
		maps = fx_probe("read /proc/<lo>/maps", "lo", false, s->maps_p99);
		if (s->maps_censored)
			json_object_set_new(maps, "censored", json_pack("{s:I,s:f}", "count",
									(json_int_t)s->maps_censored, "min_ns",
									s->maps_censored_min));
		json_object_set_new(probes, "maps", maps);
		if (s->cmdline_p99)
			json_object_set_new(probes, "cmdline", fx_probe("read /proc/<lo>/cmdline", "lo", false,
									s->cmdline_p99));
		json_object_set_new(probes, "status", fx_probe("read /proc/<lo>/status", "none", true,
							       s->status_p99 ?: 1e6));
		if (s->status_censored)
			json_object_set_new(json_object_get(probes, "status"), "censored",
					    json_pack("{s:I,s:f}", "count", (json_int_t)s->status_censored, "min_ns",
						      s->status_censored_min));
		json_object_set_new(r, "probes", probes);
	} else {
		json_decref(probes);
	}
	/* a run that failed before its boot has no accelerator, as mmstall vm's failed results */
	json_object_set_new(r, "vm", json_pack("{s:s,s:s,s:s,s:s,s:o,s:i,s:I,s:i,s:i,s:i,s:s,s:{s:s,s:i,s:I}}",
					       "label", s->label, "kernel_spec", "deb:linux-image-6.12", "package",
					       "linux-image-6.12.0-test", "package_version", "6.12.0-1", "accelerator",
					       s->error ? json_null() : json_string(s->accel ?: "tcg"), "guest_cpus",
					       s->guest_cpus ?: 2, "guest_memory_bytes",
					       (json_int_t)(s->guest_memory_mib ?: 1024) << 20, "repetition",
					       s->rep, "repetitions", s->reps, "variant_index", s->index, "baseline",
					       "base", "host", "hostname", s->host ?: "host", "cpus", 2, "memory_bytes",
					       (json_int_t)8 << 30));
	if (s->error)
		json_object_del(r, "throttle");
	snprintf(path, sizeof(path), "%s/%s.rep%d.json", dir, s->label, s->rep);
	if (result_save(path, r))
		fprintf(stderr, "cannot write fixture %s\n", path);
	json_decref(r);
}

/* A run with maps at maps_p99 ns and the status control at 1 ms. */
static inline void fx_run(const char *dir, const char *label, int index, int rep, int reps, double maps_p99,
			  const char *host, const char *error)
{
	struct fx_spec s = { .label = label, .index = index, .rep = rep, .reps = reps, .maps_p99 = maps_p99,
			     .host = host, .error = error };

	fx_write(dir, &s);
}

/* A compare of base and new, 5 runs each: base around 10 ms, new around 10 ms * factor. */
static inline void fx_compare(const char *dir, double factor, const char *host, bool new_fails)
{
	static const double jitter[] = { 1.00, 1.03, 0.97, 1.02, 0.985 };
	int k;

	mkdir_p(dir, 0755);
	for (k = 1; k <= 5; k++) {
		fx_run(dir, "base", 0, k, 5, 10e6 * jitter[k - 1], host, NULL);
		fx_run(dir, "new", 1, k, 5, 10e6 * factor * jitter[(k + 2) % 5], host,
		       new_fails ? "guest kernel panicked (VFS: Unable to mount root fs)" : NULL);
	}
}

/* Run mmstall with args (NULL-terminated); exit code, stdout and stderr (caller frees). */
static inline int fx_exec(const char *const *args, char **out, char **err)
{
	char *argv[32], o[] = "/tmp/mmstall-fx-out-XXXXXX", e[] = "/tmp/mmstall-fx-err-XXXXXX";
	int ofd = mkstemp(o), efd = mkstemp(e), n = 0, code;

	argv[n++] = (char *)fx_mmstall;
	for (; *args && n < 31; args++)
		argv[n++] = (char *)*args;
	argv[n] = NULL;
	code = proc_run(argv, NULL, -1, ofd, efd);
	close(ofd);
	close(efd);
	*out = *err = NULL;
	read_file(o, out, NULL);
	read_file(e, err, NULL);
	unlink(o);
	unlink(e);
	if (!*out)
		*out = strdup("");
	if (!*err)
		*err = strdup("");
	return code;
}

/*
 * Start a test that runs mmstall (argv[1], else $MMSTALL) in a fresh
 * directory top (a mkdtemp template).  Returns 0, or the exit code to end with.
 */
static inline int fx_start(int argc, char **argv, char *top)
{
	fx_mmstall = argc > 1 ? argv[1] : getenv("MMSTALL");
	if (!fx_mmstall || access(fx_mmstall, X_OK)) {
		fprintf(stderr, "usage: %s PATH-TO-MMSTALL (or set MMSTALL)\n", argv[0]);
		return 1;
	}
	if (!mkdtemp(top)) {
		perror("mkdtemp");
		return 1;
	}
	return 0;
}

/* End it: the directory is removed when everything passed, else kept for a look. */
static inline int fx_finish(const char *top)
{
	/* MMSTALL_KEEP_TEST=1 keeps them for a look after a pass too */
	if (!test_failed && !getenv("MMSTALL_KEEP_TEST"))
		rm_rf(top);
	else
		fprintf(stderr, "files kept in %s\n", top);
	return test_summary();
}

#endif
