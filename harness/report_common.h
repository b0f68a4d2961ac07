/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The bottom of the reports: what every format says the same way.  The
 * legend and the rule in words, verdict words, values with their lower
 * bounds, probe descriptions, and the conclusion every report opens with.
 * Formats (report_text.c, report_mail.c, report_html.c, report_json.c,
 * report_runs.c) include this and nothing of each other; report.c
 * dispatches to them.  Everything here reads the summary only.
 */
#ifndef MMSTALL_REPORT_COMMON_H
#define MMSTALL_REPORT_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "harness/summary.h"

/* A value of a cell: "4.75ms", ">=4.01s" (a lower bound), "3.41x", ">=152x" (index basis). */
void report_value(char *buf, size_t len, enum summary_basis b, double v, bool lower_bound);
/* The same with "<=" for an upper bound ("~" when both). */
void report_bounded(char *buf, size_t len, enum summary_basis b, double v, bool lower_bound, bool upper_bound);
/* A kernel's own index: "152x (95% CI 140x-160x, 5 runs)", or "3.41x from 1 run (no interval ...)". */
void report_kcell(char *buf, size_t len, const struct kcell *k);
/* A cell's median as report_value() writes it; "-" without values. */
void report_cell_median(char *buf, size_t len, enum summary_basis b, const struct cell *c);
/* Its 95% CI, "1.11x-1.68x" / "4.95ms-17.69ms"; "" with fewer than 2 values. */
void report_cell_ci(char *buf, size_t len, enum summary_basis b, const struct cell *c);

/* The word for a cell's verdict: "baseline", "regressed", "no change", "inconclusive"... */
const char *report_verdict_word(const struct summary *s, size_t v, const struct cell *c);

/* What probe p times, for variant v (NULL: the baseline's), "[control]" added; static buffer. */
const char *report_probe_desc(const struct summary *s, size_t p, const size_t *v);

/* The scenario settings as "key value" pairs, units scaled ("duration 30.00s"). */
void report_scenario_text(const json_t *sc, char *buf, size_t len);

/*
 * The conclusion, a line per finding (no newline in them): per kernel,
 * whether the inversion is reproduced, by which probe, how strongly (index
 * and CI); per comparison, the verdict on the rule's basis and the
 * control's own movement when there was one; the looks of a sequential
 * compare; a warning when different experiments were pooled.  Calls emit
 * once per line.
 */
void report_conclusion(const struct summary *s, void (*emit)(void *arg, const char *line), void *arg);

/* The rule in words, one paragraph (no newline), for the legend of every format. */
void report_rule_text(const struct summary *s, char *buf, size_t len);

/* A share as a percentage: "95.1%", "<0.1%", "100%". */
void report_share(char *buf, size_t len, double share);

/* Why variant v has no value: its first failed run's error, one line (static buffer). */
const char *report_first_error(const struct summary *s, size_t v);

/* A sentence built piece by piece; what does not fit is cut. */
struct report_text {
	char buf[2048];
	size_t n;
};
void report_text_add(struct report_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Where the time of the runs went, from their timings (results/README.md,
 * "time_spent" of the summary): the seconds per phase summed over the
 * runs (boot, setup, device baseline, warm-up, window, drain, results
 * out...), the share that is measurement (warm-up + window), the mean
 * per-run overhead (vm.timings.overhead_s), runs per host.  NULL when no
 * run has host timings (not made by 'mmstall vm' or 'compare').
 */
json_t *report_time_spent(const struct summary *s);

/* Print line and a newline, without its trailing blanks (line is cut in place). */
void report_puts_trimmed(FILE *f, char *line);

#endif
