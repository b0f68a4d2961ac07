// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for 'mmstall kernel' (harness/kbuild), no kernel needed:
 *
 *  - the config fragment check on fixture .config files
 *    (tests/fixtures/kbuild): an option olddefconfig dropped is named;
 *  - patches on a small tree made here (a few files, imported as the
 *    private git work tree): a directory in name order, a quilt series
 *    file, an mbox, a git range, and failing patches that must leave the
 *    tree exactly as it was, with the patch's name and rejected hunk.
 */
#include "harness/kbuild/kbuild.h"
#include "harness/kernel/kconfig.h"
#include "harness/proc.h"
#include "harness/util.h"
#include "test_util.h"
#include "test_kbuild_util.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmp[256];	/* short: paths built from it never truncate */

static const char *fixture(const char *name)
{
	static char buf[PATH_MAX];
	const char *src = getenv("MMSTALL_SOURCE_DIR");

	snprintf(buf, sizeof(buf), "%s/tests/fixtures/kbuild/%s", src ? src : "..", name);
	return buf;
}

static char *slurp(const char *path)
{
	char *s = NULL;

	if (read_file(path, &s, NULL))
		return NULL;
	return s;
}

/* ---- fragment ---- */

static int load_fragment(const char *name, struct kb_fragment *f, char *err, size_t errlen)
{
	char *text = slurp(fixture(name));
	int ret;

	if (!text)
		return -ENOENT;
	ret = kb_fragment_parse(text, name, f, err, errlen);
	free(text);
	return ret;
}

static bool has_entry(const struct kb_strv *sv, const char *s)
{
	size_t i;

	for (i = 0; i < sv->n; i++)
		if (!strcmp(sv->v[i], s))
			return true;
	return false;
}

static void test_fragment(void)
{
	struct kb_fragment f;
	struct kb_strv dropped = { 0 };
	struct kconfig *kc;
	char err[KB_ERR_LEN], *text;

	TEST_CONTEXT("fragment parse");
	if (!CHECK_INT(0, load_fragment("fragment.config", &f, err, sizeof(err))))
		return;
	CHECK_U64(7, f.n);
	CHECK_STR("CONFIG_CGROUPS", f.opts[0].name);
	CHECK_STR("y", f.opts[0].value);
	CHECK_STR("CONFIG_MODULES", f.opts[4].name);
	CHECK(f.opts[4].value == NULL);
	CHECK_STR("\"guest\"", f.opts[5].value);

	TEST_CONTEXT("fragment kept by olddefconfig");
	if (CHECK_INT(0, kconfig_load_file(fixture("config-kept"), &kc))) {
		CHECK_U64(0, kb_fragment_check(&f, kc, &dropped));
		CHECK_U64(0, dropped.n);
		kconfig_free(kc);
	}

	TEST_CONTEXT("fragment dropped by olddefconfig");
	if (CHECK_INT(0, kconfig_load_file(fixture("config-dropped"), &kc))) {
		CHECK_U64(5, kb_fragment_check(&f, kc, &dropped));
		CHECK(has_entry(&dropped, "CONFIG_BLK_CGROUP_IOLATENCY=y (the .config has: not set)"));
		CHECK(has_entry(&dropped, "CONFIG_HZ_250=y (the .config has: not set)"));
		CHECK(has_entry(&dropped, "CONFIG_HZ=250 (the .config has: CONFIG_HZ=1000)"));
		CHECK(has_entry(&dropped, "# CONFIG_MODULES is not set (the .config has: CONFIG_MODULES=y)"));
		CHECK(has_entry(&dropped, "CONFIG_PSI=y (the .config has: not set)"));
		kconfig_free(kc);
	}
	kb_strv_free(&dropped);
	kb_fragment_free(&f);

	TEST_CONTEXT("fragment with a bad line");
	CHECK_INT(-EINVAL, load_fragment("fragment-bad.config", &f, err, sizeof(err)));
	CHECK(strstr(err, "fragment-bad.config:2:") && strstr(err, "'CGROUPS=y'"));
	CHECK_INT(-EINVAL, kb_fragment_parse("# only a comment\n", "empty", &f, err, sizeof(err)));

	/* the fragment mmstall ships parses and asks for what the scenarios need */
	TEST_CONTEXT("shipped fragment %s", kb_default_fragment());
	text = slurp(kb_default_fragment());
	if (CHECK(text != NULL) && CHECK_INT(0, kb_fragment_parse(text, "mmstall.config", &f, err, sizeof(err)))) {
		static const char *const need[] = { "CONFIG_BLK_CGROUP_IOLATENCY", "CONFIG_BLK_CGROUP_IOCOST",
						    "CONFIG_BLK_DEV_THROTTLING",  "CONFIG_PSI",
						    "CONFIG_MEMCG",		  "CONFIG_CFS_BANDWIDTH",
						    "CONFIG_IO_URING",		  "CONFIG_TRACING",
						    "CONFIG_VIRTIO_BLK",	  "CONFIG_VIRTIO_PCI",
						    "CONFIG_EXT4_FS",		  "CONFIG_IKCONFIG_PROC",
						    "CONFIG_SWAP",		  "CONFIG_DEVTMPFS" };
		size_t i, j;

		for (i = 0; i < ARRAY_SIZE(need); i++) {
			bool found = false;

			for (j = 0; j < f.n; j++)
				found |= !strcmp(f.opts[j].name, need[i]) && f.opts[j].value &&
					 !strcmp(f.opts[j].value, "y");
			TEST_CONTEXT("shipped fragment sets %s=y", need[i]);
			CHECK(found);
		}
		kb_fragment_free(&f);
	}
	free(text);
	TEST_CONTEXT_CLEAR();
}

