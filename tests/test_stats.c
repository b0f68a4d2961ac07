// SPDX-License-Identifier: GPL-2.0
/*
 * harness/stats.c against known answers:
 *  - Mann-Whitney U: textbook examples with exact p-values (the scipy
 *    documentation's 5-vs-4 example, complete separation of 5 vs 5), ties
 *    (checked against a brute-force enumeration of every split), and the
 *    normal approximation with tie correction on larger samples;
 *  - medians and quantiles;
 *  - bootstrap intervals: coverage of the true ratio of medians over many
 *    synthetic compares with a known difference;
 *  - verdicts on constructed cases, and the A/A false-alarm rate of the rule
 *    on synthetic noise.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "harness/stats.h"
#include "harness/util.h"
#include "tests/test_util.h"

static void test_mw_exact(void)
{
	/* scipy.stats.mannwhitneyu docs: males vs females, U1 = 17, exact p = 0.1111 */
	const double males[] = { 19, 22, 16, 29, 24 }, females[] = { 20, 11, 17, 12 };
	const double lo5[] = { 1, 2, 3, 4, 5 }, hi5[] = { 6, 7, 8, 9, 10 };
	/* ties: p from enumerating all C(10, 5) splits with mid-ranks */
	const double ta[] = { 1, 2, 2, 3, 4 }, tb[] = { 2, 3, 5, 6, 6 };
	const double same_a[] = { 1, 1, 2 }, same_b[] = { 1, 2, 2 };
	double x[30], y[30];
	struct stats_mw mw;
	int i;

	TEST_CONTEXT("mw scipy example");
	CHECK_INT(0, stats_mann_whitney(males, 5, females, 4, &mw));
	CHECK_DBL(3, mw.u, 1e-12);	/* U2 = 5 * 4 - U1 */
	CHECK_DBL(0.1111111111111111, mw.p, 1e-12);
	CHECK(mw.exact);
	CHECK_INT(0, stats_mann_whitney(females, 4, males, 5, &mw));
	CHECK_DBL(17, mw.u, 1e-12);
	CHECK_DBL(0.1111111111111111, mw.p, 1e-12);

	TEST_CONTEXT("mw complete separation 5 vs 5");
	CHECK_INT(0, stats_mann_whitney(lo5, 5, hi5, 5, &mw));
	CHECK_DBL(25, mw.u, 1e-12);
	CHECK_DBL(2.0 / 252, mw.p, 1e-12);
	CHECK_INT(0, stats_mann_whitney(hi5, 5, lo5, 5, &mw));
	CHECK_DBL(0, mw.u, 1e-12);
	CHECK_DBL(2.0 / 252, mw.p, 1e-12);

	TEST_CONTEXT("mw ties");
	CHECK_INT(0, stats_mann_whitney(ta, 5, tb, 5, &mw));
	CHECK_DBL(20.5, mw.u, 1e-12);
	CHECK_DBL(0.11904761904761904, mw.p, 1e-12);
	CHECK_INT(0, stats_mann_whitney(same_a, 3, same_b, 3, &mw));
	CHECK_DBL(6, mw.u, 1e-12);
	CHECK_DBL(1.0, mw.p, 1e-12);
	CHECK_INT(0, stats_mann_whitney(lo5, 5, lo5, 5, &mw));
	CHECK_DBL(1.0, mw.p, 1e-12);

	TEST_CONTEXT("mw exact at the limit (30 vs 30 separated)");
	for (i = 0; i < 30; i++) {
		x[i] = i;
		y[i] = 100 + i;
	}
	CHECK_INT(0, stats_mann_whitney(x, 30, y, 30, &mw));
	CHECK(mw.exact);
	CHECK_DBL(1.6911233892144735e-17, mw.p, 1e-25);

	TEST_CONTEXT("mw bad input");
	CHECK_INT(-EINVAL, stats_mann_whitney(x, 0, y, 3, &mw));
	TEST_CONTEXT_CLEAR();
}

