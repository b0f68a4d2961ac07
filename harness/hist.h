/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Log-linear latency histogram, after fio's stat.h (FIO_IO_U_PLAT_BITS).
 *
 * Values are nanoseconds.  Values below 2^(HIST_BITS+1) = 128 ns each have a
 * bucket of their own (exact).  Above that, every power-of-two range
 * [2^m, 2^(m+1)) is split into 2^HIST_BITS = 64 equal buckets, so a bucket's
 * width is at most 1/64 of its lower bound.  A percentile is reported as the
 * midpoint of the bucket holding the sample of that rank (clamped to the exact
 * min/max), hence:
 *
 *   |reported - exact| < exact / 128    (relative error below 0.79%)
 *
 * where "exact" is the sample of rank ceil(p/100 * count) in sorted order.
 * HIST_REL_ERROR states that bound; tests/test_hist.c checks it.
 *
 * Memory is constant (HIST_NR_BUCKETS counters, ~18 KiB), one instance per
 * thread with no locking; merging adds buckets.  The top bucket group ends at
 * 2^40 ns (~18 minutes); larger values are counted in the last bucket, while
 * max_ns keeps the exact value (and p100 reports it).
 */
#ifndef MMSTALL_HIST_H
#define MMSTALL_HIST_H

#include <stdbool.h>
#include <stdint.h>

#define HIST_BITS 6
#define HIST_SUB (1u << HIST_BITS)		/* buckets per power of two */
#define HIST_MAX_MSB 39				/* last group: [2^39, 2^40) ns */
#define HIST_NR_BUCKETS ((HIST_MAX_MSB - HIST_BITS + 1 + 1) * HIST_SUB)
#define HIST_REL_ERROR (1.0 / (2 * HIST_SUB))	/* see above */

struct hist {
	uint64_t count;
	uint64_t min_ns;
	uint64_t max_ns;
	uint64_t sum_ns;
	uint64_t buckets[HIST_NR_BUCKETS];
};

void hist_init(struct hist *h);

static inline unsigned int hist_index(uint64_t v)
{
	unsigned int msb, shift;

	if (v < 2 * HIST_SUB)
		return (unsigned int)v;
	msb = 63 - __builtin_clzll(v);
	if (msb > HIST_MAX_MSB)
		return HIST_NR_BUCKETS - 1;
	shift = msb - HIST_BITS;
	return ((shift + 1) << HIST_BITS) + ((v >> shift) & (HIST_SUB - 1));
}

/* Hot path: a handful of instructions, no branches on the bucket search. */
static inline void hist_record(struct hist *h, uint64_t ns)
{
	h->buckets[hist_index(ns)]++;
	h->count++;
	h->sum_ns += ns;
	if (ns < h->min_ns)
		h->min_ns = ns;
	if (ns > h->max_ns)
		h->max_ns = ns;
}

/* Inclusive value range [lo, hi] covered by bucket idx. */
void hist_bucket_range(unsigned int idx, uint64_t *lo, uint64_t *hi);
void hist_merge(struct hist *dst, const struct hist *src);
/* Add count samples known only by the bucket holding value ns (loading stored results). */
void hist_add_bucket(struct hist *h, uint64_t ns, uint64_t count);
/* p in [0, 100]; returns 0 for an empty histogram. */
uint64_t hist_percentile(const struct hist *h, double p);
double hist_mean(const struct hist *h);

/*
 * Samples needed before a percentile means anything: p99 needs 100 samples,
 * p99.9 needs 1000 (one sample beyond the percentile on average).
 */
uint64_t hist_samples_needed(double p);

#endif
