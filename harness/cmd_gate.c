// SPDX-License-Identifier: GPL-2.0
/*
 * mmstall gate: pass or fail stored results, for CI and 'git bisect run'.
 * By default every probe that waits on the low-priority task's mmap_lock is
 * judged on the stall index (the probe over the control in the same boot),
 * so a kernel that only makes the whole guest faster or slower is not an
 * mmap_lock regression.  Exit 0 pass, 1 regression (or, with one variant,
 * the inversion reproduced), 2 usage or harness error, 125 could not test
 * (and undecided under --require-decision).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cmds.h"
#include "harness/report_common.h"
#include "harness/summary.h"
#include "harness/util.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: mmstall gate PATH... [--baseline LABEL] [--probe NAME] [--stat STAT]\n"
		"                    [--basis index|absolute] [--max-regression PCT] [--alpha P]\n"
		"                    [--require-decision]\n"
		"\n"
		"Decide from stored results (of 'mmstall compare', 'mmstall vm' or 'mmstall run';\n"
		"several PATHs are merged) whether a variant regressed against the baseline.\n"
		"Nothing is run.\n"
		"\n"
		"Options:\n"
		"  --baseline LABEL         the variant the others are compared with [the\n"
		"                           compare's --baseline, else its first variant]\n"
		"  --probe NAME             judge this probe only [every probe that waits on\n"
		"                           lo's mmap_lock: maps, cmdline, smaps_rollup, ...]\n"
		"  --require-decision       an inconclusive verdict exits 125 (a bisection must\n"
		"                           not call an unclear step good), not 0\n");
	summary_rule_help(f);
	fprintf(f,
		"  -h, --help               this text\n"
		"\n"
		"For each variant and probe: the median of its repetitions over the baseline's\n"
		"median (of the stall index by default), with a 95%% bootstrap interval, and a\n"
		"two-sided Mann-Whitney U test.  regressed: the whole interval above 1 + PCT\n"
		"and p below the level; improved: wholly below 1 / (1 + PCT) and p below the\n"
		"level; no change: the whole interval inside that band; otherwise inconclusive.\n"
		"The level is --alpha, or for a 'compare --reps auto' directory the sequential\n"
		"schedule's at the number of runs made.  With fewer than 4 runs a side no p\n"
		"can be below 0.05, so such a gate never fails.  With one variant only, the\n"
		"gate asks whether that kernel reproduces the inversion (its stall index\n"
		"above --inversion-threshold): reproduced fails it.\n"
		"\n"
		"Exit status: 0 pass (no change, improved, inconclusive; one variant: no\n"
		"inversion), 1 a variant regressed (one variant: the inversion reproduced),\n"
		"2 bad input (an unknown probe, statistic or baseline, runs of different\n"
		"experiments), 125 could not test (every run of a variant or of the baseline\n"
		"failed: boot failure or missing kernel feature; 'git bisect run' skips it),\n"
		"or inconclusive with --require-decision.\n");
}

struct gate_opts {
	const char *baseline, *probe;
	bool require_decision;
	struct summary_rule rule;
	struct summary_given given;
};

enum { OPT_BASELINE = 1000, OPT_PROBE, OPT_REQUIRE };

static int parse(int argc, char **argv, struct gate_opts *o)
{
	static const struct option longopts[] = {
		{ "baseline", required_argument, NULL, OPT_BASELINE },
		{ "probe", required_argument, NULL, OPT_PROBE },
		{ "require-decision", no_argument, NULL, OPT_REQUIRE },
		SUMMARY_RULE_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		ret = summary_rule_option(&o->rule, &o->given, c, optarg);
		if (ret < 0)
			return ret;
		if (ret)
			continue;
		switch (c) {
		case OPT_BASELINE:
			o->baseline = optarg;
			break;
		case OPT_PROBE:
			o->probe = optarg;
			break;
		case OPT_REQUIRE:
			o->require_decision = true;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			fprintf(stderr, "Try 'mmstall gate --help'.\n");
			return -EINVAL;
		}
	}
	if (optind >= argc) {
		msg_err("gate needs a results directory or result files (e.g. mmstall gate results/<dir> "
			"--baseline base)");
		return -EINVAL;
	}
	return 0;
}

/* The verdict in words, without contradicting itself. */
static const char *verdict_words(const struct summary *s, const struct cell *c, const struct cell *b)
{
	static char buf[256];

	switch (c->verdict) {
	case VERDICT_REGRESSED:
		return "REGRESSED";
	case VERDICT_IMPROVED:
		return "improved";
	case VERDICT_NO_CHANGE:
		snprintf(buf, sizeof(buf), "no change (the whole CI within +-%g%%%s)", s->rule.cmp.max_regression * 100,
			 c->significant ? "; a smaller difference is significant" : "");
		return buf;
	case VERDICT_INCONCLUSIVE:
		if (c->n < KV_MIN_RUNS || b->n < KV_MIN_RUNS) {
			snprintf(buf, sizeof(buf), "inconclusive (fewer than %d runs a side show nothing)", KV_MIN_RUNS);
			return buf;
		}
		snprintf(buf, sizeof(buf), "inconclusive (neither a change of %g%% nor its absence is shown%s)",
			 s->rule.cmp.max_regression * 100,
			 c->censored || b->censored ? ", or a side's values are lower bounds (censored stalls)" : "");
		return buf;
	default:
		return stats_verdict_name(c->verdict);
	}
}

