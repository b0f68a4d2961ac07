// SPDX-License-Identifier: GPL-2.0
#include "harness/result.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cmds.h"
#include "harness/util.h"
#include "version.h"

const struct pct_def result_pcts[] = {
	{ 50.0, "p50_ns", "p50" },
	{ 90.0, "p90_ns", "p90" },
	{ 99.0, "p99_ns", "p99" },
	{ 99.9, "p99_9_ns", "p99.9" },
};
const size_t result_nr_pcts = ARRAY_SIZE(result_pcts);
_Static_assert(ARRAY_SIZE(result_pcts) == RESULT_NR_PCTS, "RESULT_NR_PCTS");

const struct result_stat_def result_stats[RESULT_NR_STATS] = {
	[STAT_P50] = { "p50", "p50_ns", "p50", 0 },
	[STAT_P99] = { "p99", "p99_ns", "p99", 2 },
	[STAT_P99_9] = { "p99.9", "p99_9_ns", "p99_9", 3 },
	[STAT_MAX] = { "max", "max_ns", "max", -1 },
};

int result_stat_parse(const char *name)
{
	int i;

	for (i = 0; i < RESULT_NR_STATS; i++)
		if (!strcmp(result_stats[i].name, name))
			return i;
	return -1;
}

json_t *result_envelope(void)
{
	json_t *root = json_object(), *cmd = json_array();
	char t[64];
	int i;

	for (i = 0; i < mm_orig_argc; i++)
		json_array_append_new(cmd, json_string(mm_orig_argv[i]));
	iso8601_now(t, sizeof(t));
	json_object_set_new(root, "format_version", json_integer(RESULT_FORMAT_VERSION));
	json_object_set_new(root, "mmstall_version", json_string(MMSTALL_VERSION));
	json_object_set_new(root, "command_line", cmd);
	json_object_set_new(root, "start_time", json_string(t));
	json_object_set_new(root, "end_time", json_null());
	json_object_set_new(root, "status", json_string("running"));
	json_object_set_new(root, "error", json_null());
	return root;
}

void result_finish(json_t *root, const char *status, const char *error)
{
	char t[64];

	iso8601_now(t, sizeof(t));
	json_object_set_new(root, "end_time", json_string(t));
	json_object_set_new(root, "status", json_string(status));
	json_object_set_new(root, "error", error ? json_string(error) : json_null());
}

json_t *hist_to_json(const struct hist *h)
{
	json_t *o = json_object(), *few = json_object(), *b = json_array();
	size_t i;

	json_object_set_new(o, "count", json_integer((json_int_t)h->count));
	json_object_set_new(o, "min_ns", h->count ? json_integer((json_int_t)h->min_ns) : json_null());
	json_object_set_new(o, "max_ns", h->count ? json_integer((json_int_t)h->max_ns) : json_null());
	json_object_set_new(o, "mean_ns", h->count ? json_real(hist_mean(h)) : json_null());
	for (i = 0; i < result_nr_pcts; i++) {
		uint64_t need = hist_samples_needed(result_pcts[i].p);
		uint64_t v = hist_percentile(h, result_pcts[i].p);

		if (h->count >= need) {
			json_object_set_new(o, result_pcts[i].key, json_integer((json_int_t)v));
			continue;
		}
		/* Too few samples: no plain number, the estimate is kept aside. */
		json_object_set_new(o, result_pcts[i].key, json_null());
		if (h->count)
			json_object_set_new(few, result_pcts[i].key,
					    json_pack("{s:I,s:I}", "estimate_ns", (json_int_t)v,
						      "samples_needed", (json_int_t)need));
	}
	json_object_set_new(o, "few_samples", few);
	for (i = 0; i < HIST_NR_BUCKETS; i++) {
		uint64_t lo, hi;

		if (!h->buckets[i])
			continue;
		hist_bucket_range(i, &lo, &hi);
		json_array_append_new(b, json_pack("[I,I,I]", (json_int_t)lo, (json_int_t)hi,
						   (json_int_t)h->buckets[i]));
	}
	json_object_set_new(o, "buckets", b);
	return o;
}

