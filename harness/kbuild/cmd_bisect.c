// SPDX-License-Identifier: GPL-2.0
/*
 * mmstall bisect-step: one step of 'git bisect run'.  Build the tree as it
 * is checked out (through the kernel cache: a commit seen before is not
 * built again, and a new one rebuilds only what changed), run the scenario
 * on it with 'mmstall compare', and judge the runs against a stored
 * baseline with 'mmstall gate'.  The other commands run as child processes
 * of this same binary, so each keeps its own options, messages and exit
 * status, and bisect-step only translates:
 *
 *   0    good: no regression against the baseline
 *   1    bad: the gate found a regression
 *   125  skip: the tree did not build or apply, or no run could measure
 *        (boot failure, a feature the scenario needs is missing)
 *   128  abort the bisection: bad options, unusable baseline, interrupted
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/kbuild/build.h"
#include "harness/util.h"
#include "harness/proc.h"

#define BISECT_LABEL "bisect"
#define EXIT_ABORT 128

struct bisect_opts {
	struct kb_build_opts build;
	const char *baseline, *baseline_label, *results, *reps;
	struct kb_strv gate_args;	/* --probe, --stat, --max-regression, --alpha */
	bool no_run;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: mmstall bisect-step --baseline DIR [--source SRC] [--reps N]\n"
		"                           [--results DIR] [GATE OPTIONS] [BUILD OPTIONS]\n"
		"                           [--no-run] [-- COMPARE OPTIONS]\n"
		"\n"
		"One step of 'git bisect run': build the checked-out tree (cached: see\n"
		"'mmstall kernel'), run the scenario on it ('mmstall compare --kernel\n"
		BISECT_LABEL "=build:" BISECT_LABEL "'), and gate the runs against the baseline results\n"
		"('mmstall gate').\n"
		"\n"
		"  --baseline DIR        results of the good kernel ('mmstall compare' or 'vm')\n"
		"  --baseline-label L    its variant label [the gate's default]\n"
		"  --source SRC          the tree to build [.]\n"
		"  --reps N              runs of this commit [5]\n"
		"  --results DIR         where this step's runs go\n"
		"                        [$MMSTALL_CACHE/bisect/<build key>: a commit seen\n"
		"                        before resumes its runs]\n"
		"  --no-run              only gate the runs already in --results DIR\n"
		"  --probe, --stat, --max-regression, --alpha   passed to 'mmstall gate'\n"
		"  --patches, --fragment, --jobs                passed to the build\n"
		"  -- ARGS               passed to 'mmstall compare' (scenario settings,\n"
		"                        --throttle...)\n"
		"\n"
		"Exit status: 0 good, 1 bad (regressed), 125 skip (no build, no usable run),\n"
		"128 abort (bad input, unusable baseline, interrupted).\n"
		"\n"
		"  git bisect start BAD GOOD\n"
		"  git bisect run mmstall bisect-step --baseline results/good \\\n"
		"      -- --throttle io.latency\n");
}

