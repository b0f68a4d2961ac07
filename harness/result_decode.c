// SPDX-License-Identifier: GPL-2.0
/*
 * Decoding a run result: result_decode() turns a document into a struct
 * run_result (result.h), checking that each documented key present has its
 * documented type; the only reader of a result's keys.
 */
#include "harness/result.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/util.h"

/*
 * A probe's statistic over the control's in the same boot: what the probe
 * waited beyond the guest's general noise.  A lower-bound numerator gives a
 * lower bound, a lower-bound control (the whole guest stalled past the
 * window) an upper bound; both together, no index (it could be anything).
 */
static void compute_index(struct run_result *r, struct probe_result *p)
{
	const struct probe_result *ctl = r->control >= 0 ? &r->probes[r->control] : NULL;
	int st;

	for (st = 0; st < RESULT_NR_STATS; st++) {
		struct stat_value a = probe_stat_value(p, st), b = ctl ? probe_stat_value(ctl, st) : (struct stat_value){ 0 };

		p->index[st] = (struct stat_value){ 0 };
		if (!ctl || p == ctl || !a.known || !b.known || !(b.v > 0) || (a.lower_bound && b.lower_bound))
			continue;
		p->index[st] = (struct stat_value){ .known = true, .v = a.v / b.v, .lower_bound = a.lower_bound,
						    .upper_bound = b.lower_bound };
	}
}

/* ---- decoding ---- */

struct dec {
	char *err;
	size_t errlen;
	bool bad;
};

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "?";
}

static bool wrong(struct dec *d, const char *where, const char *key, const json_t *v, const char *want)
{
	if (!d->bad)
		snprintf(d->err, d->errlen, "%s%s%s is %s, not %s", where, *where ? "." : "", key,
			 v ? type_name(v) : "missing", want);
	d->bad = true;
	return false;
}

/* An optional member: NULL when absent or null; when present, of type t or an error. */
static const json_t *opt(struct dec *d, const json_t *o, const char *where, const char *key, json_type t,
			 const char *want)
{
	const json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v))
		return NULL;
	if (json_typeof(v) == t || (t == JSON_REAL && json_is_number(v)) ||
	    (t == JSON_TRUE && json_is_boolean(v)))
		return v;
	wrong(d, where, key, v, want);
	return NULL;
}

static const char *ostr(struct dec *d, const json_t *o, const char *where, const char *key)
{
	return json_string_value(opt(d, o, where, key, JSON_STRING, "a string"));
}

static const json_t *oobj(struct dec *d, const json_t *o, const char *where, const char *key)
{
	return opt(d, o, where, key, JSON_OBJECT, "an object");
}

static const json_t *oarr(struct dec *d, const json_t *o, const char *where, const char *key)
{
	return opt(d, o, where, key, JSON_ARRAY, "an array");
}

/* A non-negative number, or def when absent. */
static double onum(struct dec *d, const json_t *o, const char *where, const char *key, double def)
{
	const json_t *v = opt(d, o, where, key, JSON_REAL, "a number");

	if (!v)
		return def;
	if (json_number_value(v) < 0) {
		wrong(d, where, key, v, "a number >= 0");
		return def;
	}
	return json_number_value(v);
}

/* A count or a size: a number from 0 below 2^64 (a cast of 1e300 would be undefined), or def. */
static uint64_t ou64(struct dec *d, const json_t *o, const char *where, const char *key, uint64_t def)
{
	const json_t *v = opt(d, o, where, key, JSON_REAL, "a number");
	double x = v ? json_number_value(v) : 0;

	if (!v)
		return def;
	if (x < 0 || x >= 18446744073709551616.0) {
		wrong(d, where, key, v, "a number from 0 below 2^64");
		return def;
	}
	return (uint64_t)x;
}

/* A small count (CPUs, repetitions): from 0 to INT_MAX, or def. */
static int oint(struct dec *d, const json_t *o, const char *where, const char *key, int def)
{
	const json_t *v = opt(d, o, where, key, JSON_REAL, "a number");
	double x = v ? json_number_value(v) : 0;

	if (!v)
		return def;
	if (x < 0 || x > INT_MAX) {
		wrong(d, where, key, v, "a whole number from 0 to 2147483647");
		return def;
	}
	return (int)x;
}

/*
 * A number as a whole int64_t (a real rounded): false when it lies outside
 * [min, 2^63) (or is no number at all), where a cast would be undefined.
 */
static bool as_int64(const json_t *v, double min, int64_t *out)
{
	double x = json_number_value(v);

	if (json_is_integer(v) && json_integer_value(v) >= min) {
		*out = json_integer_value(v);
		return true;
	}
	if (!json_is_real(v) || !(x >= min && x < 9223372036854775808.0))
		return false;
	*out = llround(x);
	return true;
}

