// SPDX-License-Identifier: GPL-2.0
/*
 * End to end: 'mmstall vm' boots a Debian 6.12 kernel under QEMU and runs
 * the scenario in it; the result file must show the inversion's moving
 * parts (probes sampled, lo faulting through the throttle) and the run
 * must leave nothing behind (no QEMU, no temporary directory, no cgroup).
 *
 * Cheaper cases first check the VM plumbing alone with --guest-cmd: a
 * hand-made result comes back; a failing guest command, a hung guest
 * (timeout), a guest kernel panic and SIGINT each end as documented.
 * Then the guest as untrusted input (issue 14): a results disk holding a
 * link to a host file, a result of the wrong shape, more in /out than the
 * results disk takes, a flooding console, a guest that never powers off
 * after sending; a results directory on a full file system (vm and
 * compare); and a guest whose teardown leaves much dirty data behind a
 * throttled writeback cgroup (issue 10 point 3).
 *
 * Usage: test_vm_e2e [PATH-TO-MMSTALL]   (else $MMSTALL)
 * Exit: 0 pass, 1 fail, 77 skip (no QEMU or no apt here).
 */
#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sys/mount.h>

#include "harness/util.h"
#include "harness/vm/protocol.h"
#include "tests/test_util.h"

#define KERNEL "6.12=deb:linux-image-6.12"
#define SMALL_DISK "--file-size", "64M", "--lo-memory-max", "16M", "--hi-file-size", "8M"

enum op {
	OP_GT0,		/* a number > 0 */
	OP_EQ,		/* a string equal to arg, or an integer equal to atoll(arg) */
	OP_ONE_OF,	/* a string among the '|'-separated words of arg */
	OP_HAS,		/* a non-empty string */
	OP_CONTAINS,	/* a string containing arg */
	OP_PREFIX,	/* a string starting with arg */
	OP_EMPTY,	/* an empty array */
	OP_ABSENT,	/* no such key */
	OP_LT,		/* a number < atof(arg) */
};

/* path: keys separated by '.'; '*' means every member (at least one). */
struct expect {
	const char *path;
	enum op op;
	const char *arg;
};

struct vm_case {
	const char *name;
	const char *args[24];	/* after "mmstall vm --kernel KERNEL --results DIR"; "%TOP%": the test's directory */
	int exit_code;
	bool interrupt;		/* SIGINT once the guest runs its command */
	unsigned int timeout_s;	/* hard limit for the whole command */
	const struct expect *expects;
	const char *command;	/* "compare"; NULL: "vm" */
	const char *result;	/* the result file checked; NULL: 6.12.json; "-": none may exist */
	bool full_fs;		/* results on a 2 MiB tmpfs */
	const char *stderr_has[3];	/* mmstall's messages must say these */
	const char *stderr_lacks;	/* ... and not this */
	const char *absent_file;	/* must not exist in the results directory */
	uint64_t max_console;	/* the console log's size limit; 0: none */
};

/* Guest shell: $o is the results disk (found by its serial, as /init does). */
#define FIND_OUT "for d in /sys/block/vd*; do [ \"$(cat $d/serial)\" = " GUEST_DISK_OUT " ] && o=${d##*/}; done; "
/* A result that passes result_check(). */
#define OK_RESULT "{\"format_version\": 1, \"status\": \"ok\", \"scenario\": {}, \"probes\": {}}"
#define WRITE_OK_RESULT "printf '%s' '" OK_RESULT "' >/out/result.json; "
/* The guest's own archive of DIR on the results disk, bypassing /init's send. */
#define OWN_TAR(dir) FIND_OUT "tar -cf - -C " dir " . | dd of=/dev/$o conv=fsync 2>/dev/null; "

