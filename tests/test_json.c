// SPDX-License-Identifier: GPL-2.0
/*
 * Result JSON: written with the real code, parsed back with jansson and
 * checked field by field; scenario settings round-trip; every key the
 * writers produce is documented in results/README.md.
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup/sample.h"
#include "harness/attrib.h"
#include "harness/cmds.h"
#include "harness/hist.h"
#include "harness/result.h"
#include "harness/slowest.h"
#include "harness/util.h"
#include "harness/vm/kernel.h"
#include "harness/vm/record.h"
#include "harness/vm/session.h"
#include "tests/test_util.h"
#include "workloads/scenario.h"
#include "workloads/shared.h"
#include "version.h"

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
	CHECK_U64(10 * NSEC_PER_SEC, json_integer_value(json_object_get(o, "duration_ns")));
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

/* ---- every object of a run result: written from a typed input, decoded, compared ---- */

/* Both NULL, or the same string. */
#define CHECK_OSTR(exp, got) ((exp) || (got) ? CHECK_STR((exp), (got)) : CHECK(true))
#define CHECK_RINT(exp, got) (void)(CHECK_INT((exp).known, (got).known) && CHECK_INT((exp).v, (got).v))

/* An envelope of a finished run: what every decodable document has. */
static json_t *doc(void)
{
	json_t *r = result_envelope();

	result_finish(r, "ok", NULL);
	return r;
}

/* As a reader gets it (dumped, parsed) and decoded; false, a failed check, when it does not decode. */
static bool roundtrip(json_t *root, struct run_result *res)
{
	json_t *back = reparse(root);
	char err[512] = "";
	int ret = result_decode(back, res, err, sizeof(err));

	json_decref(back);
	if (!CHECK_INT(0, ret))
		fprintf(stderr, "  decode: %s\n", err);
	return !ret;
}

/* Latency record against the histogram it was written from. */
static void check_record(const struct lat_record *rec, const struct hist *h)
{
	size_t i, n = 0;

	CHECK(rec->present);
	CHECK_U64(h->count, rec->count);
	CHECK_INT(h->count > 0, rec->has_extremes);
	if (h->count) {
		CHECK_DBL((double)h->min_ns, rec->min_ns, 0);
		CHECK_DBL((double)h->max_ns, rec->max_ns, 0);
		CHECK_DBL(hist_mean(h), rec->mean_ns, hist_mean(h) * 1e-12);
	}
	for (i = 0; i < RESULT_NR_PCTS; i++) {
		uint64_t need = hist_samples_needed(result_pcts[i].p), v = hist_percentile(h, result_pcts[i].p);

		CHECK_INT(h->count >= need, rec->pct[i].known);
		if (h->count >= need) {
			CHECK_DBL((double)v, rec->pct[i].ns, 0);
		} else if (h->count) {
			CHECK_DBL((double)v, rec->pct[i].estimate_ns, 0);
			CHECK_U64(need, rec->pct[i].needed);
		}
	}
	for (i = 0; i < HIST_NR_BUCKETS; i++) {
		uint64_t lo, hi;

		if (!h->buckets[i])
			continue;
		hist_bucket_range(i, &lo, &hi);
		if (!CHECK(n < rec->nr_buckets))
			return;
		CHECK_U64(lo, rec->buckets[n].lo_ns);
		CHECK_U64(hi, rec->buckets[n].hi_ns);
		CHECK_U64(h->buckets[i], rec->buckets[n].count);
		n++;
	}
	CHECK_U64(n, rec->nr_buckets);
}

/* Samples spread log-uniformly over [lo_ns, hi_ns]. */
static void fill_range(struct hist *h, size_t n, double lo_ns, double hi_ns, uint64_t seed)
{
	uint64_t rng = rng_seed(seed, 3);
	size_t i;

	hist_init(h);
	for (i = 0; i < n; i++) {
		double u = (double)(rng_next(&rng) >> 11) / (double)(1ULL << 53);

		hist_record(h, (uint64_t)(lo_ns * pow(hi_ns / lo_ns, u)));
	}
}

static void test_rt_envelope(void)
{
	struct run_result res;
	json_t *r = result_envelope();

	TEST_CONTEXT("envelope, label, mode");
	result_set_label(r, "6.12-aa", "live");
	result_finish(r, "failed", "the probes (hi) exited with status 1");
	if (!roundtrip(r, &res))
		return;
	CHECK_INT(RESULT_FORMAT_VERSION, res.format_version);
	CHECK_STR(MMSTALL_VERSION, res.mmstall_version);
	if (CHECK_U64(2, res.nr_command_line)) {
		CHECK_STR("mmstall", res.command_line[0]);
		CHECK_STR("run", res.command_line[1]);
	}
	CHECK(res.start_time && strlen(res.start_time) >= 20 && res.end_time && strlen(res.end_time) >= 20);
	CHECK_INT(RUN_FAILED, res.status);
	CHECK_STR("failed", res.status_text);
	CHECK_STR("the probes (hi) exited with status 1", res.error);
	CHECK_STR("6.12-aa", res.label);
	CHECK_STR("live", res.mode);
	result_free(&res);

	/* a run still going: no end, no error */
	r = result_envelope();
	if (roundtrip(r, &res)) {
		CHECK_INT(RUN_RUNNING, res.status);
		CHECK(!res.end_time && !res.error);
		result_free(&res);
	}
	TEST_CONTEXT_CLEAR();
}

static const struct result_machine machine_in = { "guest-1", 3, 5ULL << 30 };
static const struct result_kconfig_opt kconfig_in[] = {
	{ "CONFIG_PER_VMA_LOCK", "y" }, { "CONFIG_BLK_CGROUP_IOLATENCY", NULL }, { "CONFIG_HZ", "250" },
};
static const struct result_kernel kernel_in = {
	"6.12.117+deb12-cloud-amd64", "#1 SMP PREEMPT_DYNAMIC Debian 6.12.117-1~deb12u1", "x86_64", "madvise",
	"/proc/config.gz", kconfig_in, ARRAY_SIZE(kconfig_in),
};

static void check_kernel(const struct result_kernel *in, const struct run_result *res)
{
	size_t i;

	CHECK_OSTR(in->release, res->kernel.release);
	CHECK_OSTR(in->release, res->kernel_release);
	CHECK_OSTR(in->version, res->kernel.version);
	CHECK_OSTR(in->machine, res->kernel.machine);
	CHECK_OSTR(in->transparent_hugepage, res->kernel.transparent_hugepage);
	CHECK_OSTR(in->config_source, res->kernel.config_source);
	if (!CHECK_U64(in->config_source ? in->nr_config : 0, res->kernel.nr_config))
		return;
	for (i = 0; i < res->kernel.nr_config; i++) {
		CHECK_STR(in->config[i].name, res->kernel.config[i].name);
		CHECK_OSTR(in->config[i].value, res->kernel.config[i].value);
	}
}

static void test_rt_machine_kernel(void)
{
	struct result_kernel bare = { "7.3.4", "#1", "aarch64", NULL, NULL, kconfig_in, ARRAY_SIZE(kconfig_in) };
	struct run_result res;
	json_t *r = doc();

	TEST_CONTEXT("machine, kernel");
	result_set_machine(r, &machine_in);
	result_set_kernel(r, &kernel_in);
	if (roundtrip(r, &res)) {
		CHECK_STR("guest-1", res.machine_host);
		CHECK_INT(3, res.machine_cpus);
		CHECK_U64(5ULL << 30, res.machine_memory_bytes);
		check_kernel(&kernel_in, &res);
		result_free(&res);
	}
	/* no config found, no THP: both null, no options listed */
	TEST_CONTEXT("kernel without config or THP");
	r = doc();
	result_set_kernel(r, &bare);
	if (roundtrip(r, &res)) {
		check_kernel(&bare, &res);
		CHECK(!res.kernel.config);
		result_free(&res);
	}
	TEST_CONTEXT_CLEAR();
}