/* A count, a size or a latency that may be unknown: not known when absent or null, else from 0 below 2^63. */
static struct result_int oi64(struct dec *d, const json_t *o, const char *where, const char *key)
{
	const json_t *v = opt(d, o, where, key, JSON_REAL, "a number");
	struct result_int x = { 0 };

	if (v && !(x.known = as_int64(v, 0, &x.v)))
		wrong(d, where, key, v, "a number from 0 below 2^63");
	return x;
}

static bool obool(struct dec *d, const json_t *o, const char *where, const char *key)
{
	return json_is_true(opt(d, o, where, key, JSON_TRUE, "true or false"));
}

static void decode_record(struct dec *d, const json_t *o, const char *where, struct lat_record *rec)
{
	const json_t *b = oarr(d, o, where, "buckets"), *few = oobj(d, o, where, "few_samples"), *e;
	size_t i;

	memset(rec, 0, sizeof(*rec));
	rec->present = true;
	rec->count = ou64(d, o, where, "count", 0);
	rec->has_extremes = rec->count && json_is_number(json_object_get(o, "max_ns"));
	rec->min_ns = onum(d, o, where, "min_ns", 0);
	rec->max_ns = onum(d, o, where, "max_ns", 0);
	rec->mean_ns = onum(d, o, where, "mean_ns", 0);
	for (i = 0; i < RESULT_NR_PCTS; i++) {
		const json_t *f = few ? oobj(d, few, "few_samples", result_pcts[i].key) : NULL;

		rec->pct[i].ns = onum(d, o, where, result_pcts[i].key, -1);
		rec->pct[i].known = rec->pct[i].ns >= 0;
		if (f) {
			rec->pct[i].estimate_ns = onum(d, f, result_pcts[i].key, "estimate_ns", 0);
			rec->pct[i].needed = ou64(d, f, result_pcts[i].key, "samples_needed", 0);
		}
	}
	if (!b)
		return;
	rec->buckets = xcalloc(json_array_size(b), sizeof(*rec->buckets));
	json_array_foreach(b, i, e) {
		json_int_t lo, hi, n;

		if (json_unpack((json_t *)e, "[III]", &lo, &hi, &n) || lo < 0 || hi < lo || n < 0) {
			if (!d->bad)
				snprintf(d->err, d->errlen, "%s.buckets[%zu] is not [lo_ns, hi_ns, count]", where, i);
			d->bad = true;
			return;
		}
		rec->buckets[rec->nr_buckets++] = (struct lat_bucket){ lo, hi, n };
	}
}

static void decode_probe(struct dec *d, const char *name, const json_t *o, struct probe_result *p)
{
	const json_t *c, *s, *sl, *cen, *idx, *e;
	char where[96];
	size_t i;

	snprintf(where, sizeof(where), "probes.%s", name);
	p->name = name;
	p->what = ostr(d, o, where, "what");
	p->lock_of = ostr(d, o, where, "mmap_lock_of");
	p->control = obool(d, o, where, "control");
	p->interval_ns = ou64(d, o, where, "interval_ns", 0);
	p->threads = (unsigned int)oint(d, o, where, "threads", 1);
	p->errors = ou64(d, o, where, "errors", 0);
	p->late = ou64(d, o, where, "late_samples", 0);
	p->first_error = ostr(d, o, where, "first_error");
	if ((cen = oobj(d, o, where, "censored"))) {
		p->censored = ou64(d, cen, "censored", "count", 0);
		p->censored_min_ns = onum(d, cen, "censored", "min_ns", -1);
		p->has_censored_min = p->censored_min_ns >= 0;
		if (!p->has_censored_min)
			p->censored_min_ns = 0;
	}
	p->p99_ratio_to_control = onum(d, o, where, "p99_ratio_to_control", -1);
	p->has_ratio = p->p99_ratio_to_control >= 0;
	if (!p->has_ratio)
		p->p99_ratio_to_control = 0;
	if ((c = oobj(d, o, where, "corrected")))
		decode_record(d, c, "corrected", &p->corrected);
	if ((s = oobj(d, o, where, "service")))
		decode_record(d, s, "service", &p->service);
	if ((sl = oarr(d, o, where, "slowest"))) {
		p->has_slowest = true;
		p->slowest = xcalloc(json_array_size(sl), sizeof(*p->slowest));
		json_array_foreach(sl, i, e) {
			if (!json_is_object(e)) {
				wrong(d, where, "slowest[]", e, "an object");
				break;
			}
			p->slowest[p->nr_slowest++] = (struct slow_rec){
				.t_s = onum(d, e, "slowest[]", "t_s", 0),
				.corrected_ns = onum(d, e, "slowest[]", "corrected_ns", 0),
				.service_ns = onum(d, e, "slowest[]", "service_ns", 0),
				.thread = oint(d, e, "slowest[]", "thread", 0),
			};
		}
	}
	/*
	 * The stored index is for other readers: it is checked for its shape,
	 * never trusted over the latencies it derives from (recomputed below).
	 */
	if ((idx = oobj(d, o, where, "stall_index"))) {
		int st;

		for (st = 0; st < RESULT_NR_STATS; st++)
			opt(d, idx, "stall_index", result_stats[st].index_key, JSON_REAL, "a number");
		oarr(d, idx, "stall_index", "lower_bound");
		oarr(d, idx, "stall_index", "upper_bound");
	}
}

