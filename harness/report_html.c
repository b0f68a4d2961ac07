// SPDX-License-Identifier: GPL-2.0
/*
 * The HTML report: one self-contained page (inline CSS and SVG, no script,
 * no font, no image, no external reference of any kind) that opens from
 * disk without a network.  The conclusion first and each kernel's own
 * verdict; then per probe: the comparison table on both bases, the stall
 * index of every boot as a dot per run (both variants, the threshold
 * drawn), the latency CDF of every variant (all successful runs' histogram
 * buckets merged) on a log latency axis with a "nines" percentile axis, a
 * dot plot of every repetition's latency statistic with the median and its
 * 95% interval, and a timeline of each run's slowest samples.  Then, with
 * attribute on, who held lo's mmap_lock: per variant the explained share and
 * a ranked bar per holder stack (plain HTML and CSS), the queued writers and
 * the limits of the tracepoints.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/report.h"
#include "harness/report_blame.h"
#include "harness/report_common.h"
#include "harness/slowest.h"
#include "harness/util.h"

#define PLOT_W 760
#define PLOT_H 300
#define ML 70	/* margins: left, right, top, bottom */
#define MR 45
#define MT 20
#define MB 40
#define NINES_MAX 4.0	/* the CDF's y axis ends at 99.99% */

static const char *const colors[] = { "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e",
				      "#8c564b", "#e377c2", "#17becf" };

static const char *color(size_t v)
{
	return colors[v % ARRAY_SIZE(colors)];
}

/* Text into HTML, attribute values (single or double quoted) included. */
static void esc(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		const char *e = *s == '<' ? "&lt;" : *s == '>' ? "&gt;" : *s == '&' ? "&amp;"
			      : *s == '"' ? "&quot;" : *s == '\'' ? "&#39;" : NULL;

		if (e)
			fputs(e, f);
		else
			fputc(*s, f);
	}
}

/* ---- the latency CDF ---- */

struct cdf_pt {
	double x, y;	/* latency ns (bucket's upper bound), fraction <= x */
};

static int cmp_bucket(const void *a, const void *b)
{
	const double *x = a, *y = b;

	return (x[0] > y[0]) - (x[0] < y[0]);
}

/*
 * Merge the corrected-latency buckets of every successful run of variant v
 * into (upper bound, cumulative fraction) points.  Returns the number of
 * points (caller frees *out), 0 when there is no data.
 */
static size_t variant_cdf(const struct summary *s, size_t v, size_t p, struct cdf_pt **out)
{
	double *b = NULL, total = 0, cum = 0;	/* triples: lo, hi, count */
	size_t nb = 0, i, j, k, n = 0;
	struct cdf_pt *pts;

	for (i = 0; i < s->rs->nr_runs; i++) {
		const struct run *r = &s->rs->runs[i];
		const struct probe_result *pr;

		if (r->variant != (int)v || !r->ok || !(pr = result_probe(&r->res, s->probes[p].name)))
			continue;
		b = xrealloc(b, (nb + pr->corrected.nr_buckets) * 3 * sizeof(*b));
		for (j = 0; j < pr->corrected.nr_buckets; j++, nb++) {
			b[nb * 3] = (double)pr->corrected.buckets[j].lo_ns;
			b[nb * 3 + 1] = (double)pr->corrected.buckets[j].hi_ns;
			b[nb * 3 + 2] = (double)pr->corrected.buckets[j].count;
			total += b[nb * 3 + 2];
		}
	}
	*out = NULL;
	if (!nb || total <= 0) {
		free(b);
		return 0;
	}
	qsort(b, nb, 3 * sizeof(*b), cmp_bucket);
	pts = xcalloc(nb + 1, sizeof(*pts));
	/* the same bucket from several runs: one point */
	for (k = 0; k < nb; k++) {
		cum += b[k * 3 + 2];
		if (n && pts[n - 1].x == fmax(b[k * 3 + 1], 1))
			n--;
		pts[n++] = (struct cdf_pt){ fmax(b[k * 3 + 1], 1), cum / total };
	}
	free(b);
	*out = pts;
	return n;
}

/* y of a cumulative fraction on the nines scale: 0 -> 0, 0.9 -> 1, 0.99 -> 2... */
static double nines(double frac)
{
	double t = 1 - frac;

	return t <= pow(10, -NINES_MAX) ? NINES_MAX : -log10(t);
}

