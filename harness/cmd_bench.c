// SPDX-License-Identifier: GPL-2.0
/*
 * mmstall bench: measure mmstall's own overheads, so that a reader of a
 * result knows how much of a probe's latency is the probe itself.
 *
 *  - hist_record(): added to every sample; the target is < 50 ns.
 *  - slowest_add(): the K-slowest list, also updated once per sample (after
 *    the timed section); typical (realistic values: nearly every sample is
 *    rejected by one comparison) and worst case (every sample enters).
 *  - clock_gettime(CLOCK_MONOTONIC): each sample is timed with two calls.
 *  - memory: a probe keeps one fixed-size histogram, so its RSS must not
 *    grow with the number of samples, i.e. with the run's duration.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cmds.h"
#include "harness/hist.h"
#include "harness/slowest.h"
#include "harness/util.h"
#include "version.h"

#define BENCH_BATCH	1000000		/* hist_record() calls per timed batch */
#define BENCH_CLOCK_BATCH 100000	/* clock_gettime() calls per timed batch */
#define BENCH_MEM_SMALL	1000000ULL
#define BENCH_MEM_LARGE	100000000ULL
#define BENCH_TARGET_NS	50.0
#define BENCH_RSS_SLACK_KIB 1024
#define BENCH_DEF_ITERS	101

struct bench_stat {
	double median, p90;
};

struct bench {
	uint64_t iterations;
	struct bench_stat record, empty, net, clock;
	struct bench_stat slow, slow_worst;	/* slowest_add(), net of the empty loop */
	char clocksource[32];
	long rss_small_kib, rss_large_kib;
	double large_s;			/* wall time of the 1e8 records */
	bool record_ok, mem_ok;
};

/* splitmix64: a fixed sequence, so every run measures the same values. */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double rng_unit(uint64_t *s)
{
	return (double)(rng_next(s) >> 11) * 0x1p-53;
}

static uint64_t rng_lognormal(uint64_t *s, double median, double sigma)
{
	double u1 = 1.0 - rng_unit(s), u2 = rng_unit(s);

	return (uint64_t)(median * exp(sigma * sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2)));
}

/*
 * What a probe records: /proc/pid/maps reads of ~15 us, and 1% stalled
 * behind mmap_lock for tens of ms.  The spread matters: it decides how many
 * histogram cache lines the hot path touches.
 */
static uint64_t *make_latencies(size_t n)
{
	uint64_t *v = malloc(n * sizeof(*v)), seed = 0x6d6d7374616c6cULL;
	size_t i;

	if (!v)
		return NULL;
	for (i = 0; i < n; i++) {
		if (rng_unit(&seed) < 0.99)
			v[i] = rng_lognormal(&seed, 15e3, 0.8);
		else
			v[i] = rng_lognormal(&seed, 30e6, 1.0);
	}
	return v;
}

/*
 * Both loops load every value and end each iteration with a compiler
 * barrier, so the compiler can neither drop the loads nor batch the
 * histogram updates across iterations: a probe records one sample at a time.
 */
static __attribute__((noinline)) uint64_t loop_empty(const uint64_t *v, size_t n)
{
	uint64_t t0 = now_ns();
	size_t i;

	for (i = 0; i < n; i++)
		asm volatile("" : : "r"(v[i]) : "memory");
	return now_ns() - t0;
}

static __attribute__((noinline)) uint64_t loop_record(struct hist *h, const uint64_t *v, size_t n)
{
	uint64_t t0 = now_ns();
	size_t i;

	for (i = 0; i < n; i++) {
		hist_record(h, v[i]);
		asm volatile("" : : : "memory");
	}
	return now_ns() - t0;
}

