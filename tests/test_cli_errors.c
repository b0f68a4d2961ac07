// SPDX-License-Identifier: GPL-2.0
/*
 * Bad input and hostile environments: each case runs the real mmstall
 * binary and checks the exit code, that the message names the input and
 * what would be accepted, and that nothing was left behind (no cgroup, no
 * QEMU, no temporary file).  Table-driven: one line per case.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup/cg.h"
#include "harness/proc.h"
#include "harness/util.h"
#include "tests/test_util.h"

static const char *mmstall;
static char tmpdir[] = "/tmp/mmstall-test-cli-XXXXXX";

struct cli_case {
	const char *name;
	const char *args[12];	/* after "mmstall"; "@" is replaced by the temp dir */
	uid_t uid;		/* 0: as we are; else drop to this uid */
	const char *path_env;	/* PATH for the command; NULL: inherit */
	int exit_code;
	const char *needles[6];	/* all must appear in the output; NULL-terminated */
};

/* Run mmstall with args; returns exit code, output in *out (stderr + stdout). */
static int run(const struct cli_case *c, char **out)
{
	char *argv[16], buf[12][PATH_MAX];
	int pfd[2], status, i;
	size_t len = 0, cap = 1 << 16;
	pid_t pid;

	argv[0] = (char *)mmstall;
	for (i = 0; c->args[i]; i++) {
		const char *at = strchr(c->args[i], '@');

		if (at)
			snprintf(buf[i], sizeof(buf[i]), "%.*s%s%s", (int)(at - c->args[i]), c->args[i], tmpdir,
				 at + 1);
		else
			snprintf(buf[i], sizeof(buf[i]), "%s", c->args[i]);
		argv[i + 1] = buf[i];
	}
	argv[i + 1] = NULL;
	if (pipe(pfd))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		close(pfd[0]);
		if (c->path_env)
			setenv("PATH", c->path_env, 1);
		if (c->uid && (setgid(c->uid) || setuid(c->uid)))
			_exit(99);
		execv(mmstall, argv);
		_exit(98);
	}
	close(pfd[1]);
	*out = malloc(cap);
	for (;;) {
		ssize_t n = read(pfd[0], *out + len, cap - len - 1);

		if (n <= 0)
			break;
		len += n;
	}
	(*out)[len] = '\0';
	close(pfd[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Nothing left behind: no mmstall cgroup, no QEMU of ours, no temp file. */
static void check_clean(const char *name)
{
	char mount[PATH_MAX], *out = NULL;
	char *ps[] = { "sh", "-c", NULL, NULL };
	char cmd[PATH_MAX + 64];

	TEST_CONTEXT("%s: nothing left behind", name);
	if (!cg_find_mount(mount, sizeof(mount))) {
		snprintf(cmd, sizeof(cmd), "ls -d %s/mmstall-* 2>/dev/null", mount);
		ps[2] = cmd;
		proc_capture(ps, NULL, &out, NULL);
		CHECK_STR("", out);
		free(out);
	}
	snprintf(cmd, sizeof(cmd), "pgrep -af '[q]emu-system' | grep -F '%s' || true", tmpdir);
	ps[2] = cmd;
	proc_capture(ps, NULL, &out, NULL);
	CHECK_STR("", out);
	free(out);
	snprintf(cmd, sizeof(cmd), "find %s -name '*.tmp.*' 2>/dev/null", tmpdir);
	ps[2] = cmd;
	proc_capture(ps, NULL, &out, NULL);
	CHECK_STR("", out);
	free(out);
	TEST_CONTEXT_CLEAR();
}

static void run_case(const struct cli_case *c)
{
	char *out = NULL;
	int code, i;

	code = run(c, &out);
	TEST_CONTEXT("%s", c->name);
	if (!CHECK_INT(c->exit_code, code))
		fprintf(stderr, "  output was:\n%s\n", out);
	for (i = 0; c->needles[i]; i++) {
		if (!CHECK(strstr(out, c->needles[i]) != NULL))
			fprintf(stderr, "  expected the output to contain: %s\n  output was:\n%s\n", c->needles[i],
				out);
	}
	TEST_CONTEXT_CLEAR();
	free(out);
	check_clean(c->name);
}

static const struct cli_case cases[] = {
	{ "unknown command", { "frob" }, 0, NULL, 2, { "unknown command 'frob'", "run, vm, compare, gate, report" } },
	{ "run: not root", { "run", "--duration", "1s" }, 65534, NULL, 2, { "needs root", "mmstall vm" } },
	{ "run: bad duration", { "run", "--duration", "abc" }, 0, NULL, 2,
	  { "invalid value 'abc' for --duration", "expected a duration" } },
	{ "run: out of range", { "run", "--faulters", "999" }, 0, NULL, 2,
	  { "'999' for --faulters", "a whole number from 1 to 256" } },
	{ "run: bad enum", { "run", "--throttle", "io.fast" }, 0, NULL, 2,
	  { "'io.fast' for --throttle", "one of: auto io.latency io.max io.cost cpu.max none" } },
	{ "run: unknown option", { "run", "--frobnicate" }, 0, NULL, 2, { "frobnicate", "mmstall run --help" } },
	{ "run: stray argument", { "run", "maps" }, 0, NULL, 2, { "unexpected argument 'maps'" } },
	{ "run: file too small for memory.max", { "run", "--file-size", "64M", "--lo-memory-max", "64M" }, 0,
	  NULL, 2, { "--file-size", "at least twice --lo-memory-max" } },
	{ "run: unknown scenario", { "run", "--scenario", "nope" }, 0, NULL, 2,
	  { "unknown scenario 'nope'", "mkwrite", "mmstall scenarios" } },
	{ "run: --set without =", { "run", "--set", "duration" }, 0, NULL, 2, { "--set takes KEY=VALUE" } },
	{ "run: --set unknown key", { "run", "--set", "colour=blue" }, 0, NULL, 2, { "unknown setting 'colour'" } },
	{ "run: unknown probe", { "run", "--probes", "maps,top" }, 0, NULL, 2,
	  { "unknown probe 'top'", "smaps_rollup" } },
	{ "run: anon without swap", { "run", "--fault-mode", "anon" }, 0, NULL, 2, { "--swap-size must be at least" } },
	{ "run: bad scenario file", { "run", "--scenario", "@/bad-scenario.json" }, 0, NULL, 2,
	  { "bad-scenario.json:3:", "settings.faulters", "from 1 to 256" } },
	{ "vm: unknown scenario", { "vm", "--scenario", "nope" }, 0, NULL, 2, { "unknown scenario 'nope'" } },
	{ "run: unknown fio job file", { "run", "--fio-lo", "randwrite" }, 0, NULL, 2,
	  { "unknown fio job file 'randwrite' for --fio-lo", "mixed, randread, seqwrite", "path of a job file" } },
	{ "vm: fio job file missing", { "vm", "--fio-hi", "@/nope.fio" }, 0, NULL, 2,
	  { "--fio-hi", "nope.fio", "cannot read the fio job file" } },
	{ "vm: bad device-baseline", { "vm", "--device-baseline", "yes" }, 0, NULL, 2,
	  { "'yes' for --device-baseline", "one of: auto on off" } },
	{ "scenario show: unknown", { "scenario", "show", "nope" }, 0, NULL, 2, { "unknown scenario 'nope'" } },
	{ "scenario over its size cap", { "scenario", "show", "@/huge-scenario.json" }, 0, NULL, 2,
	  { "huge-scenario.json", "larger than" } },
	{ "result over its size cap", { "report", "@/huge-result.json" }, 0, NULL, 2,
	  { "huge-result.json", "larger than any result can be" } },
	{ "scenario show: kernel needs", { "scenario", "show", "dirty-throttle", "--attribute", "on" }, 0, NULL, 0,
	  { "kernel needs", "tracing ", "attribute on", "io.max " } },
	{ "scenarios: lists all", { "scenarios" }, 0, NULL, 0,
	  { "ps-latency", "mkwrite", "swap", "same-vma" } },
	{ "report: missing path", { "report", "@/nope" }, 0, NULL, 2, { "no such result file or directory", "/nope" } },
	{ "report: not a result", { "report", "@/foreign.json" }, 0, NULL, 2, { "not an mmstall result" } },
	{ "report: broken JSON", { "report", "@/broken.json" }, 0, NULL, 2, { "broken.json:1:" } },
	{ "report: failed run", { "report", "@/failed.json" }, 0, NULL, 1, { "FAILED: guest did not finish" } },
	{ "report: empty dir", { "report", "@/emptydir" }, 0, NULL, 2, { "no result files" } },
	{ "report: a FIFO is not read", { "report", "@/fifo.json" }, 0, NULL, 2, { "fifo.json", "not a regular file" } },
	{ "report: a device is not read", { "report", "/dev/zero" }, 0, NULL, 2, { "/dev/zero", "not a regular file" } },
	{ "gate: a result of the wrong shape", { "gate", "@/shape.json" }, 0, NULL, 2,
	  { "shape.json", "not a well-formed result", "probes is a string, not an object" } },
	{ "gate: bad --reps for compare", { "compare", "--reps", "auto:2" }, 0, NULL, 2,
	  { "invalid --reps 'auto:2'", "4 to 20" } },
	{ "compare: bad --basis", { "compare", "--basis", "x" }, 0, NULL, 2, { "invalid --basis 'x'", "index" } },
	{ "run: a FIFO as the scenario", { "run", "--scenario", "@/fifo.json" }, 0, NULL, 2,
	  { "fifo.json", "not a regular file" } },
	{ "vm: /dev/zero as the scenario", { "vm", "--scenario", "/dev/zero" }, 0, NULL, 2,
	  { "/dev/zero", "not a regular file" } },
	{ "run: a label longer than its limit", { "run", "--label",
	  "a-label-of-more-than-sixty-three-characters-is-cut-silently-today-xxxxxxxx" }, 0, NULL, 2,
	  { "invalid --label", "longer than 63 characters" } },
	{ "vm: a kernel label longer than its limit", { "vm", "--kernel",
	  "a-label-of-more-than-sixty-three-characters-names-no-result-file-xxxx=deb:linux-image-6.1" }, 0, NULL, 2,
	  { "--kernel 'a-label-of-more", "LABEL 1 to 63 letters" } },
	{ "run: a duration without its unit", { "run", "--duration", "10" }, 0, NULL, 2,
	  { "invalid value '10' for --duration", "e.g. 500ms" } },
	{ "run: a duration in hex", { "run", "--duration", "0x10s" }, 0, NULL, 2, { "invalid value '0x10s'" } },
};

/* The host's cgroup2 lacks controllers (bound to v1): say which and where. */
static void test_controllers_missing(void)
{
	static const char *const needed[] = { "io", "memory", NULL };
	struct cli_case c = { "run: controllers missing on cgroup2", { "run", "--duration", "1s" }, 0, NULL, 2,
			      { "controller is not available on cgroup2" } };
	char mount[PATH_MAX], err[2048], v1[PATH_MAX];

	if (geteuid() != 0 || cg_find_mount(mount, sizeof(mount)) ||
	    !cg_check_controllers(mount, needed, err, sizeof(err))) {
		printf("skip: %s (needs root and a cgroup2 without io/memory)\n", c.name);
		return;
	}
	/* Where the kernel bound memory to v1, the message must say so. */
	snprintf(v1, sizeof(v1), "bound to a cgroup v1 hierarchy");
	if (strstr(err, v1))
		c.needles[1] = "bound to a cgroup v1 hierarchy";
	run_case(&c);
}

static void make_sparse(const char *name, off_t size)
{
	char p[PATH_MAX];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
	fd = open(p, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	if (fd < 0 || ftruncate(fd, size))
		perror(p);
	if (fd >= 0)
		close(fd);
}

static void make_fixtures(void)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/foreign.json", tmpdir);
	write_file_atomic(p, "{\"a\": 1}\n", 9);
	snprintf(p, sizeof(p), "%s/broken.json", tmpdir);
	write_file_atomic(p, "{\"a\": ", 6);
	snprintf(p, sizeof(p), "%s/failed.json", tmpdir);
	const char *failed = "{\"format_version\": 1, \"status\": \"failed\", "
			     "\"error\": \"guest did not finish within 180 s (timeout)\", \"probes\": {}}";
	write_file_atomic(p, failed, strlen(failed));
	snprintf(p, sizeof(p), "%s/bad-scenario.json", tmpdir);
	const char *bad = "{\n  \"name\": \"bad\", \"settings\": {\n    \"faulters\": 0\n  }\n}\n";
	write_file_atomic(p, bad, strlen(bad));
	snprintf(p, sizeof(p), "%s/emptydir", tmpdir);
	mkdir(p, 0755);
	/* inputs that are not files: a FIFO (no writer) and a device must be refused at once */
	snprintf(p, sizeof(p), "%s/fifo.json", tmpdir);
	mkfifo(p, 0644);
	/* regular files over their cap, sparse: refused by their size, never read */
	make_sparse("huge-scenario.json", (off_t)2 << 20);
	make_sparse("huge-result.json", (off_t)300 << 20);
	snprintf(p, sizeof(p), "%s/shape.json", tmpdir);
	const char *shape = "{\"format_version\": 1, \"status\": \"ok\", \"scenario\": {}, \"probes\": \"x\"}";
	write_file_atomic(p, shape, strlen(shape));
}

/* Every line of a --help text fits a terminal of 80 columns. */
static void check_help_width(char **argv)
{
	char *help = NULL, *line, *save = NULL;

	TEST_CONTEXT("'%s %s' fits 80 columns", argv[1], argv[2] ? argv[2] : "");
	if (!CHECK(proc_capture(argv, NULL, &help, NULL) == 0))
		return;
	for (line = strtok_r(help, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (!CHECK(strlen(line) <= 80))
			fprintf(stderr, "too long (%zu): %s\n", strlen(line), line);
	free(help);
}

/* The README's command list is the command table's, as 'mmstall --readme-commands' prints it. */
static void test_docs(void)
{
	const char *src = getenv("MMSTALL_SOURCE_DIR");
	char path[PATH_MAX], *readme = NULL, *gen = NULL;
	char *argv[] = { (char *)mmstall, "--readme-commands", NULL };
	static const char *const kernel_subcommands[] = { "build", "list", "rm" };
	static const char *const commands[] = { "", "run", "vm", "compare", "gate", "report", "run-job", "scenarios",
						"scenario", "kernel", "bisect-step", "bench" };
	size_t i;

	TEST_CONTEXT("README command list");
	snprintf(path, sizeof(path), "%s/README.md", src ? src : ".");
	if (!CHECK(!read_file(path, &readme, NULL)) || !CHECK(proc_capture(argv, NULL, &gen, NULL) == 0)) {
		free(readme);
		free(gen);
		return;
	}
	if (!CHECK(strstr(readme, gen) != NULL))
		fprintf(stderr, "README.md's command list differs from 'mmstall --readme-commands':\n%s", gen);
	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		char *hargv[] = { (char *)mmstall, (char *)commands[i], "--help", NULL };

		check_help_width(commands[i][0] ? hargv : (char *[]){ (char *)mmstall, "--help", NULL });
	}
	for (i = 0; i < ARRAY_SIZE(kernel_subcommands); i++)
		check_help_width((char *[]){ (char *)mmstall, "kernel", (char *)kernel_subcommands[i], "--help", NULL });
	free(readme);
	free(gen);
	TEST_CONTEXT_CLEAR();
}

int main(void)
{
	size_t i;

	mmstall = getenv("MMSTALL");
	if (!mmstall || access(mmstall, X_OK)) {
		fprintf(stderr, "set MMSTALL to the mmstall binary\n");
		return 77;
	}
	if (!mkdtemp(tmpdir))
		return 1;
	make_fixtures();
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		if (cases[i].uid && geteuid() != 0) {
			printf("skip: %s (needs root to drop privileges)\n", cases[i].name);
			continue;
		}
		run_case(&cases[i]);
	}
	test_controllers_missing();
	test_docs();
	rm_rf(tmpdir);
	return test_summary();
}