static void axis_log_x(FILE *f, double lx0, double lx1, int w, int h)
{
	double d;
	int e;

	for (e = (int)floor(lx0); e <= (int)ceil(lx1); e++) {
		char lab[16];

		d = ML + (e - lx0) / (lx1 - lx0) * (w - ML - MR);
		if (d < ML - 0.5 || d > w - MR + 0.5)
			continue;
		fmt_ns(lab, sizeof(lab), pow(10, e));
		fprintf(f, "<line x1='%.1f' y1='%d' x2='%.1f' y2='%d' class='grid'/>"
			   "<text x='%.1f' y='%d' class='tick' text-anchor='middle'>%s</text>\n",
			d, MT, d, h - MB, d, h - MB + 16, lab);
	}
}

static void cdf_plot(FILE *f, const struct summary *s, size_t p)
{
	static const char *const ylab[] = { "0%", "90%", "99%", "99.9%", "99.99%" };
	struct cdf_pt *pts[64] = { 0 };
	size_t npts[64] = { 0 }, v, i, nv = s->rs->nr_variants < 64 ? s->rs->nr_variants : 64;
	double xmin = INFINITY, xmax = 0, lx0, lx1;
	int k;

	for (v = 0; v < nv; v++) {
		npts[v] = variant_cdf(s, v, p, &pts[v]);
		for (i = 0; i < npts[v]; i++) {
			xmin = fmin(xmin, pts[v][i].x);
			xmax = fmax(xmax, pts[v][i].x);
		}
	}
	if (!(xmax > 0)) {
		fprintf(f, "<p>No latency samples for a CDF.</p>\n");
		return;
	}
	lx0 = floor(log10(xmin));
	lx1 = ceil(log10(xmax));
	if (lx1 <= lx0)
		lx1 = lx0 + 1;
	fprintf(f, "<svg class='plot cdf' width='%d' height='%d' "
		   "viewBox='0 0 %d %d' role='img' aria-label='latency CDF'>\n",
		PLOT_W, PLOT_H, PLOT_W, PLOT_H);
	fprintf(f, "<rect x='%d' y='%d' width='%d' height='%d' class='frame'/>\n", ML, MT, PLOT_W - ML - MR,
		PLOT_H - MT - MB);
	axis_log_x(f, lx0, lx1, PLOT_W, PLOT_H);
	for (k = 0; k <= (int)NINES_MAX; k++) {
		double y = PLOT_H - MB - k / NINES_MAX * (PLOT_H - MT - MB);

		fprintf(f, "<line x1='%d' y1='%.1f' x2='%d' y2='%.1f' class='grid'/>"
			   "<text x='%d' y='%.1f' class='tick' text-anchor='end'>%s</text>\n",
			ML, y, PLOT_W - MR, y, ML - 6, y + 4, ylab[k]);
	}
	for (v = 0; v < nv; v++) {
		if (!npts[v])
			continue;
		fprintf(f, "<polyline class='cdf-line' fill='none' stroke='%s' stroke-width='2' points='", color(v));
		for (i = 0; i < npts[v]; i++) {
			double x = ML + (log10(pts[v][i].x) - lx0) / (lx1 - lx0) * (PLOT_W - ML - MR);
			double y = PLOT_H - MB - nines(pts[v][i].y) / NINES_MAX * (PLOT_H - MT - MB);

			fprintf(f, "%.1f,%.1f ", x, y);
		}
		fprintf(f, "'/>\n");
		fprintf(f, "<text x='%d' y='%zu' class='legend' fill='%s'>", ML + 10, MT + 16 + 16 * v, color(v));
		esc(f, s->rs->variants[v]);
		fprintf(f, "</text>\n");
		free(pts[v]);
	}
	fprintf(f, "<text x='%d' y='%d' class='axis' text-anchor='middle'>latency (log scale)</text>\n",
		(PLOT_W + ML) / 2, PLOT_H - 6);
	fprintf(f, "<text x='14' y='%d' class='axis' transform='rotate(-90 14 %d)' text-anchor='middle'>"
		   "fraction of samples at or below</text>\n</svg>\n", PLOT_H / 2, PLOT_H / 2);
}

/* ---- the per-repetition dot plot of one statistic ---- */

