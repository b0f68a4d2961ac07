// SPDX-License-Identifier: GPL-2.0
/*
 * The host's end of the guest protocol on crafted input, no guest needed:
 *
 * - results disks (ustar images) a hostile or broken guest could leave:
 *   links to host files, device nodes, absolute names, "..", files over
 *   their caps, damaged or truncated archives, a result of the wrong
 *   shape.  Only regular files with expected names are taken, nothing is
 *   written outside the directory the extras go to, every refusal is noted.
 * - console streams: marks found once across any chunking, a flooding
 *   guest's log capped to its head and tail, and the one emulator fault
 *   told apart from a panic of the kernel under test.
 * - the result file: the vm record's keys, and a result that cannot be
 *   written (a full file system) is an error naming the file.
 *
 * Exit: 0 pass, 1 fail.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/proc.h"
#include "harness/util.h"
#include "harness/vm/console.h"
#include "harness/vm/guest_out.h"
#include "harness/vm/kernel.h"
#include "harness/vm/protocol.h"
#include "harness/vm/record.h"
#include "tests/test_util.h"

static char top[] = "/tmp/mmstall-test-guest-out-XXXXXX";

/* ---- a tar writer for crafted archives ---- */

struct tar {
	int fd;
	off_t off;
};

static void tar_header(struct tar *t, const char *name, char type, uint64_t size, const char *link)
{
	unsigned char h[512] = { 0 };
	unsigned int sum = 0, i;

	strncpy((char *)h, name, 100);
	snprintf((char *)h + 100, 8, "%07o", 0644);
	snprintf((char *)h + 108, 8, "%07o", 0);
	snprintf((char *)h + 116, 8, "%07o", 0);
	if (size < (1ULL << 33)) {
		snprintf((char *)h + 124, 12, "%011llo", (unsigned long long)(size & ((1ULL << 33) - 1)));
	} else {	/* GNU base-256 */
		h[124] = 0x80;
		for (i = 0; i < 8; i++)
			h[135 - i] = (unsigned char)(size >> (8 * i));
	}
	snprintf((char *)h + 136, 12, "%011o", 0);
	h[156] = type;
	if (link)
		strncpy((char *)h + 157, link, 100);
	memcpy(h + 257, "ustar\0" "00", 8);
	memset(h + 148, ' ', 8);
	for (i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	if (pwrite(t->fd, h, 512, t->off) != 512)
		abort();
	t->off += 512;
}

/* A regular file; data NULL: size bytes of 'x' (sparse when huge: nothing reads it all). */
static void tar_file(struct tar *t, const char *name, const char *data, uint64_t size)
{
	tar_header(t, name, '0', size, NULL);
	if (data && pwrite(t->fd, data, size, t->off) != (ssize_t)size)
		abort();
	if (!data && size <= (4u << 20)) {
		char *buf = malloc(size);

		memset(buf, 'x', size);
		if (pwrite(t->fd, buf, size, t->off) != (ssize_t)size)
			abort();
		free(buf);
	}
	t->off += (size + 511) / 512 * 512;
}

static void tar_text(struct tar *t, const char *name, const char *text)
{
	tar_file(t, name, text, strlen(text));
}

static void tar_other(struct tar *t, const char *name, char type, const char *link)
{
	tar_header(t, name, type, 0, link);
}

/* A 64 MiB sparse image like the results disk, the archive from its first byte. */
static struct tar tar_open(const char *path)
{
	struct tar t = { open(path, O_RDWR | O_CREAT | O_TRUNC, 0600), 0 };

	if (t.fd < 0 || ftruncate(t.fd, GUEST_OUT_DISK_BYTES))
		abort();
	return t;
}

static void tar_close(struct tar *t, bool end)
{
	static const char zero[1024];

	if (end && pwrite(t->fd, zero, sizeof(zero), t->off) != (ssize_t)sizeof(zero))
		abort();
	close(t->fd);
}

static const char good_result[] =
	"{\"format_version\": 1, \"status\": \"ok\", \"scenario\": {\"name\": \"x\"}, \"probes\": {}}";

static bool has_note(const struct guest_out *o, const char *a, const char *b)
{
	size_t i;

	for (i = 0; i < o->nr_notes; i++)
		if (strstr(o->notes[i], a) && (!b || strstr(o->notes[i], b)))
			return true;
	return false;
}

static void show_notes(const struct guest_out *o)
{
	size_t i;

	for (i = 0; i < o->nr_notes; i++)
		fprintf(stderr, "    note: %s\n", o->notes[i]);
}

static int read_img(const char *img, struct guest_out *o)
{
	char err[512];
	int ret = guest_out_read(img, o, err, sizeof(err));

	if (ret)
		fprintf(stderr, "    guest_out_read: %s\n", err);
	return ret;
}

/* ---- archives ---- */

static void test_good(void)
{
	char img[PATH_MAX], err[512];
	struct guest_out o;
	struct tar t;
	json_t *root;

	TEST_CONTEXT("a complete archive");
	snprintf(img, sizeof(img), "%s/good.img", top);
	t = tar_open(img);
	tar_other(&t, "./", '5', NULL);
	tar_text(&t, "./result.json", good_result);
	tar_text(&t, "./exit_code", "0\n");
	tar_text(&t, "./timings", "init_start 0.51\nrun_start 0.98\nrun_end 12.25\ntransfer 12.40\n");
	tar_text(&t, "./stderr.txt", "line 1\nline 2\nline 3\n");
	tar_text(&t, "./dmesg.txt", "[1.0] fine\n[2.0] WARNING: CPU: 1 PID: 7 at mm/x.c:1 f+0x1\n[3.0] ok\n");
	tar_close(&t, true);
	CHECK_INT(0, read_img(img, &o));
	CHECK(o.found);
	CHECK(o.complete);
	CHECK_INT(0, (int)o.nr_notes);
	CHECK_INT(0, guest_out_exit_code(&o));
	CHECK_DBL(0.98, guest_out_timing(&o, GUEST_T_RUN_START), 1e-9);
	CHECK_DBL(12.25, guest_out_timing(&o, GUEST_T_RUN_END), 1e-9);
	CHECK_DBL(-1, guest_out_timing(&o, "nonesuch"), 0);
	CHECK_INT(0, guest_out_result(&o, &root, err, sizeof(err)));
	CHECK(root && json_is_object(json_object_get(root, "probes")));
	json_decref(root);
	root = guest_out_warnings(&o, 50);
	CHECK_INT(1, (int)json_array_size(root));
	json_decref(root);
	guest_out_free(&o);
}

/* A guest's /out/result.json -> a host file: never read (issue 14 point 3). */
static void test_links_and_nodes(void)
{
	char img[PATH_MAX], err[512];
	struct guest_out o;
	struct tar t;
	json_t *root;

	TEST_CONTEXT("links and device nodes");
	snprintf(img, sizeof(img), "%s/links.img", top);
	t = tar_open(img);
	tar_other(&t, "result.json", '2', "/etc/passwd");
	tar_other(&t, "stderr.txt", '1', "/etc/shadow");
	tar_other(&t, "dmesg.txt", '2', "/dev/zero");
	tar_other(&t, "zero", '3', NULL);
	tar_other(&t, "disk", '4', NULL);
	tar_other(&t, "fifo", '6', NULL);
	tar_other(&t, "sub", '5', NULL);
	tar_text(&t, "exit_code", "0\n");
	tar_close(&t, true);
	CHECK_INT(0, read_img(img, &o));
	CHECK(o.complete);
	CHECK(!o.f[GUEST_OUT_RESULT].data);
	CHECK(!o.f[GUEST_OUT_STDERR].data);
	CHECK(!o.f[GUEST_OUT_DMESG].data);
	CHECK(has_note(&o, "symbolic link result.json", "not a regular file"));
	CHECK(has_note(&o, "hard link stderr.txt", NULL));
	CHECK(has_note(&o, "character device zero", NULL));
	CHECK(has_note(&o, "block device disk", NULL));
	CHECK(has_note(&o, "FIFO fifo", NULL));
	CHECK(has_note(&o, "directory sub", NULL));
	CHECK_INT(-ENOENT, guest_out_result(&o, &root, err, sizeof(err)));
	CHECK(strstr(err, "no result.json"));
	CHECK_INT(0, (int)o.nr_extra);
	if (test_failed)
		show_notes(&o);
	guest_out_free(&o);
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	if (d)
		closedir(d);
	return n;
}

/* Names that climb out, absolute names, hidden and nested ones: noted, never written. */
static void test_names(void)
{
	char img[PATH_MAX], dir[PATH_MAX], path[PATH_MAX + 256], err[512], long_name[200];
	struct guest_out o;
	struct tar t;

	TEST_CONTEXT("hostile names");
	snprintf(img, sizeof(img), "%s/names.img", top);
	snprintf(dir, sizeof(dir), "%s/run/6.12.files", top);
	mkdir_p(dir, 0755);
	rmdir(dir);
	t = tar_open(img);
	tar_text(&t, "../escape-up", "x");
	tar_text(&t, "./a/../../escape-mid", "x");
	tar_text(&t, "/tmp/escape-abs", "x");
	tar_text(&t, "sub/nested.txt", "x");
	tar_text(&t, ".hidden", "x");
	tar_text(&t, "ok-file.txt", "kept\n");
	/* a GNU long name for an extra file: taken like any other */
	memset(long_name, 'n', 150);
	strcpy(long_name + 150, ".txt");
	tar_header(&t, "././@LongLink", 'L', strlen(long_name) + 1, NULL);
	if (pwrite(t.fd, long_name, strlen(long_name) + 1, t.off) < 0)
		abort();
	t.off += 512;
	tar_text(&t, "truncated-name", "long\n");
	tar_text(&t, "result.json", good_result);
	tar_text(&t, "result.json", "{}");	/* a second copy: not taken */
	tar_close(&t, true);
	CHECK_INT(0, read_img(img, &o));
	CHECK(has_note(&o, "../escape-up", "'..'"));
	CHECK(has_note(&o, "escape-mid", "'..'"));
	CHECK(has_note(&o, "/tmp/escape-abs", "absolute"));
	CHECK(has_note(&o, "sub/nested.txt", "subdirectory"));
	CHECK(has_note(&o, ".hidden", "plain file name"));
	CHECK(has_note(&o, "result.json", "sent twice"));
	CHECK(o.f[GUEST_OUT_RESULT].data && !strcmp(o.f[GUEST_OUT_RESULT].data, good_result));
	CHECK_INT(2, (int)o.nr_extra);
	CHECK_INT(0, guest_out_save_extra(&o, dir, err, sizeof(err)));
	CHECK_INT(2, count_entries(dir));
	snprintf(path, sizeof(path), "%s/ok-file.txt", dir);
	CHECK(path_exists(path));
	snprintf(path, sizeof(path), "%s/%s", dir, long_name);
	CHECK(path_exists(path));
	/* nothing beside the directory, nothing above it, nothing absolute */
	snprintf(path, sizeof(path), "%s/run", top);
	CHECK_INT(1, count_entries(path));
	CHECK(!path_exists("/tmp/escape-abs"));
	snprintf(path, sizeof(path), "%s/escape-up", top);
	CHECK(!path_exists(path));
	if (test_failed)
		show_notes(&o);
	guest_out_free(&o);
}

/* Caps: a result over its cap is refused, a log over its cap keeps its tail. */
static void test_caps(void)
{
	char img[PATH_MAX], err[512];
	struct guest_out o;
	struct tar t;
	json_t *root;
	char *big;
	size_t n = (1u << 20) + 1000;

	TEST_CONTEXT("size caps");
	snprintf(img, sizeof(img), "%s/caps.img", top);
	big = malloc(n + 1);
	memset(big, 'a', n);
	memcpy(big + n - 8, "THE END\n", 8);
	big[n] = '\0';
	t = tar_open(img);
	tar_file(&t, "stderr.txt", big, n);
	tar_file(&t, "result.json", NULL, 50u << 20);	/* over its 48 MiB cap */
	tar_text(&t, "exit_code", "0\n");
	tar_close(&t, true);
	CHECK_INT(0, read_img(img, &o));
	CHECK(o.complete);
	CHECK(o.f[GUEST_OUT_STDERR].cut);
	CHECK_U64(1u << 20, o.f[GUEST_OUT_STDERR].len);
	CHECK(o.f[GUEST_OUT_STDERR].data && strstr(o.f[GUEST_OUT_STDERR].data, "THE END"));
	CHECK(o.f[GUEST_OUT_RESULT].refused);
	CHECK(has_note(&o, "result.json", "over its cap"));
	CHECK_INT(-EINVAL, guest_out_result(&o, &root, err, sizeof(err)));
	CHECK(strstr(err, "over the cap"));
	CHECK_INT(0, guest_out_exit_code(&o));
	guest_out_free(&o);
	free(big);
}

/* Damage: a bad checksum, a size past the disk's end, no end marker, an empty disk. */
static void test_damage(void)
{
	char img[PATH_MAX];
	unsigned char junk[512];
	struct guest_out o;
	struct tar t;

	TEST_CONTEXT("damaged archives");
	snprintf(img, sizeof(img), "%s/damage.img", top);
	t = tar_open(img);
	tar_text(&t, "result.json", good_result);
	memset(junk, 'J', sizeof(junk));
	if (pwrite(t.fd, junk, sizeof(junk), t.off) < 0)
		abort();
	tar_close(&t, false);
	CHECK_INT(0, read_img(img, &o));
	CHECK(o.found);
	CHECK(!o.complete);
	CHECK(o.f[GUEST_OUT_RESULT].data != NULL);
	CHECK(has_note(&o, "damaged", NULL));
	guest_out_free(&o);

	t = tar_open(img);
	tar_text(&t, "exit_code", "0\n");
	tar_header(&t, "stdout.txt", '0', 1ULL << 40, NULL);	/* past the end of the disk */
	tar_close(&t, false);
	CHECK_INT(0, read_img(img, &o));
	CHECK(!o.complete);
	CHECK(!o.f[GUEST_OUT_STDOUT].data);
	CHECK(has_note(&o, "damaged", NULL));
	guest_out_free(&o);

	t = tar_open(img);
	tar_close(&t, false);
	CHECK_INT(0, read_img(img, &o));
	CHECK(!o.found);
	CHECK(!o.complete);
	guest_out_free(&o);

	/* an exit code that is not a number */
	t = tar_open(img);
	tar_text(&t, "exit_code", "zero\n");
	tar_close(&t, true);
	CHECK_INT(0, read_img(img, &o));
	CHECK_INT(-1, guest_out_exit_code(&o));
	guest_out_free(&o);
}

/* A result of the wrong shape is refused with the key named (issue 14 point 3). */
static void test_shapes(void)
{
	static const struct {
		const char *json, *says;
	} cases[] = {
		{ "{\"format_version\": 1, \"status\": \"ok\", \"scenario\": {}, \"probes\": \"x\"}", "probes" },
		{ "{\"format_version\": 1, \"status\": 3, \"scenario\": {}}", "status" },
		{ "{\"format_version\": 2, \"status\": \"ok\"}", "format version" },
		{ "[1, 2]", "format version" },
		{ "{\"format_version\": 1, \"status\": \"ok\", \"scenario\": {}} trailing", "not JSON" },
		{ "{\"format_version\": 1, \"format_version\": 1}", "not JSON" },
	};
	char img[PATH_MAX], err[512];
	struct guest_out o;
	struct tar t;
	json_t *root;
	size_t i;

	snprintf(img, sizeof(img), "%s/shape.img", top);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		TEST_CONTEXT("result %s", cases[i].json);
		t = tar_open(img);
		tar_text(&t, "result.json", cases[i].json);
		tar_close(&t, true);
		CHECK_INT(0, read_img(img, &o));
		CHECK_INT(-EINVAL, guest_out_result(&o, &root, err, sizeof(err)));
		CHECK(!root);
		if (!CHECK(strstr(err, cases[i].says)))
			fprintf(stderr, "    message: %s\n", err);
		guest_out_free(&o);
	}
}

