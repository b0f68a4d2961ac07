// SPDX-License-Identifier: GPL-2.0
/* mmstall report: re-render stored results without re-running anything. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cmds.h"
#include "harness/report.h"
#include "harness/result.h"
#include "harness/runs.h"
#include "harness/summary.h"
#include "harness/util.h"


static void usage(FILE *f)
{
	fprintf(f,
		"Usage: mmstall report [OPTIONS] PATH...\n"
		"\n"
		"Render stored results again, from the files alone.  PATH is a result file\n"
		"(*.json) or a results directory (every *.json in it, in name order).  Several\n"
		"PATHs merge (e.g. compares run on several machines); a label found under more\n"
		"than one PATH becomes LABEL@HOST (or LABEL@DIRECTORY) so runs of different\n"
		"machines or kernels are never pooled.\n"
		"\n"
		"Options:\n"
		"  --format FMT           text   the terminal table: per run when every variant\n"
		"                                has one run, else the comparison (median of the\n"
		"                                repetitions, 95%% CI, ratio to the baseline, p,\n"
		"                                verdict, the control probe beside) [default]\n"
		"                         mail   the comparison in at most 80 columns, with the\n"
		"                                kernels, scenario, machine and accelerator\n"
		"                         json   the comparison for machines (every cell's values,\n"
		"                                median, CI, ratio, p, verdict)\n"
		"                         html   a self-contained page with inline SVG plots\n"
		"                                (latency CDFs, p99 per repetition); no network\n"
		"                         runs   the per-run table of every run: count, p50, p99,\n"
		"                                p99.9, max and p99 over the control's p99\n"
		"  --baseline LABEL       the variant the others are compared with [the\n"
		"                         compare's baseline, else the first variant]\n"
		"  --max-regression PCT   verdict threshold, as for 'mmstall gate' [20%%]\n"
		"  --alpha P              level of the Mann-Whitney test [0.05]\n"
		"  -o, --output FILE      write there instead of standard output\n"
		"  -h, --help             this text\n"
		"\n"
		"Exit status: 0 all runs ok, 1 some run failed (still reported), 2 bad input.\n");
}

struct report_opts {
	enum report_format format;
	const char *baseline, *output;
	struct stats_rule rule;
};

static int parse(int argc, char **argv, struct report_opts *o)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "baseline", required_argument, NULL, 'b' },
		SUMMARY_RULE_LONGOPTS,
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			ret = report_format_parse(optarg);
			if (ret < 0) {
				msg_err("invalid --format '%s': expected text, mail, json, html or runs", optarg);
				return -EINVAL;
			}
			o->format = (enum report_format)ret;
			break;
		case 'b':
			o->baseline = optarg;
			break;
		SUMMARY_RULE_CASES(&o->rule);
		case 'o':
			o->output = optarg;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			fprintf(stderr, "Try 'mmstall report --help'.\n");
			return -EINVAL;
		}
	}
	if (optind >= argc) {
		msg_err("report needs at least one results directory or result file");
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

/* Render into memory first, so a failed render never leaves half a file. */
static int write_output(const struct report_opts *o, const struct summary *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	int ret;

	if (!m)
		return -ENOMEM;
	ret = report_render(m, s, o->format);
	if (fclose(m))
		ret = ret ?: -EIO;
	if (!ret && o->output)
		ret = write_file_atomic(o->output, buf, len);
	else if (!ret && fwrite(buf, 1, len, stdout) != len)
		ret = -EIO;
	if (ret)
		msg_err("cannot write the report to %s: %s", o->output ?: "standard output", strerror(-ret));
	free(buf);
	return ret;
}

int cmd_report(int argc, char **argv)
{
	struct report_opts o = { .format = REPORT_TEXT, .rule = { .max_regression = 0.2, .alpha = STATS_ALPHA } };
	struct runset rs;
	struct summary s;
	int ret, code = EXIT_OK;
	size_t i;

	ret = parse(argc, argv, &o);
	if (ret)
		return ret > 0 ? EXIT_OK : EXIT_USAGE;
	if (summary_open(&s, &rs, argv + optind, argc - optind, o.baseline, &o.rule))
		return EXIT_USAGE;
	for (i = 0; i < rs.nr_runs; i++)
		if (!rs.runs[i].ok)
			code = EXIT_FAIL;
	if (write_output(&o, &s))
		code = EXIT_USAGE;
	summary_close(&s, &rs);
	return code;
}