static void dot_plot(FILE *f, const struct summary *s, enum summary_basis b, size_t p, int st)
{
	size_t v, i, nv = s->rs->nr_variants;
	int row = 34, h = MT + MB + row * (int)nv;
	double xmax = b == BASIS_INDEX ? s->rule.inversion_threshold : 0;

	for (v = 0; v < nv; v++) {
		const struct cell *c = summary_cell(s, b, v, p, st);

		for (i = 0; i < c->n; i++)
			xmax = fmax(xmax, c->vals[i]);
		if (c->n)
			xmax = fmax(xmax, c->med.hi);
	}
	if (!(xmax > 0)) {
		fprintf(f, "<p>No %s values to plot.</p>\n", result_stats[st].name);
		return;
	}
	xmax *= 1.1;
	fprintf(f, "<svg class='plot dots' width='%d' height='%d' "
		   "viewBox='0 0 %d %d' role='img' aria-label='%s %s per repetition'>\n",
		PLOT_W, h, PLOT_W, h, result_stats[st].name, b == BASIS_INDEX ? "stall index" : "latency");
	fprintf(f, "<rect x='%d' y='%d' width='%d' height='%d' class='frame'/>\n", ML + 40, MT,
		PLOT_W - ML - 40 - MR, h - MT - MB);
	for (i = 0; i <= 5; i++) {
		double x = ML + 40 + i / 5.0 * (PLOT_W - ML - 40 - MR);
		char lab[16];

		report_value(lab, sizeof(lab), b, xmax * i / 5, false);
		fprintf(f, "<line x1='%.1f' y1='%d' x2='%.1f' y2='%d' class='grid'/>"
			   "<text x='%.1f' y='%d' class='tick' text-anchor='middle'>%s</text>\n",
			x, MT, x, h - MB, x, h - MB + 16, lab);
	}
#define X(ns) (ML + 40 + (ns) / xmax * (PLOT_W - ML - 40 - MR))
	if (b == BASIS_INDEX)
		fprintf(f, "<line class='threshold' x1='%.1f' y1='%d' x2='%.1f' y2='%d' stroke='#b00' "
			   "stroke-dasharray='4 3'/><text x='%.1f' y='%d' class='tick' fill='#b00'>threshold %gx</text>\n",
			X(s->rule.inversion_threshold), MT, X(s->rule.inversion_threshold), h - MB,
			X(s->rule.inversion_threshold) + 4, MT + 12, s->rule.inversion_threshold);
	for (v = 0; v < nv; v++) {
		const struct cell *c = summary_cell(s, b, v, p, st);
		int y = MT + row / 2 + row * (int)v;

		fprintf(f, "<text x='%d' y='%d' class='tick' text-anchor='end'>", ML + 34, y + 4);
		esc(f, s->rs->variants[v]);
		fprintf(f, "</text>\n");
		if (!c->n)
			continue;
		fprintf(f, "<line class='ci' x1='%.1f' y1='%d' x2='%.1f' y2='%d' stroke='%s' stroke-width='6' "
			   "stroke-opacity='0.3'/>\n", X(c->med.lo), y, X(c->med.hi), y, color(v));
		fprintf(f, "<line class='median' x1='%.1f' y1='%d' x2='%.1f' y2='%d' stroke='%s' "
			   "stroke-width='3'/>\n", X(c->med.est), y - 11, X(c->med.est), y + 11, color(v));
		for (i = 0; i < c->n; i++) {
			char val[32];

			report_value(val, sizeof(val), b, c->vals[i], c->lower[i]);
			fprintf(f, "<circle class='rep' cx='%.1f' cy='%d' r='4' fill='%s'><title>rep %d: %s"
				   "</title></circle>\n", X(c->vals[i]), y + (int)(i % 3) * 3 - 3, color(v),
				c->reps[i], val);
		}
	}
#undef X
	fprintf(f, "<text x='%d' y='%d' class='axis' text-anchor='middle'>%s %s of each boot "
		   "(dots), median (bar) and its 95%% CI (band)</text>\n</svg>\n",
		(PLOT_W + ML) / 2, h - 6, result_stats[st].name, b == BASIS_INDEX ? "stall index" : "latency");
}

/* ---- the timeline of the slowest samples ---- */

struct tl_pt {
	double t, lat, svc;	/* s into the measured window; corrected and service latency, ns */
	int rep, thread;
};

