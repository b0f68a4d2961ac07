// SPDX-License-Identifier: GPL-2.0
/*
 * mmstall gate: pass or fail stored results on one probe and statistic, for
 * CI and 'git bisect run'.  Exit 0 pass, 1 regression past the threshold,
 * 2 usage or harness error, 125 could not test.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cmds.h"
#include "harness/report.h"
#include "harness/summary.h"
#include "harness/util.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: mmstall gate PATH... [--baseline LABEL] [--probe NAME] [--stat STAT]\n"
		"                    [--max-regression PCT] [--alpha P]\n"
		"\n"
		"Decide from stored results (of 'mmstall compare', 'mmstall vm' or 'mmstall run';\n"
		"several PATHs are merged) whether any variant regressed against the baseline.\n"
		"Nothing is run.\n"
		"\n"
		"Options:\n"
		"  --baseline LABEL      the variant the others are compared with [the compare's\n"
		"                        --baseline, else its first variant]\n"
		"  --probe NAME          the probe to judge [maps]\n"
		"  --stat STAT           p50, p99, p99.9 or max of the corrected latency [p99]\n"
		"  --max-regression PCT  how much slower counts as a regression: 20%%, 12.5 [20%%]\n"
		"  --alpha P             level of the Mann-Whitney test, 0 < P < 1 [0.05]\n"
		"  -h, --help            this text\n"
		"\n"
		"For each variant: the median of its repetitions over the baseline's median,\n"
		"with a 95%% bootstrap interval, and a two-sided Mann-Whitney U test.  A\n"
		"variant regressed when the whole interval lies above 1 + PCT and p < P;\n"
		"it improved when the whole interval lies below 1 / (1 + PCT) and p < P.\n"
		"With 5 repetitions a side the smallest possible p is 0.008; with 2 it is\n"
		"0.33, so fewer than 4 repetitions a side can never fail the gate.\n"
		"\n"
		"Exit status: 0 pass (no change or improved), 1 a variant regressed, 2 bad\n"
		"input or unusable baseline, 125 could not test (every run of a variant\n"
		"failed: boot failure or missing kernel feature; 'git bisect run' skips).\n");
}

struct gate_opts {
	const char *baseline, *probe, *stat;
	struct stats_rule rule;
};

static int parse(int argc, char **argv, struct gate_opts *o)
{
	static const struct option longopts[] = {
		{ "baseline", required_argument, NULL, 'b' },
		{ "probe", required_argument, NULL, 'p' },
		{ "stat", required_argument, NULL, 's' },
		SUMMARY_RULE_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			o->baseline = optarg;
			break;
		case 'p':
			o->probe = optarg;
			break;
		case 's':
			if (summary_stat(optarg) < 0) {
				msg_err("invalid --stat '%s': expected p50, p99, p99.9 or max", optarg);
				return -EINVAL;
			}
			o->stat = optarg;
			break;
		SUMMARY_RULE_CASES(&o->rule);
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

/* Why a variant could not be tested: its first failed run's error. */
static const char *first_error(const struct summary *s, size_t v)
{
	size_t i;

	for (i = 0; i < s->rs->nr_runs; i++)
		if (s->rs->runs[i].variant == (int)v && !s->rs->runs[i].ok)
			return s->rs->runs[i].error ?: "no reason recorded";
	return "no run recorded a value";
}

