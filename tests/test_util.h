/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal test framework for mmstall's unit tests.
 *
 * Every CHECK counts one pass or one failure; a failure prints file:line, the
 * expression, and the expected and found values.  A test program ends with
 * "return test_summary();", which prints "N passed, N failed" and returns
 * 0 (all passed), 1 (a failure) or 77 (nothing was tested: ctest's skip).
 */
#ifndef MMSTALL_TEST_UTIL_H
#define MMSTALL_TEST_UTIL_H

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* A broken bucket function fails thousands of checks: show the first ones. */
#define TEST_MAX_REPORTS 50

static unsigned long test_passed, test_failed;
/* What is being tested (a distribution, an input); shown with failures. */
static char test_ctx[256];

static inline bool test_report(bool ok, const char *file, int line)
{
	if (ok) {
		test_passed++;
		return true;
	}
	test_failed++;
	if (test_failed <= TEST_MAX_REPORTS)
		fprintf(stderr, "%s:%d: FAIL%s%s%s: ", file, line,
			test_ctx[0] ? " [" : "", test_ctx, test_ctx[0] ? "]" : "");
	else if (test_failed == TEST_MAX_REPORTS + 1)
		fprintf(stderr, "(further failures not shown)\n");
	return false;
}

static inline bool test_reporting(void)
{
	return test_failed <= TEST_MAX_REPORTS;
}

static inline bool check_true(bool ok, const char *expr, const char *file, int line)
{
	if (!test_report(ok, file, line) && test_reporting())
		fprintf(stderr, "%s: expected true, found false\n", expr);
	return ok;
}

static inline bool check_u64(uint64_t exp, uint64_t got, const char *expr,
			     const char *file, int line)
{
	bool ok = exp == got;

	if (!test_report(ok, file, line) && test_reporting())
		fprintf(stderr, "%s: expected %" PRIu64 ", found %" PRIu64 "\n",
			expr, exp, got);
	return ok;
}

static inline bool check_i64(int64_t exp, int64_t got, const char *expr,
			     const char *file, int line)
{
	bool ok = exp == got;

	if (!test_report(ok, file, line) && test_reporting())
		fprintf(stderr, "%s: expected %" PRId64 ", found %" PRId64 "\n",
			expr, exp, got);
	return ok;
}

static inline bool check_dbl(double exp, double got, double tol, const char *expr,
			     const char *file, int line)
{
	bool ok = fabs(exp - got) <= tol;

	if (!test_report(ok, file, line) && test_reporting())
		fprintf(stderr, "%s: expected %.17g (+-%g), found %.17g\n",
			expr, exp, tol, got);
	return ok;
}

static inline bool check_str(const char *exp, const char *got, const char *expr,
			     const char *file, int line)
{
	bool ok = exp && got && !strcmp(exp, got);

	if (!test_report(ok, file, line) && test_reporting())
		fprintf(stderr, "%s: expected \"%s\", found \"%s\"\n",
			expr, exp ? exp : "(null)", got ? got : "(null)");
	return ok;
}

#define CHECK(cond) check_true(!!(cond), #cond, __FILE__, __LINE__)
#define CHECK_U64(exp, got) check_u64((exp), (got), #got, __FILE__, __LINE__)
#define CHECK_INT(exp, got) check_i64((exp), (got), #got, __FILE__, __LINE__)
#define CHECK_DBL(exp, got, tol) check_dbl((exp), (got), (tol), #got, __FILE__, __LINE__)
#define CHECK_STR(exp, got) check_str((exp), (got), #got, __FILE__, __LINE__)
#define TEST_CONTEXT(...) snprintf(test_ctx, sizeof(test_ctx), __VA_ARGS__)
#define TEST_CONTEXT_CLEAR() (test_ctx[0] = '\0')

static inline int test_summary(void)
{
	printf("%lu passed, %lu failed\n", test_passed, test_failed);
	if (test_failed)
		return 1;
	return test_passed ? 0 : 77;
}

/* A check that needle is in hay, printing hay when it is not. */
static inline bool has(const char *hay, const char *needle)
{
	if (strstr(hay, needle))
		return test_report(true, __FILE__, __LINE__);
	test_report(false, __FILE__, __LINE__);
	fprintf(stderr, "expected \"%s\" in:\n%s\n", needle, hay);
	return false;
}

#endif
