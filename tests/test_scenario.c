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
#include "workloads/probes.h"
#include "workloads/scenario.h"
#include "workloads/shared.h"

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
	for (const char *const *name = (const char *const[]){ "ps-latency", "mkwrite", "swap", "reclaim",
							       "dirty-throttle", "cpu-throttle", "same-vma", "control",
							       "thp-high", NULL };
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
	/* found by tests/fuzz (fuzz_scenario): a name over the limit was cut to 127 bytes, not refused */
	expect_file_error("long-name",
			  "{\"settings\": {},\n \"name\": \""
			  "0123456789012345678901234567890123456789012345678901234567890123"
			  "0123456789012345678901234567890123456789012345678901234567890123\"}",
			  NEEDLES("long-name.json:2:2: name:", "longer than 127 characters"));
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
	CHECK_U64(10 * NSEC_PER_SEC, sc.duration_ns);

	TEST_CONTEXT("cross-key check after overrides");
	memset(&cli, 0, sizeof(cli));
	scenario_cli_record(&cli, SCENARIO_OPT_SCENARIO, "swap", err, sizeof(err));
	scenario_cli_record(&cli, SCENARIO_OPT_SET, "swap-size=0", err, sizeof(err));
	CHECK_INT(-EINVAL, scenario_cli_finish(&cli, &sc, err, sizeof(err)));
	CHECK(strstr(err, "--swap-size must be at least") != NULL);
	TEST_CONTEXT_CLEAR();
}

/* write-percent: 0 to 100, write-shared only; 100 (all writes) by default. */
static void test_write_percent(void)
{
	struct scenario sc;
	char err[512];

	scenario_defaults(&sc);
	CHECK_U64(100, sc.write_percent);
	CHECK_INT(0, scenario_set(&sc, "write-percent", "0", err, sizeof(err)));
	CHECK_U64(0, sc.write_percent);
	CHECK_INT(0, scenario_set(&sc, "write-percent", "100", err, sizeof(err)));
	CHECK_U64(100, sc.write_percent);
	CHECK_INT(-ERANGE, scenario_set(&sc, "write-percent", "101", err, sizeof(err)));
	CHECK(strstr(err, "--write-percent") != NULL);
	CHECK(strstr(err, "from 0 to 100") != NULL);
	CHECK(scenario_set(&sc, "write-percent", "-1", err, sizeof(err)) < 0);
	CHECK(scenario_set(&sc, "write-percent", "5%", err, sizeof(err)) < 0);
	CHECK_U64(100, sc.write_percent);

	TEST_CONTEXT("write-percent needs write-shared");
	CHECK_INT(0, scenario_set(&sc, "write-percent", "5", err, sizeof(err)));
	CHECK_INT(-EINVAL, scenario_validate(&sc, err, sizeof(err)));	/* default fault-mode read-shared */
	CHECK(strstr(err, "--fault-mode write-shared") != NULL);
	CHECK_INT(0, scenario_set(&sc, "fault-mode", "write-shared", err, sizeof(err)));
	if (!CHECK_INT(0, scenario_validate(&sc, err, sizeof(err))))
		fprintf(stderr, "  %s\n", err);
	TEST_CONTEXT_CLEAR();
}

