// SPDX-License-Identifier: GPL-2.0
/*
 * The terminal report: the conclusion first, then each kernel's own
 * verdict, then per probe the comparison on the rule's basis with the other
 * basis beside it, then the legend; then, with attribute on, who held lo's
 * mmap_lock.  With one run per variant, the per-run table replaces the
 * comparison.
 */
#include <string.h>

#include "harness/report.h"
#include "harness/report_blame.h"
#include "harness/report_common.h"
#include "harness/util.h"

#define TEXT_COLS 100
/* the blame section is pasted into mails as it is */
#define BLAME_COLS 80

static void emit_line(void *arg, const char *line)
{
	text_wrap(arg, "  ", 2, TEXT_COLS, line);
}

static void kernel_table(FILE *f, const struct summary *s)
{
	char line[320], ci[200];
	size_t v, p;
	bool any = false;

	for (p = 0; p < s->nr_probes; p++)
		any |= s->probes[p].lo_lock;
	if (!any)
		return;
	fprintf(f, "\nPer kernel, the %s stall index of each probe that waits on lo's mmap_lock (reproduced above "
		"%gx):\n", result_stats[s->rule.stat].name, s->rule.inversion_threshold);
	snprintf(line, sizeof(line), "%-14s %-13s %-46s %s", "variant", "probe", "index (geometric mean)", "verdict");
	report_puts_trimmed(f, line);
	for (v = 0; v < s->rs->nr_variants; v++) {
		for (p = 0; p < s->nr_probes; p++) {
			const struct kcell *k = summary_kcell(s, v, p);

			if (!k->lock_probe)
				continue;
			report_kcell(ci, sizeof(ci), k);
			snprintf(line, sizeof(line), "%-14.14s %-13.13s %-46s %s", s->rs->variants[v], s->probes[p].name,
				 ci, !k->applies ? "(takes no mmap_lock on this kernel)" : kernel_verdict_name(k->verdict));
			report_puts_trimmed(f, line);
		}
	}
}

/* The ratio columns of a compared cell: "1.11x", "0.91x-1.30x", p. */
static void ratio_text(const struct cell *c, char *r, size_t rl, char *ci, size_t cl, char *pv, size_t pl)
{
	r[0] = ci[0] = pv[0] = '\0';
	if (!c->cmp)
		return;
	snprintf(r, rl, "%.2fx", c->ratio.est);
	snprintf(ci, cl, "%.2fx-%.2fx", c->ratio.lo, c->ratio.hi);
	snprintf(pv, pl, "%.3f", c->mw.p);
}

static void probe_table(FILE *f, const struct summary *s, size_t p)
{
	/* the control has no index: its own latency is its row */
	bool ctl = (int)p == s->control;
	enum summary_basis b1 = ctl ? BASIS_ABSOLUTE : s->rule.basis;
	enum summary_basis b2 = b1 == BASIS_INDEX ? BASIS_ABSOLUTE : BASIS_INDEX;
	const char *h1 = b1 == BASIS_INDEX ? "index" : "latency", *h2 = b2 == BASIS_INDEX ? "index" : "latency";
	char line[320];
	size_t v;
	int st;

	fprintf(f, "\n%s: %s\n", s->probes[p].name, report_probe_desc(s, p, NULL));
	snprintf(line, sizeof(line), "%-6s %-12s %5s %9s %-21s %7s %-13s %6s %-13s %s %9s %7s %s", "stat", "variant",
		 "runs", h1, "95% CI", "ratio", "95% CI", "p", "verdict", ctl ? "" : "|", ctl ? "" : h2,
		 ctl ? "" : "ratio", ctl ? "" : "verdict");
	report_puts_trimmed(f, line);
	for (st = 0; st < RESULT_NR_STATS; st++) {
		for (v = 0; v < s->rs->nr_variants; v++) {
			const struct cell *c = summary_cell(s, b1, v, p, st), *d = summary_cell(s, b2, v, p, st);
			char m1[32], ci1[80], r1[16], rci[40], pv[16], m2[32] = "", r2[16] = "", x[40], y[16];

			report_cell_median(m1, sizeof(m1), b1, c);
			report_cell_ci(ci1, sizeof(ci1), b1, c);
			ratio_text(c, r1, sizeof(r1), rci, sizeof(rci), pv, sizeof(pv));
			if (!ctl) {
				report_cell_median(m2, sizeof(m2), b2, d);
				ratio_text(d, r2, sizeof(r2), x, sizeof(x), y, sizeof(y));
			}
			snprintf(line, sizeof(line), "%-6s %-12.12s %2zu/%-2zu %9s %-21s %7s %-13s %6s %-13s %s %9s %7s %s",
				 result_stats[st].name, s->rs->variants[v], c->n, s->runs[v], m1, ci1, r1, rci, pv,
				 c->n || (int)v == s->baseline ? report_verdict_word(s, v, c) : "", ctl ? "" : "|", m2,
				 r2, ctl || !(d->n || (int)v == s->baseline) ? "" : report_verdict_word(s, v, d));
			report_puts_trimmed(f, line);
		}
	}
}