static const struct expect expect_transfer[] = {
	{ "format_version", OP_EQ, "1" },
	{ "status", OP_EQ, "ok" },
	{ "marker", OP_EQ, "mmstall-e2e" },
	{ "guest_release", OP_PREFIX, "6.12" },
	{ "vm.label", OP_EQ, "6.12" },
	{ "vm.kernel_release", OP_PREFIX, "6.12" },
	{ "vm.package", OP_PREFIX, "linux-image-6.12" },
	{ "vm.package_version", OP_HAS, NULL },
	{ "vm.accelerator", OP_ONE_OF, "tcg|kvm" },
	{ "vm.accelerator_reason", OP_HAS, NULL },
	{ "vm.qemu_version", OP_HAS, NULL },
	{ "vm.qemu_argv.*", OP_HAS, NULL },
	{ "vm.console_log", OP_EQ, "6.12.console.log" },
	{ "vm.guest_exit_code", OP_EQ, "0" },
	{ "vm.timings.wall_s", OP_GT0, NULL },
	{ "vm.timings.boot_to_result_s", OP_GT0, NULL },
	{ "vm.timings.teardown_s", OP_GT0, NULL },
	{ "vm.timings.transfer_s", OP_GT0, NULL },
	{ "vm.guest_protocol", OP_EQ, "2" },
	{ "vm.console_dropped_bytes", OP_EQ, "0" },
	{ "vm.guest_files", OP_EQ, "6.12.files" },
	{ "vm.slow_teardown", OP_ABSENT, NULL },
	{ .path = NULL },
};

static const struct expect expect_guest_fails[] = {
	{ "format_version", OP_EQ, "1" },
	{ "status", OP_EQ, "failed" },
	{ "error", OP_CONTAINS, "status 3" },
	{ "error", OP_CONTAINS, "boom" },
	{ "vm.guest_exit_code", OP_EQ, "3" },
	{ "vm.accelerator", OP_ONE_OF, "tcg|kvm" },
	{ .path = NULL },
};

static const struct expect expect_timeout[] = {
	{ "format_version", OP_EQ, "1" },
	{ "status", OP_EQ, "failed" },
	{ "error", OP_CONTAINS, "timeout" },
	{ "error", OP_CONTAINS, "last console lines" },
	{ "vm.label", OP_EQ, "6.12" },
	{ .path = NULL },
};

/* A panic of the kernel under test is its result at once: not booted twice (issue 14 point 5). */
static const struct expect expect_panic[] = {
	{ "status", OP_EQ, "failed" },
	{ "error", OP_CONTAINS, "guest kernel panicked" },
	{ "error", OP_CONTAINS, "sysrq triggered crash" },
	{ "vm.boot_retry", OP_ABSENT, NULL },
	{ .path = NULL },
};

/* A link to a host file is never followed (issue 14 point 3). */
static const struct expect expect_host_link[] = {
	{ "status", OP_EQ, "failed" },
	{ "error", OP_CONTAINS, "no result: symbolic link result.json" },
	{ "marker", OP_ABSENT, NULL },
	{ "vm.guest_out_notes.*", OP_CONTAINS, "symbolic link result.json" },
	{ .path = NULL },
};

static const struct expect expect_wrong_shape[] = {
	{ "status", OP_EQ, "failed" },
	{ "error", OP_CONTAINS, "wrong shape" },
	{ "error", OP_CONTAINS, "probes" },
	{ .path = NULL },
};

/* More in /out than the results disk takes: the result comes home, the rest is named (point 4). */
static const struct expect expect_out_too_big[] = {
	{ "status", OP_EQ, "ok" },
	{ "vm.guest_out_notes.*", OP_CONTAINS, "big.bin" },
	{ .path = NULL },
};

static const struct expect expect_flood[] = {
	{ "status", OP_EQ, "ok" },
	{ "vm.console_dropped_bytes", OP_GT0, NULL },
	{ "vm.console_bytes", OP_GT0, NULL },
	{ .path = NULL },
};

/*
 * Results sent, then no power-off: the result is taken, the slow teardown
 * noted (issue 10 point 3); QEMU is stopped soon after the mark, not at
 * the timeout.
 */
static const struct expect expect_no_poweroff[] = {
	{ "status", OP_EQ, "ok" },
	{ "vm.slow_teardown", OP_CONTAINS, "after the guest's results arrived" },
	{ "vm.timings.poweroff_s", OP_LT, "30" },
	{ .path = NULL },
};

/* ... and without the mark: the complete archive found at the timeout is taken. */
static const struct expect expect_timeout_taken[] = {
	{ "status", OP_EQ, "ok" },
	{ "vm.slow_teardown", OP_CONTAINS, "timeout" },
	{ .path = NULL },
};

/* Much dirty data under a tight wbps: results first, no wait on the data disk. */
static const struct expect expect_dirty_teardown[] = {
	{ "status", OP_EQ, "ok" },
	{ "scenario.name", OP_EQ, "dirty-throttle" },
	{ "probes.*.corrected.count", OP_GT0, NULL },
	{ "vm.timings.teardown_s", OP_LT, "10" },
	{ "vm.timings.overhead_s", OP_LT, "60" },
	{ "vm.slow_teardown", OP_ABSENT, NULL },
	{ .path = NULL },
};