static __attribute__((noinline)) uint64_t loop_slowest(struct slowest *h, const uint64_t *v, size_t n)
{
	uint64_t t0 = now_ns();
	size_t i;

	for (i = 0; i < n; i++) {
		slowest_add(h, i, v[i], v[i], 0);
		asm volatile("" : : : "memory");
	}
	return now_ns() - t0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median and p90 (sample of rank ceil(p * n), as in the histogram). */
static struct bench_stat stat_of(double *x, size_t n)
{
	struct bench_stat s;

	qsort(x, n, sizeof(*x), cmp_double);
	s.median = x[(n + 1) / 2 - 1];
	s.p90 = x[(9 * n + 9) / 10 - 1];
	return s;
}

/* Interleave empty and record batches so drift (frequency, noise) hits both. */
static int bench_record(struct bench *b, const uint64_t *vals)
{
	size_t n = b->iterations, i;
	double *rec = calloc(n, sizeof(double));
	double *emp = calloc(n, sizeof(double));
	double *net = calloc(n, sizeof(double));
	struct hist *h = malloc(sizeof(*h));
	int ret = -ENOMEM;

	if (!rec || !emp || !net || !h)
		goto out;
	hist_init(h);
	loop_empty(vals, BENCH_BATCH);		/* warm caches and TLB */
	loop_record(h, vals, BENCH_BATCH);
	for (i = 0; i < n; i++) {
		emp[i] = (double)loop_empty(vals, BENCH_BATCH) / BENCH_BATCH;
		rec[i] = (double)loop_record(h, vals, BENCH_BATCH) / BENCH_BATCH;
		net[i] = rec[i] - emp[i];
	}
	b->empty = stat_of(emp, n);
	b->record = stat_of(rec, n);
	b->net = stat_of(net, n);
	/* Judged on the gross p90, loop included: the pessimistic figure. */
	b->record_ok = b->record.p90 < BENCH_TARGET_NS;
	ret = 0;
out:
	free(rec);
	free(emp);
	free(net);
	free(h);
	return ret;
}

/*
 * slowest_add() per sample, minus the empty loop.  Typical: the realistic
 * values, into a list that has been filled by a first batch (as in a run
 * after its first few samples).  Worst: rising values, so every sample
 * replaces the list's minimum and sifts down.
 */
static int bench_slowest(struct bench *b, const uint64_t *vals)
{
	size_t n = b->iterations, i;
	double *typ = calloc(n, sizeof(double)), *worst = calloc(n, sizeof(double));
	uint64_t *rising = malloc(BENCH_BATCH * sizeof(*rising));
	struct slowest *h = malloc(sizeof(*h));
	int ret = -ENOMEM;

	if (!typ || !worst || !rising || !h)
		goto out;
	for (i = 0; i < BENCH_BATCH; i++)
		rising[i] = 1000 + i;
	slowest_init(h);
	loop_slowest(h, vals, BENCH_BATCH);
	for (i = 0; i < n; i++) {
		double emp = (double)loop_empty(vals, BENCH_BATCH) / BENCH_BATCH;

		typ[i] = (double)loop_slowest(h, vals, BENCH_BATCH) / BENCH_BATCH - emp;
		slowest_init(h);
		worst[i] = (double)loop_slowest(h, rising, BENCH_BATCH) / BENCH_BATCH - emp;
		slowest_init(h);
		loop_slowest(h, vals, BENCH_BATCH);
	}
	b->slow = stat_of(typ, n);
	b->slow_worst = stat_of(worst, n);
	ret = 0;
out:
	free(typ);
	free(worst);
	free(rising);
	free(h);
	return ret;
}

static int bench_clock(struct bench *b)
{
	double *per = calloc(b->iterations, sizeof(double));
	struct timespec ts;
	size_t i, j;

	if (!per)
		return -ENOMEM;
	for (i = 0; i < b->iterations; i++) {
		uint64_t t0 = now_ns();

		for (j = 0; j < BENCH_CLOCK_BATCH; j++) {
			clock_gettime(CLOCK_MONOTONIC, &ts);
			asm volatile("" : : "r"(&ts) : "memory");
		}
		per[i] = (double)(now_ns() - t0) / BENCH_CLOCK_BATCH;
	}
	b->clock = stat_of(per, b->iterations);
	free(per);
	return 0;
}

/* The clock source decides whether clock_gettime() is a vDSO read or a syscall. */
static void read_clocksource(char *buf, size_t len)
{
	char *s;

	snprintf(buf, len, "unknown");
	if (read_file("/sys/devices/system/clocksource/clocksource0/current_clocksource", &s, NULL))
		return;
	s[strcspn(s, "\n")] = '\0';
	snprintf(buf, len, "%s", s);
	free(s);
}

static long rss_kib(void)
{
	long kib = -1;
	char *s, *p;

	if (read_file("/proc/self/status", &s, NULL))
		return -1;
	p = strstr(s, "\nVmRSS:");
	if (p)
		kib = strtol(p + strlen("\nVmRSS:"), NULL, 10);
	free(s);
	return kib;
}

/* Record 1e6 samples, read RSS, go on to 1e8 in the same histogram, read again. */
static int bench_memory(struct bench *b, const uint64_t *vals)
{
	struct hist *h = malloc(sizeof(*h));
	uint64_t done, t0;

	if (!h)
		return -ENOMEM;
	hist_init(h);
	for (done = 0; done < BENCH_MEM_SMALL; done += BENCH_BATCH)
		loop_record(h, vals, BENCH_BATCH);
	b->rss_small_kib = rss_kib();
	t0 = now_ns();
	for (; done < BENCH_MEM_LARGE; done += BENCH_BATCH)
		loop_record(h, vals, BENCH_BATCH);
	b->large_s = (double)(now_ns() - t0) / NSEC_PER_SEC;
	b->rss_large_kib = rss_kib();
	free(h);
	if (b->rss_small_kib <= 0 || b->rss_large_kib <= 0) {
		msg_err("cannot read VmRSS from /proc/self/status");
		return -EIO;
	}
	/*
	 * VmRSS comes from batched per-task or per-CPU counters and may lag by
	 * a few hundred KiB.  Growth with the samples would be ~100 MB for even
	 * one byte per sample, so a 1 MiB allowance still tells them apart.
	 */
	b->mem_ok = b->rss_large_kib - b->rss_small_kib <= BENCH_RSS_SLACK_KIB;
	return 0;
}

static json_t *stat_json(const struct bench_stat *s)
{
	return json_pack("{s:f, s:f}", "median", s->median, "p90", s->p90);
}

static int write_json(const struct bench *b, const char *path)
{
	char when[32], *text;
	json_t *root;
	int ret;

	iso8601_now(when, sizeof(when));
	root = json_pack("{s:s, s:s, s:s, s:I, s:I}",
			 "tool", "mmstall bench", "version", MMSTALL_VERSION,
			 "time", when, "iterations", (json_int_t)b->iterations,
			 "batch_records", (json_int_t)BENCH_BATCH);
	if (!root)
		return -ENOMEM;
	json_object_set_new(root, "hist_record_ns", json_pack("{s:o, s:o, s:o, s:f, s:b}",
		"record_loop", stat_json(&b->record), "empty_loop", stat_json(&b->empty),
		"difference", stat_json(&b->net), "target", BENCH_TARGET_NS,
		"target_met", b->record_ok));
	json_object_set_new(root, "slowest_add_ns", json_pack("{s:i, s:o, s:o}", "k", SLOWEST_K,
		"typical", stat_json(&b->slow), "worst", stat_json(&b->slow_worst)));
	json_object_set_new(root, "clock_gettime_ns", json_pack("{s:s, s:f, s:f}",
		"clocksource", b->clocksource, "median", b->clock.median, "p90", b->clock.p90));
	json_object_set_new(root, "memory", json_pack("{s:I, s:I, s:I, s:I, s:I, s:f, s:b}",
		"sizeof_hist", (json_int_t)sizeof(struct hist),
		"samples_small", (json_int_t)BENCH_MEM_SMALL,
		"samples_large", (json_int_t)BENCH_MEM_LARGE,
		"rss_kib_small", (json_int_t)b->rss_small_kib,
		"rss_kib_large", (json_int_t)b->rss_large_kib,
		"rss_ratio", (double)b->rss_large_kib / b->rss_small_kib,
		"constant", b->mem_ok));
	text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(root);
	if (!text)
		return -ENOMEM;
	ret = write_file_atomic(path, text, strlen(text));
	free(text);
	if (ret)
		msg_err("cannot write %s: %s", path, strerror(-ret));
	return ret;
}

static void print_table(const struct bench *b)
{
	printf("\nhist_record() cost per sample, %" PRIu64 " batches of %d:\n",
	       b->iterations, BENCH_BATCH);
	printf("  %-36s %10s %10s\n", "", "median", "p90");
	printf("  %-36s %7.2f ns %7.2f ns\n", "record loop (load + hist_record)",
	       b->record.median, b->record.p90);
	printf("  %-36s %7.2f ns %7.2f ns\n", "empty loop (load only)",
	       b->empty.median, b->empty.p90);
	printf("  %-36s %7.2f ns %7.2f ns\n", "hist_record() alone (difference)",
	       b->net.median, b->net.p90);
	printf("  target < %.0f ns per sample: %s (record loop p90 %.2f ns)\n",
	       BENCH_TARGET_NS, b->record_ok ? "met" : "NOT MET", b->record.p90);

	printf("\nslowest_add() cost per sample (the %d slowest kept), net of the empty loop:\n", SLOWEST_K);
	printf("  %-36s %7.2f ns %7.2f ns\n", "typical (realistic values)", b->slow.median, b->slow.p90);
	printf("  %-36s %7.2f ns %7.2f ns\n", "worst (every sample enters the list)", b->slow_worst.median,
	       b->slow_worst.p90);

	printf("\nclock_gettime(CLOCK_MONOTONIC), clocksource %s, %" PRIu64 " batches of %d:\n",
	       b->clocksource, b->iterations, BENCH_CLOCK_BATCH);
	printf("  %-36s %7.2f ns %7.2f ns\n", "one call (a sample takes two)",
	       b->clock.median, b->clock.p90);

	printf("\nmemory: one histogram (struct hist) is %zu bytes, whatever the duration\n",
	       sizeof(struct hist));
	printf("  %-36s %10ld KiB\n", "RSS after 1e6 samples", b->rss_small_kib);
	printf("  %-36s %10ld KiB  (%.2f s)\n", "RSS after 1e8 samples", b->rss_large_kib,
	       b->large_s);
	printf("  %-36s %10.3f      growth %ld KiB: %s\n", "ratio",
	       (double)b->rss_large_kib / b->rss_small_kib,
	       b->rss_large_kib - b->rss_small_kib,
	       b->mem_ok ? "constant" : "GROWS with the number of samples");
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: mmstall bench [--iterations N] [--json FILE]\n"
		"\n"
		"Measure mmstall's own overheads on this machine: the cost of recording\n"
		"one sample (hist_record, target < %.0f ns), of keeping the slowest samples\n"
		"(slowest_add), of clock_gettime(CLOCK_MONOTONIC),\n"
		"and that a probe's memory does not grow with the number of samples.\n"
		"\n"
		"  -n, --iterations N  timed batches per figure (default %d; 1e6 records each)\n"
		"  -j, --json FILE     also write the figures as JSON to FILE\n"
		"  -h, --help          this text\n"
		"\n"
		"Exit status: 0 if both targets are met, 1 if one is not, 2 on bad usage.\n",
		BENCH_TARGET_NS, BENCH_DEF_ITERS);
}

