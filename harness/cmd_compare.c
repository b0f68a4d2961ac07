// SPDX-License-Identifier: GPL-2.0
/*
 * mmstall compare: run every kernel variant N times, each a fresh boot,
 * interleaved (A B A B ...) so that drift of a shared machine hits every
 * variant alike, then print the comparison.
 *
 * Each run is <label>.rep<k>.json (+ .console.log) in the results
 * directory, written as it ends: a failed run is recorded as failed and
 * counted.  Running again into the same directory resumes: runs already
 * finished are kept (failed ones too, unless --retry-failed; interrupted
 * ones are always run again), after checking they were made with the same
 * kernels and scenario.
 *
 * The runs are a job list (plan.h), run in waves of up to --jobs guests
 * at once, each guest on its own host CPUs, every wave holding each
 * variant equally; --plan writes the list for another engine instead.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/cmds.h"
#include "harness/plan.h"
#include "harness/report.h"
#include "harness/report_common.h"
#include "harness/result.h"
#include "harness/runs.h"
#include "harness/summary.h"
#include "harness/util.h"
#include "harness/proc.h"
#include "harness/progress.h"
#include "harness/vm/hostcpus.h"
#include "harness/vm/session.h"
#include "workloads/scenario.h"

#define MAX_REPS 1000
/* Until a run has finished: boot, setup and results under TCG, roughly (time-to-verdict.sh: 4-5 s). */
#define GUESS_OVERHEAD_NS (6 * NSEC_PER_SEC)

#define MAX_JOBS 256

struct compare_opts {
	unsigned int reps;	/* fixed repetitions, or the most with --reps auto */
	bool aa, retry_failed;
	const char *baseline;
	struct summary_rule rule;	/* rule.seq_max: --reps auto[:MAX] */
	struct summary_given given;
	unsigned int jobs;	/* guests at once; 0: --jobs auto */
	bool pin, baseline_every_run;
	const char *plan_file;	/* --plan: write the job list, run nothing */
};

enum { COPT_REPS = 1000, COPT_AA, COPT_BASELINE, COPT_RETRY_FAILED, COPT_JOBS, COPT_PIN, COPT_PLAN, COPT_EVERY };

static const struct option compare_longopts[] = {
	{ "reps", required_argument, NULL, COPT_REPS },
	{ "aa", no_argument, NULL, COPT_AA },
	{ "baseline", required_argument, NULL, COPT_BASELINE },
	{ "retry-failed", no_argument, NULL, COPT_RETRY_FAILED },
	{ "jobs", required_argument, NULL, COPT_JOBS },
	{ "pin", no_argument, NULL, COPT_PIN },
	{ "plan", required_argument, NULL, COPT_PLAN },
	{ "baseline-every-run", no_argument, NULL, COPT_EVERY },
	SUMMARY_RULE_LONGOPTS,
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: mmstall compare [--kernel LABEL=SPEC]... [--reps N|auto[:MAX]] [--aa]\n"
		"                       [OPTIONS] [SCENARIO SETTINGS]\n"
		"\n"
		"Boot every kernel variant N times under QEMU (a fresh boot each time), run the\n"
		"scenario in each boot, interleaving the variants (A B A B ...) so that the\n"
		"drift of a shared machine hits them alike, then print what it means: per\n"
		"kernel whether the inversion is reproduced (the stall index: a probe's\n"
		"statistic over the control probe's in the same boot, against\n"
		"--inversion-threshold), and per probe the comparison with the baseline on the\n"
		"stall index (median over runs with its 95%% bootstrap CI, the ratio of medians\n"
		"with its CI, the Mann-Whitney p, a verdict), the latency itself beside it.\n"
		"Writes <label>.rep<k>.json and .console.log per run, compare.json (the\n"
		"settings), report.html, report.mail.txt and summary.json (the report's JSON\n"
		"form); 'mmstall report' and 'mmstall gate' read the runs again.\n"
		"\n"
		"Compare options:\n"
		"  --reps N                 runs per variant, 1 to %d [5]\n"
		"  --reps auto[:MAX]        decide early: after 3 runs per variant and after each\n"
		"                           further round, stop when every verdict asked for is\n"
		"                           decided (regressed, improved, or no change shown by\n"
		"                           the ratio's CI inside the threshold band; one kernel\n"
		"                           alone: reproduced or none), else go on up to MAX\n"
		"                           [%d]; still undecided: inconclusive.  The repeated\n"
		"                           looks are paid for with a lower level per look (see\n"
		"                           the report's legend and the README)\n"
		"  --aa                     A/A control: every variant also runs against\n"
		"                           itself, as LABEL-aa (the same kernel given twice\n"
		"                           does the same)\n"
		"  --baseline LABEL         the variant the others are compared with [the first]\n"
		"  --retry-failed           on resume, run failed runs again (interrupted runs\n"
		"                           always are)\n"
		"  --jobs N|auto            up to N guests at once, each pinned to its own host\n"
		"                           CPUs (--cpus of them), in waves that hold every\n"
		"                           variant equally (N is cut to a multiple of the\n"
		"                           variants); auto: as many as the host's CPUs and\n"
		"                           available memory hold [1]\n"
		"  --pin                    pin the guest to its own host CPUs with --jobs 1 too\n"
		"  --baseline-every-run     measure the device baseline (fio) in every run, not\n"
		"                           once per variant (the first run of each; the others\n"
		"                           run with device-baseline off and name that run)\n"
		"  --plan FILE              run nothing: write every run as an indexed job list\n"
		"                           for another engine ('mmstall run-job FILE INDEX\n"
		"                           --results DIR' runs one; see the README)\n",
		MAX_REPS, SEQ_DEFAULT_MAX);
	summary_rule_help(f);
	fprintf(f,
		"\n"
		"Running again with the same --results resumes: finished runs are kept.\n"
		"Progress: a live line on a terminal (what runs where, its phase, done, failed,\n"
		"elapsed, remaining), one line per phase and run otherwise.\n"
		"\n"
		"Kernel, QEMU and scenario options (as for 'mmstall vm'):\n");
	vm_session_print_options(f);
	fprintf(f, "\nExit status: 0 every run succeeded, 1 some run failed (the comparison is\n"
		   "still printed; the variant's failures are counted) or a result or report could\n"
		   "not be written, 2 bad input or environment, 130/143 interrupted (finished runs\n"
		   "are kept: run again to resume).\n");
}

