// SPDX-License-Identifier: GPL-2.0
#include "workloads/probes.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "harness/util.h"
#include "workloads/shared.h"
#include "workloads/workers.h"

/*
 * Every probe, one line each (workloads/probes/NAME.c defines probe_NAME).
 * The order is that of the result's probes object; append new ones.
 */
#define PROBES(X)       \
	X(maps)         \
	X(smaps_rollup) \
	X(cmdline)      \
	X(environ)      \
	X(status)       \
	X(stat)         \
	X(mmap)         \
	X(mprotect)     \
	X(io)           \
	X(ps)

#define DECLARE(n) extern const struct probe_ops probe_##n;
PROBES(DECLARE)
#define ENTRY(n) &probe_##n,
const struct probe_ops *const probe_list[] = { PROBES(ENTRY) };
const int probe_count = ARRAY_SIZE(probe_list);
_Static_assert(ARRAY_SIZE(probe_list) <= MAX_PROBES, "raise MAX_PROBES in shared.h");

struct probe_lock probe_lock_on(const struct probe_ops *p, const struct probe_kernel *k)
{
	return p->lock_on ? p->lock_on(k) : p->lock;
}

void probe_what(const struct probe_ops *p, const struct probe_kernel *k, char *buf, size_t len)
{
	struct probe_lock l = probe_lock_on(p, k);

	if (l.how)
		snprintf(buf, len, "%s (%s)", p->op, l.how);
	else
		snprintf(buf, len, "%s", p->op);
}

int probe_index(const char *name)
{
	int i;

	for (i = 0; i < probe_count; i++)
		if (!strcmp(probe_list[i]->name, name))
			return i;
	return -1;
}

/* --- the probes setting: NAME[:INTERVAL[:THREADS]],... --- */

void probe_plan_describe(char *buf, size_t len)
{
	char lo[32], hi[32];
	size_t n;
	int i;

	fmt_ns(lo, sizeof(lo), (double)PROBE_INTERVAL_MIN_NS);
	fmt_ns(hi, sizeof(hi), (double)PROBE_INTERVAL_MAX_NS);
	n = snprintf(buf, len, "NAME[:INTERVAL[:THREADS]],... with NAME one of");
	for (i = 0; i < probe_count && n < len; i++)
		n += snprintf(buf + n, len - n, " %s", probe_list[i]->name);
	if (n < len)
		snprintf(buf + n, len - n, ", INTERVAL from %s to %s, THREADS from 1 to %d", lo, hi,
			 MAX_PROBE_THREADS);
}

/* One entry, tok (NUL-terminated, no comma); writes plan[] on success. */
static int parse_entry(const char *tok, uint64_t def_ns, struct probe_plan *plan, bool *listed, char *err,
		       size_t errlen)
{
	char name[SCENARIO_STR], accepted[512];
	const char *f1 = strchr(tok, ':'), *f2 = f1 ? strchr(f1 + 1, ':') : NULL;
	uint64_t interval = def_ns, threads = 1;
	int i;

	probe_plan_describe(accepted, sizeof(accepted));
	if (!*tok) {
		snprintf(err, errlen, "empty entry in --probes: expected %s", accepted);
		return -EINVAL;
	}
	if (f2 && strchr(f2 + 1, ':')) {
		snprintf(err, errlen, "--probes entry '%s' has more than three fields: expected %s", tok, accepted);
		return -EINVAL;
	}
	snprintf(name, sizeof(name), "%.*s", (int)(f1 ? f1 - tok : (ptrdiff_t)strlen(tok)), tok);
	for (i = 0; i < probe_count; i++)
		if (!strcmp(probe_list[i]->name, name))
			break;
	if (i == probe_count) {
		snprintf(err, errlen, "unknown probe '%s' in --probes entry '%s': expected %s", name, tok, accepted);
		return -EINVAL;
	}
	if (listed[i]) {
		snprintf(err, errlen, "probe '%s' is listed twice in --probes (entry '%s'): give each probe once, "
			 "as NAME[:INTERVAL[:THREADS]]", name, tok);
		return -EINVAL;
	}
	if (f1 && f1[1] && f1[1] != ':') {
		char val[SCENARIO_STR];
		int ret;

		snprintf(val, sizeof(val), "%.*s", (int)(f2 ? f2 - f1 - 1 : (ptrdiff_t)strlen(f1 + 1)), f1 + 1);
		ret = parse_duration_ns(val, &interval);
		if (ret || interval < PROBE_INTERVAL_MIN_NS || interval > PROBE_INTERVAL_MAX_NS) {
			char lo[32], hi[32];

			fmt_ns(lo, sizeof(lo), (double)PROBE_INTERVAL_MIN_NS);
			fmt_ns(hi, sizeof(hi), (double)PROBE_INTERVAL_MAX_NS);
			snprintf(err, errlen, "invalid interval '%s' in --probes entry '%s': expected a duration from "
				 "%s to %s (e.g. 2ms), as NAME[:INTERVAL[:THREADS]]", val, tok, lo, hi);
			return -EINVAL;
		}
	}
	if (f2 && parse_u64_range(f2 + 1, 1, MAX_PROBE_THREADS, &threads)) {
		snprintf(err, errlen, "invalid thread count '%s' in --probes entry '%s': expected a whole number "
			 "from 1 to %d, as NAME[:INTERVAL[:THREADS]]", f2 + 1, tok, MAX_PROBE_THREADS);
		return -EINVAL;
	}
	plan[i] = (struct probe_plan){ .on = true, .interval_ns = interval, .threads = (unsigned int)threads };
	listed[i] = true;
	return 0;
}

