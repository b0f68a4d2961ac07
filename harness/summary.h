/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The analysis of a run set: what the measurements mean.  Every report
 * format and the gate read this, never the runs' JSON.
 *
 * Two bases.  The stall index (the default) is a probe's statistic over
 * the control probe's in the same boot: what the probe waited beyond the
 * guest's general noise, so a kernel that makes the whole guest slower or
 * faster does not pass for an mmap_lock change.  The absolute basis is the
 * latency itself.  For every basis, variant, probe and statistic (p50,
 * p99, p99.9, max of the coordinated-omission-corrected latency): the
 * values of the successful repetitions (each marked when it is only a lower
 * bound: censored stalls), their median with a 95% bootstrap interval, and
 * against the baseline variant the ratio of medians with its interval, the
 * Mann-Whitney p at this look's level and the verdict (harness/stats.h).
 *
 * Per kernel, on its own: for each probe that waits on the low-priority
 * task's mmap_lock, whether the inversion is reproduced: the median stall
 * index over repetitions against --inversion-threshold.
 */
#ifndef MMSTALL_SUMMARY_H
#define MMSTALL_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>

#include "harness/result.h"
#include "harness/runs.h"
#include "harness/stats.h"

enum summary_basis { BASIS_INDEX, BASIS_ABSOLUTE, NR_BASES };
extern const char *const summary_basis_names[NR_BASES];	/* "index", "absolute" */

/* Is the inversion there, on one kernel? */
enum kernel_verdict {
	KV_REPRODUCED,	/* the index's whole CI is above the threshold */
	KV_NONE,	/* its whole CI is below it */
	KV_INCONCLUSIVE,/* it straddles the threshold, or too few runs for an interval */
	KV_UNTESTABLE,	/* no successful run has the value */
};
const char *kernel_verdict_name(enum kernel_verdict v);

/* Fewer runs than this give no verdict: neither a kernel's own nor a comparison's. */
#define KV_MIN_RUNS 3
/* The first look of '--reps auto' (runs a side) and its default and largest last look. */
#define SEQ_FIRST 3
#define SEQ_DEFAULT_MAX 10

struct summary_rule {
	struct stats_rule cmp;		/* --max-regression, --alpha */
	double inversion_threshold;	/* --inversion-threshold: 2.0 = twice the control */
	enum summary_basis basis;	/* --basis: what verdicts and the gate use */
	enum result_stat stat;		/* --stat: the statistic verdicts use */
	unsigned int seq_max;		/* --reps auto:MAX: looks at 3..MAX runs a side; 0: one look */
	bool allow_mixed;		/* --allow-mixed: pool runs of different experiments anyway */
};
/* The defaults every command starts from. */
void summary_rule_defaults(struct summary_rule *rule);

/* One variant x probe x statistic, on one basis. */
struct cell {
	double *vals;		/* one per successful repetition that has the value */
	int *reps;		/* their repetition numbers */
	bool *lower;		/* vals[i] is only a lower bound (censored stalls) */
	bool *upper;		/* vals[i] is only an upper bound (a stall index over a censored control) */
	size_t n;
	bool censored;		/* some value is a lower bound */
	bool capped;		/* some value is an upper bound */
	struct stats_ci med;	/* median and its interval (n > 0) */
	bool cmp;		/* compared with the baseline (not the baseline; data on both sides) */
	struct stats_ci ratio;	/* median / baseline median */
	struct stats_mw mw;
	double level;		/* the rank test's level at this look */
	enum stats_verdict verdict;	/* VERDICT_UNTESTABLE when a side has no value */
	bool significant;	/* p < level and the ratio's interval excludes 1 */
};

/*
 * One kernel's own verdict on one probe (the stall index of the rule's
 * statistic): the geometric mean of the runs' indices and its interval from
 * Student's t on the log scale (stats_log_ci()), exact for log-normal runs
 * at any number of runs -- a bootstrap interval of the median would be the
 * runs' [min, max] at 3 runs, a 75% interval.
 */
struct kcell {
	bool lock_probe;	/* the probe waits on lo's mmap_lock on some kernel of the set */
	bool applies;		/* ... and on this one (maps does not from 6.17: per-VMA reads) */
	enum kernel_verdict verdict;
	const struct cell *index;	/* the per-run values */
	bool has_ci;		/* at least KV_MIN_RUNS values */
	struct stats_ci ci;	/* geometric mean and its interval at conf */
	double conf;
};

struct probe_info {
	char *name;
	const char *what;	/* from the first run that has the probe */
	const char *lock_of;
	bool control;
	bool lo_lock;		/* waits on the low-priority task's mmap_lock, on some kernel of the set */
};