/* What busybox tar (the guest's) writes is read back whole. */
static void test_busybox_tar(void)
{
	char dir[PATH_MAX], img[PATH_MAX], path[PATH_MAX + 32], err[512];
	char *argv[] = { "busybox", "tar", "-cf", img, "-C", dir, "./result.json", "./exit_code", "./extra.bin", NULL };
	struct guest_out o;
	json_t *root;
	int fd;

	if (!have_program("busybox")) {
		printf("(busybox not installed: its tar format not checked)\n");
		return;
	}
	TEST_CONTEXT("busybox tar");
	snprintf(dir, sizeof(dir), "%s/bb", top);
	snprintf(img, sizeof(img), "%s/bb.img", top);
	mkdir_p(dir, 0755);
	snprintf(path, sizeof(path), "%s/result.json", dir);
	write_file_atomic(path, good_result, strlen(good_result));
	snprintf(path, sizeof(path), "%s/exit_code", dir);
	write_file_atomic(path, "0\n", 2);
	snprintf(path, sizeof(path), "%s/extra.bin", dir);
	write_file_atomic(path, "\0\1\2", 3);
	CHECK_INT(0, proc_run(argv, NULL, -1, -1, -2));
	fd = open(img, O_RDWR);
	CHECK(fd >= 0 && !ftruncate(fd, GUEST_OUT_DISK_BYTES));
	close(fd);
	CHECK_INT(0, read_img(img, &o));
	CHECK(o.complete);
	CHECK_INT(0, (int)o.nr_notes);
	CHECK_INT(0, guest_out_result(&o, &root, err, sizeof(err)));
	json_decref(root);
	CHECK_INT(1, (int)o.nr_extra);
	CHECK(o.nr_extra == 1 && o.extra[0].len == 3 && !memcmp(o.extra[0].data, "\0\1\2", 3));
	if (test_failed)
		show_notes(&o);
	guest_out_free(&o);
}

