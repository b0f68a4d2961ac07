// SPDX-License-Identifier: GPL-2.0
/*
 * One result as a plain table: a block per run, a row per probe.  What
 * 'mmstall run' prints for its run (in a guest too: no report code there)
 * and what 'mmstall report --format runs' prints for every run.
 */
#include <stdlib.h>
#include <string.h>

#include "harness/result.h"
#include "harness/util.h"

/* "4.75ms", ">=4.01s" (a lower bound) */
static void bounded(char *buf, size_t len, double v, bool lower_bound, void (*fmt)(char *, size_t, double))
{
	char x[24];	/* "123.4ms", "1234x": short */

	fmt(x, sizeof(x), v);
	snprintf(buf, len, "%s%s", lower_bound ? ">=" : "", x);
}

static void stat_text(char *buf, size_t len, const struct probe_result *p, enum result_stat st)
{
	const struct lat_record *c = &p->corrected;
	struct stat_value x = probe_stat_value(p, st);
	int k = result_stats[st].pct;

	if (x.known)
		bounded(buf, len, x.v, x.lower_bound, fmt_ns);
	else if (k >= 0 && c->pct[k].needed)
		snprintf(buf, len, "n<%llu", (unsigned long long)c->pct[k].needed);
	else
		snprintf(buf, len, "-");
}

static void row_sep(FILE *f)
{
	fprintf(f, "%-10s %-12s %8s %9s %9s %9s %9s %9s\n", "----------", "------------", "--------", "---------",
		"---------", "---------", "---------", "---------");
}

/* What "slow I/O" meant on this run (the device baseline) and the background fio jobs. */
static void fio_line(FILE *f, const char *label, const struct run_result *r)
{
	static const char *const dirs[] = { "read", "write" };
	const struct fio_side *sides[] = { &r->fio.lo, &r->fio.hi };
	static const char *const groups[] = { "lo", "hi" };
	const struct fio_side *b = &r->fio.baseline;
	char p50[32], p99[32];
	size_t i, d;

	if (!r->fio.present)
		return;
	fprintf(f, "%-10.10s device baseline (fio, 4k random reads, QD1): ", label);
	if (b->has_read) {
		fmt_ns(p50, sizeof(p50), b->read_p50_ns);
		fmt_ns(p99, sizeof(p99), b->read_p99_ns);
		fprintf(f, "p50 %s, p99 %s, %.0f IOPS", p50, p99, b->read_iops);
	} else {
		fprintf(f, "%s (%s)", b->status ?: "none", b->error ?: "no reason recorded");
	}
	for (i = 0; i < ARRAY_SIZE(sides); i++) {
		if (!sides[i]->present)
			continue;
		fprintf(f, "; fio %s in %s: %s", sides[i]->job_file ?: "?", groups[i], sides[i]->status ?: "?");
		for (d = 0; d < 2; d++) {
			if (!sides[i]->has_dir[d])
				continue;
			fmt_ns(p99, sizeof(p99), sides[i]->p99_ns[d]);
			fprintf(f, ", %s %.0f IOPS p99 %s", dirs[d], sides[i]->iops[d], p99);
		}
	}
	fputc('\n', f);
}

static void print_run(FILE *f, const struct run_result *r, const char *label)
{
	size_t i;

	if (r->status != RUN_OK) {
		fprintf(f, "%-10s FAILED: %s\n", label,
			r->error ?: r->status == RUN_RUNNING ? "the run never finished (status running: interrupted "
							       "or crashed)"
							     : r->status_text ?: "no status");
		if (!r->nr_probes)
			return;
	}
	for (i = 0; i < r->nr_probes; i++) {
		const struct probe_result *p = &r->probes[i];
		char c50[40], c99[40], c999[40], cmax[40], idx[40];

		stat_text(c50, sizeof(c50), p, STAT_P50);
		stat_text(c99, sizeof(c99), p, STAT_P99);
		stat_text(c999, sizeof(c999), p, STAT_P99_9);
		stat_text(cmax, sizeof(cmax), p, STAT_MAX);
		if (p->control)
			snprintf(idx, sizeof(idx), "(control)");
		else if (p->index[STAT_P99].known)
			bounded(idx, sizeof(idx), p->index[STAT_P99].v, p->index[STAT_P99].lower_bound, fmt_index);
		else
			snprintf(idx, sizeof(idx), "-");
		fprintf(f, "%-10.10s %-12.12s %8llu %9s %9s %9s %9s %9s", label, p->name,
			(unsigned long long)p->corrected.count, c50, c99, c999, cmax, idx);
		if (p->censored)
			fprintf(f, "  %llu censored", (unsigned long long)p->censored);
		fputc('\n', f);
	}
	fprintf(f, "%-10.10s kernel %s, accel %s, throttle %s %s, lo majfaults %llu, lo read IOs %llu\n", label,
		r->kernel_release ?: r->vm.kernel_release ?: "?", r->vm.accelerator ?: "none (live)",
		r->throttle.kind ?: "?", r->throttle.value ?: "", (unsigned long long)r->cg_lo.pgmajfault,
		(unsigned long long)r->cg_lo.rios);
	fio_line(f, label, r);
}

void result_print_table(FILE *f, const struct run_result *const *runs, const char *const *labels, size_t n)
{
	size_t i;

	fprintf(f, "%-10s %-12s %8s %9s %9s %9s %9s %9s\n", "variant", "probe", "count", "p50", "p99", "p99.9",
		"max", "index");
	row_sep(f);
	for (i = 0; i < n; i++) {
		print_run(f, runs[i], labels[i]);
		if (i + 1 < n)
			row_sep(f);
	}
	fprintf(f, "Latency from each sample's due time (coordinated omission corrected); index: the probe's\n"
		   "p99 over the control probe's p99 in the same run (the stall index); >=: a lower bound\n"
		   "(censored: samples still blocked when the probe was stopped, counted with the time they\n"
		   "had waited); n<N: fewer samples than that percentile needs. Histogram error < %.2f%%.\n",
		HIST_REL_ERROR * 100);
}

void result_print_json_table(FILE *f, json_t *const *results, const char *const *labels, int n)
{
	struct run_result *r = xcalloc(n ?: 1, sizeof(*r));
	const struct run_result **p = xcalloc(n ?: 1, sizeof(*p));
	char err[256];
	int i;

	for (i = 0; i < n; i++) {
		if (result_decode(results[i], &r[i], err, sizeof(err)))
			fprintf(f, "%s: not a well-formed result: %s\n", labels[i], err);
		p[i] = &r[i];
	}
	result_print_table(f, p, labels, (size_t)n);
	for (i = 0; i < n; i++)
		result_free(&r[i]);
	free(r);
	free(p);
}

