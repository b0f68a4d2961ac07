// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for harness/util.c: the parsers every option goes through, the
 * latency formatter of every table, and the file helpers results depend on
 * (write_file_atomic must never leave a half-written result behind).
 */
#include "harness/util.h"
#include "test_util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

/* dir/name into buf (PATH_MAX); the temp dir is short, so never truncates. */
static char *join(char *buf, const char *dir, const char *name)
{
	if (snprintf(buf, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX)
		abort();
	return buf;
}

static void check_duration(const char *s, int ret, uint64_t want)
{
	uint64_t v = 0xdead;

	TEST_CONTEXT("parse_duration_ns(\"%s\")", s);
	if (CHECK_INT(ret, parse_duration_ns(s, &v)) && !ret)
		CHECK_U64(want, v);
	TEST_CONTEXT_CLEAR();
}

static void test_parse_duration(void)
{
	check_duration("30s", 0, 30 * NSEC_PER_SEC);
	check_duration("1h", 0, 3600 * NSEC_PER_SEC);
	check_duration("0", 0, 0);
	check_duration("500ms", 0, 500 * NSEC_PER_MSEC);
	check_duration("250us", 0, 250 * NSEC_PER_USEC);
	check_duration("100ns", 0, 100);
	check_duration("2m", 0, 120 * NSEC_PER_SEC);
	check_duration("1.5s", 0, 1500 * NSEC_PER_MSEC);
	check_duration("0.25ms", 0, 250 * NSEC_PER_USEC);
	/* Decimal fractions that are not exact in binary must not lose 1 ns. */
	check_duration("1.001ms", 0, 1001 * NSEC_PER_USEC);
	check_duration("2.01s", 0, 2010 * NSEC_PER_MSEC);
	check_duration("4.35ms", 0, 4350 * NSEC_PER_USEC);
	check_duration("1000000000s", 0, 1000000000 * NSEC_PER_SEC);

	check_duration("", -EINVAL, 0);
	check_duration("s", -EINVAL, 0);
	check_duration("abc", -EINVAL, 0);
	check_duration("-1", -EINVAL, 0);
	check_duration("-1s", -EINVAL, 0);
	check_duration("5x", -EINVAL, 0);
	check_duration("5 s", -EINVAL, 0);
	check_duration("5sec", -EINVAL, 0);
	check_duration("nan", -EINVAL, 0);
	check_duration("inf", -EINVAL, 0);
	check_duration("1e300", -EINVAL, 0);
	check_duration("1e3s", -EINVAL, 0);
	/* only the documented forms: a number without its unit, or in hex, is refused */
	check_duration("10", -EINVAL, 0);
	check_duration("0x10s", -EINVAL, 0);
	check_duration(".5s", -EINVAL, 0);
	check_duration("5.s", -EINVAL, 0);
	check_duration("+5s", -EINVAL, 0);
	check_duration(" 5s", -EINVAL, 0);
	check_duration("5S", -EINVAL, 0);
	check_duration("99999999999999999999s", -ERANGE, 0);
	check_duration("1000000001s", -ERANGE, 0);
}

static void check_size(const char *s, int ret, uint64_t want)
{
	uint64_t v = 0xdead;

	TEST_CONTEXT("parse_size(\"%s\")", s);
	if (CHECK_INT(ret, parse_size(s, &v)) && !ret)
		CHECK_U64(want, v);
	TEST_CONTEXT_CLEAR();
}

static void test_parse_size(void)
{
	check_size("4096", 0, 4096);
	check_size("0", 0, 0);
	check_size("4k", 0, 4096);
	check_size("4K", 0, 4096);
	check_size("4kb", 0, 4096);
	check_size("4KiB", 0, 4096);
	check_size("64M", 0, 64ULL << 20);
	check_size("64MiB", 0, 64ULL << 20);
	check_size("1G", 0, 1ULL << 30);
	check_size("1g", 0, 1ULL << 30);
	check_size("2T", 0, 2ULL << 40);
	check_size("18446744073709551615", 0, UINT64_MAX);
	check_size("16777215T", 0, 16777215ULL << 40);

	check_size("", -EINVAL, 0);
	check_size("k", -EINVAL, 0);
	check_size("-1", -EINVAL, 0);
	check_size(" 1", -EINVAL, 0);
	check_size("1.5G", -EINVAL, 0);
	check_size("4x", -EINVAL, 0);
	check_size("4kx", -EINVAL, 0);
	check_size("4 k", -EINVAL, 0);
	check_size("4kibibytes", -EINVAL, 0);
	check_size("0x10", -EINVAL, 0);
	check_size("18446744073709551616", -ERANGE, 0);
	check_size("16777216T", -ERANGE, 0);	/* 2^64 */
}

static void check_range(const char *s, uint64_t min, uint64_t max, int ret, uint64_t want)
{
	uint64_t v = 0xdead;

	TEST_CONTEXT("parse_u64_range(\"%s\", %" PRIu64 ", %" PRIu64 ")", s, min, max);
	if (CHECK_INT(ret, parse_u64_range(s, min, max, &v)) && !ret)
		CHECK_U64(want, v);
	else
		CHECK_U64(0xdead, v);	/* untouched on error */
	TEST_CONTEXT_CLEAR();
}

static void test_parse_u64_range(void)
{
	check_range("5", 1, 10, 0, 5);
	check_range("1", 1, 10, 0, 1);
	check_range("10", 1, 10, 0, 10);
	check_range("0", 0, 0, 0, 0);
	check_range("007", 0, 10, 0, 7);
	check_range("18446744073709551615", 0, UINT64_MAX, 0, UINT64_MAX);

	check_range("0", 1, 10, -ERANGE, 0);
	check_range("11", 1, 10, -ERANGE, 0);
	check_range("", 0, 10, -EINVAL, 0);
	check_range("-1", 0, 10, -EINVAL, 0);
	check_range("+5", 0, 10, -EINVAL, 0);
	check_range(" 5", 0, 10, -EINVAL, 0);
	check_range("5 ", 0, 10, -EINVAL, 0);
	check_range("5x", 0, 10, -EINVAL, 0);
	check_range("1e3", 0, 10000, -EINVAL, 0);
	/* Too big for 64 bits is an error, never a wrapped or clamped value. */
	CHECK(parse_u64_range("18446744073709551616", 0, UINT64_MAX, &(uint64_t){ 0 }) < 0);
}

static void check_fmt(double ns, const char *want)
{
	char buf[32];

	TEST_CONTEXT("fmt_ns(%.17g)", ns);
	fmt_ns(buf, sizeof(buf), ns);
	CHECK_STR(want, buf);
	TEST_CONTEXT_CLEAR();
}

static void test_fmt_ns(void)
{
	char small[4];

	check_fmt(0, "0ns");
	check_fmt(812, "812ns");
	check_fmt(999, "999ns");
	check_fmt(1000, "1.0us");
	check_fmt(12345, "12.3us");
	check_fmt(999900, "999.9us");
	check_fmt(4.56e6, "4.56ms");
	check_fmt(1.2e9, "1.20s");
	check_fmt(61e9, "61.00s");
	/* Rounding up must move to the next unit, not print "1000ns". */
	check_fmt(999.7, "1.0us");
	check_fmt(999960, "1.00ms");
	check_fmt(999996000, "1.00s");

	/* Truncates, NUL-terminated, never overflows. */
	memset(small, 'x', sizeof(small));
	fmt_ns(small, sizeof(small), 12345);
	CHECK_STR("12.", small);
}

/* Does dir hold a file whose name contains ".tmp."? */
static bool has_tmp_file(const char *dir)
{
	struct dirent *de;
	bool found = false;
	DIR *d = opendir(dir);

	if (!d)
		return false;
	while ((de = readdir(d)))
		if (strstr(de->d_name, ".tmp."))
			found = true;
	closedir(d);
	return found;
}

static bool file_equals(const char *path, const char *want)
{
	size_t len;
	char *s;
	bool eq;

	if (read_file(path, &s, &len))
		return false;
	eq = len == strlen(want) && !memcmp(s, want, len);
	free(s);
	return eq;
}

static void test_write_atomic_basic(const char *dir)
{
	char path[PATH_MAX], sub[PATH_MAX];

	join(path, dir, "result.json");
	CHECK_INT(0, write_file_atomic(path, "first\n", 6));
	CHECK(file_equals(path, "first\n"));
	CHECK_INT(0, write_file_atomic(path, "second, longer\n", 15));
	CHECK(file_equals(path, "second, longer\n"));
	CHECK_INT(0, write_file_atomic(path, "", 0));
	CHECK(file_equals(path, ""));
	CHECK(!has_tmp_file(dir));

	/* A missing directory: an error, nothing created. */
	join(sub, dir, "missing/result.json");
	CHECK_INT(-ENOENT, write_file_atomic(sub, "x", 1));
	CHECK(!path_exists(sub));

	/*
	 * A failed rename (the target is a non-empty directory) must remove the
	 * temporary file and leave the target alone.
	 */
	join(sub, dir, "busy");
	CHECK_INT(0, mkdir_p(sub, 0755));
	join(path, dir, "busy/keep");
	CHECK_INT(0, write_file_atomic(path, "keep", 4));
	CHECK(write_file_atomic(sub, "data", 4) < 0);
	CHECK(is_dir(sub));
	CHECK(file_equals(path, "keep"));
	CHECK(!has_tmp_file(dir));
}

/*
 * A write that fails half-way (ENOSPC on a 64 KiB tmpfs) must leave the old
 * content in place and no temporary file.  Needs root for mount(); skipped
 * otherwise.
 */
static void test_write_atomic_enospc(const char *dir)
{
	char mnt[PATH_MAX], path[PATH_MAX];
	const size_t big = 1 << 20;
	char *data;

	join(mnt, dir, "tiny");
	if (mkdir(mnt, 0755) < 0 || mount("tmpfs", mnt, "tmpfs", 0, "size=64k") < 0) {
		printf("skip: ENOSPC case needs mount(tmpfs): %s\n", strerror(errno));
		return;
	}
	data = malloc(big);
	if (!CHECK(data != NULL))
		goto out;
	memset(data, 'z', big);
	join(path, mnt, "result.json");
	CHECK_INT(0, write_file_atomic(path, "original", 8));
	CHECK_INT(-ENOSPC, write_file_atomic(path, data, big));
	CHECK(file_equals(path, "original"));
	CHECK(!has_tmp_file(mnt));
	free(data);
out:
	if (umount2(mnt, MNT_DETACH) < 0)
		printf("warning: umount %s: %s\n", mnt, strerror(errno));
}

static void touch(const char *dir, const char *name)
{
	char path[PATH_MAX];

	join(path, dir, name);
	CHECK_INT(0, write_file_atomic(path, "x", 1));
}

static void test_mkdir_p(const char *dir)
{
	char path[PATH_MAX];
	struct stat st;

	umask(022);
	join(path, dir, "a/b/c");
	CHECK_INT(0, mkdir_p(path, 0750));
	CHECK(is_dir(path));
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0750);
	CHECK_INT(0, mkdir_p(path, 0755));	/* exists: fine */

	join(path, dir, "d//e/");
	CHECK_INT(0, mkdir_p(path, 0700));
	join(path, dir, "d/e");
	CHECK(is_dir(path));

	/* A file in the way: below it and at the end. */
	touch(dir, "file");
	join(path, dir, "file/sub");
	CHECK_INT(-ENOTDIR, mkdir_p(path, 0755));
	join(path, dir, "file");
	CHECK_INT(-ENOTDIR, mkdir_p(path, 0755));

	CHECK_INT(-ENOENT, mkdir_p("", 0755));
	CHECK_INT(0, mkdir_p("/", 0755));
}