static const struct expect expect_interrupt[] = {
	{ "status", OP_EQ, "failed" },
	{ "error", OP_CONTAINS, "interrupt" },
	{ .path = NULL },
};

static const struct expect expect_full[] = {
	{ "format_version", OP_EQ, "1" },
	{ "status", OP_EQ, "ok" },
	{ "probes.*.corrected.count", OP_GT0, NULL },
	{ "probes.*.service.count", OP_GT0, NULL },
	{ "cgroups.lo.memory_stat.pgmajfault", OP_GT0, NULL },
	{ "cgroups.lo.io_stat.rios", OP_GT0, NULL },
	{ "throttle.kind", OP_HAS, NULL },
	{ "vm.accelerator", OP_ONE_OF, "tcg|kvm" },
	{ "vm.kernel_release", OP_PREFIX, "6.12" },
	{ "vm.guest_exit_code", OP_EQ, "0" },
	{ "vm.guest_kernel_warnings", OP_EMPTY, NULL },
	{ "vm.timings.overhead_s", OP_GT0, NULL },
	{ .path = NULL },
};

/*
 * Every named scenario, briefly, as a user runs it: complete result, the
 * scenario's throttle applied, lo faulting and writing (but in control).
 */
#define SCENARIO_EXPECTS(id, name, throttle, ...)                                  \
	static const struct expect expect_##id[] = {                               \
		{ "status", OP_EQ, "ok" },                                          \
		{ "scenario.name", OP_EQ, name },                                   \
		{ "probes.*.corrected.count", OP_GT0, NULL },                       \
		{ "probes.maps.corrected.count", OP_GT0, NULL },                    \
		{ "throttle.kind", OP_EQ, throttle },                               \
		{ "vm.guest_kernel_warnings", OP_EMPTY, NULL },                     \
		__VA_ARGS__                                                         \
		{ .path = NULL },                                                   \
	}
#define LO_BUSY { "lo.touches", OP_GT0, NULL }, { "lo.writer_ops", OP_GT0, NULL },
SCENARIO_EXPECTS(ps_latency, "ps-latency", "io.max", LO_BUSY { "cgroups.lo.io_stat.rios", OP_GT0, NULL },);
SCENARIO_EXPECTS(mkwrite, "mkwrite", "io.max", LO_BUSY { "lo.fault_mode", OP_EQ, "write-shared" },);
SCENARIO_EXPECTS(reclaim, "reclaim", "io.max", LO_BUSY { "scenario.write_percent", OP_EQ, "5" },);
SCENARIO_EXPECTS(dirty_throttle, "dirty-throttle", "io.max",
		 LO_BUSY { "lo.fault_mode", OP_EQ, "write-shared" }, { "cgroups.lo.io_stat.rios", OP_GT0, NULL },);
SCENARIO_EXPECTS(swap, "swap", "io.cost", LO_BUSY { "cgroups.lo.memory_stat.pgmajfault", OP_GT0, NULL },);
SCENARIO_EXPECTS(cpu_throttle, "cpu-throttle", "cpu.max", LO_BUSY);
SCENARIO_EXPECTS(same_vma, "same-vma", "io.max", LO_BUSY { "lo.writer", OP_EQ, "mprotect-faulted" },);
/* each THP fault over memory.high may sleep 2 s: a 3 s window can hold no completed touch */
SCENARIO_EXPECTS(thp_high, "thp-high", "none", { "lo.fault_mode", OP_EQ, "thp" },
		 { "kernel.transparent_hugepage", OP_HAS, NULL },);
SCENARIO_EXPECTS(control, "control", "none", { "lo.touches", OP_EQ, "0" },);

/* A throttle the kernel lacks is refused, by name, and the variant fails. */
static const struct expect expect_no_iolatency[] = {
	{ "status", OP_EQ, "failed" },
	{ "error", OP_CONTAINS, "io.latency" },
	{ "error", OP_CONTAINS, "CONFIG_BLK_CGROUP_IOLATENCY" },
	{ .path = NULL },
};

/*
 * Background I/O and the device baseline: fio from the host's tools disk,
 * the baseline before the scenario, a random-read job in lo until the end.
 */
