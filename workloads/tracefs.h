/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The attribution collector: a tracefs instance of its own
 * (instances/mmstall-<pid>) with the mmap_lock tracepoints filtered on lo's
 * memory cgroup (memcg_path on 6.1-6.13, memcg_id on 6.14+: the mm owner's
 * group, so hi's waits on lo's mm pass too), a kernel stack on every
 * acquisition and on every write request, and sched_switch of lo's threads
 * with the stack each one blocks in.  No perf, no bpftrace: plain tracefs
 * writes, so it runs in the guest's busybox world.  The ring buffer is sized
 * from the traced time and never read while the scenario runs (no reader
 * competes with the measurement); harness/attrib.c reads it afterwards.
 *
 *   attrib_collect_start()  after lo and hi exist, before the warm-up
 *   attrib_collect_stop()   after the window (and the probes' last samples)
 *   attrib_collect_json()   the result's "attribution" object
 *   attrib_collect_free()   removes the instance (and tracefs, if mounted here)
 *
 * For fixtures and debugging, from the environment: MMSTALL_ATTRIB_TRACE=FILE
 * keeps a copy of the raw trace text in FILE; MMSTALL_ATTRIB_BUFFER_KB=N
 * forces the ring buffer to N KiB per CPU (a small one loses events).
 */
#ifndef MMSTALL_TRACEFS_H
#define MMSTALL_TRACEFS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct attrib_collect_opts {
	pid_t lo_pid, hi_pid;
	const char *lo_cgroup;	/* lo's directory in the cgroup2 mount */
	uint64_t traced_ns;	/* how long tracing will run: sizes the ring buffer */
	uint64_t min_ns;	/* the attribute-min setting */
};

struct attrib_collect;

/* 0, or -errno with a sentence in err (no tracefs, an event or field missing, a filter refused). */
int attrib_collect_start(struct attrib_collect **out, const struct attrib_collect_opts *o, char *err,
			 size_t errlen);
/* Stop recording (idempotent). */
void attrib_collect_stop(struct attrib_collect *ac);
/*
 * Read the trace and analyse it for the window [start, end) (CLOCK_MONOTONIC).
 * Always returns an object: status "ok", or "failed" with the reason.
 */
json_t *attrib_collect_json(struct attrib_collect *ac, uint64_t window_start_ns, uint64_t window_end_ns);
/* Remove the instance; NULL is fine. */
void attrib_collect_free(struct attrib_collect *ac);

/* The "attribution" object of a run that asked for it but could not start it. */
json_t *attrib_collect_failed_json(const char *why, uint64_t min_ns);

#endif