static void test_rm_rf(const char *dir)
{
	char tree[PATH_MAX], outside[PATH_MAX], path[PATH_MAX];

	join(tree, dir, "tree");
	join(outside, dir, "outside");
	join(path, tree, "x/y/z");
	CHECK_INT(0, mkdir_p(path, 0755));
	CHECK_INT(0, mkdir_p(outside, 0755));
	touch(outside, "precious");
	touch(tree, "f1");
	join(path, tree, "x/y");
	touch(path, "f2");
	/* A symlink to a directory is removed, not followed. */
	join(path, tree, "x/link");
	CHECK(symlink(outside, path) == 0);

	CHECK_INT(0, rm_rf(tree));
	CHECK(!path_exists(tree));
	join(path, outside, "precious");
	CHECK(file_equals(path, "x"));

	CHECK_INT(0, rm_rf(tree));		/* already gone: fine */
	CHECK_INT(0, rm_rf(path));		/* a plain file */
	CHECK(!path_exists(path));
	CHECK(is_dir(outside));
}

static void test_files(void)
{
	char dir[] = "/tmp/mmstall-test-util.XXXXXX";

	if (!CHECK(mkdtemp(dir) != NULL))
		return;
	test_write_atomic_basic(dir);
	test_write_atomic_enospc(dir);
	test_mkdir_p(dir);
	test_rm_rf(dir);
	CHECK_INT(0, rm_rf(dir));
	CHECK(!path_exists(dir));
}

int main(void)
{
	test_parse_duration();
	test_parse_size();
	test_parse_u64_range();
	test_fmt_ns();
	test_files();
	return test_summary();
}