static int parse_reps(struct compare_opts *o, const char *val)
{
	uint64_t n;

	if (!strncmp(val, "auto", 4) && (!val[4] || val[4] == ':')) {
		n = SEQ_DEFAULT_MAX;
		if (val[4] && parse_u64_range(val + 5, SEQ_FIRST + 1, STATS_SEQ_MAX, &n)) {
			msg_err("invalid --reps '%s': the most runs of auto:MAX is a whole number from %d to %d", val,
				SEQ_FIRST + 1, STATS_SEQ_MAX);
			return -EINVAL;
		}
		o->reps = (unsigned int)n;
		o->rule.seq_max = (unsigned int)n;
		return 0;
	}
	if (parse_u64_range(val, 1, MAX_REPS, &n)) {
		msg_err("invalid --reps '%s': expected a whole number from 1 to %d, or auto[:MAX] (decide early, "
			"at most MAX runs, %d to %d)", val, MAX_REPS, SEQ_FIRST + 1, STATS_SEQ_MAX);
		return -EINVAL;
	}
	o->reps = (unsigned int)n;
	o->rule.seq_max = 0;
	return 0;
}

static int parse_jobs(struct compare_opts *o, const char *val)
{
	uint64_t n;

	if (!strcmp(val, "auto")) {
		o->jobs = 0;
		return 0;
	}
	if (parse_u64_range(val, 1, MAX_JOBS, &n)) {
		msg_err("invalid --jobs '%s': expected a whole number from 1 to %d, or auto (as many guests as "
			"the host's CPUs and memory hold)", val, MAX_JOBS);
		return -EINVAL;
	}
	o->jobs = (unsigned int)n;
	return 0;
}

static int parse_extra(void *arg, size_t idx, const char *val)
{
	struct compare_opts *o = arg;
	int opt = compare_longopts[idx].val, ret;

	ret = summary_rule_option(&o->rule, &o->given, opt, val);
	if (ret)
		return ret < 0 ? ret : 0;
	switch (opt) {
	case COPT_REPS:
		return parse_reps(o, val);
	case COPT_AA:
		o->aa = true;
		return 0;
	case COPT_BASELINE:
		o->baseline = val;
		return 0;
	case COPT_RETRY_FAILED:
		o->retry_failed = true;
		return 0;
	case COPT_JOBS:
		return parse_jobs(o, val);
	case COPT_PIN:
		o->pin = true;
		return 0;
	case COPT_PLAN:
		o->plan_file = val;
		return 0;
	case COPT_EVERY:
		o->baseline_every_run = true;
		return 0;
	}
	return -EINVAL;
}

/* ---- progress ---- */

struct progress;

/* One run under way: what the run loop and the progress line know of it. */
struct slot {
	pthread_t thread;
	struct progress *pg;
	struct vm_opts *vo;
	const struct plan_entry *e;
	struct vm_run_info ri;
	struct vm_run_marks marks;	/* written by the run */
	int cpus[64];
	char what[160];		/* "6.12 rep 2/5 (run 4 of 10)" */
	char where[80];		/* " on host CPUs 0-1", or "" */
	uint64_t start_ns;
	const char *phase;	/* the last phase said, off a terminal */
	int ret;
	bool busy, threaded, baseline;	/* baseline: this run measures the device baseline */
};

struct progress {
	pthread_mutex_t lock;
	pthread_t thread;
	bool tty, stop, at_most;
	struct slot *slots;
	unsigned int width;	/* runs per wave */
	/* the whole compare */
	uint64_t t0_ns, done_wall_ns, warmup_ns, duration_ns;
	unsigned int done, failed, todo, total, kept;	/* done and failed: by this session */
};

