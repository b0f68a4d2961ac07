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
	/* found by tests/fuzz (fuzz_result): a mean no sample count can have made an undefined cast */
	{
		json_t *bad = json_deep_copy(rec);

		json_object_set_new(bad, "mean_ns", json_real(1e300));
		CHECK_INT(-EINVAL, hist_from_json(bad, &back));
		json_decref(bad);
	}
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

/* A latency record of n samples at lat ns each, so every percentile is lat. */
static json_t *flat_record(uint64_t n, uint64_t lat)
{
	struct hist h;
	uint64_t i;

	hist_init(&h);
	for (i = 0; i < n; i++)
		hist_record(&h, lat);
	return hist_to_json(&h);
}

/* A result with every object the decoder reads, as a guest and the host write them. */
static json_t *full_result(void)
{
	json_t *r = result_envelope(), *probes = json_object(), *maps;

	result_finish(r, "ok", NULL);
	json_object_set_new(r, "label", json_string("6.12"));
	json_object_set_new(r, "mode", json_string("live"));
	json_object_set_new(r, "machine", json_pack("{s:s,s:i,s:I}", "hostname", "guest", "cpus", 2, "memory_bytes",
						    (json_int_t)1 << 30));
	json_object_set_new(r, "kernel", json_pack("{s:s}", "release", "6.12.117+deb12-cloud-amd64"));
	json_object_set_new(r, "scenario", json_pack("{s:s,s:I}", "name", "dirty-throttle", "duration_ns",
						     (json_int_t)10000000000LL));
	json_object_set_new(r, "throttle", json_pack("{s:s,s:s,s:s,s:s,s:s}", "requested", "io.max", "kind", "io.max",
						     "group", "lo", "file", "io.max", "value", "254:0 wbps=262144"));
	maps = json_pack("{s:s,s:s,s:b,s:I,s:i,s:o,s:{s:I,s:f}}", "what", "read /proc/<lo>/maps", "mmap_lock_of", "lo",
			 "control", 0, "interval_ns", (json_int_t)10000000, "threads", 1, "corrected",
			 flat_record(500, 40000000), "censored", "count", (json_int_t)7, "min_ns", 30e6);
	json_object_set_new(maps, "slowest", json_pack("[{s:f,s:I,s:I,s:i}]", "t_s", 1.5, "corrected_ns",
						       (json_int_t)40000000, "service_ns", (json_int_t)3000, "thread", 0));
	json_object_set_new(probes, "maps", maps);
	json_object_set_new(probes, "cmdline", json_pack("{s:s,s:s,s:b,s:o}", "what", "read /proc/<lo>/cmdline",
							 "mmap_lock_of", "lo", "control", 0, "corrected",
							 flat_record(500, 8000000)));
	json_object_set_new(probes, "status", json_pack("{s:s,s:s,s:b,s:o}", "what", "read /proc/<lo>/status",
							"mmap_lock_of", "none", "control", 1, "corrected",
							flat_record(500, 2000000)));
	json_object_set_new(r, "probes", probes);
	json_object_set_new(r, "lo", json_pack("{s:I,s:I}", "touches", (json_int_t)1234, "writer_ops", (json_int_t)99));
	json_object_set_new(r, "cgroups", json_pack("{s:{s:{s:I},s:{s:I}}}", "lo", "memory_stat", "pgmajfault",
						    (json_int_t)3000, "io_stat", "rios", (json_int_t)2900));
	json_object_set_new(r, "fio", json_pack("{s:{s:s,s:s,s:{s:f,s:f,s:f}}}", "baseline", "job_file", "baseline",
						"status", "ok", "read", "clat_p50_ns", 2e5, "clat_p99_ns", 3e6, "iops",
						3000.0));
	json_object_set_new(r, "vm", json_pack("{s:s,s:s,s:s,s:s,s:i,s:i,s:i,s:s,s:i,s:I,s:{s:s,s:i,s:I},s:{s:f}}",
					       "label", "6.12", "kernel_spec", "deb:linux-image-6.12", "accelerator",
					       "tcg", "accelerator_reason", "/dev/kvm missing", "repetition", 3,
					       "repetitions", 5, "variant_index", 1, "baseline", "6.1", "guest_cpus", 2,
					       "guest_memory_bytes", (json_int_t)1 << 30, "host", "hostname", "box",
					       "cpus", 2, "memory_bytes", (json_int_t)24 << 30, "timings", "overhead_s",
					       3.5));
	return r;
}