/*
 * "# or CONFIG_Y=v": an option newer kernels replaced (7.x has no
 * PREEMPT_VOLUNTARY on x86, and PROC_SYSCTL became SYSCTL).
 */
static void check_alts(const char *config, size_t expect, const char *entry)
{
	static const char frag[] = "CONFIG_PREEMPT_VOLUNTARY=y\n# or CONFIG_PREEMPT_LAZY=y\n"
				   "CONFIG_PROC_SYSCTL=y\n# or CONFIG_SYSCTL=y\n# a comment\nCONFIG_PSI=y\n";
	struct kb_strv dropped = { 0 };
	struct kb_fragment f;
	struct kconfig *kc;
	char err[KB_ERR_LEN], *path = xasprintf("%s/alt.config", tmp);

	if (write_file_atomic(path, config, strlen(config)) || !CHECK_INT(0, kconfig_load_file(path, &kc)))
		goto out;
	if (CHECK_INT(0, kb_fragment_parse(frag, "alt", &f, err, sizeof(err)))) {
		CHECK_U64(3, f.n);
		CHECK_U64(1, f.opts[0].n_alts);
		CHECK_STR("CONFIG_PREEMPT_LAZY", f.opts[0].alts[0].name);
		CHECK_U64(0, f.opts[2].n_alts);
		CHECK_U64(expect, kb_fragment_check(&f, kc, &dropped));
		if (entry && !CHECK(has_entry(&dropped, entry)))
			fprintf(stderr, "  dropped[0]: %s\n", dropped.n ? dropped.v[0] : "(none)");
		kb_fragment_free(&f);
	}
	kconfig_free(kc);
out:
	kb_strv_free(&dropped);
	free(path);
}

static void test_fragment_alternatives(void)
{
	struct kb_fragment f;
	char err[KB_ERR_LEN];

	TEST_CONTEXT("fragment alternatives: 6.x");
	check_alts("CONFIG_PREEMPT_VOLUNTARY=y\nCONFIG_PROC_SYSCTL=y\nCONFIG_SYSCTL=y\nCONFIG_PSI=y\n", 0, NULL);
	TEST_CONTEXT("fragment alternatives: 7.x");
	check_alts("CONFIG_PREEMPT_LAZY=y\nCONFIG_SYSCTL=y\nCONFIG_PSI=y\n", 0, NULL);
	TEST_CONTEXT("fragment alternatives: neither");
	check_alts("# CONFIG_PREEMPT_LAZY is not set\nCONFIG_PREEMPT_NONE=y\nCONFIG_SYSCTL=y\nCONFIG_PSI=y\n", 1,
		   "CONFIG_PREEMPT_VOLUNTARY=y (the .config has: not set), or CONFIG_PREEMPT_LAZY=y (the .config "
		   "has: not set)");
	TEST_CONTEXT("fragment alternative without an option before it");
	CHECK_INT(-EINVAL, kb_fragment_parse("# head\n# or CONFIG_A=y\nCONFIG_B=y\n", "x", &f, err, sizeof(err)));
	CHECK(strstr(err, "x:2:"));
	CHECK_INT(-EINVAL, kb_fragment_parse("CONFIG_B=y\n# or CONFIG_A\n", "x", &f, err, sizeof(err)));
	TEST_CONTEXT_CLEAR();
}

