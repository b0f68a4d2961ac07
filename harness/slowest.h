/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The K slowest samples of a probe, with their times: what a histogram
 * cannot say (when did the stalls happen, on which thread, how long the
 * operation itself took).  A min-heap on the corrected latency: s[0] is the
 * fastest sample kept, so a sample that does not make the list costs one
 * comparison; one that does costs a sift-down of log2(K) = 6 levels.
 * Memory is constant (SLOWEST_K entries), one instance per thread with no
 * locking, like struct hist; merging re-adds the entries.
 */
#ifndef MMSTALL_SLOWEST_H
#define MMSTALL_SLOWEST_H

#include <stdint.h>
#include <stdlib.h>

#define SLOWEST_K 64

struct slow_sample {
	uint64_t due_ns;	/* intended start (CLOCK_MONOTONIC) */
	uint64_t corrected_ns;	/* end - due */
	uint64_t service_ns;	/* end - actual start */
	uint32_t thread;	/* the probe's thread that took it */
};

struct slowest {
	uint32_t n;
	struct slow_sample s[SLOWEST_K];	/* min-heap on corrected_ns */
};

static inline void slowest_init(struct slowest *h)
{
	h->n = 0;
}

static inline void slowest_sift_down(struct slowest *h, uint32_t i)
{
	struct slow_sample x = h->s[i];

	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->s[c + 1].corrected_ns < h->s[c].corrected_ns)
			c++;
		if (h->s[c].corrected_ns >= x.corrected_ns)
			break;
		h->s[i] = h->s[c];
		i = c;
	}
	h->s[i] = x;
}

static inline void slowest_push(struct slowest *h, const struct slow_sample *x)
{
	uint32_t i;

	if (h->n == SLOWEST_K) {
		/* ties keep the earlier sample */
		if (x->corrected_ns <= h->s[0].corrected_ns)
			return;
		h->s[0] = *x;
		slowest_sift_down(h, 0);
		return;
	}
	for (i = h->n++; i && h->s[(i - 1) / 2].corrected_ns > x->corrected_ns; i = (i - 1) / 2)
		h->s[i] = h->s[(i - 1) / 2];
	h->s[i] = *x;
}

/* Hot path, after the timed section: usually a single comparison. */
static inline void slowest_add(struct slowest *h, uint64_t due_ns, uint64_t corrected_ns, uint64_t service_ns,
			       uint32_t thread)
{
	struct slow_sample x = { due_ns, corrected_ns, service_ns, thread };

	if (h->n == SLOWEST_K && corrected_ns <= h->s[0].corrected_ns)
		return;
	slowest_push(h, &x);
}

static inline void slowest_merge(struct slowest *dst, const struct slowest *src)
{
	uint32_t i;

	for (i = 0; i < src->n; i++)
		slowest_push(dst, &src->s[i]);
}

static inline int slowest_cmp_due(const void *a, const void *b)
{
	const struct slow_sample *x = a, *y = b;

	if (x->due_ns != y->due_ns)
		return x->due_ns < y->due_ns ? -1 : 1;
	return (x->thread > y->thread) - (x->thread < y->thread);
}

/* Reorder the kept samples by due time (the heap is no longer a heap). */
static inline void slowest_sort_by_time(struct slowest *h)
{
	qsort(h->s, h->n, sizeof(h->s[0]), slowest_cmp_due);
}

#endif
