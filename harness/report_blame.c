// SPDX-License-Identifier: GPL-2.0
/*
 * The blame in words, shared by every format: who held lo's mmap_lock
 * behind hi's waits (attribute on), merged over each variant's runs
 * (struct blame, harness/summary.h).  The text and mail reports print
 * report_blame_text(); html and json take the sentences and the figures.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "harness/report_blame.h"
#include "harness/report_common.h"
#include "harness/util.h"

/* Shown per variant in text and mail; json has them all. */
#define TOP_HOLDERS 5
#define TOP_WRITERS 3

/*
 * A stack joined with " <- " on at most max_lines lines of width columns
 * after indent: whole frames, a line ending in " <-" when the next one
 * goes on; " <- ..." when the rest does not fit, a frame longer than a
 * line cut.
 */
static void frames_text(FILE *f, const char *const *fr, size_t n, size_t indent, size_t width, int max_lines)
{
	size_t i = 0, used;
	int l;

	if (!n) {
		fprintf(f, "%*s-\n", (int)indent, "");
		return;
	}
	for (l = 0; l < max_lines && i < n; l++) {
		bool last = l + 1 == max_lines;

		fprintf(f, "%*s", (int)indent, "");
		for (used = 0; i < n; i++) {
			size_t add = (used ? 4 : 0) + strlen(fr[i]);
			size_t reserve = i + 1 < n ? (last ? 7 : 3) : 0;	/* " <- ..." or " <-" */

			if (used + add + reserve > width)
				break;
			used += fprintf(f, "%s%s", used ? " <- " : "", fr[i]);
		}
		if (!used) {	/* one frame wider than the line */
			fprintf(f, "%.*s...", (int)(width > 10 ? width - 10 : 0), fr[i]);
			i++;
		}
		if (i < n)
			fprintf(f, "%s", last ? " <- ..." : " <-");
		fputc('\n', f);
	}
}

/* ---- sentences ---- */