static const struct result_setting settings_in[] = {
	{ "name", RESULT_SETTING_TEXT, "dirty-throttle", 0 },
	{ "duration", RESULT_SETTING_NS, NULL, 30000000000ULL },
	{ "file-size", RESULT_SETTING_BYTES, NULL, 512ULL << 20 },
	{ "faulters", RESULT_SETTING_COUNT, NULL, 4 },
	{ "seed", RESULT_SETTING_COUNT, NULL, UINT64_MAX },
	{ "fio-lo", RESULT_SETTING_TEXT, NULL, 0 },
	{ "io-latency-target", RESULT_SETTING_NS, NULL, 5000000 },
};

static void check_settings(const struct result_setting *in, size_t n, const struct run_result *res)
{
	size_t i;

	if (!CHECK_U64(n, res->nr_settings))
		return;
	for (i = 0; i < n; i++) {
		const struct result_setting_value *x = &res->settings[i];
		char key[96], num[32];

		result_setting_key(&in[i], key, sizeof(key));
		TEST_CONTEXT("scenario setting %s", in[i].name);
		CHECK_STR(key, x->key);
		if (in[i].type == RESULT_SETTING_TEXT) {
			CHECK_STR(in[i].text ? in[i].text : "", x->text);
		} else if (in[i].value > INT64_MAX) {
			snprintf(num, sizeof(num), "%" PRIu64, in[i].value);
			CHECK_STR(num, x->text);
		} else {
			CHECK(!x->text);
			CHECK_U64(in[i].value, x->value);
		}
	}
	TEST_CONTEXT_CLEAR();
}

static void test_rt_scenario_histogram(void)
{
	struct result_setting *real;
	struct run_result res;
	struct scenario sc;
	char err[512], key[96];
	json_t *r = doc();
	size_t n;

	result_set_scenario(r, settings_in, ARRAY_SIZE(settings_in));
	result_set_histogram(r);
	if (roundtrip(r, &res)) {
		check_settings(settings_in, ARRAY_SIZE(settings_in), &res);
		TEST_CONTEXT("scenario, histogram");
		CHECK_STR("dirty-throttle", res.scenario_name);
		CHECK_U64(30000000000ULL, res.duration_ns);
		CHECK(res.histogram.present);
		CHECK_STR("log-linear", res.histogram.type);
		CHECK_STR("ns", res.histogram.unit);
		CHECK_INT(HIST_BITS, res.histogram.sub_bucket_bits);
		CHECK_DBL(HIST_REL_ERROR, res.histogram.relative_error_bound, 0);
		result_free(&res);
	}
	TEST_CONTEXT("key spelling");
	result_setting_key(&settings_in[6], key, sizeof(key));
	CHECK_STR("io_latency_target_ns", key);
	result_setting_key(&settings_in[2], key, sizeof(key));
	CHECK_STR("file_size_bytes", key);

	/* the real settings table, every key (the throttles' too) */
	scenario_defaults(&sc);
	CHECK_INT(0, scenario_set(&sc, "seed", "18446744073709551615", err, sizeof(err)));
	CHECK_INT(0, scenario_set(&sc, "throttle", "io.cost", err, sizeof(err)));
	real = scenario_settings(&sc, &n);
	CHECK_U64(scenario_nr_keys, n);
	r = doc();
	result_set_scenario(r, real, n);
	if (roundtrip(r, &res)) {
		check_settings(real, n, &res);
		result_free(&res);
	}
	free(real);
	TEST_CONTEXT_CLEAR();
}

static const struct result_throttle throttle_in = {
	"auto", "io.cost", "auto: no io.latency in this kernel (CONFIG_BLK_CGROUP_IOLATENCY not set), fell back",
	"254:0", "vda", "lo", "io.weight", "default 1",
	"hi io.weight default 10000; io.cost.model 254:0 ctrl=user model=linear rbps=4194304",
};

static void test_rt_throttle(void)
{
	static const struct result_throttle none = {
		.requested = "none", .kind = "none", .reason = "requested with --throttle none", .device = "254:0",
		.disk = "vda",
	};
	const struct result_throttle *in[] = { &throttle_in, &none };
	struct run_result res;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(in); i++) {
		json_t *r = doc();

		TEST_CONTEXT("throttle %s", in[i]->kind);
		result_set_throttle(r, in[i]);
		if (!roundtrip(r, &res))
			continue;
		CHECK(res.throttle.present);
		CHECK_OSTR(in[i]->requested, res.throttle.requested);
		CHECK_OSTR(in[i]->kind, res.throttle.kind);
		CHECK_OSTR(in[i]->reason, res.throttle.reason);
		CHECK_OSTR(in[i]->device, res.throttle.device);
		CHECK_OSTR(in[i]->disk, res.throttle.disk);
		CHECK_OSTR(in[i]->group, res.throttle.group);
		CHECK_OSTR(in[i]->file, res.throttle.file);
		CHECK_OSTR(in[i]->value, res.throttle.value);
		CHECK_OSTR(in[i]->other_settings, res.throttle.other_settings);
		/* "Absent for none": no group, file or value key at all */
		if (!in[i]->group)
			CHECK(!json_object_get(json_object_get(res.raw, "throttle"), "group"));
		result_free(&res);
	}
	TEST_CONTEXT_CLEAR();
}

/* The probes of the round trip: a control, a lock probe with everything, one that never sampled. */
#define WINDOW_START_NS (1000 * NSEC_PER_SEC)
static struct hist ctl_c, ctl_s, maps_c, maps_s, empty_h;
static struct slowest ctl_sl, maps_sl;
static struct result_probe_in probes_in[3];

static void make_probes(void)
{
	uint64_t rng = rng_seed(11, 5);
	int k;

	fill_range(&ctl_c, 600, 1e6, 3e6, 1);
	fill_range(&ctl_s, 600, 1e4, 3e4, 2);
	fill_range(&maps_c, 2000, 5e6, 80e6, 3);
	fill_range(&maps_s, 2000, 1e4, 8e4, 4);
	hist_init(&empty_h);
	slowest_init(&ctl_sl);
	slowest_init(&maps_sl);
	/* more samples than the list keeps, due in no order, some in the warm-up */
	for (k = 0; k < 200; k++) {
		uint64_t due = WINDOW_START_NS - 2 * NSEC_PER_SEC + (rng_next(&rng) % (8 * NSEC_PER_SEC));

		slowest_add(&maps_sl, due, 5000000 + rng_next(&rng) % 75000000, 10000 + k, (uint32_t)(k % 3));
		if (k < 5)
			slowest_add(&ctl_sl, due, 1000000 + k, 20000, 0);
	}
	probes_in[0] = (struct result_probe_in){
		"status", "read /proc/<lo>/status", "none", true, 10000000, 1, 0, NULL, 0, 0, 0, &ctl_c, &ctl_s,
		&ctl_sl,
	};
	probes_in[1] = (struct result_probe_in){
		"maps", "read /proc/<lo>/maps (mmap_read_lock_killable of lo's mm)", "lo", false, 2000000, 4, 3,
		"Permission denied", 17, 2, 60000000, &maps_c, &maps_s, &maps_sl,
	};
	probes_in[2] = (struct result_probe_in){
		"mmap", "mmap+munmap of a page in hi", "hi", false, 10000000, 2, 0, "never written", 0, 0, 0,
		&empty_h, &empty_h, NULL,
	};
}