int hist_from_json(const json_t *rec, struct hist *h)
{
	json_t *buckets = json_object_get(rec, "buckets"), *b, *v;
	json_int_t lo, hi, n;
	size_t i;

	hist_init(h);
	if (!json_is_array(buckets))
		return -EINVAL;
	json_array_foreach(buckets, i, b) {
		if (json_unpack(b, "[III]", &lo, &hi, &n) || lo < 0 || n < 0)
			return -EINVAL;
		hist_add_bucket(h, (uint64_t)lo, (uint64_t)n);
	}
	if ((v = json_object_get(rec, "min_ns")) && json_is_integer(v))
		h->min_ns = json_integer_value(v);
	if ((v = json_object_get(rec, "max_ns")) && json_is_integer(v))
		h->max_ns = json_integer_value(v);
	if ((v = json_object_get(rec, "mean_ns")) && json_is_number(v)) {
		double sum = json_number_value(v) * (double)h->count;

		/* a mean no count of samples can have is no histogram (and no cast of it is defined) */
		if (!(sum >= 0 && sum < 0x1p64))
			return -EINVAL;
		h->sum_ns = (uint64_t)sum;
	}
	if ((v = json_object_get(rec, "count")) && json_integer_value(v) != (json_int_t)h->count)
		return -EINVAL;
	return 0;
}

/* ---- the derived stall index ---- */

struct stat_value probe_stat_value(const struct probe_result *p, enum result_stat st)
{
	const struct lat_record *c = &p->corrected;
	struct stat_value s = { 0 };
	int k = result_stats[st].pct;

	if (k >= 0 && c->pct[k].known) {
		s.known = true;
		s.v = c->pct[k].ns;
	} else if (k < 0 && c->has_extremes) {
		s.known = true;
		s.v = c->max_ns;
	}
	/* a censored sample recorded at or below v may truly lie above it */
	s.lower_bound = s.known && p->censored && p->censored_min_ns <= s.v;
	return s;
}

bool probe_takes_lo_lock(const struct probe_result *p)
{
	return p->lock_of && !strncmp(p->lock_of, "lo", 2);
}

/*
 * A probe's statistic over the control's in the same boot: what the probe
 * waited beyond the guest's general noise.  A lower-bound numerator gives a
 * lower-bound index; a censored control gives no index at all (the ratio
 * could move either way).
 */
static void compute_index(struct run_result *r, struct probe_result *p)
{
	const struct probe_result *ctl = r->control >= 0 ? &r->probes[r->control] : NULL;
	int st;

	for (st = 0; st < RESULT_NR_STATS; st++) {
		struct stat_value a = probe_stat_value(p, st), b = ctl ? probe_stat_value(ctl, st) : (struct stat_value){ 0 };

		p->index[st] = (struct stat_value){ 0 };
		if (!ctl || p == ctl || !a.known || !b.known || !(b.v > 0) || b.lower_bound)
			continue;
		p->index[st] = (struct stat_value){ .known = true, .v = a.v / b.v, .lower_bound = a.lower_bound };
	}
}