/* ---- the console ---- */

static uint64_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0 : (uint64_t)st.st_size;
}

static int marks_called[MARK_NR];

static void count_mark(void *arg, enum console_mark m, uint64_t ns)
{
	(void)arg;
	(void)ns;
	marks_called[m]++;
}

/* Feed text in pieces of 1, 2, 3... bytes: marks straddle every boundary. */
static void feed_chunked(struct console *c, const char *text, uint64_t *now)
{
	size_t len = strlen(text), off = 0, n = 1;

	while (off < len) {
		if (n > len - off)
			n = len - off;
		console_feed(c, text + off, n, (*now)++);
		off += n;
		n = n % 7 + 1;
	}
}

static void test_console_marks(void)
{
	static const char boot[] =
		"\033c\033[?7l\033[2J\033[0mSeaBIOS (version 1.16.2)\r\n"
		"[    1.90] Run /init as init process\r\n"
		GUEST_MARK_RUN "\n"
		"mmstall: cgroups ...\n"
		"mmstall: " GUEST_MARK_MEASURE " warm-up 1.0 s, then measuring 5.0 s\n"
		GUEST_MARK_EXITED " with status 0\n"
		GUEST_MARK_SENDING "\n" GUEST_MARK_RUN "\n" GUEST_MARK_SENT "\n";
	char path[PATH_MAX], *tail, *text = NULL;
	struct console c;
	uint64_t now = 1000;

	TEST_CONTEXT("console marks");
	snprintf(path, sizeof(path), "%s/marks.console.log", top);
	memset(marks_called, 0, sizeof(marks_called));
	CHECK_INT(0, console_open(&c, path, 1 << 20, 1 << 20, 999));
	c.on_mark = count_mark;
	feed_chunked(&c, boot, &now);
	CHECK(console_saw(&c, MARK_RUN));
	CHECK(console_saw(&c, MARK_MEASURE));
	CHECK(console_saw(&c, MARK_EXITED));
	CHECK(console_saw(&c, MARK_SENDING));
	CHECK(console_saw(&c, MARK_SENT));
	CHECK(!console_saw(&c, MARK_PANIC));
	CHECK(!console_saw(&c, MARK_PROBE));
	CHECK_INT(1, marks_called[MARK_RUN]);	/* once, though printed twice */
	CHECK(c.mark_ns[MARK_RUN] < c.mark_ns[MARK_MEASURE]);
	CHECK_INT(0, console_close(&c));
	tail = console_tail(&c, 2);
	CHECK_STR(GUEST_MARK_RUN "\n" GUEST_MARK_SENT, tail);
	free(tail);
	console_free(&c);
	/* the log is the stream as it came, escapes and all */
	CHECK(!read_file(path, &text, NULL) && !strcmp(text, boot));
	free(text);
}