static void check_probe(const struct result_probe_in *in, const struct probe_result *p)
{
	struct slowest sl = { 0 };
	uint32_t k;

	TEST_CONTEXT("probes.%s", in->name);
	CHECK_STR(in->name, p->name);
	CHECK_OSTR(in->what, p->what);
	CHECK_OSTR(in->mmap_lock_of, p->lock_of);
	CHECK_INT(in->control, p->control);
	CHECK_U64(in->interval_ns, p->interval_ns);
	CHECK_U64(in->threads, p->threads);
	CHECK_U64(in->errors, p->errors);
	CHECK_OSTR(in->errors ? in->first_error : NULL, p->first_error);	/* no errors: null */
	CHECK_U64(in->late_samples, p->late);
	CHECK_U64(in->censored, p->censored);
	CHECK_INT(in->censored > 0, p->has_censored_min);
	CHECK_DBL((double)(in->censored ? in->censored_min_ns : 0), p->censored_min_ns, 0);
	check_record(&p->corrected, in->corrected);
	check_record(&p->service, in->service);
	CHECK(p->has_slowest);
	if (in->slowest)
		sl = *in->slowest;
	slowest_sort_by_time(&sl);
	if (!CHECK_U64(sl.n, p->nr_slowest))
		return;
	for (k = 0; k < sl.n; k++) {
		uint64_t us = sl.s[k].due_ns >= WINDOW_START_NS ? (sl.s[k].due_ns - WINDOW_START_NS) / 1000 : 0;

		CHECK_DBL((double)us / 1e6, p->slowest[k].t_s, 1e-9);
		CHECK_DBL((double)sl.s[k].corrected_ns, p->slowest[k].corrected_ns, 0);
		CHECK_DBL((double)sl.s[k].service_ns, p->slowest[k].service_ns, 0);
		CHECK_INT(sl.s[k].thread, p->slowest[k].thread);
		if (k)	/* by due time: a timeline */
			CHECK(p->slowest[k].t_s >= p->slowest[k - 1].t_s);
	}
}

static void test_rt_probes(void)
{
	char dir[] = "/tmp/mmstall-test-rt-XXXXXX", path[128], err[512];
	double ctl99, maps99;
	struct run_result res;
	json_t *r = doc();
	size_t i;

	make_probes();
	result_set_probes(r, probes_in, ARRAY_SIZE(probes_in), WINDOW_START_NS);
	/* through the file: result_save() adds each probe's stall index */
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/r.json", dir);
	CHECK_INT(0, result_save(path, r));
	json_decref(r);
	if (!CHECK_INT(0, result_read(path, &res, err, sizeof(err)))) {
		fprintf(stderr, "  %s\n", err);
		rm_rf(dir);
		return;
	}
	if (CHECK_U64(ARRAY_SIZE(probes_in), res.nr_probes))
		for (i = 0; i < res.nr_probes; i++)	/* in the order given */
			check_probe(&probes_in[i], &res.probes[i]);
	TEST_CONTEXT("p99_ratio_to_control, stall_index");
	CHECK_INT(0, res.control);
	ctl99 = (double)hist_percentile(&ctl_c, 99.0);
	maps99 = (double)hist_percentile(&maps_c, 99.0);
	CHECK(res.probes[1].has_ratio);
	CHECK_DBL(maps99 / ctl99, res.probes[1].p99_ratio_to_control, 1e-9);
	CHECK(res.probes[0].has_ratio);	/* the control against itself */
	CHECK_DBL(1.0, res.probes[0].p99_ratio_to_control, 1e-12);
	CHECK(!res.probes[2].has_ratio);	/* no samples: null */
	CHECK(res.probes[1].index[STAT_P99].known);
	CHECK_DBL(maps99 / ctl99, res.probes[1].index[STAT_P99].v, 1e-9);
	/* censored samples recorded from 60 ms: the p99 (~79 ms) and max are lower bounds, the p50 is not */
	CHECK(res.probes[1].index[STAT_P99].lower_bound && res.probes[1].index[STAT_MAX].lower_bound);
	CHECK(res.probes[1].index[STAT_P50].known && !res.probes[1].index[STAT_P50].lower_bound);
	CHECK(!res.probes[2].index[STAT_P50].known);
	CHECK(!json_object_get(json_object_get(json_object_get(res.raw, "probes"), "status"), "stall_index"));
	result_free(&res);
	rm_rf(dir);
	TEST_CONTEXT_CLEAR();
}

static struct hist touch_h, writer_h;
static struct result_lo_in lo_in;

static void make_lo(void)
{
	fill_range(&touch_h, 50, 2e3, 5e8, 9);
	fill_range(&writer_h, 1500, 1e3, 1e5, 10);
	lo_in = (struct result_lo_in){ "write-shared", "mprotect-faulted", 12345, &touch_h, 777, &writer_h, 2,
				       "Cannot allocate memory" };
}

static void test_rt_lo(void)
{
	struct run_result res;
	json_t *r = doc();

	TEST_CONTEXT("lo");
	make_lo();
	result_set_lo(r, &lo_in);
	if (!roundtrip(r, &res))
		return;
	CHECK(res.lo.present);
	CHECK_STR("write-shared", res.lo.fault_mode);
	CHECK_STR("mprotect-faulted", res.lo.writer);
	CHECK_U64(12345, res.lo.touches);
	CHECK_U64(777, res.lo.writer_ops);
	check_record(&res.lo.touch, &touch_h);
	check_record(&res.lo.writer_op, &writer_h);
	CHECK_U64(2, res.lo.writer_errors);
	CHECK_STR("Cannot allocate memory", res.lo.writer_first_error);
	result_free(&res);
	TEST_CONTEXT_CLEAR();
}

static const struct result_counter memstat_in[] = {
	{ "pgmajfault", 3000 }, { "file", -4096 }, { "workingset_refault_file", 17 },
};

static void make_cgroups(struct result_cgroup *lo, struct result_cgroup *hi)
{
	memset(lo, 0, sizeof(*lo));
	memset(hi, 0, sizeof(*hi));
	lo->has_memory_stat = true;
	lo->memory_stat = memstat_in;
	lo->nr_memory_stat = ARRAY_SIZE(memstat_in);
	lo->has_io_stat = true;
	lo->io_stat[RESULT_IO_RBYTES] = (struct result_int){ true, 1 << 20 };
	lo->io_stat[RESULT_IO_WBYTES] = (struct result_int){ true, 0 };
	lo->io_stat[RESULT_IO_RIOS] = (struct result_int){ true, 256 };
	lo->io_stat[RESULT_IO_WIOS] = (struct result_int){ true, 3 };
	lo->io_stat[RESULT_IO_DBYTES] = (struct result_int){ true, 0 };	/* dios: not in io.stat (older kernel) */
	lo->pressure[RESULT_PSI_CPU].present = true;
	lo->pressure[RESULT_PSI_CPU].some_total_us = (struct result_int){ true, 1234 };
	lo->pressure[RESULT_PSI_CPU].full_total_us = (struct result_int){ true, 0 };
	lo->pressure[RESULT_PSI_MEMORY].present = true;
	lo->pressure[RESULT_PSI_MEMORY].some_total_us = (struct result_int){ true, 99 };
	lo->pressure[RESULT_PSI_IO].present = true;
	lo->pressure[RESULT_PSI_IO].some_total_us = (struct result_int){ true, 4000000 };
	lo->pressure[RESULT_PSI_IO].full_total_us = (struct result_int){ true, 3900000 };
	lo->path = "/sys/fs/cgroup/mmstall.123/lo";
	lo->has_memory_max = true;
	lo->memory_max_bytes = 64ULL << 20;
	hi->path = "/sys/fs/cgroup/mmstall.123/hi";	/* nothing read: no stat objects, pressure {} */
}

