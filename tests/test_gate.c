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

#include "harness/runs.h"
#include "harness/summary.h"
#include "tests/results_fixture.h"
#include "tests/test_util.h"

static char top[] = "/tmp/mmstall-test-gate-XXXXXX";

struct gate_case {
	const char *name;
	const char *args[16];	/* after "mmstall"; "@" at the start means "<top>/" */
	int exit_code;
	const char *needles[6];	/* all must be in stdout + stderr; "!text": text must not be */
};

static const struct gate_case cases[] = {
	{ "pass", { "gate", "@same", "--baseline", "base" }, 0,
	  { "gate: maps p99 stall index: new", "vs base", "ratio", "95% CI", "no change" } },
	{ "regression", { "gate", "@slow", "--baseline", "base", "--probe", "maps", "--stat", "p99" }, 1,
	  { "gate: maps p99 stall index: new 15.0x vs base 10.0x", "ratio 1.5", "REGRESSED", "threshold +20%" } },
	{ "regression within a larger threshold", { "gate", "@slow", "--max-regression", "60%" }, 0,
	  { "no change (the whole CI within +-60%; a smaller difference is significant)", "threshold +60%" } },
	/* a verdict that does not contradict itself: "improved", never "within the threshold" beside it */
	{ "improvement", { "gate", "@fast", "--baseline", "base" }, 0, { "improved (threshold +20%)", "ratio 0.6", "!within the threshold" } },
	{ "control probe unchanged", { "gate", "@slow", "--probe", "status" }, 0,
	  { "status p99 latency", "no change" } },
	/* the whole guest 2x slower, lock-specific nothing: the default passes, the absolute basis fails */
	{ "control moved, index did not", { "gate", "@guestslow" }, 0,
	  { "maps p99 stall index", "no change", "latency alone 2.00x (regressed)", "moved on its own",
	    "the whole guest got slower" } },
	{ "control moved, absolute basis", { "gate", "@guestslow", "--basis", "absolute" }, 1,
	  { "maps p99 latency", "REGRESSED" } },
	/* an inversion that comes with a general speed-up: only the index sees it */
	{ "index moved, control faster", { "gate", "@hidden" }, 1,
	  { "maps p99 stall index", "REGRESSED", "faster" } },
	{ "index moved, absolute basis misses it", { "gate", "@hidden", "--basis", "absolute" }, 0,
	  { "maps p99 latency" } },
	{ "every lock probe is gated", { "gate", "@cmdline" }, 1,
	  { "gate: maps p99 stall index", "no change", "gate: cmdline p99 stall index", "REGRESSED" } },
	{ "--probe narrows", { "gate", "@cmdline", "--probe", "maps" }, 0, { "gate: maps p99", "no change" } },
	{ "inconclusive passes", { "gate", "@noisy" }, 0, { "inconclusive (neither a change of 20%" } },
	{ "inconclusive under --require-decision", { "gate", "@noisy", "--require-decision" }, 125,
	  { "inconclusive" } },
	{ "one kernel: reproduced", { "gate", "@inverted" }, 1,
	  { "maps p99 stall index of inv", "threshold 2x", "inversion REPRODUCED" } },
	{ "one kernel: none", { "gate", "@clean" }, 0, { "no inversion" } },
	{ "one kernel, one run", { "gate", "@onerun" }, 0, { "too few runs for an interval" } },
	{ "one kernel, one run, decision required", { "gate", "@onerun", "--require-decision" }, 125,
	  { "inconclusive" } },
	{ "censored variant still regresses", { "gate", "@censored" }, 1, { "new >=15.0x", "REGRESSED" } },
	{ "the gate says when it cannot fail", { "gate", "@tworuns" }, 0, { "this gate cannot fail" } },
	{ "censored baseline: no regression shown", { "gate", "@censoredbase" }, 0,
	  { "base >=10.0x", "inconclusive", "lower bounds (censored stalls)" } },
	{ "different experiments are refused", { "gate", "@mixed" }, 2,
	  { "different experiments", "duration_ns (30000000000 vs 10000000000)", "base.rep1.json",
	    "--allow-mixed" } },
	{ "different throttles are refused", { "gate", "@mixthrottle" }, 2,
	  { "different experiments", "the throttle applied (io.max vs io.cost)" } },
	{ "different guest CPUs are refused", { "gate", "@mixcpus" }, 2, { "guest CPUs (2 vs 1)" } },
	{ "different guest memory is refused", { "gate", "@mixmem" }, 2, { "guest memory (1024 vs 2048 MiB)" } },
	{ "different accelerators are refused", { "gate", "@mixaccel" }, 2, { "accelerator (tcg vs kvm)" } },
	/* a run left "running" (the host died mid-run) says so, and a bisection skips */
	{ "a run that never finished", { "gate", "@unfinished" }, 125,
	  { "could not test", "the run never finished (status running: interrupted or crashed)", "!no reason" } },
	{ "--allow-mixed pools them and says so", { "gate", "@mixed", "--allow-mixed" }, 0,
	  { "different experiments pooled (--allow-mixed)", "gate: maps p99" } },
	{ "report says it pooled", { "report", "@mixed", "--allow-mixed" }, 0,
	  { "WARNING: different experiments pooled (--allow-mixed)" } },
	{ "could not test", { "gate", "@broken", "--baseline", "base" }, 125,
	  { "could not test", "0 of 5 runs succeeded", "guest kernel panicked" } },
	/* the data, not a usage error: 'git bisect run' must skip, not call it bad */
	{ "baseline is the broken one", { "gate", "@broken", "--baseline", "new" }, 125,
	  { "could not test: baseline 'new' has no value", "0 succeeded", "guest kernel panicked" } },
	{ "one or two boots a side show nothing", { "gate", "@tworuns" }, 0, { "inconclusive" } },
	{ "one or two boots a side, decision required", { "gate", "@tworuns", "--require-decision" }, 125,
	  { "inconclusive" } },
	/* compare.json of a --reps auto compare: 4 runs a side, a complete separation decides */
	{ "sequential: 4 runs a side decide", { "gate", "@seq4" }, 1,
	  { "level 0.0286", "REGRESSED" } },
	{ "sequential: files one by one are the same experiment", { "gate", "@seq4/base.rep1.json",
	  "@seq4/base.rep2.json", "@seq4/base.rep3.json", "@seq4/base.rep4.json", "@seq4/new.rep1.json",
	  "@seq4/new.rep2.json", "@seq4/new.rep3.json", "@seq4/new.rep4.json" }, 1,
	  { "gate: maps p99 stall index: new", "level 0.0286", "REGRESSED" } },
	{ "compare.json is not a run", { "gate", "@seq4/compare.json" }, 2,
	  { "compare.json", "not a run: give its directory" } },
	/* the control itself blocked: the index is an upper bound; 'none' holds, 'reproduced' cannot */
	{ "censored control: an upper bound", { "gate", "@ctlstall" }, 0, { "<=", "no inversion" } },
	{ "unknown baseline", { "gate", "@same", "--baseline", "nope" }, 2,
	  { "baseline 'nope' is not a variant", "base, new" } },
	{ "unknown probe", { "gate", "@same", "--probe", "mapz" }, 2,
	  { "invalid --probe 'mapz'", "maps, status" } },
	{ "bad stat", { "gate", "@same", "--stat", "p42" }, 2, { "invalid --stat 'p42'", "p50, p99, p99.9 or max" } },
	{ "bad basis", { "gate", "@same", "--basis", "relative" }, 2, { "invalid --basis 'relative'", "index" } },
	{ "bad threshold", { "gate", "@same", "--max-regression", "-5%" }, 2,
	  { "invalid --max-regression '-5%'", "percentage" } },
	{ "bad inversion threshold", { "gate", "@same", "--inversion-threshold", "0.5" }, 2,
	  { "invalid --inversion-threshold '0.5'", "above 1" } },
	{ "no path", { "gate" }, 2, { "gate needs a results directory" } },
	{ "missing dir", { "gate", "@nothing-here" }, 2, { "no such result file or directory" } },
	{ "help", { "gate", "--help" }, 0, { "Exit status", "125", "--require-decision" } },
	{ "report text", { "report", "@slow" }, 0,
	  { "Conclusion:", "new vs base (p99 stall index, lock-specific): maps regressed", "ratio", "95% CI" } },
	{ "report: conclusion per kernel", { "report", "@inverted" }, 0,
	  { "Conclusion:", "inv: inversion reproduced by maps" } },
	/* an open kernel names what leaves it open, then what is decided */
	{ "report: an inconclusive kernel", { "report", "@kvmixed" }, 0,
	  { "k: inconclusive (p99 stall index against 2x): cmdline 1.82x", "; none by", "maps 1.00x (95% CI" } },
	{ "report kernels: each directory judged on its own", { "report", "--format", "kernels", "@inverted", "@clean",
	  "@slow" }, 0,
	  { "ps-latency: reproduced on inv (maps)", "ps-latency: none on inv",
	    "ps-latency: reproduced on base (maps), new (maps)", "scenario        kernel" } },
	{ "report of a failed variant", { "report", "@broken" }, 1, { "could not test", "0/5" } },
	{ "report bad format", { "report", "--format", "pdf", "@same" }, 2,
	  { "invalid --format 'pdf'", "text, runs, kernels, mail, json or html" } },
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
	char bufs[16][PATH_MAX], *out, *err, *both;
	const char *argv[17];
	int code, i;

	TEST_CONTEXT("%s", c->name);
	expand(c->args, argv, bufs);
	code = fx_exec(argv, &out, &err);
	if (asprintf(&both, "%s%s", out, err) < 0)
		abort();
	if (!CHECK_INT(c->exit_code, code))
		fprintf(stderr, "output:\n%s\n", both);
	for (i = 0; c->needles[i]; i++) {
		bool absent = c->needles[i][0] == '!';
		const char *text = c->needles[i] + absent;

		if (!check_true((strstr(both, text) == NULL) == absent, c->needles[i], __FILE__, __LINE__))
			fprintf(stderr, "expected \"%s\" %sin the output:\n%s\n", text, absent ? "NOT " : "", both);
	}
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
		if (!strcmp(json_string_value(json_object_get(c, "basis")), "index") &&
		    strcmp(probe, "status"))
			; /* the stall index, for every probe but the control */
		else if (strcmp(json_string_value(json_object_get(c, "basis")), "absolute") || strcmp(probe, "status"))
			continue;
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
	CHECK_INT(2, json_integer_value(json_object_get(j, "format_version")));
	CHECK(strstr(json_string_value(json_array_get(json_object_get(j, "conclusion"), 2)) ?: "",
		     "maps regressed"));
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
	/* 2 probes x (CDF + latency dots), maps' per-boot stall index dots */
	CHECK_INT(5, count(out, "<svg "));
	CHECK_INT(2, count(out, "class='cdf-line'") / 2);	/* 2 variants x 2 probes */
	CHECK_INT(30, count(out, "class='rep'"));	/* 5 + 5 latency dots x 2 probes, 5 + 5 index dots */
	CHECK(strstr(out, "stall index of every boot"));
	/* the conclusion comes before any table */
	CHECK(strstr(out, "Conclusion") && strstr(out, "Conclusion") < strstr(out, "<table"));
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

/*
 * A compare of base and new, 5 runs each: maps (and cmdline) p99 and the
 * status control's p99 of new are base's times the factors given.
 */
static void fx_pair(const char *name, double maps_f, double status_f, double cmdline_f, const double *new_jitter)
{
	static const double jitter[] = { 1.00, 1.03, 0.97, 1.02, 0.985 };
	char dir[PATH_MAX];
	int k;

	snprintf(dir, sizeof(dir), "%s/%s", top, name);
	mkdir_p(dir, 0755);
	for (k = 1; k <= 5; k++) {
		double j = new_jitter ? new_jitter[k - 1] : jitter[(k + 2) % 5];
		struct fx_spec b = { .label = "base", .index = 0, .rep = k, .reps = 5, .maps_p99 = 10e6 * jitter[k - 1],
				     .cmdline_p99 = cmdline_f ? 10e6 * jitter[k - 1] : 0 };
		struct fx_spec n = { .label = "new", .index = 1, .rep = k, .reps = 5, .maps_p99 = 10e6 * maps_f * j,
				     .status_p99 = 1e6 * status_f, .cmdline_p99 = 10e6 * cmdline_f * j };

		fx_write(dir, &b);
		fx_write(dir, &n);
	}
}

/* One kernel alone, reps runs with maps at maps_p99 (jittered) over a 1 ms control. */
static void fx_alone(const char *name, double maps_p99, int reps)
{
	static const double jitter[] = { 1.00, 1.08, 0.93, 1.05, 0.96 };
	char dir[PATH_MAX];
	int k;

	snprintf(dir, sizeof(dir), "%s/%s", top, name);
	mkdir_p(dir, 0755);
	for (k = 1; k <= reps; k++) {
		struct fx_spec s = { .label = "inv", .rep = k, .reps = reps, .maps_p99 = maps_p99 * jitter[k - 1] };

		fx_write(dir, &s);
	}
}

static void fixtures(void)
{
	static const char seq_settings[] =
		"{\"format\": \"mmstall-compare\", \"format_version\": 1, \"reps\": 10, \"reps_mode\": \"auto\", "
		"\"baseline\": \"base\", \"rule\": {\"max_regression\": 0.2, \"alpha\": 0.05, "
		"\"inversion_threshold\": 2, \"basis\": \"index\", \"stat\": \"p99\", \"reps_auto_max\": 10}}";
	static const double noisy[] = { 0.5, 2.0, 0.8, 1.6, 1.1 };
	char path[PATH_MAX + 16];
	static const double jitter[] = { 1.00, 1.03, 0.97, 1.02, 0.985 };
	char dir[PATH_MAX];
	int k;

	fx_pair("guestslow", 2.0, 2.0, 0, NULL);	/* everything 2x slower: no lock-specific change */
	fx_pair("hidden", 1.0, 0.4, 0, NULL);		/* the guest 2.5x faster, maps not: index 2.5x */
	fx_pair("cmdline", 1.0, 1.0, 3.0, NULL);	/* cmdline 3x, maps unchanged */
	fx_pair("noisy", 1.0, 1.0, 0, noisy);
	fx_alone("inverted", 5e6, 5);
	fx_alone("clean", 1.3e6, 5);
	fx_alone("onerun", 5e6, 1);
	/* new's maps stalls partly censored (lower bounds) yet 1.5x: still a regression */
	snprintf(dir, sizeof(dir), "%s/censored", top);
	mkdir_p(dir, 0755);
	for (k = 1; k <= 5; k++) {
		struct fx_spec b = { .label = "base", .rep = k, .reps = 5, .maps_p99 = 10e6 * jitter[k - 1] };
		struct fx_spec n = { .label = "new", .index = 1, .rep = k, .reps = 5, .maps_p99 = 15e6 * jitter[k - 1],
				     .maps_censored = 3, .maps_censored_min = 5e6 };

		fx_write(dir, &b);
		fx_write(dir, &n);
	}
	/* the baseline's are lower bounds: new looking slower than them shows nothing */
	snprintf(dir, sizeof(dir), "%s/censoredbase", top);
	mkdir_p(dir, 0755);
	for (k = 1; k <= 5; k++) {
		struct fx_spec b = { .label = "base", .rep = k, .reps = 5, .maps_p99 = 10e6 * jitter[k - 1],
				     .maps_censored = 2, .maps_censored_min = 4e6 };
		struct fx_spec n = { .label = "new", .index = 1, .rep = k, .reps = 5, .maps_p99 = 15e6 * jitter[k - 1] };

		fx_write(dir, &b);
		fx_write(dir, &n);
	}
	/* 2 boots a side, as alike as can be: still nothing shown */
	snprintf(dir, sizeof(dir), "%s/tworuns", top);
	mkdir_p(dir, 0755);
	for (k = 1; k <= 2; k++) {
		struct fx_spec b = { .label = "base", .rep = k, .reps = 2, .maps_p99 = 10e6 * jitter[k - 1] };
		struct fx_spec n = { .label = "new", .index = 1, .rep = k, .reps = 2, .maps_p99 = 10e6 * jitter[k] };

		fx_write(dir, &b);
		fx_write(dir, &n);
	}
	/* a --reps auto compare that stopped after 4 runs a side on a complete separation */
	snprintf(dir, sizeof(dir), "%s/seq4", top);
	mkdir_p(dir, 0755);
	for (k = 1; k <= 4; k++) {
		struct fx_spec b = { .label = "base", .rep = k, .reps = 10, .maps_p99 = 10e6 * jitter[k - 1] };
		struct fx_spec n = { .label = "new", .index = 1, .rep = k, .reps = 10, .maps_p99 = 30e6 * jitter[k] };

		fx_write(dir, &b);
		fx_write(dir, &n);
	}
	snprintf(path, sizeof(path), "%s/compare.json", dir);
	write_file_atomic(path, seq_settings, strlen(seq_settings));
	/* the control blocked past the window in every run, maps barely above it: index <= 1.2x */
	snprintf(dir, sizeof(dir), "%s/ctlstall", top);
	mkdir_p(dir, 0755);
	for (k = 1; k <= 5; k++) {
		struct fx_spec s = { .label = "inv", .rep = k, .reps = 5, .maps_p99 = 1.2e6 * jitter[k - 1],
				     .status_censored = 4, .status_censored_min = 0.5e6 };

		fx_write(dir, &s);
	}
	/* two experiments each: another throttle, guest size or accelerator on one side */
	{
		static const struct {
			const char *name, *throttle, *accel;
			int cpus, mib;
		} mix[] = {
			{ "mixthrottle", "io.cost", NULL, 0, 0 },
			{ "mixcpus", NULL, "tcg", 1, 0 },
			{ "mixmem", NULL, "tcg", 0, 2048 },
			{ "mixaccel", NULL, "kvm", 0, 0 },
		};
		size_t m;

		for (m = 0; m < ARRAY_SIZE(mix); m++) {
			snprintf(dir, sizeof(dir), "%s/%s", top, mix[m].name);
			mkdir_p(dir, 0755);
			for (k = 1; k <= 3; k++) {
				struct fx_spec b = { .label = "base", .rep = k, .reps = 3, .maps_p99 = 10e6 * jitter[k - 1],
						     };
				struct fx_spec n = { .label = "new", .index = 1, .rep = k, .reps = 3,
						     .maps_p99 = 10e6 * jitter[k - 1], .throttle = mix[m].throttle,
						     .accel = mix[m].accel, .guest_cpus = mix[m].cpus,
						     .guest_memory_mib = mix[m].mib };

				fx_write(dir, &b);
				fx_write(dir, &n);
			}
		}
	}
	/* one kernel: maps clearly none, cmdline straddling the threshold */
	snprintf(dir, sizeof(dir), "%s/kvmixed", top);
	mkdir_p(dir, 0755);
	for (k = 1; k <= 3; k++) {
		static const double cmd[] = { 1.0e6, 4.0e6, 1.5e6 };
		struct fx_spec sp = { .label = "k", .rep = k, .reps = 3, .maps_p99 = 1.0e6 * jitter[k - 1],
				      .cmdline_p99 = cmd[k - 1] };

		fx_write(dir, &sp);
	}
	/* the new kernel's runs left "running": the host was killed while they ran */
	snprintf(dir, sizeof(dir), "%s/unfinished", top);
	mkdir_p(dir, 0755);
	for (k = 1; k <= 3; k++) {
		struct fx_spec b = { .label = "base", .rep = k, .reps = 3, .maps_p99 = 10e6 * jitter[k - 1] };
		struct fx_spec n = { .label = "new", .index = 1, .rep = k, .reps = 3, .status = "running" };

		fx_write(dir, &b);
		fx_write(dir, &n);
	}
	/* two experiments: 30 s and 10 s windows */
	snprintf(dir, sizeof(dir), "%s/mixed", top);
	mkdir_p(dir, 0755);
	for (k = 1; k <= 5; k++) {
		struct fx_spec b = { .label = "base", .rep = k, .reps = 5, .maps_p99 = 10e6 * jitter[k - 1] };
		struct fx_spec n = { .label = "new", .index = 1, .rep = k, .reps = 5, .maps_p99 = 10e6 * jitter[k - 1],
				     .duration_s = 10 };

		fx_write(dir, &b);
		fx_write(dir, &n);
	}
}

/*
 * What 'compare --reps auto' stops on: each variant's question answered.
 * A regression on one probe answers "did it regress?" whatever the others
 * say; so does a reproduction on one probe "is it reproduced?".
 */
static void decided(const char *name, const char *probe, bool expect)
{
	char path[PATH_MAX], err[512], *paths[] = { path };
	struct summary_rule rule;
	struct summary s;
	struct runset rs;

	TEST_CONTEXT("stop rule: %s, %s", name, probe ?: "every lock probe");
	snprintf(path, sizeof(path), "%s/%s", top, name);
	summary_rule_defaults(&rule);
	if (!CHECK_INT(0, runset_load(&rs, paths, 1, err, sizeof(err))))
		return;
	if (CHECK_INT(0, summary_build(&s, &rs, NULL, &rule, err, sizeof(err)))) {
		CHECK_INT(expect, summary_decided(&s, probe));
		summary_free(&s);
	}
	runset_free(&rs);
	TEST_CONTEXT_CLEAR();
}

static void test_stop_rule(void)
{
	static const double noisy[] = { 0.5, 2.0, 0.8, 1.6, 1.1 };
	static const double jitter[] = { 1.00, 1.08, 0.93, 1.05, 0.96 };
	char dir[PATH_MAX];
	int k;

	/* cmdline 3x (regressed), maps noisy (inconclusive) */
	fx_pair("partial", 1.0, 1.0, 3.0, noisy);
	decided("partial", NULL, true);
	decided("partial", "cmdline", true);
	decided("partial", "maps", false);
	decided("noisy", NULL, false);
	decided("cmdline", NULL, true);	/* cmdline regressed, maps no change */
	/* one kernel: maps 5x the control (reproduced), cmdline about 2x and noisy (inconclusive) */
	snprintf(dir, sizeof(dir), "%s/alonepartial", top);
	mkdir_p(dir, 0755);
	for (k = 1; k <= 5; k++) {
		struct fx_spec s = { .label = "inv", .rep = k, .reps = 5, .maps_p99 = 5e6 * jitter[k - 1],
				     .cmdline_p99 = 2e6 * noisy[k - 1] };

		fx_write(dir, &s);
	}
	decided("alonepartial", NULL, true);
	decided("alonepartial", "cmdline", false);
	decided("clean", NULL, true);	/* none on its one lock probe */
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
	fixtures();
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		run_case(&cases[i]);
	snprintf(dir, sizeof(dir), "%s/slow", top);
	test_mail(dir);
	test_json(dir);
	test_html(dir);
	test_merge();
	test_stop_rule();
	return fx_finish(top);
}