static void fmt_secs(char *buf, size_t len, uint64_t ns)
{
	uint64_t s = ns / NSEC_PER_SEC;

	if (s >= 3600)
		snprintf(buf, len, "%lluh%02llum", (unsigned long long)(s / 3600),
			 (unsigned long long)(s % 3600 / 60));
	else if (s >= 60)
		snprintf(buf, len, "%llum%02llus", (unsigned long long)(s / 60), (unsigned long long)(s % 60));
	else
		snprintf(buf, len, "%llus", (unsigned long long)s);
}

/*
 * The phase of a run (lock held), from the marks its guest's console
 * gave: boot until the guest's command starts, setup (and the device
 * baseline) until 'mmstall run' starts the warm-up, then warm-up and
 * measure by the clock, then the results coming back.  fine: with the
 * seconds of the window (for the live line).
 */
static const char *phase_of(const struct slot *s, const struct progress *pg, uint64_t now, char *buf, size_t len,
			    bool fine)
{
	uint64_t run = __atomic_load_n(&s->marks.run_started_ns, __ATOMIC_ACQUIRE);
	uint64_t meas = __atomic_load_n(&s->marks.measure_started_ns, __ATOMIC_ACQUIRE), since;

	if (!run)
		return "boot";
	if (!meas)
		return s->baseline ? "setup, device baseline" : "setup";
	since = now > meas ? now - meas : 0;
	if (since < pg->warmup_ns)
		return "warm-up";
	if (since >= pg->warmup_ns + pg->duration_ns)
		return "results";
	if (!fine)
		return "measure";
	snprintf(buf, len, "measure %llus/%llus", (unsigned long long)((since - pg->warmup_ns) / NSEC_PER_SEC),
		 (unsigned long long)(pg->duration_ns / NSEC_PER_SEC));
	return buf;
}

/*
 * Remaining time (lock held): the mean wall time of the runs finished in
 * this session (else a guess) for what is left of the runs under way,
 * plus one such time per wave still to start.
 */
static uint64_t remaining_ns(const struct progress *pg, uint64_t now)
{
	uint64_t per = pg->done ? pg->done_wall_ns / pg->done
				: pg->warmup_ns + pg->duration_ns + GUESS_OVERHEAD_NS;
	uint64_t cur = 0, el;
	unsigned int running = 0, i, left;

	for (i = 0; i < pg->width; i++) {
		if (!pg->slots[i].busy)
			continue;
		running++;
		el = now - pg->slots[i].start_ns;
		if (per > el && per - el > cur)
			cur = per - el;
	}
	left = pg->todo > pg->done + running ? pg->todo - pg->done - running : 0;
	return cur + (uint64_t)((left + pg->width - 1) / pg->width) * per;
}

static void counts(const struct progress *pg, char *buf, size_t len)
{
	snprintf(buf, len, "%u of %s%u done%s", pg->done + pg->kept, pg->at_most ? "at most " : "", pg->total,
		 pg->kept ? " (some kept from before)" : "");
	if (pg->failed)
		snprintf(buf + strlen(buf), len - strlen(buf), ", %u failed", pg->failed);
}

/* The live line: what runs where and in which phase, done, failed, elapsed, remaining. */
static void draw_tty(struct progress *pg, uint64_t now)
{
	char line[480] = "", el[32], rem[32], cnt[96], pb[48];
	unsigned int i, running = 0, nph[6] = { 0 };
	static const char *const ph[] = { "boot", "setup", "warm-up", "measure", "results" };
	size_t used = 0;

	for (i = 0; i < pg->width; i++)
		running += pg->slots[i].busy;
	if (!running)
		return;	/* between waves: the next wave's lines come at once */
	for (i = 0; i < pg->width && used < sizeof(line); i++) {
		const struct slot *s = &pg->slots[i];
		const char *p;

		if (!s->busy)
			continue;
		p = phase_of(s, pg, now, pb, sizeof(pb), running <= 2);
		if (running > 4) {
			size_t k;

			for (k = 0; k < ARRAY_SIZE(ph) && strncmp(p, ph[k], strlen(ph[k])); k++)
				;
			nph[k < ARRAY_SIZE(ph) ? k : 1]++;
			continue;
		}
		used += snprintf(line + used, sizeof(line) - used, "%s%s rep %u%s %s", used ? "; " : "",
				 vm_session_label(s->vo, s->e->kernel), s->e->rep, s->where, p);
	}
	if (running > 4)
		snprintf(line, sizeof(line), "%u guests: boot %u, setup %u, warm-up %u, measure %u, results %u", running,
			 nph[0], nph[1], nph[2], nph[3], nph[4]);
	fmt_secs(el, sizeof(el), now - pg->t0_ns);
	fmt_secs(rem, sizeof(rem), remaining_ns(pg, now));
	counts(pg, cnt, sizeof(cnt));
	progress_show("compare: %s | %s | elapsed %s, remaining ~%s", line, cnt, el, rem);
}