static void decode_fio_dir(struct dec *d, const json_t *x, const char *where, struct result_fio_dir *out)
{
	memset(out, 0, sizeof(*out));
	if (!x)
		return;
	out->present = true;
	out->ios = ou64(d, x, where, "ios", 0);
	out->iops = onum(d, x, where, "iops", 0);
	out->io_bytes = oi64(d, x, where, "io_bytes");
	out->bw_bytes_per_s = oi64(d, x, where, "bw_bytes_per_s");
	out->clat_mean_ns = oi64(d, x, where, "clat_mean_ns");
	out->clat_p50_ns = oi64(d, x, where, "clat_p50_ns");
	out->clat_p99_ns = oi64(d, x, where, "clat_p99_ns");
	out->clat_p99_9_ns = oi64(d, x, where, "clat_p99_9_ns");
	out->clat_max_ns = oi64(d, x, where, "clat_max_ns");
}

static void decode_fio_jobs(struct dec *d, const json_t *jobs, const char *where, struct result_fio_rec *r)
{
	static const char *const dirs[RESULT_NR_DIRS] = { "read", "write" };
	struct result_fio_job *out = xcalloc(json_array_size(jobs) + 1, sizeof(*out));
	const json_t *job;
	size_t i, k;

	r->jobs = out;
	json_array_foreach(jobs, i, job) {
		char w[128];

		snprintf(w, sizeof(w), "%s.jobs[%zu]", where, i);
		if (!json_is_object(job)) {
			wrong(d, where, "jobs[]", job, "an object");
			return;
		}
		out[i].name = ostr(d, job, w, "name");
		out[i].error = oi64(d, job, w, "error");
		out[i].runtime_ms = oi64(d, job, w, "runtime_ms");
		for (k = 0; k < RESULT_NR_DIRS; k++) {
			char w2[160];

			snprintf(w2, sizeof(w2), "%s.%s", w, dirs[k]);
			decode_fio_dir(d, oobj(d, job, w, dirs[k]), w2, &out[i].dir[k]);
		}
		r->nr_jobs++;
	}
}

static void decode_fio(struct dec *d, const json_t *o, const char *where, struct fio_side *f)
{
	struct result_fio_rec *r = &f->rec;
	const json_t *jobs;
	size_t i, k;
	char w[64];

	f->present = r->present = true;
	r->job_file = f->job_file = ostr(d, o, where, "job_file");
	r->group = ostr(d, o, where, "group");
	r->status = f->status = ostr(d, o, where, "status");
	r->error = f->error = ostr(d, o, where, "error");
	r->file = ostr(d, o, where, "file");
	r->job_text = ostr(d, o, where, "job_text");
	r->runtime = ostr(d, o, where, "runtime");
	r->ended_by = ostr(d, o, where, "ended_by");
	r->reaped = json_object_get(o, "exit_status") != NULL;
	r->exit_status = oi64(d, o, where, "exit_status");
	r->fio_version = ostr(d, o, where, "fio_version");
	r->has_output = r->fio_version || json_object_get(o, "jobs");
	if ((jobs = oarr(d, o, where, "jobs")))
		decode_fio_jobs(d, jobs, where, r);
	r->has_read = json_object_get(o, "read") != NULL;
	snprintf(w, sizeof(w), "%s.read", where);
	decode_fio_dir(d, oobj(d, o, where, "read"), w, &r->read);
	/* what reports show: the baseline's reads, a background job's figures per direction */
	if (r->read.present) {
		f->has_read = true;
		f->read_p50_ns = r->read.clat_p50_ns.known ? (double)r->read.clat_p50_ns.v : 0;
		f->read_p99_ns = r->read.clat_p99_ns.known ? (double)r->read.clat_p99_ns.v : 0;
		f->read_iops = r->read.iops;
	}
	for (i = 0; i < r->nr_jobs; i++)
		for (k = 0; k < RESULT_NR_DIRS; k++) {
			const struct result_fio_dir *x = &r->jobs[i].dir[k];

			if (!x->present)
				continue;
			f->has_dir[k] = true;
			f->iops[k] += x->iops;
			if (x->clat_p99_ns.known)
				f->p99_ns[k] = fmax(f->p99_ns[k], (double)x->clat_p99_ns.v);
		}
}