/* One variant's verdict line; returns its exit code. */
static int judge(const struct summary *s, size_t v, size_t p, size_t st)
{
	const struct cell *c = summary_cell(s, v, p, st), *b = summary_cell(s, s->baseline, p, st);
	const char *var = s->rs->variants[v], *base = s->rs->variants[s->baseline];
	const char *probe = s->probes[p], *stat = summary_stats[st].name, *verdict;
	char vv[32], bv[32], err[256];
	int code;

	if (!c->cmp) {
		snprintf(err, sizeof(err), "%.200s", first_error(s, v));
		err[strcspn(err, "\n")] = '\0';
		if (!s->ok[v])
			printf("gate: %s %s: %s: could not test: 0 of %zu runs succeeded (first failure: %s)\n",
			       probe, stat, var, s->runs[v], err);
		else
			printf("gate: %s %s: %s: could not test: none of its %zu successful runs has a %s %s "
			       "value (too few samples, or the probe is missing)\n",
			       probe, stat, var, s->ok[v], probe, stat);
		return EXIT_UNTESTABLE;
	}
	fmt_ns(vv, sizeof(vv), c->med.est);
	fmt_ns(bv, sizeof(bv), b->med.est);
	verdict = stats_verdict_name(c->verdict);
	code = c->verdict == VERDICT_REGRESSED ? EXIT_FAIL : EXIT_OK;
	printf("gate: %s %s: %s %s vs %s %s (baseline): ratio %.3f [95%% CI %.3f, %.3f], "
	       "p=%.3g (%zu vs %zu runs): %s%s (threshold +%g%%, alpha %g)\n",
	       probe, stat, var, vv, base, bv, c->ratio.est, c->ratio.lo, c->ratio.hi, c->mw.p, c->n, b->n,
	       c->verdict == VERDICT_REGRESSED ? "REGRESSED" : verdict,
	       code == EXIT_OK && c->significant ? " (a significant change within the threshold)" : "",
	       s->rule.max_regression * 100, s->rule.alpha);
	if (summary_min_p(c->n, b->n) >= s->rule.alpha)
		msg_warn("with %zu and %zu runs no p-value can be below %g: this gate cannot fail; "
			 "use --reps 5 or more", c->n, b->n, s->rule.alpha);
	return code;
}

/* No run has the probe: a typo (2), or every run failed (125). */
static void probe_missing(const struct summary *s, const char *probe)
{
	char list[512] = "";
	size_t i, used = 0;

	for (i = 0; i < s->nr_probes && used < sizeof(list); i++)
		used += snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "", s->probes[i]);
	if (s->nr_probes)
		msg_err("invalid --probe '%s': the results have the probes %s", probe, list);
	else
		printf("gate: %s: could not test: no run of any variant succeeded (%s)\n", probe,
		       first_error(s, s->baseline));
}

int cmd_gate(int argc, char **argv)
{
	struct gate_opts o = { .probe = "maps", .stat = "p99",
			       .rule = { .max_regression = 0.2, .alpha = STATS_ALPHA } };
	struct runset rs;
	struct summary s;
	int p, st, ret, code = EXIT_OK, c;
	size_t v;

	ret = parse(argc, argv, &o);
	if (ret)
		return ret > 0 ? EXIT_OK : EXIT_USAGE;
	if (summary_open(&s, &rs, argv + optind, argc - optind, o.baseline, &o.rule))
		return EXIT_USAGE;
	p = summary_probe(&s, o.probe);
	st = summary_stat(o.stat);
	if (p < 0) {
		probe_missing(&s, o.probe);
		code = s.nr_probes ? EXIT_USAGE : EXIT_UNTESTABLE;
	} else if (!summary_cell(&s, s.baseline, p, st)->n) {
		msg_err("baseline '%s' has no %s %s value in %zu runs (%zu succeeded): nothing to compare with",
			rs.variants[s.baseline], o.probe, o.stat, s.runs[s.baseline], s.ok[s.baseline]);
		code = EXIT_USAGE;
	} else if (rs.nr_variants < 2) {
		msg_err("only one variant (%s) in these results: nothing to compare with the baseline",
			rs.variants[0]);
		code = EXIT_USAGE;
	} else {
		for (v = 0; v < rs.nr_variants; v++) {
			if ((int)v == s.baseline)
				continue;
			c = judge(&s, v, p, st);
			/* a regression outranks "could not test": the bisect must see it */
			if (c == EXIT_FAIL || (c == EXIT_UNTESTABLE && code == EXIT_OK))
				code = c;
		}
	}
	summary_close(&s, &rs);
	return code;
}