/*
 * The stored "slowest" samples of probe p in every successful run of
 * variant v.  Returns how many (caller frees *out); *tmax grows to the
 * longest measured window.  Runs without "slowest" (older results) add none.
 */
static size_t variant_slowest(const struct summary *s, size_t v, size_t p, struct tl_pt **out, double *tmax,
			      bool *any)
{
	struct tl_pt *pts = NULL;
	size_t n = 0, i, j;

	for (i = 0; i < s->rs->nr_runs; i++) {
		const struct run *r = &s->rs->runs[i];
		const struct probe_result *pr;

		if (r->variant != (int)v || !r->ok || !(pr = result_probe(&r->res, s->probes[p].name)) ||
		    !pr->has_slowest)
			continue;
		*any = true;
		*tmax = fmax(*tmax, r->res.duration_ns / 1e9);
		for (j = 0; j < pr->nr_slowest; j++) {
			const struct slow_rec *e = &pr->slowest[j];
			struct tl_pt x = { e->t_s, e->corrected_ns, e->service_ns, r->rep, e->thread };

			if (!(x.lat > 0) || !(x.t >= 0))
				continue;
			pts = xrealloc(pts, (n + 1) * sizeof(*pts));
			pts[n++] = x;
			*tmax = fmax(*tmax, x.t);
		}
	}
	*out = pts;
	return n;
}
/* One marker shape per variant, so variants differ without colour too. */
static void marker(FILE *f, size_t v, double x, double y, const char *c)
{
	switch (v % 5) {
	case 0:
		fprintf(f, "<circle cx='%.1f' cy='%.1f' r='3.5'", x, y);
		break;
	case 1:
		fprintf(f, "<rect x='%.1f' y='%.1f' width='7' height='7'", x - 3.5, y - 3.5);
		break;
	case 2:
		fprintf(f, "<path d='M%.1f %.1fl4 7h-8z'", x, y - 4.5);
		break;
	case 3:
		fprintf(f, "<path d='M%.1f %.1fl4.5 4.5l-4.5 4.5l-4.5 -4.5z'", x, y - 4.5);
		break;
	default:
		fprintf(f, "<path d='M%.1f %.1fl4 -7h-8z'", x, y + 4.5);
		break;
	}
	fprintf(f, " class='tl-pt' fill='%s' fill-opacity='0.55' stroke='%s'", c, c);
}

/* A round tick value in scaled units, short: "20ms", "1s", "500us". */
static void tick_ns(char *buf, size_t len, double ns)
{
	static const struct {
		double div;
		const char *unit;
	} u[] = { { 1e9, "s" }, { 1e6, "ms" }, { 1e3, "us" }, { 1, "ns" } };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(u) - 1 && ns < u[i].div * 0.9995; i++)
		;
	snprintf(buf, len, "%.3g%s", ns / u[i].div, u[i].unit);
}

