// SPDX-License-Identifier: GPL-2.0
#include "harness/report_common.h"

#include <math.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/util.h"

void report_value(char *buf, size_t len, enum summary_basis b, double v, bool lower_bound)
{
	report_bounded(buf, len, b, v, lower_bound, false);
}

void report_bounded(char *buf, size_t len, enum summary_basis b, double v, bool lower_bound, bool upper_bound)
{
	char x[24];	/* "123.4ms", "1234x": short; a small x keeps -O2's truncation check quiet */

	if (b == BASIS_INDEX)
		fmt_index(x, sizeof(x), v);
	else
		fmt_ns(x, sizeof(x), v);
	/* both at once: only "about" that much */
	snprintf(buf, len, "%s%s", lower_bound && upper_bound ? "~" : lower_bound ? ">=" : upper_bound ? "<=" : "", x);
}

void report_cell_median(char *buf, size_t len, enum summary_basis b, const struct cell *c)
{
	if (!c->n) {
		snprintf(buf, len, "-");
		return;
	}
	/* the median is a bound when the values include one */
	report_bounded(buf, len, b, c->med.est, c->censored, c->capped);
}

void report_kcell(char *buf, size_t len, const struct kcell *k)
{
	char m[32], lo[32], hi[32];

	if (!k->index->n) {
		snprintf(buf, len, "no value");
		return;
	}
	if (!k->has_ci) {
		report_bounded(m, sizeof(m), BASIS_INDEX, k->index->med.est, k->index->censored, k->index->capped);
		snprintf(buf, len, "%s from %zu run%s (no interval below %d runs)", m, k->index->n,
			 k->index->n == 1 ? "" : "s", KV_MIN_RUNS);
		return;
	}
	report_bounded(m, sizeof(m), BASIS_INDEX, k->ci.est, k->index->censored, k->index->capped);
	report_value(lo, sizeof(lo), BASIS_INDEX, k->ci.lo, false);
	report_value(hi, sizeof(hi), BASIS_INDEX, k->ci.hi, false);
	snprintf(buf, len, "%s (%.0f%% CI %s-%s, %zu runs)", m, 100 * k->conf, lo, hi, k->index->n);
}

void report_cell_ci(char *buf, size_t len, enum summary_basis b, const struct cell *c)
{
	char lo[32], hi[32];

	if (c->n < 2) {
		buf[0] = '\0';
		return;
	}
	report_value(lo, sizeof(lo), b, c->med.lo, false);
	report_value(hi, sizeof(hi), b, c->med.hi, c->censored);
	snprintf(buf, len, "%s-%s", lo, hi);
}

const char *report_verdict_word(const struct summary *s, size_t v, const struct cell *c)
{
	if ((int)v == s->baseline)
		return "baseline";
	if (!c->cmp)
		return "could not test";
	return stats_verdict_name(c->verdict);
}

/* The description of probe p in variant v's first run that has it. */
static const char *probe_what(const struct summary *s, size_t v, size_t p)
{
	size_t i;

	for (i = 0; i < s->rs->nr_runs; i++) {
		const struct probe_result *pr;

		if (s->rs->runs[i].variant != (int)v)
			continue;
		pr = result_probe(&s->rs->runs[i].res, s->probes[p].name);
		if (pr && pr->what)
			return pr->what;
	}
	return s->probes[p].what;
}

const char *report_probe_desc(const struct summary *s, size_t p, const size_t *v)
{
	static char buf[320];

	snprintf(buf, sizeof(buf), "%s%s", probe_what(s, v ? *v : (size_t)s->baseline, p) ?: "?",
		 (int)p == s->control ? " [control]" : "");
	return buf;
}

void report_scenario_text(const json_t *sc, char *buf, size_t len)
{
	size_t used = 0, kl;
	const char *key;
	json_t *val;

	buf[0] = '\0';
	json_object_foreach((json_t *)sc, key, val) {
		char v[64];

		if (used >= len)
			break;
		kl = strlen(key);
		if (json_is_string(val)) {
			/* an empty setting (fio_lo: no job) still shows as a value */
			snprintf(v, sizeof(v), "%s", *json_string_value(val) ? json_string_value(val) : "-");
		} else if (json_is_integer(val) && kl > 3 && !strcmp(key + kl - 3, "_ns")) {
			fmt_ns(v, sizeof(v), (double)json_integer_value(val));
			kl -= 3;
		} else if (json_is_integer(val) && kl > 6 && !strcmp(key + kl - 6, "_bytes")) {
			snprintf(v, sizeof(v), "%.0fM", json_integer_value(val) / 1048576.0);
			kl -= 6;
		} else if (json_is_integer(val)) {
			snprintf(v, sizeof(v), "%" JSON_INTEGER_FORMAT, json_integer_value(val));
		} else {
			continue;
		}
		used += snprintf(buf + used, len - used, "%s%.*s %s", used ? ", " : "", (int)kl, key, v);
	}
}