static void check_cgroup(const struct result_cgroup *in, const struct result_cgroup *out)
{
	size_t i;

	CHECK_OSTR(in->path, out->path);
	CHECK_INT(in->has_memory_max, out->has_memory_max);
	CHECK_U64(in->memory_max_bytes, out->memory_max_bytes);
	CHECK_INT(in->has_memory_stat, out->has_memory_stat);
	if (CHECK_U64(in->nr_memory_stat, out->nr_memory_stat))
		for (i = 0; i < in->nr_memory_stat; i++) {
			CHECK_STR(in->memory_stat[i].name, out->memory_stat[i].name);
			CHECK_INT(in->memory_stat[i].delta, out->memory_stat[i].delta);
		}
	CHECK_INT(in->has_io_stat, out->has_io_stat);
	for (i = 0; i < RESULT_NR_IO_STAT; i++)
		CHECK_RINT(in->io_stat[i], out->io_stat[i]);
	for (i = 0; i < RESULT_NR_PSI; i++) {
		CHECK_INT(in->pressure[i].present, out->pressure[i].present);
		CHECK_RINT(in->pressure[i].some_total_us, out->pressure[i].some_total_us);
		CHECK_RINT(in->pressure[i].full_total_us, out->pressure[i].full_total_us);
	}
}

static void test_rt_cgroups(void)
{
	struct result_cgroup lo, hi;
	struct run_result res;
	json_t *r = doc();

	TEST_CONTEXT("cgroups");
	make_cgroups(&lo, &hi);
	result_set_cgroups(r, &lo, &hi);
	if (roundtrip(r, &res)) {
		CHECK(res.cgroups.present && res.cgroups.has_lo && res.cgroups.has_hi);
		TEST_CONTEXT("cgroups.lo");
		check_cgroup(&lo, &res.cgroups.lo);
		TEST_CONTEXT("cgroups.hi");
		check_cgroup(&hi, &res.cgroups.hi);
		TEST_CONTEXT("cgroups: lo's headline figures");
		CHECK(res.cg_lo.present);
		CHECK_U64(3000, res.cg_lo.pgmajfault);
		CHECK_U64(256, res.cg_lo.rios);
		result_free(&res);
	}
	TEST_CONTEXT("cgroups never sampled");
	r = doc();
	result_set_cgroups(r, NULL, NULL);
	if (roundtrip(r, &res)) {
		CHECK(res.cgroups.present && !res.cgroups.has_lo && !res.cgroups.has_hi && !res.cg_lo.present);
		result_free(&res);
	}
	TEST_CONTEXT_CLEAR();
}

static struct result_fio_job fio_jobs_base[1], fio_jobs_lo[2];
static struct result_fio fio_in;

static struct result_fio_dir fio_dir(uint64_t ios, double iops, int64_t p99, bool pcts)
{
	struct result_int no = { 0 };

	return (struct result_fio_dir){
		true, ios, iops, { true, (int64_t)ios * 4096 }, { true, (int64_t)(iops * 4096) },
		{ true, p99 / 3 }, pcts ? (struct result_int){ true, p99 / 4 } : no,
		pcts ? (struct result_int){ true, p99 } : no, pcts ? (struct result_int){ true, p99 * 3 } : no,
		{ true, p99 * 10 },
	};
}

static void make_fio(void)
{
	fio_jobs_base[0] = (struct result_fio_job){ "baseline", { true, 0 }, { true, 2000 },
						    { fio_dir(22332, 11160.41979, 325632, true) } };
	fio_jobs_lo[0] = (struct result_fio_job){ "mixed", { true, 0 }, { true, 9050 },
						  { fio_dir(67251, 7000.5, 468992, true), fio_dir(29034, 3000.25, 602112, true) } };
	fio_jobs_lo[1] = (struct result_fio_job){ "reader", { true, 5 }, { false, 0 },
						  { fio_dir(100, 11.5, 900000, false) } };
	fio_in = (struct result_fio){
		.binary = "/tools/bin/fio",
		.sysv_shm_emulated = true,
		.version = "fio-3.33",
		.data_dir = "/data",
		.read_file = "/data/lo.dat",
		.baseline = { .present = true, .job_file = "baseline", .status = "ok", .file = "/data/lo.dat",
			      .job_text = "; the baseline\n[baseline]\nrw=randread\n", .reaped = true,
			      .exit_status = { true, 0 }, .has_output = true, .fio_version = "fio-3.33",
			      .jobs = fio_jobs_base, .nr_jobs = 1, .has_read = true },
		.lo = { .present = true, .job_file = "mixed", .group = "lo", .status = "failed",
			.error = "fio killed by signal 9", .job_text = "[mixed]\nruntime=${MMSTALL_RUNTIME}\n",
			.runtime = "9050ms", .ended_by = "SIGKILL", .reaped = true, .has_output = true,
			.fio_version = "fio-3.33", .jobs = fio_jobs_lo, .nr_jobs = 2 },
	};
	fio_in.baseline.read = fio_jobs_base[0].dir[RESULT_READ];
}

static void check_fio_dir(const struct result_fio_dir *in, const struct result_fio_dir *out)
{
	CHECK_INT(in->present, out->present);
	if (!in->present)
		return;
	CHECK_U64(in->ios, out->ios);
	CHECK_DBL(in->iops, out->iops, 1e-9);
	CHECK_RINT(in->io_bytes, out->io_bytes);
	CHECK_RINT(in->bw_bytes_per_s, out->bw_bytes_per_s);
	CHECK_RINT(in->clat_mean_ns, out->clat_mean_ns);
	CHECK_RINT(in->clat_p50_ns, out->clat_p50_ns);
	CHECK_RINT(in->clat_p99_ns, out->clat_p99_ns);
	CHECK_RINT(in->clat_p99_9_ns, out->clat_p99_9_ns);
	CHECK_RINT(in->clat_max_ns, out->clat_max_ns);
}

static void check_fio_rec(const struct result_fio_rec *in, const struct fio_side *side)
{
	const struct result_fio_rec *out = &side->rec;
	size_t i, k;

	CHECK_INT(in->present, side->present);
	CHECK_INT(in->present, out->present);
	if (!in->present)
		return;
	CHECK_OSTR(in->job_file, out->job_file);
	CHECK_OSTR(in->group, out->group);
	CHECK_OSTR(in->status, out->status);
	CHECK_OSTR(in->error, out->error);
	CHECK_OSTR(in->file, out->file);
	CHECK_OSTR(in->job_text, out->job_text);
	CHECK_OSTR(in->runtime, out->runtime);
	CHECK_OSTR(in->ended_by, out->ended_by);
	CHECK_INT(in->reaped, out->reaped);
	CHECK_RINT(in->exit_status, out->exit_status);
	CHECK_INT(in->has_output, out->has_output);
	CHECK_OSTR(in->fio_version, out->fio_version);
	if (CHECK_U64(in->nr_jobs, out->nr_jobs))
		for (i = 0; i < in->nr_jobs; i++) {
			CHECK_OSTR(in->jobs[i].name, out->jobs[i].name);
			CHECK_RINT(in->jobs[i].error, out->jobs[i].error);
			CHECK_RINT(in->jobs[i].runtime_ms, out->jobs[i].runtime_ms);
			for (k = 0; k < RESULT_NR_DIRS; k++)
				check_fio_dir(&in->jobs[i].dir[k], &out->jobs[i].dir[k]);
		}
	CHECK_INT(in->has_read, out->has_read);
	check_fio_dir(&in->read, &out->read);
	/* what reports show of it */
	CHECK_OSTR(in->job_file, side->job_file);
	CHECK_OSTR(in->status, side->status);
	CHECK_OSTR(in->error, side->error);
}

