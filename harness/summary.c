// SPDX-License-Identifier: GPL-2.0
#include "harness/summary.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/util.h"

const char *const summary_basis_names[NR_BASES] = { "index", "absolute" };

const char *kernel_verdict_name(enum kernel_verdict v)
{
	switch (v) {
	case KV_REPRODUCED:
		return "reproduced";
	case KV_NONE:
		return "none";
	case KV_INCONCLUSIVE:
		return "inconclusive";
	case KV_UNTESTABLE:
		return "could not test";
	}
	return "?";
}

void summary_rule_defaults(struct summary_rule *rule)
{
	*rule = (struct summary_rule){
		.cmp = { .max_regression = 0.2, .alpha = STATS_ALPHA },
		.inversion_threshold = 2.0,
		.basis = BASIS_INDEX,
		.stat = STAT_P99,
	};
}

struct cell *summary_cell(const struct summary *s, enum summary_basis b, size_t v, size_t p, enum result_stat st)
{
	return &s->cells[((b * s->rs->nr_variants + v) * s->nr_probes + p) * RESULT_NR_STATS + st];
}

const struct kcell *summary_kcell(const struct summary *s, size_t v, size_t p)
{
	return &s->kcells[v * s->nr_probes + p];
}

int summary_probe(const struct summary *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nr_probes; i++)
		if (!strcmp(s->probes[i].name, name))
			return (int)i;
	return -1;
}

double summary_min_p(size_t n1, size_t n2)
{
	double c = 1;
	size_t i;

	for (i = 1; i <= n2; i++)
		c = c * (double)(n1 + i) / (double)i;
	return c > 0 ? fmin(1, 2 / c) : 1;
}

const struct run_result *summary_result(const struct summary *s, size_t v)
{
	const struct run_result *first = NULL;
	size_t i;

	for (i = 0; i < s->rs->nr_runs; i++) {
		const struct run *r = &s->rs->runs[i];

		if (r->variant != (int)v)
			continue;
		if (r->ok)
			return &r->res;
		if (!first)
			first = &r->res;
	}
	return first;
}

/* Probe names of the runs, in the order the results list them. */
static void collect_probes(struct summary *s)
{
	size_t i, k;

	s->control = -1;
	for (i = 0; i < s->rs->nr_runs; i++) {
		const struct run_result *r = &s->rs->runs[i].res;

		for (k = 0; k < r->nr_probes; k++) {
			const struct probe_result *p = &r->probes[k];
			struct probe_info *pi;

			int have = summary_probe(s, p->name);

			/* a lock probe when it waits on lo's mmap_lock on any kernel (maps does not on 6.17+) */
			if (have >= 0) {
				s->probes[have].lo_lock |= probe_takes_lo_lock(p);
				continue;
			}
			s->probes = xrealloc(s->probes, (s->nr_probes + 1) * sizeof(*s->probes));
			pi = &s->probes[s->nr_probes];
			*pi = (struct probe_info){ .name = xstrdup(p->name), .what = p->what, .lock_of = p->lock_of,
						   .control = p->control, .lo_lock = probe_takes_lo_lock(p) };
			if (p->control && s->control < 0)
				s->control = (int)s->nr_probes;
			s->nr_probes++;
		}
	}
}

static void fill_cell(struct summary *s, enum summary_basis b, size_t v, size_t p, enum result_stat st)
{
	struct cell *c = summary_cell(s, b, v, p, st);
	size_t i;

	c->vals = xcalloc(s->rs->nr_runs, sizeof(*c->vals));
	c->reps = xcalloc(s->rs->nr_runs, sizeof(*c->reps));
	c->lower = xcalloc(s->rs->nr_runs, sizeof(*c->lower));
	c->upper = xcalloc(s->rs->nr_runs, sizeof(*c->upper));
	for (i = 0; i < s->rs->nr_runs; i++) {
		const struct run *r = &s->rs->runs[i];
		const struct probe_result *pr;
		struct stat_value x;

		if (r->variant != (int)v || !r->ok || !(pr = result_probe(&r->res, s->probes[p].name)))
			continue;
		x = b == BASIS_INDEX ? pr->index[st] : probe_stat_value(pr, st);
		if (!x.known)
			continue;	/* too few samples for this percentile, or the control's index */
		c->vals[c->n] = x.v;
		c->lower[c->n] = x.lower_bound;
		c->upper[c->n] = x.upper_bound;
		c->censored |= x.lower_bound;
		c->capped |= x.upper_bound;
		c->reps[c->n++] = r->rep;
	}
	if (c->n)
		stats_median_ci(c->vals, c->n, STATS_CONF, STATS_RESAMPLES, STATS_SEED, &c->med);
}