/* ---- patches ---- */

static const char *const base_files[][2] = {
	{ "Makefile", "obj-y += a.o b.o\n" },
	{ "a.c", "int a(void)\n{\n\treturn 1;\n}\n\nint a2(void)\n{\n\treturn 2;\n}\n" },
	{ "b.c", "int b(void)\n{\n\treturn 10;\n}\n" },
	{ "include/c.h", "#define C 100\n#define D 200\n#define E 300\n" },
};

/* A fixture tree, imported as a work tree; base gets its commit. */
static int make_tree(const char *dir, char *base, size_t len)
{
	char err[KB_ERR_LEN];
	size_t i;
	int ret;

	rm_rf(dir);
	for (i = 0; i < ARRAY_SIZE(base_files); i++)
		kbt_put(dir, base_files[i][0], base_files[i][1]);
	ret = kb_tree_import(dir, base, len, err, sizeof(err));
	if (ret)
		fprintf(stderr, "kb_tree_import: %s\n", err);
	return ret;
}

/* Contents of every tracked-or-not file but .git, and git's view, as one string. */
static char *tree_state(const char *dir)
{
	static const char *const st[] = { "status", "--porcelain", "--untracked-files=all", "--ignored", NULL };
	static const char *const head[] = { "rev-parse", "HEAD", NULL };
	char *argv[] = { "sh", "-c", "cd \"$0\" && find . -path ./.git -prune -o -type f -print | sort | "
			 "xargs cat", (char *)dir, NULL };
	char *files = NULL, *status = NULL, *h = NULL, *s;

	proc_capture(argv, NULL, &files, NULL);
	kb_git(dir, &status, NULL, st);
	kb_git(dir, &h, NULL, head);
	s = xasprintf("%s\n--status--\n%s--head--\n%s", files ? files : "", status ? status : "",
			h ? h : "");
	free(files);
	free(status);
	free(h);
	return s;
}

/*
 * Make patches by editing a scratch copy: p1 changes a.c and adds new.c,
 * p2 (which needs p1: it edits new.c) changes include/c.h.  The diffs go
 * to out/<name>; the commits stay in the scratch repo (for mbox and range).
 */
/* Stage what changed in scratch, save the diff as out/name and commit it as msg. */
static void commit_patch(const char *scratch, const char *out, const char *name, const char *msg)
{
	static const char *const add[] = { "add", "-A", NULL };
	static const char *const diff[] = { "diff", "--cached", NULL };
	const char *const commit[] = { "commit", "-q", "-m", msg, NULL };
	char *d = NULL;

	kb_git(scratch, NULL, NULL, add);
	kb_git(scratch, &d, NULL, diff);
	kbt_put(out, name, d ? d : "");
	free(d);
	kb_git(scratch, NULL, NULL, commit);
}

static void make_patches(const char *scratch, const char *out)
{
	char base[64];

	make_tree(scratch, base, sizeof(base));
	kbt_put(scratch, "a.c", "int a(void)\n{\n\treturn 11;\n}\n\nint a2(void)\n{\n\treturn 2;\n}\n");
	kbt_put(scratch, "new.c", "int n(void)\n{\n\treturn 0;\n}\n");
	commit_patch(scratch, out, "0001-a-return-11.patch", "a: return 11; add new.c");
	kbt_put(scratch, "include/c.h", "#define C 100\n#define D 222\n#define E 300\n");
	kbt_put(scratch, "new.c", "int n(void)\n{\n\treturn 42;\n}\n");
	commit_patch(scratch, out, "0002-bump.patch", "c.h, new.c: bump");
}

static void check_file(const char *tree, const char *name, const char *needle)
{
	char *p = xasprintf("%s/%s", tree, name), *s = slurp(p);

	TEST_CONTEXT("%s has '%s'", name, needle);
	CHECK(s && strstr(s, needle));
	free(s);
	free(p);
}

static void check_patched(const char *tree)
{
	check_file(tree, "a.c", "return 11;");
	check_file(tree, "new.c", "return 42;");
	check_file(tree, "include/c.h", "#define D 222");
}

/* A fresh fixture tree in tree (PATH_MAX) and the --patches arg resolved: false on failure. */
static bool setup(const char *what, const char *arg, const char *git_source, char *tree, char *base,
		  struct kb_patchset *ps)
{
	char err[KB_ERR_LEN];

