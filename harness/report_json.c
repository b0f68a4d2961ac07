// SPDX-License-Identifier: GPL-2.0
/*
 * The summary as JSON ('mmstall report --format json', compare's
 * summary.json): everything the other formats show, for machines.
 * results/README.md documents it.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "harness/report.h"
#include "harness/report_common.h"
#include "harness/util.h"
#include "version.h"

#define SUMMARY_FORMAT_VERSION 2

static json_t *num_or_null(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *frames_json(const char *const *frames, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_string(frames[i]));
	return a;
}

static json_t *share_or_null(uint64_t part, uint64_t whole)
{
	return whole ? json_real(blame_share(part, whole)) : json_null();
}

static json_t *blame_sum_json(const struct blame_sum *x)
{
	return json_pack("{s:I,s:I,s:I,s:I,s:o}", "waits", (json_int_t)x->waits, "waits_over_min",
			 (json_int_t)x->waits_over_min, "wait_ns", (json_int_t)x->wait_ns, "explained_ns",
			 (json_int_t)x->explained_ns, "explained_share", share_or_null(x->explained_ns, x->wait_ns));
}

/* Who held lo's mmap_lock, merged over the variant's runs (results/README.md, "blame"). */
static json_t *blame_json(const struct blame *b)
{
	json_t *o = json_object(), *probes = json_object(), *holders = json_array(), *writers = json_array();
	json_t *un = json_object(), *limits = json_array();
	size_t i;

	json_object_set_new(o, "runs_traced", json_integer((json_int_t)b->runs_traced));
	json_object_set_new(o, "runs_attribution_failed", json_integer((json_int_t)b->runs_failed));
	json_object_set_new(o, "attribution_error", str_or_null(b->first_error));
	json_object_set_new(o, "min_ns", json_integer((json_int_t)b->min_ns));
	json_object_set_new(o, "total", blame_sum_json(&b->total));
	for (i = 0; i < b->nr_probes; i++)
		json_object_set_new(probes, b->probes[i].name, blame_sum_json(&b->probes[i].sum));
	json_object_set_new(o, "probes", probes);
	for (i = 0; i < b->nr_holders; i++) {
		const struct blame_holder *h = &b->holders[i];

		json_array_append_new(holders,
				      json_pack("{s:o,s:o,s:o,s:o,s:o,s:I,s:o,s:I,s:I,s:I}", "thread",
						str_or_null(h->thread), "mode", str_or_null(h->mode), "call",
						str_or_null(h->call), "state", str_or_null(h->state), "frames",
						frames_json(h->frames, h->nr_frames), "stall_ns", (json_int_t)h->stall_ns,
						"share", share_or_null(h->stall_ns, b->total.wait_ns), "waits",
						(json_int_t)h->waits, "holds", (json_int_t)h->holds, "runs",
						(json_int_t)h->runs));
	}
	json_object_set_new(o, "holders", holders);
	json_object_set_new(o, "holders_dropped", json_integer((json_int_t)b->holders_dropped));
	for (i = 0; i < b->nr_writers; i++) {
		const struct blame_writer *w = &b->writers[i];

		json_array_append_new(writers,
				      json_pack("{s:o,s:o,s:I,s:o,s:I,s:I,s:I}", "call", str_or_null(w->call), "frames",
						frames_json(w->frames, w->nr_frames), "stall_ns", (json_int_t)w->stall_ns,
						"share", share_or_null(w->stall_ns, b->total.wait_ns), "waits",
						(json_int_t)w->waits, "requests", (json_int_t)w->requests, "runs",
						(json_int_t)w->runs));
	}
	json_object_set_new(o, "writers", writers);
	for (i = 0; i < b->nr_unattributable; i++)
		json_object_set_new(un, b->unattributable[i].probe, json_string(b->unattributable[i].why));
	json_object_set_new(o, "unattributable_probes", un);
	for (i = 0; i < b->nr_limits; i++)
		json_array_append_new(limits, json_string(b->limits[i]));
	json_object_set_new(o, "limits", limits);
	json_object_set_new(o, "trace", json_pack("{s:I,s:I}", "lost_events", (json_int_t)b->lost_events,
						  "runs_incomplete", (json_int_t)b->runs_incomplete));
	return o;
}

