// SPDX-License-Identifier: GPL-2.0
/*
 * The job list of a compare (harness/plan.c) and what reports make of runs
 * spread over hosts, without booting anything:
 *  - 'compare --plan FILE' writes every run as an indexed entry in compare's
 *    order, with its pairing and device-baseline decision; the file
 *    round-trips (read and written again: the same bytes), and its options
 *    parse back into the very scenario it names;
 *  - a tampered or foreign plan is refused naming the key (an output that
 *    climbs out of the results directory, a format version, an index);
 *  - run-job's input errors: INDEX past the end, no --results, no file;
 *  - report merges the result directories of two hosts into one variant per
 *    label when the runs are one plan's, refuses a pairing whose runs name
 *    two hosts, pools runs whose device baseline differs, and says where the
 *    time went (summary.json's time_spent).
 *
 * Usage: test_plan [PATH-TO-MMSTALL]   (else $MMSTALL)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/plan.h"
#include "harness/vm/session.h"
#include "tests/results_fixture.h"
#include "tests/test_util.h"
#include "workloads/scenario.h"

static char top[] = "/tmp/mmstall-test-plan-XXXXXX";

static json_t *load(const char *path)
{
	json_t *j = json_load_file(path, 0, NULL);

	if (!j)
		fprintf(stderr, "cannot load %s\n", path);
	return j;
}

/* compare --plan: the entries, their pairings and device baselines, and the round trip. */
static void plan_file(void)
{
	char path[PATH_MAX], path2[PATH_MAX], *out, *err, *a = NULL, *b = NULL, why[512];
	json_t *j, *e;
	struct plan p;
	int code;

	snprintf(path, sizeof(path), "%s/plan.json", top);
	TEST_CONTEXT("compare --plan");
	code = fx_exec((const char *[]){ "compare", "--kernel", "a=deb:linux-image-6.1", "--kernel",
					 "b=deb:linux-image-6.12", "--reps", "3", "--duration", "3s", "--warmup", "1s",
					 "--seed", "7", "--plan", path, NULL }, &out, &err);
	CHECK_INT(0, code);
	has(err, "6 runs, 2 variants x 3 repetitions, in 3 pairings; nothing was run");
	free(out);
	free(err);
	j = load(path);
	if (!CHECK(j != NULL))
		return;
	CHECK_STR("mmstall-plan", json_string_value(json_object_get(j, "format")));
	CHECK_INT(6, json_array_size(json_object_get(j, "entries")));
	/* compare's order: rep 1 of every variant, then rep 2; the pairing is the repetition */
	e = json_array_get(json_object_get(j, "entries"), 3);
	CHECK_INT(3, json_integer_value(json_object_get(e, "index")));
	CHECK_STR("b", json_string_value(json_object_get(e, "kernel")));
	CHECK_STR("deb:linux-image-6.12", json_string_value(json_object_get(e, "kernel_spec")));
	CHECK_INT(2, json_integer_value(json_object_get(e, "repetition")));
	CHECK_INT(1, json_integer_value(json_object_get(e, "pairing")));
	CHECK_INT(7, json_integer_value(json_object_get(e, "seed")));
	CHECK_STR("ps-latency", json_string_value(json_object_get(e, "scenario")));
	CHECK_STR("b.rep2.json", json_string_value(json_object_get(e, "output")));
	/* the device baseline: measured by rep 1 of each variant, named by the others */
	CHECK_STR("off", json_string_value(json_object_get(e, "device_baseline")));
	CHECK_STR("b.rep1", json_string_value(json_object_get(e, "device_baseline_from")));
	e = json_array_get(json_object_get(j, "entries"), 1);
	CHECK(json_is_null(json_object_get(e, "device_baseline_from")));
	CHECK_STR("auto", json_string_value(json_object_get(e, "device_baseline")));
	CHECK_STR(json_string_value(json_object_get(j, "id")),
		  json_string_value(json_object_get(json_object_get(j, "compare"), "plan_id")));
	json_decref(j);

	TEST_CONTEXT("plan round trip");
	if (!CHECK_INT(0, plan_load(&p, path, why, sizeof(why)))) {
		fprintf(stderr, "%s\n", why);
		return;
	}
	snprintf(path2, sizeof(path2), "%s/plan2.json", top);
	CHECK_INT(0, plan_save(&p, path2, why, sizeof(why)));
	read_file(path, &a, NULL);
	read_file(path2, &b, NULL);
	CHECK(a && b && !strcmp(a, b));
	free(a);
	free(b);
	CHECK_INT(6, p.n);
	CHECK_INT(3, p.reps);
	CHECK_STR("b.rep3", p.e[5].stem);
	CHECK_STR("b.rep1", p.e[5].baseline_from);
	CHECK_STR("", p.e[0].baseline_from);

	/* the options of one kernel's entries give the plan's scenario exactly */
	{
		bool only_b[2] = { false, true };
		int argc, c = 0;
		char **argv = plan_argv(&p, only_b, "/nonexistent", &argc);
		struct vm_extra_opts x = { .cmd = "run-job" };
		struct vm_opts *vo = vm_session_parse(argc, argv, &x, &c);
		json_t *sc = vo ? scenario_to_json(vm_session_scenario(vo)) : NULL;

		TEST_CONTEXT("plan options parsed");
		if (CHECK(vo != NULL)) {
			CHECK(json_equal(sc, p.scenario));
			CHECK_INT(1, vm_session_nr_kernels(vo));
			CHECK_STR("b", vm_session_label(vo, 0));
			CHECK_INT(7, json_integer_value(json_object_get(sc, "seed")));
			vm_session_end(vo);
		}
		json_decref(sc);
		plan_argv_free(argv);
	}
	plan_free(&p);

	TEST_CONTEXT("--baseline-every-run: every entry measures its own");
	code = fx_exec((const char *[]){ "compare", "--kernel", "a=deb:linux-image-6.1", "--reps", "2",
					 "--baseline-every-run", "--plan", path2, NULL }, &out, &err);
	CHECK_INT(0, code);
	j = load(path2);
	CHECK(json_is_null(json_object_get(json_array_get(json_object_get(j, "entries"), 1), "device_baseline_from")));
	json_decref(j);
	free(out);
	free(err);

	TEST_CONTEXT("--plan with --reps auto is refused");
	code = fx_exec((const char *[]){ "compare", "--kernel", "a=deb:linux-image-6.1", "--reps", "auto", "--plan",
					 path2, NULL }, &out, &err);
	CHECK_INT(2, code);
	has(err, "give --reps N");
	free(out);
	free(err);
	TEST_CONTEXT_CLEAR();
}