/* Where the time went: seconds per phase over the runs, the share that measured, the overhead per run. */
static void time_spent(FILE *f, const struct summary *s)
{
	static const struct {
		const char *key, *name;
	} ph[] = { { "prepare_s", "prepare" }, { "boot_s", "boot" }, { "setup_s", "setup" },
		   { "device_baseline_s", "device baseline" }, { "warmup_s", "warm-up" }, { "window_s", "window" },
		   { "drain_s", "drain" }, { "guest_teardown_s", "teardown" }, { "guest_other_s", "mmstall in guest" },
		   { "results_s", "results out" }, { "collect_s", "collect" }, { "other_s", "other" } };
	json_t *t = report_time_spent(s), *phases, *v, *hosts;
	char text[1024], head[300];
	size_t used = 0, i, nh;
	json_int_t runs;
	const char *h;

	if (!t)
		return;
	phases = json_object_get(t, "phases");
	hosts = json_object_get(t, "hosts");
	runs = json_integer_value(json_object_get(t, "runs"));
	nh = json_object_size(hosts);
	for (i = 0; i < ARRAY_SIZE(ph) && used < sizeof(text); i++) {
		double x = json_real_value(json_object_get(phases, ph[i].key));

		if (x < 0.05 && x > -0.05)
			continue;
		used += snprintf(text + used, sizeof(text) - used, "%s%s %.1fs", used ? ", " : "", ph[i].name, x);
	}
	if (used < sizeof(text) && json_is_real(json_object_get(t, "overhead_s_mean")))
		snprintf(text + used, sizeof(text) - used, "; per run %.1fs beyond warm-up and window "
			 "(vm.timings.overhead_s, mean; %lld device baseline%s)",
			 json_real_value(json_object_get(t, "overhead_s_mean")),
			 (long long)json_integer_value(json_object_get(t, "device_baselines")),
			 json_integer_value(json_object_get(t, "device_baselines")) == 1 ? "" : "s");
	fputc('\n', f);
	snprintf(head, sizeof(head), "Where the time went (%lld run%s", (long long)runs, runs == 1 ? "" : "s");
	json_object_foreach(hosts, h, v)
		if (nh == 1)
			snprintf(head + strlen(head), sizeof(head) - strlen(head), " on %s", h);
	if (nh > 1)
		snprintf(head + strlen(head), sizeof(head) - strlen(head), " on %zu hosts", nh);
	if (json_integer_value(json_object_get(t, "parallel_guests")) > 1)
		snprintf(head + strlen(head), sizeof(head) - strlen(head), ", up to %lld guests at once",
			 (long long)json_integer_value(json_object_get(t, "parallel_guests")));
	snprintf(head + strlen(head), sizeof(head) - strlen(head), "): %.1fs summed over the runs, %.0f%% measuring "
		 "(warm-up + window):", json_real_value(json_object_get(t, "total_s")),
		 100 * json_real_value(json_object_get(t, "measurement_share")));
	text_wrap(f, "", 0, TEXT_COLS, head);
	text_wrap(f, "  ", 2, TEXT_COLS, text);
	json_decref(t);
}

static bool single_runs(const struct summary *s)
{
	size_t v;

	for (v = 0; v < s->rs->nr_variants; v++)
		if (s->runs[v] > 1)
			return false;
	return true;
}

static int render(FILE *f, const struct summary *s)
{
	char rule[2048];
	size_t v, p;

	fprintf(f, "Conclusion:\n");
	report_conclusion(s, emit_line, f);
	if (single_runs(s)) {
		int ret;

		fputc('\n', f);
		ret = report_runs.render(f, s);
		if (!ret)
			report_blame_text(f, s, BLAME_COLS);
		return ret;
	}
	fputc('\n', f);
	for (v = 0; v < s->rs->nr_variants; v++)
		fprintf(f, "%-12s %s; %zu of %zu runs ok; accel %s\n", s->rs->variants[v], summary_kernel_desc(s, v),
			s->ok[v], s->runs[v], summary_accel_desc(s, v));
	kernel_table(f, s);
	for (p = 0; p < s->nr_probes; p++)
		probe_table(f, s, p);
	time_spent(f, s);
	fputc('\n', f);
	report_rule_text(s, rule, sizeof(rule));
	text_wrap(f, "", 0, TEXT_COLS, rule);
	/* after the verdict tables and their legend */
	report_blame_text(f, s, BLAME_COLS);
	return 0;
}

const struct report_format report_text = {
	.name = "text",
	.help = "the conclusion, each kernel's own verdict, and per probe the comparison on the rule's basis with "
	"the other beside it (the per-run table when every variant has one run) [default]",
	.render = render,
};
