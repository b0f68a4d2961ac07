// SPDX-License-Identifier: GPL-2.0
/*
 * Result JSON: written with the real code, parsed back with jansson and
 * checked field by field; scenario settings round-trip; every key the
 * writers produce is documented in results/README.md.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/cmds.h"
#include "harness/hist.h"
#include "harness/result.h"
#include "harness/util.h"
#include "tests/test_util.h"
#include "workloads/scenario.h"
#include "workloads/shared.h"

static char *fake_argv[] = { "mmstall", "run", NULL };

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Heavy-tailed samples like real probe latencies: 1 us .. ~1 s. */
static void fill(struct hist *h, uint64_t *v, size_t n, uint64_t seed)
{
	uint64_t rng = rng_seed(seed, 7);
	size_t i;

	hist_init(h);
	for (i = 0; i < n; i++) {
		double u = (double)(rng_next(&rng) >> 11) / (double)(1ULL << 53);

		v[i] = (uint64_t)(1000.0 * exp(u * u * 13.8));
		hist_record(h, v[i]);
	}
}

/* A JSON document as a reader gets it: dumped and parsed again. */
static json_t *reparse(json_t *o)
{
	char *s = json_dumps(o, 0);
	json_error_t je;
	json_t *r = json_loads(s, 0, &je);

	free(s);
	json_decref(o);
	return r;
}

static void test_hist_record_roundtrip(void)
{
	static uint64_t v[5000];
	struct hist h, back;
	json_t *rec, *b;
	uint64_t sum = 0;
	size_t i;

	TEST_CONTEXT("hist_to_json, 5000 samples");
	fill(&h, v, 5000, 1);
	rec = reparse(hist_to_json(&h));
	CHECK(rec != NULL);
	CHECK_U64(5000, json_integer_value(json_object_get(rec, "count")));
	CHECK_U64(h.min_ns, json_integer_value(json_object_get(rec, "min_ns")));
	CHECK_U64(h.max_ns, json_integer_value(json_object_get(rec, "max_ns")));
	CHECK_DBL(hist_mean(&h), json_number_value(json_object_get(rec, "mean_ns")), 1e-6);
	qsort(v, 5000, sizeof(v[0]), cmp_u64);
	for (i = 0; i < result_nr_pcts; i++) {
		json_t *p = json_object_get(rec, result_pcts[i].key);
		uint64_t rank = (uint64_t)ceil(result_pcts[i].p / 100.0 * 5000);
		double exact = (double)v[rank - 1];

		TEST_CONTEXT("%s", result_pcts[i].key);
		CHECK(json_is_integer(p));
		CHECK_U64(hist_percentile(&h, result_pcts[i].p), json_integer_value(p));
		CHECK_DBL(exact, (double)json_integer_value(p), exact * HIST_REL_ERROR);
	}
	TEST_CONTEXT("buckets");
	b = json_object_get(rec, "buckets");
	CHECK(json_is_array(b));
	for (i = 0; i < json_array_size(b); i++) {
		json_t *e = json_array_get(b, i);

		CHECK(json_integer_value(json_array_get(e, 0)) <= json_integer_value(json_array_get(e, 1)));
		sum += json_integer_value(json_array_get(e, 2));
	}
	CHECK_U64(5000, sum);
	CHECK(json_object_size(json_object_get(rec, "few_samples")) == 0);

	TEST_CONTEXT("hist_from_json");
	CHECK_INT(0, hist_from_json(rec, &back));
	CHECK_U64(h.count, back.count);
	CHECK_U64(h.min_ns, back.min_ns);
	CHECK_U64(h.max_ns, back.max_ns);
	CHECK(!memcmp(h.buckets, back.buckets, sizeof(h.buckets)));
	for (i = 0; i < result_nr_pcts; i++)
		CHECK_U64(hist_percentile(&h, result_pcts[i].p), hist_percentile(&back, result_pcts[i].p));
	json_decref(rec);
	TEST_CONTEXT_CLEAR();
}