static void decode_fio_all(struct dec *d, const json_t *f, struct run_result *r)
{
	const json_t *env = oobj(d, f, "fio", "env"), *x;

	r->fio.present = true;
	r->fio.binary = ostr(d, f, "fio", "binary");
	r->fio.version = ostr(d, f, "fio", "version");
	r->fio.sysv_shm_emulated = obool(d, f, "fio", "sysv_shm_emulated");
	if (env) {
		r->fio.data_dir = ostr(d, env, "fio.env", "MMSTALL_DATA_DIR");
		r->fio.read_file = ostr(d, env, "fio.env", "MMSTALL_READ_FILE");
	}
	if ((x = oobj(d, f, "fio", "baseline")))
		decode_fio(d, x, "fio.baseline", &r->fio.baseline);
	if ((x = oobj(d, f, "fio", "lo")))
		decode_fio(d, x, "fio.lo", &r->fio.lo);
	if ((x = oobj(d, f, "fio", "hi")))
		decode_fio(d, x, "fio.hi", &r->fio.hi);
}

static void decode_cgroup(struct dec *d, const json_t *o, const char *where, struct result_cgroup *g)
{
	const json_t *ms, *io, *pr, *x;
	struct result_counter *c;
	const char *key;
	char w[64];
	size_t i;

	snprintf(w, sizeof(w), "%s.memory_stat", where);
	if ((ms = oobj(d, o, where, "memory_stat"))) {
		g->has_memory_stat = true;
		g->memory_stat = c = xcalloc(json_object_size(ms) + 1, sizeof(*c));
		json_object_foreach((json_t *)ms, key, x) {
			/* every key of memory.stat, end minus start: gauges may go down */
			int64_t v;

			if (json_is_null(x))	/* as absent */
				continue;
			if (!as_int64(x, -9223372036854775808.0, &v)) {
				wrong(d, w, key, x, "a number from -2^63 below 2^63");
				return;
			}
			c[g->nr_memory_stat++] = (struct result_counter){ key, v };
		}
	}
	snprintf(w, sizeof(w), "%s.io_stat", where);
	if ((io = oobj(d, o, where, "io_stat"))) {
		g->has_io_stat = true;
		for (i = 0; i < RESULT_NR_IO_STAT; i++)
			g->io_stat[i] = oi64(d, io, w, result_io_stat_keys[i]);
	}
	snprintf(w, sizeof(w), "%s.pressure", where);
	if ((pr = oobj(d, o, where, "pressure")))
		for (i = 0; i < RESULT_NR_PSI; i++) {
			char w2[80];

			if (!(x = oobj(d, pr, w, result_psi_keys[i])))
				continue;
			snprintf(w2, sizeof(w2), "%s.%s", w, result_psi_keys[i]);
			g->pressure[i].present = true;
			g->pressure[i].some_total_us = oi64(d, x, w2, "some_total_us");
			g->pressure[i].full_total_us = oi64(d, x, w2, "full_total_us");
		}
	g->path = ostr(d, o, where, "path");
	g->has_memory_max = json_is_number(json_object_get(o, "memory_max_bytes"));
	g->memory_max_bytes = ou64(d, o, where, "memory_max_bytes", 0);
}

static void decode_cgroups(struct dec *d, const json_t *cg, struct run_result *r)
{
	const json_t *x;
	size_t i;

	r->cgroups.present = true;
	if ((x = oobj(d, cg, "cgroups", "lo"))) {
		r->cgroups.has_lo = true;
		decode_cgroup(d, x, "cgroups.lo", &r->cgroups.lo);
	}
	if ((x = oobj(d, cg, "cgroups", "hi"))) {
		r->cgroups.has_hi = true;
		decode_cgroup(d, x, "cgroups.hi", &r->cgroups.hi);
	}
	if (!r->cgroups.has_lo)
		return;
	/* lo's headline figures: its major faults and read I/Os */
	r->cg_lo.present = true;
	for (i = 0; i < r->cgroups.lo.nr_memory_stat; i++)
		if (!strcmp(r->cgroups.lo.memory_stat[i].name, "pgmajfault") && r->cgroups.lo.memory_stat[i].delta > 0)
			r->cg_lo.pgmajfault = (uint64_t)r->cgroups.lo.memory_stat[i].delta;
	if (r->cgroups.lo.io_stat[RESULT_IO_RIOS].v > 0)
		r->cg_lo.rios = (uint64_t)r->cgroups.lo.io_stat[RESULT_IO_RIOS].v;
}

static void decode_lo(struct dec *d, const json_t *lo, struct run_result *r)
{
	const json_t *x;

	r->lo.present = true;
	r->lo.fault_mode = ostr(d, lo, "lo", "fault_mode");
	r->lo.writer = ostr(d, lo, "lo", "writer");
	r->lo.touches = ou64(d, lo, "lo", "touches", 0);
	r->lo.writer_ops = ou64(d, lo, "lo", "writer_ops", 0);
	r->lo.writer_errors = ou64(d, lo, "lo", "writer_errors", 0);
	r->lo.writer_first_error = ostr(d, lo, "lo", "writer_first_error");
	if ((x = oobj(d, lo, "lo", "touch")))
		decode_record(d, x, "lo.touch", &r->lo.touch);
	if ((x = oobj(d, lo, "lo", "writer_op")))
		decode_record(d, x, "lo.writer_op", &r->lo.writer_op);
}