/* The probes setting: NAME[:INTERVAL[:THREADS]] per entry. */
static void test_probe_plan(void)
{
	int maps = probe_index("maps"), status = probe_index("status"), io = probe_index("io");
	int cmdline = probe_index("cmdline");
	struct probe_plan plan[MAX_PROBES];
	struct scenario sc;
	char err[1024] = "";

	CHECK(maps >= 0 && status >= 0 && io >= 0 && cmdline >= 0);
	CHECK_INT(0, probe_plan_parse("maps:2ms:4,status,io:20ms", 10 * NSEC_PER_MSEC, plan, err, sizeof(err)));
	CHECK(plan[maps].on && plan[status].on && plan[io].on && !plan[cmdline].on);
	CHECK_U64(2 * NSEC_PER_MSEC, plan[maps].interval_ns);
	CHECK_U64(4, plan[maps].threads);
	CHECK_U64(10 * NSEC_PER_MSEC, plan[status].interval_ns);
	CHECK_U64(1, plan[status].threads);
	CHECK_U64(20 * NSEC_PER_MSEC, plan[io].interval_ns);
	CHECK_U64(1, plan[io].threads);

	/* an empty INTERVAL keeps the default; the control runs even when not listed */
	CHECK_INT(0, probe_plan_parse("cmdline::3", 7 * NSEC_PER_MSEC, plan, err, sizeof(err)));
	CHECK(plan[cmdline].on && plan[status].on && !plan[maps].on);
	CHECK_U64(7 * NSEC_PER_MSEC, plan[cmdline].interval_ns);
	CHECK_U64(3, plan[cmdline].threads);
	CHECK_U64(7 * NSEC_PER_MSEC, plan[status].interval_ns);
	CHECK_INT(0, probe_plan_parse("status:500us:16", 0, plan, err, sizeof(err)));
	CHECK_U64(500 * NSEC_PER_USEC, plan[status].interval_ns);
	CHECK_U64(MAX_PROBE_THREADS, plan[status].threads);

	/* probe_selected() reads the new syntax; smaps_rollup is not maps */
	CHECK(probe_selected("smaps_rollup:1ms,io", io));
	CHECK(!probe_selected("smaps_rollup:1ms,io", maps));
	CHECK(probe_selected("io:1ms:2,maps:5ms", maps));
	CHECK(probe_selected("", status));

	/* the resolved plan follows probe-interval, whatever the order of the settings */
	scenario_defaults(&sc);
	CHECK_INT(0, scenario_set(&sc, "probes", "maps:2ms:4,status,io", err, sizeof(err)));
	CHECK_INT(0, scenario_set(&sc, "probe-interval", "20ms", err, sizeof(err)));
	CHECK_INT(0, scenario_validate(&sc, err, sizeof(err)));
	{
		json_t *o = scenario_probes_json(&sc);

		CHECK_INT(2 * NSEC_PER_MSEC, json_integer_value(json_object_get(json_object_get(o, "maps"),
									       "interval_ns")));
		CHECK_INT(4, json_integer_value(json_object_get(json_object_get(o, "maps"), "threads")));
		CHECK_INT(20 * NSEC_PER_MSEC, json_integer_value(json_object_get(json_object_get(o, "io"),
									        "interval_ns")));
		CHECK(json_object_get(o, "cmdline") == NULL);
		json_decref(o);
	}

	/* bad entries: refused when set, naming the entry and what is accepted */
	static const struct {
		const char *value;
		const char *needle[3];
	} bad[] = {
		{ "maps:2ms:4,mapz:1ms", { "unknown probe 'mapz'", "entry 'mapz:1ms'", "NAME one of maps" } },
		{ "maps:0ms", { "invalid interval '0ms'", "entry 'maps:0ms'", "from 100.0us to 10.00s" } },
		{ "maps:11s", { "invalid interval '11s'", "entry 'maps:11s'", "from 100.0us" } },
		{ "maps:fast:2", { "invalid interval 'fast'", "entry 'maps:fast:2'", "NAME[:INTERVAL[:THREADS]]" } },
		{ "maps:2ms:0", { "invalid thread count '0'", "entry 'maps:2ms:0'", "from 1 to 16" } },
		{ "maps:2ms:17", { "invalid thread count '17'", "entry 'maps:2ms:17'", "from 1 to 16" } },
		{ "maps:2ms:", { "invalid thread count ''", "entry 'maps:2ms:'", "from 1 to 16" } },
		{ "maps:2ms:4:1", { "entry 'maps:2ms:4:1'", "more than three fields", "NAME[:INTERVAL[:THREADS]]" } },
		{ "maps,status,maps:2ms", { "probe 'maps' is listed twice", "entry 'maps:2ms'", "give each probe once" } },
		{ "status,status:1ms", { "probe 'status' is listed twice", "entry 'status:1ms'", "once" } },
		{ "maps,,io", { "empty entry in --probes", "NAME one of maps", "THREADS from 1 to 16" } },
		{ "maps,", { "empty entry in --probes", "NAME[:INTERVAL[:THREADS]]", "io" } },
		{ ":2ms", { "unknown probe ''", "entry ':2ms'", "NAME one of" } },
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		TEST_CONTEXT("bad probes '%s'", bad[i].value);
		scenario_defaults(&sc);
		err[0] = '\0';
		CHECK_INT(-EINVAL, scenario_set(&sc, "probes", bad[i].value, err, sizeof(err)));
		CHECK_STR("maps,cmdline,ps,status,mmap,io", sc.probes);	/* left as it was */
		for (int j = 0; j < 3; j++)
			if (!CHECK(strstr(err, bad[i].needle[j]) != NULL))
				fprintf(stderr, "  expected \"%s\" in: %s\n", bad[i].needle[j], err);
	}
	TEST_CONTEXT_CLEAR();

	/* a scenario file gets the file, line and column */
	expect_file_error("probes-entry", "{\"name\": \"x\",\n \"settings\": {\n   \"probes\": \"maps:2ms:99,status\"}}",
			  NEEDLES("probes-entry.json:3:4", "settings.probes", "invalid thread count '99'",
				  "entry 'maps:2ms:99'"));
	/* --help and the man page say what is accepted */
	{
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);

		scenario_print_help(f);
		fclose(f);
		CHECK(strstr(text, "NAME[:INTERVAL[:THREADS]]") != NULL);
		CHECK(strstr(text, "maps:2ms:4,status,io:20ms") != NULL);
		free(text);
	}
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	test_builtins();
	test_bad_files();
	test_precedence();
	test_write_percent();
	test_probe_plan();
	rm_rf(dir);
	return test_summary();
}