static void test_few_samples(void)
{
	static uint64_t v[500];
	struct hist h;
	json_t *rec, *few;

	TEST_CONTEXT("500 samples: p99 is a number, p99.9 is not");
	fill(&h, v, 500, 2);
	rec = reparse(hist_to_json(&h));
	CHECK(json_is_integer(json_object_get(rec, "p99_ns")));
	CHECK(json_is_null(json_object_get(rec, "p99_9_ns")));
	few = json_object_get(json_object_get(rec, "few_samples"), "p99_9_ns");
	CHECK_U64(1000, json_integer_value(json_object_get(few, "samples_needed")));
	CHECK_U64(hist_percentile(&h, 99.9), json_integer_value(json_object_get(few, "estimate_ns")));
	CHECK(json_object_get(json_object_get(rec, "few_samples"), "p99_ns") == NULL);
	json_decref(rec);

	TEST_CONTEXT("50 samples: p99 is not a number");
	fill(&h, v, 50, 3);
	rec = reparse(hist_to_json(&h));
	CHECK(json_is_integer(json_object_get(rec, "p90_ns")));
	CHECK(json_is_null(json_object_get(rec, "p99_ns")));
	CHECK_U64(100, json_integer_value(json_object_get(
			       json_object_get(json_object_get(rec, "few_samples"), "p99_ns"), "samples_needed")));
	json_decref(rec);

	TEST_CONTEXT("empty");
	hist_init(&h);
	rec = reparse(hist_to_json(&h));
	CHECK_U64(0, json_integer_value(json_object_get(rec, "count")));
	CHECK(json_is_null(json_object_get(rec, "min_ns")));
	CHECK(json_is_null(json_object_get(rec, "max_ns")));
	CHECK(json_is_null(json_object_get(rec, "p50_ns")));
	CHECK_U64(0, json_array_size(json_object_get(rec, "buckets")));
	json_decref(rec);
	TEST_CONTEXT_CLEAR();
}

static void test_scenario_json(void)
{
	struct scenario sc;
	char err[512];
	json_t *o;

	scenario_defaults(&sc);
	CHECK_INT(0, scenario_set(&sc, "throttle", "io.max", err, sizeof(err)));
	CHECK_INT(0, scenario_set(&sc, "writer-interval", "2ms", err, sizeof(err)));
	CHECK_INT(0, scenario_set(&sc, "lo-memory-max", "32M", err, sizeof(err)));
	o = reparse(scenario_to_json(&sc));
	CHECK_STR("ps-latency", json_string_value(json_object_get(o, "name")));
	CHECK_STR("io.max", json_string_value(json_object_get(o, "throttle")));
	CHECK_U64(30 * NSEC_PER_SEC, json_integer_value(json_object_get(o, "duration_ns")));
	CHECK_U64(2 * NSEC_PER_MSEC, json_integer_value(json_object_get(o, "writer_interval_ns")));
	CHECK_U64(32ULL << 20, json_integer_value(json_object_get(o, "lo_memory_max_bytes")));
	CHECK_U64(512ULL << 20, json_integer_value(json_object_get(o, "file_size_bytes")));
	CHECK_U64(100, json_integer_value(json_object_get(o, "io_max_riops")));
	CHECK_U64(scenario_nr_keys, json_object_size(o));
	json_decref(o);
}

/* The guest gets the settings as --key=value: they must come back identical. */
static void test_scenario_argv_roundtrip(void)
{
	struct scenario a, b;
	char err[512], **argv;
	int argc, i;

	scenario_defaults(&a);
	scenario_set(&a, "seed", "18446744073709551615", err, sizeof(err));
	scenario_set(&a, "probe-interval", "1500us", err, sizeof(err));
	scenario_set(&a, "throttle", "none", err, sizeof(err));
	argv = scenario_to_argv(&a, &argc);
	memset(&b, 0xff, sizeof(b));
	scenario_defaults(&b);
	for (i = 0; i < argc; i++) {
		char *eq = strchr(argv[i], '=');

		*eq = '\0';
		TEST_CONTEXT("%s", argv[i]);
		CHECK_INT(0, scenario_set(&b, argv[i] + 2, eq + 1, err, sizeof(err)));
		free(argv[i]);
	}
	free(argv);
	TEST_CONTEXT_CLEAR();
	CHECK(!memcmp(&a, &b, sizeof(a)));
}

static void expect_error(const char *key, const char *value, int want, const char *needle)
{
	struct scenario sc;
	char err[512] = "";

	scenario_defaults(&sc);
	TEST_CONTEXT("--%s %s", key, value);
	CHECK_INT(want, scenario_set(&sc, key, value, err, sizeof(err)));
	if (!CHECK(strstr(err, needle) != NULL))
		fprintf(stderr, "  message was: %s\n  expected it to contain: %s\n", err, needle);
	TEST_CONTEXT_CLEAR();
}

