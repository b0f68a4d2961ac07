// SPDX-License-Identifier: GPL-2.0
/*
 * 'mmstall kernel build|list|rm' end to end, on a fake kernel tree made
 * here: a Makefile with kbuild's targets (allnoconfig, olddefconfig,
 * bzImage) that writes a .config and a tiny image with a real bzImage
 * header, and a merge_config.sh.  Seconds instead of a real build (that one
 * is test_kbuild_real, label kbuild), yet every step of the tool runs:
 * the cache ("cached" the second time), a patched build, the manifest,
 * a patch that does not apply, a dropped fragment option, a failed make,
 * list, rm, the cache cap, and 'mmstall vm --kernel L=build:LABEL'
 * resolving the build.
 */
#include "harness/kbuild/kbuild.h"
#include "harness/util.h"
#include "harness/vm/kernel.h"
#include "test_util.h"
#include "test_kbuild_util.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char tmp[256];	/* short: paths built from it never truncate */
static char out[65536];	/* the last command's stdout and stderr */

/* Run mmstall with args (a NULL-terminated list); output into out[]; exit status. */
static int mmstall(const char *first, ...)
{
	const char *args[32];
	size_t n = 0;
	char *s;
	va_list ap;
	int ret;

	va_start(ap, first);
	for (args[n] = first; args[n] && n + 1 < ARRAY_SIZE(args);)
		args[++n] = va_arg(ap, const char *);
	va_end(ap);
	args[n] = NULL;
	ret = kbt_mmstall(args, &s);
	snprintf(out, sizeof(out), "%s", s ? s : "");
	free(s);
	return ret;
}

static bool said(const char *needle)
{
	if (strstr(out, needle))
		return true;
	fprintf(stderr, "  expected '%s' in the output:\n%s\n", needle, out);
	return false;
}

static json_t *manifest_of(const char *label)
{
	char p[PATH_MAX];

	builds_path(p, sizeof(p), "labels/%s/manifest.json", label);
	return json_load_file(p, 0, NULL);
}

static const char *jstr(json_t *m, const char *key)
{
	const char *s = json_string_value(json_object_get(m, key));

	return s ? s : "(missing)";
}

static void test_build_and_cache(const char *src, const char *frag)
{
	json_t *m;

	TEST_CONTEXT("first build");
	if (!CHECK_INT(0, mmstall("kernel", "build", "--source", src, "--label", "base", "--fragment", frag,
				  "--jobs", "1", NULL)))
		fprintf(stderr, "%s\n", out);
	CHECK(said("[base] make done in"));
	CHECK(said("[base] built in"));
	m = manifest_of("base");
	if (CHECK(m)) {
		CHECK_STR("6.1.0-fake", jstr(m, "release"));
		CHECK_STR("dir", jstr(m, "source_kind"));
		CHECK_STR(src, jstr(m, "source"));
		CHECK(json_is_null(json_object_get(m, "patches")));
		CHECK_U64(4096, json_integer_value(json_object_get(m, "image_size_bytes")));
		CHECK(strlen(jstr(m, "config_hash")) == 16 && strlen(jstr(m, "fragment_hash")) == 16);
		CHECK(json_real_value(json_object_get(m, "build_time_s")) > 0);
		CHECK(json_object_get(json_object_get(m, "steps_s"), "make"));
		CHECK(path_exists(jstr(m, "image")) && path_exists(jstr(m, "config")) && path_exists(jstr(m, "log")));
	}
	json_decref(m);

	TEST_CONTEXT("second request");
	CHECK_INT(0, mmstall("kernel", "build", "--source", src, "--label", "base", "--fragment", frag, NULL));
	CHECK(said("[base] cached:"));
	CHECK(!strstr(out, "make"));
	TEST_CONTEXT_CLEAR();
}

