// SPDX-License-Identifier: GPL-2.0
/*
 * Blame merged over a variant's repetitions (attribute on): hand-made
 * results with chosen "attribution" objects (results/README.md), loaded as
 * 'mmstall report' loads them; the merged sums, shares and order must be
 * the ones computed by hand, a failed attribution counted but never
 * merged, and a set without any attribution must show no blame in any
 * format.  The reports are rendered by the real binary: the blame section
 * after the verdict tables, at most 80 columns in text and mail, a "blame"
 * object per variant in json, a bar per holder stack in html.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/report.h"
#include "harness/runs.h"
#include "harness/summary.h"
#include "tests/results_fixture.h"
#include "tests/test_util.h"

#define MS 1000000ULL

static char top[] = "/tmp/mmstall-test-blame-XXXXXX";

/* A holder entry: frames comma-separated, innermost first; call NULL: not known. */
static json_t *holder(const char *thread, const char *mode, const char *call, const char *state, const char *frames,
		      uint64_t stall_ms, int waits, int holds)
{
	json_t *f = json_array();
	char buf[512], *save = NULL, *w;

	snprintf(buf, sizeof(buf), "%s", frames);
	for (w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save))
		json_array_append_new(f, json_string(w));
	return json_pack("{s:o,s:s,s:s,s:o,s:s,s:I,s:i,s:i,s:{}}", "frames", f, "state", state, "thread", thread,
			 "call", call ? json_string(call) : json_null(), "mode", mode, "stall_ns",
			 (json_int_t)(stall_ms * MS), "waits", waits, "holds", holds, "probes_ns");
}

static json_t *writer(const char *call, const char *frames, uint64_t stall_ms, int waits, int requests)
{
	json_t *h = holder("lo", "write", call, "running", frames, stall_ms, waits, 0), *w;

	w = json_pack("{s:s,s:O,s:O,s:O,s:i,s:I,s:i}", "call", call, "frames", json_object_get(h, "frames"),
		      "stall_ns", json_object_get(h, "stall_ns"), "waits", json_object_get(h, "waits"), "requests",
		      requests, "max_queued_ns", (json_int_t)(stall_ms * MS), "never_acquired", 0);
	json_decref(h);
	return w;
}

static json_t *sum(int waits, int over, uint64_t wait_ms, uint64_t explained_ms)
{
	return json_pack("{s:i,s:i,s:I,s:I,s:I,s:f,s:{s:i,s:i,s:i,s:i}}", "waits", waits, "waits_over_min", over,
			 "wait_ns", (json_int_t)(wait_ms * MS), "max_wait_ns", (json_int_t)(wait_ms * MS / 2),
			 "explained_ns", (json_int_t)(explained_ms * MS), "explained_share",
			 wait_ms ? (double)explained_ms / wait_ms : 0.0, "unexplained", "handoff_ns", 0,
			 "lock_free_ns", 0, "unseen_holder_ns", 0, "no_path_ns", 0);
}

static const char *const LIMIT_MM = "only lo's mm is traced (the tracepoints are filtered on lo's memory cgroup)";
static const char *const LIMIT_VMA = "per-VMA lock acquisitions fire no mmap_lock tracepoint (6.4+)";
static const char *const WHY_MAPS = "/proc/pid/maps is read under per-VMA locks and RCU (6.17+)";

/* The "attribution" object: status ok or failed (error), limits of a 6.1 or a 6.17 kernel. */
static json_t *attribution(const char *error, bool k617, json_t *total, json_t *probes, json_t *holders,
			   json_t *writers, uint64_t lost, double complete_from_s)
{
	json_t *a = json_pack("{s:s,s:o,s:s,s:I,s:[s],s:{}}", "status", error ? "failed" : "ok", "error",
			      error ? json_string(error) : json_null(), "method", "test", "min_ns",
			      (json_int_t)(5 * MS), "limits", LIMIT_MM, "unattributable_probes");

	if (k617) {
		json_array_append_new(json_object_get(a, "limits"), json_string(LIMIT_VMA));
		json_object_set_new(json_object_get(a, "unattributable_probes"), "maps", json_string(WHY_MAPS));
	}
	if (error)
		return a;
	json_object_set_new(a, "trace", json_pack("{s:I,s:o}", "lost_events", (json_int_t)lost, "complete_from_s",
						  complete_from_s >= -1e6 ? json_real(complete_from_s) : json_null()));
	json_object_set_new(a, "total", total);
	json_object_set_new(a, "probes", probes);
	json_object_set_new(a, "holders", holders);
	json_object_set_new(a, "holders_dropped", json_integer(0));
	json_object_set_new(a, "writers", writers);
	json_object_set_new(a, "chains", json_array());
	json_object_set_new(a, "chains_dropped", json_integer(0));
	return a;
}

