// SPDX-License-Identifier: GPL-2.0
/*
 * 'mmstall bisect-step' exit codes, as 'git bisect run' reads them, on
 * stored result fixtures (--no-run: gate only) and a fake kernel tree that
 * does not build (no QEMU needed):
 *
 *   0 same latency as the baseline, 1 three times slower, 125 every run
 *   failed or the tree does not build, 128 bad options or a baseline label
 *   that is not there (abort: a bisection must not go on with those).
 */
#include "harness/kbuild/kbuild.h"
#include "harness/util.h"
#include "test_util.h"
#include "tests/results_fixture.h"
#include "test_kbuild_util.h"

#include <stdlib.h>
#include <string.h>

static const double jitter[] = { 1.00, 1.03, 0.97, 1.02, 0.985 };

/* Five runs of label in dir at 10 ms * factor (p99 of maps); failed ones with error. */
static void runs(const char *dir, const char *label, double factor, const char *error)
{
	int k;

	mkdir_p(dir, 0755);
	for (k = 1; k <= 5; k++)
		fx_run(dir, label, !strcmp(label, "base") ? 0 : 1, k, 5, 10e6 * factor * jitter[k - 1], "host",
		       error);
}

static int step(const char *const *args, const char *needle)
{
	char *out = NULL, *err = NULL;
	int ret = fx_exec(args, &out, &err);

	if (needle && !strstr(err, needle) && !strstr(out, needle))
		fprintf(stderr, "  expected '%s' in:\n%s%s\n", needle, out, err);
	TEST_CONTEXT("%s", needle ? needle : "");
	if (needle)
		CHECK(strstr(err, needle) || strstr(out, needle));
	free(out);
	free(err);
	return ret;
}

int main(int argc, char **argv)
{
	char top[] = "/tmp/mmstall-test-bisect.XXXXXX", base[64], same[64], slow[64], failed[64];
	char broken[64], cache[64], frag[64];
	int ret = fx_start(argc, argv, top);

	if (ret)
		return ret;
	snprintf(base, sizeof(base), "%s/base", top);
	snprintf(same, sizeof(same), "%s/same", top);
	snprintf(slow, sizeof(slow), "%s/slow", top);
	snprintf(failed, sizeof(failed), "%s/failed", top);
	runs(base, "base", 1.0, NULL);
	runs(same, "bisect", 1.0, NULL);
	runs(slow, "bisect", 3.0, NULL);
	runs(failed, "bisect", 1.0, "guest kernel panicked (VFS: Unable to mount root fs)");

	{
		const char *a[] = { "bisect-step", "--baseline", base, "--baseline-label", "base", "--no-run",
				    "--results", same, NULL };

		CHECK_INT(0, step(a, "bisect-step: good (0)"));
	}
	{
		const char *a[] = { "bisect-step", "--baseline", base, "--baseline-label", "base", "--no-run",
				    "--results", slow, "--max-regression", "50%", NULL };

		CHECK_INT(1, step(a, "bisect-step: bad (1)"));
	}
	{
		const char *a[] = { "bisect-step", "--baseline", base, "--baseline-label", "base", "--no-run",
				    "--results", failed, NULL };

		CHECK_INT(125, step(a, "bisect-step: skip (125)"));
	}
	{
		const char *a[] = { "bisect-step", "--baseline", base, "--baseline-label", "nosuch", "--no-run",
				    "--results", same, NULL };

		CHECK_INT(128, step(a, "abort (128)"));
	}
	{
		const char *a[] = { "bisect-step", "--no-run", "--results", same, NULL };

		CHECK_INT(128, step(a, "needs --baseline DIR"));
	}
	{
		const char *a[] = { "bisect-step", "--baseline", base, "--no-run", NULL };

		CHECK_INT(128, step(a, "it needs --results DIR"));
	}

	/* a tree that does not build: skip this commit */
	snprintf(cache, sizeof(cache), "%s/cache", top);
	setenv("MMSTALL_CACHE", cache, 1);
	snprintf(broken, sizeof(broken), "%s/linux", top);
	kbt_fake_kernel(broken, "6.1.0-FAIL\n");
	snprintf(frag, sizeof(frag), "%s/frag.config", top);
	kbt_put(top, "frag.config", "CONFIG_64BIT=y\n");
	{
		const char *a[] = { "bisect-step", "--baseline", base, "--source", broken, "--fragment", frag, NULL };

		CHECK_INT(125, step(a, "this tree does not build"));
	}
	{
		const char *a[] = { "bisect-step", "--baseline", base, "--source", top, "--fragment", frag, NULL };

		CHECK_INT(128, step(a, "not a kernel source tree"));
	}
	TEST_CONTEXT_CLEAR();
	return fx_finish(top);
}