/* A flooding guest: the log keeps its head and tail and says what was cut (issue 14 point 4). */
static void test_console_flood(void)
{
	char path[PATH_MAX], line[64], *text = NULL, *tail;
	size_t head = 64 << 10, keep = 128 << 10, len;
	uint64_t total = 0, now = 1;
	struct console c;
	int i;

	TEST_CONTEXT("console flood");
	snprintf(path, sizeof(path), "%s/flood.console.log", top);
	CHECK_INT(0, console_open(&c, path, head, keep, 0));
	console_feed(&c, "FIRST LINE\n", 11, now++);
	total += 11;
	for (i = 0; i < 200000; i++) {
		len = snprintf(line, sizeof(line), "flood line %d\n", i);
		console_feed(&c, line, len, now++);
		total += len;
	}
	console_feed(&c, "Kernel panic - not syncing: LAST\n", 33, now++);
	total += 33;
	CHECK_U64(total, c.total);
	CHECK_U64(total - head - keep, console_dropped(&c));
	CHECK(console_saw(&c, MARK_PANIC));
	CHECK_STR("Kernel panic - not syncing: LAST", c.panic_line);
	/* while it ran, the file never grew past head + tail */
	CHECK(file_size(path) <= head + keep);
	CHECK_INT(0, console_close(&c));
	CHECK(file_size(path) <= head + keep + 200);
	CHECK(!read_file(path, &text, NULL));
	CHECK(text && !strncmp(text, "FIRST LINE\nflood line 0\n", 24));
	CHECK(text && strstr(text, "bytes of console output cut here"));
	CHECK(text && strstr(text, "flood line 199999\nKernel panic - not syncing: LAST\n"));
	free(text);
	tail = console_tail(&c, 2);
	CHECK_STR("flood line 199999\nKernel panic - not syncing: LAST", tail);
	free(tail);
	console_free(&c);
}