#define NONE (-1e9)	/* complete_from_s: the trace is complete */

static const char *const BDP = "balance_dirty_pages,balance_dirty_pages_ratelimited_flags,fault_dirty_shared_page,"
			       "do_shared_fault,do_fault,__handle_mm_fault,handle_mm_fault,do_user_addr_fault";

/* Add an attribution to a stored run. */
static void attach(const char *dir, const char *label, int rep, json_t *attr)
{
	char path[PATH_MAX], err[512];
	json_t *r;

	snprintf(path, sizeof(path), "%s/%s.rep%d.json", dir, label, rep);
	r = result_load(path, err, sizeof(err));
	if (!CHECK(r)) {
		fprintf(stderr, "%s\n", err);
		json_decref(attr);
		return;
	}
	result_set_attribution(r, attr);
	CHECK_INT(0, result_save(path, r));
	json_decref(r);
}

static void run(const char *dir, const char *label, int index, int rep, int reps, double maps_p99,
		const char *error)
{
	struct fx_spec s = { .label = label, .index = index, .rep = rep, .reps = reps, .maps_p99 = maps_p99,
			     .cmdline_p99 = maps_p99 / 2, .error = error };

	fx_write(dir, &s);
}

/*
 * base (3 runs): rep 1 and 2 traced, their holders partly the same stack;
 * rep 3's attribution failed (its figures must not count).  new (3 runs):
 * a 6.17 kernel, maps not attributable, one holder with a long stack.  off
 * (3 runs): no attribution.  A failed run of base (rep 4) with an
 * attribution is no run at all.
 */
static void make_set(const char *dir)
{
	static const double j[] = { 1.0, 1.05, 0.95 };
	int k;

	mkdir_p(dir, 0755);
	for (k = 1; k <= 3; k++) {
		run(dir, "base", 0, k, 4, 40e6 * j[k - 1], NULL);
		run(dir, "new", 1, k, 3, 80e6 * j[k - 1], NULL);
		run(dir, "off", 2, k, 3, 40e6 * j[k - 1], NULL);
	}
	run(dir, "base", 0, 4, 4, 0, "guest kernel panicked");
	attach(dir, "base", 1,
	       attribution(NULL, false, sum(10, 4, 1000, 900),
			   json_pack("{s:o,s:o}", "maps", sum(6, 3, 600, 550), "cmdline", sum(4, 1, 400, 350)),
			   json_pack("[o,o]", holder("lo", "read", "page fault", "sleeping", BDP, 700, 3, 1),
				     holder("lo", "write", "mprotect", "running", "mprotect_fixup,do_mprotect_pkey",
					    200, 1, 1)),
			   json_pack("[o]", writer("mprotect", "do_mprotect_pkey,__x64_sys_mprotect", 500, 2, 2)),
			   5, 0.5));
	attach(dir, "base", 2,
	       attribution(NULL, false, sum(4, 2, 500, 300), json_pack("{s:o}", "maps", sum(4, 2, 500, 300)),
			   json_pack("[o,o,o]", holder("lo", "read", "page fault", "sleeping", BDP, 250, 1, 1),
				     holder("lo", "read", NULL, "unknown", "", 200, 2, 1),
				     /* the same stack but preempted: another entry */
				     holder("lo", "read", "page fault", "preempted", BDP, 50, 1, 1)),
			   json_pack("[o,o]", writer("mprotect", "do_mprotect_pkey,__x64_sys_mprotect", 100, 1, 1),
				     writer("munmap", "__vm_munmap,__x64_sys_munmap", 100, 3, 1)),
			   0, NONE));
	attach(dir, "base", 3, attribution("tracefs: no mmap_lock events", false, NULL, NULL, NULL, NULL, 0, NONE));
	attach(dir, "base", 4,
	       attribution(NULL, false, sum(1, 1, 9999, 9999), json_object(),
			   json_pack("[o]", holder("lo", "read", "page fault", "sleeping", BDP, 9999, 1, 1)),
			   json_array(), 0, NONE));
	for (k = 1; k <= 3; k++)
		attach(dir, "new", k,
		       attribution(NULL, true, sum(3, 1, 100, 100), json_pack("{s:o}", "cmdline", sum(3, 1, 100, 100)),
				   json_pack("[o]", holder("mmstall-lo-writer-thread-with-a-long-name", "write",
							   "mprotect", "sleeping",
							   "vma_start_write_locked_slowpath_with_a_long_name,"
							   "vma_start_write,mprotect_fixup,do_mprotect_pkey,"
							   "__x64_sys_mprotect,do_syscall_64,entry_SYSCALL_64_after_hwframe",
							   100, 1, 1)),
				   json_array(), 0, NONE));
}