void report_share(char *buf, size_t len, double share)
{
	if (share <= 0)
		snprintf(buf, len, "0%%");
	else if (share < 0.0005)
		snprintf(buf, len, "<0.1%%");
	else if (share >= 0.9995 && share < 1.0005)
		snprintf(buf, len, "100%%");
	else
		snprintf(buf, len, "%.1f%%", 100 * share);
}

/* ---- the conclusion ---- */

void report_text_add(struct report_text *t, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (t->n >= sizeof(t->buf))
		return;
	va_start(ap, fmt);
	w = vsnprintf(t->buf + t->n, sizeof(t->buf) - t->n, fmt, ap);
	va_end(ap);
	if (w > 0)
		t->n += (size_t)w;
}

const char *report_first_error(const struct summary *s, size_t v)
{
	static char buf[256];
	size_t i;

	for (i = 0; i < s->rs->nr_runs; i++) {
		const struct run *r = &s->rs->runs[i];

		if (r->variant == (int)v && !r->ok) {
			snprintf(buf, sizeof(buf), "%.200s",
				 r->error ?: r->res.status == RUN_RUNNING ? "the run never finished (status running: "
									     "interrupted or crashed)"
									   : "no reason recorded");
			buf[strcspn(buf, "\n")] = '\0';
			return buf;
		}
	}
	return "no run recorded a value";
}

/* "cmdline 152x (95% CI 140x-160x, 5 runs)" */
static void add_kcell(struct report_text *t, const struct summary *s, size_t p, const struct kcell *k)
{
	char buf[160];

	report_kcell(buf, sizeof(buf), k);
	report_text_add(t, "%s %s", s->probes[p].name, buf);
}

static void kernel_line(const struct summary *s, size_t v, struct report_text *t)
{
	const char *stat = result_stats[s->rule.stat].name, *sep = "";
	enum kernel_verdict kv = summary_kernel_verdict(s, v);
	size_t p, lock = 0;

	report_text_add(t, "%s: ", s->rs->variants[v]);
	for (p = 0; p < s->nr_probes; p++)
		lock += summary_kcell(s, v, p)->applies;
	if (!s->ok[v]) {
		report_text_add(t, "could not test (0 of %zu runs ok): %s", s->runs[v], report_first_error(s, v));
		return;
	}
	if (!lock) {
		report_text_add(t, "no probe of these runs waits on lo's mmap_lock on this kernel (from 6.17 maps reads use "
		    "per-VMA locks: add cmdline, smaps_rollup or ps to --probes)");
		return;
	}
	if (kv == KV_REPRODUCED)
		report_text_add(t, "inversion reproduced by ");
	else if (kv == KV_NONE)
		report_text_add(t, "no inversion (every lock probe's %s stall index below %gx): ", stat, s->rule.inversion_threshold);
	else if (kv == KV_UNTESTABLE)
		report_text_add(t, "could not test (no lock probe has a %s stall index: too few samples, or the control stalled "
		    "too): ", stat);
	else
		report_text_add(t, "inconclusive (%s stall index against %gx): ", stat, s->rule.inversion_threshold);
	/* the probes that carry the kernel's verdict first; under inconclusive, those decided after them */
	for (p = 0; p < s->nr_probes; p++) {
		const struct kcell *k = summary_kcell(s, v, p);

		if (!k->applies || ((kv == KV_REPRODUCED || kv == KV_INCONCLUSIVE) && k->verdict != kv))
			continue;
		report_text_add(t, "%s", sep);
		add_kcell(t, s, p, k);
		sep = ", ";
	}
	if (kv == KV_INCONCLUSIVE) {
		sep = "; none by ";
		for (p = 0; p < s->nr_probes; p++) {
			const struct kcell *k = summary_kcell(s, v, p);

			if (!k->applies || k->verdict == KV_INCONCLUSIVE)
				continue;
			report_text_add(t, "%s", sep);
			add_kcell(t, s, p, k);
			if (k->verdict != KV_NONE)
				report_text_add(t, " %s", kernel_verdict_name(k->verdict));
			sep = ", ";
		}
	}
	if (kv == KV_REPRODUCED) {
		report_text_add(t, " (%s stall index above %gx)", stat, s->rule.inversion_threshold);
		sep = "; not by ";
		for (p = 0; p < s->nr_probes; p++) {
			const struct kcell *k = summary_kcell(s, v, p);

			if (!k->applies || k->verdict == KV_REPRODUCED)
				continue;
			report_text_add(t, "%s", sep);
			add_kcell(t, s, p, k);
			report_text_add(t, " %s", kernel_verdict_name(k->verdict));
			sep = ", ";
		}
	}
	report_text_add(t, "; %zu of %zu runs ok", s->ok[v], s->runs[v]);
}