static int parse(int argc, char **argv, struct bisect_opts *o)
{
	enum { OPT_BASELINE = 256, OPT_BASELINE_LABEL, OPT_REPS, OPT_RESULTS, OPT_NO_RUN, OPT_GATE };
	static const struct option longopts[] = {
		KB_BUILD_LONGOPTS,
		{ "baseline", required_argument, NULL, OPT_BASELINE },
		{ "baseline-label", required_argument, NULL, OPT_BASELINE_LABEL },
		{ "reps", required_argument, NULL, OPT_REPS },
		{ "results", required_argument, NULL, OPT_RESULTS },
		{ "no-run", no_argument, NULL, OPT_NO_RUN },
		{ "probe", required_argument, NULL, OPT_GATE },
		{ "stat", required_argument, NULL, OPT_GATE },
		{ "max-regression", required_argument, NULL, OPT_GATE },
		{ "alpha", required_argument, NULL, OPT_GATE },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	uint64_t n;
	int c, idx, r;

	while ((c = getopt_long(argc, argv, "+h", longopts, &idx)) != -1) {
		r = kb_build_opt(c, optarg, &o->build);
		if (r < 0)
			return r;
		if (r)
			continue;
		switch (c) {
		case OPT_BASELINE:
			o->baseline = optarg;
			break;
		case OPT_BASELINE_LABEL:
			o->baseline_label = optarg;
			break;
		case OPT_REPS:
			if (parse_u64_range(optarg, 1, 1000, &n)) {
				msg_err("invalid --reps '%s': expected a whole number from 1 to 1000", optarg);
				return -EINVAL;
			}
			o->reps = optarg;
			break;
		case OPT_RESULTS:
			o->results = optarg;
			break;
		case OPT_NO_RUN:
			o->no_run = true;
			break;
		case OPT_GATE:
			kb_strv_pushf(&o->gate_args, "--%s", longopts[idx].name);
			kb_strv_push(&o->gate_args, optarg);
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (!o->baseline) {
		msg_err("bisect-step needs --baseline DIR: the results of the known-good kernel (e.g. of "
			"'mmstall compare --kernel good=build:good --results DIR')");
		return -EINVAL;
	}
	if (!is_dir(o->baseline)) {
		msg_err("--baseline %s: not a results directory", o->baseline);
		return -ENOENT;
	}
	if (o->no_run && !o->results) {
		msg_err("--no-run gates runs already made: it needs --results DIR");
		return -EINVAL;
	}
	return kb_cache_max(NULL, &o->build.max_cache);
}

/* Run this mmstall with args; its exit status, or -errno. */
static int run_self(const char *const *args)
{
	char self[PATH_MAX];
	struct kb_strv argv = { 0 };
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	int ret;

	if (n < 0)
		return -errno;
	self[n] = '\0';
	kb_strv_push(&argv, self);
	for (; *args; args++)
		kb_strv_push(&argv, *args);
	ret = proc_run(argv.v, NULL, -1, -2, -2);
	kb_strv_free(&argv);
	return ret;
}

static int step_build(struct bisect_opts *o, char *key)
{
	int ret = kb_build_run(&o->build, key);

	if (ret == -EIO) {
		msg_err("this tree does not build (or its patches do not apply): skip (125)");
		return EXIT_UNTESTABLE;
	}
	if (ret) {
		msg_err("cannot build %s: abort (128)", o->build.source);
		return EXIT_ABORT;
	}
	return 0;
}

static int step_compare(struct bisect_opts *o, int argc, char **argv)
{
	struct kb_strv args = { 0 };
	int i, ret;

	kb_strv_push(&args, "compare");
	kb_strv_push(&args, "--kernel");
	kb_strv_push(&args, BISECT_LABEL "=build:" BISECT_LABEL);
	kb_strv_push(&args, "--reps");
	kb_strv_push(&args, o->reps ? o->reps : "5");
	kb_strv_push(&args, "--results");
	kb_strv_push(&args, o->results);
	for (i = 0; i < argc; i++)
		kb_strv_push(&args, argv[i]);
	ret = run_self((const char *const *)args.v);
	kb_strv_free(&args);
	if (ret == EXIT_USAGE || ret < 0) {
		msg_err("'mmstall compare' refused its options (exit %d): abort (128)", ret);
		return EXIT_ABORT;
	}
	/* a failed run is the gate's business: every run failed gives 125 there */
	return 0;
}

static int step_gate(struct bisect_opts *o)
{
	struct kb_strv args = { 0 };
	size_t i;
	int ret;

	kb_strv_push(&args, "gate");
	kb_strv_push(&args, o->baseline);
	kb_strv_push(&args, o->results);
	if (o->baseline_label) {
		kb_strv_push(&args, "--baseline");
		kb_strv_push(&args, o->baseline_label);
	}
	for (i = 0; i < o->gate_args.n; i++)
		kb_strv_push(&args, o->gate_args.v[i]);
	ret = run_self((const char *const *)args.v);
	kb_strv_free(&args);
	switch (ret) {
	case EXIT_OK:
	case EXIT_FAIL:
	case EXIT_UNTESTABLE:
		msg_info("%s (%d)", ret == EXIT_OK ? "good" : ret == EXIT_FAIL ? "bad" : "skip", ret);
		return ret;
	default:
		msg_err("'mmstall gate' could not judge (exit %d): abort (128)", ret);
		return EXIT_ABORT;
	}
}

int cmd_bisect_step(int argc, char **argv)
{
	struct bisect_opts o = { 0 };
	char key[17] = "", dir[PATH_MAX];
	int ret;

	mm_progname = "mmstall bisect-step";
	kb_build_opts_init(&o.build);
	o.build.source = ".";
	o.build.label = BISECT_LABEL;
	ret = parse(argc, argv, &o);
	if (ret) {
		kb_strv_free(&o.gate_args);
		return ret > 0 ? EXIT_OK : EXIT_ABORT;
	}
	if (!o.no_run) {
		ret = step_build(&o, key);
		if (!ret && !o.results) {
			snprintf(dir, sizeof(dir), "%s/bisect/%s", cache_dir(), key);
			o.results = dir;
		}
		if (!ret)
			ret = step_compare(&o, argc - optind, argv + optind);
	}
	if (!ret)
		ret = step_gate(&o);
	kb_strv_free(&o.gate_args);
	return ret;
}