static void test_rt_fio(void)
{
	/* the baseline off: nothing ran, so no file, exit status, output or reads */
	static const struct result_fio off = {
		.binary = NULL, .data_dir = "/d", .read_file = "/d/lo.dat",
		.baseline = { .present = true, .job_file = "baseline", .status = "off", .error = "device-baseline off" },
	};
	struct run_result res;
	json_t *r = doc(), *b;

	TEST_CONTEXT("fio");
	make_fio();
	result_set_fio(r, &fio_in);
	if (roundtrip(r, &res)) {
		CHECK(res.fio.present);
		CHECK_STR("/tools/bin/fio", res.fio.binary);
		CHECK(res.fio.sysv_shm_emulated);
		CHECK_STR("fio-3.33", res.fio.version);
		CHECK_STR("/data", res.fio.data_dir);
		CHECK_STR("/data/lo.dat", res.fio.read_file);
		TEST_CONTEXT("fio.baseline");
		check_fio_rec(&fio_in.baseline, &res.fio.baseline);
		CHECK(res.fio.baseline.has_read);
		CHECK_DBL(325632, res.fio.baseline.read_p99_ns, 0);
		CHECK_DBL(325632 / 4, res.fio.baseline.read_p50_ns, 0);
		CHECK_DBL(11160.41979, res.fio.baseline.read_iops, 1e-9);
		TEST_CONTEXT("fio.lo");
		check_fio_rec(&fio_in.lo, &res.fio.lo);
		CHECK(res.fio.lo.has_dir[RESULT_READ] && res.fio.lo.has_dir[RESULT_WRITE]);
		CHECK_DBL(7000.5 + 11.5, res.fio.lo.iops[RESULT_READ], 1e-9);	/* all jobs together */
		CHECK_DBL(468992, res.fio.lo.p99_ns[RESULT_READ], 0);	/* the job without percentiles adds none */
		CHECK_DBL(602112, res.fio.lo.p99_ns[RESULT_WRITE], 0);
		TEST_CONTEXT("fio.hi");
		check_fio_rec(&fio_in.hi, &res.fio.hi);
		CHECK(json_is_null(json_object_get(json_object_get(res.raw, "fio"), "hi")));
		result_free(&res);
	}
	TEST_CONTEXT("fio, baseline off");
	r = doc();
	result_set_fio(r, &off);
	if (roundtrip(r, &res)) {
		check_fio_rec(&off.baseline, &res.fio.baseline);
		CHECK(!res.fio.baseline.has_read && !res.fio.binary && !res.fio.version);
		b = json_object_get(json_object_get(res.raw, "fio"), "baseline");
		CHECK(!json_object_get(b, "file") && !json_object_get(b, "exit_status") && !json_object_get(b, "jobs"));
		result_free(&res);
	}
	TEST_CONTEXT_CLEAR();
}

static const struct result_timings timings_in = {
	{ true, true, true, true, false, false }, { 3.21049, 2.5, 1.0504, 5.0009, 0, 0 },
};

static void test_rt_timings(void)
{
	struct run_result res;
	json_t *r = doc();
	int p;

	TEST_CONTEXT("timings");
	result_set_timings(r, &timings_in);
	if (!roundtrip(r, &res))
		return;
	CHECK(res.timings.present);
	for (p = 0; p < RESULT_NR_PHASES; p++) {
		TEST_CONTEXT("timings.%s", result_phase_keys[p]);
		CHECK_INT(timings_in.known[p], res.timings.t.known[p]);
		/* to the millisecond */
		CHECK_DBL(round(timings_in.s[p] * 1e3) / 1e3, res.timings.t.s[p], 1e-12);
	}
	result_free(&res);
	TEST_CONTEXT_CLEAR();
}

/*
 * "attribution" as harness/attrib.c makes it, from the trace recorded in a
 * Debian 6.1 guest (tests/fixtures/trace/): analysed once, kept with its
 * analysis to check the decoded figures against.
 */
static struct attrib_trace *attr_trace;
static struct attrib_result *attr_res;
static json_t *attr_json;

#define MS 1000000ULL
#define S 1000000000ULL

static json_t *attribution_json(void)
{
#include "fixtures/trace/dirty-throttle-6.1-small-buffer.counts.h"
	struct attrib_params p = { .window_start_ns = FIXTURE_WINDOW_START_NS,
				   .window_end_ns = FIXTURE_WINDOW_START_NS + 3 * S, .min_ns = 5 * MS,
				   .lo_tgid = FIXTURE_LO_TGID, .hi_tgid = FIXTURE_HI_TGID,
				   .kernel_release = "6.1.0-56-cloud-amd64", .method = "test" };
	const char *src = getenv("MMSTALL_SOURCE_DIR");
	char cmd[4200];
	FILE *f;

	if (attr_json)
		return json_deep_copy(attr_json);
	snprintf(cmd, sizeof(cmd), "gzip -dc '%s/tests/fixtures/trace/dirty-throttle-6.1-small-buffer.txt.gz'",
		 src ? src : "..");
	attr_trace = attrib_trace_new();
	f = popen(cmd, "r");
	if (!CHECK(f != NULL))
		exit(test_summary());
	CHECK_INT(0, attrib_trace_read(attr_trace, f));
	if (!CHECK_INT(0, pclose(f)) || !CHECK_INT(0, attrib_analyse(attr_trace, &p, &attr_res)))
		exit(test_summary());
	attr_json = attrib_to_json(attr_trace, attr_res, &p);
	return json_deep_copy(attr_json);
}

static void check_attrib_sum(const struct attrib_sum *in, const struct attribution_sum *out)
{
	CHECK_U64(in->waits, out->waits);
	CHECK_U64(in->waits_over, out->waits_over_min);
	CHECK_U64(in->wait_ns, out->wait_ns);
	CHECK_U64(in->explained_ns, out->explained_ns);
}

static void check_frames(const char *const *in, unsigned int n_in, const char *const *out, size_t n_out)
{
	unsigned int i;

	if (!CHECK_U64(n_in, n_out))
		return;
	for (i = 0; i < n_in; i++)
		CHECK_STR(in[i], out[i]);
}

static void test_rt_attribution(void)
{
	static const char *const modes[] = { "read", "write" };
	const struct attrib_result *a;
	struct run_result res;
	json_t *r = doc();
	size_t i, k;

	TEST_CONTEXT("attribution of the recorded trace");
	result_set_attribution(r, attribution_json());
	a = attr_res;
	if (!roundtrip(r, &res))
		return;
	CHECK(res.attribution.present && res.attribution.ok);
	CHECK_STR("ok", res.attribution.status);
	CHECK(!res.attribution.error);
	CHECK_U64(5 * MS, res.attribution.min_ns);
	check_attrib_sum(&a->total, &res.attribution.total);
	CHECK(res.attribution.total.waits_over_min == FIXTURE_WAITS_OVER);
	/* the probes with waits, in attrib_probe_names[] order */
	for (i = k = 0; i < attrib_nr_probes; i++) {
		if (!a->probe[i].waits)
			continue;
		TEST_CONTEXT("attribution.probes.%s", attrib_probe_names[i]);
		if (!CHECK(k < res.attribution.nr_probes))
			break;
		CHECK_STR(attrib_probe_names[i], res.attribution.probes[k].name);
		check_attrib_sum(&a->probe[i], &res.attribution.probes[k].sum);
		k++;
	}
	CHECK_U64(k, res.attribution.nr_probes);
	CHECK(k >= 2);	/* maps and cmdline waited */
	TEST_CONTEXT("attribution.holders");
	CHECK(a->n_holders >= 1);
	if (CHECK_U64(a->n_holders, res.attribution.nr_holders))
		for (i = 0; i < a->n_holders; i++) {
			const struct attrib_blame *in = &a->holders[i];
			const struct attribution_holder *out = &res.attribution.holders[i];

			CHECK_STR(in->thread, out->thread);
			CHECK_STR(modes[in->write], out->mode);
			if (in->call)
				CHECK_STR(in->call, out->call);
			else
				CHECK(!out->call);
			CHECK(out->state && *out->state);
			check_frames(in->frames, in->n_frames, out->frames, out->nr_frames);
			CHECK_U64(in->stall_ns, out->stall_ns);
			CHECK_U64(in->waits, out->waits);
			CHECK_U64(in->holds, out->holds);
		}
	CHECK_STR("sleeping", res.attribution.holders[0].state);
	CHECK_U64(0, res.attribution.holders_dropped);
	TEST_CONTEXT("attribution.writers");
	if (CHECK_U64(a->n_writers, res.attribution.nr_writers))
		for (i = 0; i < a->n_writers; i++) {
			CHECK_STR(a->writers[i].call, res.attribution.writers[i].call);
			check_frames(a->writers[i].frames, a->writers[i].n_frames, res.attribution.writers[i].frames,
				     res.attribution.writers[i].nr_frames);
			CHECK_U64(a->writers[i].stall_ns, res.attribution.writers[i].stall_ns);
			CHECK_U64(a->writers[i].waits, res.attribution.writers[i].waits);
			CHECK_U64(a->writers[i].requests, res.attribution.writers[i].requests);
		}
	TEST_CONTEXT("attribution: limits and trace health");
	CHECK_U64(1, res.attribution.nr_limits);	/* 6.1: only lo's mm is traced */
	CHECK(strstr(res.attribution.limits[0], "only lo's mm"));
	CHECK_U64(0, res.attribution.nr_unattributable);
	/* CPU 0's buffer restarted 94 ms after the first event: complete only from then */
	CHECK(res.attribution.trace.incomplete);
	CHECK_DBL((double)((int64_t)(a->complete_from_ns / 1000) - (int64_t)(FIXTURE_WINDOW_START_NS / 1000)) / 1e6,
		  res.attribution.trace.complete_from_s, 1e-9);
	result_free(&res);

	/* a failed attribution on a kernel where maps cannot be attributed */
	TEST_CONTEXT("attribution failed, 6.17");
	{
		struct attrib_params p = { .min_ns = 7 * MS, .kernel_release = "6.17.1" };

		r = doc();
		result_set_attribution(r, attrib_failed_json("no mmap_lock events in tracefs", &p));
		if (roundtrip(r, &res)) {
			CHECK(res.attribution.present && !res.attribution.ok);
			CHECK_STR("failed", res.attribution.status);
			CHECK_STR("no mmap_lock events in tracefs", res.attribution.error);
			CHECK_U64(7 * MS, res.attribution.min_ns);
			CHECK_U64(3, res.attribution.nr_limits);
			if (CHECK_U64(1, res.attribution.nr_unattributable)) {
				CHECK_STR("maps", res.attribution.unattributable[0].probe);
				CHECK(strstr(res.attribution.unattributable[0].why, "per-VMA"));
			}
			CHECK(!res.attribution.nr_holders && !res.attribution.trace.incomplete);
			result_free(&res);
		}
	}
	/* none: attribute off */
	TEST_CONTEXT("no attribution");
	if (roundtrip(doc(), &res)) {
		CHECK(!res.attribution.present && !res.attribution.ok && !res.attribution.status);
		result_free(&res);
	}
	TEST_CONTEXT_CLEAR();
}