static void test_decode(void)
{
	const struct probe_result *maps, *cmdline, *status;
	json_t *r = reparse(full_result());
	struct run_result res;
	struct stat_value x;
	char err[512];

	TEST_CONTEXT("decode a full result");
	if (!CHECK_INT(0, result_decode(r, &res, err, sizeof(err)))) {
		fprintf(stderr, "decode: %s\n", err);
		json_decref(r);
		return;
	}
	CHECK_INT(RUN_OK, res.status);
	CHECK_STR("6.12.117+deb12-cloud-amd64", res.kernel_release);
	CHECK_STR("dirty-throttle", res.scenario_name);
	CHECK_U64(10000000000ULL, res.duration_ns);
	CHECK_STR("254:0 wbps=262144", res.throttle.value);
	CHECK_U64(1234, res.lo.touches);
	CHECK_U64(3000, res.cg_lo.pgmajfault);
	CHECK_U64(2900, res.cg_lo.rios);
	CHECK(res.fio.baseline.has_read);
	CHECK_DBL(3e6, res.fio.baseline.read_p99_ns, 1);
	CHECK_STR("tcg", res.vm.accelerator);
	CHECK_INT(3, res.vm.repetition);
	CHECK_INT(1, res.vm.variant_index);
	CHECK_STR("6.1", res.vm.baseline);
	CHECK_STR("box", res.vm.host_name);
	CHECK_DBL(3.5, res.vm.overhead_s, 1e-9);
	CHECK_INT(3, res.nr_probes);
	status = result_probe(&res, "status");
	maps = result_probe(&res, "maps");
	cmdline = result_probe(&res, "cmdline");
	CHECK(status && status->control && res.control == (int)(status - res.probes));
	CHECK(maps && probe_takes_lo_lock(maps) && !probe_takes_lo_lock(status));
	CHECK_U64(7, maps->censored);
	CHECK_INT(1, (int)maps->nr_slowest);
	CHECK_DBL(1.5, maps->slowest[0].t_s, 1e-9);

	/* the stall index: the probe's statistic over the control's, same run */
	TEST_CONTEXT("stall index");
	x = probe_stat_value(maps, STAT_P99);
	CHECK(x.known && x.lower_bound);	/* 7 censored samples recorded from 30 ms: the 40 ms p99 may be higher */
	CHECK_DBL(40e6, x.v, 40e6 * HIST_REL_ERROR);
	CHECK(maps->index[STAT_P99].known && maps->index[STAT_P99].lower_bound);
	CHECK_DBL(20.0, maps->index[STAT_P99].v, 20.0 * 2 * HIST_REL_ERROR);
	CHECK(cmdline->index[STAT_P99].known && !cmdline->index[STAT_P99].lower_bound);
	CHECK_DBL(4.0, cmdline->index[STAT_P99].v, 4.0 * 2 * HIST_REL_ERROR);
	CHECK(!cmdline->index[STAT_P99_9].known);	/* 500 samples: no p99.9, so no index */
	CHECK(!status->index[STAT_P99].known);	/* the control has none */
	result_free(&res);
	json_decref(r);
	TEST_CONTEXT_CLEAR();
}

/* result_save() stores the derived index; a reader takes the stored one. */
static void test_saved_index(void)
{
	char dir[] = "/tmp/mmstall-test-idx-XXXXXX", path[128], err[512];
	json_t *root = full_result(), *back, *idx;
	struct run_result res;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/r.json", dir);
	TEST_CONTEXT("stall_index stored");
	CHECK_INT(0, result_save(path, root));
	back = result_load(path, err, sizeof(err));
	idx = json_object_get(json_object_get(json_object_get(back, "probes"), "cmdline"), "stall_index");
	CHECK(json_is_object(idx));
	CHECK_DBL(4.0, json_number_value(json_object_get(idx, "p99")), 0.1);
	CHECK(json_is_null(json_object_get(idx, "p99_9")));
	/* maps is all at 40 ms, its censored samples recorded from 30 ms: p50, p99, max lower bounds (no p99.9) */
	CHECK_INT(3, json_array_size(json_object_get(json_object_get(json_object_get(json_object_get(back, "probes"),
						"maps"), "stall_index"), "lower_bound")));
	CHECK(!json_object_get(json_object_get(json_object_get(back, "probes"), "status"), "stall_index"));
	/* a stored index is what a reader gets (an older file without one gets it computed) */
	json_object_set_new(idx, "p99", json_real(7.5));
	CHECK_INT(0, result_decode(back, &res, err, sizeof(err)));
	CHECK_DBL(7.5, result_probe(&res, "cmdline")->index[STAT_P99].v, 1e-9);
	result_free(&res);
	json_decref(back);
	json_decref(root);
	rm_rf(dir);
	TEST_CONTEXT_CLEAR();
}

/* A document of the wrong shape is an error that names the key. */
static void test_decode_shapes(void)
{
	static const struct {
		const char *object, *key, *value, *needle;
	} bad[] = {
		{ NULL, "probes", "\"x\"", "probes is a string, not an object" },
		{ NULL, "status", "3", "status is an integer, not a string" },
		{ NULL, "scenario", "[]", "scenario is an array, not an object" },
		{ "probes", "maps", "1", "probes.maps is an integer, not an object" },
		{ "vm", "repetition", "\"3\"", "vm.repetition is a string, not a number" },
		{ "vm", "host", "\"box\"", "vm.host is a string, not an object" },
		{ "lo", "touches", "-1", "lo.touches is an integer, not a number >= 0" },
		/* found by tests/fuzz (fuzz_result): converting these to integers was undefined */
		{ "machine", "memory_bytes", "1.07371e+305", "machine.memory_bytes is a number, not a number below 2^64" },
		{ "lo", "touches", "18446744073709551616.0", "lo.touches is a number, not a number below 2^64" },
		{ "vm", "guest_cpus", "1e10", "vm.guest_cpus is a number, not a number up to 2147483647" },
		{ "vm", "variant_index", "2147483648.0", "vm.variant_index is a number, not a number up to" },
	};
	struct run_result res;
	char err[512];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		json_t *r = full_result(), *o = bad[i].object ? json_object_get(r, bad[i].object) : r;

		TEST_CONTEXT("%s.%s = %s", bad[i].object ?: "", bad[i].key, bad[i].value);
		json_object_set_new(o, bad[i].key, json_loads(bad[i].value, JSON_DECODE_ANY, NULL));
		err[0] = '\0';
		CHECK_INT(-EINVAL, result_decode(r, &res, err, sizeof(err)));
		if (!CHECK(strstr(err, bad[i].needle)))
			fprintf(stderr, "  message was: %s\n", err);
		CHECK_INT(-EINVAL, result_check(r, err, sizeof(err)));
		json_decref(r);
	}
	TEST_CONTEXT_CLEAR();
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
	test_decode();
	test_saved_index();
	test_decode_shapes();
	return test_summary();
}
