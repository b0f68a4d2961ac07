// SPDX-License-Identifier: GPL-2.0
#include "harness/report.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "harness/result.h"
#include "harness/summary.h"
#include "harness/util.h"

static void fio_line(FILE *f, const char *label, json_t *fio);

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
	fio_line(f, label, json_object_get(res, "fio"));
}

/* What "slow I/O" meant on this run (the device baseline) and the background fio jobs; none: no line. */
static void fio_line(FILE *f, const char *label, json_t *fio)
{
	static const char *const groups[] = { "lo", "hi" };
	json_t *base = json_object_get(fio, "baseline"), *rd = json_object_get(base, "read");
	char p50[32], p99[32];
	size_t i, j;
	json_t *job;

	if (!json_is_object(fio))
		return;
	fprintf(f, "%-10.10s device baseline (fio, 4k random reads, QD1): ", label);
	if (json_is_object(rd)) {
		fmt_ns(p50, sizeof(p50), json_number_value(json_object_get(rd, "clat_p50_ns")));
		fmt_ns(p99, sizeof(p99), json_number_value(json_object_get(rd, "clat_p99_ns")));
		fprintf(f, "p50 %s, p99 %s, %.0f IOPS", p50, p99, json_number_value(json_object_get(rd, "iops")));
	} else {
		fprintf(f, "%s (%s)", json_string_value(json_object_get(base, "status")) ?: "none",
			json_string_value(json_object_get(base, "error")) ?: "no reason recorded");
	}
	for (i = 0; i < ARRAY_SIZE(groups); i++) {
		json_t *g = json_object_get(fio, groups[i]);

		if (!json_is_object(g))
			continue;
		fprintf(f, "; fio %s in %s: %s", json_string_value(json_object_get(g, "job_file")) ?: "?", groups[i],
			json_string_value(json_object_get(g, "status")) ?: "?");
		json_array_foreach(json_object_get(g, "jobs"), j, job) {
			static const char *const dirs[] = { "read", "write" };

			for (size_t d = 0; d < ARRAY_SIZE(dirs); d++) {
				json_t *r = json_object_get(job, dirs[d]);

				if (!json_is_object(r))
					continue;
				fmt_ns(p99, sizeof(p99), json_number_value(json_object_get(r, "clat_p99_ns")));
				fprintf(f, ", %s %.0f IOPS p99 %s", dirs[d], json_number_value(json_object_get(r, "iops")),
					p99);
			}
		}
	}
	fputc('\n', f);
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

/* ---- comparison of repetitions (mmstall compare, report, gate) ---- */

static const char *verdict_cell(const struct cell *c, bool baseline)
{
	if (baseline)
		return "baseline";
	if (!c->cmp)
		return "could not test";
	return stats_verdict_name(c->verdict);
}

/* What a probe times, from the first run that has it; static buffer. */
const char *report_probe_desc(const struct summary *s, size_t p)
{
	static char buf[256];
	size_t i;

	for (i = 0; i < s->rs->nr_runs; i++) {
		json_t *pr = json_object_get(json_object_get(s->rs->runs[i].res, "probes"), s->probes[p]);
		const char *what = json_string_value(json_object_get(pr, "what"));

		if (!pr)
			continue;
		snprintf(buf, sizeof(buf), "%s%s", what ?: "?", (int)p == s->control ? " [control]" : "");
		return buf;
	}
	return "";
}

void report_puts_trimmed(FILE *f, char *line)
{
	size_t n = strlen(line);

	while (n && line[n - 1] == ' ')
		line[--n] = '\0';
	fprintf(f, "%s\n", line);
}

void report_compare(FILE *f, const struct summary *s)
{
	const struct runset *rs = s->rs;
	size_t p, st, v;
	char line[256];

	for (v = 0; v < rs->nr_variants; v++)
		fprintf(f, "%-12s %s; %zu of %zu runs ok; accel %s\n", rs->variants[v], summary_kernel_desc(s, v),
			s->ok[v], s->runs[v], summary_accel_desc(s, v));
	for (p = 0; p < s->nr_probes; p++) {
		fprintf(f, "\n%s: %s\n", s->probes[p], report_probe_desc(s, p));
		snprintf(line, sizeof(line), "%-6s %-12s %5s %9s %-19s %7s %-15s %7s %-14s %9s", "stat",
			 "variant", "runs", "median", "95% CI", "ratio", "95% CI", "p", "verdict",
			 s->control >= 0 && (int)p != s->control ? "control" : "");
		report_puts_trimmed(f, line);
		for (st = 0; st < summary_nr_stats; st++) {
			for (v = 0; v < rs->nr_variants; v++) {
				const struct cell *c = summary_cell(s, v, p, st);
				bool base = (int)v == s->baseline;
				char med[16] = "-", lo[16] = "", hi[16] = "", ci[40] = "", ratio[16] = "",
				     rci[40] = "", pv[16] = "", ctl[16] = "";

				if (c->n) {
					fmt_ns(med, sizeof(med), c->med.est);
					fmt_ns(lo, sizeof(lo), c->med.lo);
					fmt_ns(hi, sizeof(hi), c->med.hi);
					snprintf(ci, sizeof(ci), "%s-%s", lo, hi);
				}
				if (c->cmp) {
					snprintf(ratio, sizeof(ratio), "%.2fx", c->ratio.est);
					snprintf(rci, sizeof(rci), "%.2fx-%.2fx", c->ratio.lo, c->ratio.hi);
					snprintf(pv, sizeof(pv), "%.3f", c->mw.p);
				}
				if (s->control >= 0 && (int)p != s->control &&
				    summary_cell(s, v, s->control, st)->n)
					fmt_ns(ctl, sizeof(ctl), summary_cell(s, v, s->control, st)->med.est);
				snprintf(line, sizeof(line),
					 "%-6s %-12.12s %2zu/%-2zu %9s %-19s %7s %-15s %7s %-14s %9s",
					 summary_stats[st].name, rs->variants[v], c->n, s->runs[v], med, ci, ratio,
					 rci, pv, verdict_cell(c, base), ctl);
				report_puts_trimmed(f, line);
			}
		}
	}
	fprintf(f, "\nMedian over repetitions of each run's corrected latency (from each sample's due\n"
		   "time), 95%% bootstrap CI; ratio: median / baseline median; p: two-sided\n"
		   "Mann-Whitney U.  regressed: ratio CI above %.2fx and p < %g; improved: below\n"
		   "%.2fx and p < %g.  control: the control probe's median in the same variant.\n",
		1 + s->rule.max_regression, s->rule.alpha, 1 / (1 + s->rule.max_regression), s->rule.alpha);
}

/* ---- every format ---- */

int report_format_parse(const char *name)
{
	static const char *const names[] = { "text", "mail", "json", "html", "runs" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(name, names[i]))
			return (int)i;
	return -EINVAL;
}

/* Every variant has at most one run: the per-run table says it all. */
static bool single_runs(const struct summary *s)
{
	size_t v;

	for (v = 0; v < s->rs->nr_variants; v++)
		if (s->runs[v] > 1)
			return false;
	return true;
}

/* One block per run; a variant with repetitions labels them VARIANT/REP. */
static void per_run_table(FILE *f, const struct summary *s)
{
	const struct runset *rs = s->rs;
	json_t **res = calloc(rs->nr_runs, sizeof(*res));
	char **labels = calloc(rs->nr_runs, sizeof(*labels));
	size_t i, v;
	bool ok;

	if (!res || !labels)
		abort();
	for (i = 0; i < rs->nr_runs; i++) {
		v = rs->runs[i].variant;
		res[i] = rs->runs[i].res;
		if (s->runs[v] > 1)
			ok = asprintf(&labels[i], "%s/%d", rs->variants[v], rs->runs[i].rep) >= 0;
		else
			ok = (labels[i] = strdup(rs->variants[v])) != NULL;
		if (!ok)
			abort();
	}
	report_table(f, res, (const char *const *)labels, (int)rs->nr_runs);
	for (i = 0; i < rs->nr_runs; i++)
		free(labels[i]);
	free(res);
	free(labels);
}

int report_render(FILE *f, const struct summary *s, enum report_format format)
{
	json_t *j;

	switch (format) {
	case REPORT_TEXT:
		if (single_runs(s))
			per_run_table(f, s);
		else
			report_compare(f, s);
		return 0;
	case REPORT_RUNS:
		per_run_table(f, s);
		return 0;
	case REPORT_MAIL:
		report_mail(f, s);
		return 0;
	case REPORT_HTML:
		report_html(f, s);
		return 0;
	case REPORT_JSON:
		j = summary_to_json(s);
		if (json_dumpf(j, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) {
			json_decref(j);
			return -EIO;
		}
		fputc('\n', f);
		json_decref(j);
		return 0;
	}
	return -EINVAL;
}

