/* SPDX-License-Identifier: GPL-2.0 */
/*
 * High-priority probes.  A probe is one struct probe_ops in a file of its
 * own (workloads/probes/NAME.c) and one line in PROBES() (probes.c): what
 * one sample does, the lock it takes (on which kernels), the kernel
 * features it needs, and setup() once, then per sample an untimed
 * prepare() and the timed sample(), which must hold nothing but the
 * operation being measured.  The schedule, the clocks and the histograms
 * belong to the driver loop in probes.c, never to a probe.
 */
#ifndef MMSTALL_PROBES_H
#define MMSTALL_PROBES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct scenario;
struct run_shared;

struct probe_env {
	pid_t lo_pid;
	const char *hi_file;
	uint64_t hi_file_size;
	uint64_t seed;
	int idx;
	int thread;		/* which of the probe's threads (0-based): one state per thread */
};

/* What the kernel under test does, as far as a probe's lock depends on it. */
struct probe_kernel {
	int per_vma_maps;	/* /proc/pid/maps under per-VMA locks (6.17+): 1 yes, 0 no, -1 unknown */
};

/* The lock a sample waits for. */
struct probe_lock {
	const char *of;		/* whose mmap_lock: "lo", "hi" or "none" (the result's mmap_lock_of) */
	const char *how;	/* "mmap_read_lock_killable of lo's mm" */
};

struct probe_ops {
	const char *name;
	const char *op;			/* what one sample does: "read all of /proc/<lo>/maps" */
	struct probe_lock lock;		/* on every kernel, unless lock_on() says otherwise */
	/* the lock on kernel k (may be NULL); k->... -1 (unknown) must be answered too */
	struct probe_lock (*lock_on)(const struct probe_kernel *k);
	const char *const *needs;	/* kernel features (harness/kernel/features.c names), NULL-terminated */
	bool control;			/* the noise-floor probe other probes are compared with */
	int (*setup)(const struct probe_env *env, void **state, char *err, size_t errlen);
	void (*prepare)(void *state);	/* untimed, may be NULL */
	int (*sample)(void *state);	/* timed; 0 or -errno */
	void (*teardown)(void *state);
};

extern const struct probe_ops *const probe_list[];
extern const int probe_count;

/*
 * A probe's lock on kernel k (NULL: unknown kernel), and its description:
 * "op (how)", e.g. "read all of /proc/<lo>/maps (mmap_read_lock_killable of
 * lo's mm)"; the result's probes.<name>.what.
 */
struct probe_lock probe_lock_on(const struct probe_ops *p, const struct probe_kernel *k);
void probe_what(const struct probe_ops *p, const struct probe_kernel *k, char *buf, size_t len);

/* A probe's period: the range of the probe-interval setting and of each entry's INTERVAL. */
#define PROBE_INTERVAL_MIN_NS (100ULL * 1000)
#define PROBE_INTERVAL_MAX_NS (10ULL * 1000 * 1000 * 1000)

/*
 * How each probe runs, from the probes setting: comma-separated entries
 * NAME[:INTERVAL[:THREADS]] (INTERVAL empty or left out: the probe-interval
 * setting; THREADS left out: 1).  Each of a probe's threads has its own
 * fixed schedule at INTERVAL; thread j of n starts j/n of a period late, so
 * they do not fire together.
 */
struct probe_plan {
	bool on;		/* selected (the control probe always is) */
	uint64_t interval_ns;	/* each thread's period */
	unsigned int threads;
};

/*
 * Parse spec into plan[probe_count] (indexed as probe_list[]); intervals
 * left out become default_interval_ns.  0, or -EINVAL with a message naming
 * the entry and what is accepted.
 */
int probe_plan_parse(const char *spec, uint64_t default_interval_ns, struct probe_plan *plan, char *err,
		     size_t errlen);
/* What the probes setting accepts, in one line. */
void probe_plan_describe(char *buf, size_t len);
/* Is probe idx in the probes setting?  The control probe always is. */
bool probe_selected(const char *list, int idx);
/* Index of the control probe in probe_list[]. */
int probe_control_index(void);
/* Index of a probe by name, -1 if none. */
int probe_index(const char *name);

/*
 * Censored samples, once the probes have stopped (finished, or killed at
 * stop_ns): for each probe thread, the sample that was in flight and every
 * later one due in the window that never started are recorded in its
 * corrected histogram with the time they had waited by stop_ns, and counted
 * (struct probe_record censored, censored_min_ns).  A probe stuck on the lock
 * past the end of the window thus counts as the stall it is, as a lower
 * bound, instead of vanishing.  Returns how many were added.
 */
uint64_t probes_censor(const struct scenario *sc, struct run_shared *sh, uint64_t stop_ns);
/* The same for probes list[0..nr) run with plan (tests run probes of their own). */
uint64_t probe_plan_censor(const struct probe_plan *plan, int nr, struct run_shared *sh, uint64_t stop_ns);

/*
 * The probe threads of list[0..nr) as plan says, on the schedule in sh,
 * each recording into sh->probes[i][thread]; returns an exit code once all
 * have finished (hi_main() runs probe_list[] this way).
 */
int probes_run(const struct probe_ops *const *list, int nr, const struct probe_plan *plan,
	       const struct probe_env *env, struct run_shared *sh);

#endif