static void write_text(const char *dir, const char *file, const char *text)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	CHECK_INT(0, write_file_atomic(path, text, strlen(text)));
}

/* The cgroup sampler fills what the writer takes: two snapshots of a fake group, their delta decoded. */
static void test_rt_cgroup_sampler(void)
{
	char dir[] = "/tmp/mmstall-test-cg-XXXXXX";
	struct cg_sample a, b;
	struct result_cgroup d;
	struct run_result res;
	json_t *r;

	TEST_CONTEXT("cg_sample_delta");
	if (!CHECK(mkdtemp(dir) != NULL))
		return;
	write_text(dir, "memory.stat", "file 8192\npgmajfault 10\nworkingset_refault_file 1\n");
	write_text(dir, "io.stat", "8:0 rbytes=1 wbytes=1 rios=1 wios=1 dbytes=0 dios=0\n"
				   "254:0 rbytes=4096 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n");
	write_text(dir, "cpu.pressure", "some avg10=0.00 avg60=0.00 avg300=0.00 total=100\n"
					"full avg10=0.00 avg60=0.00 avg300=0.00 total=7\n");
	write_text(dir, "io.pressure", "some avg10=0.00 avg60=0.00 avg300=0.00 total=5\n");
	cg_sample_take(dir, &a);
	write_text(dir, "memory.stat", "file 4096\npgmajfault 25\nworkingset_refault_file 3\nnew_key 9\n");
	write_text(dir, "io.stat", "8:0 rbytes=99 wbytes=99 rios=99 wios=99 dbytes=0 dios=0\n"
				   "254:0 rbytes=1052672 wbytes=8192 rios=257 wios=2 dbytes=0 dios=0\n");
	write_text(dir, "cpu.pressure", "some avg10=1.00 avg60=0.00 avg300=0.00 total=1100\n"
					"full avg10=0.00 avg60=0.00 avg300=0.00 total=507\n");
	write_text(dir, "io.pressure", "some avg10=0.00 avg60=0.00 avg300=0.00 total=25\n");
	cg_sample_take(dir, &b);
	cg_sample_delta(&a, &b, "254:0", &d);
	d.path = dir;
	r = doc();
	result_set_cgroups(r, &d, NULL);
	if (roundtrip(r, &res)) {
		const struct result_cgroup *g = &res.cgroups.lo;

		CHECK(res.cgroups.has_lo && !res.cgroups.has_hi);
		CHECK_STR(dir, g->path);
		CHECK(!g->has_memory_max);
		/* keys in both snapshots, end minus start: a gauge may go down */
		if (CHECK_U64(3, g->nr_memory_stat)) {
			CHECK_STR("file", g->memory_stat[0].name);
			CHECK_INT(-4096, g->memory_stat[0].delta);
			CHECK_STR("pgmajfault", g->memory_stat[1].name);
			CHECK_INT(15, g->memory_stat[1].delta);
		}
		CHECK_U64(15, res.cg_lo.pgmajfault);
		/* the throttled disk's line only */
		CHECK(g->has_io_stat);
		CHECK_INT(1 << 20, g->io_stat[RESULT_IO_RBYTES].v);
		CHECK_INT(256, g->io_stat[RESULT_IO_RIOS].v);
		CHECK_INT(2, g->io_stat[RESULT_IO_WIOS].v);
		CHECK_U64(256, res.cg_lo.rios);
		CHECK(g->pressure[RESULT_PSI_CPU].present);
		CHECK_INT(1000, g->pressure[RESULT_PSI_CPU].some_total_us.v);
		CHECK_INT(500, g->pressure[RESULT_PSI_CPU].full_total_us.v);
		CHECK(!g->pressure[RESULT_PSI_MEMORY].present);	/* no file */
		CHECK(g->pressure[RESULT_PSI_IO].present && g->pressure[RESULT_PSI_IO].some_total_us.v == 20);
		CHECK(!g->pressure[RESULT_PSI_IO].full_total_us.known);	/* no "full" line */
		result_free(&res);
	}
	cg_delta_free(&d);
	cg_sample_free(&a);
	cg_sample_free(&b);
	rm_rf(dir);
	TEST_CONTEXT_CLEAR();
}

/* A result with every object and every optional key, from the writers. */
static json_t *written_result(void)
{
	struct result_cgroup lo, hi;
	json_t *r = result_envelope();

	make_probes();
	make_lo();
	make_cgroups(&lo, &hi);
	make_fio();
	result_set_label(r, "6.12", "live");
	result_set_machine(r, &machine_in);
	result_set_kernel(r, &kernel_in);
	result_set_scenario(r, settings_in, ARRAY_SIZE(settings_in));
	result_set_histogram(r);
	result_set_throttle(r, &throttle_in);
	result_set_probes(r, probes_in, ARRAY_SIZE(probes_in), WINDOW_START_NS);
	result_set_lo(r, &lo_in);
	result_set_cgroups(r, &lo, &hi);
	result_set_fio(r, &fio_in);
	result_set_timings(r, &timings_in);
	result_set_attribution(r, attribution_json());
	result_finish(r, "failed", "an error");
	return r;
}

/*
 * Each key a writer emits must appear as `key` in results/README.md, at
 * any depth; the keys of memory.stat and of the kernel config are the
 * kernel's own (documented as "every key of memory.stat", "CONFIG_...").
 */
