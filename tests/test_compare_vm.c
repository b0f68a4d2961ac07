// SPDX-License-Identifier: GPL-2.0
/*
 * End to end: 'mmstall compare --aa' of the Debian 6.12 kernel against
 * itself, 2 short runs a side in guests.  Checks the files of every run,
 * the comparison table, that 'mmstall gate' passes the A/A compare (exit 0),
 * that a second identical compare resumes without booting anything, that a
 * compare with other settings refuses the directory, and that failing
 * guests are recorded as failed runs and make the gate say "could not test"
 * (exit 125).
 *
 * Usage: test_compare_vm [PATH-TO-MMSTALL]   (else $MMSTALL)
 * Exit: 0 pass, 1 fail, 77 skip (no QEMU or no apt here).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/results_fixture.h"
#include "tests/test_util.h"

#define KERNEL "6.12=deb:linux-image-6.12"
#define SHORT "--duration", "3s", "--warmup", "1s", "--file-size", "64M", "--lo-memory-max", "16M", \
	      "--hi-file-size", "8M"

static char top[] = "/tmp/mmstall-test-compare-XXXXXX";

static void check_file(const char *dir, const char *name, const char *status)
{
	char path[PATH_MAX + 64];
	json_t *r;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!check_true(path_exists(path), path, __FILE__, __LINE__) || !status)
		return;
	r = json_load_file(path, 0, NULL);
	CHECK_STR(status, json_string_value(json_object_get(r, "status")));
	CHECK(json_is_integer(json_object_get(json_object_get(r, "vm"), "repetition")));
	CHECK_STR("6.12", json_string_value(json_object_get(json_object_get(r, "vm"), "baseline")));
	CHECK(json_is_string(json_object_get(json_object_get(json_object_get(r, "vm"), "host"), "hostname")));
	json_decref(r);
}

/*
 * summary.json: the report's JSON form, beside the runs; not read as a run.
 * Two boots a side show nothing: every A/A cell must be inconclusive (a
 * rule that flags noise as a change, or that calls two alike boots "no
 * change", would say otherwise), and no kernel gets an inversion verdict
 * of its own from 2 boots.
 */
static void check_summary(const char *dir)
{
	char path[PATH_MAX + 64];
	json_t *r, *cell, *v;
	size_t i, compared = 0;
	const char *verdict;

	snprintf(path, sizeof(path), "%s/summary.json", dir);
	r = json_load_file(path, 0, NULL);
	if (!CHECK(r != NULL))
		return;
	CHECK_STR("mmstall-summary", json_string_value(json_object_get(r, "format")));
	CHECK_STR("6.12", json_string_value(json_object_get(r, "baseline")));
	json_array_foreach(json_object_get(r, "cells"), i, cell) {
		if (strcmp(json_string_value(json_object_get(cell, "variant")) ?: "", "6.12-aa") ||
		    !(verdict = json_string_value(json_object_get(cell, "verdict"))))
			continue;
		compared++;
		TEST_CONTEXT("A/A cell %s %s %s: %s", json_string_value(json_object_get(cell, "basis")),
			     json_string_value(json_object_get(cell, "probe")),
			     json_string_value(json_object_get(cell, "stat")), verdict);
		/* a statistic the short runs cannot give (p99.9 of 300 samples) has no value to judge */
		CHECK_STR(json_integer_value(json_object_get(cell, "n")) ? "inconclusive" : "could not test", verdict);
	}
	TEST_CONTEXT("A/A summary");
	CHECK(compared > 0);
	json_array_foreach(json_object_get(r, "variants"), i, v)
		CHECK_STR("inconclusive", json_string_value(json_object_get(v, "inversion")));
	json_decref(r);
}