static const char *plural(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static void headline(const struct summary *s, size_t v, const struct blame *b, struct report_text *l)
{
	char min[32], wait[32], share[16], pw[32];
	const char *sep = " (";
	size_t i;

	fmt_ns(min, sizeof(min), (double)b->min_ns);
	report_text_add(l, "%zu of %zu runs traced and attributed", b->runs_traced, s->ok[v]);
	if (!b->runs_traced) {
		report_text_add(l, ": no attribution to merge.");
		return;
	}
	if (!b->total.waits_over_min) {
		report_text_add(l, "; no wait of hi of %s or more on lo's mmap_lock (%" PRIu64 " shorter %s).", min,
		    b->total.waits, plural(b->total.waits, "wait", "waits"));
		return;
	}
	fmt_ns(wait, sizeof(wait), (double)b->total.wait_ns);
	report_share(share, sizeof(share), blame_share(b->total.explained_ns, b->total.wait_ns));
	report_text_add(l, "; %s of hi's %s of waits of %s or more on lo's mmap_lock (%" PRIu64 " %s) explained by a "
	    "holder path", share, wait, min, b->total.waits_over_min, plural(b->total.waits_over_min, "wait", "waits"));
	for (i = 0; i < b->nr_probes; i++) {
		const struct blame_sum *p = &b->probes[i].sum;

		if (!p->wait_ns)
			continue;
		fmt_ns(pw, sizeof(pw), (double)p->wait_ns);
		report_share(share, sizeof(share), blame_share(p->explained_ns, p->wait_ns));
		report_text_add(l, "%s%s %s of %s", sep, b->probes[i].name, share, pw);
		sep = ", ";
	}
	report_text_add(l, "%s.", *sep == ',' ? ")" : "");
}

void report_blame_lines(const struct summary *s, size_t v, void (*emit)(void *arg, const char *line), void *arg)
{
	const struct blame *b = summary_blame(s, v);
	struct report_text l = { .n = 0 };
	size_t i;

	if (!b) {
		emit(arg, "Not traced: its runs were made with attribute off.");
		return;
	}
	headline(s, v, b, &l);
	emit(arg, l.buf);
	if (b->runs_failed) {
		char why[300];

		snprintf(why, sizeof(why), "%s", b->first_error);
		why[strcspn(why, "\n")] = '\0';
		l.n = 0;
		report_text_add(&l, "Attribution failed in %zu %s (counted, not merged): %s.", b->runs_failed,
		    plural(b->runs_failed, "run", "runs"), why);
		emit(arg, l.buf);
	}
	for (i = 0; i < b->nr_unattributable; i++) {
		l.n = 0;
		report_text_add(&l, "Cannot be attributed on this kernel: %s (%s).", b->unattributable[i].probe,
		    b->unattributable[i].why);
		emit(arg, l.buf);
	}
	if (b->lost_events || b->runs_incomplete) {
		l.n = 0;
		report_text_add(&l, "Trace incomplete:");
		if (b->lost_events)
			report_text_add(&l, " %" PRIu64 " %s lost%s", b->lost_events, plural(b->lost_events, "event", "events"),
			    b->runs_incomplete ? ";" : "");
		if (b->runs_incomplete)
			report_text_add(&l, " in %zu of %zu runs the oldest events were overwritten (the trace is complete only "
			    "from some time on)", b->runs_incomplete, b->runs_traced);
		report_text_add(&l, ": a wait there may lack its holder.");
		emit(arg, l.buf);
	}
	if (b->holders_dropped) {
		l.n = 0;
		report_text_add(&l, "%" PRIu64 " lesser holder %s left out by the runs (40 kept per run).", b->holders_dropped,
		    plural(b->holders_dropped, "entry", "entries"));
		emit(arg, l.buf);
	}
}

/* Does variant v's blame hold this limit sentence? */
static bool has_limit(const struct blame *b, const char *limit)
{
	size_t i;

	for (i = 0; b && i < b->nr_limits; i++)
		if (!strcmp(b->limits[i], limit))
			return true;
	return false;
}

void report_blame_limits(const struct summary *s, void (*emit)(void *arg, const char *line), void *arg)
{
	size_t v, w, k, nv = s->rs->nr_variants, traced = 0;

	for (v = 0; v < nv; v++)
		traced += summary_blame(s, v) != NULL;
	for (v = 0; v < nv; v++) {
		const struct blame *b = summary_blame(s, v);

		for (k = 0; b && k < b->nr_limits; k++) {
			struct report_text l = { .n = 0 };
			size_t with = 0;
			const char *sep = "(";

			/* each sentence once: at the first variant that has it */
			for (w = 0; w < v && !has_limit(summary_blame(s, w), b->limits[k]); w++)
				;
			if (w < v)
				continue;
			for (w = v; w < nv; w++)
				with += has_limit(summary_blame(s, w), b->limits[k]);
			if (with < traced) {
				for (w = v; w < nv; w++) {
					if (!has_limit(summary_blame(s, w), b->limits[k]))
						continue;
					report_text_add(&l, "%s%s", sep, s->rs->variants[w]);
					sep = ", ";
				}
				report_text_add(&l, ") ");
			}
			report_text_add(&l, "%s", b->limits[k]);
			emit(arg, l.buf);
		}
	}
}

/* ---- plain text ---- */

struct wrap_to {
	FILE *f;
	size_t cols;
	const char *head;
	size_t indent;
};

static void wrap_line(void *arg, const char *line)
{
	struct wrap_to *w = arg;

	text_wrap(w->f, w->head, w->indent, w->cols, line);
}

static void holders_text(FILE *f, const struct blame *b, size_t cols)
{
	char line[512], stall[32], share[16], runs[32];
	uint64_t rest = 0;
	size_t i, n = b->nr_holders < TOP_HOLDERS ? b->nr_holders : TOP_HOLDERS;

	if (!b->nr_holders)
		return;
	/* 2+8+1+6+1+5+1+5+1+10+1+5+1+18+1+9 = 75 columns: "/proc/pid/cmdline" whole */
	snprintf(line, sizeof(line), "  %8s %6s %5s %5s %-10s %-5s %-18s %s", "stall", "share", "runs", "waits",
		 "thread", "mode", "call", "state");
	report_puts_trimmed(f, line);
	for (i = 0; i < n; i++) {
		const struct blame_holder *h = &b->holders[i];

		fmt_ns(stall, sizeof(stall), (double)h->stall_ns);
		report_share(share, sizeof(share), blame_share(h->stall_ns, b->total.wait_ns));
		snprintf(runs, sizeof(runs), "%zu/%zu", h->runs, b->runs_traced);
		snprintf(line, sizeof(line), "  %8.8s %6.6s %5.5s %5" PRIu64 " %-10.10s %-5.5s %-18.18s %.9s", stall,
			 share, runs, h->waits, h->thread ?: "?", h->mode ?: "?", h->call ?: "(not known)",
			 h->state ?: "?");
		report_puts_trimmed(f, line);
		frames_text(f, h->frames, h->nr_frames, 11, cols - 11, 2);
	}
	for (; i < b->nr_holders; i++)
		rest += b->holders[i].stall_ns;
	if (rest) {
		fmt_ns(stall, sizeof(stall), (double)rest);
		report_share(share, sizeof(share), blame_share(rest, b->total.wait_ns));
		snprintf(line, sizeof(line), "  %8.8s %6.6s in %zu more holder %s", stall, share, b->nr_holders - n,
			 plural(b->nr_holders - n, "stack", "stacks"));
		report_puts_trimmed(f, line);
	}
}

static void writers_text(FILE *f, const struct blame *b, size_t cols)
{
	char line[512], stall[32], share[16], runs[32];
	size_t i, n = b->nr_writers < TOP_WRITERS ? b->nr_writers : TOP_WRITERS;

	if (!b->nr_writers)
		return;
	text_wrap(f, "", 2, cols, "Writers queued while hi waited (hi's wait time while each was queued):");
	snprintf(line, sizeof(line), "  %8s %6s %5s %5s %8s %s", "stall", "share", "runs", "waits", "requests", "call");
	report_puts_trimmed(f, line);
	for (i = 0; i < n; i++) {
		const struct blame_writer *w = &b->writers[i];

		fmt_ns(stall, sizeof(stall), (double)w->stall_ns);
		report_share(share, sizeof(share), blame_share(w->stall_ns, b->total.wait_ns));
		snprintf(runs, sizeof(runs), "%zu/%zu", w->runs, b->runs_traced);
		snprintf(line, sizeof(line), "  %8.8s %6.6s %5.5s %5" PRIu64 " %8" PRIu64 " %.*s", stall, share, runs,
			 w->waits, w->requests, (int)(cols - 40), w->call ?: "(not known)");
		report_puts_trimmed(f, line);
		frames_text(f, w->frames, w->nr_frames, 11, cols - 11, 2);
	}
	if (b->nr_writers > n) {
		snprintf(line, sizeof(line), "  and %zu more writer %s", b->nr_writers - n,
			 plural(b->nr_writers - n, "stack", "stacks"));
		report_puts_trimmed(f, line);
	}
}

const char report_blame_legend[] =
	"Each wait of a hi probe on lo's mmap_lock at or above the threshold is charged, slice by slice, to the "
	"hold that blocked it and to where its holder was (asleep: the stack it slept in; on CPU: the path that "
	"took the lock), or, while the lock was free but reserved for a queued writer that had not yet run, to "
	"that writer (queued); summed over each variant's traced runs.";

void report_blame_text(FILE *f, const struct summary *s, size_t cols)
{
	char legend[sizeof(report_blame_legend) + 128];
	struct wrap_to w = { .f = f, .cols = cols, .head = "", .indent = 2 };
	size_t v;

	if (!s->has_blame)
		return;
	fprintf(f, "\nWho held lo's mmap_lock\n");
	snprintf(legend, sizeof(legend), "%s Share: of the waits' total; runs: the traced runs a stack appears in; "
		 "frames innermost first.", report_blame_legend);
	text_wrap(f, "", 0, cols, legend);
	for (v = 0; v < s->rs->nr_variants; v++) {
		const struct blame *b = summary_blame(s, v);
		char line[256];

		snprintf(line, sizeof(line), "%s:", s->rs->variants[v]);
		fputc('\n', f);
		text_wrap(f, "", 0, cols, line);
		report_blame_lines(s, v, wrap_line, &w);
		if (!b)
			continue;
		holders_text(f, b, cols);
		writers_text(f, b, cols);
	}
	fputc('\n', f);
	text_wrap(f, "", 0, cols, "Limits of the mmap_lock tracepoints:");
	w.head = "- ";
	report_blame_limits(s, wrap_line, &w);
}