/* The machine that ran QEMU (vm.host), as decoded; null when not stored, 0 (not stored) as null. */
static json_t *host_json(const struct vm_result *vm)
{
	if (!vm->host_present)
		return json_null();
	return json_pack("{s:o,s:o,s:o,s:o}", "hostname", str_or_null(vm->host_name), "cpus",
			 vm->host_cpus ? json_integer(vm->host_cpus) : json_null(), "memory_bytes",
			 vm->host_memory_bytes ? json_integer((json_int_t)vm->host_memory_bytes) : json_null(),
			 "kernel_release", str_or_null(vm->host_kernel_release));
}

static json_t *variant_json(const struct summary *s, size_t v)
{
	const struct run_result *r = summary_result(s, v);
	json_t *o = json_object(), *runs = json_array(), *probes = json_object();
	size_t i, p;

	json_object_set_new(o, "name", json_string(s->rs->variants[v]));
	json_object_set_new(o, "baseline", json_boolean((int)v == s->baseline));
	json_object_set_new(o, "runs", json_integer((json_int_t)s->runs[v]));
	json_object_set_new(o, "runs_ok", json_integer((json_int_t)s->ok[v]));
	json_object_set_new(o, "runs_failed", json_integer((json_int_t)(s->runs[v] - s->ok[v])));
	json_object_set_new(o, "kernel", json_deep_copy(json_object_get(r->raw, "kernel")));
	json_object_set_new(o, "kernel_spec", str_or_null(r->vm.kernel_spec));
	json_object_set_new(o, "package", str_or_null(r->vm.package));
	json_object_set_new(o, "package_version", str_or_null(r->vm.package_version));
	json_object_set_new(o, "kernel_image", str_or_null(r->vm.kernel_image));
	json_object_set_new(o, "accelerator", str_or_null(r->vm.accelerator));
	json_object_set_new(o, "machine", json_deep_copy(json_object_get(r->raw, "machine")));
	json_object_set_new(o, "host", host_json(&r->vm));
	json_object_set_new(o, "inversion", json_string(kernel_verdict_name(summary_kernel_verdict(s, v))));
	for (p = 0; p < s->nr_probes; p++) {
		const struct kcell *k = summary_kcell(s, v, p);

		if (!k->lock_probe)
			continue;
		json_object_set_new(probes, s->probes[p].name,
				    json_pack("{s:s,s:b,s:I,s:o,s:o,s:f,s:b,s:b}", "verdict", kernel_verdict_name(k->verdict),
					      "mmap_lock_here", k->applies, "n", (json_int_t)k->index->n, "index",
					      k->has_ci ? num_or_null(k->ci.est) : json_null(), "index_ci",
					      k->has_ci ? json_pack("[f,f]", k->ci.lo, k->ci.hi) : json_null(),
					      "confidence", k->conf, "lower_bound", k->index->censored, "upper_bound",
					      k->index->capped));
	}
	json_object_set_new(o, "inversion_by_probe", probes);
	for (i = 0; i < s->rs->nr_runs; i++) {
		const struct run *run = &s->rs->runs[i];

		if (run->variant != (int)v)
			continue;
		json_array_append_new(runs, json_pack("{s:s,s:i,s:s,s:o}", "file", run->path, "repetition", run->rep,
						      "status", run->res.status_text ?: "unknown", "error",
						      str_or_null(run->error)));
	}
	json_object_set_new(o, "run_files", runs);
	if (summary_blame(s, v))
		json_object_set_new(o, "blame", blame_json(summary_blame(s, v)));
	return o;
}

static json_t *cell_json(const struct summary *s, enum summary_basis b, size_t v, size_t p, int st)
{
	const struct cell *c = summary_cell(s, b, v, p, st);
	json_t *o = json_object(), *vals = json_array(), *reps = json_array(), *lower = json_array();
	bool ns = b == BASIS_ABSOLUTE;
	size_t i;

	for (i = 0; i < c->n; i++) {
		json_array_append_new(vals, json_real(c->vals[i]));
		json_array_append_new(reps, json_integer(c->reps[i]));
		json_array_append_new(lower, json_boolean(c->lower[i]));
	}
	json_object_set_new(o, "basis", json_string(summary_basis_names[b]));
	json_object_set_new(o, "probe", json_string(s->probes[p].name));
	json_object_set_new(o, "control", json_boolean((int)p == s->control));
	json_object_set_new(o, "stat", json_string(result_stats[st].name));
	json_object_set_new(o, "variant", json_string(s->rs->variants[v]));
	json_object_set_new(o, "n", json_integer((json_int_t)c->n));
	json_object_set_new(o, ns ? "values_ns" : "values", vals);
	json_object_set_new(o, "repetitions", reps);
	json_object_set_new(o, "lower_bounds", lower);
	json_object_set_new(o, ns ? "median_ns" : "median", c->n ? num_or_null(c->med.est) : json_null());
	json_object_set_new(o, ns ? "median_ci_ns" : "median_ci",
			    c->n ? json_pack("[f,f]", c->med.lo, c->med.hi) : json_null());
	json_object_set_new(o, "lower_bound", json_boolean(c->censored));
	if ((int)v == s->baseline)
		return o;
	json_object_set_new(o, "ratio", c->cmp ? num_or_null(c->ratio.est) : json_null());
	json_object_set_new(o, "ratio_ci", c->cmp ? json_pack("[f,f]", c->ratio.lo, c->ratio.hi) : json_null());
	json_object_set_new(o, "mann_whitney_u", c->cmp ? json_real(c->mw.u) : json_null());
	json_object_set_new(o, "p_value", c->cmp ? json_real(c->mw.p) : json_null());
	json_object_set_new(o, "p_exact", c->cmp ? json_boolean(c->mw.exact) : json_null());
	json_object_set_new(o, "level", c->cmp ? json_real(c->level) : json_null());
	json_object_set_new(o, "significant", json_boolean(c->significant));
	json_object_set_new(o, "verdict", json_string(c->cmp ? stats_verdict_name(c->verdict) : "could not test"));
	return o;
}