static void aa(void)
{
	char dir[PATH_MAX], *out, *err;
	uint64_t t0;
	int code;

	snprintf(dir, sizeof(dir), "%s/aa", top);
	TEST_CONTEXT("compare --aa");
	code = fx_exec((const char *[]){ "compare", "--kernel", KERNEL, "--aa", "--reps", "2", "--results", dir,
					 SHORT, NULL }, &out, &err);
	if (!CHECK_INT(0, code))
		fprintf(stderr, "stderr:\n%s\n", err);
	has(out, "Conclusion:");
	has(out, "6.12-aa vs 6.12 (p99 stall index, lock-specific): maps ");
	has(out, "from 2 runs (no interval below 3");
	has(out, "maps:");
	has(out, "baseline");
	has(err, "compare: 6.12-aa rep 2/2 (run 4 of 4)");
	check_file(dir, "6.12.rep1.json", "ok");
	check_file(dir, "6.12.rep2.json", "ok");
	check_file(dir, "6.12-aa.rep1.json", "ok");
	check_file(dir, "6.12-aa.rep2.json", "ok");
	check_file(dir, "6.12.rep1.console.log", NULL);
	check_file(dir, "6.12-aa.rep2.console.log", NULL);
	check_file(dir, "report.html", NULL);
	check_file(dir, "report.mail.txt", NULL);
	check_summary(dir);
	free(out);
	free(err);

	TEST_CONTEXT("gate of the A/A compare");
	code = fx_exec((const char *[]){ "gate", dir, "--baseline", "6.12", NULL }, &out, &err);
	CHECK_INT(0, code);
	has(out, "gate: maps p99 stall index: 6.12-aa");
	has(out, "gate: cmdline p99 stall index: 6.12-aa");
	/* 2 runs a side cannot reach p 0.05: the gate must say it cannot fail */
	has(err, "this gate cannot fail");
	free(out);
	free(err);

	TEST_CONTEXT("resume: nothing left to run");
	t0 = now_ns();
	code = fx_exec((const char *[]){ "compare", "--kernel", KERNEL, "--aa", "--reps", "2", "--results", dir,
					 SHORT, NULL }, &out, &err);
	CHECK_INT(0, code);
	has(err, "4 finished runs kept");
	CHECK(!strstr(err, "booting"));
	CHECK(now_ns() - t0 < 60 * NSEC_PER_SEC);
	has(out, "6.12-aa");
	free(out);
	free(err);

	TEST_CONTEXT("resume with other settings is refused");
	code = fx_exec((const char *[]){ "compare", "--kernel", KERNEL, "--aa", "--reps", "2", "--results", dir,
					 "--duration", "4s", "--warmup", "1s", "--file-size", "64M", "--lo-memory-max",
					 "16M", "--hi-file-size", "8M", NULL }, &out, &err);
	CHECK_INT(2, code);
	has(err, "scenario setting duration_ns");
	has(err, "choose a new --results");
	free(out);
	free(err);

	TEST_CONTEXT("resume in a guest of another size is refused");
	code = fx_exec((const char *[]){ "compare", "--kernel", KERNEL, "--aa", "--reps", "2", "--results", dir,
					 "--cpus", "1", SHORT, NULL }, &out, &err);
	CHECK_INT(2, code);
	has(err, "not 1 CPUs");
	CHECK(!strstr(err, "booting"));
	free(out);
	free(err);
	TEST_CONTEXT_CLEAR();
}

static void failing(void)
{
	char dir[PATH_MAX], *out, *err;
	int code;

	snprintf(dir, sizeof(dir), "%s/fails", top);
	TEST_CONTEXT("compare of failing guests");
	code = fx_exec((const char *[]){ "compare", "--kernel", KERNEL, "--aa", "--reps", "1", "--results", dir,
					 SHORT, "--guest-cmd", "echo boom >&2; exit 3", NULL }, &out, &err);
	CHECK_INT(1, code);
	has(err, "2 of 2 runs failed");
	check_file(dir, "6.12.rep1.json", "failed");
	check_file(dir, "6.12-aa.rep1.json", "failed");
	free(out);
	free(err);
	code = fx_exec((const char *[]){ "gate", dir, NULL }, &out, &err);
	CHECK_INT(125, code);
	has(out, "could not test");
	free(out);
	free(err);
	TEST_CONTEXT_CLEAR();
}

int main(int argc, char **argv)
{
	static const char *const needs[][2] = {
		{ "qemu-system-x86_64", "qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)" },
		{ "apt-get", "no apt-get: the test boots a Debian kernel package" },
	};
	size_t i;
	int code;

	for (i = 0; i < ARRAY_SIZE(needs); i++) {
		if (!have_program(needs[i][0])) {
			printf("SKIP: %s\n", needs[i][1]);
			return 77;
		}
	}
	if ((code = fx_start(argc, argv, top)))
		return code;
	aa();
	failing();
	return fx_finish(top);
}
