/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The blame (attribute on), for every format: who held lo's mmap_lock
 * behind hi's waits, merged over the runs (summary.h: struct blame).
 * Sits on report_common.h; the formats include it.
 */
#ifndef MMSTALL_REPORT_BLAME_H
#define MMSTALL_REPORT_BLAME_H

#include <stddef.h>
#include <stdio.h>

#include "harness/summary.h"

/*
 * Variant v's blame in sentences (no newline in them), for every format:
 * the headline (runs traced, the explained share of hi's wait time over the
 * threshold, per probe), then what was not merged or cannot be seen: failed
 * attributions, the probes that cannot be attributed on that kernel, lost
 * events.  A variant without attribution gets one line saying so.
 */
void report_blame_lines(const struct summary *s, size_t v, void (*emit)(void *arg, const char *line), void *arg);
/* The limits of every traced variant, each sentence once, "(6.12) " before it when not every variant's. */
void report_blame_limits(const struct summary *s, void (*emit)(void *arg, const char *line), void *arg);
/* What a holder stack's stall time is, one paragraph: the legend of every format. */
extern const char report_blame_legend[];
/*
 * The "Who held lo's mmap_lock" section in plain text of at most cols
 * columns (80 for mail): per variant its lines, the top holder stacks
 * (stall time, share of it, runs, waits, thread, mode, call, state, and the
 * frames joined with " <- " on two lines of their own, cut to fit) and the
 * top queued writers; the limits last.  Nothing when no variant has blame.
 */
void report_blame_text(FILE *f, const struct summary *s, size_t cols);

#endif