static json_t *index_json(const struct probe_result *p)
{
	json_t *o = json_object(), *lb = json_array();
	int st;

	for (st = 0; st < RESULT_NR_STATS; st++) {
		const struct stat_value *x = &p->index[st];

		json_object_set_new(o, result_stats[st].index_key, x->known ? json_real(x->v) : json_null());
		if (x->known && x->lower_bound)
			json_array_append_new(lb, json_string(result_stats[st].index_key));
	}
	json_object_set_new(o, "lower_bound", lb);
	return o;
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

/*
 * A count or a size: a number >= 0 below 2^64, or def when absent.  (A
 * larger one is an error: converting it to an integer is undefined.)
 */
static uint64_t ou64(struct dec *d, const json_t *o, const char *where, const char *key, uint64_t def)
{
	double v = onum(d, o, where, key, -1);

	if (v < 0)
		return def;
	if (v >= 0x1p64) {
		wrong(d, where, key, json_object_get(o, key), "a number below 2^64");
		return def;
	}
	return (uint64_t)v;
}

/* A small whole number (CPUs, a thread, a repetition): 0 to INT_MAX, or def when absent. */
_Static_assert(INT_MAX == 2147483647, "oint()'s message");
static int oint(struct dec *d, const json_t *o, const char *where, const char *key, int def)
{
	double v = onum(d, o, where, key, -1);

	if (v < 0)
		return def;
	if (v > INT_MAX) {
		wrong(d, where, key, json_object_get(o, key), "a number up to 2147483647");
		return def;
	}
	return (int)v;
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
		p->censored_min_ns = onum(d, cen, "censored", "min_ns", 0);
	}
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
	/* the stored index, if any; checked here, recomputed by the caller when absent */
	if ((idx = oobj(d, o, where, "stall_index"))) {
		const json_t *lb = oarr(d, idx, "stall_index", "lower_bound");
		int st;

		for (st = 0; st < RESULT_NR_STATS; st++) {
			const json_t *v = opt(d, idx, "stall_index", result_stats[st].index_key, JSON_REAL, "a number");
			size_t j;

			if (!v)
				continue;
			p->index[st].known = true;
			p->index[st].v = json_number_value(v);
			json_array_foreach(lb, j, e)
				if (json_is_string(e) && !strcmp(json_string_value(e), result_stats[st].index_key))
					p->index[st].lower_bound = true;
		}
	}
}

static void decode_fio(struct dec *d, const json_t *o, const char *where, struct fio_side *f)
{
	static const char *const dirs[] = { "read", "write" };
	const json_t *rd, *jobs, *job, *x;
	size_t i, k;

	f->present = true;
	f->job_file = ostr(d, o, where, "job_file");
	f->status = ostr(d, o, where, "status");
	f->error = ostr(d, o, where, "error");
	if ((rd = oobj(d, o, where, "read"))) {
		f->has_read = true;
		f->read_p50_ns = onum(d, rd, "read", "clat_p50_ns", 0);
		f->read_p99_ns = onum(d, rd, "read", "clat_p99_ns", 0);
		f->read_iops = onum(d, rd, "read", "iops", 0);
	}
	if (!(jobs = oarr(d, o, where, "jobs")))
		return;
	json_array_foreach(jobs, i, job) {
		for (k = 0; k < 2; k++) {
			if (!json_is_object(job) || !(x = oobj(d, job, "jobs[]", dirs[k])))
				continue;
			f->has_dir[k] = true;
			f->iops[k] += onum(d, x, dirs[k], "iops", 0);
			f->p99_ns[k] = fmax(f->p99_ns[k], onum(d, x, dirs[k], "clat_p99_ns", 0));
		}
	}
}

static void decode_vm(struct dec *d, const json_t *o, struct vm_result *vm)
{
	const json_t *h = oobj(d, o, "vm", "host"), *t;

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
	vm->timings = (json_t *)(t = oobj(d, o, "vm", "timings"));
	vm->overhead_s = t ? onum(d, t, "vm.timings", "overhead_s", -1) : -1;
	if (h) {
		vm->host_name = ostr(d, h, "vm.host", "hostname");
		vm->host_cpus = oint(d, h, "vm.host", "cpus", 0);
		vm->host_memory_bytes = ou64(d, h, "vm.host", "memory_bytes", 0);
	}
}

static void decode_envelope(struct dec *d, const json_t *root, struct run_result *r)
{
	const json_t *v = json_object_get(root, "format_version"), *m, *k, *t;

	if (!json_is_integer(v))
		wrong(d, "", "format_version", v, "an integer");
	r->format_version = (int)json_integer_value(v);
	if (!d->bad && r->format_version != RESULT_FORMAT_VERSION) {
		snprintf(d->err, d->errlen, "format_version %d is not %d (made by another mmstall version)",
			 r->format_version, RESULT_FORMAT_VERSION);
		d->bad = true;
	}
	r->mmstall_version = ostr(d, root, "", "mmstall_version");
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
	if ((k = oobj(d, root, "", "kernel")))
		r->kernel_release = ostr(d, k, "kernel", "release");
	/* absent only in a result that failed before its settings were known */
	r->scenario = (json_t *)oobj(d, root, "", "scenario");
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
	}
}