/* Off a terminal: one line per run and phase. */
static void draw_lines(struct progress *pg, uint64_t now)
{
	char el[32], rem[32], pb[48];
	unsigned int i;

	for (i = 0; i < pg->width; i++) {
		struct slot *s = &pg->slots[i];
		const char *p;

		if (!s->busy)
			continue;
		p = phase_of(s, pg, now, pb, sizeof(pb), false);
		if (p == s->phase)
			continue;
		s->phase = p;
		fmt_secs(el, sizeof(el), now - pg->t0_ns);
		fmt_secs(rem, sizeof(rem), remaining_ns(pg, now));
		msg_info("compare: %s%s: %s, elapsed %s, remaining ~%s", s->what, s->where, p, el, rem);
	}
}

static void *progress_thread(void *arg)
{
	struct progress *pg = arg;

	for (;;) {
		pthread_mutex_lock(&pg->lock);
		if (pg->stop) {
			pthread_mutex_unlock(&pg->lock);
			return NULL;
		}
		if (pg->tty)
			draw_tty(pg, now_ns());
		else
			draw_lines(pg, now_ns());
		pthread_mutex_unlock(&pg->lock);
		usleep(500 * 1000);
	}
}

static void progress_begin(struct slot *s)
{
	pthread_mutex_lock(&s->pg->lock);
	s->start_ns = now_ns();
	s->phase = NULL;
	s->busy = true;
	pthread_mutex_unlock(&s->pg->lock);
}

static void progress_end(struct slot *s)
{
	struct progress *pg = s->pg;
	char cnt[96], rem[32], took[32];
	uint64_t now;

	pthread_mutex_lock(&pg->lock);
	now = now_ns();
	s->busy = false;
	if (s->ret != -EINTR) {
		pg->done++;
		pg->done_wall_ns += now - s->start_ns;
	}
	if (s->ret > 0 || (s->ret < 0 && s->ret != -EINTR))
		pg->failed++;
	counts(pg, cnt, sizeof(cnt));
	fmt_secs(rem, sizeof(rem), remaining_ns(pg, now));
	fmt_secs(took, sizeof(took), now - s->start_ns);
	if (s->ret != -EINTR)
		msg_info("compare: %s%s %s in %s; %s, remaining ~%s", s->what, s->where, s->ret ? "failed" : "done",
			 took, cnt, rem);
	pthread_mutex_unlock(&pg->lock);
}

/* ---- resuming ---- */

enum prior { PRIOR_NONE, PRIOR_KEEP, PRIOR_REDO };

/*
 * The scenario settings a finished run must share with this compare to be
 * kept: all but the device baseline (measured once per variant, it runs
 * before lo and hi start and does not shape the measurement).
 */
static bool must_match(const char *key)
{
	return strcmp(key, "device_baseline") != 0;
}

/*
 * What an earlier compare left for this run: nothing, a finished run to
 * keep, or one to run again.  -EINVAL (message printed) when it was made
 * with another kernel or other scenario settings.
 */
static int prior_run(const struct vm_opts *vo, const char *path, const char *spec, const json_t *sc,
		     bool retry_failed, enum prior *out)
{
	const char *accel = vm_session_accel_forced(vo);
	uint64_t mem = vm_session_guest_mem(vo);
	int cpus = (int)vm_session_guest_cpus(vo);
	char err[1024];
	struct run_result res;
	json_t *v;
	const char *key;
	int ret = 0;

	*out = PRIOR_NONE;
	if (!path_exists(path))
		return 0;
	/* one that reports could not read is no run to keep */
	if (result_read(path, &res, err, sizeof(err))) {
		msg_warn("%s; running it again", err);
		*out = PRIOR_REDO;
		return 0;
	}
	if (res.vm.kernel_spec && strcmp(res.vm.kernel_spec, spec)) {
		msg_err("%s was run with kernel %s, not %s: this results directory belongs to another "
			"compare; choose a new --results", path, res.vm.kernel_spec, spec);
		ret = -EINVAL;
	}
	json_object_foreach((json_t *)sc, key, v) {
		json_t *t = json_object_get(res.scenario, key);

		if (ret || !t || !must_match(key) || json_equal(t, v))
			continue;
		msg_err("%s was run with scenario setting %s different from this compare's: this results "
			"directory belongs to another compare; choose a new --results, or repeat its settings",
			path, key);
		ret = -EINVAL;
	}
	/* like with like: a guest of another size, or under another accelerator, is another experiment */
	if (!ret && res.status == RUN_OK &&
	    ((res.vm.guest_cpus && res.vm.guest_cpus != cpus) ||
	     (res.vm.guest_memory_bytes && res.vm.guest_memory_bytes != mem) ||
	     (accel && res.vm.accelerator && strcmp(res.vm.accelerator, accel)))) {
		msg_err("%s was run in a guest of %d CPUs and %llu MiB under %s, not %d CPUs and %llu MiB%s%s: this "
			"results directory belongs to another compare; choose a new --results, or repeat its "
			"--cpus, --mem and --accel", path, res.vm.guest_cpus,
			(unsigned long long)(res.vm.guest_memory_bytes >> 20), res.vm.accelerator ?: "?", cpus,
			(unsigned long long)(mem >> 20), accel ? " under " : "", accel ?: "");
		ret = -EINVAL;
	}
	if (!ret) {
		if (res.status == RUN_OK)
			*out = PRIOR_KEEP;
		else if (res.status == RUN_FAILED && !retry_failed && !(res.error && strstr(res.error, "interrupted")))
			*out = PRIOR_KEEP;
		else
			*out = PRIOR_REDO;
	}
	result_free(&res);
	return ret;
}

