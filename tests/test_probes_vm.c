// SPDX-License-Identifier: GPL-2.0
/*
 * The probes for the paths that still take mmap_lock on new kernels
 * (smaps_rollup, environ, ps) on the live kernel of a guest (Debian 6.12):
 * each has samples, none failed, status stays the control, the
 * descriptions say which lock each takes on that kernel, and the result
 * carries the censored object of every probe and the guest's phase timings.
 *
 * Boots one guest: run it under the guest lock (flock /tmp/mmstall-guest.lock).
 * Usage: test_probes_vm [PATH-TO-MMSTALL]   (else $MMSTALL)
 * Exit: 0 pass, 1 fail, 77 skip (no QEMU here).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/util.h"
#include "tests/test_util.h"

static const char *const probes[] = { "smaps_rollup", "environ", "ps", "status" };

static json_t *get(json_t *o, const char *a, const char *b)
{
	return json_object_get(json_object_get(o, a), b);
}

int main(int argc, char **argv)
{
	const char *mmstall = argc > 1 ? argv[1] : getenv("MMSTALL");
	char dir[] = "/tmp/mmstall-test-probes-vm-XXXXXX", cmd[2048], path[256];
	json_error_t je;
	json_t *root, *p, *t;
	size_t i;
	int rc;

	if (!mmstall || !have_program("qemu-system-x86_64")) {
		fprintf(stderr, "no mmstall binary or no QEMU: skipped\n");
		return 77;
	}
	if (!mkdtemp(dir))
		return 1;
	snprintf(cmd, sizeof(cmd),
		 "%s vm --kernel 6.12=deb:linux-image-6.12 --results %s --probes smaps_rollup,environ,ps,status "
		 "--duration 3s --warmup 1s --device-baseline off --file-size 64M --lo-memory-max 16M "
		 "--hi-file-size 8M >%s/out.txt 2>&1",
		 mmstall, dir, dir);
	rc = system(cmd);
	CHECK(WIFEXITED(rc) && WEXITSTATUS(rc) == 0);
	snprintf(path, sizeof(path), "%s/6.12.json", dir);
	root = json_load_file(path, 0, &je);
	if (!CHECK(root != NULL)) {
		fprintf(stderr, "no result %s: %s; output:\n", path, je.text);
		snprintf(cmd, sizeof(cmd), "cat %s/out.txt >&2", dir);
		rc = system(cmd);
		rm_rf(dir);
		return test_summary();
	}
	CHECK_STR("ok", json_string_value(json_object_get(root, "status")));
	for (i = 0; i < ARRAY_SIZE(probes); i++) {
		TEST_CONTEXT("probe %s", probes[i]);
		p = get(root, "probes", probes[i]);
		if (!CHECK(json_is_object(p)))
			continue;
		CHECK(json_integer_value(get(p, "corrected", "count")) > 100);	/* 3 s at 10 ms */
		CHECK_INT(0, json_integer_value(json_object_get(p, "errors")));
		CHECK(json_is_integer(get(p, "censored", "count")));
		CHECK(json_object_get(json_object_get(p, "censored"), "min_ns") != NULL);
		CHECK(json_is_true(json_object_get(p, "control")) == !strcmp(probes[i], "status"));
	}
	TEST_CONTEXT_CLEAR();
	/* what each takes on 6.12 (no per-VMA /proc/pid/maps yet, but these never had it) */
	CHECK_STR("lo", json_string_value(json_object_get(get(root, "probes", "ps"), "mmap_lock_of")));
	CHECK_STR("lo", json_string_value(json_object_get(get(root, "probes", "smaps_rollup"), "mmap_lock_of")));
	CHECK_STR("lo", json_string_value(json_object_get(get(root, "probes", "environ"), "mmap_lock_of")));
	CHECK_STR("none", json_string_value(json_object_get(get(root, "probes", "status"), "mmap_lock_of")));
	p = json_object_get(get(root, "probes", "ps"), "what");
	CHECK(json_is_string(p) && strstr(json_string_value(p), "cmdline"));
	/* the guest's phases */
	t = json_object_get(root, "timings");
	CHECK(json_number_value(json_object_get(t, "setup_s")) > 0);
	CHECK(json_number_value(json_object_get(t, "warmup_s")) >= 0.9);
	CHECK(json_number_value(json_object_get(t, "window_s")) >= 2.9);
	CHECK(json_number_value(json_object_get(t, "window_s")) < 4);
	CHECK(json_is_number(json_object_get(t, "drain_s")));
	CHECK(json_is_number(json_object_get(t, "teardown_s")));
	CHECK(json_is_real(json_object_get(t, "device_baseline_s")) || json_is_null(json_object_get(t, "device_baseline_s")));
	/* 6.12: /proc/pid/maps still under mmap_lock */
	CHECK(json_is_false(json_object_get(get(root, "vm", "kernel_features"), "per-vma-maps")));
	json_decref(root);
	rm_rf(dir);
	return test_summary();
}