/* The rank test's level for n1 vs n2 runs: alpha, or the sequential schedule's at this look. */
static double level_at(const struct summary *s, size_t n1, size_t n2)
{
	size_t n = n1 < n2 ? n1 : n2;

	if (!s->rule.seq_max)
		return s->rule.cmp.alpha;
	if (n > s->rule.seq_max)
		n = s->rule.seq_max;
	return s->seq_levels[n];
}

static void compare_cell(struct summary *s, enum summary_basis bs, size_t v, size_t p, enum result_stat st)
{
	struct cell *c = summary_cell(s, bs, v, p, st), *b = summary_cell(s, bs, s->baseline, p, st);
	struct stats_sides sides;

	c->verdict = VERDICT_UNTESTABLE;
	if ((int)v == s->baseline || !c->n || !b->n)
		return;
	if (stats_ratio_ci(b->vals, b->n, c->vals, c->n, STATS_CONF, STATS_RESAMPLES, STATS_SEED, &c->ratio) ||
	    stats_mann_whitney(b->vals, b->n, c->vals, c->n, &c->mw))
		return;
	c->cmp = true;
	c->level = level_at(s, b->n, c->n);
	sides = (struct stats_sides){ .base_lower_bound = b->censored, .var_lower_bound = c->censored,
				      .base_upper_bound = b->capped, .var_upper_bound = c->capped };
	c->verdict = stats_verdict(&s->rule.cmp, &c->ratio, c->mw.p, c->level, &sides);
	c->significant = stats_significant(&c->ratio, c->mw.p, c->level);
	/* one or two boots a side show nothing, not even the absence of a change */
	if (b->n < KV_MIN_RUNS || c->n < KV_MIN_RUNS)
		c->verdict = VERDICT_INCONCLUSIVE;
}

/* Does probe p wait on lo's mmap_lock on variant v's kernel (its first run that has the probe)? */
static bool takes_lock_on(const struct summary *s, size_t v, size_t p)
{
	size_t i;

	for (i = 0; i < s->rs->nr_runs; i++) {
		const struct probe_result *pr;

		if (s->rs->runs[i].variant == (int)v && (pr = result_probe(&s->rs->runs[i].res, s->probes[p].name)))
			return probe_takes_lo_lock(pr);
	}
	return s->probes[p].lo_lock;
}

/*
 * Reproduced when the index's whole interval is above the threshold (lower
 * bounds only strengthen that; upper bounds forbid it), none when it is
 * wholly below (upper bounds only strengthen that; lower bounds forbid it);
 * with fewer than KV_MIN_RUNS runs, no verdict.
 */
static void judge_kernel(struct summary *s, size_t v, size_t p)
{
	struct kcell *k = &s->kcells[v * s->nr_probes + p];
	const struct cell *c = summary_cell(s, BASIS_INDEX, v, p, s->rule.stat);
	double t = s->rule.inversion_threshold;

	k->lock_probe = s->probes[p].lo_lock;
	k->applies = k->lock_probe && takes_lock_on(s, v, p);
	k->index = c;
	k->conf = s->kv_conf;
	k->has_ci = c->n >= KV_MIN_RUNS && !stats_log_ci(c->vals, c->n, k->conf, &k->ci);
	if (!c->n)
		k->verdict = KV_UNTESTABLE;
	else if (!k->has_ci)
		k->verdict = KV_INCONCLUSIVE;
	else if (k->ci.lo > t && !c->capped)
		k->verdict = KV_REPRODUCED;
	else if (k->ci.hi < t && !c->censored)
		k->verdict = KV_NONE;
	else
		k->verdict = KV_INCONCLUSIVE;
}

/* ---- blame: the attribution merged over a variant's runs ---- */

double blame_share(uint64_t part, uint64_t whole)
{
	return whole ? (double)part / (double)whole : 0;
}

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static bool frames_eq(const char *const *a, size_t na, const char *const *b, size_t nb)
{
	size_t i;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++)
		if (!str_eq(a[i], b[i]))
			return false;
	return true;
}