/* The one retried panic: an int3 Oops before the measurement (issue 14 point 5). */
static void test_emulator_fault(void)
{
	static const struct {
		const char *console;
		bool retry;
	} cases[] = {
		/* 6.12: an int3 at a jump-label site while a throttle flips a static key */
		{ GUEST_MARK_RUN "\n[ 5.1] Oops: int3: 0000 [#1] PREEMPT SMP NOPTI\n[ 5.1] RIP: 0010:put_prev_entity+0x5\n"
		  "[ 5.2] Kernel panic - not syncing: Fatal exception\n", true },
		/* 6.1 spells it without "Oops:" */
		{ "[ 2.0] int3: 0000 [#1] SMP NOPTI\n[ 2.1] Kernel panic - not syncing: Fatal exception in interrupt\n",
		  true },
		/* the kernel under test: a panic with its own backtrace */
		{ GUEST_MARK_RUN "\n[ 4.0] sysrq: Trigger a crash\n[ 4.0] Kernel panic - not syncing: sysrq triggered crash\n",
		  false },
		/* an int3 once the measurement started is the kernel's result too */
		{ "mmstall: " GUEST_MARK_MEASURE " warm-up\n[ 9.0] Oops: int3: 0000 [#1]\n[ 9.1] Kernel panic - not "
		  "syncing: Fatal exception\n", false },
		/* an int3 that did not end in a panic: nothing to retry */
		{ "[ 2.0] int3: 0000 [#1] SMP NOPTI\n", false },
		{ "[ 2.1] Kernel panic - not syncing: VFS: Unable to mount root fs\n", false },
	};
	struct console c;
	uint64_t now = 1;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		TEST_CONTEXT("emulator fault, case %zu", i);
		console_open(&c, NULL, 0, 4096, 0);
		feed_chunked(&c, cases[i].console, &now);
		console_close(&c);
		CHECK_INT(cases[i].retry, console_emulator_fault(&c));
		console_free(&c);
	}
}