static bool open_set(const char *dir, struct runset *rs, struct summary *s)
{
	struct summary_rule rule;
	char *paths[] = { (char *)dir }, err[1024];

	summary_rule_defaults(&rule);
	if (!CHECK_INT(0, runset_load(rs, paths, 1, err, sizeof(err)))) {
		fprintf(stderr, "%s\n", err);
		return false;
	}
	if (!CHECK_INT(0, summary_build(s, rs, NULL, &rule, err, sizeof(err)))) {
		fprintf(stderr, "%s\n", err);
		summary_free(s);
		runset_free(rs);
		return false;
	}
	return true;
}

static void check_frames(const struct blame_holder *h, const char *frames)
{
	char buf[512] = "";
	size_t i;

	for (i = 0; i < h->nr_frames; i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s", i ? "," : "", h->frames[i]);
	CHECK_STR(frames, buf);
}

static void test_merge(const char *dir)
{
	const struct blame *b;
	struct runset rs;
	struct summary s;
	int base, new, off;

	TEST_CONTEXT("merge");
	if (!open_set(dir, &rs, &s))
		return;
	base = runset_variant(&rs, "base");
	new = runset_variant(&rs, "new");
	off = runset_variant(&rs, "off");
	CHECK(s.has_blame);
	CHECK(!summary_blame(&s, off));	/* attribute off: nothing */
	b = summary_blame(&s, base);
	if (!CHECK(b))
		goto out;
	/* rep 1 and 2 merged, rep 3 counted, the failed run (rep 4) ignored */
	CHECK_U64(2, b->runs_traced);
	CHECK_U64(1, b->runs_failed);
	CHECK_STR("tracefs: no mmap_lock events", b->first_error);
	CHECK_U64(5 * MS, b->min_ns);
	CHECK_U64(14, b->total.waits);
	CHECK_U64(6, b->total.waits_over_min);
	CHECK_U64(1500 * MS, b->total.wait_ns);
	CHECK_U64(1200 * MS, b->total.explained_ns);
	CHECK_DBL(0.8, blame_share(b->total.explained_ns, b->total.wait_ns), 1e-12);
	if (CHECK_U64(2, b->nr_probes)) {
		CHECK_STR("maps", b->probes[0].name);
		CHECK_U64(1100 * MS, b->probes[0].sum.wait_ns);
		CHECK_U64(850 * MS, b->probes[0].sum.explained_ns);
		CHECK_U64(5, b->probes[0].sum.waits_over_min);
		CHECK_STR("cmdline", b->probes[1].name);
		CHECK_U64(400 * MS, b->probes[1].sum.wait_ns);
	}
	/* the sleeping page fault of both runs first; equal stall time: more waits first */
	if (CHECK_U64(4, b->nr_holders)) {
		CHECK_U64(950 * MS, b->holders[0].stall_ns);
		CHECK_U64(4, b->holders[0].waits);
		CHECK_U64(2, b->holders[0].holds);
		CHECK_U64(2, b->holders[0].runs);
		CHECK_STR("sleeping", b->holders[0].state);
		CHECK_STR("page fault", b->holders[0].call);
		check_frames(&b->holders[0], BDP);
		CHECK(!b->holders[1].call);
		CHECK_U64(200 * MS, b->holders[1].stall_ns);
		CHECK_U64(2, b->holders[1].waits);
		CHECK_U64(0, b->holders[1].nr_frames);
		CHECK_STR("mprotect", b->holders[2].call);
		CHECK_STR("write", b->holders[2].mode);
		CHECK_U64(200 * MS, b->holders[2].stall_ns);
		CHECK_U64(1, b->holders[2].runs);
		CHECK_STR("preempted", b->holders[3].state);
		CHECK_U64(50 * MS, b->holders[3].stall_ns);
		CHECK_DBL(950.0 / 1500, blame_share(b->holders[0].stall_ns, b->total.wait_ns), 1e-12);
	}
	if (CHECK_U64(2, b->nr_writers)) {
		CHECK_STR("mprotect", b->writers[0].call);
		CHECK_U64(600 * MS, b->writers[0].stall_ns);
		CHECK_U64(3, b->writers[0].waits);
		CHECK_U64(3, b->writers[0].requests);
		CHECK_U64(2, b->writers[0].runs);
		CHECK_STR("munmap", b->writers[1].call);
	}
	CHECK_U64(5, b->lost_events);
	CHECK_U64(1, b->runs_incomplete);
	CHECK_U64(0, b->nr_unattributable);
	CHECK_U64(1, b->nr_limits);	/* the same sentence in every run: once */
	b = summary_blame(&s, new);
	if (CHECK(b)) {
		CHECK_U64(3, b->runs_traced);
		CHECK_U64(0, b->runs_failed);
		CHECK_U64(300 * MS, b->total.wait_ns);
		CHECK_U64(1, b->nr_holders);
		CHECK_U64(3, b->holders[0].runs);
		CHECK_U64(3, b->holders[0].waits);
		if (CHECK_U64(1, b->nr_unattributable))
			CHECK_STR("maps", b->unattributable[0].probe);
		CHECK_U64(2, b->nr_limits);
	}
out:
	summary_close(&s, &rs);
	TEST_CONTEXT_CLEAR();
}

/* Render a format of dir through 'mmstall report'; NULL (a failed check) when it fails. */
static char *render(const char *fmt, const char *dir)
{
	const char *argv[] = { "report", "--format", fmt, dir, NULL };
	char *out, *err;
	int code = fx_exec(argv, &out, &err);

	if (!CHECK(code == 0 || code == 1)) {
		fprintf(stderr, "report --format %s: exit %d: %s\n", fmt, code, err);
		free(out);
		out = NULL;
	}
	free(err);
	return out;
}

/* Every line from 'from' to the end at most cols columns, none ending in a blank. */
static void check_columns(const char *from, size_t cols, const char *what)
{
	const char *l = from, *e;
	size_t n = 0, longest = 0;

	for (; *l; l = *e ? e + 1 : e, n++) {
		size_t len;

		e = strchr(l, '\n') ?: l + strlen(l);
		len = (size_t)(e - l);
		longest = len > longest ? len : longest;
		if (!check_true(len <= cols, "line within the columns", __FILE__, __LINE__))
			fprintf(stderr, "%s: %zu columns: %.*s\n", what, len, (int)len, l);
		CHECK(len == 0 || l[len - 1] != ' ');
	}
	printf("%s: %zu lines from the blame section on, longest %zu columns\n", what, n, longest);
}

/* a before b in hay, both there */
static bool before(const char *hay, const char *a, const char *b)
{
	const char *x = strstr(hay, a), *y = strstr(hay, b);

	return x && y && x < y;
}

/* Is needle in the text report's conclusion, its wrapped lines joined again? */
static bool in_conclusion(const char *out, const char *needle)
{
	const char *end = strstr(out, "\n\n");
	char *c = strndup(out, end ? (size_t)(end - out) : strlen(out)), *r, *w;
	bool found;

	for (r = w = c; *r; r++) {
		if (r[0] == '\n' && r[1] == ' ' && r[2] == ' ' && r[3] != ' ' && w > c && w[-1] != ':') {
			*w++ = ' ';
			r += 2;
			continue;
		}
		*w++ = *r;
	}
	*w = '\0';
	found = strstr(c, needle) != NULL;
	if (!found)
		fprintf(stderr, "conclusion:\n%s\n", c);
	free(c);
	return found;
}

static void test_text(const char *dir)
{
	char *out = render("text", dir), *sec;

	TEST_CONTEXT("text");
	if (!out)
		return;
	sec = strstr(out, "\nWho held lo's mmap_lock\n");
	if (CHECK(sec)) {
		/* the conclusion first, naming who held the lock; the blame after the verdict tables and their legend */
		CHECK(!strncmp(out, "Conclusion:", 11));
		CHECK(in_conclusion(out, "base: who held lo's mmap_lock (2 traced runs): 80.0% of hi's 1.50 s of "
				    "waits of 5 ms or more explained; most (63.3%) behind lo read page fault, "
				    "sleeping in balance_dirty_pages"));
		CHECK(before(out, "\nstatus: ", sec) && before(out, "Latency from each probe sample", sec));
		check_columns(sec + 1, 80, "text");
		CHECK(strstr(sec, "2 of 3 runs traced and attributed; 80.0% of hi's 1.50s of waits of 5.00ms"));
		CHECK(strstr(sec, "Attribution failed in 1 run (counted, not merged): tracefs: no mmap_lock"));
		CHECK(strstr(sec, "Cannot be attributed on this kernel: maps"));
		CHECK(strstr(sec, "Trace incomplete: 5 events lost"));
		/* ranked: the two runs' page fault, then the tie by waits, then the preempted one */
		CHECK(before(sec, "950.00ms  63.3%   2/2     4 lo         read  page fault         sleeping",
			     "200.00ms  13.3%   1/2     2 lo         read  (not known)        unknown"));
		CHECK(before(sec, "(not known)", "write mprotect           running"));
		CHECK(before(sec, "write mprotect           running", "preempted"));
		/* frames on two lines, whole ones, then cut */
		CHECK(strstr(sec, "\n           balance_dirty_pages <- balance_dirty_pages_ratelimited_flags <-\n"
				  "           fault_dirty_shared_page <- do_shared_fault <- do_fault <- ...\n"));
		CHECK(strstr(sec, "\n           mprotect_fixup <- do_mprotect_pkey\n"));
		CHECK(strstr(sec, "600.00ms  40.0%   2/2     3        3 mprotect"));
		CHECK(strstr(sec, "mmstall-lo write mprotect"));	/* a long comm cut to its column */
		CHECK(before(sec, "\noff:\n", "Not traced"));
		CHECK(strstr(sec, "- (new) per-VMA lock acquisitions"));
		CHECK(strstr(sec, "- only lo's mm is traced"));
	}
	free(out);
	TEST_CONTEXT_CLEAR();
}

static void test_mail(const char *dir)
{
	char *out = render("mail", dir), *sec;

	TEST_CONTEXT("mail");
	if (!out)
		return;
	sec = strstr(out, "\nWho held lo's mmap_lock\n");
	check_columns(out, 80, "mail");
	if (CHECK(sec)) {
		CHECK(before(out, "status: ", sec) && before(sec, "page fault", "Generated by mmstall report"));
		CHECK(strstr(sec, "80.0% of hi's 1.50s"));
	}
	free(out);
	TEST_CONTEXT_CLEAR();
}

static json_t *variant(json_t *j, const char *name)
{
	json_t *v;
	size_t i;

	json_array_foreach(json_object_get(j, "variants"), i, v)
		if (!strcmp(json_string_value(json_object_get(v, "name")) ?: "", name))
			return v;
	return NULL;
}

/* Every key of v, at any depth, written as `key` in results/README.md (but the names under probes and unattributable_probes). */
static void check_documented(const char *doc, const json_t *v, const char *where)
{
	const char *key;
	const json_t *x;
	size_t i;

	if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			check_documented(doc, x, where);
		return;
	}
	if (!json_is_object(v))
		return;
	json_object_foreach((json_t *)v, key, x) {
		char needle[128];
		bool names = !strcmp(where, "probes") || !strcmp(where, "unattributable_probes");

		snprintf(needle, sizeof(needle), "`%s`", key);
		TEST_CONTEXT("blame key %s.%s documented in results/README.md", where, key);
		CHECK(names || strstr(doc, needle));
		check_documented(doc, x, names ? "" : key);
	}
}

