// SPDX-License-Identifier: GPL-2.0
#include "harness/hist.h"

#include <math.h>
#include <string.h>

void hist_init(struct hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min_ns = UINT64_MAX;
}

void hist_bucket_range(unsigned int idx, uint64_t *lo, uint64_t *hi)
{
	unsigned int shift;

	if (idx < 2 * HIST_SUB) {
		*lo = *hi = idx;
		return;
	}
	shift = (idx >> HIST_BITS) - 1;
	*lo = (uint64_t)(HIST_SUB + (idx & (HIST_SUB - 1))) << shift;
	*hi = *lo + (1ULL << shift) - 1;
}

void hist_merge(struct hist *dst, const struct hist *src)
{
	unsigned int i;

	for (i = 0; i < HIST_NR_BUCKETS; i++)
		dst->buckets[i] += src->buckets[i];
	dst->count += src->count;
	dst->sum_ns += src->sum_ns;
	if (src->min_ns < dst->min_ns)
		dst->min_ns = src->min_ns;
	if (src->max_ns > dst->max_ns)
		dst->max_ns = src->max_ns;
}

void hist_add_bucket(struct hist *h, uint64_t ns, uint64_t count)
{
	h->buckets[hist_index(ns)] += count;
	h->count += count;
}

/*
 * ceil(p/100 * count) in integers: in floating point 99.9/100 * 1000 comes
 * out as 999.0000000000001, so p99.9 of 1000 samples would be the maximum.
 * p is taken to a millionth of a percent.
 */
static uint64_t hist_rank(double p, uint64_t count)
{
	unsigned __int128 scaled;
	uint64_t rank;

	if (!(p > 0.0))		/* also NaN */
		return 1;
	if (p >= 100.0)
		return count;
	scaled = (unsigned __int128)llround(p * 1e6) * count;
	rank = (uint64_t)((scaled + 100000000 - 1) / 100000000);
	return rank ? rank : 1;
}

uint64_t hist_percentile(const struct hist *h, double p)
{
	uint64_t rank, seen = 0, lo, hi, mid;
	unsigned int i;

	if (!h->count)
		return 0;
	rank = hist_rank(p, h->count);
	/* The top sample is max_ns, even beyond the last bucket (2^40 ns). */
	if (rank == h->count && h->max_ns)
		return h->max_ns;
	for (i = 0; i < HIST_NR_BUCKETS; i++) {
		seen += h->buckets[i];
		if (seen >= rank)
			break;
	}
	if (i == HIST_NR_BUCKETS)
		return h->max_ns;
	hist_bucket_range(i, &lo, &hi);
	mid = lo + (hi - lo) / 2;
	/* The exact extremes are known: never report outside them. */
	if (h->max_ns && mid > h->max_ns)
		mid = h->max_ns;
	if (h->min_ns != UINT64_MAX && mid < h->min_ns)
		mid = h->min_ns;
	return mid;
}

double hist_mean(const struct hist *h)
{
	return h->count ? (double)h->sum_ns / (double)h->count : 0.0;
}

uint64_t hist_samples_needed(double p)
{
	if (p >= 100.0)
		return 1;
	return (uint64_t)ceil(100.0 / (100.0 - p) - 1e-9);
}