/* ---- the result file ---- */

static void test_record(void)
{
	struct vm_kernel k = { .label = "6.12", .spec = "deb:linux-image-6.12" };
	char dir[PATH_MAX], path[PATH_MAX + 32], err[PATH_MAX + 256], *big;
	struct vm_record r;
	json_t *vm, *guest, *t;

	TEST_CONTEXT("vm record");
	vm_record_init(&r);
	r.k = &k;
	r.accel_reason = "forced by --accel";
	r.guest_protocol = GUEST_PROTOCOL_VERSION;
	r.console_bytes = 123;
	r.t.booted = true;
	r.t.prepare_s = 1.5;
	r.t.boot_s = r.t.qemu_s = r.t.wall_s = r.t.overhead_s = 2;
	r.t.guest_run_s = r.t.boot_to_result_s = r.t.transfer_s = r.t.poweroff_s = r.t.collect_s = NAN;
	r.t.teardown_s = 0.25;
	vm_record_note(&r, "dmesg.txt: 3000000 bytes, only its last 2097152 taken");
	snprintf(r.slow_teardown, sizeof(r.slow_teardown), "stopped");
	vm = vm_record_json(&r);
	CHECK_STR("tcg", json_string_value(json_object_get(vm, "accelerator")));
	CHECK_INT(GUEST_PROTOCOL_VERSION, (int)json_integer_value(json_object_get(vm, "guest_protocol")));
	CHECK_INT(123, (int)json_integer_value(json_object_get(vm, "console_bytes")));
	CHECK_INT(0, (int)json_integer_value(json_object_get(vm, "console_dropped_bytes")));
	CHECK_INT(1, (int)json_array_size(json_object_get(vm, "guest_out_notes")));
	CHECK_STR("stopped", json_string_value(json_object_get(vm, "slow_teardown")));
	CHECK(!json_object_get(vm, "boot_retry") && !json_object_get(vm, "guest_files"));
	t = json_object_get(vm, "timings");
	CHECK_DBL(0.25, json_number_value(json_object_get(t, "teardown_s")), 1e-9);
	CHECK(json_is_null(json_object_get(t, "transfer_s")));
	CHECK(json_is_null(json_object_get(t, "guest_run_s")));
	CHECK(json_is_number(json_object_get(t, "overhead_s")));
	json_decref(vm);

	/* a result that does not fit: an error naming the file and the reason */
	snprintf(dir, sizeof(dir), "%s/full", top);
	mkdir_p(dir, 0755);
	if (mount("tmpfs", dir, "tmpfs", 0, "size=64k")) {
		printf("(cannot mount a tmpfs: %s; the full file system not tested)\n", strerror(errno));
	} else {
		TEST_CONTEXT("result on a full file system");
		big = malloc(200000);
		memset(big, 'a', 199999);
		big[199999] = '\0';
		guest = json_pack("{s:i,s:s,s:{},s:s}", "format_version", 1, "status", "ok", "scenario", "pad", big);
		snprintf(path, sizeof(path), "%s/6.12.json", dir);
		CHECK_INT(-ENOSPC, vm_result_save(path, guest, &r, NULL, "", err, sizeof(err)));
		CHECK(strstr(err, path) && strstr(err, "No space left"));
		CHECK(!path_exists(path));
		CHECK_INT(0, count_entries(dir));	/* no temporary file left either */
		json_decref(guest);
		free(big);
		umount2(dir, MNT_DETACH);
	}
	vm_record_free(&r);
}

int main(void)
{
	if (!mkdtemp(top)) {
		perror("mkdtemp");
		return 1;
	}
	test_good();
	test_links_and_nodes();
	test_names();
	test_caps();
	test_damage();
	test_shapes();
	test_busybox_tar();
	test_console_marks();
	test_console_flood();
	test_emulator_fault();
	test_record();
	TEST_CONTEXT_CLEAR();
	if (!test_failed)
		rm_rf(top);
	else
		fprintf(stderr, "files kept in %s\n", top);
	return test_summary();
}