static void test_scenario_errors(void)
{
	struct scenario sc;
	char err[512];

	expect_error("no-such-key", "1", -ENOENT, "unknown setting 'no-such-key'");
	expect_error("duration", "abc", -EINVAL, "invalid value 'abc' for --duration: expected a duration");
	expect_error("duration", "0.5s", -ERANGE, "from 1.00s");
	expect_error("faulters", "0", -ERANGE, "a whole number from 1 to 256");
	expect_error("faulters", "-3", -EINVAL, "a whole number from 1 to 256");
	expect_error("file-size", "12Q", -EINVAL, "suffix K, M, G, T");
	expect_error("throttle", "bogus", -EINVAL, "one of: auto io.latency io.max io.cost cpu.max none");
	expect_error("fault-mode", "mmap", -EINVAL, "one of: read-shared read-private write-shared anon shmem thp none");

	scenario_defaults(&sc);
	scenario_set(&sc, "file-size", "64M", err, sizeof(err));
	TEST_CONTEXT("file-size below 2x lo-memory-max");
	CHECK_INT(-EINVAL, scenario_validate(&sc, err, sizeof(err)));
	CHECK(strstr(err, "--file-size") && strstr(err, "--lo-memory-max"));
	TEST_CONTEXT_CLEAR();
}

static void test_save_load(void)
{
	char dir[] = "/tmp/mmstall-test-json-XXXXXX", path[128], err[512];
	json_t *root, *back;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/r.json", dir);
	root = result_envelope();
	CHECK_STR("running", json_string_value(json_object_get(root, "status")));
	result_finish(root, "ok", NULL);
	CHECK_INT(0, result_save(path, root));
	back = result_load(path, err, sizeof(err));
	CHECK(back != NULL);
	CHECK_U64(RESULT_FORMAT_VERSION, json_integer_value(json_object_get(back, "format_version")));
	CHECK_STR("ok", json_string_value(json_object_get(back, "status")));
	CHECK(json_is_null(json_object_get(back, "error")));
	CHECK(json_is_string(json_object_get(back, "end_time")));
	CHECK_STR("run", json_string_value(json_array_get(json_object_get(back, "command_line"), 1)));
	json_decref(back);

	/* a failed save leaves nothing behind and the old file intact */
	snprintf(path, sizeof(path), "%s/missing-dir/r.json", dir);
	CHECK_INT(-ENOENT, result_save(path, root));
	CHECK(!path_exists(path));
	json_decref(root);

	snprintf(path, sizeof(path), "%s/broken.json", dir);
	write_file_atomic(path, "{\"format_version\": 1,\n  oops", 28);
	TEST_CONTEXT("broken JSON names file, line and column");
	CHECK(result_load(path, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "broken.json:2:") != NULL);
	snprintf(path, sizeof(path), "%s/other.json", dir);
	write_file_atomic(path, "{\"hello\": 1}", 12);
	TEST_CONTEXT("foreign JSON");
	CHECK(result_load(path, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "not an mmstall result") != NULL);
	TEST_CONTEXT_CLEAR();
	rm_rf(dir);
}

/* Each key a writer emits must appear as `key` in results/README.md. */
static void check_documented(const char *doc, json_t *o, const char *where)
{
	const char *key;
	json_t *v;

	json_object_foreach(o, key, v) {
		char needle[128];

		snprintf(needle, sizeof(needle), "`%s`", key);
		TEST_CONTEXT("%s.%s documented in results/README.md", where, key);
		CHECK(strstr(doc, needle) != NULL);
	}
	TEST_CONTEXT_CLEAR();
}

static void test_documented(void)
{
	const char *src = getenv("MMSTALL_SOURCE_DIR");
	char path[512], *doc;
	struct scenario sc;
	struct hist h;
	json_t *o;

	snprintf(path, sizeof(path), "%s/results/README.md", src ? src : ".");
	if (!CHECK(read_file(path, &doc, NULL) == 0))
		return;
	hist_init(&h);
	hist_record(&h, 5);
	o = hist_to_json(&h);
	check_documented(doc, o, "latency record");
	json_decref(o);
	scenario_defaults(&sc);
	o = scenario_to_json(&sc);
	check_documented(doc, o, "scenario");
	json_decref(o);
	o = result_envelope();
	check_documented(doc, o, "top level");
	json_decref(o);
	free(doc);
}

int main(void)
{
	mm_orig_argc = 2;
	mm_orig_argv = fake_argv;
	test_hist_record_roundtrip();
	test_few_samples();
	test_scenario_json();
	test_scenario_argv_roundtrip();
	test_scenario_errors();
	test_save_load();
	test_documented();
	return test_summary();
}
