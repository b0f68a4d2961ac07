// SPDX-License-Identifier: GPL-2.0
#include "harness/report_common.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/util.h"

static void fmt_index(char *buf, size_t len, double x)
{
	if (x < 9.995)
		snprintf(buf, len, "%.2fx", x);
	else if (x < 99.95)
		snprintf(buf, len, "%.1fx", x);
	else
		snprintf(buf, len, "%.0fx", x);
}

void report_value(char *buf, size_t len, enum summary_basis b, double v, bool lower_bound)
{
	char x[32];

	if (b == BASIS_INDEX)
		fmt_index(x, sizeof(x), v);
	else
		fmt_ns(x, sizeof(x), v);
	snprintf(buf, len, "%s%s", lower_bound ? ">=" : "", x);
}

void report_cell_median(char *buf, size_t len, enum summary_basis b, const struct cell *c)
{
	if (!c->n) {
		snprintf(buf, len, "-");
		return;
	}
	/* the median is a lower bound when the values at or above it include one */
	report_value(buf, len, b, c->med.est, c->censored);
}

void report_cell_ci(char *buf, size_t len, enum summary_basis b, const struct cell *c)
{
	char lo[32], hi[32];

	if (c->n < 2) {
		buf[0] = '\0';
		return;
	}
	report_value(lo, sizeof(lo), b, c->med.lo, false);
	report_value(hi, sizeof(hi), b, c->med.hi, c->censored);
	snprintf(buf, len, "%s-%s", lo, hi);
}

const char *report_verdict_word(const struct summary *s, size_t v, const struct cell *c)
{
	if ((int)v == s->baseline)
		return "baseline";
	if (!c->cmp)
		return "could not test";
	return stats_verdict_name(c->verdict);
}

/* The description of probe p in variant v's first run that has it. */
static const char *probe_what(const struct summary *s, size_t v, size_t p)
{
	size_t i;

	for (i = 0; i < s->rs->nr_runs; i++) {
		const struct probe_result *pr;

		if (s->rs->runs[i].variant != (int)v)
			continue;
		pr = result_probe(&s->rs->runs[i].res, s->probes[p].name);
		if (pr && pr->what)
			return pr->what;
	}
	return s->probes[p].what;
}

const char *report_probe_desc(const struct summary *s, size_t p, const size_t *v)
{
	static char buf[320];

	snprintf(buf, sizeof(buf), "%s%s", probe_what(s, v ? *v : (size_t)s->baseline, p) ?: "?",
		 (int)p == s->control ? " [control]" : "");
	return buf;
}

void report_scenario_text(const json_t *sc, char *buf, size_t len)
{
	size_t used = 0, kl;
	const char *key;
	json_t *val;

	buf[0] = '\0';
	json_object_foreach((json_t *)sc, key, val) {
		char v[64];

		if (used >= len)
			break;
		kl = strlen(key);
		if (json_is_string(val)) {
			/* an empty setting (fio_lo: no job) still shows as a value */
			snprintf(v, sizeof(v), "%s", *json_string_value(val) ? json_string_value(val) : "-");
		} else if (json_is_integer(val) && kl > 3 && !strcmp(key + kl - 3, "_ns")) {
			fmt_ns(v, sizeof(v), (double)json_integer_value(val));
			kl -= 3;
		} else if (json_is_integer(val) && kl > 6 && !strcmp(key + kl - 6, "_bytes")) {
			snprintf(v, sizeof(v), "%.0fM", json_integer_value(val) / 1048576.0);
			kl -= 6;
		} else if (json_is_integer(val)) {
			snprintf(v, sizeof(v), "%" JSON_INTEGER_FORMAT, json_integer_value(val));
		} else {
			continue;
		}
		used += snprintf(buf + used, len - used, "%s%.*s %s", used ? ", " : "", (int)kl, key, v);
	}
}

/* ---- the conclusion ---- */

struct text {
	char buf[2048];
	size_t n;
};

static void add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (t->n >= sizeof(t->buf))
		return;
	va_start(ap, fmt);
	w = vsnprintf(t->buf + t->n, sizeof(t->buf) - t->n, fmt, ap);
	va_end(ap);
	if (w > 0)
		t->n += (size_t)w;
}

/* "maps 3.41x (95% CI 3.17x-4.49x)" */
static void add_index(struct text *t, const struct summary *s, size_t p, const struct cell *c)
{
	char med[32], ci[80];

	report_cell_median(med, sizeof(med), BASIS_INDEX, c);
	report_cell_ci(ci, sizeof(ci), BASIS_INDEX, c);
	add(t, "%s %s", s->probes[p].name, med);
	if (ci[0])
		add(t, " (95%% CI %s)", ci);
}