/* A "nice" step for about n ticks over span. */
static double nice_step(double span, int n)
{
	double raw = span / n, mag = pow(10, floor(log10(raw))), r = raw / mag;

	return (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * mag;
}

static void timeline_plot(FILE *f, const struct summary *s, size_t p)
{
	struct tl_pt *pts[64] = { 0 };
	size_t npts[64] = { 0 }, v, i, nv = s->rs->nr_variants < 64 ? s->rs->nr_variants : 64, total = 0;
	double ymin = INFINITY, ymax = 0, tmax = 0, ly0, ly1, step, t, lx;
	/* the legend gets a band of its own above the frame: no point hides under it */
	int mt = MT + 20, pw = PLOT_W - ML - MR, ph = PLOT_H - mt - MB, e;
	bool any = false, has[64] = { false };

	for (v = 0; v < nv; v++) {
		npts[v] = variant_slowest(s, v, p, &pts[v], &tmax, &has[v]);
		any |= has[v];
		total += npts[v];
		for (i = 0; i < npts[v]; i++) {
			ymin = fmin(ymin, pts[v][i].lat);
			ymax = fmax(ymax, pts[v][i].lat);
		}
	}
	if (!total) {
		fprintf(f, "<p class='no-times'>%s</p>\n",
			any ? "No slow samples stored for this probe (it took no samples)."
			    : "No sample times stored: these results were written by an mmstall that kept none "
			      "(the <code>slowest</code> field).");
		for (v = 0; v < nv; v++)
			free(pts[v]);
		return;
	}
	ly0 = floor(log10(ymin));
	ly1 = ceil(log10(ymax));
	if (ly1 <= ly0)
		ly1 = ly0 + 1;
	if (!(tmax > 0))
		tmax = 1;
	fprintf(f, "<svg class='plot timeline' width='%d' height='%d' viewBox='0 0 %d %d' role='img' "
		   "aria-label='timeline of the slowest samples'>\n", PLOT_W, PLOT_H, PLOT_W, PLOT_H);
	fprintf(f, "<rect x='%d' y='%d' width='%d' height='%d' class='frame'/>\n", ML, mt, pw, ph);
#define TX(t) (ML + (t) / tmax * pw)
#define TY(ns) (PLOT_H - MB - (log10(ns) - ly0) / (ly1 - ly0) * ph)
	/* y: powers of ten, with 2x and 5x between them when the range is narrow */
	for (e = (int)ly0; e <= (int)ly1; e++) {
		static const double mult[] = { 1, 2, 5 };

		for (i = 0; i < (ly1 - ly0 <= 2 ? 3u : 1u); i++) {
			double ns = mult[i] * pow(10, e), y;
			char lab[16];

			if (log10(ns) > ly1 + 1e-9)
				break;
			y = TY(ns);
			tick_ns(lab, sizeof(lab), ns);
			fprintf(f, "<line x1='%d' y1='%.1f' x2='%d' y2='%.1f' class='grid'/>"
				   "<text x='%d' y='%.1f' class='tick' text-anchor='end'>%s</text>\n",
				ML, y, PLOT_W - MR, y, ML - 6, y + 4, lab);
		}
	}
	step = nice_step(tmax, 8);
	for (t = 0; t <= tmax * (1 + 1e-9); t += step)
		fprintf(f, "<line x1='%.1f' y1='%d' x2='%.1f' y2='%d' class='grid'/>"
			   "<text x='%.1f' y='%d' class='tick' text-anchor='middle'>%g s</text>\n",
			TX(t), mt, TX(t), PLOT_H - MB, TX(t), PLOT_H - MB + 16, t);
	for (v = 0; v < nv; v++) {
		for (i = 0; i < npts[v]; i++) {
			char lat[16], svc[16];

			fmt_ns(lat, sizeof(lat), pts[v][i].lat);
			fmt_ns(svc, sizeof(svc), pts[v][i].svc);
			marker(f, v, TX(pts[v][i].t), TY(pts[v][i].lat), color(v));
			fprintf(f, "><title>");
			esc(f, s->rs->variants[v]);
			fprintf(f, " rep %d, thread %d: at %.3f s, %s (operation %s)</title>",
				pts[v][i].rep, pts[v][i].thread, pts[v][i].t, lat, svc);
			fprintf(f, "</%s>\n", v % 5 == 0 ? "circle" : v % 5 == 1 ? "rect" : "path");
		}
	}
	/* legend, in one row above the frame: marker, name, samples shown */
	for (v = 0, lx = ML + 6; v < nv; v++) {
		char note[48];

		if (has[v])
			snprintf(note, sizeof(note), " (%zu)", npts[v]);
		else
			snprintf(note, sizeof(note), " (no sample times stored)");
		marker(f, v, lx, MT + 6, color(v));
		fprintf(f, "/><text x='%.1f' y='%d' class='legend' fill='%s'>", lx + 9, MT + 11, color(v));
		esc(f, s->rs->variants[v]);
		fprintf(f, "%s</text>\n", note);
		lx += 9 + 8.0 * (strlen(s->rs->variants[v]) + strlen(note)) + 18;
		free(pts[v]);
	}
#undef TX
#undef TY
	fprintf(f, "<text x='%d' y='%d' class='axis' text-anchor='middle'>time into the measured window "
		   "(due time of the sample)</text>\n", (PLOT_W + ML) / 2, PLOT_H - 6);
	fprintf(f, "<text x='14' y='%d' class='axis' transform='rotate(-90 14 %d)' text-anchor='middle'>"
		   "corrected latency (log scale)</text>\n</svg>\n", PLOT_H / 2, PLOT_H / 2);
}

/* ---- who held lo's mmap_lock: a ranked bar per holder stack ---- */

static void emit_li(void *arg, const char *line)
{
	fprintf(arg, "<li>");
	esc(arg, line);
	fprintf(arg, "</li>\n");
}

#define HTML_TOP_HOLDERS 12
#define HTML_TOP_WRITERS 5

static void frames_html(FILE *f, const char *const *frames, size_t n)
{
	size_t i;

	if (!n) {
		fprintf(f, "(no stack)");
		return;
	}
	for (i = 0; i < n; i++) {
		if (i)
			fprintf(f, " &lt;- ");
		esc(f, frames[i]);
	}
}

static void bar(FILE *f, size_t v, uint64_t part, uint64_t whole)
{
	char share[16];

	report_share(share, sizeof(share), blame_share(part, whole));
	fprintf(f, "<div class='track'><div class='bar' style='width:%.2f%%;background:%s'></div></div>"
		   "<div class='val'>%s", 100 * blame_share(part, whole), color(v), share);
}

static void holder_bars(FILE *f, size_t v, const struct blame *b)
{
	size_t i, n = b->nr_holders < HTML_TOP_HOLDERS ? b->nr_holders : HTML_TOP_HOLDERS;
	uint64_t rest = 0;
	char t[32];

	if (!b->nr_holders)
		return;
	fprintf(f, "<div class='bars'>\n");
	for (i = 0; i < n; i++) {
		const struct blame_holder *h = &b->holders[i];

		fprintf(f, "<div class='row'><div class='lab'><b>");
		esc(f, h->thread ?: "?");
		fprintf(f, " ");
		esc(f, h->mode ?: "?");
		fprintf(f, ", ");
		esc(f, h->call ?: "call not known");
		fprintf(f, ", ");
		esc(f, h->state ?: "?");
		fprintf(f, "</b><br><code>");
		frames_html(f, h->frames, h->nr_frames);
		fprintf(f, "</code></div>");
		bar(f, v, h->stall_ns, b->total.wait_ns);
		fmt_ns(t, sizeof(t), (double)h->stall_ns);
		fprintf(f, "<br>%s, %" PRIu64 " wait%s, %zu/%zu runs</div></div>\n", t, h->waits,
			h->waits == 1 ? "" : "s", h->runs, b->runs_traced);
	}
	for (; i < b->nr_holders; i++)
		rest += b->holders[i].stall_ns;
	if (rest) {
		fprintf(f, "<div class='row'><div class='lab'>%zu more holder stacks</div>", b->nr_holders - n);
		bar(f, v, rest, b->total.wait_ns);
		fmt_ns(t, sizeof(t), (double)rest);
		fprintf(f, "<br>%s</div></div>\n", t);
	}
	fprintf(f, "</div>\n");
}

static void writer_table(FILE *f, const struct blame *b)
{
	size_t i, n = b->nr_writers < HTML_TOP_WRITERS ? b->nr_writers : HTML_TOP_WRITERS;

	if (!b->nr_writers)
		return;
	fprintf(f, "<p>Writers queued while hi waited (hi's wait time meanwhile):</p>\n<table class='writers'><tr>"
		   "<th>stall</th><th>share</th><th>runs</th><th>waits</th><th>requests</th><th>call</th>"
		   "<th>stack</th></tr>\n");
	for (i = 0; i < n; i++) {
		const struct blame_writer *w = &b->writers[i];
		char t[32], share[16];

		fmt_ns(t, sizeof(t), (double)w->stall_ns);
		report_share(share, sizeof(share), blame_share(w->stall_ns, b->total.wait_ns));
		fprintf(f, "<tr><td>%s</td><td>%s</td><td>%zu/%zu</td><td>%" PRIu64 "</td><td>%" PRIu64 "</td><td>", t,
			share, w->runs, b->runs_traced, w->waits, w->requests);
		esc(f, w->call ?: "not known");
		fprintf(f, "</td><td class='stack'><code>");
		frames_html(f, w->frames, w->nr_frames);
		fprintf(f, "</code></td></tr>\n");
	}
	fprintf(f, "</table>\n");
	if (b->nr_writers > n)
		fprintf(f, "<p>and %zu more writer stacks (summary.json has them all).</p>\n", b->nr_writers - n);
}

static void blame_section(FILE *f, const struct summary *s)
{
	size_t v;

	if (!s->has_blame)
		return;
	fprintf(f, "<h2 id='blame'>Who held lo's mmap_lock</h2>\n<p>");
	esc(f, report_blame_legend);
	fprintf(f, " A bar is a holder stack's share of hi's wait time; stacks innermost frame first.</p>\n");
	for (v = 0; v < s->rs->nr_variants; v++) {
		const struct blame *b = summary_blame(s, v);

		fprintf(f, "<h3 style='color:%s'>", color(v));
		esc(f, s->rs->variants[v]);
		fprintf(f, "</h3>\n<ul class='blame'>\n");
		report_blame_lines(s, v, emit_li, f);
		fprintf(f, "</ul>\n");
		if (!b)
			continue;
		holder_bars(f, v, b);
		writer_table(f, b);
	}
	fprintf(f, "<h3>Limits of the mmap_lock tracepoints</h3>\n<ul class='limits'>\n");
	report_blame_limits(s, emit_li, f);
	fprintf(f, "</ul>\n");
}

/* ---- the page ---- */

static void table(FILE *f, const struct summary *s, size_t p)
{
	static const char *const head[] = { "stall index", "latency" };
	size_t v;
	int st, b;

	fprintf(f, "<table><tr><th rowspan='2'>stat</th><th rowspan='2'>variant</th><th rowspan='2'>runs</th>");
	for (b = 0; b < NR_BASES; b++)
		fprintf(f, "<th colspan='6'>%s%s</th>", head[b], b == (int)s->rule.basis ? " (the verdict's basis)" : "");
	fprintf(f, "</tr>\n<tr>");
	for (b = 0; b < NR_BASES; b++)
		fprintf(f, "<th>median</th><th>95%% CI</th><th>ratio</th><th>95%% CI</th><th>p</th><th>verdict</th>");
	fprintf(f, "</tr>\n");
	for (st = 0; st < RESULT_NR_STATS; st++) {
		for (v = 0; v < s->rs->nr_variants; v++) {
			fprintf(f, "<tr><td>%s</td><td style='color:%s'>", result_stats[st].name, color(v));
			esc(f, s->rs->variants[v]);
			fprintf(f, "</td><td>%zu/%zu</td>", summary_cell(s, BASIS_ABSOLUTE, v, p, st)->n, s->runs[v]);
			for (b = 0; b < NR_BASES; b++) {
				const struct cell *c = summary_cell(s, b, v, p, st);
				char med[32], ci[80];

				if (b == BASIS_INDEX && (int)p == s->control) {
					fprintf(f, "<td colspan='6'>the control itself</td>");
					continue;
				}
				report_cell_median(med, sizeof(med), b, c);
				report_cell_ci(ci, sizeof(ci), b, c);
				fprintf(f, "<td>%s</td><td>%s</td>", med, ci);
				if (c->cmp)
					fprintf(f, "<td>%.2fx</td><td>%.2fx&ndash;%.2fx</td><td>%.3f</td>", c->ratio.est,
						c->ratio.lo, c->ratio.hi, c->mw.p);
				else
					fprintf(f, "<td></td><td></td><td></td>");
				fprintf(f, "<td class='v-%s'>%s</td>",
					c->verdict == VERDICT_REGRESSED ? "bad" : c->verdict == VERDICT_IMPROVED ? "good" : "",
					c->n || (int)v == s->baseline ? report_verdict_word(s, v, c) : "");
			}
			fprintf(f, "</tr>\n");
		}
	}
	fprintf(f, "</table>\n");
}

static void identity(FILE *f, const struct summary *s)
{
	size_t v, i;

	fprintf(f, "<table><tr><th>variant</th><th>kernel</th><th>runs ok</th><th>inversion</th><th>machine</th>"
		   "<th>accelerator</th></tr>\n");
	for (v = 0; v < s->rs->nr_variants; v++) {
		fprintf(f, "<tr><td style='color:%s'>", color(v));
		esc(f, s->rs->variants[v]);
		fprintf(f, "%s</td><td>", (int)v == s->baseline ? " (baseline)" : "");
		esc(f, summary_kernel_desc(s, v));
		fprintf(f, "</td><td>%zu of %zu</td><td>%s</td><td>", s->ok[v], s->runs[v],
			kernel_verdict_name(summary_kernel_verdict(s, v)));
		esc(f, summary_host_desc(s, v));
		fprintf(f, "</td><td>");
		esc(f, summary_accel_desc(s, v));
		fprintf(f, "</td></tr>\n");
	}
	fprintf(f, "</table>\n");
	for (i = 0; i < s->rs->nr_runs; i++) {
		const struct run *r = &s->rs->runs[i];

		if (r->ok)
			continue;
		fprintf(f, "<p class='failed'>failed: ");
		esc(f, s->rs->variants[r->variant]);
		fprintf(f, " repetition %d: <code>", r->rep);
		esc(f, r->error ?: r->res.status == RUN_RUNNING ? "the run never finished (status running)"
								 : "no reason recorded");
		fprintf(f, "</code></p>\n");
	}
}


static int render(FILE *f, const struct summary *s)
{
	const struct run_result *base = summary_result(s, s->baseline);
	char scj[2048], rule[2048];
	size_t p, i;

	fprintf(f, "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>\n"
		   "<title>mmstall comparison</title>\n<style>\n"
		   "body{font-family:sans-serif;margin:1.5em;color:#222;max-width:1100px}\n"
		   "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;"
		   "padding:2px 8px;text-align:right;font-size:13px}th{background:#f3f3f3}\n"
		   ".plot{display:block;margin:.5em 0}.frame{fill:none;stroke:#888}.grid{stroke:#e4e4e4}\n"
		   ".tick{font-size:11px;fill:#444}.axis{font-size:12px;fill:#222}.legend{font-size:13px;"
		   "font-weight:bold}\n.v-bad{color:#b00;font-weight:bold}.v-good{color:#070;font-weight:bold}\n"
		   ".failed{color:#b00}code{font-size:12px}.conclusion{background:#f6f6f0;border:1px solid #ddd;"
		   "padding:.3em 1em}\n"
		   ".bars{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr) 11em;gap:4px 10px;"
		   "align-items:center;margin:.5em 0}.row{display:contents}.lab{font-size:13px}"
		   ".lab code{color:#555}.track{background:#eee;height:16px}.bar{height:16px}"
		   ".val{font-size:12px}.writers td.stack{text-align:left}\n</style></head><body>\n");
	fprintf(f, "<h1>mmstall comparison</h1>\n<div class='conclusion'><h2>Conclusion</h2><ul>\n");
	report_conclusion(s, emit_li, f);
	fprintf(f, "</ul></div>\n");
	identity(f, s);
	report_scenario_text(base->scenario, scj, sizeof(scj));
	fprintf(f, "<p>Scenario: <code>");
	esc(f, scj);
	fprintf(f, "</code></p>\n<p>");
	report_rule_text(s, rule, sizeof(rule));
	esc(f, rule);
	fprintf(f, "</p>\n");
	for (p = 0; p < s->nr_probes; p++) {
		fprintf(f, "<h2 id='probe-%zu'>", p);
		esc(f, s->probes[p].name);
		fprintf(f, "</h2>\n<p>");
		esc(f, report_probe_desc(s, p, NULL));
		fprintf(f, "</p>\n");
		table(f, s, p);
		if ((int)p != s->control) {
			fprintf(f, "<h3>%s stall index of every boot (the probe over the control in the same boot)</h3>\n",
				result_stats[s->rule.stat].name);
			dot_plot(f, s, BASIS_INDEX, p, s->rule.stat);
		}
		fprintf(f, "<h3>Latency CDF (all successful runs merged)</h3>\n");
		cdf_plot(f, s, p);
		fprintf(f, "<h3>%s latency per repetition</h3>\n", result_stats[s->rule.stat].name);
		dot_plot(f, s, BASIS_ABSOLUTE, p, s->rule.stat);
		fprintf(f, "<h3>Slowest samples over time (the %d slowest of each run, all repetitions)</h3>\n",
			SLOWEST_K);
		timeline_plot(f, s, p);
	}
	/* after the verdict tables */
	blame_section(f, s);
	fprintf(f, "<p>Generated by mmstall report --format html from:");
	for (i = 0; i < s->rs->nr_sources; i++) {
		fprintf(f, " <code>");
		esc(f, s->rs->sources[i]);
		fprintf(f, "</code>");
	}
	fprintf(f, "</p>\n</body></html>\n");
	return 0;
}

const struct report_format report_html = {
	.name = "html",
	.help = "a self-contained page with inline SVG plots (the conclusion, each boot's stall index, latency CDFs, "
	"the slowest samples over time); no network",
	.render = render,
};