/* Write a changed copy of the plan and check plan_load() refuses it, naming what. */
static void tampered(const char *base, void (*change)(json_t *), const char *needle)
{
	char path[PATH_MAX], why[1024];
	json_t *j = load(base);
	struct plan p;

	snprintf(path, sizeof(path), "%s/bad.json", top);
	change(j);
	json_dump_file(j, path, 0);
	json_decref(j);
	if (CHECK_INT(-EINVAL, plan_load(&p, path, why, sizeof(why))))
		has(why, needle);
}

static void climb(json_t *j)
{
	json_object_set_new(json_array_get(json_object_get(j, "entries"), 2), "output", json_string("../../x.json"));
}

static void version(json_t *j)
{
	json_object_set_new(j, "format_version", json_integer(99));
}

static void index_gap(json_t *j)
{
	json_object_set_new(json_array_get(json_object_get(j, "entries"), 4), "index", json_integer(7));
}

static void sneaky_option(json_t *j)
{
	json_array_append_new(json_object_get(j, "options"), json_string("--results=/etc"));
}

static void bad_label(json_t *j)
{
	json_object_set_new(json_array_get(json_object_get(j, "kernels"), 0), "label", json_string("../a"));
}

static void bad_plans(void)
{
	char path[PATH_MAX], dir[PATH_MAX], *out, *err;
	int code;

	snprintf(path, sizeof(path), "%s/plan.json", top);
	TEST_CONTEXT("tampered plans");
	tampered(path, climb, "entries[2].output is not a.rep2.json");
	tampered(path, version, "format_version is not 1");
	tampered(path, index_gap, "entries[4].index is not 4");
	tampered(path, sneaky_option, "options[");
	tampered(path, bad_label, "kernels[0] needs a label");

	snprintf(dir, sizeof(dir), "%s/jobs", top);
	TEST_CONTEXT("run-job input errors");
	code = fx_exec((const char *[]){ "run-job", path, "6", "--results", dir, NULL }, &out, &err);
	CHECK_INT(2, code);
	has(err, "INDEX 6 is past the plan's last entry (5)");
	free(out);
	free(err);
	code = fx_exec((const char *[]){ "run-job", path, "3", "--pairing", "--results", dir, NULL }, &out, &err);
	CHECK_INT(2, code);
	has(err, "pairing 3 is past the plan's last (2)");
	free(out);
	free(err);
	code = fx_exec((const char *[]){ "run-job", path, "0", NULL }, &out, &err);
	CHECK_INT(2, code);
	has(err, "--results DIR is required");
	free(out);
	free(err);
	code = fx_exec((const char *[]){ "run-job", "/nonexistent/plan.json", "0", "--results", dir, NULL }, &out, &err);
	CHECK_INT(2, code);
	has(err, "cannot read the plan /nonexistent/plan.json");
	free(out);
	free(err);
	code = fx_exec((const char *[]){ "run-job", path, "x1", "--results", dir, NULL }, &out, &err);
	CHECK_INT(2, code);
	has(err, "$SLURM_ARRAY_TASK_ID");
	free(out);
	free(err);
	TEST_CONTEXT_CLEAR();
}

