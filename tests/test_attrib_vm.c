// SPDX-License-Identifier: GPL-2.0
/*
 * Stall attribution end to end: 'mmstall vm --attribute on' runs a short
 * dirty-throttle on Debian 6.12, and the result must name the dirty-throttle
 * path as the top holder: a faulter holding lo's mmap_lock for read, asleep
 * in balance_dirty_pages, behind most of hi's waits over the threshold.
 *
 * Usage: test_attrib_vm [PATH-TO-MMSTALL]   (else $MMSTALL)
 * Exit: 0 pass, 1 fail, 77 skip (no QEMU or no apt here).  Boots a guest:
 * run it alone (ctest label vm).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/proc.h"
#include "harness/util.h"
#include "tests/test_util.h"

static bool has_frame(const json_t *frames, const char *name)
{
	size_t i;
	json_t *f;

	json_array_foreach(frames, i, f)
		if (json_is_string(f) && !strcmp(json_string_value(f), name))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	const char *mmstall = argc > 1 ? argv[1] : getenv("MMSTALL");
	char dir[] = "/tmp/mmstall-test-attrib-XXXXXX", file[256], *err = NULL;
	json_t *root, *a, *top, *tot;
	json_error_t jerr;
	int ret;

	if (!mmstall || access(mmstall, X_OK)) {
		fprintf(stderr, "usage: test_attrib_vm PATH-TO-MMSTALL (or set MMSTALL)\n");
		return 1;
	}
	if (!have_program("qemu-system-x86_64") || !have_program("apt-get")) {
		printf("SKIP: needs qemu-system-x86_64 and apt-get (it boots a Debian kernel package)\n");
		return 77;
	}
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	{
		char *args[] = { (char *)mmstall, "vm", "--kernel", "6.12=deb:linux-image-6.12", "--results", dir,
				 "--scenario", "dirty-throttle", "--duration", "5s", "--warmup", "1s", "--attribute",
				 "on", NULL };

		ret = proc_capture(args, NULL, NULL, &err);
	}
	TEST_CONTEXT("mmstall vm --attribute on");
	CHECK_INT(0, ret);
	if (ret)
		fprintf(stderr, "%s", err ? err : "");
	free(err);
	snprintf(file, sizeof(file), "%s/6.12.json", dir);
	root = json_load_file(file, 0, &jerr);
	CHECK(root != NULL);
	a = root ? json_object_get(root, "attribution") : NULL;
	CHECK(a != NULL);
	if (a) {
		CHECK_STR("ok", json_string_value(json_object_get(a, "status")));
		tot = json_object_get(a, "total");
		CHECK(json_integer_value(json_object_get(tot, "waits_over_min")) > 0);
		/* the share of hi's wait time over the threshold charged to a named holder path */
		CHECK(json_number_value(json_object_get(tot, "explained_share")) >= 0.9);
		top = json_array_get(json_object_get(a, "holders"), 0);
		CHECK(has_frame(json_object_get(top, "frames"), "balance_dirty_pages"));
		CHECK_STR("sleeping", json_string_value(json_object_get(top, "state")));
		CHECK_STR("read", json_string_value(json_object_get(top, "mode")));
		CHECK_STR("page fault", json_string_value(json_object_get(top, "call")));
		CHECK_STR("mprotect", json_string_value(json_object_get(json_array_get(json_object_get(a, "writers"), 0),
									 "call")));
		CHECK_U64(0, json_integer_value(json_object_get(json_object_get(a, "trace"), "unparsed_lines")));
	}
	json_decref(root);
	if (!test_failed)
		rm_rf(dir);
	else
		fprintf(stderr, "results kept in %s\n", dir);
	return test_summary();
}
