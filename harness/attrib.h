/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stall attribution: who held lo's mmap_lock, in which mode, asleep where,
 * and who was queued, behind each wait of a hi probe.
 *
 * Pure code on the ftrace text format (the `trace` file of a tracefs
 * instance, see workloads/tracefs.c for the collector):
 *
 *   mmstall-lo-812  (  810) [001] .....  41.503120: mmap_lock_acquire_returned: mm=ffff... memcg_path=/x/lo write=false success=true
 *   mmstall-lo-812  (  810) [001] .....  41.503131: <stack trace>
 *    => __mmap_lock_do_trace_acquire_returned
 *    => lock_mm_and_find_vma
 *
 * Events used: mmap_lock:mmap_lock_start_locking, mmap_lock_acquire_returned,
 * mmap_lock_released (fields mm, write, success; memcg_path or memcg_id is
 * not needed: the collector filters on it in the kernel) and
 * sched:sched_switch (prev_pid, prev_state, next_pid), each optionally
 * followed by a kernel stack.  Timestamps are taken as CLOCK_MONOTONIC (the
 * collector sets trace_clock to mono).
 *
 * The matching (attrib_analyse): for each wait of a hi thread (start_locking
 * to acquire_returned) longer than the threshold, the wait is cut into
 * slices at every change of the lock's state on that mm.  In each slice the
 * blocking hold is the write hold in force, else the read hold that is
 * released last (the one a queued writer, and so every later reader, waits
 * for); a write request pending in the slice is the queued writer.  The
 * blocking hold's slice is split again by its holder's off-CPU intervals
 * (sched_switch out to sched_switch in), so each nanosecond of the wait is
 * charged to one holder stack: where it slept, was preempted, or, when it
 * was on CPU, the path that took the lock.  A slice with no hold is the
 * waiter's own wake-up (no writer queued) or, with a writer queued, the
 * "handoff": the writer not yet running, or readers stealing the free lock
 * before it (rwsem allows that until its handoff bit is set), both seen on
 * Debian 6.1 and 6.12.  Lost events show up as a release without an acquire
 * (the hold is taken from the trace's start), a handoff around lost events
 * ("unseen holder": a hold may be missing), or a CPU whose buffer was
 * overwritten (the trace is complete only from complete_from_s on); each is
 * counted and named in the result.
 *
 * Depends on Base only (util) and jansson.
 */
#ifndef MMSTALL_ATTRIB_H
#define MMSTALL_ATTRIB_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* Default threshold (the attribute-min setting): shorter holds and waits are only counted. */
#define ATTRIB_MIN_DEFAULT_NS (5ULL * 1000 * 1000)
/* Kept in a result at most: the longest chains and holds, the top holder and writer entries. */
#define ATTRIB_MAX_CHAINS 100
#define ATTRIB_MAX_HOLDS 50
#define ATTRIB_MAX_BLAME 40
/* Frames kept per stack in a result (after the tracing and scheduler frames are dropped). */
#define ATTRIB_MAX_FRAMES 8

struct attrib_trace;

struct attrib_trace *attrib_trace_new(void);
void attrib_trace_free(struct attrib_trace *t);
/* Feed one line of the trace text (with or without its newline).  Never fails: lines not understood are counted. */
void attrib_trace_line(struct attrib_trace *t, const char *line);
/* Feed a whole stream; 0 or -errno on a read error. */
int attrib_trace_read(struct attrib_trace *t, FILE *f);

struct attrib_trace_counts {
	uint64_t lines;
	uint64_t events;	/* lock events and sched_switch events kept */
	uint64_t lock_events;
	uint64_t switches;
	uint64_t stacks;	/* <stack trace> entries attached to an event */
	uint64_t orphan_stacks;	/* <stack trace> entries whose event was lost */
	uint64_t unparsed;	/* non-comment lines not understood */
	uint64_t other_events;	/* well-formed events of other kinds (ignored) */
	uint64_t lost_markers;	/* "[LOST n EVENTS]" lines */
	uint64_t lost_events;	/* the n of those lines, summed */
	uint64_t cpu_restarts;	/* "##### CPU n buffer started ####": that CPU's oldest events were overwritten */
};
void attrib_trace_counts(const struct attrib_trace *t, struct attrib_trace_counts *c);

/* What the collector knows about the trace buffer (from tracefs), recorded with the analysis. */
struct attrib_buffer_stats {
	uint64_t buffer_kb_per_cpu;
	unsigned int cpus;
	uint64_t entries;	/* per_cpu/cpuN/stats "entries", summed */
	uint64_t overrun;	/* oldest events overwritten */
	uint64_t commit_overrun;
	uint64_t dropped;	/* "dropped events" */
};

struct attrib_params {
	/*
	 * The measured window, CLOCK_MONOTONIC (= trace clock mono).  hi waits
	 * and lo holds count from its start until tracing stopped: after its
	 * end the probes only run samples due in it that are late (the drain),
	 * and those are counted as drain_waits as well.
	 */
	uint64_t window_start_ns;
	uint64_t window_end_ns;
	uint64_t min_ns;		/* threshold: waits and holds at least this long are kept */
	pid_t lo_tgid, hi_tgid;		/* 0: recognise the threads by comm (mmstall-lo, mmstall-hi) */
	uint64_t trace_end_ns;		/* when tracing stopped (0: the last event) */
	const char *kernel_release;	/* uname -r, for the limits (NULL: unknown) */
	const char *method;		/* how the trace was taken (events, filter), recorded as is; may be NULL */
	const struct attrib_buffer_stats *buffer;	/* may be NULL */
};

/* ---- the analysis, as data (tests read it; attrib_to_json renders it) ---- */

enum attrib_state {
	ATTRIB_RUNNING,		/* holder on CPU: charged to the path that took the lock */
	ATTRIB_SLEEPING,	/* off CPU, blocked (prev_state S, D, ...) */
	ATTRIB_PREEMPTED,	/* off CPU, runnable (prev_state R) */
	ATTRIB_UNKNOWN_STATE,
	/*
	 * a queued writer, not a holder: the lock was free and reserved for it
	 * (a fair rwsem lets no new reader pass a waiting writer) while it was
	 * woken and had not yet run; charged to its call and request stack
	 */
	ATTRIB_QUEUED,
};

/* Where a stall's time went when no holder path explains it. */
struct attrib_unexplained {
	uint64_t handoff_ns;		/* free lock, queued writer: not yet running, or passed by stealing readers */
	uint64_t lock_free_ns;		/* no hold, no queued writer: the waiter was not yet running after the release */
	uint64_t unseen_holder_ns;	/* a writer was queued, no hold visible, around lost events: a hold may be missing */
	uint64_t no_path_ns;		/* a holder, but neither its call nor where it slept is known */
};

struct attrib_sum {
	uint64_t waits;			/* hi waits on lo's mm that started in the window or its drain */
	uint64_t waits_over;		/* of which at least min_ns */
	uint64_t wait_ns;		/* their total (over the threshold only) */
	uint64_t max_wait_ns;
	uint64_t explained_ns;		/* charged to a named holder path */
	struct attrib_unexplained un;
};

struct attrib_holder_info {
	pid_t tid;
	const char *thread;		/* "lo", "hi" or the holder's comm */
	bool write;
	const char *call;		/* from the stack that took the lock: "page fault", "mprotect", ... */
	uint64_t held_ns;		/* the whole hold (to the end of the trace when open) */
	bool acquire_lost;		/* a release without an acquire: held since before the trace (or its lost part) */
	bool open;			/* still held when tracing stopped */
	enum attrib_state state;	/* its dominant state during the wait */
	const char *const *frames;	/* that state's stack, n_frames entries */
	unsigned int n_frames;
	uint64_t off_cpu_ns;		/* off CPU during the wait */
	uint64_t charged_ns;		/* of the wait, charged to this hold */
};

struct attrib_chain {
	uint64_t t_ns;			/* wait start, CLOCK_MONOTONIC */
	uint64_t wait_ns;
	const char *probe;		/* maps, cmdline, ... from the waiter's stack; "unknown" without one */
	pid_t tid;
	bool open;			/* still waiting when tracing stopped */
	bool in_lost_part;		/* started before the trace was complete, or around lost events */
	uint64_t explained_ns;
	bool has_writer;
	pid_t writer_tid;
	const char *writer_call;
	uint64_t writer_queued_ns;	/* the writer's whole wait */
	bool writer_acquired;		/* false: it never got the lock in the trace */
	bool has_holder;
	struct attrib_holder_info holder;
};

struct attrib_blame {
	const char *thread;
	bool write;
	const char *call;
	enum attrib_state state;
	const char *const *frames;
	unsigned int n_frames;
	uint64_t stall_ns;		/* probe wait time charged to it */
	uint64_t waits;			/* hi waits it was charged for */
	uint64_t holds;			/* distinct holds */
	uint64_t probe_ns[8];		/* per probe, indexed as attrib_probe_names[] */
};

struct attrib_writer {
	const char *call;
	const char *const *frames;
	unsigned int n_frames;
	uint64_t stall_ns;		/* probe wait time while it was queued */
	uint64_t waits;			/* hi waits it queued in front of */
	uint64_t requests;		/* distinct write requests */
	uint64_t max_queued_ns;
	uint64_t never_acquired;	/* requests that never got the lock in the trace */
};

struct attrib_hold {
	uint64_t t_ns;
	pid_t tid;
	const char *thread;
	bool write;
	const char *call;
	uint64_t held_ns;
	uint64_t off_cpu_ns;
	bool acquire_lost, open;
	enum attrib_state state;	/* dominant state while held */
	const char *const *frames;	/* where it spent most of the hold off CPU (or took the lock) */
	unsigned int n_frames;
	const char *const *acquire_frames;
	unsigned int n_acquire_frames;
};

/* The probes a hi wait can come from, as named in results (workloads/probes.c). */
extern const char *const attrib_probe_names[];
extern const unsigned int attrib_nr_probes;

struct attrib_result {
	struct attrib_sum total;
	struct attrib_sum probe[8];	/* indexed as attrib_probe_names[] */
	struct attrib_chain *chains;	/* longest first, at most ATTRIB_MAX_CHAINS */
	size_t n_chains, chains_dropped;
	struct attrib_blame *holders;	/* most stall time first */
	size_t n_holders;
	struct attrib_writer *writers;
	size_t n_writers;
	struct attrib_hold *holds;	/* holds of lo's mm at least min_ns long in the window, longest first */
	size_t n_holds;
	uint64_t holds_total, holds_over;
	uint64_t drain_waits;		/* waits over the threshold that started after the window (late samples due in it) */
	/* trace health */
	uint64_t first_ns, last_ns;	/* first event, end of trace */
	uint64_t complete_from_ns;	/* 0: complete from its first event */
	uint64_t release_without_acquire, wait_without_end, acquire_without_release, overlapping_writes;
	uint64_t mms;			/* distinct mm values seen */
};

/* Analyse a parsed trace.  The result points into t: free it before t. */
int attrib_analyse(const struct attrib_trace *t, const struct attrib_params *p, struct attrib_result **out);
void attrib_result_free(struct attrib_result *r);

/* The result's "attribution" object (keys in results/README.md). */
json_t *attrib_to_json(const struct attrib_trace *t, const struct attrib_result *r, const struct attrib_params *p);

/* The same object for a run whose attribution failed or could not start: status "failed", the reason. */
json_t *attrib_failed_json(const char *why, const struct attrib_params *p);

/*
 * What these tracepoints cannot see on a kernel (by release), one sentence
 * per entry, as recorded in "limits": per-VMA lock holds (6.4+ with
 * CONFIG_PER_VMA_LOCK, default y on x86-64), /proc/pid/maps under per-VMA
 * locks (6.17+).  Returns a JSON array.
 */
json_t *attrib_limits_json(const char *release);
/* The lock-taking probes whose stalls these tracepoints cannot attribute on that kernel: {"maps": "why"} on 6.17+. */
json_t *attrib_unattributable_json(const char *release);

#endif
