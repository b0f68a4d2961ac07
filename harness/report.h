/* SPDX-License-Identifier: GPL-2.0 */
/* Tables rendered from stored results (never from live state). */
#ifndef MMSTALL_REPORT_H
#define MMSTALL_REPORT_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

/*
 * One row per (variant, probe): count, p50, p99, p99.9, max of the
 * coordinated-omission-corrected latency, and p99 / the control probe's p99.
 * Percentiles with too few samples are shown as "n<N", never as a number.
 * Failed runs get one line with their error.
 */
void report_table(FILE *f, json_t *const *results, const char *const *labels, int n);

struct summary;

enum report_format { REPORT_TEXT, REPORT_MAIL, REPORT_JSON, REPORT_HTML, REPORT_RUNS };
/* "text", "mail", "json", "html" -> enum report_format, else -EINVAL. */
int report_format_parse(const char *name);
/* Render s in a format; 0 or -errno. */
int report_render(FILE *f, const struct summary *s, enum report_format format);

/*
 * The comparison of repetitions: per probe, per statistic, per variant the
 * median and its CI, the ratio to the baseline with its CI, the p-value,
 * the verdict, and the control probe's median beside.
 */
void report_compare(FILE *f, const struct summary *s);
/* What probe p times (its "what"), "[control]" for the control; static buffer. */
const char *report_probe_desc(const struct summary *s, size_t p);

/* Print line and a newline, without its trailing blanks (line is cut in place). */
void report_puts_trimmed(FILE *f, char *line);

/* The scenario settings as "key value" pairs, units scaled ("duration 30.00s"). */
void report_scenario_text(const json_t *sc, char *buf, size_t len);

/* At most 80 columns, for a mail to a kernel list (report_mail.c). */
void report_mail(FILE *f, const struct summary *s);
/* A self-contained page with inline SVG plots, no external reference (report_html.c). */
void report_html(FILE *f, const struct summary *s);

#endif