static void check_documented(const char *doc, const json_t *v, const char *where)
{
	const char *key;
	const json_t *x;
	size_t i;

	if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			check_documented(doc, x, where);
		return;
	}
	if (!json_is_object(v) || !strcmp(where, "kernel.config") || strstr(where, ".memory_stat"))
		return;
	json_object_foreach((json_t *)v, key, x) {
		static char seen[1024][128];
		static size_t nr_seen;
		char needle[128], path[256];
		size_t i;

		snprintf(needle, sizeof(needle), "`%s`", key);
		snprintf(path, sizeof(path), "%s%s%s", where, *where ? "." : "", key);
		for (i = 0; i < nr_seen && strcmp(seen[i], path); i++)
			;
		if (i == nr_seen) {	/* once per path: the entries of an array share theirs */
			if (nr_seen < ARRAY_SIZE(seen))
				snprintf(seen[nr_seen++], sizeof(seen[0]), "%.127s", path);
			TEST_CONTEXT("%.200s documented in results/README.md", path);
			CHECK(strstr(doc, needle) != NULL);
		}
		check_documented(doc, x, path);
	}
	TEST_CONTEXT_CLEAR();
}

static void test_documented(void)
{
	char dir[] = "/tmp/mmstall-test-doc-XXXXXX", path[512], err[512], *doc;
	const char *src = getenv("MMSTALL_SOURCE_DIR");
	struct scenario sc;
	json_t *r, *back;

	snprintf(path, sizeof(path), "%s/results/README.md", src ? src : ".");
	if (!CHECK(read_file(path, &doc, NULL) == 0))
		return;
	/* through result_save(), which adds the derived stall_index */
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/r.json", dir);
	r = written_result();
	CHECK_INT(0, result_save(path, r));
	json_decref(r);
	back = result_load(path, err, sizeof(err));
	if (CHECK(back != NULL)) {
		check_documented(doc, back, "");
		json_decref(back);
	}
	/* every real scenario setting */
	scenario_defaults(&sc);
	r = json_pack("{s:o}", "scenario", scenario_to_json(&sc));
	check_documented(doc, r, "");
	json_decref(r);
	rm_rf(dir);
	free(doc);
}