static void decode_measured(struct dec *d, const json_t *root, struct run_result *r)
{
	const json_t *probes = oobj(d, root, "", "probes"), *lo, *cg, *f, *v;
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
		if (!json_is_object(json_object_get(json_object_get(probes, r->probes[i].name), "stall_index")))
			compute_index(r, &r->probes[i]);
	if ((lo = oobj(d, root, "", "lo"))) {
		r->lo.present = true;
		r->lo.touches = ou64(d, lo, "lo", "touches", 0);
		r->lo.writer_ops = ou64(d, lo, "lo", "writer_ops", 0);
	}
	if ((cg = oobj(d, root, "", "cgroups")) && (cg = oobj(d, cg, "cgroups", "lo"))) {
		const json_t *ms = oobj(d, cg, "cgroups.lo", "memory_stat"), *io = oobj(d, cg, "cgroups.lo", "io_stat");

		r->cg_lo.present = true;
		r->cg_lo.pgmajfault = ms ? ou64(d, ms, "memory_stat", "pgmajfault", 0) : 0;
		r->cg_lo.rios = io ? ou64(d, io, "io_stat", "rios", 0) : 0;
	}
	if ((f = oobj(d, root, "", "fio"))) {
		const json_t *x;

		r->fio.present = true;
		if ((x = oobj(d, f, "fio", "baseline")))
			decode_fio(d, x, "fio.baseline", &r->fio.baseline);
		if ((x = oobj(d, f, "fio", "lo")))
			decode_fio(d, x, "fio.lo", &r->fio.lo);
		if ((x = oobj(d, f, "fio", "hi")))
			decode_fio(d, x, "fio.hi", &r->fio.hi);
	}
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

void result_free(struct run_result *r)
{
	size_t i;

	for (i = 0; i < r->nr_probes; i++) {
		record_free(&r->probes[i].corrected);
		record_free(&r->probes[i].service);
		free(r->probes[i].slowest);
	}
	free(r->probes);
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

/* ---- files ---- */

int result_save(const char *path, json_t *root)
{
	json_t *probes = json_object_get(root, "probes");
	struct run_result r;
	char err[256], *s;
	size_t i;
	int ret;

	/* the derived fields, from the measured ones (a result not yet complete has none to derive) */
	if (json_is_object(probes) && !result_decode(root, &r, err, sizeof(err))) {
		for (i = 0; i < r.nr_probes; i++) {
			json_t *p = json_object_get(probes, r.probes[i].name);

			compute_index(&r, &r.probes[i]);
			if ((int)i == r.control)
				json_object_del(p, "stall_index");
			else
				json_object_set_new(p, "stall_index", index_json(&r.probes[i]));
		}
		result_free(&r);
	}
	s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!s)
		return -ENOMEM;
	ret = write_file_atomic(path, s, strlen(s));
	free(s);
	return ret;
}

json_t *result_load(const char *path, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root, *v;
	char *text;

	int ret = read_file_capped(path, RESULT_MAX_BYTES, &text, NULL);

	if (ret) {
		snprintf(err, errlen, "%s: %s", path,
			 ret == -EINVAL ? "not a regular file (a result is a .json file)"
			 : ret == -EFBIG ? "larger than any result can be (" STRINGIFY(RESULT_MAX_MIB) " MiB)"
					 : strerror(-ret));
		return NULL;
	}
	root = json_loads(text, 0, &je);
	free(text);
	if (!root) {
		snprintf(err, errlen, "%s:%d:%d: %s", path, je.line, je.column, je.text);
		return NULL;
	}
	v = json_object_get(root, "format_version");
	if (!json_is_integer(v) || json_integer_value(v) != RESULT_FORMAT_VERSION) {
		snprintf(err, errlen, "%s: not an mmstall result of format version %d", path, RESULT_FORMAT_VERSION);
		json_decref(root);
		return NULL;
	}
	return root;
}

int result_read(const char *path, struct run_result *r, char *err, size_t errlen)
{
	char why[512];
	json_t *root = result_load(path, err, errlen);
	int ret;

	if (!root)
		return -EINVAL;
	ret = result_decode(root, r, why, sizeof(why));
	json_decref(root);
	if (ret)
		snprintf(err, errlen, "%s: not a well-formed result: %s", path, why);
	return ret;
}
