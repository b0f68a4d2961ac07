/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The comparison of a run set: for every variant, probe and statistic
 * (p50, p99, p99.9, max of the coordinated-omission-corrected latency), the
 * values of the successful repetitions, their median with a 95% bootstrap
 * interval, and against the baseline variant the ratio of medians with its
 * interval, the Mann-Whitney p-value and the verdict (harness/stats.h).
 * Every report format and the gate read this, never the runs directly.
 */
#ifndef MMSTALL_SUMMARY_H
#define MMSTALL_SUMMARY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "harness/runs.h"
#include "harness/stats.h"

struct summary_stat {
	const char *name;	/* "p99.9": --stat and reports */
	const char *key;	/* "p99_9_ns": the latency record's key */
};
extern const struct summary_stat summary_stats[];
extern const size_t summary_nr_stats;

/* One variant x probe x statistic. */
struct cell {
	double *vals;		/* ns, one per successful repetition that has the value */
	int *reps;		/* their repetition numbers */
	size_t n;
	struct stats_ci med;	/* median and its interval (n > 0) */
	bool cmp;		/* compared with the baseline (not the baseline; data on both sides) */
	struct stats_ci ratio;	/* median / baseline median */
	struct stats_mw mw;
	enum stats_verdict verdict;	/* VERDICT_UNTESTABLE when a side has no value */
	bool significant;	/* p < alpha and the ratio's interval excludes 1 */
};

struct summary {
	const struct runset *rs;
	int baseline;		/* variant index */
	struct stats_rule rule;
	char **probes;		/* probe names, in result order */
	size_t nr_probes;
	int control;		/* index of the control probe, -1 if none */
	size_t *runs, *ok;	/* per variant: runs found, runs that succeeded */
	struct cell *cells;
};

/*
 * baseline: a variant name, or NULL for the runs' own (vm.baseline) or the
 * first variant.  -EINVAL with a message in err when it names no variant.
 */
int summary_build(struct summary *s, const struct runset *rs, const char *baseline,
		  const struct stats_rule *rule, char *err, size_t errlen);
void summary_free(struct summary *s);
/*
 * runset_load() + summary_build() with the messages printed: 0, or -EINVAL
 * (nothing to free).  summary_close() frees both.
 */
int summary_open(struct summary *s, struct runset *rs, char *const *paths, size_t n, const char *baseline,
		 const struct stats_rule *rule);
void summary_close(struct summary *s, struct runset *rs);

struct cell *summary_cell(const struct summary *s, size_t variant, size_t probe, size_t stat);
int summary_probe(const struct summary *s, const char *name);	/* index or -1 */
int summary_stat(const char *name);				/* index or -1 */
/* A result of the variant (its first successful run, else its first run). */
const json_t *summary_result(const struct summary *s, size_t variant);
/* The smallest p-value n1 vs n2 repetitions can give (no ties): 2 / C(n1+n2, n1). */
double summary_min_p(size_t n1, size_t n2);

/* Identity strings of a variant for reports (static buffers, valid until the next call). */
const char *summary_kernel_desc(const struct summary *s, size_t variant);
const char *summary_accel_desc(const struct summary *s, size_t variant);
const char *summary_host_desc(const struct summary *s, size_t variant);

/*
 * The verdict options every command shares: --max-regression PCT and
 * --alpha P (opt is the option's name without dashes).  0, or -EINVAL with
 * a message naming the value and what is accepted.
 */
int summary_rule_option(struct stats_rule *rule, const char *opt, const char *val);
/* Their getopt_long entries (values 'm' and 'a'), and the case that handles them. */
#define SUMMARY_RULE_LONGOPTS \
	{ "max-regression", required_argument, NULL, 'm' }, { "alpha", required_argument, NULL, 'a' }
#define SUMMARY_RULE_CASES(rule)                                                                   \
	case 'm':                                                                                  \
	case 'a':                                                                                  \
		if (summary_rule_option((rule), c == 'm' ? "max-regression" : "alpha", optarg))   \
			return -EINVAL;                                                            \
		break

/* The summary as JSON (mmstall report --format json). */
json_t *summary_to_json(const struct summary *s);

#endif