static void decode_timings(struct dec *d, const json_t *t, struct run_result *r)
{
	int p;

	r->timings.present = true;
	for (p = 0; p < RESULT_NR_PHASES; p++) {
		double v = onum(d, t, "timings", result_phase_keys[p], -1);

		r->timings.t.known[p] = v >= 0;
		r->timings.t.s[p] = v >= 0 ? v : 0;
	}
}

/* An array of strings (frames, limits): an owned array of pointers into the document, or NULL. */
static const char **decode_strings(struct dec *d, const json_t *o, const char *where, const char *key, size_t *n)
{
	const json_t *a = oarr(d, o, where, key), *e;
	const char **out;
	char w[160];
	size_t i;

	*n = 0;
	if (!a)
		return NULL;
	out = xcalloc(json_array_size(a) + 1, sizeof(*out));
	snprintf(w, sizeof(w), "%s%s%s[]", where, *where ? "." : "", key);
	json_array_foreach(a, i, e) {
		if (!json_is_string(e)) {
			wrong(d, "", w, e, "a string");
			break;
		}
		out[(*n)++] = json_string_value(e);
	}
	return out;
}

static void decode_attrib_sum(struct dec *d, const json_t *o, const char *where, struct attribution_sum *s)
{
	s->waits = ou64(d, o, where, "waits", 0);
	s->waits_over_min = ou64(d, o, where, "waits_over_min", 0);
	s->wait_ns = ou64(d, o, where, "wait_ns", 0);
	s->explained_ns = ou64(d, o, where, "explained_ns", 0);
}

static void decode_attrib_holders(struct dec *d, const json_t *a, struct attribution_result *at)
{
	const json_t *e;
	size_t i;

	at->holders = xcalloc(json_array_size(a) + 1, sizeof(*at->holders));
	json_array_foreach(a, i, e) {
		struct attribution_holder *h = &at->holders[at->nr_holders];
		char w[64];

		snprintf(w, sizeof(w), "attribution.holders[%zu]", i);
		if (!json_is_object(e)) {
			wrong(d, "attribution", "holders[]", e, "an object");
			return;
		}
		h->thread = ostr(d, e, w, "thread");
		h->mode = ostr(d, e, w, "mode");
		h->call = ostr(d, e, w, "call");
		h->state = ostr(d, e, w, "state");
		h->stall_ns = ou64(d, e, w, "stall_ns", 0);
		h->waits = ou64(d, e, w, "waits", 0);
		h->holds = ou64(d, e, w, "holds", 0);
		oobj(d, e, w, "probes_ns");
		at->nr_holders++;	/* before its frames: freed with it whatever they are */
		h->frames = decode_strings(d, e, w, "frames", &h->nr_frames);
		if (d->bad)
			return;
	}
}

static void decode_attrib_writers(struct dec *d, const json_t *a, struct attribution_result *at)
{
	const json_t *e;
	size_t i;

	at->writers = xcalloc(json_array_size(a) + 1, sizeof(*at->writers));
	json_array_foreach(a, i, e) {
		struct attribution_writer *x = &at->writers[at->nr_writers];
		char w[64];

		snprintf(w, sizeof(w), "attribution.writers[%zu]", i);
		if (!json_is_object(e)) {
			wrong(d, "attribution", "writers[]", e, "an object");
			return;
		}
		x->call = ostr(d, e, w, "call");
		x->stall_ns = ou64(d, e, w, "stall_ns", 0);
		x->waits = ou64(d, e, w, "waits", 0);
		x->requests = ou64(d, e, w, "requests", 0);
		at->nr_writers++;
		x->frames = decode_strings(d, e, w, "frames", &x->nr_frames);
		if (d->bad)
			return;
	}
}

/*
 * What reports use of "attribution": chains and long holds are for a
 * reader of one run, only checked for their shape.
 */