/* Stay on one CPU: a migration in the middle of a batch is noise. */
static void pin_cpu(void)
{
	int cpu = sched_getcpu();
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		msg_debug("cannot pin to CPU %d: %s", cpu, strerror(errno));
}

static int run_bench(struct bench *b, const char *json_path)
{
	uint64_t *vals = make_latencies(BENCH_BATCH);
	int ret = -ENOMEM;

	if (!vals)
		goto out;
	read_clocksource(b->clocksource, sizeof(b->clocksource));
	pin_cpu();
	printf("mmstall bench: %" PRIu64 " iterations; values: %d realistic probe latencies\n",
	       b->iterations, BENCH_BATCH);
	fflush(stdout);
	ret = bench_record(b, vals);
	if (!ret)
		ret = bench_slowest(b, vals);
	if (!ret)
		ret = bench_clock(b);
	if (!ret)
		ret = bench_memory(b, vals);
	if (ret)
		goto out;
	print_table(b);
	if (json_path)
		ret = write_json(b, json_path);
out:
	if (ret == -ENOMEM)
		msg_err("out of memory");
	free(vals);
	return ret;
}

int cmd_bench(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "iterations", required_argument, NULL, 'n' },
		{ "json", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct bench b = { .iterations = BENCH_DEF_ITERS };
	const char *json_path = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "n:j:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (parse_u64_range(optarg, 1, 100000, &b.iterations)) {
				msg_err("--iterations '%s': expected a whole number from 1 to 100000",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case 'j':
			json_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		msg_err("bench: unexpected argument '%s' (see 'mmstall bench --help')", argv[optind]);
		return EXIT_USAGE;
	}
	if (run_bench(&b, json_path))
		return EXIT_FAIL;
	return b.record_ok && b.mem_ok ? EXIT_OK : EXIT_FAIL;
}
