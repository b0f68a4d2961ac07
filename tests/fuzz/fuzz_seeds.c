// SPDX-License-Identifier: GPL-2.0
/*
 * Seed corpora for the fuzz targets, made from the code's own sources so
 * they follow the formats: the built-in scenarios (as files), probes
 * settings, result files of tests/results_fixture.h (ok, failed, censored,
 * other hosts, a label to be escaped), and result sets for the report
 * target (parts joined by NUL; see fuzz_report.c).  The real results in
 * tests/fuzz/seeds/result (trimmed guest runs) are combined in too.
 *
 *   fuzz_seeds OUTDIR [REAL_RESULT...]
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/summary.h"
#include "harness/util.h"
#include "tests/results_fixture.h"
#include "workloads/probes.h"
#include "workloads/scenario.h"

static const char *out;

static void put(const char *sub, const char *name, const void *data, size_t len)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", out, sub);
	mkdir_p(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/%s", out, sub, name);
	if (write_file_atomic(path, data, len)) {
		fprintf(stderr, "fuzz_seeds: cannot write %s\n", path);
		exit(1);
	}
}

static void put_str(const char *sub, const char *name, const char *s)
{
	put(sub, name, s, strlen(s));
}

static char *slurp(const char *path)
{
	char *text = NULL;

	if (read_file(path, &text, NULL)) {
		fprintf(stderr, "fuzz_seeds: cannot read %s\n", path);
		exit(1);
	}
	return text;
}

/* A report input: the parts joined by NUL (NULL: an empty part). */
static void put_set(const char *name, const char *const *parts, size_t n)
{
	size_t len = 0, i, l;
	char *buf, *p;

	for (i = 0; i < n; i++)
		len += (parts[i] ? strlen(parts[i]) : 0) + 1;
	p = buf = xmalloc(len);
	for (i = 0; i < n; i++) {
		l = parts[i] ? strlen(parts[i]) : 0;
		memcpy(p, parts[i] ? parts[i] : "", l);
		p += l;
		*p++ = '\0';
	}
	put("report", name, buf, len - 1);	/* no NUL after the last part */
	free(buf);
}

static void scenarios(void)
{
	static const char *const extra[] = {
		"{\"name\":\"t\",\"description\":\"d\",\"settings\":{\"probes\":\"maps:2ms:4,status,io:20ms\","
		"\"probe-interval\":\"20ms\",\"throttle\":\"io.max\",\"duration\":\"5s\",\"warmup\":\"1s\"}}",
		"{\"name\":\"t\",\"settings\":{\"fault-mode\":\"thp\",\"lo-memory-high\":\"64M\",\"file-size\":\"1G\","
		"\"faulters\":8,\"writers\":2,\"writer\":\"fork\",\"seed\":18446744073709551615}}",
		"{\"name\":\"t\",\"settings\":{\"fault-mode\":\"anon\",\"swap-size\":\"1G\",\"fio-lo\":\"randread\","
		"\"device-baseline\":\"off\",\"write-percent\":100}}",
		"{\"name\":\"<mmfuzz>\",\"path\":\"x\",\"expect\":\"y\",\"measured\":\"z\",\"settings\":{}}",
	};
	const struct scenario_builtin *b;
	char name[64];
	size_t i;

	for (b = scenario_builtins; b->name; b++) {
		snprintf(name, sizeof(name), "builtin-%s.json", b->name);
		put_str("scenario", name, b->json);
	}
	for (i = 0; i < ARRAY_SIZE(extra); i++) {
		snprintf(name, sizeof(name), "extra-%zu.json", i);
		put_str("scenario", name, extra[i]);
	}
}

/* Dictionaries: every setting, word and unit a scenario or a probes entry can hold. */
static void dictionaries(void)
{
	char path[PATH_MAX];
	FILE *f;
	size_t i;
	int j;

	snprintf(path, sizeof(path), "%s/scenario.dict", out);
	f = fopen(path, "w");
	if (!f)
		exit(1);
	for (i = 0; i < scenario_key_count(); i++) {
		const struct scenario_key *k = scenario_key_at(i);

		fprintf(f, "\"\\\"%s\\\"\"\n", k->name);
		for (j = 0; k->type == KEY_ENUM && k->words[j]; j++)
			fprintf(f, "\"\\\"%s\\\"\"\n", k->words[j]);
	}
	for (j = 0; j < probe_count; j++)
		fprintf(f, "\"%s\"\n", probe_list[j]->name);
	fprintf(f, "\"\\\"settings\\\"\"\n\"\\\"description\\\"\"\n\"\\\"name\\\"\"\n\"ms\"\n\"us\"\n\"ns\"\n"
		   "\"M\"\n\"G\"\n\"KiB\"\n\"\\\\u0000\"\n");
	fclose(f);

	snprintf(path, sizeof(path), "%s/probes.dict", out);
	f = fopen(path, "w");
	if (!f)
		exit(1);
	for (j = 0; j < probe_count; j++)
		fprintf(f, "\"%s\"\n", probe_list[j]->name);
	fprintf(f, "\":\"\n\",\"\n\"::\"\n\"ms\"\n\"us\"\n\"ns\"\n\"s\"\n\"m\"\n\"h\"\n\"16\"\n\"17\"\n\"100us\"\n\"10s\"\n");
	fclose(f);
}

