// SPDX-License-Identifier: GPL-2.0
#include "harness/stats.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/util.h"

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void stats_rng_seed(struct stats_rng *r, uint64_t seed)
{
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

uint64_t stats_rng_next(struct stats_rng *r)
{
	uint64_t *s = r->s, result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint64_t stats_rng_below(struct stats_rng *r, uint64_t n)
{
	uint64_t limit = UINT64_MAX - UINT64_MAX % n, x;

	do
		x = stats_rng_next(r);
	while (x >= limit);
	return x % n;
}

/* Two scratch arrays, both or neither: 0 or -ENOMEM. */
static int alloc2(void **a, size_t alen, void **b, size_t blen)
{
	*a = malloc(alen);
	*b = malloc(blen);
	if (*a && *b)
		return 0;
	free(*a);
	free(*b);
	return -ENOMEM;
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median_sorted(const double *s, size_t n)
{
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* Median of a scratch array (sorted in place). */
static double median_inplace(double *x, size_t n)
{
	qsort(x, n, sizeof(*x), cmp_dbl);
	return median_sorted(x, n);
}

double stats_median(const double *x, size_t n)
{
	double *s, m;

	if (!n)
		return NAN;
	s = malloc(n * sizeof(*s));
	if (!s)
		return NAN;
	memcpy(s, x, n * sizeof(*s));
	m = median_inplace(s, n);
	free(s);
	return m;
}

double stats_quantile_sorted(const double *sorted, size_t n, double q)
{
	double h, f;
	size_t i;

	if (!n)
		return NAN;
	h = q * (double)(n - 1);
	i = (size_t)floor(h);
	if (i + 1 >= n)
		return sorted[n - 1];
	f = h - (double)i;
	return sorted[i] + f * (sorted[i + 1] - sorted[i]);
}

/* Median of a resample of x drawn into scratch. */
static double resample_median(struct stats_rng *r, const double *x, size_t n, double *scratch)
{
	size_t i;

	for (i = 0; i < n; i++)
		scratch[i] = x[stats_rng_below(r, n)];
	return median_inplace(scratch, n);
}

static void interval(double *boot, size_t nboot, double conf, struct stats_ci *out)
{
	qsort(boot, nboot, sizeof(*boot), cmp_dbl);
	out->lo = stats_quantile_sorted(boot, nboot, (1 - conf) / 2);
	out->hi = stats_quantile_sorted(boot, nboot, (1 + conf) / 2);
}

int stats_median_ci(const double *x, size_t n, double conf, unsigned int resamples, uint64_t seed,
		    struct stats_ci *out)
{
	struct stats_rng r;
	double *boot, *scratch;
	unsigned int i;

	if (!n || !resamples)
		return -EINVAL;
	if (alloc2((void **)&boot, resamples * sizeof(*boot), (void **)&scratch, n * sizeof(*scratch)))
		return -ENOMEM;
	stats_rng_seed(&r, seed);
	for (i = 0; i < resamples; i++)
		boot[i] = resample_median(&r, x, n, scratch);
	out->est = stats_median(x, n);
	interval(boot, resamples, conf, out);
	free(boot);
	free(scratch);
	return 0;
}

int stats_ratio_ci(const double *base, size_t nb, const double *var, size_t nv, double conf,
		   unsigned int resamples, uint64_t seed, struct stats_ci *out)
{
	double *boot, *scratch, mb;
	struct stats_rng r;
	unsigned int i;
	int ret = 0;

	if (!nb || !nv || !resamples)
		return -EINVAL;
	mb = stats_median(base, nb);
	if (!(mb > 0))
		return -EDOM;
	if (alloc2((void **)&boot, resamples * sizeof(*boot), (void **)&scratch,
		   (nb > nv ? nb : nv) * sizeof(*scratch)))
		return -ENOMEM;
	stats_rng_seed(&r, seed);
	for (i = 0; i < resamples && !ret; i++) {
		double b = resample_median(&r, base, nb, scratch);

		if (!(b > 0))
			ret = -EDOM;
		else
			boot[i] = resample_median(&r, var, nv, scratch) / b;
	}
	if (!ret) {
		out->est = stats_median(var, nv) / mb;
		interval(boot, resamples, conf, out);
	}
	free(boot);
	free(scratch);
	return ret;
}

/*
 * Doubled mid-ranks (integers: a tie group over ranks i..j gets i + j) of the
 * pooled sample; which[k] says whether pooled value k came from b.  Returns
 * sum(t^3 - t) over tie groups, for the normal approximation.
 */
static double pooled_ranks(const double *a, size_t na, const double *b, size_t nb, long *rank2, bool *from_b)
{
	size_t n = na + nb, i, j, k;
	struct item {
		double v;
		bool b;
	} *it = malloc(n * sizeof(*it));
	double ties = 0;

	if (!it)
		return -1;
	for (i = 0; i < na; i++)
		it[i] = (struct item){ a[i], false };
	for (i = 0; i < nb; i++)
		it[na + i] = (struct item){ b[i], true };
	qsort(it, n, sizeof(*it), cmp_dbl);	/* v is the first member */
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && it[j].v == it[i].v; j++)
			;
		for (k = i; k < j; k++) {
			rank2[k] = (long)(i + 1 + j);	/* ranks i+1..j, doubled mid-rank */
			from_b[k] = it[k].b;
		}
		ties += (double)(j - i) * (j - i) * (j - i) - (double)(j - i);
	}
	free(it);
	return ties;
}

/*
 * Exact two-sided p: count, over every choice of nb of the n pooled values,
 * the doubled rank sums (dynamic programming over values: ways[j][s] =
 * choices of j values summing to s).  Counts are doubles: C(60, 30) ~ 1e17 is
 * exact enough for a p-value.
 */
static double mw_exact_p(const long *rank2, size_t n, size_t nb, long w2)
{
	long maxs = 0, e2 = (long)(nb * (n + 1)), d = labs(w2 - e2), s;
	double *ways, total = 0, tail = 0;
	size_t i, j;

	for (i = 0; i < n; i++)
		maxs += rank2[i];
	ways = calloc((nb + 1) * (size_t)(maxs + 1), sizeof(*ways));
	if (!ways)
		return NAN;
#define W(j, s) ways[(size_t)(j) * (size_t)(maxs + 1) + (size_t)(s)]
	W(0, 0) = 1;
	for (i = 0; i < n; i++)
		for (j = (i + 1 < nb ? i + 1 : nb); j >= 1; j--)
			for (s = maxs; s >= rank2[i]; s--)
				W(j, s) += W(j - 1, s - rank2[i]);
	for (s = 0; s <= maxs; s++) {
		total += W(nb, s);
		if (labs(s - e2) >= d)
			tail += W(nb, s);
	}
#undef W
	free(ways);
	return tail / total;
}

int stats_mann_whitney(const double *a, size_t na, const double *b, size_t nb, struct stats_mw *out)
{
	size_t n = na + nb, i;
	long *rank2, w2 = 0;
	bool *from_b;
	double ties, mu, sigma2, z;

	if (!na || !nb)
		return -EINVAL;
	if (alloc2((void **)&rank2, n * sizeof(*rank2), (void **)&from_b, n * sizeof(*from_b)))
		return -ENOMEM;
	ties = pooled_ranks(a, na, b, nb, rank2, from_b);
	for (i = 0; i < n; i++)
		if (from_b[i])
			w2 += rank2[i];
	out->u = w2 / 2.0 - (double)nb * (nb + 1) / 2;
	out->exact = n <= STATS_MW_EXACT_MAX && ties >= 0;
	if (out->exact) {
		out->p = mw_exact_p(rank2, n, nb, w2);
	} else {
		mu = (double)na * nb / 2;
		sigma2 = (double)na * nb / 12 * ((n + 1) - ties / ((double)n * (n - 1)));
		if (sigma2 <= 0) {
			out->p = 1;
		} else {
			z = (fabs(out->u - mu) - 0.5) / sqrt(sigma2);
			out->p = z <= 0 ? 1 : erfc(z / M_SQRT2);
		}
	}
	if (out->p > 1)
		out->p = 1;
	free(rank2);
	free(from_b);
	return isnan(out->p) ? -ENOMEM : 0;
}

enum stats_verdict stats_verdict(const struct stats_rule *rule, const struct stats_ci *ratio, double p,
				 double level, const struct stats_sides *sides)
{
	double up = 1 + rule->max_regression;
	static const struct stats_sides exact;
	const struct stats_sides *sd = sides ?: &exact;
	bool reject = stats_rejects(p, level);

	if (reject && ratio->lo > up && !sd->base_lower_bound && !sd->var_upper_bound)
		return VERDICT_REGRESSED;
	if (reject && ratio->hi < 1 / up && !sd->var_lower_bound && !sd->base_upper_bound)
		return VERDICT_IMPROVED;
	if (ratio->lo >= 1 / up && ratio->hi <= up && !sd->base_lower_bound && !sd->var_lower_bound &&
	    !sd->base_upper_bound && !sd->var_upper_bound)
		return VERDICT_NO_CHANGE;
	return VERDICT_INCONCLUSIVE;
}

bool stats_rejects(double p, double level)
{
	/* p <= level, as the schedule counts it; the two p computations may differ in the last bits */
	return level > 0 && p <= level * (1 + 1e-9);
}

bool stats_significant(const struct stats_ci *ratio, double p, double level)
{
	return stats_rejects(p, level) && (ratio->lo > 1 || ratio->hi < 1);
}

const char *stats_verdict_name(enum stats_verdict v)
{
	switch (v) {
	case VERDICT_NO_CHANGE:
		return "no change";
	case VERDICT_REGRESSED:
		return "regressed";
	case VERDICT_IMPROVED:
		return "improved";
	case VERDICT_INCONCLUSIVE:
		return "inconclusive";
	case VERDICT_UNTESTABLE:
		return "could not test";
	}
	return "?";
}

/* ---- Student's t, for intervals on the log scale ---- */

/* Continued fraction of the incomplete beta function (modified Lentz). */
static double betacf(double a, double b, double x)
{
	double qab = a + b, qap = a + 1, qam = a - 1, c = 1, d = 1 - qab * x / qap, h;
	int m;

	if (fabs(d) < 1e-300)
		d = 1e-300;
	d = 1 / d;
	h = d;
	for (m = 1; m <= 300; m++) {
		double m2 = 2.0 * m, aa = m * (b - m) * x / ((qam + m2) * (a + m2)), del;

		d = 1 + aa * d;
		c = 1 + aa / c;
		d = fabs(d) < 1e-300 ? 1e300 : 1 / d;
		c = fabs(c) < 1e-300 ? 1e-300 : c;
		h *= d * c;
		aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
		d = 1 + aa * d;
		c = 1 + aa / c;
		d = fabs(d) < 1e-300 ? 1e300 : 1 / d;
		c = fabs(c) < 1e-300 ? 1e-300 : c;
		del = d * c;
		h *= del;
		if (fabs(del - 1) < 1e-14)
			break;
	}
	return h;
}

/* Regularized incomplete beta I_x(a, b). */
static double ibeta(double a, double b, double x)
{
	double bt;

	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	bt = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
	if (x < (a + 1) / (a + b + 2))
		return bt * betacf(a, b, x) / a;
	return 1 - bt * betacf(b, a, 1 - x) / b;
}

double stats_t_cdf(double t, double df)
{
	double p = 0.5 * ibeta(df / 2, 0.5, df / (df + t * t));

	return t >= 0 ? 1 - p : p;
}

double stats_t_quantile(double q, double df)
{
	double lo = 0, hi = 1e6;
	int i;

	if (q == 0.5)
		return 0;
	if (q < 0.5)
		return -stats_t_quantile(1 - q, df);
	for (i = 0; i < 200; i++) {
		double mid = (lo + hi) / 2;

		if (stats_t_cdf(mid, df) < q)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}

int stats_log_ci(const double *x, size_t n, double conf, struct stats_ci *out)
{
	double m = 0, ss = 0, half;
	size_t i;

	if (n < 2)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (!(x[i] > 0))
			return -EDOM;
		m += log(x[i]);
	}
	m /= (double)n;
	for (i = 0; i < n; i++)
		ss += (log(x[i]) - m) * (log(x[i]) - m);
	half = stats_t_quantile((1 + conf) / 2, (double)(n - 1)) * sqrt(ss / (double)(n - 1) / (double)n);
	*out = (struct stats_ci){ .est = exp(m), .lo = exp(m - half), .hi = exp(m + half) };
	return 0;
}

/* ---- sequential looks ---- */

/*
 * tail[u] for n vs n values without ties: P(|U - n^2/2| >= |u - n^2/2|)
 * under "no difference", U the number of pairs (a, b) with b > a.  The
 * number of orders with a given U is the Gaussian binomial coefficient's
 * coefficient, counted by dynamic programming over (values of a, of b).
 */
static double *mw_tails(unsigned int n)
{
	size_t m = (size_t)n * n, u, v;
	double *cnt = xcalloc((n + 1) * (n + 1) * (m + 1), sizeof(*cnt)), *tail = xcalloc(m + 1, sizeof(*tail));
	double total = 0, mid = m / 2.0;
	unsigned int i, j;

#define C(i, j, u) cnt[((size_t)(i) * (n + 1) + (j)) * (m + 1) + (u)]
	/* orders of i a's and j b's; the largest value is an a (adds no pair) or a b (j-1... adds i pairs) */
	for (i = 0; i <= n; i++)
		for (j = 0; j <= n; j++)
			for (u = 0; u <= m; u++) {
				if (!i || !j) {
					C(i, j, u) = u == 0;
					continue;
				}
				C(i, j, u) = C(i - 1, j, u) + (u >= i ? C(i, j - 1, u - i) : 0);
			}
	for (u = 0; u <= m; u++)
		total += C(n, n, u);
	for (u = 0; u <= m; u++) {
		double d = fabs(u - mid);

		for (v = 0; v <= m; v++)
			if (fabs(v - mid) >= d - 1e-9)
				tail[u] += C(n, n, v);
		tail[u] /= total;
	}
#undef C
	free(cnt);
	return tail;
}

/* Simulated chance that some look n >= first rejects, with level a1 at first and c after. */
static double seq_fwer(double **tails, unsigned int first, unsigned int max, double a1, double c)
{
	struct stats_rng r;
	unsigned int path, n, k, hits = 0;
	double a[STATS_SEQ_MAX], b[STATS_SEQ_MAX];

	stats_rng_seed(&r, STATS_SEED);
	for (path = 0; path < STATS_SEQ_PATHS; path++) {
		size_t u = 0;

		for (n = 1; n <= max; n++) {
			double x = (double)stats_rng_next(&r), y = (double)stats_rng_next(&r);

			/* pairs gained: the new b above old a's, old b's above the new a, new b above new a */
			for (k = 0; k + 1 < n; k++)
				u += (y > a[k]) + (b[k] > x);
			u += y > x;
			a[n - 1] = x;
			b[n - 1] = y;
			if (n >= first && tails[n][u] <= (n == first ? a1 : c)) {
				hits++;
				break;
			}
		}
	}
	return (double)hits / STATS_SEQ_PATHS;
}

double stats_seq_levels(double alpha, unsigned int first, unsigned int max, double *levels)
{
	double *tails[STATS_SEQ_MAX + 1] = { 0 }, a1, lo = 0, hi, total, target;
	unsigned int n, n1, it;

	if (max > STATS_SEQ_MAX)
		max = STATS_SEQ_MAX;
	for (n = 0; n <= max; n++)
		levels[n] = 0;
	/* the first look that can reject at all: 2 / C(2n, n) <= alpha */
	for (n1 = first; n1 <= max && 2 / exp(lgamma(2.0 * n1 + 1) - 2 * lgamma(n1 + 1.0)) > alpha; n1++)
		;
	if (n1 > max)
		return 0;
	for (n = 1; n <= max; n++)
		tails[n] = mw_tails(n);
	a1 = tails[n1][0];	/* a complete separation */
	/* keep two standard errors of the simulation below alpha */
	target = alpha - 2 * sqrt(alpha * (1 - alpha) / STATS_SEQ_PATHS);
	hi = alpha;
	/* bisection on the later looks' constant level: the chance only grows with it */
	for (it = 0; it < 24; it++) {
		double mid = (lo + hi) / 2;

		if (seq_fwer(tails, n1, max, a1, mid) <= target)
			lo = mid;
		else
			hi = mid;
	}
	total = seq_fwer(tails, n1, max, a1, lo);
	levels[n1] = a1;
	for (n = n1 + 1; n <= max; n++)
		levels[n] = lo;
	for (n = 1; n <= max; n++)
		free(tails[n]);
	return total;
}

int stats_parse_percent(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || (*end && strcmp(end, "%")) || !(v > 0) || v > 1000)
		return -EINVAL;
	*out = v / 100;
	return 0;
}