/* The plan id of the compare that made this directory (compare.json), if any. */
static bool prior_plan_id(const char *results, char id[PLAN_ID_LEN])
{
	char path[PATH_MAX + 32], *text = NULL;
	const char *s;
	json_t *j;
	bool ok = false;

	snprintf(path, sizeof(path), "%s/%s", results, COMPARE_SETTINGS_FILE);
	if (read_file_capped(path, 1 << 20, &text, NULL))
		return false;
	j = json_loads(text, 0, NULL);
	s = json_string_value(json_object_get(j, "plan_id"));
	if (s && strlen(s) == PLAN_ID_LEN - 1 && strspn(s, "0123456789abcdef") == PLAN_ID_LEN - 1) {
		snprintf(id, PLAN_ID_LEN, "%s", s);
		ok = true;
	}
	json_decref(j);
	free(text);
	return ok;
}

/* ---- the command ---- */

static int add_aa(struct vm_opts *vo)
{
	size_t i, n = vm_session_nr_kernels(vo);
	char *arg;
	int ret = 0;

	for (i = 0; i < n && !ret; i++) {
		arg = xasprintf("%s-aa=%s", vm_session_label(vo, i), vm_session_spec(vo, i));
		ret = vm_session_add_kernel(vo, arg);
		free(arg);
	}
	return ret;
}

static int find_label(const struct vm_opts *vo, const char *label)
{
	size_t i;

	for (i = 0; i < vm_session_nr_kernels(vo); i++)
		if (!strcmp(vm_session_label(vo, i), label))
			return (int)i;
	return -1;
}

/* Which runs an earlier compare finished (kept[]); -EINVAL when the directory holds another compare. */
static int scan_prior(struct vm_opts *vo, const struct compare_opts *o, bool *kept, unsigned int *todo)
{
	size_t nk = vm_session_nr_kernels(vo), i;
	json_t *sc = scenario_to_json(vm_session_scenario(vo));
	char path[PATH_MAX + 128];
	unsigned int k, nkept = 0;
	enum prior p;
	int ret = 0;

	*todo = 0;
	for (k = 1; k <= o->reps && !ret; k++) {
		for (i = 0; i < nk && !ret; i++) {
			snprintf(path, sizeof(path), "%s/%s.rep%u.json", vm_session_results(vo),
				 vm_session_label(vo, i), k);
			ret = prior_run(vo, path, vm_session_spec(vo, i), sc, o->retry_failed, &p);
			kept[(k - 1) * nk + i] = p == PRIOR_KEEP;
			if (p == PRIOR_KEEP)
				nkept++;
			else
				(*todo)++;
		}
	}
	json_decref(sc);
	if (!ret && nkept)
		msg_info("resuming: %u finished runs kept in %s, %u to run", nkept, vm_session_results(vo), *todo);
	return ret;
}

/*
 * --reps auto: after a round of k >= SEQ_FIRST runs per variant, is every
 * verdict asked for decided?  From the results written so far, quietly.
 */
static bool decided(struct vm_opts *vo, const struct compare_opts *o, const char *base)
{
	char *paths[] = { (char *)vm_session_results(vo) }, err[1024];
	struct runset rs;
	struct summary s;
	bool yes = false;

	if (runset_load(&rs, paths, 1, err, sizeof(err)))
		return false;
	if (!summary_build(&s, &rs, base, &o->rule, err, sizeof(err)))
		yes = summary_decided(&s, NULL);
	summary_free(&s);
	runset_free(&rs);
	return yes;
}

/* ---- placing guests: how many at once, on which host CPUs ---- */

struct placement {
	unsigned int width;	/* runs per wave */
	unsigned int per;	/* host CPUs per guest (its --cpus) */
	bool pin;
	struct host_cpus hc;
};

static int place(struct vm_opts *vo, const struct compare_opts *o, unsigned int todo, struct placement *pl)
{
	unsigned int nv = (unsigned int)vm_session_nr_kernels(vo), n = o->jobs, fit;
	uint64_t mem = vm_session_guest_mem(vo);
	char why[512], err[256], cpus[128];

	pl->per = vm_session_guest_cpus(vo);
	pl->pin = o->pin || o->jobs != 1;
	if (host_cpus_load(&pl->hc, pl->per, err, sizeof(err))) {
		msg_err("%s", err);
		return -EINVAL;
	}
	fit = host_jobs_fit(&pl->hc, pl->per, mem, why, sizeof(why));
	if (!n) {
		n = fit;
		msg_info("--jobs auto: %u guest%s at once (%s)", n, n == 1 ? "" : "s", why);
	} else if (pl->pin && (size_t)n * pl->per > pl->hc.n) {
		msg_err("--jobs %u with --cpus %u needs %u host CPUs, one set per guest, and this process may use %zu: "
			"use --jobs auto, fewer --jobs, or smaller guests (--cpus)", n, pl->per, n * pl->per, pl->hc.n);
		return -EINVAL;
	} else if (n > fit) {
		msg_warn("--jobs %u: the memory available holds %u guest%s of this size (%s); going on", n, fit,
			 fit == 1 ? "" : "s", why);
	}
	if (n > todo)
		n = todo ? todo : 1;
	if (n >= nv && n % nv) {
		msg_info("--jobs %u: %u guests at once, so that every wave holds each of the %u variants equally", n,
			 n - n % nv, nv);
		n -= n % nv;
	} else if (n > 1 && n < nv) {
		msg_warn("--jobs %u is fewer than the %u variants: a wave cannot hold every variant (they take turns "
			 "in order)", n, nv);
	}
	pl->width = n;
	if (pl->pin && pl->per * n <= pl->hc.n) {
		host_cpus_text(pl->hc.cpu, (size_t)pl->per * n, cpus, sizeof(cpus));
		msg_info("%u guest%s at once, each pinned to its own %u of host CPUs %s (sets rotate from wave to wave)",
			 n, n == 1 ? "" : "s", pl->per, cpus);
	}
	return 0;
}