static void compare_line(const struct summary *s, size_t v, struct report_text *t)
{
	const char *base = s->rs->variants[s->baseline], *stat = result_stats[s->rule.stat].name, *sep = "";
	const struct cell *ctl = summary_control_moved(s, v);
	size_t p;

	report_text_add(t, "%s vs %s (%s %s): ", s->rs->variants[v], base, stat,
	    s->rule.basis == BASIS_INDEX ? "stall index, lock-specific" : "latency, absolute");
	for (p = 0; p < s->nr_probes; p++) {
		const struct cell *c = summary_verdict_cell(s, v, p);
		char ci[80];

		if (!s->probes[p].lo_lock)
			continue;
		report_text_add(t, "%s%s %s", sep, s->probes[p].name, report_verdict_word(s, v, c));
		if (c->cmp) {
			snprintf(ci, sizeof(ci), "%.2fx-%.2fx", c->ratio.lo, c->ratio.hi);
			report_text_add(t, " (%.2fx, 95%% CI %s, p=%.3g)", c->ratio.est, ci, c->mw.p);
		}
		sep = ", ";
	}
	if (!*sep)
		report_text_add(t, "no probe waits on lo's mmap_lock");
	if (ctl)
		report_text_add(t, "; the control (%s %s) moved on its own: the whole guest got %.2fx %s (95%% CI %.2fx-%.2fx, "
		    "p=%.3g)%s", s->probes[s->control].name, stat, ctl->ratio.est >= 1 ? ctl->ratio.est : 1 / ctl->ratio.est,
		    ctl->ratio.est >= 1 ? "slower" : "faster", ctl->ratio.lo, ctl->ratio.hi, ctl->mw.p,
		    s->rule.basis == BASIS_INDEX ? ", which the stall index discounts" : "");
}

/*
 * "6.1: who held lo's mmap_lock: 94.5% of hi's waits over 5 ms explained;
 * most (86.4%) behind lo read page fault, asleep in balance_dirty_pages".
 */
static void blame_line(const struct summary *s, size_t v, struct report_text *t)
{
	const struct blame *b = summary_blame(s, v);
	const struct blame_holder *h;
	char share[16], top[16];

	report_share(share, sizeof(share), blame_share(b->total.explained_ns, b->total.wait_ns));
	report_text_add(t, "%s: who held lo's mmap_lock (%zu traced run%s): ", s->rs->variants[v], b->runs_traced,
	    b->runs_traced == 1 ? "" : "s");
	if (!b->total.wait_ns) {
		report_text_add(t, "no hi wait of %.0f ms or more on it", b->min_ns / 1e6);
		return;
	}
	report_text_add(t, "%s of hi's %.2f s of waits of %.0f ms or more explained", share, b->total.wait_ns / 1e9,
	    b->min_ns / 1e6);
	if (!b->nr_holders)
		return;
	h = &b->holders[0];
	report_share(top, sizeof(top), blame_share(h->stall_ns, b->total.wait_ns));
	report_text_add(t, "; most (%s) behind %s %s %s, %s%s%s", top, h->thread, h->mode, h->call ?: "(call unknown)",
	    h->state, h->nr_frames ? " in " : "", h->nr_frames ? h->frames[0] : "");
}