static void decode_attribution(struct dec *d, const json_t *o, struct attribution_result *at)
{
	const json_t *x, *v;
	const char *key;

	at->present = true;
	at->status = ostr(d, o, "attribution", "status");
	at->ok = at->status && !strcmp(at->status, "ok");
	at->error = ostr(d, o, "attribution", "error");
	at->min_ns = ou64(d, o, "attribution", "min_ns", 0);
	at->limits = decode_strings(d, o, "attribution", "limits", &at->nr_limits);
	if ((x = oobj(d, o, "attribution", "unattributable_probes"))) {
		at->unattributable = xcalloc(json_object_size(x) + 1, sizeof(*at->unattributable));
		json_object_foreach((json_t *)x, key, v) {
			if (!json_is_string(v)) {
				wrong(d, "attribution.unattributable_probes", key, v, "a string");
				return;
			}
			at->unattributable[at->nr_unattributable++] = (struct attribution_unattributable){
				key, json_string_value(v) };
		}
	}
	if ((x = oobj(d, o, "attribution", "trace"))) {
		at->trace.lost_events = ou64(d, x, "attribution.trace", "lost_events", 0);
		/* seconds from the window's start: negative when in the warm-up */
		if ((v = opt(d, x, "attribution.trace", "complete_from_s", JSON_REAL, "a number"))) {
			at->trace.incomplete = true;
			at->trace.complete_from_s = json_number_value(v);
		}
	}
	if ((x = oobj(d, o, "attribution", "total")))
		decode_attrib_sum(d, x, "attribution.total", &at->total);
	if ((x = oobj(d, o, "attribution", "probes"))) {
		at->probes = xcalloc(json_object_size(x) + 1, sizeof(*at->probes));
		json_object_foreach((json_t *)x, key, v) {
			char w[96];

			if (!json_is_object(v)) {
				wrong(d, "attribution.probes", key, v, "an object");
				return;
			}
			snprintf(w, sizeof(w), "attribution.probes.%s", key);
			at->probes[at->nr_probes].name = key;
			decode_attrib_sum(d, v, w, &at->probes[at->nr_probes++].sum);
		}
	}
	at->holders_dropped = ou64(d, o, "attribution", "holders_dropped", 0);
	if ((x = oarr(d, o, "attribution", "holders")))
		decode_attrib_holders(d, x, at);
	if ((x = oarr(d, o, "attribution", "writers")))
		decode_attrib_writers(d, x, at);
	oarr(d, o, "attribution", "chains");
	oarr(d, o, "attribution", "long_holds");
}

/* Any number (a difference of two clocks may be below 0), NAN when null or absent. */
static double osecs(struct dec *d, const json_t *o, const char *where, const char *key)
{
	const json_t *v = opt(d, o, where, key, JSON_REAL, "a number");

	return v ? json_number_value(v) : NAN;
}

static void decode_vm_timings(struct dec *d, const json_t *t, struct vm_result_timings *out)
{
	out->present = true;
#define X(k) out->k = osecs(d, t, "vm.timings", #k);
	RESULT_VM_TIMINGS(X)
#undef X
}

static void decode_vm(struct dec *d, const json_t *o, struct vm_result *vm)
{
	const json_t *h = oobj(d, o, "vm", "host"), *t, *p;

	vm->present = true;
	vm->label = ostr(d, o, "vm", "label");
	vm->kernel_spec = ostr(d, o, "vm", "kernel_spec");
	vm->kernel_image = ostr(d, o, "vm", "kernel_image");
	vm->kernel_release = ostr(d, o, "vm", "kernel_release");
	vm->package = ostr(d, o, "vm", "package");
	vm->package_version = ostr(d, o, "vm", "package_version");
	vm->accelerator = ostr(d, o, "vm", "accelerator");
	vm->accelerator_reason = ostr(d, o, "vm", "accelerator_reason");
	vm->could_not_test = ostr(d, o, "vm", "could_not_test");
	vm->baseline = ostr(d, o, "vm", "baseline");
	vm->guest_cpus = oint(d, o, "vm", "guest_cpus", 0);
	vm->guest_memory_bytes = ou64(d, o, "vm", "guest_memory_bytes", 0);
	vm->repetition = oint(d, o, "vm", "repetition", 0);
	vm->repetitions = oint(d, o, "vm", "repetitions", 0);
	vm->variant_index = oint(d, o, "vm", "variant_index", -1);
	vm->kernel_features = (json_t *)oobj(d, o, "vm", "kernel_features");
	if ((t = oobj(d, o, "vm", "timings")))
		decode_vm_timings(d, t, &vm->t);
	vm->parallel_guests = oint(d, o, "vm", "parallel_guests", 0);
	vm->plan_index = vm->plan_pairing = -1;
	if ((p = oobj(d, o, "vm", "plan"))) {
		vm->plan_id = ostr(d, p, "vm.plan", "id");
		vm->plan_index = oint(d, p, "vm.plan", "index", -1);
		vm->plan_pairing = oint(d, p, "vm.plan", "pairing", -1);
	}
	if (h) {
		vm->host_present = true;
		vm->host_name = ostr(d, h, "vm.host", "hostname");
		vm->host_cpus = oint(d, h, "vm.host", "cpus", 0);
		vm->host_memory_bytes = ou64(d, h, "vm.host", "memory_bytes", 0);
		vm->host_kernel_release = ostr(d, h, "vm.host", "kernel_release");
	}
}