static void test_mw_normal(void)
{
	double a[70], b[70];
	struct stats_mw mw;
	int i;

	/* 1..40 vs 31..70, no ties: U = 1550, p from the normal approximation */
	for (i = 0; i < 40; i++) {
		a[i] = i + 1;
		b[i] = i + 31;
	}
	TEST_CONTEXT("mw normal approximation");
	CHECK_INT(0, stats_mann_whitney(a, 40, b, 40, &mw));
	CHECK(!mw.exact);
	CHECK_DBL(1550, mw.u, 1e-9);
	CHECK_DBL(5.493794800445091e-13, mw.p, 1e-19);

	/* heavy ties: 70 vs 70 over four values */
	for (i = 0; i < 70; i++) {
		a[i] = i < 30 ? 1 : i < 50 ? 2 : 3;
		b[i] = i < 25 ? 2 : i < 50 ? 3 : 4;
	}
	TEST_CONTEXT("mw normal approximation, ties");
	CHECK_INT(0, stats_mann_whitney(a, 70, b, 70, &mw));
	CHECK_DBL(3900, mw.u, 1e-9);
	CHECK_DBL(3.0724624795152603e-10, mw.p, 1e-16);
	TEST_CONTEXT_CLEAR();
}

static void test_median(void)
{
	const double odd[] = { 5, 1, 3 }, even[] = { 4, 1, 3, 2 }, sorted[] = { 10, 20, 30, 40, 50 };
	const double same[] = { 7, 7, 7, 7, 7 };
	struct stats_ci ci;

	CHECK_DBL(3, stats_median(odd, 3), 0);
	CHECK_DBL(2.5, stats_median(even, 4), 0);
	CHECK(isnan(stats_median(odd, 0)));
	CHECK_DBL(10, stats_quantile_sorted(sorted, 5, 0), 0);
	CHECK_DBL(50, stats_quantile_sorted(sorted, 5, 1), 0);
	CHECK_DBL(30, stats_quantile_sorted(sorted, 5, 0.5), 0);
	CHECK_DBL(15, stats_quantile_sorted(sorted, 5, 0.125), 1e-12);

	CHECK_INT(0, stats_median_ci(same, 5, STATS_CONF, 1000, STATS_SEED, &ci));
	CHECK_DBL(7, ci.est, 0);
	CHECK_DBL(7, ci.lo, 0);
	CHECK_DBL(7, ci.hi, 0);
	CHECK_INT(0, stats_median_ci(sorted, 5, STATS_CONF, 10000, STATS_SEED, &ci));
	CHECK_DBL(30, ci.est, 0);
	CHECK(ci.lo >= 10 && ci.lo <= 20);
	CHECK(ci.hi >= 40 && ci.hi <= 50);
	CHECK_INT(-EINVAL, stats_median_ci(sorted, 0, STATS_CONF, 100, STATS_SEED, &ci));
	CHECK_INT(-EDOM, stats_ratio_ci((double[]){ 0, 0, 0 }, 3, sorted, 5, STATS_CONF, 100, STATS_SEED, &ci));
}

/* Lognormal sample around median m: m * exp(sigma * N(0, 1)). */
static double lognormal(struct stats_rng *r, double m, double sigma)
{
	double u1 = (stats_rng_next(r) >> 11) * 0x1.0p-53, u2 = (stats_rng_next(r) >> 11) * 0x1.0p-53;

	if (u1 < 1e-300)
		u1 = 1e-300;
	return m * exp(sigma * sqrt(-2 * log(u1)) * cos(2 * M_PI * u2));
}

static void fill(struct stats_rng *r, double *x, int n, double m, double sigma)
{
	int i;

	for (i = 0; i < n; i++)
		x[i] = lognormal(r, m, sigma);
}

