/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reports: a summary (harness/summary.h) rendered in one of the formats of
 * report_formats[] -- each a file of its own (report_<name>.c) over the
 * common bottom (report_common.h).  Never from live state.
 */
#ifndef MMSTALL_REPORT_H
#define MMSTALL_REPORT_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

struct summary;
struct run_result;

struct report_format {
	const char *name;	/* --format NAME */
	const char *help;	/* one line for --help */
	int (*render)(FILE *f, const struct summary *s);	/* 0 or -errno */
	/* several experiments side by side, each its own summary (NULL: the PATHs are pooled) */
	int (*render_many)(FILE *f, const struct summary *const *s, size_t n);
};

/* text, runs, kernels, mail, json, html: in that order. */
extern const struct report_format *const report_formats[];
extern const size_t report_nr_formats;
/* The format called name, or NULL. */
const struct report_format *report_format_find(const char *name);
/* The names joined: ", " and " or " give "text, runs, mail, json or html"; static buffer. */
const char *report_format_list(const char *sep, const char *last_sep);

/* The formats, as registered (report_<name>.c). */
extern const struct report_format report_text, report_runs, report_kernels, report_mail, report_json, report_html;


#endif
