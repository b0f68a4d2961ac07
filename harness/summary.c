// SPDX-License-Identifier: GPL-2.0
#include "harness/summary.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/util.h"
#include "version.h"

const struct summary_stat summary_stats[] = {
	{ "p50", "p50_ns" },
	{ "p99", "p99_ns" },
	{ "p99.9", "p99_9_ns" },
	{ "max", "max_ns" },
};
const size_t summary_nr_stats = ARRAY_SIZE(summary_stats);

static const char *jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

struct cell *summary_cell(const struct summary *s, size_t v, size_t p, size_t st)
{
	return &s->cells[(v * s->nr_probes + p) * summary_nr_stats + st];
}

int summary_probe(const struct summary *s, const char *name)
{
	return name_index(s->probes, s->nr_probes, name);
}

int summary_stat(const char *name)
{
	size_t i;

	for (i = 0; i < summary_nr_stats; i++)
		if (!strcmp(summary_stats[i].name, name))
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

const json_t *summary_result(const struct summary *s, size_t v)
{
	const json_t *first = NULL;
	size_t i;

	for (i = 0; i < s->rs->nr_runs; i++) {
		const struct run *r = &s->rs->runs[i];

		if (r->variant != (int)v)
			continue;
		if (r->ok)
			return r->res;
		if (!first)
			first = r->res;
	}
	return first;
}

/* Probe names of the successful runs, in the order the results list them. */
static void collect_probes(struct summary *s)
{
	const char *name;
	json_t *p;
	size_t i;

	s->control = -1;
	for (i = 0; i < s->rs->nr_runs; i++) {
		json_object_foreach(json_object_get(s->rs->runs[i].res, "probes"), name, p) {
			char **np;

			if (summary_probe(s, name) >= 0)
				continue;
			np = realloc(s->probes, (s->nr_probes + 1) * sizeof(*np));
			if (!np)
				abort();
			s->probes = np;
			np[s->nr_probes] = strdup(name);
			if (json_is_true(json_object_get(p, "control")) && s->control < 0)
				s->control = (int)s->nr_probes;
			s->nr_probes++;
		}
	}
}

static void fill_cell(struct summary *s, size_t v, size_t p, size_t st)
{
	struct cell *c = summary_cell(s, v, p, st);
	size_t i;

	c->vals = calloc(s->rs->nr_runs, sizeof(*c->vals));
	c->reps = calloc(s->rs->nr_runs, sizeof(*c->reps));
	if (!c->vals || !c->reps)
		abort();
	for (i = 0; i < s->rs->nr_runs; i++) {
		const struct run *r = &s->rs->runs[i];
		json_t *rec, *val;

		if (r->variant != (int)v || !r->ok)
			continue;
		rec = json_object_get(json_object_get(json_object_get(r->res, "probes"), s->probes[p]),
				      "corrected");
		val = json_object_get(rec, summary_stats[st].key);
		if (!json_is_number(val))
			continue;	/* too few samples for this percentile */
		c->vals[c->n] = json_number_value(val);
		c->reps[c->n++] = r->rep;
	}
	if (c->n)
		stats_median_ci(c->vals, c->n, STATS_CONF, STATS_RESAMPLES, STATS_SEED, &c->med);
}

static void compare_cell(struct summary *s, size_t v, size_t p, size_t st)
{
	struct cell *c = summary_cell(s, v, p, st), *b = summary_cell(s, s->baseline, p, st);

	c->verdict = VERDICT_UNTESTABLE;
	if ((int)v == s->baseline || !c->n || !b->n)
		return;
	if (stats_ratio_ci(b->vals, b->n, c->vals, c->n, STATS_CONF, STATS_RESAMPLES, STATS_SEED, &c->ratio) ||
	    stats_mann_whitney(b->vals, b->n, c->vals, c->n, &c->mw))
		return;
	c->cmp = true;
	c->verdict = stats_verdict(&s->rule, &c->ratio, c->mw.p);
	c->significant = stats_significant(&s->rule, &c->ratio, c->mw.p);
}

int summary_build(struct summary *s, const struct runset *rs, const char *baseline,
		  const struct stats_rule *rule, char *err, size_t errlen)
{
	size_t v, p, st, i;

	memset(s, 0, sizeof(*s));
	s->rs = rs;
	s->rule = *rule;
	if (!rs->nr_variants) {
		snprintf(err, errlen, "no runs to compare");
		return -EINVAL;
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
	s->runs = calloc(rs->nr_variants, sizeof(*s->runs));
	s->ok = calloc(rs->nr_variants, sizeof(*s->ok));
	if (!s->runs || !s->ok)
		abort();
	for (i = 0; i < rs->nr_runs; i++) {
		s->runs[rs->runs[i].variant]++;
		s->ok[rs->runs[i].variant] += rs->runs[i].ok;
	}
	collect_probes(s);
	s->cells = calloc(rs->nr_variants * (s->nr_probes ? s->nr_probes : 1) * summary_nr_stats,
			  sizeof(*s->cells));
	if (!s->cells)
		abort();
	for (v = 0; v < rs->nr_variants; v++)
		for (p = 0; p < s->nr_probes; p++)
			for (st = 0; st < summary_nr_stats; st++)
				fill_cell(s, v, p, st);
	for (v = 0; v < rs->nr_variants; v++)
		for (p = 0; p < s->nr_probes; p++)
			for (st = 0; st < summary_nr_stats; st++)
				compare_cell(s, v, p, st);
	return 0;
}

void summary_free(struct summary *s)
{
	size_t i, n = s->rs ? s->rs->nr_variants * s->nr_probes * summary_nr_stats : 0;

	for (i = 0; s->cells && i < n; i++) {
		free(s->cells[i].vals);
		free(s->cells[i].reps);
	}
	for (i = 0; i < s->nr_probes; i++)
		free(s->probes[i]);
	free(s->probes);
	free(s->cells);
	free(s->runs);
	free(s->ok);
	memset(s, 0, sizeof(*s));
}

int summary_rule_option(struct stats_rule *rule, const char *opt, const char *val)
{
	char *end;

	if (!strcmp(opt, "max-regression")) {
		if (!stats_parse_percent(val, &rule->max_regression))
			return 0;
		msg_err("invalid --max-regression '%s': expected a percentage above 0 and up to 1000 "
			"(e.g. 20%%, 12.5)", val);
		return -EINVAL;
	}
	rule->alpha = strtod(val, &end);
	if (end != val && !*end && rule->alpha > 0 && rule->alpha < 1)
		return 0;
	msg_err("invalid --alpha '%s': expected a number between 0 and 1 (e.g. 0.05)", val);
	return -EINVAL;
}

int summary_open(struct summary *s, struct runset *rs, char *const *paths, size_t n, const char *baseline,
		 const struct stats_rule *rule)
{
	char err[1024];

	if (runset_load(rs, paths, n, err, sizeof(err))) {
		msg_err("%s", err);
		return -EINVAL;
	}
	if (summary_build(s, rs, baseline, rule, err, sizeof(err))) {
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
	const json_t *r = summary_result(s, v), *vm = json_object_get(r, "vm");
	const char *rel = jstr(json_object_get(r, "kernel"), "release") ?: jstr(vm, "kernel_release");
	const char *pkg = jstr(vm, "package"), *img = jstr(vm, "kernel_image");

	if (pkg)
		snprintf(buf, sizeof(buf), "%s (%s %s)", rel ?: "?", pkg, jstr(vm, "package_version") ?: "");
	else if (img)
		snprintf(buf, sizeof(buf), "%s (build %s)", rel ?: "?", img);
	else
		snprintf(buf, sizeof(buf), "%s (live)", rel ?: "?");
	return buf;
}

const char *summary_accel_desc(const struct summary *s, size_t v)
{
	static char buf[512];
	const json_t *vm = json_object_get(summary_result(s, v), "vm");
	const char *a = jstr(vm, "accelerator"), *why = jstr(vm, "accelerator_reason");

	if (!vm)
		snprintf(buf, sizeof(buf), "none (measured live)");
	else
		snprintf(buf, sizeof(buf), "%s%s%s%s", a ?: "?", why ? " (" : "", why ?: "", why ? ")" : "");
	return buf;
}

const char *summary_host_desc(const struct summary *s, size_t v)
{
	static char buf[512];
	const json_t *r = summary_result(s, v), *vm = json_object_get(r, "vm");
	const json_t *h = json_object_get(vm, "host") ?: json_object_get(r, "machine");
	json_int_t mem = json_integer_value(json_object_get(h, "memory_bytes"));

	snprintf(buf, sizeof(buf), "%s, %" JSON_INTEGER_FORMAT " CPUs, %.1f GiB", jstr(h, "hostname") ?: "?",
		 json_integer_value(json_object_get(h, "cpus")), mem / (double)(1ULL << 30));
	if (vm)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf),
			 "; guest %" JSON_INTEGER_FORMAT " CPUs, %.1f GiB",
			 json_integer_value(json_object_get(vm, "guest_cpus")),
			 json_integer_value(json_object_get(vm, "guest_memory_bytes")) / (double)(1ULL << 30));
	return buf;
}

/* ---- JSON ---- */

static json_t *num_or_null(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

static json_t *variant_json(const struct summary *s, size_t v)
{
	const json_t *r = summary_result(s, v), *vm = json_object_get(r, "vm");
	json_t *o = json_object(), *runs = json_array();
	size_t i;

	json_object_set_new(o, "name", json_string(s->rs->variants[v]));
	json_object_set_new(o, "baseline", json_boolean((int)v == s->baseline));
	json_object_set_new(o, "runs", json_integer((json_int_t)s->runs[v]));
	json_object_set_new(o, "runs_ok", json_integer((json_int_t)s->ok[v]));
	json_object_set_new(o, "runs_failed", json_integer((json_int_t)(s->runs[v] - s->ok[v])));
	json_object_set_new(o, "kernel", json_deep_copy(json_object_get(r, "kernel")));
	json_object_set_new(o, "kernel_spec", json_deep_copy(json_object_get(vm, "kernel_spec")));
	json_object_set_new(o, "package", json_deep_copy(json_object_get(vm, "package")));
	json_object_set_new(o, "package_version", json_deep_copy(json_object_get(vm, "package_version")));
	json_object_set_new(o, "kernel_image", json_deep_copy(json_object_get(vm, "kernel_image")));
	json_object_set_new(o, "accelerator", json_deep_copy(json_object_get(vm, "accelerator")));
	json_object_set_new(o, "machine", json_deep_copy(json_object_get(r, "machine")));
	json_object_set_new(o, "host", json_deep_copy(json_object_get(vm, "host")));
	for (i = 0; i < s->rs->nr_runs; i++) {
		const struct run *run = &s->rs->runs[i];

		if (run->variant != (int)v)
			continue;
		json_array_append_new(runs, json_pack("{s:s,s:i,s:s,s:o}", "file", run->path, "repetition",
						      run->rep, "status",
						      jstr(run->res, "status") ?: "unknown", "error",
						      run->error ? json_string(run->error) : json_null()));
	}
	json_object_set_new(o, "run_files", runs);
	return o;
}

static json_t *cell_json(const struct summary *s, size_t v, size_t p, size_t st)
{
	const struct cell *c = summary_cell(s, v, p, st);
	json_t *o = json_object(), *vals = json_array(), *reps = json_array();
	size_t i;

	for (i = 0; i < c->n; i++) {
		json_array_append_new(vals, json_real(c->vals[i]));
		json_array_append_new(reps, json_integer(c->reps[i]));
	}
	json_object_set_new(o, "probe", json_string(s->probes[p]));
	json_object_set_new(o, "control", json_boolean((int)p == s->control));
	json_object_set_new(o, "stat", json_string(summary_stats[st].name));
	json_object_set_new(o, "variant", json_string(s->rs->variants[v]));
	json_object_set_new(o, "n", json_integer((json_int_t)c->n));
	json_object_set_new(o, "values_ns", vals);
	json_object_set_new(o, "repetitions", reps);
	json_object_set_new(o, "median_ns", c->n ? num_or_null(c->med.est) : json_null());
	json_object_set_new(o, "median_ci_ns",
			    c->n ? json_pack("[f,f]", c->med.lo, c->med.hi) : json_null());
	if ((int)v == s->baseline)
		return o;
	json_object_set_new(o, "ratio", c->cmp ? num_or_null(c->ratio.est) : json_null());
	json_object_set_new(o, "ratio_ci", c->cmp ? json_pack("[f,f]", c->ratio.lo, c->ratio.hi) : json_null());
	json_object_set_new(o, "mann_whitney_u", c->cmp ? json_real(c->mw.u) : json_null());
	json_object_set_new(o, "p_value", c->cmp ? json_real(c->mw.p) : json_null());
	json_object_set_new(o, "p_exact", c->cmp ? json_boolean(c->mw.exact) : json_null());
	json_object_set_new(o, "significant", json_boolean(c->significant));
	json_object_set_new(o, "verdict", json_string(stats_verdict_name(c->verdict)));
	return o;
}

json_t *summary_to_json(const struct summary *s)
{
	json_t *root = json_object(), *vars = json_array(), *cells = json_array(), *src = json_array();
	size_t v, p, st, i;

	for (i = 0; i < s->rs->nr_sources; i++)
		json_array_append_new(src, json_string(s->rs->sources[i]));
	json_object_set_new(root, "format", json_string("mmstall-summary"));
	json_object_set_new(root, "format_version", json_integer(1));
	json_object_set_new(root, "mmstall_version", json_string(MMSTALL_VERSION));
	json_object_set_new(root, "sources", src);
	json_object_set_new(root, "baseline", json_string(s->rs->variants[s->baseline]));
	json_object_set_new(root, "method",
			    json_pack("{s:s,s:s,s:f,s:i,s:I,s:f,s:f,s:s}", "latency",
				      "corrected (from each sample's due time)", "center",
				      "median of the repetitions", "confidence", STATS_CONF,
				      "bootstrap_resamples", STATS_RESAMPLES, "bootstrap_seed",
				      (json_int_t)STATS_SEED, "max_regression", s->rule.max_regression, "alpha",
				      s->rule.alpha, "rule",
				      "regressed: ratio CI low > 1 + max_regression and p < alpha; "
				      "improved: ratio CI high < 1 / (1 + max_regression) and p < alpha"));
	json_object_set_new(root, "scenario",
			    json_deep_copy(json_object_get(summary_result(s, s->baseline), "scenario")));
	json_object_set_new(root, "control_probe",
			    s->control >= 0 ? json_string(s->probes[s->control]) : json_null());
	for (v = 0; v < s->rs->nr_variants; v++)
		json_array_append_new(vars, variant_json(s, v));
	json_object_set_new(root, "variants", vars);
	for (p = 0; p < s->nr_probes; p++)
		for (st = 0; st < summary_nr_stats; st++)
			for (v = 0; v < s->rs->nr_variants; v++)
				json_array_append_new(cells, cell_json(s, v, p, st));
	json_object_set_new(root, "cells", cells);
	return root;
}