/* A fixture run made by plan "1234567890abcdef", pairing rep - 1, with timings and a device baseline setting. */
static void plan_run(const char *dir, const char *label, int index, int rep, double maps_p99, const char *host,
		     const char *baseline)
{
	char path[PATH_MAX];
	json_t *r, *vm;

	mkdir_p(dir, 0755);
	fx_run(dir, label, index, rep, 4, maps_p99, host, NULL);
	snprintf(path, sizeof(path), "%s/%s.rep%d.json", dir, label, rep);
	r = load(path);
	vm = json_object_get(r, "vm");
	json_object_set_new(vm, "plan", json_pack("{s:s,s:i,s:i}", "id", "1234567890abcdef", "index",
						  (rep - 1) * 2 + index, "pairing", rep - 1));
	json_object_set_new(vm, "timings", json_pack("{s:f,s:f,s:f,s:f,s:f,s:f,s:f}", "prepare_s", 0.1, "boot_s", 3.0,
						     "guest_run_s", 13.0 + (rep == 1 ? 3 : 0), "teardown_s", 0.3,
						     "collect_s", 0.0, "wall_s", 16.5 + (rep == 1 ? 3 : 0),
						     "overhead_s", 4.5 + (rep == 1 ? 3 : 0)));
	json_object_set_new(r, "timings", json_pack("{s:f,s:f,s:f,s:f,s:f,s:f}", "setup_s", 0.2, "device_baseline_s",
						    rep == 1 ? 3.0 : 0.0, "warmup_s", 2.0, "window_s", 10.0, "drain_s",
						    0.05, "teardown_s", 0.0));
	json_object_set_new(json_object_get(r, "scenario"), "device_baseline", json_string(baseline));
	result_save(path, r);
	json_decref(r);
}

