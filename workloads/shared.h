/* SPDX-License-Identifier: GPL-2.0 */
/*
 * State shared between the controller (mmstall run) and its two workload
 * processes, in one MAP_SHARED|MAP_ANONYMOUS region created before fork().
 * Each histogram has exactly one writer thread, so recording takes no lock;
 * the controller reads them after the workers have stopped.
 */
#ifndef MMSTALL_SHARED_H
#define MMSTALL_SHARED_H

#include <limits.h>
#include <linux/futex.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

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
	/*
	 * Due time of this thread's first sample not yet completed (the one in
	 * flight while its timed operation runs), 0 when none: what
	 * probes_censor() reads once the probes have stopped.
	 */
	uint64_t unfinished_due_ns;
	uint64_t censored;		/* samples due in the window, not completed when the probes stopped */
	uint64_t censored_min_ns;	/* the least wait recorded for one of them */
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
	if (src->censored && (!dst->censored || src->censored_min_ns < dst->censored_min_ns))
		dst->censored_min_ns = src->censored_min_ns;
	dst->censored += src->censored;
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

/* Store and wake whoever waits on the flag (a futex on the shared page, across processes). */
static inline void shared_store(int *p, int v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
	syscall(SYS_futex, p, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

/* Sleep while *p == val, at most timeout_ns (0: no limit); wakes at once when it changes. */
static inline void shared_wait(int *p, int val, uint64_t timeout_ns)
{
	struct timespec ts = { (time_t)(timeout_ns / 1000000000ULL), (long)(timeout_ns % 1000000000ULL) };

	syscall(SYS_futex, p, FUTEX_WAIT, val, timeout_ns ? &ts : NULL, NULL, 0);
}

/* Workers: until the controller says go (or stop, checked every 10 ms). */
static inline void shared_wait_go(struct run_shared *sh)
{
	while (!shared_load(&sh->go) && !shared_load(&sh->stop))
		shared_wait(&sh->go, 0, 10 * 1000 * 1000);
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