static void test_json(const char *dir)
{
	char *out = render("json", dir);
	json_t *j = out ? json_loads(out, 0, NULL) : NULL, *b, *h;

	TEST_CONTEXT("json");
	free(out);
	if (!CHECK(j))
		return;
	CHECK(!json_object_get(variant(j, "off"), "blame"));
	b = json_object_get(variant(j, "base"), "blame");
	if (CHECK(json_is_object(b))) {
		CHECK_INT(2, json_integer_value(json_object_get(b, "runs_traced")));
		CHECK_INT(1, json_integer_value(json_object_get(b, "runs_attribution_failed")));
		CHECK_STR("tracefs: no mmap_lock events", json_string_value(json_object_get(b, "attribution_error")));
		CHECK_INT(5 * MS, json_integer_value(json_object_get(b, "min_ns")));
		CHECK_INT(1500 * MS, json_integer_value(json_object_get(json_object_get(b, "total"), "wait_ns")));
		CHECK_DBL(0.8, json_real_value(json_object_get(json_object_get(b, "total"), "explained_share")), 1e-12);
		CHECK_INT(850 * MS, json_integer_value(json_object_get(
					    json_object_get(json_object_get(b, "probes"), "maps"), "explained_ns")));
		CHECK_INT(4, json_array_size(json_object_get(b, "holders")));
		h = json_array_get(json_object_get(b, "holders"), 0);
		CHECK_STR("page fault", json_string_value(json_object_get(h, "call")));
		CHECK_STR("sleeping", json_string_value(json_object_get(h, "state")));
		CHECK_STR("read", json_string_value(json_object_get(h, "mode")));
		CHECK_STR("lo", json_string_value(json_object_get(h, "thread")));
		CHECK_INT(8, json_array_size(json_object_get(h, "frames")));
		CHECK_INT(950 * MS, json_integer_value(json_object_get(h, "stall_ns")));
		CHECK_DBL(950.0 / 1500, json_real_value(json_object_get(h, "share")), 1e-12);
		CHECK_INT(4, json_integer_value(json_object_get(h, "waits")));
		CHECK_INT(2, json_integer_value(json_object_get(h, "holds")));
		CHECK_INT(2, json_integer_value(json_object_get(h, "runs")));
		CHECK(json_is_null(json_object_get(json_array_get(json_object_get(b, "holders"), 1), "call")));
		h = json_array_get(json_object_get(b, "writers"), 0);
		CHECK_STR("mprotect", json_string_value(json_object_get(h, "call")));
		CHECK_INT(3, json_integer_value(json_object_get(h, "requests")));
		CHECK_INT(0, json_object_size(json_object_get(b, "unattributable_probes")));
		CHECK_INT(1, json_array_size(json_object_get(b, "limits")));
		CHECK_INT(5, json_integer_value(json_object_get(json_object_get(b, "trace"), "lost_events")));
		CHECK_INT(1, json_integer_value(json_object_get(json_object_get(b, "trace"), "runs_incomplete")));
	}
	b = json_object_get(variant(j, "new"), "blame");
	CHECK(json_is_string(json_object_get(json_object_get(b, "unattributable_probes"), "maps")));
	{
		const char *src = getenv("MMSTALL_SOURCE_DIR");
		char path[PATH_MAX], *doc = NULL;

		snprintf(path, sizeof(path), "%s/results/README.md", src ?: "..");
		if (CHECK(read_file(path, &doc, NULL) == 0)) {
			CHECK(strstr(doc, "`variants[].blame`"));
			check_documented(doc, json_object_get(variant(j, "base"), "blame"), "blame");
		}
		free(doc);
	}
	json_decref(j);
	TEST_CONTEXT_CLEAR();
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (; (hay = strstr(hay, needle)); hay++)
		n++;
	return n;
}