/* ---- running the plan ---- */

static void *slot_main(void *arg)
{
	struct slot *s = arg;

	progress_begin(s);
	s->ret = vm_session_run(s->vo, s->e->kernel, &s->ri);
	progress_end(s);
	return NULL;
}

/* Start entry e in slot s, on CPU set `set` of the placement. */
static void slot_start(struct slot *s, struct vm_opts *vo, const struct plan *p, const struct plan_entry *e,
		       const struct placement *pl, unsigned int set, unsigned int n, bool at_most)
{
	char cpus[64];

	s->vo = vo;
	s->e = e;
	memset(&s->marks, 0, sizeof(s->marks));
	plan_run_info(p, e, &s->ri);
	s->ri.jobs = pl->width;
	s->ri.marks = &s->marks;
	s->where[0] = '\0';
	if (pl->pin) {
		host_cpus_slot(&pl->hc, pl->per, set, s->cpus);
		s->ri.pin_cpus = s->cpus;
		s->ri.nr_pin_cpus = pl->per;
		host_cpus_text(s->cpus, pl->per, cpus, sizeof(cpus));
		snprintf(s->where, sizeof(s->where), " [host CPU%s %s]", pl->per > 1 ? "s" : "", cpus);
	}
	snprintf(s->what, sizeof(s->what), "%s rep %u/%u%s (run %u of %s%u)", vm_session_label(vo, e->kernel), e->rep,
		 p->reps, at_most ? " at most" : "", n, at_most ? "at most " : "", s->pg->todo);
	s->baseline = !s->ri.device_baseline_from && vm_session_scenario(vo)->device_baseline != BASELINE_OFF;
	s->ret = 0;
	s->threaded = !pthread_create(&s->thread, NULL, slot_main, s);
	if (!s->threaded) {
		msg_warn("cannot start a thread for %s: running it alone", s->what);
		slot_main(s);
	}
}

/*
 * The runs not kept, in plan order (rep 1 of every variant, then rep 2...),
 * in waves of pl->width at once: the interleaving of the variants holds
 * within a wave as from wave to wave, and each run's CPU set rotates so
 * that no variant keeps the same host CPUs.  With --reps auto the verdicts
 * are looked at before each wave that starts a new round past the first 3.
 */
static int run_all(struct vm_opts *vo, const struct compare_opts *o, const struct plan *p, const bool *kept,
		   struct progress *pg, const struct placement *pl, unsigned int *failed)
{
	const char *base = p->baseline;
	size_t *pending = xcalloc(p->n ? p->n : 1, sizeof(size_t)), np = 0, pos = 0, i;
	unsigned int wave = 0, looked = SEQ_FIRST, w, j, n = 0;
	bool stopped_early = false;
	int ret = 0;

	for (i = 0; i < p->n; i++)
		if (!kept[i])
			pending[np++] = i;
	for (; pos < np && ret >= 0 && !proc_stop_signal; wave++) {
		const struct plan_entry *first = &p->e[pending[pos]];

		if (o->rule.seq_max && first->rep > looked) {
			looked = first->rep;
			if (decided(vo, o, base)) {
				msg_info("decided after %u runs per variant (--reps auto, at most %u)", first->rep - 1,
					 o->reps);
				stopped_early = true;
				break;
			}
		}
		w = (unsigned int)(np - pos < pl->width ? np - pos : pl->width);
		for (j = 0; j < w; j++)
			slot_start(&pg->slots[j], vo, p, &p->e[pending[pos + j]], pl, (j + wave) % pl->width, ++n,
				   o->rule.seq_max != 0);
		for (j = 0; j < w; j++) {
			struct slot *s = &pg->slots[j];

			if (s->threaded)
				pthread_join(s->thread, NULL);
			/* < 0 but not -EINTR: its result could not be written; stop */
			if (s->ret > 0 || (s->ret < 0 && s->ret != -EINTR))
				(*failed)++;
			if (s->ret < 0 && ret >= 0)
				ret = s->ret;
		}
		pos += w;
	}
	if (ret >= 0 && !proc_stop_signal && o->rule.seq_max && !stopped_early && !decided(vo, o, base))
		msg_info("still undecided after %u runs per variant (--reps auto:%u): what is not decided is "
			 "inconclusive", o->reps, o->reps);
	free(pending);
	return ret < 0 ? ret : 0;
}

