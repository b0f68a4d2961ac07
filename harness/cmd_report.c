// SPDX-License-Identifier: GPL-2.0
/* mmstall report: re-render stored results without re-running anything. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cmds.h"
#include "harness/report.h"
#include "harness/report_common.h"
#include "harness/runs.h"
#include "harness/summary.h"
#include "harness/util.h"

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"Usage: mmstall report [OPTIONS] PATH...\n"
		"\n"
		"Render stored results again, from the files alone.  PATH is a result file\n"
		"(*.json) or a results directory (every *.json in it, in name order).  Several\n"
		"PATHs merge (e.g. compares run on several machines); a label found under more\n"
		"than one PATH becomes LABEL@HOST (or LABEL@DIRECTORY) so runs of different\n"
		"machines or kernels are never pooled.  Every format opens with the conclusion:\n"
		"per kernel whether the inversion is reproduced, per comparison the verdict.\n"
		"\n"
		"Options:\n"
		"  --format FMT             one of:\n");
	for (i = 0; i < report_nr_formats; i++) {
		char head[48];

		snprintf(head, sizeof(head), "%27s%s", "", report_formats[i]->name);
		report_wrap(f, head, 33, 80, report_formats[i]->help);
	}
	fprintf(f,
		"  --baseline LABEL         the variant the others are compared with [the\n"
		"                           compare's baseline, else the first variant]\n");
	summary_rule_help(f);
	fprintf(f,
		"  -o, --output FILE        write there instead of standard output (atomically)\n"
		"  -h, --help               this text\n"
		"\n"
		"The rule of a compare directory (its compare.json) is the default; options\n"
		"given here override it.\n"
		"\n"
		"Exit status: 0 all runs ok, 1 some run failed (still reported), 2 bad input.\n");
}

struct report_opts {
	const struct report_format *format;
	const char *baseline, *output;
	struct summary_rule rule;
	struct summary_given given;
};

enum { OPT_FORMAT = 1000, OPT_BASELINE };

/* Returns 0, 1 for --help, or -EINVAL. */
static int parse(int argc, char **argv, struct report_opts *o)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "baseline", required_argument, NULL, OPT_BASELINE },
		SUMMARY_RULE_LONGOPTS,
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		ret = summary_rule_option(&o->rule, &o->given, c, optarg);
		if (ret < 0)
			return ret;
		if (ret)
			continue;
		switch (c) {
		case OPT_FORMAT:
			o->format = report_format_find(optarg);
			if (!o->format) {
				msg_err("invalid --format '%s': expected %s", optarg, report_format_list(", ", " or "));
				return -EINVAL;
			}
			break;
		case OPT_BASELINE:
			o->baseline = optarg;
			break;
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
	ret = o->format->render(m, s);
	if (fclose(m))
		ret = ret ?: -EIO;
	if (!ret && o->output)
		ret = write_file_atomic(o->output, buf, len);
	else if (!ret && (fwrite(buf, 1, len, stdout) != len || fflush(stdout)))
		ret = -EIO;
	if (ret)
		msg_err("cannot write the report to %s: %s", o->output ?: "standard output", strerror(-ret));
	free(buf);
	return ret;
}

/* Each PATH its own experiment (one summary each), rendered side by side. */
static int report_each(const struct report_opts *o, char *const *paths, size_t n)
{
	struct summary *s = xcalloc(n, sizeof(*s));
	struct runset *rs = xcalloc(n, sizeof(*rs));
	char *buf = NULL;
	size_t i, j, len = 0;
	int code = EXIT_OK, ret;
	FILE *m;

	for (i = 0; i < n; i++) {
		if (summary_open(&s[i], &rs[i], &paths[i], 1, o->baseline, &o->rule, &o->given)) {
			code = EXIT_USAGE;
			break;
		}
		for (j = 0; j < rs[i].nr_runs; j++)
			if (!rs[i].runs[j].ok)
				code = EXIT_FAIL;
	}
	if (code != EXIT_USAGE) {
		const struct summary **ps = xcalloc(n, sizeof(*ps));

		for (j = 0; j < n; j++)
			ps[j] = &s[j];
		m = open_memstream(&buf, &len);
		ret = m ? o->format->render_many(m, ps, n) : -ENOMEM;
		if (m && fclose(m))
			ret = ret ?: -EIO;
		if (!ret && o->output)
			ret = write_file_atomic(o->output, buf, len);
		else if (!ret && (fwrite(buf, 1, len, stdout) != len || fflush(stdout)))
			ret = -EIO;
		if (ret) {
			msg_err("cannot write the report to %s: %s", o->output ?: "standard output", strerror(-ret));
			code = EXIT_USAGE;
		}
		free(ps);
		free(buf);
	}
	for (j = 0; j < i && j < n; j++)
		summary_close(&s[j], &rs[j]);
	free(s);
	free(rs);
	return code;
}

int cmd_report(int argc, char **argv)
{
	struct report_opts o = { .format = &report_text };
	struct runset rs;
	struct summary s;
	int ret, code = EXIT_OK;
	size_t i;

	summary_rule_defaults(&o.rule);
	ret = parse(argc, argv, &o);
	if (ret)
		return ret > 0 ? EXIT_OK : EXIT_USAGE;
	if (o.format->render_many)
		return report_each(&o, argv + optind, (size_t)(argc - optind));
	if (summary_open(&s, &rs, argv + optind, argc - optind, o.baseline, &o.rule, &o.given))
		return EXIT_USAGE;
	for (i = 0; i < rs.nr_runs; i++)
		if (!rs.runs[i].ok)
			code = EXIT_FAIL;
	if (write_output(&o, &s))
		code = EXIT_USAGE;
	summary_close(&s, &rs);
	return code;
}
