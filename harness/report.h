/* SPDX-License-Identifier: GPL-2.0 */
/* Tables rendered from stored results (never from live state). */
#ifndef MMSTALL_REPORT_H
#define MMSTALL_REPORT_H

#include <jansson.h>
#include <stdio.h>

/*
 * One row per (variant, probe): count, p50, p99, p99.9, max of the
 * coordinated-omission-corrected latency, and p99 / the control probe's p99.
 * Percentiles with too few samples are shown as "n<N", never as a number.
 * Failed runs get one line with their error.
 */
void report_table(FILE *f, json_t *const *results, const char *const *labels, int n);

#endif