/* One comparison line; returns its exit code. */
static int judge(const struct summary *s, size_t v, size_t p, bool require)
{
	const struct cell *c = summary_verdict_cell(s, v, p), *b = summary_verdict_cell(s, s->baseline, p);
	enum summary_basis basis = (int)p == s->control ? BASIS_ABSOLUTE : s->rule.basis;
	const struct cell *abs = summary_cell(s, BASIS_ABSOLUTE, v, p, s->rule.stat);
	const char *var = s->rs->variants[v], *base = s->rs->variants[s->baseline];
	const char *probe = s->probes[p].name, *stat = result_stats[s->rule.stat].name;
	char vv[32], bv[32];

	/*
	 * No stall index where the latency is there: the control itself had too
	 * few samples or was blocked past the window in both places -- the whole
	 * guest stalled.  Judge on the latency then, and say so.
	 */
	if (!c->cmp && basis == BASIS_INDEX && abs->cmp) {
		printf("gate: %s %s: %s: no stall index in enough runs (the control probe stalled too, or had too "
		       "few samples): judged on the latency alone\n", probe, stat, var);
		basis = BASIS_ABSOLUTE;
		c = abs;
		b = summary_cell(s, BASIS_ABSOLUTE, s->baseline, p, s->rule.stat);
	}
	if (!c->cmp) {
		if (!s->ok[v])
			printf("gate: %s %s: %s: could not test: 0 of %zu runs succeeded (first failure: %s)\n", probe,
			       stat, var, s->runs[v], report_first_error(s, v));
		else
			printf("gate: %s %s: %s: could not test: none of its %zu successful runs has a %s %s "
			       "value (too few samples, or the probe is missing)\n",
			       probe, stat, var, s->ok[v], probe, stat);
		return EXIT_UNTESTABLE;
	}
	report_cell_median(vv, sizeof(vv), basis, c);
	report_cell_median(bv, sizeof(bv), basis, b);
	printf("gate: %s %s %s: %s %s vs %s %s (baseline): ratio %.3f [95%% CI %.3f, %.3f], p=%.3g (%zu vs %zu "
	       "runs, level %.3g): %s (threshold +%g%%)",
	       probe, stat, basis == BASIS_INDEX ? "stall index" : "latency", var, vv, base, bv, c->ratio.est,
	       c->ratio.lo, c->ratio.hi, c->mw.p, c->n, b->n, c->level, verdict_words(s, c, b),
	       s->rule.cmp.max_regression * 100);
	if (basis == BASIS_INDEX && abs->cmp)
		printf("; latency alone %.2fx (%s)", abs->ratio.est, stats_verdict_name(abs->verdict));
	printf("\n");
	if (!stats_rejects(summary_min_p(c->n, b->n), c->level))
		msg_warn("with %zu and %zu runs no p-value can reach %g: this gate cannot fail; use --reps 5 or "
			 "more", c->n, b->n, c->level);
	if (c->verdict == VERDICT_REGRESSED)
		return EXIT_FAIL;
	if (c->verdict == VERDICT_INCONCLUSIVE && require)
		return EXIT_UNTESTABLE;
	return EXIT_OK;
}

/* One variant alone: does this kernel reproduce the inversion? */
static int judge_kernel(const struct summary *s, size_t p, bool require)
{
	const struct kcell *k = summary_kcell(s, 0, p);
	char ci[200];

	if (k->verdict == KV_UNTESTABLE) {
		printf("gate: %s: %s: could not test (%zu of %zu runs ok): %s\n", s->probes[p].name, s->rs->variants[0],
		       s->ok[0], s->runs[0], report_first_error(s, 0));
		return EXIT_UNTESTABLE;
	}
	report_kcell(ci, sizeof(ci), k);
	printf("gate: %s %s stall index of %s: %s against the threshold %gx: %s\n", s->probes[p].name,
	       result_stats[s->rule.stat].name, s->rs->variants[0], ci, s->rule.inversion_threshold,
	       !k->applies		  ? "not judged (no mmap_lock wait on this kernel)"
	       : k->verdict == KV_REPRODUCED ? "inversion REPRODUCED"
	       : k->verdict == KV_NONE	   ? "no inversion"
	       : !k->has_ci		   ? "inconclusive (too few runs for an interval: use --reps 3 or more)"
					   : "inconclusive (the interval straddles the threshold, or bounds forbid a side)");
	if (!k->applies)
		return EXIT_OK;
	if (k->verdict == KV_REPRODUCED)
		return EXIT_FAIL;
	return k->verdict == KV_INCONCLUSIVE && require ? EXIT_UNTESTABLE : EXIT_OK;
}

