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
#include "harness/report.h"
#include "harness/report_common.h"
#include "harness/result.h"
#include "harness/runs.h"
#include "harness/summary.h"
#include "harness/util.h"
#include "harness/proc.h"
#include "harness/progress.h"
#include "harness/vm/session.h"
#include "workloads/scenario.h"

#define MAX_REPS 1000
/* Until a run has finished: boot and transfer time under TCG, roughly. */
#define GUESS_OVERHEAD_NS (40 * NSEC_PER_SEC)

struct compare_opts {
	unsigned int reps;	/* fixed repetitions, or the most with --reps auto */
	bool aa, retry_failed;
	const char *baseline;
	struct summary_rule rule;	/* rule.seq_max: --reps auto[:MAX] */
	struct summary_given given;
};

enum { COPT_REPS = 1000, COPT_AA, COPT_BASELINE, COPT_RETRY_FAILED };

static const struct option compare_longopts[] = {
	{ "reps", required_argument, NULL, COPT_REPS },
	{ "aa", no_argument, NULL, COPT_AA },
	{ "baseline", required_argument, NULL, COPT_BASELINE },
	{ "retry-failed", no_argument, NULL, COPT_RETRY_FAILED },
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
		"  --aa                     A/A control: every variant also runs against itself,\n"
		"                           as LABEL-aa (the same kernel given twice does the same)\n"
		"  --baseline LABEL         the variant the others are compared with [the first]\n"
		"  --retry-failed           on resume, run failed runs again (interrupted runs\n"
		"                           always are)\n",
		MAX_REPS, SEQ_DEFAULT_MAX);
	summary_rule_help(f);
	fprintf(f,
		"\n"
		"Running again with the same --results resumes: finished runs are kept.\n"
		"Progress: a live line on a terminal (variant, repetition, phase, elapsed,\n"
		"remaining), one line per phase otherwise.\n"
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
	}
	return -EINVAL;
}

/* ---- progress ---- */

struct progress {
	pthread_mutex_t lock;
	pthread_t thread;
	bool tty, stop, running;
	/* the run under way */
	char what[160];		/* "6.12 rep 2/5 (run 4 of 10)" */
	const struct vm_opts *vo;	/* says when the guest's run began */
	uint64_t run_start_ns, mark_ns;	/* mark_ns: when the guest's run began, 0: not yet */
	const char *phase;
	/* the whole compare */
	uint64_t t0_ns, done_wall_ns, warmup_ns, duration_ns;
	unsigned int done, todo;
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

/* The phase of the run under way (lock held). */
static const char *phase_of(struct progress *pg, uint64_t now)
{
	uint64_t since;

	if (!pg->mark_ns)
		pg->mark_ns = vm_session_run_started_ns(pg->vo);
	if (!pg->mark_ns)
		return "boot";
	since = now - pg->mark_ns;
	if (since < pg->warmup_ns)
		return "warm-up";
	if (since < pg->warmup_ns + pg->duration_ns)
		return "measure";
	return "collect";
}

/* Remaining time: the mean wall time of finished runs (else a guess) times what is left. */
static uint64_t remaining_ns(const struct progress *pg, uint64_t now)
{
	uint64_t per = pg->done ? pg->done_wall_ns / pg->done
				: pg->warmup_ns + pg->duration_ns + GUESS_OVERHEAD_NS;
	uint64_t cur = pg->running ? now - pg->run_start_ns : 0;
	uint64_t left = per * (pg->todo - pg->done);

	return left > cur ? left - cur : 0;
}

static void draw(struct progress *pg)
{
	uint64_t now = now_ns();
	const char *phase = phase_of(pg, now);
	char el[32], rem[32], in[32];

	fmt_secs(el, sizeof(el), now - pg->t0_ns);
	fmt_secs(rem, sizeof(rem), remaining_ns(pg, now));
	fmt_secs(in, sizeof(in), now - pg->run_start_ns);
	if (pg->tty)
		progress_show("compare: %s: %s (%s), elapsed %s, remaining ~%s", pg->what, phase, in, el, rem);
	else if (phase != pg->phase)
		msg_info("compare: %s: %s, elapsed %s, remaining ~%s", pg->what, phase, el, rem);
	pg->phase = phase;
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
		if (pg->running)
			draw(pg);
		pthread_mutex_unlock(&pg->lock);
		usleep(500 * 1000);
	}
}

