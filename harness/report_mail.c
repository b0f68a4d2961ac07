// SPDX-License-Identifier: GPL-2.0
/*
 * The mail report: plain text of at most 80 columns (MAIL_COLS), ready to
 * paste into a mail to a kernel list.  The conclusion first, then the
 * identity of what was measured (kernels, scenario, machine, accelerator),
 * then one table per probe in the manner of mmtests' compare-kernels and
 * LKP: value, +-CI, %change against the baseline, and a verdict marker;
 * then, with attribute on, who held lo's mmap_lock (the holder stacks).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/report.h"
#include "harness/report_blame.h"
#include "harness/report_common.h"
#include "harness/util.h"

#define MAIL_COLS 80

static void wrap(FILE *f, const char *head, size_t indent, const char *text)
{
	text_wrap(f, head, indent, MAIL_COLS, text);
}

/* One line for everything, or one line per variant when the variants differ. */
static void per_variant(FILE *f, const struct summary *s, const char *head,
			const char *(*desc)(const struct summary *, size_t))
{
	size_t v, n = s->rs->nr_variants;
	char *first = xstrdup(desc(s, 0)), line[768];
	bool same = true;

	for (v = 1; v < n && same; v++)
		same = !strcmp(first, desc(s, v));
	if (same) {
		wrap(f, head, 12, first);
	} else {
		for (v = 0; v < n; v++) {
			snprintf(line, sizeof(line), "%s: %s", s->rs->variants[v], desc(s, v));
			wrap(f, v ? "" : head, 12, line);
		}
	}
	free(first);
}

static void emit(void *arg, const char *line)
{
	text_wrap(arg, "- ", 2, MAIL_COLS, line);
}

static void header(FILE *f, const struct summary *s)
{
	const struct run_result *base = summary_result(s, s->baseline);
	char text[2048], line[768];
	size_t v;

	snprintf(line, sizeof(line), "mmstall comparison, %s scenario, baseline %s", base->scenario_name ?: "?",
		 s->rs->variants[s->baseline]);
	wrap(f, "", 0, line);
	fputc('\n', f);
	report_conclusion(s, emit, f);
	fputc('\n', f);
	for (v = 0; v < s->rs->nr_variants; v++) {
		snprintf(line, sizeof(line), "%s; %zu of %zu runs ok", summary_kernel_desc(s, v), s->ok[v], s->runs[v]);
		wrap(f, v ? "" : "Kernels", 12, s->rs->variants[v]);
		wrap(f, "", 14, line);
	}
	report_scenario_text(base->scenario, text, sizeof(text));
	wrap(f, "Scenario", 12, text);
	if (base->throttle.present) {
		snprintf(line, sizeof(line), "%s %s on %s", base->throttle.kind ?: "?", base->throttle.value ?: "",
			 base->throttle.group ?: "-");
		wrap(f, "Throttle", 12, line);
	}
	per_variant(f, s, "Machine", summary_host_desc);
	per_variant(f, s, "Accel", summary_accel_desc);
	fputc('\n', f);
	report_rule_text(s, text, sizeof(text));
	wrap(f, "", 0, text);
	wrap(f, "", 0,
	     "Tables: the stall index (the latency for the control), +-CI: half its 95% CI in % of the value, "
	     "%change against the baseline with its CI, p; marker R regressed, I improved, = no change "
	     "(equivalence shown), ? inconclusive, * significant but within the threshold.");
	for (v = 0; v < s->rs->nr_variants; v++) {
		if (s->rule.seq_max || summary_min_p(s->ok[v], s->ok[s->baseline]) < s->rule.cmp.alpha)
			continue;
		snprintf(text, sizeof(text), "Note: with %zu and %zu successful runs no difference can reach "
			 "p < %g: R and I need about 4 runs a side or more.", s->ok[v], s->ok[s->baseline],
			 s->rule.cmp.alpha);
		wrap(f, "", 0, text);
		break;
	}
}

static char marker(const struct cell *c)
{
	if (!c->cmp)
		return ' ';
	switch (c->verdict) {
	case VERDICT_REGRESSED:
		return 'R';
	case VERDICT_IMPROVED:
		return 'I';
	case VERDICT_NO_CHANGE:
		return c->significant ? '*' : '=';
	case VERDICT_INCONCLUSIVE:
		return c->significant ? '*' : '?';
	default:
		return ' ';
	}
}

static void probe_table(FILE *f, const struct summary *s, size_t p)
{
	enum summary_basis b = (int)p == s->control ? BASIS_ABSOLUTE : s->rule.basis;
	char line[256];
	size_t v;
	int st;

	fputc('\n', f);
	snprintf(line, sizeof(line), "%s: %s", s->probes[p].name, report_probe_desc(s, p, NULL));
	wrap(f, "", 0, line);
	/* 6+1+14+1+9+1+7+1+9+1+19+1+6+1+1 = 78 columns */
	snprintf(line, sizeof(line), "%-6s %-14s %9s %7s %9s %-19s %6s", "stat", "kernel",
		 b == BASIS_INDEX ? "index" : "latency", "+-CI", "%change", "95% CI of change", "p");
	report_puts_trimmed(f, line);
	for (st = 0; st < RESULT_NR_STATS; st++) {
		for (v = 0; v < s->rs->nr_variants; v++) {
			const struct cell *c = summary_cell(s, b, v, p, st);
			char val[24], ci[16] = "", chg[16] = "", rci[32] = "", pv[16] = "";

			report_cell_median(val, sizeof(val), b, c);
			if (c->n > 1 && c->med.est > 0)
				snprintf(ci, sizeof(ci), "%.1f%%", 50 * (c->med.hi - c->med.lo) / c->med.est);
			if ((int)v == s->baseline) {
				snprintf(chg, sizeof(chg), "base");
			} else if (c->cmp) {
				snprintf(chg, sizeof(chg), "%+.1f%%", 100 * (c->ratio.est - 1));
				snprintf(rci, sizeof(rci), "[%+.1f%%, %+.1f%%]", 100 * (c->ratio.lo - 1),
					 100 * (c->ratio.hi - 1));
				snprintf(pv, sizeof(pv), "%.3f", c->mw.p);
			} else {
				snprintf(chg, sizeof(chg), "n/a");
			}
			/* %.19s: an absurd ratio must not widen the table */
			snprintf(line, sizeof(line), "%-6s %-14.14s %9.9s %7s %9.9s %-19.19s %6s %c",
				 result_stats[st].name, s->rs->variants[v], val, ci, chg, rci, pv, marker(c));
			report_puts_trimmed(f, line);
		}
	}
}

static int render(FILE *f, const struct summary *s)
{
	size_t p;

	header(f, s);
	for (p = 0; p < s->nr_probes; p++)
		if ((int)p != s->control)
			probe_table(f, s, p);
	/* the control last: the noise floor every other table is read against */
	if (s->control >= 0)
		probe_table(f, s, s->control);
	report_blame_text(f, s, MAIL_COLS);
	fputc('\n', f);
	wrap(f, "", 0, "Generated by mmstall report --format mail from the stored results:");
	for (p = 0; p < s->rs->nr_sources; p++)
		wrap(f, "", 2, s->rs->sources[p]);
	return 0;
}

const struct report_format report_mail = {
	.name = "mail",
	.help = "the comparison in at most 80 columns for a mail to a kernel list: the conclusion, the kernels, "
	"scenario, machine and accelerator, a table per probe",
	.render = render,
};