static void test_patched(const char *src, const char *frag)
{
	char pdir[PATH_MAX], *before = NULL, *after = NULL, p[PATH_MAX + 16];
	json_t *m, *b;

	snprintf(pdir, sizeof(pdir), "%s/v1", tmp);
	kbt_put(pdir, "0001-version.patch",
	    "--- a/VERSION\n+++ b/VERSION\n@@ -1 +1 @@\n-6.1.0-fake\n+6.1.0-fake-v1\n");
	snprintf(p, sizeof(p), "%s/VERSION", src);
	read_file(p, &before, NULL);

	TEST_CONTEXT("patched build");
	if (!CHECK_INT(0, mmstall("kernel", "build", "--source", src, "--patches", pdir, "--label", "v1",
				  "--fragment", frag, NULL)))
		fprintf(stderr, "%s\n", out);
	CHECK(said("[v1] patch done in"));
	m = manifest_of("v1");
	b = manifest_of("base");
	if (CHECK(m && b)) {
		CHECK_STR("6.1.0-fake-v1", jstr(m, "release"));
		CHECK_U64(1, json_integer_value(json_object_get(m, "patch_count")));
		CHECK_STR(pdir, jstr(m, "patches"));
		CHECK(strcmp(jstr(m, "key"), jstr(b, "key")));
		/* the same work tree (and so its objects) serves both */
		CHECK_STR(jstr(b, "work_tree"), jstr(m, "work_tree"));
	}
	json_decref(m);
	json_decref(b);
	/* the user's tree is only read */
	read_file(p, &after, NULL);
	CHECK_STR(before, after);
	free(before);
	free(after);

	TEST_CONTEXT("base after the patched build");
	CHECK_INT(0, mmstall("kernel", "build", "--source", src, "--label", "base", "--fragment", frag, NULL));
	CHECK(said("[base] cached:"));

	TEST_CONTEXT("patch that does not apply");
	snprintf(pdir, sizeof(pdir), "%s/bad", tmp);
	kbt_put(pdir, "0001-version.patch",
	    "--- a/VERSION\n+++ b/VERSION\n@@ -1 +1 @@\n-5.10.0-other\n+6.1.0-fake-v2\n");
	CHECK_INT(1, mmstall("kernel", "build", "--source", src, "--patches", pdir, "--label", "bad", "--fragment",
			     frag, NULL));
	CHECK(said("step 'patch' failed"));
	CHECK(said("patch 0001-version.patch (1 of 1) does not apply"));
	CHECK(said("rejected hunk of VERSION:\n@@ -1 +1 @@\n-5.10.0-other"));
	CHECK(said("full log: "));
	CHECK(!manifest_of("bad"));
	TEST_CONTEXT_CLEAR();
}

static void test_failures(const char *src)
{
	char frag[PATH_MAX], broken[PATH_MAX];

	TEST_CONTEXT("fragment option dropped by olddefconfig");
	snprintf(frag, sizeof(frag), "%s/drop.config", tmp);
	kbt_put(tmp, "drop.config", "CONFIG_64BIT=y\nCONFIG_DROPME=y\n");
	CHECK_INT(1, mmstall("kernel", "build", "--source", src, "--label", "drop", "--fragment", frag, NULL));
	CHECK(said("step 'config' failed"));
	CHECK(said("olddefconfig dropped 1 option of"));
	CHECK(said("CONFIG_DROPME=y (the .config has: not set)"));

	TEST_CONTEXT("make fails");
	snprintf(broken, sizeof(broken), "%s/broken", tmp);
	kbt_fake_kernel(broken, "6.1.0-FAIL\n");
	kbt_put(tmp, "ok.config", "CONFIG_64BIT=y\n");
	snprintf(frag, sizeof(frag), "%s/ok.config", tmp);
	CHECK_INT(1, mmstall("kernel", "build", "--source", broken, "--label", "broken", "--fragment", frag, NULL));
	CHECK(said("step 'make' failed"));
	CHECK(said("make exited with status 2"));
	CHECK(said("error: fake failure"));
	CHECK(said("full log: "));

	TEST_CONTEXT("bad input");
	CHECK_INT(2, mmstall("kernel", "build", "--source", src, NULL));
	CHECK(said("needs --source SRC and --label LABEL"));
	CHECK_INT(2, mmstall("kernel", "build", "--source", tmp, "--label", "x", NULL));
	CHECK(said("not a kernel source tree"));
	CHECK_INT(2, mmstall("kernel", "build", "--source", "deb:linux-image-6.1", "--label", "x", NULL));
	CHECK(said("deb:linux-source-X.Y"));
	CHECK_INT(2, mmstall("kernel", "build", "--source", src, "--label", "a/b", NULL));
	CHECK_INT(2, mmstall("kernel", "frobnicate", NULL));
	TEST_CONTEXT_CLEAR();
}