static void sum_add(struct blame_sum *to, const struct attribution_sum *x)
{
	to->waits += x->waits;
	to->waits_over_min += x->waits_over_min;
	to->wait_ns += x->wait_ns;
	to->explained_ns += x->explained_ns;
}

static void blame_add_holder(struct blame *b, const struct attribution_holder *h)
{
	struct blame_holder *m;
	size_t i;

	for (i = 0; i < b->nr_holders; i++) {
		m = &b->holders[i];
		if (str_eq(m->thread, h->thread) && str_eq(m->mode, h->mode) && str_eq(m->call, h->call) &&
		    str_eq(m->state, h->state) && frames_eq(m->frames, m->nr_frames, h->frames, h->nr_frames))
			break;
	}
	if (i == b->nr_holders) {
		b->holders = xrealloc(b->holders, (b->nr_holders + 1) * sizeof(*b->holders));
		m = &b->holders[b->nr_holders++];
		*m = (struct blame_holder){ .thread = h->thread, .mode = h->mode, .call = h->call, .state = h->state,
					    .frames = h->frames, .nr_frames = h->nr_frames };
	}
	m->stall_ns += h->stall_ns;
	m->waits += h->waits;
	m->holds += h->holds;
	m->runs++;	/* a run lists a stack once */
}

static void blame_add_writer(struct blame *b, const struct attribution_writer *w)
{
	struct blame_writer *m;
	size_t i;

	for (i = 0; i < b->nr_writers; i++) {
		m = &b->writers[i];
		if (str_eq(m->call, w->call) && frames_eq(m->frames, m->nr_frames, w->frames, w->nr_frames))
			break;
	}
	if (i == b->nr_writers) {
		b->writers = xrealloc(b->writers, (b->nr_writers + 1) * sizeof(*b->writers));
		m = &b->writers[b->nr_writers++];
		*m = (struct blame_writer){ .call = w->call, .frames = w->frames, .nr_frames = w->nr_frames };
	}
	m->stall_ns += w->stall_ns;
	m->waits += w->waits;
	m->requests += w->requests;
	m->runs++;
}

static void blame_add_probe(struct blame *b, const struct attribution_probe *p)
{
	size_t i;

	for (i = 0; i < b->nr_probes && strcmp(b->probes[i].name, p->name); i++)
		;
	if (i == b->nr_probes) {
		b->probes = xrealloc(b->probes, (b->nr_probes + 1) * sizeof(*b->probes));
		b->probes[b->nr_probes++] = (struct blame_probe){ .name = p->name };
	}
	sum_add(&b->probes[i].sum, &p->sum);
}

/* What the kernel cannot show: each probe and each sentence once. */
static void blame_add_limits(struct blame *b, const struct attribution_result *a)
{
	size_t i, k;

	for (i = 0; i < a->nr_unattributable; i++) {
		for (k = 0; k < b->nr_unattributable && strcmp(b->unattributable[k].probe, a->unattributable[i].probe);
		     k++)
			;
		if (k < b->nr_unattributable)
			continue;
		b->unattributable = xrealloc(b->unattributable, (k + 1) * sizeof(*b->unattributable));
		b->unattributable[b->nr_unattributable++] = a->unattributable[i];
	}
	for (i = 0; i < a->nr_limits; i++) {
		for (k = 0; k < b->nr_limits && strcmp(b->limits[k], a->limits[i]); k++)
			;
		if (k < b->nr_limits)
			continue;
		b->limits = xrealloc(b->limits, (k + 1) * sizeof(*b->limits));
		b->limits[b->nr_limits++] = a->limits[i];
	}
}

/* Ranked before: more stall time, then more waits (equal ones stay as first seen). */
static bool ranks_before(uint64_t stall_a, uint64_t waits_a, uint64_t stall_b, uint64_t waits_b)
{
	return stall_a > stall_b || (stall_a == stall_b && waits_a > waits_b);
}

/* Stable insertion sorts: a few dozen entries per run. */
static void sort_holders(struct blame_holder *e, size_t n)
{
	size_t i, k;

	for (i = 1; i < n; i++) {
		struct blame_holder x = e[i];

		for (k = i; k > 0 && ranks_before(x.stall_ns, x.waits, e[k - 1].stall_ns, e[k - 1].waits); k--)
			e[k] = e[k - 1];
		e[k] = x;
	}
}

