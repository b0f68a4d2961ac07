// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the log-linear histogram (harness/hist.h).
 *
 * What a user of the report relies on: a percentile printed by mmstall is
 * within HIST_REL_ERROR of the true order statistic of the samples, whatever
 * their distribution; min and max are exact; merging per-thread histograms
 * loses nothing.  Distributions come from a fixed-seed PRNG so a failure is
 * reproducible; the exact order statistic comes from sorting the samples.
 */
#include "harness/hist.h"
#include "harness/util.h"
#include "test_util.h"

#include <math.h>
#include <stdlib.h>

#define TWO_40 (1ULL << 40)

/* splitmix64: tiny, fast, and the same sequence on every machine. */
struct rng {
	uint64_t s;
};

static uint64_t rng_u64(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double rng_unit(struct rng *r)
{
	return (double)(rng_u64(r) >> 11) * 0x1p-53;
}

/* Uniform in [lo, hi); the modulo bias is irrelevant here. */
static uint64_t rng_range(struct rng *r, uint64_t lo, uint64_t hi)
{
	return lo + rng_u64(r) % (hi - lo);
}

/* Standard normal, Box-Muller (one of the pair is thrown away). */
static double rng_normal(struct rng *r)
{
	double u1 = 1.0 - rng_unit(r), u2 = rng_unit(r);

	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

static uint64_t lognormal(struct rng *r, double median, double sigma)
{
	return (uint64_t)(median * exp(sigma * rng_normal(r)));
}

static uint64_t gen_uni_small(struct rng *r) { return rng_range(r, 0, 1000); }
static uint64_t gen_uni_us(struct rng *r) { return rng_range(r, 1000, 1000000); }
static uint64_t gen_uni_ms(struct rng *r) { return rng_range(r, 1000000, 1000000000); }
static uint64_t gen_uni_wide(struct rng *r) { return rng_range(r, 0, TWO_40); }
static uint64_t gen_below_128(struct rng *r) { return rng_range(r, 0, 128); }

static uint64_t gen_exp(struct rng *r)
{
	return (uint64_t)(-50000.0 * log(1.0 - rng_unit(r)));	/* mean 50 us */
}

/* /proc/pid/maps reads: ~20 us typical, a tail reaching 100s of ms. */
static uint64_t gen_lognormal(struct rng *r)
{
	return lognormal(r, 20000.0, 2.0);
}

/* Most probes fast (~2 us), 10% stuck behind mmap_lock (~40 ms). */
static uint64_t gen_bimodal(struct rng *r)
{
	if (rng_unit(r) < 0.9)
		return lognormal(r, 2000.0, 0.2);
	return lognormal(r, 40e6, 0.5);
}

struct dist {
	const char *name;
	uint64_t (*gen)(struct rng *r);
	bool exact;		/* all values < 128: percentiles must be exact */
};

static const struct dist dists[] = {
	{ "uniform[0,1000)", gen_uni_small, false },
	{ "uniform[1us,1ms)", gen_uni_us, false },
	{ "uniform[1ms,1s)", gen_uni_ms, false },
	{ "uniform[0,2^40)", gen_uni_wide, false },
	{ "uniform[0,128)", gen_below_128, true },
	{ "exponential(50us)", gen_exp, false },
	{ "lognormal(20us,2)", gen_lognormal, false },
	{ "bimodal(2us,40ms)", gen_bimodal, false },
};

static const size_t sizes[] = { 1, 2, 7, 100, 1000, 10007, 100000 };

/* Percentiles in hundredths of a percent, so the exact rank is integer maths. */
static const unsigned int pcts_x100[] = { 0, 2500, 5000, 9000, 9900, 9990, 9999, 10000 };

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The sample of rank ceil(p/100 * n) (at least 1) in sorted order. */
static uint64_t exact_percentile(const uint64_t *sorted, size_t n, unsigned int p_x100)
{
	uint64_t rank = ((uint64_t)p_x100 * n + 9999) / 10000;

	return sorted[(rank ? rank : 1) - 1];
}

static bool within_bound(uint64_t exact, uint64_t got)
{
	uint64_t diff = got > exact ? got - exact : exact - got;

	return got == exact || (double)diff < (double)exact * HIST_REL_ERROR;
}

/* Record v[0..n), then compare every percentile, min, max, sum to the truth. */
static void check_sample(const char *name, uint64_t *v, size_t n, bool exact)
{
	struct hist h;
	uint64_t sum = 0;
	size_t i;

	hist_init(&h);
	for (i = 0; i < n; i++) {
		hist_record(&h, v[i]);
		sum += v[i];
	}
	qsort(v, n, sizeof(*v), cmp_u64);

	TEST_CONTEXT("%s n=%zu", name, n);
	CHECK_U64(n, h.count);
	CHECK_U64(v[0], h.min_ns);
	CHECK_U64(v[n - 1], h.max_ns);
	CHECK_U64(sum, h.sum_ns);
	CHECK_DBL((double)sum / n, hist_mean(&h), 1e-9 * ((double)sum / n));
	for (i = 0; i < ARRAY_SIZE(pcts_x100); i++) {
		double p = pcts_x100[i] / 100.0;
		uint64_t want = exact_percentile(v, n, pcts_x100[i]);
		uint64_t got = hist_percentile(&h, p);

		TEST_CONTEXT("%s n=%zu p%g: exact %" PRIu64 ", reported %" PRIu64,
			     name, n, p, want, got);
		if (exact)
			CHECK_U64(want, got);
		else
			CHECK(within_bound(want, got));
	}
	/* The table's "max" column is p100: it must be the exact maximum. */
	CHECK_U64(v[n - 1], hist_percentile(&h, 100.0));
	TEST_CONTEXT_CLEAR();
}

static void test_distributions(void)
{
	uint64_t *v = malloc(sizes[ARRAY_SIZE(sizes) - 1] * sizeof(*v));
	size_t d, s, i;

	if (!CHECK(v != NULL))
		return;
	for (d = 0; d < ARRAY_SIZE(dists); d++) {
		for (s = 0; s < ARRAY_SIZE(sizes); s++) {
			struct rng r = { .s = 0x6d6d7374616c6cULL + d * 1000 + s };

			for (i = 0; i < sizes[s]; i++)
				v[i] = dists[d].gen(&r);
			check_sample(dists[d].name, v, sizes[s], dists[d].exact);
		}
	}
	free(v);
}

/* Every value < 128 has its own bucket: each percentile is the exact sample. */
static void test_constants(void)
{
	static const uint64_t consts[] = {
		0, 1, 63, 64, 127, 128, 129, 255, 1000003, (1ULL << 39) + 12345,
		TWO_40 - 1, TWO_40, TWO_40 + 1, 1ULL << 50,
	};
	uint64_t v[1000];
	size_t c, i;

	for (c = 0; c < ARRAY_SIZE(consts); c++) {
		char name[64];

		snprintf(name, sizeof(name), "constant %" PRIu64, consts[c]);
		for (i = 0; i < ARRAY_SIZE(v); i++)
			v[i] = consts[c];
		/* min == max == the value, so the clamp makes every percentile exact. */
		check_sample(name, v, ARRAY_SIZE(v), true);
	}
}

/*
 * Values beyond the last bucket group (2^40 ns, ~18 min) land in the last
 * bucket, and max keeps the exact value.  At most 1 in 10000 samples is
 * that large, so of the percentiles only p100 looks at one: it is max_ns.
 */
static void test_beyond_range(void)
{
	static const size_t ns[] = { 1000, 10007, 100000 };
	uint64_t *v = malloc(ns[ARRAY_SIZE(ns) - 1] * sizeof(*v));
	size_t s, i;

	if (!CHECK(v != NULL))
		return;
	for (s = 0; s < ARRAY_SIZE(ns); s++) {
		struct rng r = { .s = 4242 + s };
		size_t n = ns[s], big = 1 + n / 20000;

		for (i = 0; i < n; i++)
			v[i] = gen_lognormal(&r);
		for (i = 0; i < big; i++) {
			v[i * 7] = rng_range(&r, TWO_40, 1ULL << 50);
			TEST_CONTEXT("beyond 2^40: %" PRIu64, v[i * 7]);
			CHECK_U64(HIST_NR_BUCKETS - 1, hist_index(v[i * 7]));
		}
		check_sample("lognormal + beyond 2^40", v, n, false);
	}
	CHECK_U64(HIST_NR_BUCKETS - 1, hist_index(UINT64_MAX));
	free(v);
}

/* hist_bucket_range() must describe exactly what hist_index() does. */
static void test_bucket_ranges(void)
{
	uint64_t lo, hi, prev_hi = 0;
	struct rng r = { .s = 99 };
	unsigned int idx;
	int i;

	for (idx = 0; idx < HIST_NR_BUCKETS; idx++) {
		hist_bucket_range(idx, &lo, &hi);
		TEST_CONTEXT("bucket %u [%" PRIu64 ", %" PRIu64 "]", idx, lo, hi);
		CHECK(lo <= hi);
		CHECK_U64(idx, hist_index(lo));
		CHECK_U64(idx, hist_index(hi));
		/* Contiguous and non-overlapping: each starts where the last ended. */
		CHECK_U64(idx ? prev_hi + 1 : 0, lo);
		if (lo < 2 * HIST_SUB)
			CHECK_U64(lo, hi);		/* exact below 128 */
		else
			CHECK((hi - lo + 1) * HIST_SUB <= lo);	/* width/lo <= 1/64 */
		prev_hi = hi;
	}
	TEST_CONTEXT_CLEAR();
	CHECK_U64(TWO_40 - 1, prev_hi);
	CHECK_U64(HIST_NR_BUCKETS - 1, hist_index(TWO_40));

	/* And random values fall inside their bucket's range. */
	for (i = 0; i < 1000000; i++) {
		uint64_t v = rng_u64(&r) >> (rng_u64(&r) % 64);

		idx = hist_index(v);
		if (idx >= HIST_NR_BUCKETS) {
			CHECK(idx < HIST_NR_BUCKETS);
			break;
		}
		hist_bucket_range(idx, &lo, &hi);
		if (v < lo || (v > hi && idx != HIST_NR_BUCKETS - 1)) {
			TEST_CONTEXT("value %" PRIu64 " in bucket %u", v, idx);
			CHECK(lo <= v && v <= hi);
			break;
		}
	}
	TEST_CONTEXT_CLEAR();
	CHECK(i == 1000000);
}

static void check_hist_equal(const struct hist *a, const struct hist *b)
{
	unsigned int i;

	CHECK_U64(a->count, b->count);
	CHECK_U64(a->min_ns, b->min_ns);
	CHECK_U64(a->max_ns, b->max_ns);
	CHECK_U64(a->sum_ns, b->sum_ns);
	for (i = 0; i < HIST_NR_BUCKETS; i++)
		if (a->buckets[i] != b->buckets[i])
			break;
	TEST_CONTEXT("first differing bucket %u", i);
	CHECK_U64(HIST_NR_BUCKETS, i);
	TEST_CONTEXT_CLEAR();
}

/* Per-thread histograms merged must equal one histogram of everything. */
static void test_merge(void)
{
	static struct hist all, a, b, empty, copy;
	struct rng r = { .s = 7 };
	const size_t n = 200001;
	size_t i;

	hist_init(&all);
	hist_init(&a);
	hist_init(&b);
	for (i = 0; i < n; i++) {
		uint64_t v = gen_bimodal(&r);

		if (i % 5000 == 0)
			v = rng_range(&r, TWO_40, 1ULL << 45);
		if (i % 777 == 0)
			v = rng_range(&r, 0, 128);
		hist_record(&all, v);
		hist_record(i < n / 2 ? &a : &b, v);
	}
	hist_merge(&a, &b);
	check_hist_equal(&all, &a);

	/* Into an empty histogram: a copy.  An empty one merged in: no change. */
	hist_init(&copy);
	hist_merge(&copy, &all);
	check_hist_equal(&all, &copy);
	hist_init(&empty);
	hist_merge(&copy, &empty);
	check_hist_equal(&all, &copy);
	CHECK_U64(hist_percentile(&all, 99.0), hist_percentile(&copy, 99.0));
}

static void test_samples_needed(void)
{
	CHECK_U64(100, hist_samples_needed(99.0));
	CHECK_U64(1000, hist_samples_needed(99.9));
	CHECK_U64(10000, hist_samples_needed(99.99));
	CHECK_U64(10, hist_samples_needed(90.0));
	CHECK_U64(2, hist_samples_needed(50.0));
	CHECK_U64(1, hist_samples_needed(100.0));
}

static void test_empty(void)
{
	static struct hist h, e2;
	unsigned int i;

	/* hist_init() must not depend on the memory being zero already. */
	memset(&h, 0xa5, sizeof(h));
	hist_init(&h);
	CHECK_U64(0, h.count);
	CHECK_U64(0, h.sum_ns);
	CHECK_U64(0, h.max_ns);
	CHECK_U64(UINT64_MAX, h.min_ns);
	for (i = 0; i < HIST_NR_BUCKETS && !h.buckets[i]; i++)
		;
	CHECK_U64(HIST_NR_BUCKETS, i);
	for (i = 0; i < ARRAY_SIZE(pcts_x100); i++)
		CHECK_U64(0, hist_percentile(&h, pcts_x100[i] / 100.0));
	CHECK_DBL(0.0, hist_mean(&h), 0.0);

	hist_init(&e2);
	hist_merge(&e2, &h);
	CHECK_U64(0, e2.count);
	CHECK_U64(UINT64_MAX, e2.min_ns);
	CHECK_U64(0, e2.max_ns);
	CHECK_U64(0, hist_percentile(&e2, 50.0));
}

/* min and max are exact even where the buckets are 2^33 ns wide. */
static void test_min_max(void)
{
	static const uint64_t v[] = { 5000017, 1000003, 129, (1ULL << 39) + 1, 77777 };
	struct hist h;
	size_t i;

	hist_init(&h);
	for (i = 0; i < ARRAY_SIZE(v); i++)
		hist_record(&h, v[i]);
	CHECK_U64(129, h.min_ns);
	CHECK_U64((1ULL << 39) + 1, h.max_ns);
	CHECK_U64(129, hist_percentile(&h, 0.0));
	CHECK_U64((1ULL << 39) + 1, hist_percentile(&h, 100.0));

	hist_init(&h);
	hist_record(&h, 0);
	CHECK_U64(0, h.min_ns);
	CHECK_U64(0, h.max_ns);
	CHECK_U64(0, hist_percentile(&h, 100.0));
}

/*
 * Histograms reloaded from a result file (hist_add_bucket) know each sample
 * only by its bucket: percentiles are still within the bound, also while
 * min/max are not (yet) known.
 */
static void test_add_bucket(void)
{
	struct hist h;

	hist_init(&h);
	hist_add_bucket(&h, 5000, 10);
	hist_add_bucket(&h, 90, 5);
	CHECK_U64(15, h.count);
	CHECK_U64(5, h.buckets[hist_index(90)]);
	CHECK_U64(10, h.buckets[hist_index(5000)]);
	CHECK(within_bound(5000, hist_percentile(&h, 50.0)));
	CHECK(within_bound(5000, hist_percentile(&h, 100.0)));
	CHECK_U64(90, hist_percentile(&h, 10.0));
	h.min_ns = 90;
	h.max_ns = 5003;
	CHECK_U64(5003, hist_percentile(&h, 100.0));
}

int main(void)
{
	test_distributions();
	test_constants();
	test_beyond_range();
	test_bucket_ranges();
	test_merge();
	test_samples_needed();
	test_empty();
	test_min_max();
	test_add_bucket();
	return test_summary();
}