/* Why a variant has no value: its first failed run's error, first line. */
static const char *first_error(const struct summary *s, size_t v)
{
	static char buf[200];
	size_t i;

	for (i = 0; i < s->rs->nr_runs; i++) {
		const struct run *r = &s->rs->runs[i];

		if (r->variant == (int)v && !r->ok) {
			snprintf(buf, sizeof(buf), "%s",
				 r->error ?: r->res.status == RUN_RUNNING ? "the run never finished (status running: "
									     "interrupted or crashed)"
									   : "no reason recorded");
			buf[strcspn(buf, "\n")] = '\0';
			return buf;
		}
	}
	return "no run has the values";
}

static void kernel_line(const struct summary *s, size_t v, struct text *t)
{
	const char *stat = result_stats[s->rule.stat].name, *sep = "";
	enum kernel_verdict kv = summary_kernel_verdict(s, v);
	size_t p, n = 0;

	add(t, "%s: ", s->rs->variants[v]);
	if (kv == KV_UNTESTABLE) {
		add(t, "could not test (%zu of %zu runs ok): %s", s->ok[v], s->runs[v], first_error(s, v));
		return;
	}
	for (p = 0; p < s->nr_probes; p++)
		if (summary_kcell(s, v, p)->applies)
			n = summary_kcell(s, v, p)->index->n > n ? summary_kcell(s, v, p)->index->n : n;
	if (n < KV_MIN_RUNS) {
		add(t, "%s stall index ", stat);
		for (p = 0; p < s->nr_probes; p++) {
			if (!summary_kcell(s, v, p)->applies)
				continue;
			add(t, "%s", sep);
			add_index(t, s, p, summary_kcell(s, v, p)->index);
			sep = ", ";
		}
		add(t, " from %zu run%s: %s gives no interval, so no verdict (it takes %d runs: --reps)", n,
		    n == 1 ? "" : "s", n == 1 ? "one boot" : "so few boots", KV_MIN_RUNS);
		return;
	}
	if (kv == KV_REPRODUCED)
		add(t, "inversion reproduced by ");
	else if (kv == KV_NONE)
		add(t, "no inversion (every lock probe's %s stall index below %gx): ", stat, s->rule.inversion_threshold);
	else
		add(t, "inconclusive (an interval straddles %gx): ", s->rule.inversion_threshold);
	for (p = 0; p < s->nr_probes; p++) {
		const struct kcell *k = summary_kcell(s, v, p);

		if (!k->applies || (kv == KV_REPRODUCED && k->verdict != KV_REPRODUCED))
			continue;
		add(t, "%s", sep);
		add_index(t, s, p, k->index);
		sep = ", ";
	}
	if (kv == KV_REPRODUCED) {
		add(t, " (%s stall index above %gx)", stat, s->rule.inversion_threshold);
		sep = "; not by ";
		for (p = 0; p < s->nr_probes; p++) {
			const struct kcell *k = summary_kcell(s, v, p);

			if (!k->applies || k->verdict == KV_REPRODUCED)
				continue;
			add(t, "%s", sep);
			add_index(t, s, p, k->index);
			add(t, " %s", kernel_verdict_name(k->verdict));
			sep = ", ";
		}
	}
	add(t, "; %zu of %zu runs ok", s->ok[v], s->runs[v]);
}

static void compare_line(const struct summary *s, size_t v, struct text *t)
{
	const char *base = s->rs->variants[s->baseline], *stat = result_stats[s->rule.stat].name, *sep = "";
	const struct cell *ctl = summary_control_moved(s, v);
	size_t p;

	add(t, "%s vs %s (%s %s): ", s->rs->variants[v], base, stat,
	    s->rule.basis == BASIS_INDEX ? "stall index, lock-specific" : "latency, absolute");
	for (p = 0; p < s->nr_probes; p++) {
		const struct cell *c = summary_verdict_cell(s, v, p);
		char ci[80];

		if (!s->probes[p].lo_lock)
			continue;
		add(t, "%s%s %s", sep, s->probes[p].name, report_verdict_word(s, v, c));
		if (c->cmp) {
			snprintf(ci, sizeof(ci), "%.2fx-%.2fx", c->ratio.lo, c->ratio.hi);
			add(t, " (%.2fx, 95%% CI %s, p=%.3g)", c->ratio.est, ci, c->mw.p);
		}
		sep = ", ";
	}
	if (!*sep)
		add(t, "no probe waits on lo's mmap_lock");
	if (ctl)
		add(t, "; the control (%s %s) moved on its own: the whole guest got %.2fx %s (95%% CI %.2fx-%.2fx, "
		    "p=%.3g)%s", s->probes[s->control].name, stat, ctl->ratio.est >= 1 ? ctl->ratio.est : 1 / ctl->ratio.est,
		    ctl->ratio.est >= 1 ? "slower" : "faster", ctl->ratio.lo, ctl->ratio.hi, ctl->mw.p,
		    s->rule.basis == BASIS_INDEX ? ", which the stall index discounts" : "");
}