static void decode_command_line(struct dec *d, const json_t *root, struct run_result *r)
{
	const json_t *cmd = oarr(d, root, "", "command_line"), *e;
	size_t i;

	if (!cmd)
		return;
	r->command_line = xcalloc(json_array_size(cmd) + 1, sizeof(*r->command_line));
	json_array_foreach(cmd, i, e) {
		if (!json_is_string(e)) {
			wrong(d, "", "command_line[]", e, "a string");
			return;
		}
		r->command_line[r->nr_command_line++] = json_string_value(e);
	}
}

static void decode_kernel(struct dec *d, const json_t *k, struct result_kernel *out)
{
	const json_t *cfg, *v;
	struct result_kconfig_opt *opts;
	const char *key;

	out->release = ostr(d, k, "kernel", "release");
	out->version = ostr(d, k, "kernel", "version");
	out->machine = ostr(d, k, "kernel", "machine");
	out->transparent_hugepage = ostr(d, k, "kernel", "transparent_hugepage");
	out->config_source = ostr(d, k, "kernel", "config_source");
	if (!(cfg = oobj(d, k, "kernel", "config")))
		return;
	out->config = opts = xcalloc(json_object_size(cfg) + 1, sizeof(*opts));
	json_object_foreach((json_t *)cfg, key, v) {
		if (!json_is_string(v) && !json_is_null(v)) {
			wrong(d, "kernel.config", key, v, "a string or null");
			return;
		}
		opts[out->nr_config++] = (struct result_kconfig_opt){ key, json_string_value(v) };
	}
}

/* Each setting a string or a whole number (a seed beyond INT64_MAX is a string). */
static void decode_settings(struct dec *d, const json_t *sc, struct run_result *r)
{
	const char *key;
	const json_t *v;

	r->settings = xcalloc(json_object_size(sc) + 1, sizeof(*r->settings));
	json_object_foreach((json_t *)sc, key, v) {
		struct result_setting_value *x = &r->settings[r->nr_settings];

		if (json_is_null(v))	/* as absent, like every other key */
			continue;
		x->key = key;
		if (json_is_string(v)) {
			x->text = json_string_value(v);
		} else if (json_is_integer(v) && json_integer_value(v) >= 0) {
			x->value = (uint64_t)json_integer_value(v);
		} else {
			wrong(d, "scenario", key, v, "a string or a whole number");
			return;
		}
		r->nr_settings++;
	}
}

static void decode_histogram(struct dec *d, const json_t *h, struct run_result *r)
{
	r->histogram.present = true;
	r->histogram.type = ostr(d, h, "histogram", "type");
	r->histogram.unit = ostr(d, h, "histogram", "unit");
	r->histogram.sub_bucket_bits = oint(d, h, "histogram", "sub_bucket_bits", 0);
	r->histogram.relative_error_bound = onum(d, h, "histogram", "relative_error_bound", 0);
}

static void decode_envelope(struct dec *d, const json_t *root, struct run_result *r)
{
	const json_t *v = json_object_get(root, "format_version"), *m, *k, *t, *h;

	if (!json_is_integer(v))
		wrong(d, "", "format_version", v, "an integer");
	r->format_version = (int)json_integer_value(v);
	if (!d->bad && r->format_version != RESULT_FORMAT_VERSION) {
		snprintf(d->err, d->errlen, "format_version %d is not %d (made by another mmstall version)",
			 r->format_version, RESULT_FORMAT_VERSION);
		d->bad = true;
	}
	r->mmstall_version = ostr(d, root, "", "mmstall_version");
	decode_command_line(d, root, r);
	r->status_text = ostr(d, root, "", "status");
	if (!r->status_text)
		wrong(d, "", "status", json_object_get(root, "status"), "a string");
	else if (!strcmp(r->status_text, "ok"))
		r->status = RUN_OK;
	else if (!strcmp(r->status_text, "failed"))
		r->status = RUN_FAILED;
	else if (!strcmp(r->status_text, "running"))
		r->status = RUN_RUNNING;
	r->error = ostr(d, root, "", "error");
	r->label = ostr(d, root, "", "label");
	r->mode = ostr(d, root, "", "mode");
	r->start_time = ostr(d, root, "", "start_time");
	r->end_time = ostr(d, root, "", "end_time");
	if ((m = oobj(d, root, "", "machine"))) {
		r->machine_host = ostr(d, m, "machine", "hostname");
		r->machine_cpus = oint(d, m, "machine", "cpus", 0);
		r->machine_memory_bytes = ou64(d, m, "machine", "memory_bytes", 0);
	}
	if ((k = oobj(d, root, "", "kernel"))) {
		decode_kernel(d, k, &r->kernel);
		r->kernel_release = r->kernel.release;
	}
	/* absent only in a result that failed before its settings were known */
	if ((r->scenario = (json_t *)oobj(d, root, "", "scenario")))
		decode_settings(d, r->scenario, r);
	if ((h = oobj(d, root, "", "histogram")))
		decode_histogram(d, h, r);
	/* "name" since the scenario library, "scenario" before it */
	r->scenario_name = ostr(d, r->scenario, "scenario", "name") ?: ostr(d, r->scenario, "scenario", "scenario");
	r->duration_ns = ou64(d, r->scenario, "scenario", "duration_ns", 0);
	if ((t = oobj(d, root, "", "throttle"))) {
		r->throttle.present = true;
		r->throttle.requested = ostr(d, t, "throttle", "requested");
		r->throttle.kind = ostr(d, t, "throttle", "kind");
		r->throttle.reason = ostr(d, t, "throttle", "reason");
		r->throttle.group = ostr(d, t, "throttle", "group");
		r->throttle.file = ostr(d, t, "throttle", "file");
		r->throttle.value = ostr(d, t, "throttle", "value");
		r->throttle.device = ostr(d, t, "throttle", "device");
		r->throttle.disk = ostr(d, t, "throttle", "disk");
		r->throttle.other_settings = ostr(d, t, "throttle", "other_settings");
	}
}