static void sort_writers(struct blame_writer *e, size_t n)
{
	size_t i, k;

	for (i = 1; i < n; i++) {
		struct blame_writer x = e[i];

		for (k = i; k > 0 && ranks_before(x.stall_ns, x.waits, e[k - 1].stall_ns, e[k - 1].waits); k--)
			e[k] = e[k - 1];
		e[k] = x;
	}
}

static void build_blame(struct summary *s, size_t v)
{
	struct blame *b = &s->blame[v];
	size_t i, k;

	for (i = 0; i < s->rs->nr_runs; i++) {
		const struct run *r = &s->rs->runs[i];
		const struct attribution_result *a = &r->res.attribution;

		if (r->variant != (int)v || !r->ok || !a->present)
			continue;
		b->present = true;
		blame_add_limits(b, a);
		if (!a->ok) {
			if (!b->runs_failed++)
				b->first_error = a->error ?: a->status ?: "no status recorded";
			continue;
		}
		if (!b->runs_traced++)
			b->min_ns = a->min_ns;
		b->total.waits += a->total.waits;
		b->total.waits_over_min += a->total.waits_over_min;
		b->total.wait_ns += a->total.wait_ns;
		b->total.explained_ns += a->total.explained_ns;
		for (k = 0; k < a->nr_probes; k++)
			blame_add_probe(b, &a->probes[k]);
		for (k = 0; k < a->nr_holders; k++)
			blame_add_holder(b, &a->holders[k]);
		for (k = 0; k < a->nr_writers; k++)
			blame_add_writer(b, &a->writers[k]);
		b->holders_dropped += a->holders_dropped;
		b->lost_events += a->trace.lost_events;
		b->runs_incomplete += a->trace.incomplete;
	}
	sort_holders(b->holders, b->nr_holders);
	sort_writers(b->writers, b->nr_writers);
	s->has_blame |= b->present;
}

const struct blame *summary_blame(const struct summary *s, size_t v)
{
	return s->blame && v < s->rs->nr_variants && s->blame[v].present ? &s->blame[v] : NULL;
}

static void blame_free(struct blame *b)
{
	free(b->probes);
	free(b->holders);
	free(b->writers);
	free(b->unattributable);
	free(b->limits);
}

int summary_build(struct summary *s, const struct runset *rs, const char *baseline,
		  const struct summary_rule *rule, char *err, size_t errlen)
{
	size_t v, p, i, nv = rs->nr_variants;
	int b, st;

	memset(s, 0, sizeof(*s));
	s->rs = rs;
	s->rule = *rule;
	if (!nv) {
		snprintf(err, errlen, "no runs to compare");
		return -EINVAL;
	}
	if (runset_check_comparable(rs, s->mixed, sizeof(s->mixed))) {
		if (!rule->allow_mixed) {
			snprintf(err, errlen, "%s", s->mixed);
			return -EINVAL;
		}
	} else {
		s->mixed[0] = '\0';
	}
	if (!baseline)
		baseline = rs->baseline_hint && runset_variant(rs, rs->baseline_hint) >= 0 ? rs->baseline_hint
											   : rs->variants[0];
	s->baseline = runset_variant(rs, baseline);
	if (s->baseline < 0) {
		snprintf(err, errlen, "baseline '%s' is not a variant of these results; variants: %s", baseline,
			 runset_variant_list(rs));
		return -EINVAL;
	}
	if (rule->seq_max)
		s->seq_total = stats_seq_levels(rule->cmp.alpha, SEQ_FIRST, rule->seq_max, s->seq_levels);
	/*
	 * One kernel alone under --reps auto is looked at after every round:
	 * split alpha over the looks (Bonferroni), so that stopping at the first
	 * decided look does not inflate the chance of a wrong verdict.
	 */
	s->kv_conf = STATS_CONF;
	if (rule->seq_max && nv == 1)
		s->kv_conf = 1 - (1 - STATS_CONF) / (rule->seq_max - SEQ_FIRST + 1);
	s->runs = xcalloc(nv, sizeof(*s->runs));
	s->ok = xcalloc(nv, sizeof(*s->ok));
	for (i = 0; i < rs->nr_runs; i++) {
		s->runs[rs->runs[i].variant]++;
		s->ok[rs->runs[i].variant] += rs->runs[i].ok;
	}
	collect_probes(s);
	s->cells = xcalloc(NR_BASES * nv * (s->nr_probes ?: 1) * RESULT_NR_STATS, sizeof(*s->cells));
	s->kcells = xcalloc(nv * (s->nr_probes ?: 1), sizeof(*s->kcells));
	for (b = 0; b < NR_BASES; b++)
		for (v = 0; v < nv; v++)
			for (p = 0; p < s->nr_probes; p++)
				for (st = 0; st < RESULT_NR_STATS; st++)
					fill_cell(s, b, v, p, st);
	for (b = 0; b < NR_BASES; b++)
		for (v = 0; v < nv; v++)
			for (p = 0; p < s->nr_probes; p++)
				for (st = 0; st < RESULT_NR_STATS; st++)
					compare_cell(s, b, v, p, st);
	for (v = 0; v < nv; v++)
		for (p = 0; p < s->nr_probes; p++)
			judge_kernel(s, v, p);
	s->blame = xcalloc(nv, sizeof(*s->blame));
	for (v = 0; v < nv; v++)
		build_blame(s, v);
	return 0;
}

