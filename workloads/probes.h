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
#include <stdint.h>
#include <sys/types.h>

struct probe_env {
	pid_t lo_pid;
	const char *hi_file;
	uint64_t hi_file_size;
	uint64_t seed;
	int idx;
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
/* Is probe idx in the comma-separated list?  The control probe always is. */
bool probe_selected(const char *list, int idx);
/* Index of the control probe in probe_list[]. */
int probe_control_index(void);

#endif