static void test_html(const char *dir)
{
	char *out = render("html", dir), *sec;

	TEST_CONTEXT("html");
	if (!out)
		return;
	sec = strstr(out, "<h2 id='blame'>Who held lo's mmap_lock</h2>");
	if (CHECK(sec)) {
		CHECK(before(out, "Conclusion", sec) && before(out, "Slowest samples over time", sec));
		CHECK(!strstr(sec, "Slowest samples over time"));	/* after every probe's section */
		CHECK_INT(5, count(sec, "<div class='bar' "));	/* base's 4 stacks, new's 1 */
		CHECK(strstr(sec, "style='width:63.33%;"));
		CHECK(strstr(sec, "balance_dirty_pages &lt;- balance_dirty_pages_ratelimited_flags &lt;- "
				  "fault_dirty_shared_page"));
		CHECK(strstr(sec, "80.0% of hi&#39;s 1.50s"));
		CHECK(strstr(sec, "<li>(new) per-VMA lock acquisitions"));
		CHECK(strstr(sec, "Cannot be attributed on this kernel: maps"));
		CHECK(!strstr(sec, "<script"));
	}
	free(out);
	TEST_CONTEXT_CLEAR();
}

/* No run traced: no blame in any format. */
static void test_none(const char *dir)
{
	static const char *const fmts[] = { "text", "mail", "json", "html", "runs" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(fmts); i++) {
		char *out = render(fmts[i], dir);

		TEST_CONTEXT("no attribution, %s", fmts[i]);
		if (!out)
			continue;
		CHECK(strlen(out) > 100);
		CHECK(!strstr(out, "Who held") && !strstr(out, "\"blame\"") && !strstr(out, "id='blame'") &&
		      !strstr(out, "attributed") && !strstr(out, "mmap_lock tracepoints"));
		free(out);
	}
	TEST_CONTEXT_CLEAR();
}