void summary_free(struct summary *s)
{
	size_t i, n = s->rs ? NR_BASES * s->rs->nr_variants * s->nr_probes * RESULT_NR_STATS : 0;

	for (i = 0; s->cells && i < n; i++) {
		free(s->cells[i].vals);
		free(s->cells[i].reps);
		free(s->cells[i].lower);
		free(s->cells[i].upper);
	}
	for (i = 0; s->blame && i < s->rs->nr_variants; i++)
		blame_free(&s->blame[i]);
	free(s->blame);
	for (i = 0; i < s->nr_probes; i++)
		free(s->probes[i].name);
	free(s->probes);
	free(s->cells);
	free(s->kcells);
	free(s->runs);
	free(s->ok);
	memset(s, 0, sizeof(*s));
}

const struct cell *summary_verdict_cell(const struct summary *s, size_t v, size_t p)
{
	enum summary_basis b = (int)p == s->control ? BASIS_ABSOLUTE : s->rule.basis;

	return summary_cell(s, b, v, p, s->rule.stat);
}

const struct cell *summary_control_moved(const struct summary *s, size_t v)
{
	const struct cell *c;

	if (s->control < 0 || (int)v == s->baseline)
		return NULL;
	c = summary_cell(s, BASIS_ABSOLUTE, v, s->control, s->rule.stat);
	return c->cmp && c->significant ? c : NULL;
}

enum kernel_verdict summary_kernel_verdict(const struct summary *s, size_t v)
{
	size_t p, n = 0, none = 0, untestable = 0;

	for (p = 0; p < s->nr_probes; p++) {
		const struct kcell *k = summary_kcell(s, v, p);

		if (!k->applies)
			continue;
		n++;
		if (k->verdict == KV_REPRODUCED)
			return KV_REPRODUCED;
		none += k->verdict == KV_NONE;
		untestable += k->verdict == KV_UNTESTABLE;
	}
	if (!n || !s->ok[v] || untestable == n)
		return KV_UNTESTABLE;
	return none == n ? KV_NONE : KV_INCONCLUSIVE;
}

/*
 * Is one variant's question answered?  One kernel alone: "is the inversion
 * reproduced?" -- yes as soon as one lock probe is, no when every one is
 * none.  Else, against the baseline: "did it regress?" -- yes as soon as
 * one gated probe regressed (what the gate fails on), no when every one is
 * decided.  Stopping at the first rejection is what the sequential levels
 * are computed for (stats_seq_levels(): the chance that SOME look rejects).
 * "could not test" is not decided: more runs may bring the values (a flaky
 * boot) -- up to the last look.
 */
static bool variant_decided(const struct summary *s, size_t v, const char *only_probe)
{
	bool alone = s->rs->nr_variants == 1, all = true;
	size_t p;

	if (!alone && (int)v == s->baseline)
		return true;
	for (p = 0; p < s->nr_probes; p++) {
		const struct cell *c = summary_verdict_cell(s, v, p);
		const struct kcell *k = summary_kcell(s, v, p);

		if (only_probe ? strcmp(s->probes[p].name, only_probe) : !s->probes[p].lo_lock)
			continue;
		if (alone) {
			if (!k->applies)
				continue;
			if (k->verdict == KV_REPRODUCED)
				return true;
			all &= k->verdict == KV_NONE;
		} else {
			if (c->verdict == VERDICT_REGRESSED)
				return true;
			all &= c->verdict != VERDICT_INCONCLUSIVE && c->verdict != VERDICT_UNTESTABLE;
		}
	}
	return all;
}