/* The whole written result decodes, and gives what each object's round trip gave. */
static void test_rt_whole(void)
{
	struct run_result res;
	json_t *r = written_result();

	TEST_CONTEXT("a whole written result");
	if (!roundtrip(r, &res))
		return;
	CHECK_INT(RUN_FAILED, res.status);
	CHECK_STR("6.12", res.label);
	check_kernel(&kernel_in, &res);
	CHECK_U64(ARRAY_SIZE(probes_in), res.nr_probes);
	CHECK_STR("io.weight", res.throttle.file);
	CHECK(res.cgroups.has_lo && res.fio.lo.present && res.timings.present && res.lo.present);
	CHECK(res.attribution.ok && res.attribution.nr_holders == attr_res->n_holders);
	result_free(&res);
	TEST_CONTEXT_CLEAR();
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

/*
 * The vm object as the host writes it (vm/record.c), decoded: every
 * timing (null ones unknown), the job list entry, the guests at once and
 * the host, as reports and 'compare' read them.
 */
static void test_vm_roundtrip(void)
{
	struct vm_kernel k = { .label = "6.12", .spec = "deb:linux-image-6.12" };
	struct vm_run_info ri = { .stem = "6.12-r2", .rep = 2, .reps = 3, .variant_index = 1, .baseline = "6.1",
				  .jobs = 2, .plan_id = "0123456789abcdef", .plan_index = 7, .pairing = 1 };
	json_t *root = reparse(full_result());
	struct run_result res;
	struct vm_record r;
	char err[512], host[256] = "";

	TEST_CONTEXT("vm record round trip");
	vm_record_init(&r);
	r.k = &k;
	r.ri = &ri;
	r.t = (struct vm_timings){ .booted = true, .prepare_s = 1.5, .boot_s = 4.25, .qemu_s = 40, .guest_run_s = 30,
				   .boot_to_result_s = 34, .teardown_s = 0.5, .transfer_s = 0.125, .poweroff_s = 0.25,
				   .collect_s = 0.75, .wall_s = 40.75, .overhead_s = NAN };
	json_object_set_new(root, "vm", vm_record_json(&r));
	root = reparse(root);
	if (!CHECK_INT(0, result_decode(root, &res, err, sizeof(err)))) {
		fprintf(stderr, "decode: %s\n", err);
		json_decref(root);
		vm_record_free(&r);
		return;
	}
	CHECK(res.vm.t.present);
#define X(key) CHECK(isnan(r.t.key) ? isnan(res.vm.t.key) : fabs(r.t.key - res.vm.t.key) < 1e-3);
	RESULT_VM_TIMINGS(X)
#undef X
	CHECK(isnan(res.vm.t.overhead_s));	/* null: the run never started */
	CHECK_STR("0123456789abcdef", res.vm.plan_id);
	CHECK_INT(7, res.vm.plan_index);
	CHECK_INT(1, res.vm.plan_pairing);
	CHECK_INT(2, res.vm.parallel_guests);
	CHECK_INT(2, res.vm.repetition);
	gethostname(host, sizeof(host) - 1);
	CHECK(res.vm.host_present);
	CHECK_STR(host, res.vm.host_name);
	CHECK(res.vm.host_cpus > 0 && res.vm.host_memory_bytes > 0);
	CHECK(res.vm.host_kernel_release && *res.vm.host_kernel_release);
	result_free(&res);
	json_decref(root);

	/* not booted: only prepare_s is written, the rest unknown */
	TEST_CONTEXT("vm record round trip, not booted");
	r.t.booted = false;
	r.ri = NULL;
	root = reparse(full_result());
	json_object_set_new(root, "vm", vm_record_json(&r));
	if (CHECK_INT(0, result_decode(root, &res, err, sizeof(err)))) {
		CHECK_DBL(1.5, res.vm.t.prepare_s, 1e-9);
		CHECK(isnan(res.vm.t.boot_s) && isnan(res.vm.t.wall_s));
		CHECK(!res.vm.plan_id && res.vm.plan_pairing == -1);
		CHECK_INT(0, res.vm.parallel_guests);
		result_free(&res);
	}
	json_decref(root);
	vm_record_free(&r);
	TEST_CONTEXT_CLEAR();
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
	CHECK_DBL(3.5, res.vm.t.overhead_s, 1e-9);
	CHECK(res.vm.t.present);
	CHECK_DBL(3.5, res.vm.t.overhead_s, 1e-9);
	CHECK(isnan(res.vm.t.wall_s) && isnan(res.vm.t.prepare_s));	/* absent: unknown, not 0 */
	CHECK(res.vm.host_present && !res.vm.host_kernel_release);
	CHECK(!res.vm.plan_id && res.vm.plan_pairing == -1 && res.vm.plan_index == -1);
	CHECK_INT(0, res.vm.parallel_guests);
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
	TEST_CONTEXT("a censored control makes the index an upper bound");
	{
		json_t *r2 = reparse(full_result());
		struct run_result res2;

		json_object_set_new(json_object_get(json_object_get(r2, "probes"), "status"), "censored",
				    json_pack("{s:I,s:f}", "count", (json_int_t)3, "min_ns", 1e6));
		json_object_del(json_object_get(json_object_get(r2, "probes"), "maps"), "censored");
		if (CHECK_INT(0, result_decode(r2, &res2, err, sizeof(err)))) {
			const struct probe_result *m2 = result_probe(&res2, "maps");

			CHECK(m2->index[STAT_P99].known && m2->index[STAT_P99].upper_bound &&
			      !m2->index[STAT_P99].lower_bound);
			result_free(&res2);
		}
		/* both censored: the ratio could be anything, no index */
		json_object_set_new(json_object_get(json_object_get(r2, "probes"), "maps"), "censored",
				    json_pack("{s:I,s:f}", "count", (json_int_t)3, "min_ns", 1e6));
		if (CHECK_INT(0, result_decode(r2, &res2, err, sizeof(err)))) {
			CHECK(!result_probe(&res2, "maps")->index[STAT_P99].known);
			result_free(&res2);
		}
		json_decref(r2);
	}
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
	/* a stored index is never trusted over the latencies it comes from: a tampered one is recomputed */
	json_object_set_new(idx, "p99", json_real(50));
	CHECK_INT(0, result_decode(back, &res, err, sizeof(err)));
	CHECK_DBL(4.0, result_probe(&res, "cmdline")->index[STAT_P99].v, 0.1);
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
		{ "lo", "touches", "-1", "lo.touches is an integer, not a number from 0 below 2^64" },
		{ "lo", "touches", "1e300", "lo.touches is a number, not a number from 0 below 2^64" },
		{ "vm", "guest_cpus", "9.2e18", "vm.guest_cpus is a number, not a whole number from 0 to 2147483647" },
		{ "probes", "status", "[]", "probes.status is an array, not an object" },
		/* found by tests/fuzz (fuzz_result): converting it to an integer was undefined */
		{ "machine", "memory_bytes", "1.07371e+305", "machine.memory_bytes is a number, not a number from 0 below 2^64" },
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

/* The object at a dotted path ("cgroups.lo.io_stat"; "" the root), or NULL. */
static json_t *at(json_t *root, const char *path)
{
	char buf[128], *save, *part;
	json_t *o = root;

	snprintf(buf, sizeof(buf), "%s", path);
	for (part = strtok_r(buf, ".", &save); part && o; part = strtok_r(NULL, ".", &save))
		o = json_object_get(o, part);
	return o;
}

/* Every object the writers make, of the wrong shape: an error naming the key, at any depth. */
static void test_decode_shapes_written(void)
{
	static const struct {
		const char *object, *key, *value, *needle;
	} bad[] = {
		{ "", "command_line", "[1]", "command_line[] is an integer, not a string" },
		{ "kernel.config", "CONFIG_HZ", "250", "kernel.config.CONFIG_HZ is an integer, not a string or null" },
		{ "scenario", "faulters", "[]", "scenario.faulters is an array, not a string or a whole number" },
		{ "scenario", "faulters", "-4", "scenario.faulters is an integer, not a string or a whole number" },
		{ "histogram", "sub_bucket_bits", "\"6\"", "histogram.sub_bucket_bits is a string, not a number" },
		{ "throttle", "device", "7", "throttle.device is an integer, not a string" },
		{ "lo", "touch", "[]", "lo.touch is an array, not an object" },
		{ "lo", "writer_first_error", "false", "lo.writer_first_error is a boolean, not a string" },
		{ "cgroups.lo.memory_stat", "file", "\"x\"",
		  "cgroups.lo.memory_stat.file is a string, not a number from -2^63 below 2^63" },
		{ "cgroups.lo.io_stat", "rios", "1e300", "cgroups.lo.io_stat.rios is a number, not a number from 0 below 2^63" },
		{ "cgroups.hi.pressure", "io", "1", "cgroups.hi.pressure.io is an integer, not an object" },
		{ "fio", "sysv_shm_emulated", "\"yes\"", "fio.sysv_shm_emulated is a string, not true or false" },
		{ "fio.lo", "exit_status", "-1", "fio.lo.exit_status is an integer, not a number from 0 below 2^63" },
		{ "fio.lo", "jobs", "[3]", "fio.lo.jobs[] is an integer, not an object" },
		{ "fio.baseline.read", "clat_p99_ns", "\"1\"", "fio.baseline.read.clat_p99_ns is a string, not a number" },
		{ "timings", "window_s", "\"5\"", "timings.window_s is a string, not a number" },
		{ "", "attribution", "[]", "attribution is an array, not an object" },
		{ "attribution", "status", "1", "attribution.status is an integer, not a string" },
		{ "attribution", "min_ns", "\"5ms\"", "attribution.min_ns is a string, not a number" },
		{ "attribution", "limits", "[\"a\", 2]", "attribution.limits[] is an integer, not a string" },
		{ "attribution.unattributable_probes", "maps", "true",
		  "attribution.unattributable_probes.maps is a boolean, not a string" },
		{ "attribution.trace", "lost_events", "-3", "attribution.trace.lost_events is an integer, not a number from 0" },
		{ "attribution.trace", "complete_from_s", "\"0.5\"", "attribution.trace.complete_from_s is a string, not a number" },
		{ "attribution.total", "wait_ns", "{}", "attribution.total.wait_ns is an object, not a number" },
		{ "attribution.probes", "maps", "[]", "attribution.probes.maps is an array, not an object" },
		{ "attribution.probes.maps", "explained_ns", "\"1\"", "attribution.probes.maps.explained_ns is a string, not a number" },
		{ "attribution", "holders", "{}", "attribution.holders is an object, not an array" },
		{ "attribution", "holders", "[7]", "attribution.holders[] is an integer, not an object" },
		{ "attribution", "holders", "[{\"thread\": \"lo\"}, {\"stall_ns\": \"1\"}]",
		  "attribution.holders[1].stall_ns is a string, not a number" },
		{ "attribution", "holders", "[{\"frames\": [\"a\", null]}]", "attribution.holders[0].frames[] is null, not a string" },
		{ "attribution", "holders", "[{\"call\": 3}]", "attribution.holders[0].call is an integer, not a string" },
		{ "attribution", "writers", "[{\"frames\": \"x\"}]", "attribution.writers[0].frames is a string, not an array" },
		{ "attribution", "writers", "[{\"requests\": -1}]", "attribution.writers[0].requests is an integer, not a number from 0" },
		{ "attribution", "chains", "3", "attribution.chains is an integer, not an array" },
	};
	struct run_result res;
	char err[512];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		json_t *r = written_result(), *o = at(r, bad[i].object);

		TEST_CONTEXT("%s.%s = %s", bad[i].object, bad[i].key, bad[i].value);
		if (!CHECK(json_is_object(o))) {
			json_decref(r);
			continue;
		}
		json_object_set_new(o, bad[i].key, json_loads(bad[i].value, JSON_DECODE_ANY, NULL));
		err[0] = '\0';
		CHECK_INT(-EINVAL, result_decode(r, &res, err, sizeof(err)));
		if (!CHECK(strstr(err, bad[i].needle)))
			fprintf(stderr, "  message was: %s\n", err);
		json_decref(r);
	}
	/* null is absent, wherever it is */
	TEST_CONTEXT("null values");
	{
		json_t *r = written_result();

		json_object_set_new(at(r, "cgroups.lo.memory_stat"), "pgmajfault", json_null());
		json_object_set_new(at(r, "scenario"), "faulters", json_null());
		json_object_set_new(at(r, "fio.lo"), "exit_status", json_null());
		if (CHECK_INT(0, result_decode(r, &res, err, sizeof(err)))) {
			CHECK_U64(ARRAY_SIZE(memstat_in) - 1, res.cgroups.lo.nr_memory_stat);
			CHECK_U64(0, res.cg_lo.pgmajfault);
			CHECK_U64(ARRAY_SIZE(settings_in) - 1, res.nr_settings);
			CHECK(res.fio.lo.rec.reaped && !res.fio.lo.rec.exit_status.known);
			result_free(&res);
		}
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
	test_rt_envelope();
	test_rt_machine_kernel();
	test_rt_scenario_histogram();
	test_rt_throttle();
	test_rt_probes();
	test_rt_lo();
	test_rt_cgroups();
	test_rt_cgroup_sampler();
	test_rt_fio();
	test_rt_timings();
	test_rt_attribution();
	test_rt_whole();
	test_documented();
	test_decode();
	test_vm_roundtrip();
	test_saved_index();
	test_decode_shapes();
	test_decode_shapes_written();
	json_decref(attr_json);
	attrib_result_free(attr_res);
	attrib_trace_free(attr_trace);
	return test_summary();
}