static void test_vm_spec(void)
{
	struct vm_kernel k;
	char err[1024];

	TEST_CONTEXT("vm --kernel L=build:LABEL");
	if (CHECK_INT(0, kernel_spec_parse("src=build:v1", &k, err, sizeof(err)))) {
		if (CHECK_INT(0, kernel_resolve(&k, err, sizeof(err)))) {
			CHECK_STR("6.1.0-fake-v1", k.release);
			CHECK(k.config && path_exists(k.config));
		}
		kernel_free(&k);
	}
	CHECK_INT(-ENOENT, kernel_spec_parse("x=build:nosuch", &k, err, sizeof(err)));
	CHECK(strstr(err, "no kernel build labelled 'nosuch'"));
	kernel_free(&k);
	TEST_CONTEXT_CLEAR();
}

static void test_list_rm_cap(const char *src, const char *frag)
{
	char p[PATH_MAX];

	TEST_CONTEXT("kernel list");
	CHECK_INT(0, mmstall("kernel", "list", NULL));
	CHECK(said("base") && said("v1") && said("6.1.0-fake-v1"));

	TEST_CONTEXT("kernel rm");
	CHECK_INT(0, mmstall("kernel", "rm", "v1", NULL));
	CHECK(said("removed v1"));
	CHECK(!manifest_of("v1"));
	CHECK_INT(2, mmstall("kernel", "rm", "v1", NULL));
	CHECK(said("no kernel build labelled 'v1'"));
	CHECK_INT(0, mmstall("kernel", "list", NULL));
	CHECK(!strstr(out, "fake-v1"));

	TEST_CONTEXT("cache cap");
	CHECK_INT(0, mmstall("kernel", "build", "--source", src, "--label", "base2", "--fragment", frag,
			     "--max-cache", "1K", NULL));
	CHECK(said("removing"));
	/* what was just asked for is kept */
	builds_path(p, sizeof(p), "labels/base2/bzImage");
	CHECK(path_exists(p));
	CHECK_INT(2, mmstall("kernel", "build", "--source", src, "--label", "x", "--max-cache", "lots", NULL));
	CHECK(said("invalid cache size 'lots'"));
	TEST_CONTEXT_CLEAR();
}

int main(void)
{
	char src[PATH_MAX], cache[PATH_MAX], frag[PATH_MAX];

	if (!have_program("git") || !have_program("make")) {
		fprintf(stderr, "git or make not found: nothing tested\n");
		return 77;
	}
	snprintf(tmp, sizeof(tmp), "%s/mmstall-test-kbuild-cli.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(cache, sizeof(cache), "%s/cache", tmp);
	setenv("MMSTALL_CACHE", cache, 1);
	unsetenv("MMSTALL_KBUILD_MAX");
	snprintf(src, sizeof(src), "%s/linux", tmp);
	kbt_fake_kernel(src, "6.1.0-fake\n");
	snprintf(frag, sizeof(frag), "%s/frag.config", tmp);
	kbt_put(tmp, "frag.config", "CONFIG_64BIT=y\n# CONFIG_MODULES is not set\nCONFIG_FAKE_IOLATENCY=y\n");

	test_build_and_cache(src, frag);
	test_patched(src, frag);
	test_failures(src);
	test_vm_spec();
	test_list_rm_cap(src, frag);
	rm_rf(tmp);
	return test_summary();
}