static void decode_measured(struct dec *d, const json_t *root, struct run_result *r)
{
	const json_t *probes = oobj(d, root, "", "probes"), *lo, *cg, *f, *t, *v;
	const char *name;
	size_t i;

	r->control = -1;
	if (probes) {
		r->probes = xcalloc(json_object_size(probes), sizeof(*r->probes));
		json_object_foreach((json_t *)probes, name, v) {
			struct probe_result *p = &r->probes[r->nr_probes];

			if (!json_is_object(v)) {
				wrong(d, "probes", name, v, "an object");
				return;
			}
			decode_probe(d, name, v, p);
			if (p->control && r->control < 0)
				r->control = (int)r->nr_probes;
			r->nr_probes++;
		}
	}
	for (i = 0; i < r->nr_probes; i++)
		compute_index(r, &r->probes[i]);
	if ((lo = oobj(d, root, "", "lo")))
		decode_lo(d, lo, r);
	if ((cg = oobj(d, root, "", "cgroups")))
		decode_cgroups(d, cg, r);
	if ((f = oobj(d, root, "", "fio")))
		decode_fio_all(d, f, r);
	if ((t = oobj(d, root, "", "timings")))
		decode_timings(d, t, r);
	if ((v = oobj(d, root, "", "attribution")))
		decode_attribution(d, v, &r->attribution);
}

int result_decode(json_t *root, struct run_result *r, char *err, size_t errlen)
{
	struct dec d = { .err = err, .errlen = errlen };
	const json_t *vm;

	memset(r, 0, sizeof(*r));
	r->control = -1;
	if (!json_is_object(root)) {
		snprintf(err, errlen, "a result is a JSON object, not %s", root ? type_name(root) : "nothing");
		return -EINVAL;
	}
	r->raw = json_incref(root);
	decode_envelope(&d, root, r);
	if (!d.bad)
		decode_measured(&d, root, r);
	if (!d.bad && (vm = oobj(&d, root, "", "vm")))
		decode_vm(&d, vm, &r->vm);
	if (d.bad) {
		result_free(r);
		return -EINVAL;
	}
	return 0;
}

static void record_free(struct lat_record *rec)
{
	free(rec->buckets);
}

static void attribution_free(struct attribution_result *at)
{
	size_t i;

	for (i = 0; i < at->nr_holders; i++)
		free(at->holders[i].frames);
	for (i = 0; i < at->nr_writers; i++)
		free(at->writers[i].frames);
	free(at->holders);
	free(at->writers);
	free(at->probes);
	free(at->unattributable);
	free(at->limits);
}

void result_free(struct run_result *r)
{
	size_t i;

	for (i = 0; i < r->nr_probes; i++) {
		record_free(&r->probes[i].corrected);
		record_free(&r->probes[i].service);
		free(r->probes[i].slowest);
	}
	free(r->probes);
	free(r->command_line);
	free((void *)r->kernel.config);
	free(r->settings);
	record_free(&r->lo.touch);
	record_free(&r->lo.writer_op);
	free((void *)r->cgroups.lo.memory_stat);
	free((void *)r->cgroups.hi.memory_stat);
	free((void *)r->fio.baseline.rec.jobs);
	free((void *)r->fio.lo.rec.jobs);
	free((void *)r->fio.hi.rec.jobs);
	attribution_free(&r->attribution);
	json_decref(r->raw);
	memset(r, 0, sizeof(*r));
	r->control = -1;
}

int result_check(const json_t *root, char *err, size_t errlen)
{
	struct run_result r;
	int ret = result_decode((json_t *)root, &r, err, errlen);

	if (!ret)
		result_free(&r);
	return ret;
}

const struct probe_result *result_probe(const struct run_result *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nr_probes; i++)
		if (!strcmp(r->probes[i].name, name))
			return &r->probes[i];
	return NULL;
}