void report_conclusion(const struct summary *s, void (*emit)(void *arg, const char *line), void *arg)
{
	struct text t;
	size_t v;

	if (s->mixed[0]) {
		t.n = 0;
		add(&t, "WARNING: different experiments pooled (--allow-mixed): %s", s->mixed);
		emit(arg, t.buf);
	}
	for (v = 0; v < s->rs->nr_variants; v++) {
		t.n = 0;
		kernel_line(s, v, &t);
		emit(arg, t.buf);
	}
	for (v = 0; v < s->rs->nr_variants; v++) {
		if ((int)v == s->baseline)
			continue;
		t.n = 0;
		compare_line(s, v, &t);
		emit(arg, t.buf);
	}
}

void report_rule_text(const struct summary *s, char *buf, size_t len)
{
	const struct summary_rule *r = &s->rule;
	double up = 1 + r->cmp.max_regression;
	size_t n;

	n = snprintf(buf, len,
		     "Latency from each probe sample's due time (coordinated omission corrected); >= marks a "
		     "lower bound (samples still blocked when the probe was stopped count with the time they "
		     "had waited). Stall index: a probe's statistic over the control probe's in the same boot. "
		     "Per kernel: median over runs with a 95%% bootstrap CI; reproduced when the index's whole "
		     "CI is above %gx, none when wholly below (%d runs or more). Comparisons (%s basis): ratio of "
		     "medians to the baseline with its CI, two-sided Mann-Whitney p; regressed: ratio CI above "
		     "%.2fx and p <= level; improved: below %.2fx and p <= level; no change: the whole CI inside "
		     "%.2fx-%.2fx; else inconclusive.",
		     r->inversion_threshold, KV_MIN_RUNS, summary_basis_names[r->basis], up, 1 / up, 1 / up, up);
	if (n >= len)
		return;
	if (r->seq_max) {
		unsigned int first = SEQ_FIRST;

		while (first < r->seq_max && !(s->seq_levels[first] > 0))
			first++;
		snprintf(buf + n, len - n,
			 " Sequential (--reps auto:%u): looks after 3 to %u runs a side; level %.4f at the first "
			 "look that can reject (a complete separation), %.4f at each later one, so any look "
			 "rejects by chance with probability %.3f at most (alpha %g, distribution-free).",
			 r->seq_max, r->seq_max, s->seq_levels[first], s->seq_levels[r->seq_max],
			 s->seq_total, r->cmp.alpha);
	} else {
		snprintf(buf + n, len - n, " Level: alpha %g.", r->cmp.alpha);
	}
}

/* ---- text helpers ---- */

void report_wrap(FILE *f, const char *head, size_t indent, size_t cols, const char *text)
{
	size_t col, width = cols - indent;
	const char *w = text;

	fprintf(f, "%-*s", (int)indent, head);
	col = 0;
	while (*w) {
		size_t len = strcspn(w, " ");

		if (!len) {
			w++;
			continue;
		}
		if (col && col + 1 + len > width) {
			fprintf(f, "\n%*s", (int)indent, "");
			col = 0;
		}
		if (col) {
			fputc(' ', f);
			col++;
		}
		while (len > width - col) {	/* a word longer than the line */
			fprintf(f, "%.*s\n%*s", (int)(width - col), w, (int)indent, "");
			w += width - col;
			len -= width - col;
			col = 0;
		}
		fprintf(f, "%.*s", (int)len, w);
		col += len;
		w += len;
	}
	fputc('\n', f);
}

void report_puts_trimmed(FILE *f, char *line)
{
	size_t n = strlen(line);

	while (n && line[n - 1] == ' ')
		line[--n] = '\0';
	fprintf(f, "%s\n", line);
}