int probe_plan_parse(const char *spec, uint64_t default_interval_ns, struct probe_plan *plan, char *err,
		     size_t errlen)
{
	bool listed[MAX_PROBES] = { false };
	char buf[SCENARIO_STR];
	const char *p = spec;
	int i, ret;

	for (i = 0; i < probe_count; i++)
		plan[i] = (struct probe_plan){ .on = probe_list[i]->control, .interval_ns = default_interval_ns,
					       .threads = 1 };
	if (!*spec)
		return 0;
	for (;;) {
		size_t n = strcspn(p, ",");

		if (n >= sizeof(buf)) {
			snprintf(err, errlen, "--probes entry '%.40s...' is too long", p);
			return -EINVAL;
		}
		snprintf(buf, sizeof(buf), "%.*s", (int)n, p);
		ret = parse_entry(buf, default_interval_ns, plan, listed, err, errlen);
		if (ret)
			return ret;
		if (!p[n])
			return 0;
		p += n + 1;
	}
}

bool probe_selected(const char *list, int idx)
{
	struct probe_plan plan[MAX_PROBES];
	char err[8];

	if (probe_list[idx]->control)
		return true;
	return !probe_plan_parse(list, 0, plan, err, sizeof(err)) && plan[idx].on;
}

int probe_control_index(void)
{
	int i;

	for (i = 0; i < probe_count; i++)
		if (probe_list[i]->control)
			return i;
	return -1;
}

/* --- the driver loop: one or more threads per probe, each on a fixed schedule --- */

struct probe_thread {
	pthread_t tid;
	const struct probe_ops *ops;
	struct probe_record *rec;	/* this thread's own: one writer per record */
	void *state;
	uint64_t interval_ns;
	uint64_t phase_ns;		/* thread j of n starts j/n of a period after t0 */
	uint32_t thread;
	struct run_shared *sh;
};

/*
 * Sample k of a thread is due at t0 + phase + k * interval.  A sample that
 * starts late (because the previous one blocked) is still charged from its
 * due time: a stalled probe cannot hide its stall by taking fewer samples
 * (coordinated omission, as in wrk2 and HdrHistogram).  Both that corrected
 * latency and the plain service time of the operation are recorded, and
 * the slowest samples keep their times; all of it after the timed section.
 */