static void add_line(void *arg, const char *line)
{
	json_array_append_new(arg, json_string(line));
}

static json_t *summary_json(const struct summary *s)
{
	const struct run_result *base = summary_result(s, s->baseline);
	json_t *root = json_object(), *vars = json_array(), *cells = json_array(), *src = json_array();
	json_t *concl = json_array(), *method;
	char rule[2048];
	size_t v, p, i;
	int b, st;

	for (i = 0; i < s->rs->nr_sources; i++)
		json_array_append_new(src, json_string(s->rs->sources[i]));
	report_conclusion(s, add_line, concl);
	report_rule_text(s, rule, sizeof(rule));
	json_object_set_new(root, "format", json_string("mmstall-summary"));
	json_object_set_new(root, "format_version", json_integer(SUMMARY_FORMAT_VERSION));
	json_object_set_new(root, "mmstall_version", json_string(MMSTALL_VERSION));
	json_object_set_new(root, "conclusion", concl);
	json_object_set_new(root, "sources", src);
	json_object_set_new(root, "baseline", json_string(s->rs->variants[s->baseline]));
	method = summary_rule_to_json(&s->rule);
	json_object_set_new(method, "latency", json_string("corrected (from each sample's due time)"));
	json_object_set_new(method, "center", json_string("median of the repetitions"));
	json_object_set_new(method, "confidence", json_real(STATS_CONF));
	json_object_set_new(method, "bootstrap_resamples", json_integer(STATS_RESAMPLES));
	json_object_set_new(method, "bootstrap_seed", json_integer((json_int_t)STATS_SEED));
	json_object_set_new(method, "sequential_false_alarm", s->rule.seq_max ? json_real(s->seq_total) : json_null());
	json_object_set_new(method, "rule", json_string(rule));
	json_object_set_new(root, "method", method);
	json_object_set_new(root, "mixed_experiments", s->mixed[0] ? json_string(s->mixed) : json_null());
	json_object_set_new(root, "scenario", json_deep_copy(base->scenario));
	json_object_set_new(root, "control_probe", s->control >= 0 ? json_string(s->probes[s->control].name)
								    : json_null());
	for (v = 0; v < s->rs->nr_variants; v++)
		json_array_append_new(vars, variant_json(s, v));
	json_object_set_new(root, "variants", vars);
	for (b = 0; b < NR_BASES; b++)
		for (p = 0; p < s->nr_probes; p++)
			for (st = 0; st < RESULT_NR_STATS; st++)
				for (v = 0; v < s->rs->nr_variants; v++)
					if (b == BASIS_ABSOLUTE || (int)p != s->control)
						json_array_append_new(cells, cell_json(s, b, v, p, st));
	json_object_set_new(root, "cells", cells);
	json_object_set_new(root, "time_spent", report_time_spent(s) ?: json_null());
	return root;
}

static int render(FILE *f, const struct summary *s)
{
	json_t *j = summary_json(s);
	int ret = json_dumpf(j, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) ? -EIO : 0;

	if (!ret)
		fputc('\n', f);
	json_decref(j);
	return ret;
}

const struct report_format report_json = {
	.name = "json",
	.help = "the summary for machines: the conclusion, each kernel's verdict, every cell's values, median, CI, "
	"ratio, p, level and verdict on both bases",
	.render = render,
};