bool summary_decided(const struct summary *s, const char *only_probe)
{
	size_t v;

	for (v = 0; v < s->rs->nr_variants; v++)
		if (!variant_decided(s, v, only_probe))
			return false;
	return true;
}

/* ---- options ---- */

int summary_rule_option(struct summary_rule *rule, struct summary_given *given, int opt, const char *val)
{
	struct summary_given dummy;
	char *end;
	int i;

	if (!given)
		given = &dummy;
	switch (opt) {
	case OPT_RULE_MAX_REGRESSION:
		if (!stats_parse_percent(val, &rule->cmp.max_regression)) {
			given->max_regression = true;
			return 1;
		}
		msg_err("invalid --max-regression '%s': expected a percentage above 0 and up to 1000 "
			"(e.g. 20%%, 12.5)", val);
		return -EINVAL;
	case OPT_RULE_ALPHA:
		rule->cmp.alpha = strtod(val, &end);
		if (end != val && !*end && rule->cmp.alpha > 0 && rule->cmp.alpha < 1) {
			given->alpha = true;
			return 1;
		}
		msg_err("invalid --alpha '%s': expected a number between 0 and 1 (e.g. 0.05)", val);
		return -EINVAL;
	case OPT_RULE_THRESHOLD:
		rule->inversion_threshold = strtod(val, &end);
		if (end != val && (!*end || !strcmp(end, "x")) && rule->inversion_threshold > 1 &&
		    rule->inversion_threshold <= 1e6) {
			given->inversion_threshold = true;
			return 1;
		}
		msg_err("invalid --inversion-threshold '%s': expected a stall index above 1 (the probe's "
			"statistic over the control's in the same boot), e.g. 2 or 2.5x", val);
		return -EINVAL;
	case OPT_RULE_BASIS:
		for (i = 0; i < NR_BASES; i++) {
			if (!strcmp(val, summary_basis_names[i])) {
				rule->basis = i;
				given->basis = true;
				return 1;
			}
		}
		msg_err("invalid --basis '%s': expected index (the stall index: probe over the control in "
			"the same boot) or absolute (the latency itself)", val);
		return -EINVAL;
	case OPT_RULE_STAT:
		i = result_stat_parse(val);
		if (i >= 0) {
			rule->stat = i;
			given->stat = true;
			return 1;
		}
		msg_err("invalid --stat '%s': expected p50, p99, p99.9 or max", val);
		return -EINVAL;
	case OPT_RULE_ALLOW_MIXED:
		rule->allow_mixed = true;
		return 1;
	}
	return 0;
}

void summary_rule_help(FILE *f)
{
	struct summary_rule d;

	/* the defaults in brackets come from summary_rule_defaults(), where they are written once */
	summary_rule_defaults(&d);
	fprintf(f,
		"  --basis index|absolute   what verdicts compare: the stall index (a probe's\n"
		"                           statistic over the control probe's in the same\n"
		"                           boot, so general guest noise cancels) or the\n"
		"                           latency itself; the other is shown beside [%s]\n"
		"  --stat STAT              p50, p99, p99.9 or max of the corrected latency [%s]\n"
		"  --max-regression PCT     how large a change counts: 20%%, 12.5 [%g%%]\n"
		"  --alpha P                the Mann-Whitney level over all looks, 0 < P < 1\n"
		"                           [%g]\n"
		"  --inversion-threshold X  per kernel: the inversion is reproduced when the\n"
		"                           whole 95%% CI of the runs' stall index (geometric\n"
		"                           mean, 3 runs or more) is above X, none when wholly\n"
		"                           below [%g]\n"
		"  --allow-mixed            pool runs of different experiments (scenario\n"
		"                           settings, guest size, accelerator) anyway; the\n"
		"                           report says so\n",
		summary_basis_names[d.basis], result_stats[d.stat].name, d.cmp.max_regression * 100, d.cmp.alpha,
		d.inversion_threshold);
}

json_t *summary_rule_to_json(const struct summary_rule *rule)
{
	return json_pack("{s:f,s:f,s:f,s:s,s:s,s:i}", "max_regression", rule->cmp.max_regression, "alpha",
			 rule->cmp.alpha, "inversion_threshold", rule->inversion_threshold, "basis",
			 summary_basis_names[rule->basis], "stat", result_stats[rule->stat].name, "reps_auto_max",
			 (int)rule->seq_max);
}

