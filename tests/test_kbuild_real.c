// SPDX-License-Identifier: GPL-2.0
/*
 * A real kernel build (ctest label "kbuild": minutes, not run by default,
 * nor by './run.sh test'):
 *
 *   ctest -L kbuild --output-on-failure
 *
 * 1. mmstall kernel build --source $MMSTALL_KBUILD_SOURCE (default
 *    deb:linux-source-6.1; deb:linux-source-7.3 works too): the fragment
 *    must survive olddefconfig and
 *    the image carry io.latency;
 * 2. the same with a one-file patch (a comment in mm/mmap_lock.c): must
 *    reuse the objects, i.e. take a fraction of the first build;
 * 3. boot it: mmstall vm --kernel src=build:LABEL --throttle io.latency,
 *    and the result must say throttle kind io.latency (not the fallback).
 *
 * The times are printed, for the closing note of issue 5.
 */
#include "harness/kbuild/kbuild.h"
#include "harness/util.h"
#include "test_util.h"
#include "test_kbuild_util.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Run mmstall, its output shown (for the figures). */
static int mmstall(const char *const *args)
{
	char *out = NULL;
	int ret = kbt_mmstall(args, &out);

	fputs(out ? out : "", stdout);
	free(out);
	return ret;
}

static json_t *manifest_of(const char *label)
{
	char p[PATH_MAX];

	builds_path(p, sizeof(p), "labels/%s/manifest.json", label);
	return json_load_file(p, 0, NULL);
}

/*
 * A patch adding a comment after the first line of mm/mmap_lock.c, made
 * from the work tree's base commit (the tree itself may hold a patch).
 */
static int write_patch(const char *tree, const char *dir)
{
	char *src = xasprintf("%s/src", tree), *info = xasprintf("%s/info.json", tree), *spec;
	char *text = NULL, *patch, *p, *l2, *l3, *l4;
	json_t *o = json_load_file(info, 0, NULL);
	int ret;

	spec = xasprintf("%s:mm/mmap_lock.c", json_string_value(json_object_get(o, "base")) ?: "HEAD");
	{
		const char *const args[] = { "show", spec, NULL };

		ret = kb_git(src, &text, NULL, args);
	}
	json_decref(o);
	free(spec);
	free(src);
	free(info);
	if (ret || !text || !strchr(text, '\n')) {
		free(text);
		return ret ? ret : -ENOENT;
	}
	l2 = strchr(text, '\n') + 1;
	l3 = strchr(l2, '\n') + 1;
	l4 = strchr(l3, '\n') + 1;
	patch = xasprintf("--- a/mm/mmap_lock.c\n+++ b/mm/mmap_lock.c\n@@ -1,3 +1,4 @@\n"
			    " %.*s+/* mmstall test_kbuild_real: a one-file patch */\n %.*s %.*s",
			    (int)(l2 - text), text, (int)(l3 - l2), l2, (int)(l4 - l3), l3);
	mkdir_p(dir, 0755);
	p = xasprintf("%s/0001-comment.patch", dir);
	ret = write_file_atomic(p, patch, strlen(patch));
	free(p);
	free(patch);
	free(text);
	return ret;
}

int main(void)
{
	const char *src = getenv("MMSTALL_KBUILD_SOURCE");
	char pdir[] = "/tmp/mmstall-kbuild-real-patches";
	double full = 0, patched = 0;
	json_t *m, *r;

	if (!src)
		src = "deb:linux-source-6.1";
	/* 1: the base build (cached if it was built before: then its recorded time) */
	{
		const char *a[] = { "kernel", "build", "--source", src, "--label", "kbuild-test", NULL };

		CHECK_INT(0, mmstall(a));
	}
	m = manifest_of("kbuild-test");
	if (!CHECK(m))
		return test_summary();
	full = json_real_value(json_object_get(m, "build_time_s"));
	{
		const char *rel = json_string_value(json_object_get(m, "release")) ?: "";

		/* "6.1.192", "7.3.4": whatever the source, a release read from the image */
		CHECK(rel[0] >= '1' && rel[0] <= '9' && strchr(rel, '.'));
	}
	{
		char *cfg = NULL;

		read_file(json_string_value(json_object_get(m, "config")), &cfg, NULL);
		CHECK(cfg && strstr(cfg, "\nCONFIG_BLK_CGROUP_IOLATENCY=y\n"));
		free(cfg);
	}

	/* 2: a one-file patch on top: reuses the objects */
	CHECK_INT(0, write_patch(json_string_value(json_object_get(m, "work_tree")), pdir));
	{
		const char *a[] = { "kernel", "build", "--source", src, "--patches", pdir, "--label",
				    "kbuild-test-p1", NULL };

		CHECK_INT(0, mmstall(a));
	}
	json_decref(m);
	m = manifest_of("kbuild-test-p1");
	if (CHECK(m)) {
		patched = json_real_value(json_object_get(m, "build_time_s"));
		CHECK(patched < full / 2);
	}
	json_decref(m);

	/* 3: boot it with io.latency */
	{
		const char *a[] = { "vm", "--kernel", "src=build:kbuild-test", "--duration", "5s", "--warmup", "1s",
				    "--throttle", "io.latency", "--results", "/tmp/mmstall-kbuild-real-vm", NULL };

		rm_rf("/tmp/mmstall-kbuild-real-vm");
		CHECK_INT(0, mmstall(a));
	}
	r = json_load_file("/tmp/mmstall-kbuild-real-vm/src.json", 0, NULL);
	if (CHECK(r))
		CHECK_STR("io.latency", json_string_value(json_object_get(json_object_get(r, "throttle"), "kind")));
	json_decref(r);
	printf("kbuild: full build %.1f s, rebuild after a one-file patch %.1f s\n", full, patched);
	rm_rf(pdir);
	return test_summary();
}