void report_conclusion(const struct summary *s, void (*emit)(void *arg, const char *line), void *arg)
{
	struct report_text t;
	size_t v;

	if (s->mixed[0]) {
		t.n = 0;
		report_text_add(&t, "WARNING: different experiments pooled (--allow-mixed): %s", s->mixed);
		emit(arg, t.buf);
	}
	for (v = 0; v < s->rs->nr_variants; v++) {
		t.n = 0;
		kernel_line(s, v, &t);
		emit(arg, t.buf);
	}
	for (v = 0; v < s->rs->nr_variants; v++) {
		if ((int)v == s->baseline)
			continue;
		t.n = 0;
		compare_line(s, v, &t);
		emit(arg, t.buf);
	}
	for (v = 0; v < s->rs->nr_variants; v++) {
		const struct blame *b = summary_blame(s, v);

		if (!b || !b->runs_traced)
			continue;
		t.n = 0;
		blame_line(s, v, &t);
		emit(arg, t.buf);
	}
}

void report_rule_text(const struct summary *s, char *buf, size_t len)
{
	const struct summary_rule *r = &s->rule;
	double up = 1 + r->cmp.max_regression;
	size_t n;

	n = snprintf(buf, len,
		     "Latency from each probe sample's due time (coordinated omission corrected); >= marks a "
		     "lower bound (samples still blocked when the probe was stopped count with the time they "
		     "had waited), <= an upper bound (an index over a control that was itself blocked). Stall index: a probe's statistic over the control probe's in the same boot. "
		     "Per kernel: the geometric mean of the runs' indices with a Student-t interval on the log "
		     "scale; reproduced when the whole interval is above %gx, none when wholly below (%d runs or "
		     "more). Comparisons (%s basis, %d runs a side or more): medians with a 95%% bootstrap CI, ratio of "
		     "medians to the baseline with its CI, two-sided Mann-Whitney p; regressed: ratio CI above "
		     "%.2fx and p <= level; improved: below %.2fx and p <= level; no change: the whole CI inside "
		     "%.2fx-%.2fx; else inconclusive.",
		     r->inversion_threshold, KV_MIN_RUNS, summary_basis_names[r->basis], KV_MIN_RUNS, up, 1 / up, 1 / up,
		     up);
	if (n >= len)
		return;
	if (r->seq_max) {
		unsigned int first = SEQ_FIRST;

		while (first < r->seq_max && !(s->seq_levels[first] > 0))
			first++;
		snprintf(buf + n, len - n,
			 " Sequential (--reps auto:%u): looks after 3 to %u runs a side; level %.4f at the first "
			 "look that can reject (a complete separation), %.4f at each later one, so that when the "
			 "variants do not differ a probe's comparison rejects at some look with probability %.3f "
			 "(simulated over rank orders for equal runs a side; alpha %g).%s",
			 r->seq_max, r->seq_max, s->seq_levels[first], s->seq_levels[r->seq_max],
			 s->seq_total, r->cmp.alpha,
			 s->rs->nr_variants == 1 ? " One kernel alone: its interval is widened for the looks "
						   "(Bonferroni)." : "");
	} else {
		snprintf(buf + n, len - n, " Level: alpha %g.", r->cmp.alpha);
	}
}

/* ---- text helpers ---- */

void report_puts_trimmed(FILE *f, char *line)
{
	size_t n = strlen(line);

	while (n && line[n - 1] == ' ')
		line[--n] = '\0';
	fprintf(f, "%s\n", line);
}

/* ---- where the time went ---- */