static const struct expect expect_fio[] = {
	{ "status", OP_EQ, "ok" },
	{ "scenario.fio_lo", OP_EQ, "randread" },
	{ "scenario.device_baseline", OP_EQ, "on" },
	{ "fio.version", OP_PREFIX, "fio-" },
	{ "fio.binary", OP_EQ, "/tools/bin/fio" },
	{ "fio.baseline.status", OP_EQ, "ok" },
	{ "fio.baseline.read.ios", OP_GT0, NULL },
	{ "fio.baseline.read.iops", OP_GT0, NULL },
	{ "fio.baseline.read.clat_p50_ns", OP_GT0, NULL },
	{ "fio.baseline.read.clat_p99_ns", OP_GT0, NULL },
	{ "fio.lo.status", OP_EQ, "ok" },
	{ "fio.lo.group", OP_EQ, "lo" },
	{ "fio.lo.job_file", OP_EQ, "randread" },
	{ "fio.lo.job_text", OP_CONTAINS, "rw=randread" },
	{ "fio.lo.jobs.*.read.ios", OP_GT0, NULL },
	{ "fio.lo.jobs.*.read.clat_p99_ns", OP_GT0, NULL },
	{ "cgroups.lo.io_stat.rios", OP_GT0, NULL },	/* fio's reads are charged to lo */
	{ "probes.*.corrected.count", OP_GT0, NULL },
	{ "vm.tools_disk", OP_CONTAINS, "/disks/tools-" },
	{ "vm.guest_kernel_warnings", OP_EMPTY, NULL },
	{ .path = NULL },
};

