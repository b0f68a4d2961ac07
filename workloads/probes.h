/* SPDX-License-Identifier: GPL-2.0 */
/*
 * High-priority probes.  A probe is one entry in probe_list[] (probes.c):
 * setup() once, then per sample an untimed prepare() and the timed
 * sample(), which must hold nothing but the operation being measured.  The
 * schedule, the clocks and the histograms belong to the driver loop in
 * probes.c, never to a probe.  To add a probe: write its ops and add one
 * line to probe_list[].
 */
#ifndef MMSTALL_PROBES_H
#define MMSTALL_PROBES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct probe_env {
	pid_t lo_pid;
	const char *hi_file;
	uint64_t hi_file_size;
	uint64_t seed;
	int idx;
	int thread;		/* which of the probe's threads (0-based): one state per thread */
};

struct probe_ops {
	const char *name;
	const char *what;		/* one line for docs and results */
	const char *lock;		/* whose mmap_lock the operation takes: "lo", "hi" or "none" */
	bool control;			/* the noise-floor probe other probes are compared with */
	int (*setup)(const struct probe_env *env, void **state, char *err, size_t errlen);
	void (*prepare)(void *state);	/* untimed, may be NULL */
	int (*sample)(void *state);	/* timed; 0 or -errno */
	void (*teardown)(void *state);
};

extern const struct probe_ops probe_list[];
extern const int probe_count;

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

#endif
