// SPDX-License-Identifier: GPL-2.0
/*
 * The mail report: plain text of at most 80 columns (MAIL_COLS), ready to
 * paste into a mail to a kernel list.  The identity of what was measured
 * comes first (kernels, scenario, machine, accelerator), then one table per
 * probe in the manner of mmtests' compare-kernels and LKP: value, +-CI,
 * %change against the baseline, and a significance marker.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/report.h"
#include "harness/summary.h"
#include "harness/util.h"

#define MAIL_COLS 80

/*
 * Print text wrapped at MAIL_COLS: the first line after head (padded to
 * indent), the following ones indented.  Words longer than a line (paths)
 * are cut.
 */
static void wrap(FILE *f, const char *head, size_t indent, const char *text)
{
	size_t col, width = MAIL_COLS - indent;
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

/* One line for everything, or one line per variant when the variants differ. */
static void per_variant(FILE *f, const struct summary *s, const char *head,
			const char *(*desc)(const struct summary *, size_t))
{
	size_t v, n = s->rs->nr_variants;
	char *first = strdup(desc(s, 0)), line[768];
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

static void header(FILE *f, const struct summary *s)
{
	const json_t *base = summary_result(s, s->baseline);
	const json_t *sc = json_object_get(base, "scenario");
	const json_t *thr = json_object_get(base, "throttle");
	/* the scenario's name: "name" (format of issue 3), earlier "scenario" */
	const char *name = json_string_value(json_object_get(sc, "name"));
	char text[2048], line[768];
	size_t v;

	if (!name)
		name = json_string_value(json_object_get(sc, "scenario"));
	snprintf(line, sizeof(line), "mmstall comparison, %s scenario, baseline %s", name ?: "?",
		 s->rs->variants[s->baseline]);
	wrap(f, "", 0, line);
	fputc('\n', f);
	for (v = 0; v < s->rs->nr_variants; v++) {
		const char *desc = summary_kernel_desc(s, v);

		snprintf(line, sizeof(line), "%s; %zu of %zu runs ok", desc, s->ok[v], s->runs[v]);
		wrap(f, v ? "" : "Kernels", 12, s->rs->variants[v]);
		wrap(f, "", 14, line);
	}
	report_scenario_text(sc, text, sizeof(text));
	wrap(f, "Scenario", 12, text);
	if (thr) {
		snprintf(line, sizeof(line), "%s %s on %s",
			 json_string_value(json_object_get(thr, "kind")) ?: "?",
			 json_string_value(json_object_get(thr, "value")) ?: "",
			 json_string_value(json_object_get(thr, "group")) ?: "-");
		wrap(f, "Throttle", 12, line);
	}
	per_variant(f, s, "Machine", summary_host_desc);
	per_variant(f, s, "Accel", summary_accel_desc);
	fputc('\n', f);
	snprintf(text, sizeof(text),
		 "Latency from each probe sample's due time (coordinated omission corrected). "
		 "Value: median over runs; +-CI: half the 95%% bootstrap interval, in %% of the "
		 "value; %%change: median against the baseline's; p: two-sided Mann-Whitney U. "
		 "Marker: R regressed (whole 95%% CI of the ratio above +%g%% and p < %g), I improved "
		 "(below -%.1f%%), * a significant change within the threshold.",
		 s->rule.max_regression * 100, s->rule.alpha,
		 100 * (1 - 1 / (1 + s->rule.max_regression)));
	wrap(f, "", 0, text);
	for (v = 0; v < s->rs->nr_variants; v++) {
		if (summary_min_p(s->ok[v], s->ok[s->baseline]) < s->rule.alpha)
			continue;
		snprintf(text, sizeof(text), "Note: with %zu and %zu successful runs no difference can reach "
			 "p < %g: the markers need about 4 runs a side or more.", s->ok[v],
			 s->ok[s->baseline], s->rule.alpha);
		wrap(f, "", 0, text);
		break;
	}
}

static char marker(const struct cell *c)
{
	if (!c->cmp)
		return ' ';
	if (c->verdict == VERDICT_REGRESSED)
		return 'R';
	if (c->verdict == VERDICT_IMPROVED)
		return 'I';
	return c->significant ? '*' : ' ';
}

static void probe_table(FILE *f, const struct summary *s, size_t p)
{
	char line[256];
	size_t st, v;

	fputc('\n', f);
	snprintf(line, sizeof(line), "%s: %s", s->probes[p], report_probe_desc(s, p));
	wrap(f, "", 0, line);
	/* 6+1+14+1+9+1+7+1+9+1+19+1+6+1+1 = 78 columns */
	snprintf(line, sizeof(line), "%-6s %-14s %9s %7s %9s %-19s %6s", "stat", "kernel", "value", "+-CI",
		 "%change", "95% CI of change", "p");
	report_puts_trimmed(f, line);
	for (st = 0; st < summary_nr_stats; st++) {
		for (v = 0; v < s->rs->nr_variants; v++) {
			const struct cell *c = summary_cell(s, v, p, st);
			char val[16] = "-", ci[16] = "", chg[16] = "", rci[32] = "", pv[16] = "";

			if (c->n) {
				fmt_ns(val, sizeof(val), c->med.est);
				if (c->n > 1 && c->med.est > 0)
					snprintf(ci, sizeof(ci), "%.1f%%",
						 50 * (c->med.hi - c->med.lo) / c->med.est);
			}
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
			snprintf(line, sizeof(line), "%-6s %-14.14s %9s %7s %9.9s %-19.19s %6s %c",
				 summary_stats[st].name, s->rs->variants[v], val, ci, chg, rci, pv, marker(c));
			report_puts_trimmed(f, line);
		}
	}
}

void report_mail(FILE *f, const struct summary *s)
{
	size_t p;

	header(f, s);
	for (p = 0; p < s->nr_probes; p++)
		if ((int)p != s->control)
			probe_table(f, s, p);
	/* the control last: the noise floor every other table is read against */
	if (s->control >= 0)
		probe_table(f, s, s->control);
	fputc('\n', f);
	wrap(f, "", 0, "Generated by mmstall report --format mail from the stored results:");
	for (p = 0; p < s->rs->nr_sources; p++)
		wrap(f, "", 2, s->rs->sources[p]);
}