#define SCENARIO_CASE(name, id) \
	{ "scenario " name, { "--scenario", name, "--duration", "3s", "--warmup", "1s" }, 0, false, 900, expect_##id }

/* the cases leave the later fields (command, result, ...) out: zero means the default */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#define GUEST_CMD_CASE SMALL_DISK, "--duration", "1s", "--warmup", "0", "--guest-cmd"

static const struct vm_case cases[] = {
	{ "transfer",
	  { SMALL_DISK, "--duration", "1s", "--warmup", "0", "--guest-cmd",
	    "printf '{\"format_version\": 1, \"status\": \"ok\", \"scenario\": {}, \"marker\": \"mmstall-e2e\", "
	    "\"guest_release\": \"%s\"}' \"$(uname -r)\" >/out/result.json; echo more >/out/extra.txt" },
	  0, false, 1200, expect_transfer },
	{ "guest-fails",
	  { SMALL_DISK, "--duration", "1s", "--warmup", "0", "--guest-cmd", "echo boom >&2; exit 3" },
	  1, false, 300, expect_guest_fails },
	{ "timeout",
	  { SMALL_DISK, "--duration", "1s", "--warmup", "0", "--timeout-margin", "5s", "--guest-cmd",
	    "sleep 600" },
	  1, false, 300, expect_timeout },
	{ "panic",
	  { SMALL_DISK, "--duration", "1s", "--warmup", "0", "--guest-cmd", "echo c >/proc/sysrq-trigger" },
	  1, false, 300, expect_panic, .absent_file = "6.12.console.log.boot1",
	  .stderr_lacks = "booting once more" },
	{ "result links to a host file",
	  { GUEST_CMD_CASE, "mkdir /tmp/e; ln -s %TOP%/host-result.json /tmp/e/result.json; echo 0 >/tmp/e/exit_code; "
	    OWN_TAR("/tmp/e") "poweroff -f -n" },
	  1, false, 300, expect_host_link },
	{ "result of the wrong shape",
	  { GUEST_CMD_CASE, "echo '{\"format_version\": 1, \"status\": \"ok\", \"scenario\": {}, "
	    "\"probes\": \"x\"}' >/out/result.json" },
	  1, false, 300, expect_wrong_shape },
	{ "more in /out than the results disk takes",
	  { GUEST_CMD_CASE, WRITE_OK_RESULT "head -c 104857600 /dev/zero >/out/big.bin" },
	  0, false, 300, expect_out_too_big },
	{ "console flood",
	  { GUEST_CMD_CASE, WRITE_OK_RESULT "yes 'mmstall e2e console flood line' | head -c 10485760 >/dev/console" },
	  0, false, 600, expect_flood, .max_console = GUEST_CONSOLE_HEAD_BYTES + GUEST_CONSOLE_TAIL_BYTES + 1024 },
	{ "results sent, no power off",
	  { GUEST_CMD_CASE, "mkdir /tmp/e; echo '" OK_RESULT "' >/tmp/e/result.json; echo 0 >/tmp/e/exit_code; "
	    OWN_TAR("/tmp/e") "echo '" GUEST_MARK_SENT "' >/dev/console; sleep 600" },
	  0, false, 300, expect_no_poweroff },
	{ "results written, no power off, timeout",
	  { GUEST_CMD_CASE, "mkdir /tmp/e; echo '" OK_RESULT "' >/tmp/e/result.json; echo 0 >/tmp/e/exit_code; "
	    OWN_TAR("/tmp/e") "sleep 600", "--timeout-margin", "5s" },
	  0, false, 300, expect_timeout_taken },
	{ "results on a full file system",
	  { GUEST_CMD_CASE, "head -c 3000000 /dev/zero | tr '\\0' a >/tmp/pad; "
	    "printf '{\"format_version\": 1, \"status\": \"ok\", \"scenario\": {}, \"pad\": \"%s\"}' "
	    "\"$(cat /tmp/pad)\" >/out/result.json" },
	  1, false, 300, NULL, .result = "-", .full_fs = true,
	  .stderr_has = { "cannot write result", "No space left on device", "/6.12.json" },
	  .stderr_lacks = "0 of 1 variants failed" },
	{ "compare stops on a full file system",
	  { GUEST_CMD_CASE, "head -c 3000000 /dev/zero | tr '\\0' a >/tmp/pad; "
	    "printf '{\"format_version\": 1, \"status\": \"ok\", \"scenario\": {}, \"pad\": \"%s\"}' "
	    "\"$(cat /tmp/pad)\" >/out/result.json", "--reps", "3" },
	  1, false, 300, NULL, .command = "compare", .result = "-", .full_fs = true,
	  .stderr_has = { "cannot write result", "/6.12.rep1.json" }, .absent_file = "6.12.rep2.console.log" },
	{ "dirty teardown",
	  { "--scenario", "dirty-throttle", "--io-max-wbps", "256k", "--duration", "5s", "--warmup", "1s" },
	  0, false, 900, expect_dirty_teardown },
	{ "interrupt",
	  { SMALL_DISK, "--duration", "1s", "--warmup", "0", "--guest-cmd", "sleep 600" },
	  130, true, 300, expect_interrupt },
	/* vm says what its run means: the conclusion, a single boot's index without an interval */
	{ "scenario",
	  { "--duration", "8s", "--warmup", "2s" },
	  0, false, 1800, expect_full, .stderr_has = { "Conclusion:", "from 1 run (no interval below 3 runs)" } },
	SCENARIO_CASE("ps-latency", ps_latency),
	SCENARIO_CASE("mkwrite", mkwrite),
	SCENARIO_CASE("reclaim", reclaim),
	SCENARIO_CASE("dirty-throttle", dirty_throttle),
	SCENARIO_CASE("swap", swap),
	SCENARIO_CASE("cpu-throttle", cpu_throttle),
	SCENARIO_CASE("same-vma", same_vma),
	SCENARIO_CASE("thp-high", thp_high),
	SCENARIO_CASE("control", control),
	{ "throttle the kernel lacks",
	  { SMALL_DISK, "--duration", "1s", "--warmup", "0", "--throttle", "io.latency" },
	  1, false, 300, expect_no_iolatency },
	{ "fio",
	  { SMALL_DISK, "--duration", "3s", "--warmup", "1s", "--fio-lo", "randread", "--device-baseline", "on" },
	  0, false, 600, expect_fio },
};

static const char *mmstall;

/* ---- JSON paths ---- */

static const char *op_name(enum op op)
{
	static const char *const names[] = {
		"a number > 0", "equal to", "one of", "a non-empty string", "a string containing",
		"a string starting with", "an empty array", "absent", "a number below",
	};

	return names[op];
}

static bool leaf_ok(const json_t *v, const struct expect *e)
{
	const char *s = json_is_string(v) ? json_string_value(v) : NULL;

	switch (e->op) {
	case OP_GT0:
		return json_is_number(v) && json_number_value(v) > 0;
	case OP_EQ:
		if (json_is_integer(v))
			return json_integer_value(v) == atoll(e->arg);
		return s && !strcmp(s, e->arg);
	case OP_ONE_OF: {
		size_t n = s ? strlen(s) : 0;
		const char *w = e->arg;

		for (; s && w; w = strchr(w, '|') ? strchr(w, '|') + 1 : NULL)
			if (!strncmp(w, s, n) && (w[n] == '|' || !w[n]))
				return true;
		return false;
	}
	case OP_HAS:
		return s && *s;
	case OP_CONTAINS:
		return s && strstr(s, e->arg);
	case OP_PREFIX:
		return s && !strncmp(s, e->arg, strlen(e->arg));
	case OP_EMPTY:
		return json_is_array(v) && !json_array_size(v);
	case OP_ABSENT:
		return !v;
	case OP_LT:
		return json_is_number(v) && json_number_value(v) < atof(e->arg);
	}
	return false;
}

static void report_leaf(const char *where, const json_t *v, const struct expect *e)
{
	char *found = v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;

	test_report(false, __FILE__, __LINE__);
	fprintf(stderr, "%s: expected %s%s%s, found %.300s\n", where, op_name(e->op), e->arg ? " " : "",
		e->arg ? e->arg : "", found ? found : "(missing)");
	free(found);
}

/* Walk path from v; every leaf reached must pass. */
static void check_path(const json_t *v, const char *path, char *where, size_t wlen, const struct expect *e)
{
	const char *dot = strchr(path, '.');
	size_t klen = dot ? (size_t)(dot - path) : strlen(path), used = strlen(where), i;
	char key[128];
	const char *k;
	json_t *child;

	if (!*path) {
		if (leaf_ok(v, e))
			test_report(true, __FILE__, __LINE__);
		else
			report_leaf(where, v, e);
		return;
	}
	snprintf(key, sizeof(key), "%.*s", (int)klen, path);
	if (strcmp(key, "*")) {
		snprintf(where + used, wlen - used, "%s%s", used ? "." : "", key);
		check_path(json_object_get(v, key), dot ? dot + 1 : "", where, wlen, e);
		where[used] = '\0';
		return;
	}
	if (!json_object_size(v) && !json_array_size(v)) {
		report_leaf(where, v, e);
		return;
	}
	json_object_foreach((json_t *)v, k, child) {
		snprintf(where + used, wlen - used, "%s%s", used ? "." : "", k);
		check_path(child, dot ? dot + 1 : "", where, wlen, e);
	}
	json_array_foreach(v, i, child) {
		snprintf(where + used, wlen - used, "[%zu]", i);
		check_path(child, dot ? dot + 1 : "", where, wlen, e);
	}
	where[used] = '\0';
}

static void check_result(const char *file, const struct expect *expects)
{
	json_error_t je;
	json_t *root = json_load_file(file, 0, &je);
	char where[512];

	if (!root) {
		test_report(false, __FILE__, __LINE__);
		fprintf(stderr, "%s: expected a JSON result, found none (%s)\n", file, je.text);
		return;
	}
	for (; expects->path; expects++) {
		where[0] = '\0';
		check_path(root, expects->path, where, sizeof(where), expects);
	}
	json_decref(root);
}

/* ---- running mmstall ---- */

static bool console_shows(const char *path, const char *text)
{
	char *s = NULL;
	bool yes = !read_file(path, &s, NULL) && strstr(s, text);

	free(s);
	return yes;
}

static char top[] = "/tmp/mmstall-test-vm-XXXXXX";

/* An argument with "%TOP%" replaced by the test's directory (caller frees). */
static char *expand(const char *arg)
{
	const char *at = strstr(arg, "%TOP%");

	if (!at)
		return xstrdup(arg);
	return xasprintf("%.*s%s%s", (int)(at - arg), arg, top, at + 5);
}

/* Run the case; returns the exit code (128+sig if killed), -1 on a test-side error. */
static int run_case(const struct vm_case *c, const char *dir, const char *errfile, pid_t *pid_out)
{
	char *argv[40], console[PATH_MAX + 32];
	uint64_t deadline = now_ns() + c->timeout_s * NSEC_PER_SEC;
	bool signalled = false;
	int n = 0, i, status, fd;
	pid_t pid;

	argv[n++] = (char *)mmstall;
	argv[n++] = (char *)(c->command ? c->command : "vm");
	argv[n++] = "--kernel";
	argv[n++] = KERNEL;
	argv[n++] = "--results";
	argv[n++] = (char *)dir;
	for (i = 0; c->args[i]; i++)
		argv[n++] = expand(c->args[i]);
	argv[n] = NULL;
	snprintf(console, sizeof(console), "%s/6.12.console.log", dir);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		/* mmstall's messages and its report: on our stderr and in errfile */
		fd = open(errfile, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			int p[2];

			if (!pipe(p) && fork() == 0) {
				char buf[4096];
				ssize_t r;

				close(p[1]);
				while ((r = read(p[0], buf, sizeof(buf))) > 0)
					if (write(fd, buf, r) < 0 || write(2, buf, r) < 0)
						break;
				_exit(0);
			}
			close(p[0]);
			dup2(p[1], 1);
			dup2(p[1], 2);
			close(p[1]);
			close(fd);
		}
		execv(mmstall, argv);
		_exit(127);
	}
	for (i = 6; argv[i]; i++)
		free(argv[i]);
	*pid_out = pid;
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (now_ns() > deadline) {
			fprintf(stderr, "%s: mmstall still running after %u s: killed\n", c->name, c->timeout_s);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		if (c->interrupt && !signalled && console_shows(console, GUEST_MARK_RUN)) {
			kill(pid, SIGINT);
			signalled = true;
		}
		usleep(100 * 1000);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* ---- nothing left behind ---- */

/* A QEMU of mmstall pid runs in its work directory mmstall-vm.<pid>.XXXXXX. */
static void check_no_qemu(pid_t pid)
{
	char dir[64];
	struct dirent *de;
	DIR *d = opendir("/proc");
	char path[300], *cmd;
	size_t len, i;
	bool ok = true;

	snprintf(dir, sizeof(dir), "/mmstall-vm.%d.", (int)pid);
	while (d && (de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", de->d_name);
		if (read_file(path, &cmd, &len))
			continue;
		for (i = 0; i + 1 < len; i++)
			if (!cmd[i])
				cmd[i] = ' ';
		if (strstr(cmd, "qemu-system") && strstr(cmd, dir)) {
			ok = false;
			fprintf(stderr, "no QEMU of this run left: expected none, found pid %s: %.200s\n",
				de->d_name, cmd);
			kill(atoi(de->d_name), SIGKILL);
		}
		free(cmd);
	}
	if (d)
		closedir(d);
	test_report(ok, __FILE__, __LINE__);
}

/* mmstall vm's private directories are named mmstall-vm.<pid>.XXXXXX. */
static void check_no_workdir(pid_t pid)
{
	const char *base = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char prefix[64];
	struct dirent *de;
	DIR *d = opendir(base);
	bool ok = true;

	snprintf(prefix, sizeof(prefix), "mmstall-vm.%d.", (int)pid);
	while (d && (de = readdir(d))) {
		if (strncmp(de->d_name, prefix, strlen(prefix)))
			continue;
		ok = false;
		fprintf(stderr, "no temporary directory left: expected none, found %s/%s\n", base, de->d_name);
	}
	if (d)
		closedir(d);
	test_report(ok, __FILE__, __LINE__);
}

static int find_cgroups(const char *dir, int depth)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	char sub[PATH_MAX];
	int found = 0;

	while (d && (de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name) >= (int)sizeof(sub))
			continue;
		if (!strncmp(de->d_name, "mmstall-", 8)) {
			fprintf(stderr, "no mmstall cgroup left: expected none, found %s\n", sub);
			found++;
		} else if (depth < 3) {
			found += find_cgroups(sub, depth + 1);
		}
	}
	if (d)
		closedir(d);
	return found;
}

static void check_clean(pid_t pid)
{
	check_no_qemu(pid);
	check_no_workdir(pid);
	test_report(!find_cgroups("/sys/fs/cgroup", 0), __FILE__, __LINE__);
}

static void check_stderr(const struct vm_case *c, const char *errfile)
{
	char *text = NULL;
	size_t i;

	read_file(errfile, &text, NULL);
	for (i = 0; i < ARRAY_SIZE(c->stderr_has) && c->stderr_has[i]; i++)
		if (!test_report(text && strstr(text, c->stderr_has[i]), __FILE__, __LINE__))
			fprintf(stderr, "mmstall's messages: expected \"%s\", found none\n", c->stderr_has[i]);
	if (c->stderr_lacks && !test_report(!text || !strstr(text, c->stderr_lacks), __FILE__, __LINE__))
		fprintf(stderr, "mmstall's messages: expected no \"%s\", found it\n", c->stderr_lacks);
	free(text);
}

static void check_files(const struct vm_case *c, const char *dir)
{
	char path[PATH_MAX + 64];
	struct stat st;

	if (c->absent_file) {
		snprintf(path, sizeof(path), "%s/%s", dir, c->absent_file);
		if (!test_report(!path_exists(path), __FILE__, __LINE__))
			fprintf(stderr, "%s: expected no such file, found one\n", path);
	}
	if (c->max_console) {
		snprintf(path, sizeof(path), "%s/6.12.console.log", dir);
		if (!test_report(!stat(path, &st) && (uint64_t)st.st_size <= c->max_console, __FILE__, __LINE__))
			fprintf(stderr, "%s: expected at most %llu bytes, found %lld\n", path,
				(unsigned long long)c->max_console, (long long)st.st_size);
	}
}

/* A 2 MiB file system for the results: nothing much fits. */
static bool mount_small(const char *dir)
{
	mkdir_p(dir, 0755);
	if (mount("tmpfs", dir, "tmpfs", 0, "size=2M")) {
		printf("(cannot mount a tmpfs on %s: %s; full file system not tested)\n", dir, strerror(errno));
		return false;
	}
	return true;
}

static void one_case(const struct vm_case *c)
{
	char dir[PATH_MAX], file[PATH_MAX + 16], errfile[PATH_MAX + 16], *p;
	pid_t pid = 0;
	int code;

	snprintf(dir, sizeof(dir), "%s/%s", top, c->name);
	for (p = dir + strlen(top); *p; p++)
		if (*p == ' ' || *p == '/')
			*p = p == dir + strlen(top) ? '/' : '-';
	snprintf(errfile, sizeof(errfile), "%s.stderr", dir);
	TEST_CONTEXT("%s", c->name);
	fprintf(stderr, "--- %s\n", c->name);
	if (c->full_fs && !mount_small(dir))
		return;
	code = run_case(c, dir, errfile, &pid);
	if (!check_i64(c->exit_code, code, "exit code of mmstall", __FILE__, __LINE__))
		fprintf(stderr, "    (results and console log kept in %s)\n", dir);
	snprintf(file, sizeof(file), "%s/%s", dir, c->result && strcmp(c->result, "-") ? c->result : "6.12.json");
	if (c->result && !strcmp(c->result, "-")) {
		if (!test_report(!path_exists(file), __FILE__, __LINE__))
			fprintf(stderr, "%s: expected no result (it could not be written), found one\n", file);
	} else {
		check_result(file, c->expects);
	}
	check_stderr(c, errfile);
	check_files(c, dir);
	if (pid)
		check_clean(pid);
	if (c->full_fs)
		umount2(dir, MNT_DETACH);
	TEST_CONTEXT_CLEAR();
}

/* A valid result on the host, for a guest to link to. */
static void write_host_result(void)
{
	static const char res[] = "{\"format_version\": 1, \"status\": \"ok\", \"scenario\": {}, \"probes\": {}, "
				  "\"marker\": \"host-file\"}\n";
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/host-result.json", top);
	write_file_atomic(path, res, strlen(res));
}

static bool only(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p;

	for (p = list; p; p = strchr(p, '|') ? strchr(p, '|') + 1 : NULL)
		if (!strncmp(p, name, n) && (p[n] == '|' || !p[n]))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	unsigned long failed_before;
	size_t i;

	mmstall = argc > 1 ? argv[1] : getenv("MMSTALL");
	if (!mmstall || access(mmstall, X_OK)) {
		fprintf(stderr, "usage: test_vm_e2e PATH-TO-MMSTALL (or set MMSTALL)\n");
		return 1;
	}
	if (!have_program("qemu-system-x86_64")) {
		printf("SKIP: qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)\n");
		return 77;
	}
	if (!have_program("apt-get")) {
		printf("SKIP: no apt-get: the test boots a Debian kernel package\n");
		return 77;
	}
	if (!mkdtemp(top)) {
		perror("mkdtemp");
		return 1;
	}
	write_host_result();
	/* MMSTALL_E2E_ONLY=NAME[|NAME...]: those cases alone (while working on them) */
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		if (!getenv("MMSTALL_E2E_ONLY") || only(getenv("MMSTALL_E2E_ONLY"), cases[i].name))
			one_case(&cases[i]);
	failed_before = test_failed;
	if (!failed_before)
		rm_rf(top);
	else
		fprintf(stderr, "results kept in %s\n", top);
	return test_summary();
}