/* The phases of a run in time order, what reports call them, and where each is read. */
enum phase_src { FROM_VM, FROM_GUEST, COMPUTED };
static const struct {
	const char *key;	/* in "time_spent.phases" */
	enum phase_src src;
	size_t vm_off;		/* FROM_VM: the field of struct vm_result_timings */
	enum result_phase guest;	/* FROM_GUEST: the phase of the result's own timings */
} time_phases[] = {
	{ "prepare_s", FROM_VM, offsetof(struct vm_result_timings, prepare_s), 0 },
	{ "boot_s", FROM_VM, offsetof(struct vm_result_timings, boot_s), 0 },
	{ "setup_s", FROM_GUEST, 0, RESULT_PH_SETUP },
	{ "device_baseline_s", FROM_GUEST, 0, RESULT_PH_BASELINE },
	{ "warmup_s", FROM_GUEST, 0, RESULT_PH_WARMUP },
	{ "window_s", FROM_GUEST, 0, RESULT_PH_WINDOW },
	{ "drain_s", FROM_GUEST, 0, RESULT_PH_DRAIN },
	{ "guest_teardown_s", FROM_GUEST, 0, RESULT_PH_TEARDOWN },
	{ "guest_other_s", COMPUTED, 0, 0 },	/* the guest command's run beyond its phases: start-up, exit */
	/* the command's exit to QEMU's: sending /out, power off */
	{ "results_s", FROM_VM, offsetof(struct vm_result_timings, teardown_s), 0 },
	{ "collect_s", FROM_VM, offsetof(struct vm_result_timings, collect_s), 0 },
	{ "other_s", COMPUTED, 0, 0 },	/* what the clocks leave: the host's and guest's marks differ */
};

/* A stored time, 0 when null or absent (NAN in the typed result). */
static double secs(double v)
{
	return isnan(v) ? 0 : v;
}

json_t *report_time_spent(const struct summary *s)
{
	const struct runset *rs = s->rs;
	double sum[ARRAY_SIZE(time_phases)] = { 0 }, total = 0, over = 0, known;
	json_t *root, *phases = json_object(), *hosts = json_object();
	size_t i, p, n = 0, nover = 0, baselines = 0;
	int jobs = 0;

	for (i = 0; i < rs->nr_runs; i++) {
		const struct run_result *r = &rs->runs[i].res;
		const struct vm_result_timings *vt = &r->vm.t;
		const char *host = rs->runs[i].host ?: "unknown";
		double run_total, guest = 0;

		if (!r->vm.present || !vt->present || isnan(vt->wall_s))
			continue;
		n++;
		run_total = secs(vt->prepare_s) + vt->wall_s;
		known = 0;
		for (p = 0; p < ARRAY_SIZE(time_phases); p++) {
			double v = 0;

			if (time_phases[p].src == FROM_VM) {
				v = secs(*(const double *)((const char *)vt + time_phases[p].vm_off));
			} else if (time_phases[p].src == FROM_GUEST) {
				if (r->timings.present && r->timings.t.known[time_phases[p].guest])
					v = r->timings.t.s[time_phases[p].guest];
				guest += v;
			} else if (!strcmp(time_phases[p].key, "guest_other_s")) {
				v = isnan(vt->guest_run_s) ? 0 : vt->guest_run_s - guest;
			} else {
				v = run_total - known;
			}
			sum[p] += v;
			known += v;
		}
		total += run_total;
		if (!isnan(vt->overhead_s)) {
			over += vt->overhead_s;
			nover++;
		}
		baselines += r->timings.present && r->timings.t.known[RESULT_PH_BASELINE] &&
			     r->timings.t.s[RESULT_PH_BASELINE] > 0;
		if (r->vm.parallel_guests > jobs)
			jobs = r->vm.parallel_guests;
		json_object_set_new(hosts, host, json_integer(json_integer_value(json_object_get(hosts, host)) + 1));
	}
	if (!n) {
		json_decref(phases);
		json_decref(hosts);
		return NULL;
	}
	for (p = 0; p < ARRAY_SIZE(time_phases); p++)
		json_object_set_new(phases, time_phases[p].key, json_real(round(sum[p] * 1e3) / 1e3));
	root = json_object();
	json_object_set_new(root, "runs", json_integer((json_int_t)n));
	json_object_set_new(root, "total_s", json_real(round(total * 1e3) / 1e3));
	json_object_set_new(root, "measurement_s", json_real(round((sum[4] + sum[5]) * 1e3) / 1e3));
	json_object_set_new(root, "measurement_share", json_real(total > 0 ? (sum[4] + sum[5]) / total : 0));
	json_object_set_new(root, "overhead_s_mean", nover ? json_real(round(over / nover * 1e3) / 1e3) : json_null());
	json_object_set_new(root, "device_baselines", json_integer((json_int_t)baselines));
	json_object_set_new(root, "parallel_guests", jobs ? json_integer((json_int_t)jobs) : json_null());
	json_object_set_new(root, "hosts", hosts);
	json_object_set_new(root, "phases", phases);
	return root;
}
