// SPDX-License-Identifier: GPL-2.0
/*
 * mmstall gate and mmstall report on stored results (tests/results_fixture.h
 * writes them; nothing boots): the gate's exit codes for pass, regression,
 * improvement, could-not-test and bad input, its verdict line, and every
 * report format: the mail report's width, the JSON summary's verdicts, the
 * HTML page's plots and the absence of any external reference, and merging
 * results directories of two machines.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/results_fixture.h"
#include "tests/test_util.h"

static char top[] = "/tmp/mmstall-test-gate-XXXXXX";

struct gate_case {
	const char *name;
	const char *args[12];	/* after "mmstall"; "@" at the start means "<top>/" */
	int exit_code;
	const char *needles[6];	/* all must be in stdout + stderr */
};

static const struct gate_case cases[] = {
	{ "pass", { "gate", "@same", "--baseline", "base" }, 0,
	  { "gate: maps p99: new", "vs base", "ratio", "95% CI", "no change" } },
	{ "regression", { "gate", "@slow", "--baseline", "base", "--probe", "maps", "--stat", "p99" }, 1,
	  { "gate: maps p99: new 15.", "vs base 10.", "ratio 1.5", "REGRESSED", "threshold +20%" } },
	{ "regression within a larger threshold", { "gate", "@slow", "--max-regression", "60%" }, 0,
	  { "no change", "a significant change within the threshold", "threshold +60%" } },
	{ "improvement", { "gate", "@fast", "--baseline", "base" }, 0, { "improved", "ratio 0.6" } },
	{ "control probe unchanged", { "gate", "@slow", "--probe", "status" }, 0, { "status p99", "no change" } },
	{ "could not test", { "gate", "@broken", "--baseline", "base" }, 125,
	  { "could not test", "0 of 5 runs succeeded", "guest kernel panicked" } },
	{ "baseline is the broken one", { "gate", "@broken", "--baseline", "new" }, 2,
	  { "baseline 'new' has no maps p99 value", "0 succeeded" } },
	{ "unknown baseline", { "gate", "@same", "--baseline", "nope" }, 2,
	  { "baseline 'nope' is not a variant", "base, new" } },
	{ "unknown probe", { "gate", "@same", "--probe", "mapz" }, 2,
	  { "invalid --probe 'mapz'", "maps, status" } },
	{ "bad stat", { "gate", "@same", "--stat", "p42" }, 2, { "invalid --stat 'p42'", "p50, p99, p99.9 or max" } },
	{ "bad threshold", { "gate", "@same", "--max-regression", "-5%" }, 2,
	  { "invalid --max-regression '-5%'", "percentage" } },
	{ "no path", { "gate" }, 2, { "gate needs a results directory" } },
	{ "missing dir", { "gate", "@nothing-here" }, 2, { "no such result file or directory" } },
	{ "help", { "gate", "--help" }, 0, { "Exit status", "125" } },
	{ "report text", { "report", "@slow" }, 0, { "regressed", "control", "ratio", "95% CI" } },
	{ "report of a failed variant", { "report", "@broken" }, 1, { "could not test", "0/5" } },
	{ "report bad format", { "report", "--format", "pdf", "@same" }, 2,
	  { "invalid --format 'pdf'", "text, mail, json, html or runs" } },
	{ "report unknown baseline", { "report", "--baseline", "x", "@same" }, 2, { "baseline 'x'" } },
};

static void expand(const char *const *args, const char **out, char bufs[][PATH_MAX])
{
	int i;

	for (i = 0; args[i]; i++) {
		if (args[i][0] == '@') {
			snprintf(bufs[i], PATH_MAX, "%s/%s", top, args[i] + 1);
			out[i] = bufs[i];
		} else {
			out[i] = args[i];
		}
	}
	out[i] = NULL;
}

static void run_case(const struct gate_case *c)
{
	char bufs[12][PATH_MAX], *out, *err, *both;
	const char *argv[13];
	int code, i;

	TEST_CONTEXT("%s", c->name);
	expand(c->args, argv, bufs);
	code = fx_exec(argv, &out, &err);
	if (asprintf(&both, "%s%s", out, err) < 0)
		abort();
	if (!CHECK_INT(c->exit_code, code))
		fprintf(stderr, "output:\n%s\n", both);
	for (i = 0; c->needles[i]; i++)
		if (!check_true(strstr(both, c->needles[i]) != NULL, c->needles[i], __FILE__, __LINE__))
			fprintf(stderr, "expected \"%s\" in the output:\n%s\n", c->needles[i], both);
	free(out);
	free(err);
	free(both);
	TEST_CONTEXT_CLEAR();
}

/* Render a format into memory; exit code returned. */
static int render(const char *fmt, const char *dir1, const char *dir2, char **out)
{
	char *err;
	const char *argv[] = { "report", "--format", fmt, dir1, dir2, NULL };
	int code = fx_exec(argv, out, &err);

	if (code > 1)
		fprintf(stderr, "report --format %s: %s\n", fmt, err);
	free(err);
	return code;
}

static void test_mail(const char *dir)
{
	char *out, *line, *save = NULL;
	int n = 0, longest = 0;

	TEST_CONTEXT("mail %.200s", dir);
	CHECK_INT(0, render("mail", dir, NULL, &out));
	CHECK(strstr(out, "Kernels") && strstr(out, "Scenario") && strstr(out, "Machine") &&
	      strstr(out, "Accel"));
	CHECK(strstr(out, "linux-image-6.12.0-test"));
	CHECK(strstr(out, "+50.0%") && strstr(out, " R\n"));
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save), n++) {
		int len = (int)strlen(line);

		if (len > longest)
			longest = len;
		if (!check_true(len <= 80, "mail line <= 80 columns", __FILE__, __LINE__))
			fprintf(stderr, "%d columns: %s\n", len, line);
		CHECK(len == 0 || line[len - 1] != ' ');
	}
	printf("mail report: %d lines, longest %d columns\n", n, longest);
	CHECK(n > 20);
	free(out);
	TEST_CONTEXT_CLEAR();
}

