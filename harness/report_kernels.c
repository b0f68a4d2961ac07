// SPDX-License-Identifier: GPL-2.0
/*
 * Where the inversion lives: each kernel's own verdict, per scenario and
 * lock probe, from one or more results directories -- each directory its
 * own experiment, judged on its own and never pooled with another
 * ('mmstall report --format kernels DIR...', the default ./run.sh job).
 */
#include <string.h>

#include "harness/report.h"
#include "harness/report_common.h"
#include "harness/util.h"

#define COLS 100

static const char *verdict_text(const struct kcell *k)
{
	if (!k->applies)
		return "(no mmap_lock wait on this kernel)";
	if (k->index->n && !k->has_ci)
		return "(too few runs for a verdict)";
	return kernel_verdict_name(k->verdict);
}

static void rows(FILE *f, const struct summary *s)
{
	const struct run_result *any = summary_result(s, 0);
	const char *scen = any ? any->scenario_name : NULL;
	char line[320], med[32], ci[80], lo[32], hi[32];
	size_t v, p;

	for (v = 0; v < s->rs->nr_variants; v++) {
		const struct run_result *r = summary_result(s, v);
		const char *rel = r->kernel_release ?: r->vm.kernel_release ?: "?";

		if (!s->ok[v]) {
			snprintf(line, sizeof(line), "%-15.15s %-9.9s %-28.28s could not test (0 of %zu runs ok)",
				 scen ?: "?", s->rs->variants[v], rel, s->runs[v]);
			report_puts_trimmed(f, line);
			continue;
		}
		for (p = 0; p < s->nr_probes; p++) {
			const struct kcell *k = summary_kcell(s, v, p);

			if (!k->lock_probe)
				continue;
			ci[0] = '\0';
			if (k->has_ci) {
				report_bounded(med, sizeof(med), BASIS_INDEX, k->ci.est, k->index->censored,
					       k->index->capped);
				report_value(lo, sizeof(lo), BASIS_INDEX, k->ci.lo, false);
				report_value(hi, sizeof(hi), BASIS_INDEX, k->ci.hi, false);
				snprintf(ci, sizeof(ci), "%s-%s", lo, hi);
			} else {
				report_cell_median(med, sizeof(med), BASIS_INDEX, k->index);
			}
			snprintf(line, sizeof(line), "%-15.15s %-9.9s %-28.28s %-13.13s %2zu/%-2zu %8s %-18s %s", scen ?: "?",
				 s->rs->variants[v], rel, s->probes[p].name, k->index->n, s->runs[v], med, ci,
				 verdict_text(k));
			report_puts_trimmed(f, line);
		}
	}
}

/* "dirty-throttle: reproduced on 6.1 (maps, cmdline), 6.12 (cmdline); none on 7.3" */
static void scenario_line(FILE *f, const struct summary *s)
{
	static const enum kernel_verdict want[] = { KV_REPRODUCED, KV_NONE, KV_INCONCLUSIVE, KV_UNTESTABLE };
	static const char *const word[] = { "reproduced on", "none on", "inconclusive on", "could not test" };
	const struct run_result *any = summary_result(s, 0);
	bool said = false;
	char text[1024], probes[256];
	size_t v, p, n = 0, w, m;

#define ADD(...) (n += n < sizeof(text) ? (size_t)snprintf(text + n, sizeof(text) - n, __VA_ARGS__) : 0)
	ADD("%s:", any && any->scenario_name ? any->scenario_name : "?");
	for (w = 0; w < ARRAY_SIZE(want); w++) {
		bool first = true;

		for (v = 0; v < s->rs->nr_variants; v++) {
			if (summary_kernel_verdict(s, v) != want[w])
				continue;
			if (first)
				ADD("%s%s %s", said ? "; " : " ", word[w], s->rs->variants[v]);
			else
				ADD(", %s", s->rs->variants[v]);
			first = false;
			if (want[w] != KV_REPRODUCED)
				continue;
			probes[0] = '\0';
			for (p = 0, m = 0; p < s->nr_probes && m < sizeof(probes); p++) {
				const struct kcell *k = summary_kcell(s, v, p);

				if (k->applies && k->verdict == KV_REPRODUCED)
					m += snprintf(probes + m, sizeof(probes) - m, "%s%s", m ? ", " : "",
						      s->probes[p].name);
			}
			ADD(" (%s)", probes);
		}
		said |= !first;
	}
#undef ADD
	report_wrap(f, "  ", 2, COLS, text);
}

static int render_many(FILE *f, const struct summary *const *s, size_t n)
{
	char line[320];
	size_t i;

	if (!n)
		return 0;
	fprintf(f, "Where the inversion lives (%s stall index: a probe's %s over the control's in the same boot;\n"
		   "index: the geometric mean of the runs'; reproduced when its whole 95%% CI is above %gx,\n"
		   "none when wholly below):\n",
		result_stats[s[0]->rule.stat].name, result_stats[s[0]->rule.stat].name,
		s[0]->rule.inversion_threshold);
	for (i = 0; i < n; i++)
		scenario_line(f, s[i]);
	fputc('\n', f);
	snprintf(line, sizeof(line), "%-15s %-9s %-28s %-13s %5s %8s %-18s %s", "scenario", "kernel", "release", "probe",
		 "runs", "index", "95% CI", "verdict");
	report_puts_trimmed(f, line);
	for (i = 0; i < n; i++)
		rows(f, s[i]);
	return 0;
}

static int render(FILE *f, const struct summary *s)
{
	return render_many(f, &s, 1);
}

const struct report_format report_kernels = {
	.name = "kernels",
	.help = "where the inversion lives: each kernel's own verdict per scenario and lock probe; several PATHs are "
	"separate experiments (one per scenario), each judged on its own",
	.render = render,
	.render_many = render_many,
};
