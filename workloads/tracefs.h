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
 *   attrib_collect_prepare() once the cgroups exist, before lo and hi start:
 *                            the instance, its filters and triggers, the
 *                            events enabled with recording off
 *   attrib_collect_start()   just before the warm-up: recording on
 *   attrib_collect_stop()    after the window (and the probes' last samples)
 *   attrib_collect_json()    the result's "attribution" object
 *   attrib_collect_free()    removes the instance (and tracefs, if mounted
 *                            here), except on a disposable machine
 *
 * Why prepare early: enabling a tracepoint patches kernel text (a static
 * key), and under QEMU TCG another vCPU running the patched code then
 * sometimes takes a fatal int3 Oops (the emulator flake the VM code retries
 * boots for).  Seen 3 times in about 15 guest runs when the events were
 * enabled under lo's and hi's load, in ttwu_do_activate and __schedule; so
 * the events are enabled on a quiet machine, and on a disposable one
 * ('mmstall run --disposable', the guests) never disabled again.

 * For fixtures and debugging, from the environment: MMSTALL_ATTRIB_TRACE=FILE
 * keeps a copy of the raw trace text in FILE; MMSTALL_ATTRIB_BUFFER_KB=N
 * forces the ring buffer to N KiB per CPU (a small one loses events).
 */
#ifndef MMSTALL_TRACEFS_H
#define MMSTALL_TRACEFS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* lo's threads' name (workloads/lo.c sets it with PR_SET_NAME): sched_switch is filtered on it. */
#define ATTRIB_LO_COMM "mmstall-lo"

struct attrib_collect_opts {
	const char *lo_cgroup;		/* lo's directory in the cgroup2 mount (it must exist) */
	const char *cgroup_mount;	/* the cgroup2 mount: lo's path below it is what memcg_path shows */
	uint64_t traced_ns;		/* how long recording will run: sizes the ring buffer */
	uint64_t min_ns;		/* the attribute-min setting */
	bool disposable;		/* leave the instance and its events at the end (see above) */
};

struct attrib_collect;

/* 0, or -errno with a sentence in err (no tracefs, an event or field missing, a filter refused). */
int attrib_collect_prepare(struct attrib_collect **out, const struct attrib_collect_opts *o, char *err,
			   size_t errlen);
/* Recording on; lo's and hi's process ids name their threads in the analysis.  0 or -errno. */
int attrib_collect_start(struct attrib_collect *ac, pid_t lo_pid, pid_t hi_pid);
/* Recording off (idempotent). */
void attrib_collect_stop(struct attrib_collect *ac);
/*
 * Stop, read the trace and analyse it for the window [start, end)
 * (CLOCK_MONOTONIC) and what followed it until the stop.  Always returns an
 * object: status "ok", or "failed" with the reason.
 */
json_t *attrib_collect_json(struct attrib_collect *ac, uint64_t window_start_ns, uint64_t window_end_ns);
/* Remove the instance unless disposable; NULL is fine. */
void attrib_collect_free(struct attrib_collect *ac);

/* The "attribution" object of a run that asked for it but could not start it. */
json_t *attrib_collect_failed_json(const char *why, uint64_t min_ns);

#endif
