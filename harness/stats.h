/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Statistics over repetitions: medians with bootstrap confidence intervals,
 * the ratio of two medians with its interval, the Mann-Whitney U test, and
 * the verdict rule that turns them into "regressed", "improved" or
 * "no change".
 *
 * Every function is deterministic: the bootstrap draws from a fixed-seed
 * PRNG (xoshiro256**), so the same results always give the same report.
 *
 * The verdict rule (stats_verdict()) controls false alarms twice over: a
 * change is called only when the ratio's whole 95% interval lies beyond the
 * threshold AND the rank test rejects "no difference" at alpha.  With 5
 * repetitions per side the rank test alone cannot go below p = 0.0079, and
 * the interval of a median is about [2nd smallest, 2nd largest], so a
 * verdict needs the two sets of repetitions to be nearly separated by more
 * than the threshold.  tests/test_stats.c checks the pieces on known answers.
 */
#ifndef MMSTALL_STATS_H
#define MMSTALL_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STATS_RESAMPLES 10000
#define STATS_CONF 0.95
#define STATS_SEED 0x6d6d7374616c6cULL	/* "mmstall" */
#define STATS_ALPHA 0.05
/* Mann-Whitney is exact (permutation distribution, ties included) up to this many values. */
#define STATS_MW_EXACT_MAX 60

/* xoshiro256**: small, fast, good enough for resampling. */
struct stats_rng {
	uint64_t s[4];
};

void stats_rng_seed(struct stats_rng *r, uint64_t seed);
uint64_t stats_rng_next(struct stats_rng *r);
/* Uniform in [0, n), without modulo bias. */
uint64_t stats_rng_below(struct stats_rng *r, uint64_t n);

/* Median of n values (mean of the middle two when n is even); x is not changed. */
double stats_median(const double *x, size_t n);
/* Quantile q in [0, 1] of sorted values, linear between order statistics. */
double stats_quantile_sorted(const double *sorted, size_t n, double q);

/* A point estimate and its confidence interval. */
struct stats_ci {
	double est, lo, hi;
};

/*
 * Percentile bootstrap of the median: resamples draws of n values with
 * replacement; the interval is the (1-conf)/2 and (1+conf)/2 quantiles of
 * the resampled medians.  0, or -EINVAL when n is 0.
 */
int stats_median_ci(const double *x, size_t n, double conf, unsigned int resamples, uint64_t seed,
		    struct stats_ci *out);

/*
 * Ratio of medians median(var) / median(base), each side resampled on its
 * own (the runs are independent boots).  -EINVAL when a side is empty,
 * -EDOM when the baseline's median is 0 (or a resample's is).
 */
int stats_ratio_ci(const double *base, size_t nb, const double *var, size_t nv, double conf,
		   unsigned int resamples, uint64_t seed, struct stats_ci *out);

/*
 * For a quantity whose runs are log-normal (a ratio, like the stall index):
 * the geometric mean of x and its conf interval from Student's t on the log
 * scale, exact at any n >= 2 under that model -- unlike the bootstrap of a
 * median, whose interval at 3 runs is [min, max] and covers only 75%.
 * -EINVAL for n < 2, -EDOM for a value <= 0.
 */
int stats_log_ci(const double *x, size_t n, double conf, struct stats_ci *out);
/* Student's t: the distribution function, and its quantile (q in (0, 1)). */
double stats_t_cdf(double t, double df);
double stats_t_quantile(double q, double df);

struct stats_mw {
	double u;	/* U of the second sample: pairs (a, b) with b > a, ties counted 1/2 */
	double p;	/* two-sided p-value */
	bool exact;	/* p from the exact permutation distribution (else normal approximation) */
};

/*
 * Two-sided Mann-Whitney U test of a against b.  Exact when na + nb <=
 * STATS_MW_EXACT_MAX: the permutation distribution of the rank sum, ties
 * given their mid-ranks, p = P(|W - E[W]| >= |w - E[W]|).  Larger samples:
 * normal approximation with tie correction and continuity correction.
 * -EINVAL when a side is empty.
 */
int stats_mann_whitney(const double *a, size_t na, const double *b, size_t nb, struct stats_mw *out);

enum stats_verdict {
	VERDICT_NO_CHANGE,	/* shown: the ratio's whole CI lies inside the threshold band */
	VERDICT_REGRESSED,
	VERDICT_IMPROVED,
	VERDICT_INCONCLUSIVE,	/* neither a change nor its absence is shown */
	VERDICT_UNTESTABLE,	/* not enough data on a side */
};

struct stats_rule {
	double max_regression;	/* 0.2: a ratio beyond 1.2 (or below 1/1.2) is a change */
	double alpha;		/* the rank test's level over all looks */
};

/*
 * What the data may show, for one side's values: a side whose values
 * include lower bounds (censored stalls: the true latency is higher) can
 * show that it is larger than the other, never that it is not.
 */
struct stats_sides {
	bool base_lower_bound, var_lower_bound;	/* true values may be higher */
	bool base_upper_bound, var_upper_bound;	/* true values may be lower */
};

/*
 * regressed: ratio->lo > 1 + max_regression and p <= level;
 * improved:  ratio->hi < 1 / (1 + max_regression) and p <= level
 *            (the same distance as a regression, on a log scale);
 * no change: the whole CI inside [1 / (1 + max_regression), 1 + max_regression]
 *            (equivalence: a change of the threshold's size is ruled out);
 * inconclusive: anything else.  level is the rank test's level at this
 * look (rule->alpha for a single look; see stats_seq_levels()).  Bounds
 * only count in their direction: "regressed" (variant larger) needs a
 * baseline without lower bounds and a variant without upper bounds,
 * "improved" the reverse, "no change" exact values on both sides.
 */
enum stats_verdict stats_verdict(const struct stats_rule *rule, const struct stats_ci *ratio, double p,
				 double level, const struct stats_sides *sides);
const char *stats_verdict_name(enum stats_verdict v);
/* Does p reject "no difference" at level (p <= level; level 0 never rejects)? */
bool stats_rejects(double p, double level);
/* A difference the data support (p <= level, interval excludes 1), past the threshold or not. */
bool stats_significant(const struct stats_ci *ratio, double p, double level);

/*
 * Sequential looks ('mmstall compare --reps auto'): after n = first..max
 * runs a side, the Mann-Whitney level of each look, so that when the two
 * sides do not differ the chance that ANY look rejects stays at or below
 * alpha.  The test is distribution-free, so that chance depends on rank
 * orders only and is computed by simulating STATS_SEQ_PATHS random orders
 * (fixed seed): at the first n whose smallest attainable p (a complete
 * separation, 2 / C(2n, n)) is at most alpha, the level is that p; at
 * every later look it is the largest constant keeping the total two
 * simulation standard errors below alpha.
 * levels[n] for n in [0, max]; 0 where no rejection is allowed.  Returns
 * the total chance of a false rejection that the schedule gives.
 */
#define STATS_SEQ_PATHS 20000
#define STATS_SEQ_MAX 20
double stats_seq_levels(double alpha, unsigned int first, unsigned int max, double *levels);

/* "20%", "20" or "12.5%" (above 0, up to 1000) as a fraction: 0.2; -EINVAL otherwise. */
int stats_parse_percent(const char *s, double *out);

#endif