static void probes(void)
{
	static const char *const specs[] = {
		"maps,cmdline,status,mmap,io", "maps:2ms:4,status,io:20ms", "cmdline::3", "status:500us:16",
		"smaps_rollup:1ms,environ,stat,mprotect,ps", "", "maps:10s:1,io:100us",
	};
	const struct scenario_builtin *b;
	char name[64];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(specs); i++) {
		snprintf(name, sizeof(name), "spec-%zu", i);
		put_str("probes", name, specs[i]);
	}
	/* each built-in scenario's own probes setting */
	for (b = scenario_builtins; b->name; b++) {
		json_t *root = json_loads(b->json, 0, NULL);
		const char *s = json_string_value(json_object_get(json_object_get(root, "settings"), "probes"));

		if (s) {
			snprintf(name, sizeof(name), "builtin-%s", b->name);
			put_str("probes", name, s);
		}
		json_decref(root);
	}
}

/* The fixture results, written into dir by fx_write(). */
static void fixtures(const char *dir)
{
	struct fx_spec specs[] = {
		{ .label = "base", .index = 0, .rep = 1, .reps = 3, .maps_p99 = 10e6 },
		{ .label = "base", .index = 0, .rep = 2, .reps = 3, .maps_p99 = 10.3e6, .cmdline_p99 = 4e6 },
		{ .label = "new", .index = 1, .rep = 1, .reps = 3, .maps_p99 = 30e6, .maps_censored = 2,
		  .maps_censored_min = 25e6 },
		{ .label = "new", .index = 1, .rep = 2, .reps = 3, .maps_p99 = 1e6, .host = "other",
		  .duration_s = 5 },
		{ .label = "<mmfuzz>", .index = 2, .rep = 1, .reps = 1, .error = "<mmfuzz> guest kernel panicked" },
	};
	size_t i;

	mkdir_p(dir, 0755);
	for (i = 0; i < ARRAY_SIZE(specs); i++)
		fx_write(dir, &specs[i]);
}

static void results_and_sets(char **real, int nreal)
{
	char dir[PATH_MAX], path[PATH_MAX], *t[5];
	static const char *const files[] = { "base.rep1.json", "base.rep2.json", "new.rep1.json", "new.rep2.json",
					     "<mmfuzz>.rep1.json" };
	struct summary_rule rule;
	char *compare, *r[2];
	json_t *c;
	size_t i;

	snprintf(dir, sizeof(dir), "%s/fixtures", out);
	fixtures(dir);
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		t[i] = slurp(path);
		put_str("result", files[i], t[i]);
	}
	rm_rf(dir);

	/* compare.json as 'mmstall compare' writes it (a sequential rule) */
	summary_rule_defaults(&rule);
	rule.seq_max = 6;
	rule.basis = BASIS_ABSOLUTE;
	c = json_pack("{s:s,s:i,s:[{s:s,s:s},{s:s,s:s}],s:i,s:s,s:s,s:o}", "format", "mmstall-compare",
		      "format_version", 1, "kernels", "label", "base", "spec", "deb:linux-image-6.1", "label", "new",
		      "spec", "deb:linux-image-6.12", "reps", 6, "reps_mode", "auto", "baseline", "base", "rule",
		      summary_rule_to_json(&rule));
	compare = json_dumps(c, JSON_COMPACT);
	json_decref(c);

	put_set("base-new", (const char *const[]){ t[0], t[2] }, 2);
	put_set("reps", (const char *const[]){ t[0], t[1], t[2], compare }, 4);
	put_set("merge-hosts", (const char *const[]){ t[0], t[2], t[3] }, 3);
	put_set("failed", (const char *const[]){ t[4], t[1] }, 2);
	put_set("one", (const char *const[]){ t[2] }, 1);
	put_set("compare-only-second", (const char *const[]){ NULL, t[1], NULL, compare }, 4);
	/* the real guest runs: each alone, against each other, and beside a fixture */
	for (i = 0; i < (size_t)nreal; i++) {
		char name[64];

		r[0] = slurp(real[i]);
		snprintf(name, sizeof(name), "real-%zu", i);
		put_set(name, (const char *const[]){ r[0] }, 1);
		snprintf(name, sizeof(name), "real-%zu-fixture", i);
		put_set(name, (const char *const[]){ r[0], t[4] }, 2);
		if (i + 1 < (size_t)nreal) {
			r[1] = slurp(real[i + 1]);
			snprintf(name, sizeof(name), "real-%zu-%zu", i, i + 1);
			put_set(name, (const char *const[]){ r[0], r[1], NULL, compare }, 4);
			free(r[1]);
		}
		free(r[0]);
	}
	for (i = 0; i < ARRAY_SIZE(files); i++)
		free(t[i]);
	free(compare);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s OUTDIR [REAL_RESULT...]\n", argv[0]);
		return 2;
	}
	out = argv[1];
	scenarios();
	probes();
	dictionaries();
	results_and_sets(argv + 2, argc - 2);
	return 0;
}