struct summary {
	const struct runset *rs;
	int baseline;		/* variant index */
	struct summary_rule rule;
	struct probe_info *probes;	/* in result order */
	size_t nr_probes;
	int control;		/* index of the control probe, -1 if none */
	size_t *runs, *ok;	/* per variant: runs found, runs that succeeded */
	struct cell *cells;
	struct kcell *kcells;
	double seq_levels[STATS_SEQ_MAX + 1];	/* per-look levels when rule.seq_max */
	double kv_conf;		/* the per-kernel interval's confidence (lower when one kernel is looked at often) */
	double seq_total;	/* the schedule's total false-alarm chance */
	char mixed[1024];	/* runs of different experiments pooled under --allow-mixed: why */
};

/*
 * baseline: a variant name, or NULL for the runs' own (vm.baseline) or the
 * first variant.  -EINVAL with a message in err when it names no variant
 * or when the runs are not comparable (unless rule->allow_mixed).
 */
int summary_build(struct summary *s, const struct runset *rs, const char *baseline,
		  const struct summary_rule *rule, char *err, size_t errlen);
void summary_free(struct summary *s);
/*
 * runset_load() + the compare's own settings (compare.json: its rule,
 * unless the command line gave one) + summary_build(), messages printed:
 * 0, or -EINVAL (nothing to free).  given says which rule fields the
 * command line set.  summary_close() frees both.
 */
struct summary_given {
	bool max_regression, alpha, inversion_threshold, basis, stat;
};
int summary_open(struct summary *s, struct runset *rs, char *const *paths, size_t n, const char *baseline,
		 const struct summary_rule *rule, const struct summary_given *given);
void summary_close(struct summary *s, struct runset *rs);

struct cell *summary_cell(const struct summary *s, enum summary_basis b, size_t variant, size_t probe,
			  enum result_stat st);
const struct kcell *summary_kcell(const struct summary *s, size_t variant, size_t probe);
int summary_probe(const struct summary *s, const char *name);	/* index or -1 */
/* A result of the variant (its first successful run, else its first run). */
const struct run_result *summary_result(const struct summary *s, size_t variant);
/* The smallest p-value n1 vs n2 repetitions can give (no ties): 2 / C(n1+n2, n1). */
double summary_min_p(size_t n1, size_t n2);

/* The verdict cell of (v, p): the rule's basis and statistic (absolute for the control). */
const struct cell *summary_verdict_cell(const struct summary *s, size_t v, size_t p);
/* Did the control's latency move significantly between v and the baseline?  Its cell then. */
const struct cell *summary_control_moved(const struct summary *s, size_t v);
/* The kernel's overall verdict: reproduced if any lock probe is, none if all are, else inconclusive. */
enum kernel_verdict summary_kernel_verdict(const struct summary *s, size_t v);
/*
 * Is every cell a verdict is asked of decided (regressed, improved, no
 * change; per kernel: reproduced or none)?  only_probe: the gated probe, or
 * NULL for every lock probe.  What 'compare --reps auto' stops on.
 */
bool summary_decided(const struct summary *s, const char *only_probe);

/* Identity strings of a variant for reports (static buffers, valid until the next call). */
const char *summary_kernel_desc(const struct summary *s, size_t variant);
const char *summary_accel_desc(const struct summary *s, size_t variant);
const char *summary_host_desc(const struct summary *s, size_t variant);

/*
 * The verdict options every command shares, as getopt_long entries with
 * these values, and one handler: --max-regression PCT, --alpha P,
 * --inversion-threshold X, --basis index|absolute, --stat STAT,
 * --allow-mixed.  Returns 1 when opt was one of them (0 otherwise), or
 * -EINVAL with a message naming the value and what is accepted.
 */
enum {
	OPT_RULE_MAX_REGRESSION = 0x5200,
	OPT_RULE_ALPHA,
	OPT_RULE_THRESHOLD,
	OPT_RULE_BASIS,
	OPT_RULE_STAT,
	OPT_RULE_ALLOW_MIXED,
};
#define SUMMARY_RULE_LONGOPTS                                                                      \
	{ "max-regression", required_argument, NULL, OPT_RULE_MAX_REGRESSION },                    \
		{ "alpha", required_argument, NULL, OPT_RULE_ALPHA },                              \
		{ "inversion-threshold", required_argument, NULL, OPT_RULE_THRESHOLD },            \
		{ "basis", required_argument, NULL, OPT_RULE_BASIS },                              \
		{ "stat", required_argument, NULL, OPT_RULE_STAT },                                \
		{ "allow-mixed", no_argument, NULL, OPT_RULE_ALLOW_MIXED }
int summary_rule_option(struct summary_rule *rule, struct summary_given *given, int opt, const char *val);
/* Their --help lines. */
void summary_rule_help(FILE *f);

/* The rule as compare.json stores it, and back (fields the command line did not give). */
json_t *summary_rule_to_json(const struct summary_rule *rule);
void summary_rule_from_json(struct summary_rule *rule, const struct summary_given *given, const json_t *o);

#endif
