// SPDX-License-Identifier: GPL-2.0
#include "harness/report.h"

#include <inttypes.h>
#include <string.h>

#include "harness/result.h"
#include "harness/util.h"

static void cell_ns(char *buf, size_t len, json_t *rec, const char *key)
{
	json_t *v = json_object_get(rec, key), *few;

	if (json_is_integer(v)) {
		fmt_ns(buf, len, (double)json_integer_value(v));
		return;
	}
	few = json_object_get(json_object_get(rec, "few_samples"), key);
	if (few)
		snprintf(buf, len, "n<%" JSON_INTEGER_FORMAT,
			 json_integer_value(json_object_get(few, "samples_needed")));
	else
		snprintf(buf, len, "-");
}

static void row_sep(FILE *f)
{
	fprintf(f, "%-10s %-8s %8s %9s %9s %9s %9s %9s\n", "----------", "--------", "--------", "---------",
		"---------", "---------", "---------", "---------");
}

static void print_variant(FILE *f, json_t *res, const char *label)
{
	json_t *probes = json_object_get(res, "probes"), *p, *thr;
	const char *name, *status = json_string_value(json_object_get(res, "status"));

	if (!status || strcmp(status, "ok")) {
		const char *e = json_string_value(json_object_get(res, "error"));

		fprintf(f, "%-10s FAILED: %s\n", label, e ? e : status ? status : "no status");
		if (!json_object_size(probes))
			return;
	}
	json_object_foreach(probes, name, p) {
		json_t *rec = json_object_get(p, "corrected"), *ratio = json_object_get(p, "p99_ratio_to_control");
		char c50[16], c99[16], c999[16], cmax[16], cr[16];

		cell_ns(c50, sizeof(c50), rec, "p50_ns");
		cell_ns(c99, sizeof(c99), rec, "p99_ns");
		cell_ns(c999, sizeof(c999), rec, "p99_9_ns");
		cell_ns(cmax, sizeof(cmax), rec, "max_ns");
		if (json_is_true(json_object_get(p, "control")))
			snprintf(cr, sizeof(cr), "(control)");
		else if (json_is_number(ratio))
			snprintf(cr, sizeof(cr), "%.2fx", json_number_value(ratio));
		else
			snprintf(cr, sizeof(cr), "-");
		fprintf(f, "%-10.10s %-8.8s %8" JSON_INTEGER_FORMAT " %9s %9s %9s %9s %9s\n", label, name,
			json_integer_value(json_object_get(rec, "count")), c50, c99, c999, cmax, cr);
	}
	thr = json_object_get(res, "throttle");
	fprintf(f, "%-10.10s kernel %s, accel %s, throttle %s %s, lo majfaults %" JSON_INTEGER_FORMAT
		   ", lo read IOs %" JSON_INTEGER_FORMAT "\n",
		label, json_string_value(json_object_get(json_object_get(res, "kernel"), "release")) ?: "?",
		json_string_value(json_object_get(json_object_get(res, "vm"), "accelerator")) ?: "none (live)",
		json_string_value(json_object_get(thr, "kind")) ?: "?",
		json_string_value(json_object_get(thr, "value")) ?: "",
		json_integer_value(json_object_get(
			json_object_get(json_object_get(json_object_get(res, "cgroups"), "lo"), "memory_stat"),
			"pgmajfault")),
		json_integer_value(json_object_get(
			json_object_get(json_object_get(json_object_get(res, "cgroups"), "lo"), "io_stat"),
			"rios")));
}

void report_table(FILE *f, json_t *const *results, const char *const *labels, int n)
{
	int i;

	fprintf(f, "%-10s %-8s %8s %9s %9s %9s %9s %9s\n", "variant", "probe", "count", "p50", "p99", "p99.9",
		"max", "p99/ctl");
	row_sep(f);
	for (i = 0; i < n; i++) {
		print_variant(f, results[i], labels[i]);
		if (i + 1 < n)
			row_sep(f);
	}
	fprintf(f, "Latency from each sample's due time (coordinated omission corrected); "
		   "p99/ctl: probe p99 over the status probe's p99 in the same run;\n"
		   "n<N: fewer samples than that percentile needs. Histogram error < %.2f%%.\n",
		HIST_REL_ERROR * 100);
}