static void progress_begin(struct progress *pg, const struct vm_opts *vo, const char *what)
{
	pthread_mutex_lock(&pg->lock);
	snprintf(pg->what, sizeof(pg->what), "%s", what);
	pg->vo = vo;
	pg->run_start_ns = now_ns();
	pg->mark_ns = 0;
	pg->phase = NULL;
	pg->running = true;
	pthread_mutex_unlock(&pg->lock);
}

static void progress_end(struct progress *pg)
{
	pthread_mutex_lock(&pg->lock);
	pg->running = false;
	pg->done++;
	pg->done_wall_ns += now_ns() - pg->run_start_ns;
	progress_done();
	pthread_mutex_unlock(&pg->lock);
}

/* ---- resuming ---- */

enum prior { PRIOR_NONE, PRIOR_KEEP, PRIOR_REDO };

/*
 * What an earlier compare left for this run: nothing, a finished run to
 * keep, or one to run again.  -EINVAL (message printed) when it was made
 * with another kernel or other scenario settings.
 */
static int prior_run(const char *path, const char *spec, const json_t *sc, bool retry_failed, enum prior *out)
{
	char err[1024];
	json_t *res, *theirs, *v;
	const char *st, *e, *key, *their_spec;
	int ret = 0;

	*out = PRIOR_NONE;
	if (!path_exists(path))
		return 0;
	res = result_load(path, err, sizeof(err));
	if (!res) {
		msg_warn("%s; running it again", err);
		*out = PRIOR_REDO;
		return 0;
	}
	their_spec = json_string_value(json_object_get(json_object_get(res, "vm"), "kernel_spec"));
	theirs = json_object_get(res, "scenario");
	if (their_spec && strcmp(their_spec, spec)) {
		msg_err("%s was run with kernel %s, not %s: this results directory belongs to another "
			"compare; choose a new --results", path, their_spec, spec);
		ret = -EINVAL;
	}
	json_object_foreach((json_t *)sc, key, v) {
		json_t *t = json_object_get(theirs, key);

		if (ret || !t || json_equal(t, v))
			continue;
		msg_err("%s was run with scenario setting %s different from this compare's: this results "
			"directory belongs to another compare; choose a new --results, or repeat its settings",
			path, key);
		ret = -EINVAL;
	}
	st = json_string_value(json_object_get(res, "status"));
	e = json_string_value(json_object_get(res, "error"));
	if (!ret) {
		if (st && !strcmp(st, "ok"))
			*out = PRIOR_KEEP;
		else if (st && !strcmp(st, "failed") && !retry_failed && !(e && strstr(e, "interrupted")))
			*out = PRIOR_KEEP;
		else
			*out = PRIOR_REDO;
	}
	json_decref(res);
	return ret;
}

/* ---- the command ---- */