void summary_rule_from_json(struct summary_rule *rule, const struct summary_given *given, const json_t *o)
{
	const json_t *v;
	int i;

	if (!json_is_object(o))
		return;
	if (!given->max_regression && json_is_number(v = json_object_get(o, "max_regression")) &&
	    json_number_value(v) > 0 && json_number_value(v) <= 10)
		rule->cmp.max_regression = json_number_value(v);
	if (!given->alpha && json_is_number(v = json_object_get(o, "alpha")) && json_number_value(v) > 0 &&
	    json_number_value(v) < 1)
		rule->cmp.alpha = json_number_value(v);
	if (!given->inversion_threshold && json_is_number(v = json_object_get(o, "inversion_threshold")) &&
	    json_number_value(v) > 1 && json_number_value(v) <= 1e6)
		rule->inversion_threshold = json_number_value(v);
	if (!given->basis && json_is_string(v = json_object_get(o, "basis")))
		for (i = 0; i < NR_BASES; i++)
			if (!strcmp(json_string_value(v), summary_basis_names[i]))
				rule->basis = i;
	if (!given->stat && json_is_string(v = json_object_get(o, "stat")) &&
	    (i = result_stat_parse(json_string_value(v))) >= 0)
		rule->stat = i;
	/* how the runs were made, not a choice of the reader */
	if (json_is_integer(v = json_object_get(o, "reps_auto_max")) && json_integer_value(v) >= SEQ_FIRST &&
	    json_integer_value(v) <= STATS_SEQ_MAX)
		rule->seq_max = (unsigned int)json_integer_value(v);
}

int summary_open(struct summary *s, struct runset *rs, char *const *paths, size_t n, const char *baseline,
		 const struct summary_rule *rule, const struct summary_given *given)
{
	static const struct summary_given none;
	struct summary_rule r = *rule;
	char err[2048];

	if (runset_load(rs, paths, n, err, sizeof(err))) {
		msg_err("%s", err);
		return -EINVAL;
	}
	if (rs->note[0])
		msg_warn("%s", rs->note);
	summary_rule_from_json(&r, given ?: &none, json_object_get(rs->compare, "rule"));
	if (summary_build(s, rs, baseline, &r, err, sizeof(err))) {
		msg_err("%s", err);
		summary_free(s);
		runset_free(rs);
		return -EINVAL;
	}
	return 0;
}

void summary_close(struct summary *s, struct runset *rs)
{
	summary_free(s);
	runset_free(rs);
}

/* ---- identities ---- */

const char *summary_kernel_desc(const struct summary *s, size_t v)
{
	static char buf[512];
	const struct run_result *r = summary_result(s, v);
	const char *rel = r->kernel_release ?: r->vm.kernel_release;

	if (r->vm.package)
		snprintf(buf, sizeof(buf), "%s (%s %s)", rel ?: "?", r->vm.package, r->vm.package_version ?: "");
	else if (r->vm.kernel_image)
		snprintf(buf, sizeof(buf), "%s (build %s)", rel ?: "?", r->vm.kernel_image);
	else
		snprintf(buf, sizeof(buf), "%s (live)", rel ?: "?");
	return buf;
}

const char *summary_accel_desc(const struct summary *s, size_t v)
{
	static char buf[512];
	const struct run_result *r = summary_result(s, v);
	const char *a = r->vm.accelerator, *why = r->vm.accelerator_reason;

	if (!r->vm.present)
		snprintf(buf, sizeof(buf), "none (measured live)");
	else
		snprintf(buf, sizeof(buf), "%s%s%s%s", a ?: "?", why ? " (" : "", why ?: "", why ? ")" : "");
	return buf;
}

const char *summary_host_desc(const struct summary *s, size_t v)
{
	static char buf[512];
	const struct run_result *r = summary_result(s, v);
	bool vm = r->vm.present && r->vm.host_name;

	snprintf(buf, sizeof(buf), "%s, %d CPUs, %.1f GiB", (vm ? r->vm.host_name : r->machine_host) ?: "?",
		 vm ? r->vm.host_cpus : r->machine_cpus,
		 (vm ? r->vm.host_memory_bytes : r->machine_memory_bytes) / (double)(1ULL << 30));
	if (r->vm.present && r->vm.guest_cpus)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "; guest %d CPUs, %.1f GiB", r->vm.guest_cpus,
			 r->vm.guest_memory_bytes / (double)(1ULL << 30));
	return buf;
}