/* compare.json's content: the compare's own settings, which 'report' and 'gate' take as their defaults. */
static json_t *settings_json(struct vm_opts *vo, const struct compare_opts *o, const char *plan_id)
{
	json_t *root = json_object(), *kernels = json_array();
	size_t i;

	for (i = 0; i < vm_session_nr_kernels(vo); i++)
		json_array_append_new(kernels, json_pack("{s:s,s:s}", "label", vm_session_label(vo, i), "spec",
							 vm_session_spec(vo, i)));
	json_object_set_new(root, "format", json_string("mmstall-compare"));
	json_object_set_new(root, "format_version", json_integer(1));
	json_object_set_new(root, "kernels", kernels);
	json_object_set_new(root, "reps", json_integer(o->reps));
	json_object_set_new(root, "reps_mode", json_string(o->rule.seq_max ? "auto" : "fixed"));
	json_object_set_new(root, "baseline", json_string(o->baseline ?: vm_session_label(vo, 0)));
	json_object_set_new(root, "rule", summary_rule_to_json(&o->rule));
	json_object_set_new(root, "plan_id", json_string(plan_id));
	return root;
}

/* compare.json beside the runs (settings_json()); run-job writes the same from its plan. */
static int write_settings(struct vm_opts *vo, json_t *root)
{
	char path[PATH_MAX + 32], *s;
	int ret;

	snprintf(path, sizeof(path), "%s/%s", vm_session_results(vo), COMPARE_SETTINGS_FILE);
	s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	ret = s ? write_file_atomic(path, s, strlen(s)) : -ENOMEM;
	if (ret)
		msg_err("cannot write %s: %s%s", path, strerror(-ret),
			ret == -ENOSPC ? " (disk full: free space, or choose another --results)" : "");
	free(s);
	return ret;
}

/*
 * The report on screen; report.html, report.mail.txt and summary.json
 * beside the runs.  -EIO when one could not be written (said, with why).
 */
static int conclude(const char *results, const struct compare_opts *o, const char *baseline)
{
	static const struct {
		const char *name;
		const struct report_format *fmt;
	} files[] = { { "report.html", &report_html },
		      { "report.mail.txt", &report_mail },
		      { SUMMARY_FILE, &report_json } };
	char *paths[] = { (char *)results }, path[PATH_MAX + 32], *buf, written[128] = "";
	struct runset rs;
	struct summary s;
	size_t i, len;
	FILE *m;
	int ret, failed = 0;

	if (summary_open(&s, &rs, paths, 1, baseline, &o->rule, &o->given))
		return -EINVAL;
	printf("\n");
	report_text.render(stdout, &s);
	fflush(stdout);
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		buf = NULL;
		m = open_memstream(&buf, &len);
		ret = m ? files[i].fmt->render(m, &s) : -ENOMEM;
		if (m && fclose(m))
			ret = ret ?: -EIO;
		snprintf(path, sizeof(path), "%s/%s", results, files[i].name);
		if (!ret)
			ret = write_file_atomic(path, buf, len);
		if (ret) {
			msg_err("cannot write %s: %s%s", path, strerror(-ret),
				ret == -ENOSPC ? " (disk full: the runs are kept; free space and run 'mmstall report' "
						 "again)" : "");
			failed++;
		} else {
			snprintf(written + strlen(written), sizeof(written) - strlen(written), "%s%s",
				 written[0] ? ", " : "", files[i].name);
		}
		free(buf);
	}
	msg_info("results in %s%s%s; again with 'mmstall report %s [--format %s]', gate with 'mmstall gate %s "
		 "--baseline %s'", results, written[0] ? ": " : "", written, results, report_format_list("|", "|"), results,
		 rs.variants[s.baseline]);
	summary_close(&s, &rs);
	return failed ? -EIO : 0;
}

/* --plan FILE: the job list of this compare, for another engine; nothing runs. */
static int write_plan(struct vm_opts *vo, const struct compare_opts *o)
{
	const char *base = o->baseline ? o->baseline : vm_session_label(vo, 0);
	char id[PLAN_ID_LEN], err[PATH_MAX + 256];
	struct plan p;
	json_t *settings;
	int ret;

	if (o->rule.seq_max) {
		msg_err("--plan with --reps auto: an engine runs every entry of the list, while auto decides "
			"between rounds; give --reps N");
		return EXIT_USAGE;
	}
	if (vm_session_results(vo)[0])
		msg_warn("--results is not used with --plan: each 'mmstall run-job' gets its own --results DIR");
	if (o->jobs != 1 || o->pin)
		msg_warn("--jobs and --pin are not used with --plan: the engine decides what runs at once "
			 "('run-job --slot N' pins like --jobs)");
	plan_new_id(id);
	settings = settings_json(vo, o, id);
	plan_make(&p, vo, o->reps, base, o->baseline_every_run, NULL, settings, id);
	json_decref(settings);
	ret = plan_save(&p, o->plan_file, err, sizeof(err));
	if (ret)
		msg_err("%s", err);
	else
		msg_info("wrote %s (plan %s): %zu runs, %zu variants x %u repetitions, in %u pairings; nothing was "
			 "run. One run: 'mmstall run-job %s INDEX --results DIR' (INDEX 0 to %zu); a whole pairing on "
			 "one host: 'mmstall run-job %s PAIRING --pairing --results DIR' (PAIRING 0 to %u); then "
			 "'mmstall report DIR...'", o->plan_file, p.id, p.n, p.nr_kernels, p.reps, p.reps, o->plan_file,
			 p.n - 1, o->plan_file, p.reps - 1);
	plan_free(&p);
	return ret ? EXIT_FAIL : EXIT_OK;
}