	TEST_CONTEXT("%s: %s", what, arg);
	snprintf(tree, PATH_MAX, "%s/tree", tmp);
	if (!CHECK_INT(0, make_tree(tree, base, 64)))
		return false;
	if (!CHECK_INT(0, kb_patchset_resolve(arg, git_source, tmp, ps, err, sizeof(err)))) {
		fprintf(stderr, "  %s\n", err);
		return false;
	}
	return true;
}

/* Apply a --patches argument to a fresh tree; expect success. */
static void apply_ok(const char *what, const char *arg, const char *git_source, size_t count)
{
	char tree[PATH_MAX], base[64], err[KB_ERR_LEN], *before, *after;
	struct kb_patchset ps;

	if (!setup(what, arg, git_source, tree, base, &ps))
		return;
	CHECK_U64(count, ps.count);
	CHECK(strlen(ps.identity) == 16);
	if (CHECK_INT(0, kb_patchset_apply(&ps, tree, base, err, sizeof(err))))
		check_patched(tree);
	else
		fprintf(stderr, "  %s\n", err);
	/* back to base: exactly the imported tree again */
	before = tree_state(tree);
	CHECK_INT(0, kb_tree_reset(tree, base, err, sizeof(err)));
	after = tree_state(tree);
	CHECK(strstr(after, "return 1;\n") && !strstr(after, "return 42;") && !strstr(after, "return 11;"));
	CHECK(strcmp(before, after));
	free(before);
	free(after);
	kb_patchset_free(&ps);
}

/* Apply and expect a failure that names the patch and hunk and leaves the tree as it was. */
static void apply_fails(const char *what, const char *arg, const char *name, const char *hunk_text)
{
	char tree[PATH_MAX], base[64], err[KB_ERR_LEN], *before, *after;
	struct kb_patchset ps;

	if (!setup(what, arg, NULL, tree, base, &ps))
		return;
	before = tree_state(tree);
	CHECK_INT(-EINVAL, kb_patchset_apply(&ps, tree, base, err, sizeof(err)));
	after = tree_state(tree);
	if (!CHECK(strstr(err, name)) || !CHECK(strstr(err, hunk_text)) ||
	    !CHECK(strstr(err, "rejected hunk of include/c.h")))
		fprintf(stderr, "  the message was:\n%s\n", err);
	CHECK_STR(before, after);
	free(before);
	free(after);
	kb_patchset_free(&ps);
}