/* A regression outranks "could not test": the bisection must see it. */
static int worse(int code, int c)
{
	if (c == EXIT_FAIL || code == EXIT_FAIL)
		return EXIT_FAIL;
	return c != EXIT_OK ? c : code;
}

/* No run has the probe: a typo (2), or every run failed (125). */
static int probe_missing(const struct summary *s, const char *probe)
{
	char list[512] = "";
	size_t i, used = 0;

	for (i = 0; i < s->nr_probes && used < sizeof(list); i++)
		used += snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "", s->probes[i].name);
	if (s->nr_probes) {
		msg_err("invalid --probe '%s': the results have the probes %s", probe, list);
		return EXIT_USAGE;
	}
	printf("gate: %s: could not test: no run of any variant succeeded (%s)\n", probe, report_first_error(s, s->baseline));
	return EXIT_UNTESTABLE;
}

static int gate(const struct summary *s, const struct gate_opts *o)
{
	int code = EXIT_OK, p0 = -1;
	size_t v, p, judged = 0;

	if (o->probe && (p0 = summary_probe(s, o->probe)) < 0)
		return probe_missing(s, o->probe);
	if (!s->nr_probes) {
		printf("gate: could not test: no run of any variant succeeded (%s)\n", report_first_error(s, s->baseline));
		return EXIT_UNTESTABLE;
	}
	if (s->mixed[0])
		msg_warn("different experiments pooled (--allow-mixed): %s", s->mixed);
	for (p = 0; p < s->nr_probes; p++) {
		if (p0 >= 0 ? (int)p != p0 : !s->probes[p].lo_lock)
			continue;
		judged++;
		if (s->rs->nr_variants == 1) {
			code = worse(code, judge_kernel(s, p, o->require_decision));
			continue;
		}
		/* the baseline's runs failed, or have no value: that is the data, not a usage error */
		if (!summary_verdict_cell(s, s->baseline, p)->n &&
		    !summary_cell(s, BASIS_ABSOLUTE, s->baseline, p, s->rule.stat)->n) {
			printf("gate: %s %s: could not test: baseline '%s' has no value in %zu runs (%zu succeeded%s%s)\n",
			       s->probes[p].name, result_stats[s->rule.stat].name, s->rs->variants[s->baseline],
			       s->runs[s->baseline], s->ok[s->baseline], s->ok[s->baseline] ? "" : "; first failure: ",
			       s->ok[s->baseline] ? "" : report_first_error(s, s->baseline));
			code = worse(code, EXIT_UNTESTABLE);
			continue;
		}
		for (v = 0; v < s->rs->nr_variants; v++)
			if ((int)v != s->baseline)
				code = worse(code, judge(s, v, p, o->require_decision));
	}
	if (!judged) {
		msg_err("no probe of these results waits on lo's mmap_lock; name one with --probe");
		return EXIT_USAGE;
	}
	for (v = 0; v < s->rs->nr_variants; v++) {
		const struct cell *ctl = summary_control_moved(s, v);

		if (ctl && s->rule.basis == BASIS_INDEX)
			printf("gate: note: %s's control (%s) moved on its own: %.2fx the baseline's (the whole guest "
			       "got %s); the stall index discounts that\n", s->rs->variants[v], s->probes[s->control].name,
			       ctl->ratio.est, ctl->ratio.est >= 1 ? "slower" : "faster");
	}
	return code;
}

int cmd_gate(int argc, char **argv)
{
	struct gate_opts o = { 0 };
	struct runset rs;
	struct summary s;
	int ret, code;

	summary_rule_defaults(&o.rule);
	ret = parse(argc, argv, &o);
	if (ret)
		return ret > 0 ? EXIT_OK : EXIT_USAGE;
	if (summary_open(&s, &rs, argv + optind, argc - optind, o.baseline, &o.rule, &o.given))
		return EXIT_USAGE;
	code = gate(&s, &o);
	summary_close(&s, &rs);
	return code;
}