/* One run per variant: text shows the per-run table, then the blame. */
static void test_single(const char *dir)
{
	char *out;

	mkdir_p(dir, 0755);
	run(dir, "one", 0, 1, 1, 40e6, NULL);
	attach(dir, "one", 1,
	       attribution(NULL, false, sum(2, 1, 100, 90), json_pack("{s:o}", "maps", sum(2, 1, 100, 90)),
			   json_pack("[o,o]", holder("lo", "read", "page fault", "sleeping", BDP, 90, 1, 1),
				     holder("lo", "read", "page fault", "sleeping",
					    "a_frame_name_far_longer_than_any_line_of_a_mail_can_hold_which_must_be_cut_"
					    "somewhere,next", 5, 1, 1)),
			   json_array(), 0, NONE));
	out = render("text", dir);
	TEST_CONTEXT("one run");
	if (out) {
		CHECK(before(out, "Conclusion:", "Who held lo's mmap_lock"));
		CHECK(strstr(out, "1 of 1 runs traced and attributed; 90.0% of hi's 100.00ms"));
		if (CHECK(strstr(out, "\nWho held")))
			check_columns(strstr(out, "\nWho held") + 1, 80, "text, one run");
		CHECK(strstr(out, "\n           a_frame_name_far_longer_than_any_line_of_a_mail_can_hold_wh..."
				  " <-\n           next\n"));
		free(out);
	}
	TEST_CONTEXT_CLEAR();
}

int main(int argc, char **argv)
{
	char dir[PATH_MAX];
	int ret = fx_start(argc, argv, top);

	if (ret)
		return ret;
	snprintf(dir, sizeof(dir), "%s/blame", top);
	make_set(dir);
	test_merge(dir);
	test_text(dir);
	test_mail(dir);
	test_json(dir);
	test_html(dir);
	snprintf(dir, sizeof(dir), "%s/none", top);
	fx_compare(dir, 1.5, NULL, false);
	test_none(dir);
	snprintf(dir, sizeof(dir), "%s/single", top);
	test_single(dir);
	return fx_finish(top);
}
