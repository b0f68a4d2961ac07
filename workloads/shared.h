/* SPDX-License-Identifier: GPL-2.0 */
/*
 * State shared between the controller (mmstall run) and its two workload
 * processes, in one MAP_SHARED|MAP_ANONYMOUS region created before fork().
 * Each histogram has exactly one writer thread, so recording takes no lock;
 * the controller reads them after the workers have stopped.
 */
#ifndef MMSTALL_SHARED_H
#define MMSTALL_SHARED_H

#include <stdint.h>
#include <sys/types.h>

#include "harness/hist.h"
#include "harness/slowest.h"

#define MAX_FAULTERS 256
#define MAX_PROBES 16
#define MAX_PROBE_THREADS 16	/* threads of one probe (the probes setting's NAME:INTERVAL:THREADS) */
#define MAX_WRITERS 64

struct probe_record {
	struct hist corrected;	/* end - intended start (coordinated omission corrected) */
	struct hist service;	/* end - actual start (the operation alone) */
	uint64_t errors;
	int first_errno;
	uint64_t late;		/* samples that started after their intended time had passed the next one */
	struct slowest slowest;	/* the SLOWEST_K largest corrected latencies, with their times */
};

/* Add the record of one probe thread into dst (a probe's merged record). */
static inline void probe_record_merge(struct probe_record *dst, const struct probe_record *src)
{
	hist_merge(&dst->corrected, &src->corrected);
	hist_merge(&dst->service, &src->service);
	if (!dst->errors && src->errors)
		dst->first_errno = src->first_errno;
	dst->errors += src->errors;
	dst->late += src->late;
	slowest_merge(&dst->slowest, &src->slowest);
}

struct run_shared {
	/* Schedule, in CLOCK_MONOTONIC ns; written before 'go'. */
	uint64_t t0_ns;			/* every periodic loop's origin */
	uint64_t measure_start_ns;	/* t0 + warm-up */
	uint64_t measure_end_ns;	/* measure_start + duration */
	int go;				/* controller -> workers */
	int stop;			/* controller -> workers: stop now (signal, error) */
	int lo_ready, hi_ready;		/* workers -> controller */
	pid_t lo_pid;
	char lo_error[256], hi_error[256];

	/* one record per probe thread (one writer each); merged per probe by the controller */
	struct probe_record probes[MAX_PROBES][MAX_PROBE_THREADS];
	struct hist writer[MAX_WRITERS];	/* lo's writer operations, per writer */
	uint64_t writer_ops[MAX_WRITERS];
	uint64_t writer_errors;
	int writer_first_errno;
	struct hist faults[MAX_FAULTERS]; /* lo's page-touch time, per faulter */
	uint64_t touches[MAX_FAULTERS];
};

static inline int shared_load(const int *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void shared_store(int *p, int v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* A sample counts when its intended start lies in [measure_start, measure_end). */
static inline int shared_in_window(const struct run_shared *sh, uint64_t intended)
{
	return intended >= sh->measure_start_ns && intended < sh->measure_end_ns;
}

/* xorshift64*: cheap, seedable, good enough for picking pages. */
static inline uint64_t rng_next(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static inline uint64_t rng_seed(uint64_t seed, uint64_t stream)
{
	uint64_t s = seed * 0x9E3779B97F4A7C15ULL + stream * 0xBF58476D1CE4E5B9ULL + 1;

	return s ? s : 1;
}

#endif