static int add_aa(struct vm_opts *vo)
{
	size_t i, n = vm_session_nr_kernels(vo);
	char *arg;
	int ret = 0;

	for (i = 0; i < n && !ret; i++) {
		if (asprintf(&arg, "%s-aa=%s", vm_session_label(vo, i), vm_session_spec(vo, i)) < 0)
			return -ENOMEM;
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

/* Plan: which runs to do; -EINVAL when the directory holds another compare. */
static int plan(struct vm_opts *vo, const struct compare_opts *o, enum prior *prior, unsigned int *todo)
{
	size_t nk = vm_session_nr_kernels(vo), i;
	json_t *sc = scenario_to_json(vm_session_scenario(vo));
	char path[PATH_MAX + 128];
	unsigned int k, kept = 0;
	int ret = 0;

	*todo = 0;
	for (k = 1; k <= o->reps && !ret; k++) {
		for (i = 0; i < nk && !ret; i++) {
			enum prior *p = &prior[(k - 1) * nk + i];

			snprintf(path, sizeof(path), "%s/%s.rep%u.json", vm_session_results(vo),
				 vm_session_label(vo, i), k);
			ret = prior_run(path, vm_session_spec(vo, i), sc, o->retry_failed, p);
			if (*p == PRIOR_KEEP)
				kept++;
			else
				(*todo)++;
		}
	}
	json_decref(sc);
	if (!ret && kept)
		msg_info("resuming: %u finished runs kept in %s, %u to run", kept, vm_session_results(vo), *todo);
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

static int run_all(struct vm_opts *vo, const struct compare_opts *o, const enum prior *prior,
		   struct progress *pg, unsigned int *failed)
{
	size_t nk = vm_session_nr_kernels(vo), i;
	const char *base = o->baseline ? o->baseline : vm_session_label(vo, 0);
	char stem[128], what[160];
	unsigned int k, n = 0;
	int ret = 0;

	for (k = 1; k <= o->reps && ret >= 0; k++) {
		if (o->rule.seq_max && k > SEQ_FIRST && decided(vo, o, base)) {
			msg_info("decided after %u runs per variant (--reps auto, at most %u)", k - 1, o->reps);
			break;
		}
		for (i = 0; i < nk && ret >= 0; i++) {
			struct vm_run_info ri = { .stem = stem, .rep = (int)k, .reps = (int)o->reps,
						  .variant_index = (int)i, .baseline = base };

			if (prior[(k - 1) * nk + i] == PRIOR_KEEP)
				continue;
			n++;
			snprintf(stem, sizeof(stem), "%s.rep%u", vm_session_label(vo, i), k);
			snprintf(what, sizeof(what), "%s rep %u/%u%s (run %u of %s%u)", vm_session_label(vo, i), k,
				 o->reps, o->rule.seq_max ? " at most" : "", n, o->rule.seq_max ? "at most " : "",
				 pg->todo);
			progress_begin(pg, vo, what);
			ret = vm_session_run(vo, i, &ri);
			progress_end(pg);
			/* < 0 but not -EINTR: its result could not be written; stop */
			if (ret > 0 || (ret < 0 && ret != -EINTR))
				(*failed)++;
		}
	}
	if (ret >= 0 && o->rule.seq_max && k > o->reps && !decided(vo, o, base))
		msg_info("still undecided after %u runs per variant (--reps auto:%u): what is not decided is "
			 "inconclusive", o->reps, o->reps);
	return ret < 0 ? ret : 0;
}

/* compare.json: the compare's own settings, which 'report' and 'gate' take as their defaults. */
static int write_settings(struct vm_opts *vo, const struct compare_opts *o)
{
	json_t *root = json_object(), *kernels = json_array();
	char path[PATH_MAX + 32], *s;
	size_t i;
	int ret;

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
	snprintf(path, sizeof(path), "%s/%s", vm_session_results(vo), COMPARE_SETTINGS_FILE);
	s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	ret = s ? write_file_atomic(path, s, strlen(s)) : -ENOMEM;
	if (ret)
		msg_err("cannot write %s: %s%s", path, strerror(-ret),
			ret == -ENOSPC ? " (disk full: free space, or choose another --results)" : "");
	free(s);
	json_decref(root);
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

int cmd_compare(int argc, char **argv)
{
	struct compare_opts o = { .reps = 5 };
	struct vm_extra_opts x = { .cmd = "compare", .opts = compare_longopts,
				   .nr = ARRAY_SIZE(compare_longopts), .parse = parse_extra, .arg = &o,
				   .usage = usage };
	struct progress pg = { .lock = PTHREAD_MUTEX_INITIALIZER, .tty = progress_tty() };
	unsigned int failed = 0;
	enum prior *prior = NULL;
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
	code = vm_session_start(vo);
	prior = xcalloc((size_t)o.reps * vm_session_nr_kernels(vo), sizeof(*prior));
	if (code == EXIT_OK && plan(vo, &o, prior, &pg.todo))
		code = EXIT_USAGE;
	if (code == EXIT_OK && write_settings(vo, &o))
		code = EXIT_FAIL;
	if (code != EXIT_OK) {
		free(prior);
		vm_session_end(vo);
		return code;
	}
	pg.t0_ns = now_ns();
	pg.warmup_ns = vm_session_scenario(vo)->warmup_ns;
	pg.duration_ns = vm_session_scenario(vo)->duration_ns;
	if (pthread_create(&pg.thread, NULL, progress_thread, &pg)) {
		msg_err("cannot start the progress thread");
		code = EXIT_FAIL;
	}
	ret = code ? 0 : run_all(vo, &o, prior, &pg, &failed);
	pthread_mutex_lock(&pg.lock);
	pg.stop = true;
	pthread_mutex_unlock(&pg.lock);
	if (!code)
		pthread_join(pg.thread, NULL);
	if (failed || ret)
		code = EXIT_FAIL;
	if (!ret && !proc_stop_signal && conclude(vm_session_results(vo), &o, o.baseline))
		code = EXIT_FAIL;
	if (failed)
		msg_warn("%u of %u runs failed; their results and console logs are in %s", failed, pg.todo,
			 vm_session_results(vo));
	free(prior);
	vm_session_end(vo);
	if (proc_stop_signal) {
		msg_err("interrupted by SIG%s: QEMU stopped; finished runs are kept, run the same command "
			"again to resume", sigabbrev_np(proc_stop_signal));
		return 128 + proc_stop_signal;
	}
	return code;
}