/* How often the ratio interval holds the true ratio of medians. */
static void test_coverage(int n, double sigma, double ratio, int trials)
{
	struct stats_rng r;
	double a[64], b[64];
	struct stats_ci ci;
	int t, covered = 0;

	stats_rng_seed(&r, 12345 + n);
	for (t = 0; t < trials; t++) {
		fill(&r, a, n, 1000, sigma);
		fill(&r, b, n, 1000 * ratio, sigma);
		if (stats_ratio_ci(a, n, b, n, STATS_CONF, 2000, STATS_SEED + t, &ci))
			continue;
		covered += ci.lo <= ratio && ratio <= ci.hi;
	}
	TEST_CONTEXT("coverage n=%d sigma=%.2f ratio=%.2f: %d of %d", n, sigma, ratio, covered, trials);
	printf("bootstrap ratio CI coverage, n=%d per side, sigma %.2f, true ratio %.2f: %.1f%%\n", n,
	       sigma, ratio, 100.0 * covered / trials);
	CHECK(covered >= 0.90 * trials);
	TEST_CONTEXT_CLEAR();
}

static void test_verdicts(void)
{
	const struct stats_rule rule = { .max_regression = 0.2, .alpha = STATS_ALPHA };
	const double base[] = { 100, 103, 97, 101, 99 };
	const double slow[] = { 150, 155, 148, 152, 149 };	/* +50%: regressed */
	const double bit[] = { 110, 112, 108, 111, 109 };	/* +10%: real, within threshold */
	const double fast[] = { 60, 62, 59, 61, 58 };		/* -40%: improved */
	const double noisy[] = { 50, 300, 90, 180, 120 };	/* overlaps, wide: nothing shown */
	const struct stats_sides base_lb = { .base_lower_bound = true }, var_lb = { .var_lower_bound = true };
	struct stats_ci ci;
	struct stats_mw mw;

#define VERDICT(v, var)                                                                       \
	do {                                                                                  \
		TEST_CONTEXT("verdict %s", #var);                                             \
		CHECK_INT(0, stats_ratio_ci(base, 5, var, 5, STATS_CONF, STATS_RESAMPLES,     \
					    STATS_SEED, &ci));                                \
		CHECK_INT(0, stats_mann_whitney(base, 5, var, 5, &mw));                       \
		CHECK_STR(stats_verdict_name(v),                                              \
			  stats_verdict_name(stats_verdict(&rule, &ci, mw.p, rule.alpha, NULL)));  \
	} while (0)
	VERDICT(VERDICT_REGRESSED, slow);
	CHECK_DBL(1.5, ci.est, 0.02);
	VERDICT(VERDICT_NO_CHANGE, bit);
	/* a real +10%: significant, yet inside the band: "no change" of the threshold's size */
	CHECK(stats_significant(&ci, mw.p, rule.alpha));
	VERDICT(VERDICT_IMPROVED, fast);
	VERDICT(VERDICT_INCONCLUSIVE, noisy);
	VERDICT(VERDICT_NO_CHANGE, base);
#undef VERDICT
	/* the rule itself at its edges */
	TEST_CONTEXT("rule edges");
	ci = (struct stats_ci){ 1.5, 1.21, 1.8 };
	CHECK_INT(VERDICT_REGRESSED, stats_verdict(&rule, &ci, 0.01, 0.05, NULL));
	CHECK_INT(VERDICT_INCONCLUSIVE, stats_verdict(&rule, &ci, 0.06, 0.05, NULL));	/* p above */
	CHECK_INT(VERDICT_INCONCLUSIVE, stats_verdict(&rule, &ci, 0.02, 0.0115, NULL));	/* a later look */
	ci = (struct stats_ci){ 1.5, 1.19, 1.8 };
	CHECK_INT(VERDICT_INCONCLUSIVE, stats_verdict(&rule, &ci, 0.001, 0.05, NULL));	/* CI reaches 1.2 */
	ci = (struct stats_ci){ 0.7, 0.6, 0.83 };
	CHECK_INT(VERDICT_IMPROVED, stats_verdict(&rule, &ci, 0.01, 0.05, NULL));
	ci = (struct stats_ci){ 0.7, 0.6, 0.84 };
	CHECK_INT(VERDICT_INCONCLUSIVE, stats_verdict(&rule, &ci, 0.01, 0.05, NULL));
	ci = (struct stats_ci){ 1.0, 0.84, 1.19 };
	CHECK_INT(VERDICT_NO_CHANGE, stats_verdict(&rule, &ci, 0.9, 0.05, NULL));	/* equivalence */
	ci = (struct stats_ci){ 1.0, 0.82, 1.19 };
	CHECK_INT(VERDICT_INCONCLUSIVE, stats_verdict(&rule, &ci, 0.9, 0.05, NULL));
	TEST_CONTEXT("censored sides");
	/* a variant whose values are lower bounds can still be shown slower; a baseline's cannot be beaten */
	ci = (struct stats_ci){ 1.5, 1.3, 1.8 };
	CHECK_INT(VERDICT_REGRESSED, stats_verdict(&rule, &ci, 0.01, 0.05, &var_lb));
	CHECK_INT(VERDICT_INCONCLUSIVE, stats_verdict(&rule, &ci, 0.01, 0.05, &base_lb));
	ci = (struct stats_ci){ 0.6, 0.5, 0.7 };
	CHECK_INT(VERDICT_IMPROVED, stats_verdict(&rule, &ci, 0.01, 0.05, &base_lb));
	CHECK_INT(VERDICT_INCONCLUSIVE, stats_verdict(&rule, &ci, 0.01, 0.05, &var_lb));
	ci = (struct stats_ci){ 1.0, 0.9, 1.1 };
	CHECK_INT(VERDICT_INCONCLUSIVE, stats_verdict(&rule, &ci, 0.9, 0.05, &var_lb));
	CHECK_INT(VERDICT_INCONCLUSIVE, stats_verdict(&rule, &ci, 0.9, 0.05, &base_lb));
	TEST_CONTEXT_CLEAR();
}

/*
 * A/A on synthetic noise: both sides from one distribution, 20 cells a
 * compare (as 5 probes x 4 statistics), 5 repetitions a side.  A false
 * alarm is "regressed" or "improved" (inconclusive is not an alarm).  The
 * rule must leave at least 19 of 20 compares without one when the
 * run-to-run spread is ~15% (sigma 0.15); with a 40% spread it must still
 * rarely alarm.
 */
static void test_aa_rate(double sigma, int max_alarm_pct)
{
	const struct stats_rule rule = { .max_regression = 0.2, .alpha = STATS_ALPHA };
	int compares = 200, cells = 20, c, k, alarmed = 0;
	struct stats_rng r;
	double a[5], b[5];
	struct stats_ci ci;
	struct stats_mw mw;

	stats_rng_seed(&r, 777);
	for (c = 0; c < compares; c++) {
		bool any = false;

		for (k = 0; k < cells; k++) {
			enum stats_verdict v;

			fill(&r, a, 5, 1e6, sigma);
			fill(&r, b, 5, 1e6, sigma);
			stats_ratio_ci(a, 5, b, 5, STATS_CONF, 1000, STATS_SEED, &ci);
			stats_mann_whitney(a, 5, b, 5, &mw);
			v = stats_verdict(&rule, &ci, mw.p, rule.alpha, NULL);
			any |= v == VERDICT_REGRESSED || v == VERDICT_IMPROVED;
		}
		alarmed += any;
	}
	printf("synthetic A/A, sigma %.2f: %d of %d compares (20 cells each) had a false alarm\n", sigma,
	       alarmed, compares);
	TEST_CONTEXT("A/A sigma=%.2f: %d of %d compares alarmed", sigma, alarmed, compares);
	CHECK(alarmed * 100 <= max_alarm_pct * compares);
	TEST_CONTEXT_CLEAR();
}

/*
 * The sequential schedule: no look can reject before a complete separation
 * is possible (4 runs a side at alpha 0.05), and -- checked here with the
 * real Mann-Whitney code, independently of the schedule's own simulation --
 * the chance that any look from 3 to 8 runs a side rejects when both sides
 * come from one distribution stays at alpha.
 */
static void test_seq_levels(void)
{
	double lv[STATS_SEQ_MAX + 1], total;
	int paths = 20000, hits = 0, t, n, k;
	struct stats_rng r;
	double a[6], b[6];

	TEST_CONTEXT("schedule alpha 0.05, looks 3..10");
	total = stats_seq_levels(0.05, 3, 10, lv);
	printf("sequential levels, alpha 0.05, 3..10 runs: look 4 %.4f, later looks %.4f, total %.4f\n", lv[4], lv[5],
	       total);
	CHECK(lv[3] == 0);
	CHECK_DBL(2.0 / 70, lv[4], 1e-9);	/* 4 vs 4: only a complete separation */
	for (n = 5; n <= 10; n++)
		CHECK(lv[n] > 0.0079 && lv[n] < 0.05 && lv[n] == lv[5]);
	CHECK(total > 0.03 && total <= 0.05);
	TEST_CONTEXT("schedule alpha 0.01");
	total = stats_seq_levels(0.01, 3, 10, lv);
	CHECK(lv[4] == 0);	/* 2/C(8,4) = 0.029 > 0.01: 5 vs 5 (2/252) is the first look that can reject */
	CHECK_DBL(2.0 / 252, lv[5], 1e-9);
	CHECK(total <= 0.01);
	TEST_CONTEXT("independent check with stats_mann_whitney, 3..6 runs");
	stats_seq_levels(0.05, 3, 6, lv);
	stats_rng_seed(&r, 4242);
	for (t = 0; t < paths; t++) {
		for (n = 1; n <= 6; n++) {
			struct stats_mw mw;

			a[n - 1] = (double)stats_rng_next(&r);
			b[n - 1] = (double)stats_rng_next(&r);
			if (n < 3 || stats_mann_whitney(a, n, b, n, &mw) || !stats_rejects(mw.p, lv[n]))
				continue;
			hits++;
			break;
		}
	}
	k = (int)(0.05 * paths + 2.5 * sqrt(0.05 * 0.95 * paths));
	printf("sequential A/A with the real test: %d of %d paths rejected at some look (limit %d)\n", hits, paths, k);
	CHECK(hits <= k);
	TEST_CONTEXT_CLEAR();
}

/*
 * The sequential rule end to end on synthetic per-boot indices: a kernel 3x
 * worse (the fault-path inversion against its clean build) is decided
 * "regressed" after 3 or 4 runs a side; one against itself is never called
 * regressed or improved in 19 of 20 compares, whatever look it stops at.
 */
static void test_seq_rule(void)
{
	const struct stats_rule rule = { .max_regression = 0.2, .alpha = STATS_ALPHA };
	int trials = 200, t, n, early = 0, alarms = 0, decided_nochange = 0;
	double lv[STATS_SEQ_MAX + 1], a[10], b[10];
	struct stats_rng r;

	stats_seq_levels(rule.alpha, 3, 10, lv);
	stats_rng_seed(&r, 99);
	for (t = 0; t < trials; t++) {
		for (n = 1; n <= 10; n++) {
			struct stats_ci ci;
			struct stats_mw mw;
			enum stats_verdict v;

			fill(&r, &a[n - 1], 1, 1.4, 0.16);	/* clean: index ~1.4 */
			fill(&r, &b[n - 1], 1, 4.0, 0.16);	/* inverted: ~4x */
			if (n < 3)
				continue;
			stats_ratio_ci(a, n, b, n, STATS_CONF, 1000, STATS_SEED, &ci);
			stats_mann_whitney(a, n, b, n, &mw);
			v = stats_verdict(&rule, &ci, mw.p, lv[n], NULL);
			if (v == VERDICT_REGRESSED) {
				early += n <= 4;
				break;
			}
		}
	}
	printf("sequential detection of a 2.9x index change: decided by 4 runs a side in %d of %d\n", early, trials);
	TEST_CONTEXT("detection by 4 runs: %d of %d", early, trials);
	CHECK(early >= trials * 95 / 100);
	for (t = 0; t < trials; t++) {
		bool alarm = false;

		for (n = 1; n <= 10; n++) {
			struct stats_ci ci;
			struct stats_mw mw;
			enum stats_verdict v;

			fill(&r, &a[n - 1], 1, 1.4, 0.16);
			fill(&r, &b[n - 1], 1, 1.4, 0.16);
			if (n < 3)
				continue;
			stats_ratio_ci(a, n, b, n, STATS_CONF, 1000, STATS_SEED, &ci);
			stats_mann_whitney(a, n, b, n, &mw);
			v = stats_verdict(&rule, &ci, mw.p, lv[n], NULL);
			alarm = v == VERDICT_REGRESSED || v == VERDICT_IMPROVED;
			if (v != VERDICT_INCONCLUSIVE) {
				decided_nochange += v == VERDICT_NO_CHANGE;
				break;
			}
		}
		alarms += alarm;
	}
	printf("sequential A/A (index spread 16%%): %d of %d false alarms, %d shown no change by 10 runs\n", alarms,
	       trials, decided_nochange);
	TEST_CONTEXT("sequential A/A alarms: %d of %d", alarms, trials);
	CHECK(alarms * 20 <= trials);
	TEST_CONTEXT_CLEAR();
}

/*
 * The per-kernel interval (stats_log_ci): for log-normal runs whose true
 * index sits exactly at the threshold, "reproduced" (the whole 95%
 * interval above it) must come out at most 2.5% of the time at 3, 4 and 5
 * runs -- where a bootstrap interval of the median ([min, max] at 3 runs)
 * says it 12% of the time.  And a 4x index is reproduced at 3 runs.
 */
static void test_log_ci(void)
{
	int trials = 4000, t, n, above, found;
	struct stats_rng r;
	double x[5];
	struct stats_ci ci;

	TEST_CONTEXT("t quantiles");
	CHECK_DBL(4.3027, stats_t_quantile(0.975, 2), 1e-3);
	CHECK_DBL(2.7764, stats_t_quantile(0.975, 4), 1e-3);
	CHECK_DBL(2.0423, stats_t_quantile(0.975, 30), 1e-3);
	stats_rng_seed(&r, 2026);
	for (n = 3; n <= 5; n++) {
		for (t = 0, above = 0; t < trials; t++) {
			fill(&r, x, n, 2.0, 0.2);
			above += !stats_log_ci(x, n, 0.95, &ci) && ci.lo > 2.0;
		}
		printf("per-kernel interval at the threshold, %d runs: 'reproduced' in %.1f%% of %d\n", n,
		       100.0 * above / trials, trials);
		TEST_CONTEXT("coverage at %d runs: %d of %d above", n, above, trials);
		CHECK(above <= (int)(0.025 * trials + 3 * sqrt(0.025 * 0.975 * trials)));
	}
	for (t = 0, found = 0; t < trials; t++) {
		fill(&r, x, 3, 4.0, 0.16);
		found += !stats_log_ci(x, 3, 0.95, &ci) && ci.lo > 2.0;
	}
	printf("per-kernel interval, a 4x index at 3 runs: reproduced in %.1f%%\n", 100.0 * found / trials);
	TEST_CONTEXT("detection at 3 runs");
	CHECK(found >= trials * 90 / 100);
	TEST_CONTEXT_CLEAR();
}

int main(void)
{
	test_mw_exact();
	test_mw_normal();
	test_median();
	test_coverage(5, 0.2, 1.3, 400);
	test_coverage(10, 0.3, 1.0, 400);
	test_coverage(20, 0.5, 2.0, 300);
	test_verdicts();
	test_aa_rate(0.15, 5);
	test_aa_rate(0.40, 25);
	test_seq_levels();
	test_seq_rule();
	test_log_ci();
	return test_summary();
}