static void test_patches(void)
{
	static const char *const mbox_args[] = { "format-patch", "--stdout", "HEAD~2..HEAD", NULL };
	char scratch[PATH_MAX], dir[PATH_MAX], p[PATH_MAX + 32], err[KB_ERR_LEN], *mbox = NULL, *s;
	struct kb_patchset ps;

	snprintf(scratch, sizeof(scratch), "%s/scratch", tmp);
	snprintf(dir, sizeof(dir), "%s/series-by-name", tmp);
	make_patches(scratch, dir);

	/* a directory, in name order */
	apply_ok("directory", dir, NULL, 2);

	/* a quilt series file decides the order, not the names (and -p is honoured) */
	snprintf(dir, sizeof(dir), "%s/quilt", tmp);
	snprintf(p, sizeof(p), "%s/series-by-name/0001-a-return-11.patch", tmp);
	s = slurp(p);
	kbt_put(dir, "z-first.diff", s);
	free(s);
	snprintf(p, sizeof(p), "%s/series-by-name/0002-bump.patch", tmp);
	s = slurp(p);
	kbt_put(dir, "a-second.diff", s);
	free(s);
	kbt_put(dir, "series", "# quilt series\nz-first.diff -p1\n\na-second.diff # comment\n");
	apply_ok("series file", dir, NULL, 2);

	/* one mbox, git am */
	kb_git(scratch, &mbox, NULL, mbox_args);
	snprintf(p, sizeof(p), "%s/v2.mbox", tmp);
	kbt_put(tmp, "v2.mbox", mbox ? mbox : "");
	apply_ok("mbox", p, NULL, 2);

	/* a range of the (git) source's commits */
	apply_ok("git range", "HEAD~2..HEAD", scratch, 2);

	/* the second patch's hunk meets changed context: nothing of the set stays */
	snprintf(dir, sizeof(dir), "%s/failing", tmp);
	snprintf(p, sizeof(p), "%s/series-by-name/0001-a-return-11.patch", tmp);
	s = slurp(p);
	kbt_put(dir, "0001-a-return-11.patch", s);
	free(s);
	kbt_put(dir, "0002-conflict.patch",
	    "diff --git a/include/c.h b/include/c.h\n"
	    "--- a/include/c.h\n+++ b/include/c.h\n"
	    "@@ -1,3 +1,3 @@\n #define C 100\n-#define D 999\n+#define D 222\n #define E 300\n");
	apply_fails("failing patch in a directory", dir, "0002-conflict.patch (2 of 2)", "-#define D 999");

	/* same in an mbox: git am's name for the patch */
	kbt_put(tmp, "failing.mbox", "");
	{
		char *mb = NULL;
		char *bad;

		kb_git(scratch, &mb, NULL, mbox_args);
		bad = mb ? strstr(mb, "-#define D 200") : NULL;
		if (CHECK(bad)) {
			memcpy(bad, "-#define D 999", 14);
			kbt_put(tmp, "failing.mbox", mb);
		}
		free(mb);
	}
	snprintf(p, sizeof(p), "%s/failing.mbox", tmp);
	apply_fails("failing patch in an mbox", p, "c.h, new.c: bump", "-#define D 999");

	/* inputs that are not patches */
	TEST_CONTEXT("bad --patches");
	snprintf(dir, sizeof(dir), "%s/empty", tmp);
	mkdir_p(dir, 0755);
	CHECK_INT(-ENOENT, kb_patchset_resolve(dir, NULL, tmp, &ps, err, sizeof(err)));
	CHECK(strstr(err, "no patches in"));
	CHECK_INT(-ENOENT, kb_patchset_resolve("/nonexistent/x", NULL, tmp, &ps, err, sizeof(err)));
	CHECK(strstr(err, "when --source is a git tree"));
	kbt_put(dir, "series", "missing.patch\n");
	CHECK_INT(-ENOENT, kb_patchset_resolve(dir, NULL, tmp, &ps, err, sizeof(err)));
	CHECK(strstr(err, "series:1 names missing.patch"));
	kbt_put(dir, "series", "x.patch -R\n");
	CHECK_INT(-EINVAL, kb_patchset_resolve(dir, NULL, tmp, &ps, err, sizeof(err)));
	free(mbox);
	TEST_CONTEXT_CLEAR();
}

static void test_find_hunk(void)
{
	static const char patch[] =
		"diff --git a/x.c b/x.c\n--- a/x.c\n+++ b/x.c\n@@ -1,2 +1,2 @@\n-a\n+b\n c\n"
		"@@ -10,2 +10,2 @@\n-d\n+e\n f\n"
		"diff --git a/y.c b/y.c\n--- a/y.c\n+++ b/y.c\n@@ -10,1 +10,1 @@\n-y\n+z\n-- \n2.39.2\n";
	char *h;

	TEST_CONTEXT("kb_find_hunk");
	h = kb_find_hunk(patch, "x.c", 10);
	CHECK_STR("@@ -10,2 +10,2 @@\n-d\n+e\n f\n", h);
	free(h);
	h = kb_find_hunk(patch, "y.c", 10);
	CHECK_STR("@@ -10,1 +10,1 @@\n-y\n+z\n", h);
	free(h);
	CHECK(kb_find_hunk(patch, "z.c", 10) == NULL);
	CHECK(kb_find_hunk(patch, "x.c", 5) == NULL);
	TEST_CONTEXT_CLEAR();
}

static void test_small(void)
{
	char buf[32];

	CHECK(builds_label_ok("base"));
	CHECK(builds_label_ok("v3.1_rc+fix-2"));
	CHECK(!builds_label_ok(""));
	CHECK(!builds_label_ok(".hidden"));
	CHECK(!builds_label_ok("a/b"));
	CHECK(!builds_label_ok("a b"));
	kb_fmt_size(buf, sizeof(buf), 512);
	CHECK_STR("512B", buf);
	kb_fmt_size(buf, sizeof(buf), 5ULL << 30);
	CHECK_STR("5.0G", buf);
	kb_fmt_size(buf, sizeof(buf), 340ULL << 20);
	CHECK_STR("340M", buf);
}

int main(void)
{
	snprintf(tmp, sizeof(tmp), "%s/mmstall-test-kbuild.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 1;
	}
	test_small();
	test_find_hunk();
	test_fragment();
	test_fragment_alternatives();
	if (have_program("git"))
		test_patches();
	else
		fprintf(stderr, "git not found: patch tests skipped\n");
	rm_rf(tmp);
	return test_summary();
}
