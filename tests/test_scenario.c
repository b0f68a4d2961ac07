// SPDX-License-Identifier: GPL-2.0
/*
 * Scenario files: every built-in scenario loads, validates and survives the
 * trip to a guest's command line; every kind of bad file is refused with
 * the file, line and column, the key and what is accepted.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/util.h"
#include "tests/test_util.h"
#include "workloads/scenario.h"

static char dir[] = "/tmp/mmstall-test-scenario-XXXXXX";

static void test_builtins(void)
{
	const struct scenario_builtin *b;
	int n = 0;

	for (b = scenario_builtins; b->name; b++, n++) {
		struct scenario sc, back;
		char err[1024] = "", **argv;
		int argc, i;

		TEST_CONTEXT("built-in %s", b->name);
		scenario_defaults(&sc);
		if (!CHECK_INT(0, scenario_load(&sc, b->name, err, sizeof(err))))
			fprintf(stderr, "  %s\n", err);
		CHECK_STR(b->name, sc.name);
		if (!CHECK_INT(0, scenario_validate(&sc, err, sizeof(err))))
			fprintf(stderr, "  %s\n", err);
		/* what 'mmstall vm' passes to the guest must rebuild the same settings */
		argv = scenario_to_argv(&sc, &argc);
		scenario_defaults(&back);
		for (i = 0; i < argc; i++) {
			CHECK_INT(0, scenario_set_pair(&back, argv[i] + 2, err, sizeof(err)));
			free(argv[i]);
		}
		free(argv);
		CHECK(!memcmp(&sc, &back, sizeof(sc)));
	}
	TEST_CONTEXT_CLEAR();
	/* the list of named scenarios */
	for (const char *const *name = (const char *const[]){ "ps-latency", "mkwrite", "swap", "reclaim", "cpu-throttle",
							       "same-vma", "control", "thp-high", NULL };
	     *name; name++) {
		struct scenario sc;
		char err[512];

		TEST_CONTEXT("named scenario %s ships", *name);
		scenario_defaults(&sc);
		CHECK_INT(0, scenario_load(&sc, *name, err, sizeof(err)));
	}
	TEST_CONTEXT_CLEAR();
	CHECK(n >= 7);
}

/* Load text from a file; returns the error, and checks it contains every needle. */
static void expect_file_error(const char *what, const char *text, const char *const *needles)
{
	char path[256], err[1024] = "";
	struct scenario sc;

	snprintf(path, sizeof(path), "%s/%s.json", dir, what);
	write_file_atomic(path, text, strlen(text));
	scenario_defaults(&sc);
	TEST_CONTEXT("bad file: %s", what);
	CHECK(scenario_load(&sc, path, err, sizeof(err)) < 0);
	for (; *needles; needles++)
		if (!CHECK(strstr(err, *needles) != NULL))
			fprintf(stderr, "  expected \"%s\" in: %s\n", *needles, err);
	TEST_CONTEXT_CLEAR();
}

#define NEEDLES(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void test_bad_files(void)
{
	expect_file_error("syntax", "{\n  \"name\": \"x\",\n  \"settings\": {,}\n}\n",
			  NEEDLES("syntax.json:3:", "syntax.json"));
	expect_file_error("unknown-key", "{\n  \"name\": \"x\",\n  \"settings\": {\n    \"faulterz\": 4\n  }\n}\n",
			  NEEDLES("unknown-key.json:4:5", "settings.faulterz", "unknown setting 'faulterz'"));
	expect_file_error("range", "{\"name\": \"x\",\n \"settings\": {\"faulters\": 999}}",
			  NEEDLES("range.json:2:", "settings.faulters", "a whole number from 1 to 256"));
	expect_file_error("type-bool", "{\"name\": \"x\", \"settings\": {\"faulters\": true}}",
			  NEEDLES("settings.faulters", "must be a string or a whole number"));
	expect_file_error("duration-int", "{\"name\": \"x\", \"settings\": {\"duration\": 30}}",
			  NEEDLES("settings.duration", "with a unit, e.g. \"10ms\""));
	expect_file_error("bad-enum", "{\"name\": \"x\", \"settings\": {\"throttle\": \"io.fast\"}}",
			  NEEDLES("settings.throttle", "one of: auto io.latency io.max io.cost cpu.max none"));
	expect_file_error("bad-size", "{\"name\": \"x\", \"settings\": {\"file-size\": \"lots\"}}",
			  NEEDLES("settings.file-size", "suffix K, M, G, T"));
	expect_file_error("top-field", "{\"name\": \"x\",\n \"setings\": {}}",
			  NEEDLES("top-field.json:2:2", "unknown field \"setings\""));
	expect_file_error("no-name", "{\"settings\": {}}", NEEDLES("needs \"name\""));
	expect_file_error("not-object", "[1, 2]", NEEDLES("a scenario is a JSON object"));
	expect_file_error("duplicate", "{\"name\": \"x\", \"settings\": {\"seed\": 1, \"seed\": 2}}",
			  NEEDLES("duplicate.json:1:", "duplicate"));
}

static void test_precedence(void)
{
	struct scenario_cli cli = { 0 };
	struct scenario sc;
	char err[512];

	/* defaults < scenario < overrides, whatever the order on the command line */
	scenario_cli_record(&cli, SCENARIO_OPT_SET, "writer-interval=7ms", err, sizeof(err));
	scenario_cli_record(&cli, SCENARIO_OPT_SCENARIO, "mkwrite", err, sizeof(err));
	CHECK_INT(0, scenario_cli_finish(&cli, &sc, err, sizeof(err)));
	CHECK_U64(7 * NSEC_PER_MSEC, sc.writer_interval_ns);
	CHECK_U64(FAULT_WRITE_SHARED, sc.fault_mode);
	CHECK_STR("mkwrite", sc.name);
	CHECK_U64(30 * NSEC_PER_SEC, sc.duration_ns);

	TEST_CONTEXT("cross-key check after overrides");
	memset(&cli, 0, sizeof(cli));
	scenario_cli_record(&cli, SCENARIO_OPT_SCENARIO, "swap", err, sizeof(err));
	scenario_cli_record(&cli, SCENARIO_OPT_SET, "swap-size=0", err, sizeof(err));
	CHECK_INT(-EINVAL, scenario_cli_finish(&cli, &sc, err, sizeof(err)));
	CHECK(strstr(err, "--swap-size must be at least") != NULL);
	TEST_CONTEXT_CLEAR();
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	test_builtins();
	test_bad_files();
	test_precedence();
	rm_rf(dir);
	return test_summary();
}