static void hosts(void)
{
	char h1[PATH_MAX], h2[PATH_MAX], h3[PATH_MAX], *out, *err;
	json_t *s, *t;
	int code, k;

	/* pairings 0 and 1 on host one, 2 and 3 on host two: one experiment, one variant per label */
	snprintf(h1, sizeof(h1), "%s/host-one", top);
	snprintf(h2, sizeof(h2), "%s/host-two", top);
	for (k = 1; k <= 4; k++) {
		plan_run(k <= 2 ? h1 : h2, "base", 0, k, 10e6, k <= 2 ? "one" : "two", k == 1 ? "auto" : "off");
		plan_run(k <= 2 ? h1 : h2, "new", 1, k, 20e6, k <= 2 ? "one" : "two", k == 1 ? "auto" : "off");
	}
	TEST_CONTEXT("one plan over two hosts");
	code = fx_exec((const char *[]){ "report", h1, h2, "--format", "json", NULL }, &out, &err);
	if (!CHECK_INT(0, code))
		fprintf(stderr, "%s\n", err);
	s = json_loads(out, 0, NULL);
	CHECK_INT(2, json_array_size(json_object_get(s, "variants")));
	CHECK_STR("base", json_string_value(json_object_get(json_array_get(json_object_get(s, "variants"), 0), "name")));
	CHECK_INT(4, json_integer_value(json_object_get(json_array_get(json_object_get(s, "variants"), 1), "runs_ok")));
	/* where the time went: 8 runs, the device baseline in 2 of them */
	t = json_object_get(s, "time_spent");
	CHECK_INT(8, json_integer_value(json_object_get(t, "runs")));
	CHECK_INT(2, json_integer_value(json_object_get(t, "device_baselines")));
	CHECK_DBL(6.0, json_real_value(json_object_get(json_object_get(t, "phases"), "device_baseline_s")), 1e-6);
	CHECK_DBL(96.0, json_real_value(json_object_get(t, "measurement_s")), 1e-6);
	CHECK_DBL(0.1 * 8 + 16.5 * 8 + 6, json_real_value(json_object_get(t, "total_s")), 1e-6);
	CHECK_DBL(5.25, json_real_value(json_object_get(t, "overhead_s_mean")), 1e-6);
	CHECK_INT(4, json_integer_value(json_object_get(json_object_get(t, "hosts"), "two")));
	json_decref(s);
	free(out);
	free(err);
	code = fx_exec((const char *[]){ "report", h1, h2, NULL }, &out, &err);
	has(out, "Where the time went (8 runs on 2 hosts)");
	has(out, "device baseline 6.0s");
	free(out);
	free(err);

	/* pairing 3 of "new" made again on a third host: that pairing's runs name two hosts */
	snprintf(h3, sizeof(h3), "%s/host-three", top);
	plan_run(h3, "new", 1, 4, 20e6, "three", "off");
	rm_rf(h2);
	for (k = 3; k <= 4; k++) {
		plan_run(h2, "base", 0, k, 10e6, "two", "off");
		if (k == 3)
			plan_run(h2, "new", 1, k, 20e6, "two", "off");
	}
	TEST_CONTEXT("a pairing made on two hosts");
	code = fx_exec((const char *[]){ "report", h1, h2, h3, NULL }, &out, &err);
	CHECK_INT(2, code);
	has(err, "are runs of one pairing (plan 1234567890abcdef, pairing 3: repetition 4 of every variant), made on "
		 "different hosts");
	has(err, "host three");
	free(out);
	free(err);
	code = fx_exec((const char *[]){ "gate", h1, h2, h3, NULL }, &out, &err);
	CHECK_INT(2, code);
	has(err, "made on different hosts");
	free(out);
	free(err);
	TEST_CONTEXT_CLEAR();
}

int main(int argc, char **argv)
{
	int code = fx_start(argc, argv, top);

	if (code)
		return code;
	plan_file();
	bad_plans();
	hosts();
	return fx_finish(top);
}