static json_t *find_cell(json_t *cells, const char *probe, const char *stat, const char *variant)
{
	json_t *c;
	size_t i;

	json_array_foreach(cells, i, c) {
		if (!strcmp(json_string_value(json_object_get(c, "probe")), probe) &&
		    !strcmp(json_string_value(json_object_get(c, "stat")), stat) &&
		    !strcmp(json_string_value(json_object_get(c, "variant")), variant))
			return c;
	}
	return NULL;
}

static void test_json(const char *dir)
{
	json_error_t je;
	json_t *j, *cell;
	char *out;

	TEST_CONTEXT("json %.200s", dir);
	CHECK_INT(0, render("json", dir, NULL, &out));
	j = json_loads(out, 0, &je);
	if (!CHECK(j)) {
		fprintf(stderr, "not JSON (%s): %.300s\n", je.text, out);
		free(out);
		return;
	}
	CHECK_STR("mmstall-summary", json_string_value(json_object_get(j, "format")));
	CHECK_STR("base", json_string_value(json_object_get(j, "baseline")));
	CHECK_STR("status", json_string_value(json_object_get(j, "control_probe")));
	CHECK_INT(2, json_array_size(json_object_get(j, "variants")));
	cell = find_cell(json_object_get(j, "cells"), "maps", "p99", "new");
	CHECK(cell);
	CHECK_STR("regressed", json_string_value(json_object_get(cell, "verdict")));
	CHECK_DBL(1.5, json_number_value(json_object_get(cell, "ratio")), 0.05);
	CHECK_INT(5, json_integer_value(json_object_get(cell, "n")));
	CHECK(json_number_value(json_object_get(cell, "p_value")) < 0.01);
	CHECK(json_is_true(json_object_get(cell, "p_exact")));
	cell = find_cell(json_object_get(j, "cells"), "status", "p99", "new");
	CHECK_STR("no change", json_string_value(json_object_get(cell, "verdict")));
	json_decref(j);
	free(out);
	TEST_CONTEXT_CLEAR();
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (; (hay = strstr(hay, needle)); hay++)
		n++;
	return n;
}

static void test_html(const char *dir)
{
	char *out;

	TEST_CONTEXT("html %.200s", dir);
	CHECK_INT(0, render("html", dir, NULL, &out));
	CHECK(!strncmp(out, "<!DOCTYPE html>", 15));
	CHECK_INT(4, count(out, "<svg "));		/* 2 probes x (CDF + dot plot) */
	CHECK_INT(2, count(out, "class='cdf-line'") / 2);	/* 2 variants x 2 probes */
	CHECK_INT(20, count(out, "class='rep'"));	/* 5 + 5 dots x 2 probes */
	CHECK(!strstr(out, "http://") && !strstr(out, "https://"));
	CHECK(!strstr(out, "<script") && !strstr(out, "<link") && !strstr(out, "<img"));
	CHECK(strstr(out, "</html>"));
	free(out);
	TEST_CONTEXT_CLEAR();
}

/* The same labels measured on two machines: four variants, machines kept apart. */
static void test_merge(void)
{
	char a[PATH_MAX], b[PATH_MAX], *out;
	json_t *j;

	snprintf(a, sizeof(a), "%s/host-a", top);
	snprintf(b, sizeof(b), "%s/host-b", top);
	fx_compare(a, 1.0, "alpha", false);
	fx_compare(b, 1.5, "beta", false);
	TEST_CONTEXT("merge");
	CHECK_INT(0, render("json", a, b, &out));
	j = json_loads(out, 0, NULL);
	CHECK_INT(4, json_array_size(json_object_get(j, "variants")));
	CHECK_STR("base@alpha", json_string_value(json_object_get(j, "baseline")));
	CHECK(find_cell(json_object_get(j, "cells"), "maps", "p99", "new@beta"));
	CHECK_STR("regressed", json_string_value(json_object_get(
				       find_cell(json_object_get(j, "cells"), "maps", "p99", "new@beta"), "verdict")));
	json_decref(j);
	free(out);
	CHECK_INT(0, render("text", a, b, &out));
	CHECK(strstr(out, "base@alpha") && strstr(out, "new@beta"));
	free(out);
	TEST_CONTEXT_CLEAR();
}

int main(int argc, char **argv)
{
	char dir[PATH_MAX];
	size_t i;
	int code;

	if ((code = fx_start(argc, argv, top)))
		return code;
	snprintf(dir, sizeof(dir), "%s/same", top);
	fx_compare(dir, 1.0, "host", false);
	snprintf(dir, sizeof(dir), "%s/slow", top);
	fx_compare(dir, 1.5, "host", false);
	snprintf(dir, sizeof(dir), "%s/fast", top);
	fx_compare(dir, 0.6, "host", false);
	snprintf(dir, sizeof(dir), "%s/broken", top);
	fx_compare(dir, 1.0, "host", true);
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		run_case(&cases[i]);
	snprintf(dir, sizeof(dir), "%s/slow", top);
	test_mail(dir);
	test_json(dir);
	test_html(dir);
	test_merge();
	return fx_finish(top);
}