static void *probe_fn(void *arg)
{
	struct probe_thread *pt = arg;
	struct run_shared *sh = pt->sh;
	uint64_t k;

	shared_wait_go(sh);
	for (k = 0; !shared_load(&sh->stop); k++) {
		uint64_t due = sh->t0_ns + pt->phase_ns + k * pt->interval_ns, start, end;
		int ret;

		if (due >= sh->measure_end_ns)
			break;
		/* published before the timed operation: a sample stuck past the end still counts */
		__atomic_store_n(&pt->rec->unfinished_due_ns, due, __ATOMIC_RELEASE);
		if (pt->ops->prepare)
			pt->ops->prepare(pt->state);
		start = now_ns();
		if (start < due) {
			sleep_until_ns(due);
			start = now_ns();
		} else if (start >= due + pt->interval_ns) {
			pt->rec->late += shared_in_window(sh, due);
		}
		ret = pt->ops->sample(pt->state);
		end = now_ns();
		if (!shared_in_window(sh, due)) {
			/* warm-up: not recorded */
		} else if (ret) {
			/* a failed operation is not a latency: count it apart */
			if (!pt->rec->errors++)
				pt->rec->first_errno = -ret;
		} else {
			hist_record(&pt->rec->corrected, end - due);
			hist_record(&pt->rec->service, end - start);
			slowest_add(&pt->rec->slowest, due, end - due, end - start, pt->thread);
		}
		/* done with this one: the next is the first not completed */
		__atomic_store_n(&pt->rec->unfinished_due_ns, due + pt->interval_ns, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&pt->rec->unfinished_due_ns, 0, __ATOMIC_RELEASE);
	return NULL;
}

uint64_t probe_plan_censor(const struct probe_plan *plan, int nr, struct run_shared *sh, uint64_t stop_ns)
{
	uint64_t added = 0, due;
	unsigned int t;
	int i;

	for (i = 0; i < nr; i++) {
		for (t = 0; plan[i].on && t < plan[i].threads; t++) {
			struct probe_record *rec = &sh->probes[i][t];

			/* the one in flight, then every later one due in the window (the schedule of probe_fn) */
			due = __atomic_load_n(&rec->unfinished_due_ns, __ATOMIC_ACQUIRE);
			for (; due && due < sh->measure_end_ns; due += plan[i].interval_ns) {
				uint64_t waited;

				if (!shared_in_window(sh, due) || due > stop_ns)
					continue;
				waited = stop_ns - due;
				hist_record(&rec->corrected, waited);
				if (!rec->censored || waited < rec->censored_min_ns)
					rec->censored_min_ns = waited;
				rec->censored++;
				added++;
			}
			rec->unfinished_due_ns = 0;
		}
	}
	return added;
}

uint64_t probes_censor(const struct scenario *sc, struct run_shared *sh, uint64_t stop_ns)
{
	struct probe_plan plan[MAX_PROBES];
	char err[512];

	if (probe_plan_parse(sc->probes, sc->probe_interval_ns, plan, err, sizeof(err)))
		return 0;
	return probe_plan_censor(plan, probe_count, sh, stop_ns);
}

static int start_probe_thread(struct probe_thread *pt, const struct probe_env *env, char *err, size_t errlen)
{
	const struct probe_ops *ops = pt->ops;
	char why[200];

	hist_init(&pt->rec->corrected);
	hist_init(&pt->rec->service);
	slowest_init(&pt->rec->slowest);
	if (ops->setup(env, &pt->state, why, sizeof(why))) {
		snprintf(err, errlen, "hi: probe %s (thread %u): %s", ops->name, pt->thread, why);
		return -1;
	}
	if (pthread_create(&pt->tid, NULL, probe_fn, pt)) {
		ops->teardown(pt->state);
		snprintf(err, errlen, "hi: cannot start probe thread %s (thread %u)", ops->name, pt->thread);
		return -1;
	}
	return 0;
}

/* Start every thread of every selected probe; returns how many run (an error is in sh->hi_error). */
static int start_probes(const struct probe_ops *const *list, int nr, const struct probe_plan *plan,
			const struct probe_env *base, struct run_shared *sh, struct probe_thread *pt)
{
	unsigned int t;
	int i, n = 0;

	for (i = 0; i < nr; i++) {
		for (t = 0; plan[i].on && t < plan[i].threads; t++) {
			struct probe_env env = *base;

			env.idx = i;
			env.thread = (int)t;
			pt[n] = (struct probe_thread){ .ops = list[i], .rec = &sh->probes[i][t],
						       .interval_ns = plan[i].interval_ns,
						       .phase_ns = plan[i].interval_ns * t / plan[i].threads,
						       .thread = t, .sh = sh };
			if (start_probe_thread(&pt[n], &env, sh->hi_error, sizeof(sh->hi_error)))
				return n;
			n++;
		}
	}
	return n;
}

int probes_run(const struct probe_ops *const *list, int nr, const struct probe_plan *plan,
	       const struct probe_env *env, struct run_shared *sh)
{
	struct probe_thread pt[MAX_PROBES * MAX_PROBE_THREADS];
	int i, n;

	/* Wake up on time: the default 50 us timer slack would blur short probes. */
	prctl(PR_SET_TIMERSLACK, 1UL);
	n = start_probes(list, nr, plan, env, sh, pt);
	if (sh->hi_error[0])
		shared_store(&sh->stop, 1);
	shared_store(&sh->hi_ready, 1);
	for (i = 0; i < n; i++) {
		pthread_join(pt[i].tid, NULL);
		pt[i].ops->teardown(pt[i].state);
	}
	return sh->hi_error[0] ? EXIT_FAIL : EXIT_OK;
}

int hi_main(const struct scenario *sc, const char *hi_file, struct run_shared *sh)
{
	struct probe_env env = { .lo_pid = sh->lo_pid, .hi_file = hi_file, .hi_file_size = sc->hi_file_size,
				 .seed = sc->seed };
	struct probe_plan plan[MAX_PROBES];

	prctl(PR_SET_NAME, "mmstall-hi");
	if (probe_plan_parse(sc->probes, sc->probe_interval_ns, plan, sh->hi_error, sizeof(sh->hi_error))) {
		shared_store(&sh->stop, 1);
		shared_store(&sh->hi_ready, 1);
		return EXIT_FAIL;
	}
	return probes_run(probe_list, probe_count, plan, &env, sh);
}