static void progress_stop(struct progress *pg, bool started)
{
	pthread_mutex_lock(&pg->lock);
	pg->stop = true;
	pthread_mutex_unlock(&pg->lock);
	if (started)
		pthread_join(pg->thread, NULL);
	progress_done();
}

int cmd_compare(int argc, char **argv)
{
	struct compare_opts o = { .reps = 5, .jobs = 1 };
	struct vm_extra_opts x = { .cmd = "compare", .opts = compare_longopts,
				   .nr = ARRAY_SIZE(compare_longopts), .parse = parse_extra, .arg = &o,
				   .usage = usage };
	struct progress pg = { .lock = PTHREAD_MUTEX_INITIALIZER, .tty = progress_tty() };
	struct placement pl = { 0 };
	char id[PLAN_ID_LEN];
	unsigned int failed = 0;
	struct plan p = { 0 };
	bool *kept = NULL, started = false;
	json_t *settings = NULL;
	struct vm_opts *vo;
	int code = EXIT_OK, ret;

	summary_rule_defaults(&o.rule);
	vo = vm_session_parse(argc, argv, &x, &code);
	if (!vo)
		return code;
	vm_session_default_kernels(vo);
	if (o.aa && add_aa(vo)) {
		vm_session_end(vo);
		return EXIT_USAGE;
	}
	if (o.baseline && find_label(vo, o.baseline) < 0) {
		msg_err("invalid --baseline '%s': not the label of a --kernel", o.baseline);
		vm_session_end(vo);
		return EXIT_USAGE;
	}
	if (o.plan_file) {
		code = write_plan(vo, &o);
		vm_session_end(vo);
		return code;
	}
	code = vm_session_start(vo);
	kept = xcalloc((size_t)o.reps * vm_session_nr_kernels(vo), sizeof(*kept));
	if (code == EXIT_OK && scan_prior(vo, &o, kept, &pg.todo))
		code = EXIT_USAGE;
	if (code == EXIT_OK) {
		/* a resumed compare keeps its plan id: its runs are one experiment */
		if (!prior_plan_id(vm_session_results(vo), id))
			plan_new_id(id);
		settings = settings_json(vo, &o, id);
		plan_make(&p, vo, o.reps, o.baseline ? o.baseline : vm_session_label(vo, 0), o.baseline_every_run,
			  kept, settings, id);
		if (write_settings(vo, settings))
			code = EXIT_FAIL;
	}
	if (code == EXIT_OK && place(vo, &o, pg.todo, &pl))
		code = EXIT_USAGE;
	if (code != EXIT_OK) {
		json_decref(settings);
		plan_free(&p);
		host_cpus_free(&pl.hc);
		free(kept);
		vm_session_end(vo);
		return code;
	}
	pg.t0_ns = now_ns();
	pg.warmup_ns = vm_session_scenario(vo)->warmup_ns;
	pg.duration_ns = vm_session_scenario(vo)->duration_ns;
	pg.total = (unsigned int)p.n;
	pg.kept = pg.total - pg.todo;
	pg.at_most = o.rule.seq_max != 0;
	pg.width = pl.width;
	pg.slots = xcalloc(pl.width, sizeof(*pg.slots));
	for (ret = 0; ret < (int)pl.width; ret++)
		pg.slots[ret].pg = &pg;
	started = !pthread_create(&pg.thread, NULL, progress_thread, &pg);
	if (!started)
		msg_warn("cannot start the progress thread: no progress line");
	ret = run_all(vo, &o, &p, kept, &pg, &pl, &failed);
	progress_stop(&pg, started);
	if (failed || ret)
		code = EXIT_FAIL;
	if (!ret && !proc_stop_signal && conclude(vm_session_results(vo), &o, o.baseline))
		code = EXIT_FAIL;
	if (failed)
		msg_warn("%u of %u runs failed; their results and console logs are in %s", failed, pg.todo,
			 vm_session_results(vo));
	json_decref(settings);
	plan_free(&p);
	host_cpus_free(&pl.hc);
	free(pg.slots);
	free(kept);
	vm_session_end(vo);
	if (proc_stop_signal) {
		msg_err("interrupted by SIG%s: QEMU stopped; finished runs are kept, run the same command "
			"again to resume", sigabbrev_np(proc_stop_signal));
		return 128 + proc_stop_signal;
	}
	return code;
}
