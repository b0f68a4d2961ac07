// SPDX-License-Identifier: GPL-2.0
/*
 * Writing a run result: every object from its typed input (result.h).
 * The only place besides the decoder (result.c) where a key of a run
 * result is spelled; results/README.md documents each, and
 * tests/test_json.c writes every object here and decodes it back.
 */
#include "harness/result.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "harness/cmds.h"
#include "harness/util.h"
#include "version.h"

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *int_or_null(struct result_int x)
{
	return x.known ? json_integer((json_int_t)x.v) : json_null();
}

/* Set key of o, or drop it: a key documented as absent when it does not apply. */
static void set_opt(json_t *o, const char *key, json_t *v)
{
	if (v)
		json_object_set_new(o, key, v);
}

/* ---- envelope ---- */

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
	json_object_set_new(root, "error", str_or_null(error));
}

void result_set_label(json_t *root, const char *label, const char *mode)
{
	json_object_set_new(root, "label", str_or_null(label));
	json_object_set_new(root, "mode", str_or_null(mode));
}

void result_set_machine(json_t *root, const struct result_machine *m)
{
	json_object_set_new(root, "machine",
			    json_pack("{s:o,s:i,s:I}", "hostname", str_or_null(m->hostname), "cpus", m->cpus,
				      "memory_bytes", (json_int_t)m->memory_bytes));
}

void result_set_kernel(json_t *root, const struct result_kernel *k)
{
	json_t *o = json_object(), *cfg = json_object();
	size_t i;

	json_object_set_new(o, "release", str_or_null(k->release));
	json_object_set_new(o, "version", str_or_null(k->version));
	json_object_set_new(o, "machine", str_or_null(k->machine));
	json_object_set_new(o, "transparent_hugepage", str_or_null(k->transparent_hugepage));
	json_object_set_new(o, "config_source", str_or_null(k->config_source));
	for (i = 0; k->config_source && i < k->nr_config; i++)
		json_object_set_new(cfg, k->config[i].name, str_or_null(k->config[i].value));
	if (!k->config_source) {
		json_decref(cfg);
		cfg = json_null();
	}
	json_object_set_new(o, "config", cfg);
	json_object_set_new(root, "kernel", o);
}

/* ---- scenario ---- */

void result_setting_key(const struct result_setting *s, char *buf, size_t len)
{
	char *p;

	snprintf(buf, len, "%s%s", s->name,
		 s->type == RESULT_SETTING_NS ? "_ns" : s->type == RESULT_SETTING_BYTES ? "_bytes" : "");
	for (p = buf; *p; p++)
		if (*p == '-')
			*p = '_';
}

json_t *result_scenario_json(const struct result_setting *s, size_t n)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; i < n; i++) {
		char key[96], num[32];

		result_setting_key(&s[i], key, sizeof(key));
		if (s[i].type == RESULT_SETTING_TEXT) {
			json_object_set_new(o, key, json_string(s[i].text ? s[i].text : ""));
		} else if (s[i].value > INT64_MAX) {
			/* seeds use the full 64 bits: kept exact as a string */
			snprintf(num, sizeof(num), "%" PRIu64, s[i].value);
			json_object_set_new(o, key, json_string(num));
		} else {
			json_object_set_new(o, key, json_integer((json_int_t)s[i].value));
		}
	}
	return o;
}

void result_set_scenario(json_t *root, const struct result_setting *s, size_t n)
{
	json_object_set_new(root, "scenario", result_scenario_json(s, n));
}

void result_set_histogram(json_t *root)
{
	json_object_set_new(root, "histogram",
			    json_pack("{s:s,s:s,s:i,s:f}", "type", "log-linear", "unit", "ns", "sub_bucket_bits",
				      HIST_BITS, "relative_error_bound", HIST_REL_ERROR));
}

void result_set_throttle(json_t *root, const struct result_throttle *t)
{
	json_t *o = json_object();

	json_object_set_new(o, "requested", str_or_null(t->requested));
	json_object_set_new(o, "kind", str_or_null(t->kind));
	json_object_set_new(o, "reason", str_or_null(t->reason));
	json_object_set_new(o, "device", str_or_null(t->device));
	json_object_set_new(o, "disk", str_or_null(t->disk));
	if (t->group) {
		json_object_set_new(o, "group", json_string(t->group));
		json_object_set_new(o, "file", str_or_null(t->file));
		json_object_set_new(o, "value", str_or_null(t->value));
	}
	if (t->other_settings && t->other_settings[0])
		json_object_set_new(o, "other_settings", json_string(t->other_settings));
	json_object_set_new(root, "throttle", o);
}

/* ---- latency records ---- */

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

static json_t *hist_or_empty(const struct hist *h)
{
	struct hist empty;

	if (h)
		return hist_to_json(h);
	hist_init(&empty);
	return hist_to_json(&empty);
}

/* ---- probes ---- */

/* The K slowest samples of a probe, by due time: seconds into the measured window, latencies, thread. */
static json_t *slowest_json(const struct slowest *in, uint64_t window_start_ns)
{
	json_t *a = json_array();
	struct slowest sl;
	uint32_t k;

	if (!in)
		return a;
	sl = *in;
	slowest_sort_by_time(&sl);
	for (k = 0; k < sl.n; k++) {
		const struct slow_sample *x = &sl.s[k];
		/* to the microsecond: a timeline needs no more, and the file stays short */
		uint64_t us = x->due_ns >= window_start_ns ? (x->due_ns - window_start_ns) / 1000 : 0;

		json_array_append_new(a, json_pack("{s:f,s:I,s:I,s:i}", "t_s", (double)us / 1e6, "corrected_ns",
						   (json_int_t)x->corrected_ns, "service_ns",
						   (json_int_t)x->service_ns, "thread", (int)x->thread));
	}
	return a;
}

/* The control's corrected p99, 0 when there is no control or too few samples for a p99. */
static uint64_t control_p99(const struct result_probe_in *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i].control && p[i].corrected)
			return p[i].corrected->count >= hist_samples_needed(99.0)
				       ? hist_percentile(p[i].corrected, 99.0) : 0;
	return 0;
}

static json_t *probe_json(const struct result_probe_in *in, uint64_t ctl_p99, uint64_t window_start_ns)
{
	const struct hist *c = in->corrected;
	bool ratio_ok = ctl_p99 && c && c->count >= hist_samples_needed(99.0);
	json_t *p = json_object();

	json_object_set_new(p, "what", str_or_null(in->what));
	json_object_set_new(p, "mmap_lock_of", str_or_null(in->mmap_lock_of));
	json_object_set_new(p, "control", json_boolean(in->control));
	json_object_set_new(p, "interval_ns", json_integer((json_int_t)in->interval_ns));
	json_object_set_new(p, "threads", json_integer((json_int_t)in->threads));
	json_object_set_new(p, "errors", json_integer((json_int_t)in->errors));
	json_object_set_new(p, "first_error", str_or_null(in->errors ? in->first_error : NULL));
	json_object_set_new(p, "late_samples", json_integer((json_int_t)in->late_samples));
	json_object_set_new(p, "censored",
			    json_pack("{s:I,s:o}", "count", (json_int_t)in->censored, "min_ns",
				      in->censored ? json_integer((json_int_t)in->censored_min_ns) : json_null()));
	json_object_set_new(p, "p99_ratio_to_control",
			    ratio_ok ? json_real((double)hist_percentile(c, 99.0) / (double)ctl_p99) : json_null());
	json_object_set_new(p, "corrected", hist_or_empty(c));
	json_object_set_new(p, "service", hist_or_empty(in->service));
	json_object_set_new(p, "slowest", slowest_json(in->slowest, window_start_ns));
	return p;
}

void result_set_probes(json_t *root, const struct result_probe_in *p, size_t n, uint64_t window_start_ns)
{
	uint64_t ctl_p99 = control_p99(p, n);
	json_t *o = json_object();
	size_t i;

	for (i = 0; i < n; i++)
		json_object_set_new(o, p[i].name, probe_json(&p[i], ctl_p99, window_start_ns));
	json_object_set_new(root, "probes", o);
}

void result_set_lo(json_t *root, const struct result_lo_in *lo)
{
	json_object_set_new(root, "lo",
			    json_pack("{s:o,s:I,s:o,s:o,s:I,s:o,s:I,s:o}", "fault_mode", str_or_null(lo->fault_mode),
				      "touches", (json_int_t)lo->touches, "touch", hist_or_empty(lo->touch), "writer",
				      str_or_null(lo->writer), "writer_ops", (json_int_t)lo->writer_ops, "writer_op",
				      hist_or_empty(lo->writer_op), "writer_errors", (json_int_t)lo->writer_errors,
				      "writer_first_error",
				      str_or_null(lo->writer_errors ? lo->writer_first_error : NULL)));
}

/* ---- cgroups ---- */

static json_t *cgroup_json(const struct result_cgroup *g)
{
	json_t *o = json_object(), *pr = json_object();
	size_t i;

	if (g->has_memory_stat) {
		json_t *ms = json_object();

		for (i = 0; i < g->nr_memory_stat; i++)
			json_object_set_new(ms, g->memory_stat[i].name, json_integer(g->memory_stat[i].delta));
		json_object_set_new(o, "memory_stat", ms);
	}
	if (g->has_io_stat) {
		json_t *io = json_object();

		for (i = 0; i < RESULT_NR_IO_STAT; i++)
			if (g->io_stat[i].known)
				json_object_set_new(io, result_io_stat_keys[i], json_integer(g->io_stat[i].v));
		json_object_set_new(o, "io_stat", io);
	}
	for (i = 0; i < RESULT_NR_PSI; i++) {
		json_t *p;

		if (!g->pressure[i].present)
			continue;
		p = json_object();
		if (g->pressure[i].some_total_us.known)
			json_object_set_new(p, "some_total_us", json_integer(g->pressure[i].some_total_us.v));
		if (g->pressure[i].full_total_us.known)
			json_object_set_new(p, "full_total_us", json_integer(g->pressure[i].full_total_us.v));
		json_object_set_new(pr, result_psi_keys[i], p);
	}
	json_object_set_new(o, "pressure", pr);
	json_object_set_new(o, "path", str_or_null(g->path));
	if (g->has_memory_max)
		json_object_set_new(o, "memory_max_bytes", json_integer((json_int_t)g->memory_max_bytes));
	return o;
}

void result_set_cgroups(json_t *root, const struct result_cgroup *lo, const struct result_cgroup *hi)
{
	json_t *o = json_object();

	if (lo)
		json_object_set_new(o, "lo", cgroup_json(lo));
	if (hi)
		json_object_set_new(o, "hi", cgroup_json(hi));
	json_object_set_new(root, "cgroups", o);
}

/* ---- fio ---- */

static json_t *fio_dir_json(const struct result_fio_dir *d)
{
	if (!d->present)
		return json_null();
	return json_pack("{s:I,s:o,s:f,s:o,s:o,s:o,s:o,s:o,s:o}", "ios", (json_int_t)d->ios,
			 "io_bytes", int_or_null(d->io_bytes),
			 "iops", d->iops,
			 "bw_bytes_per_s", int_or_null(d->bw_bytes_per_s),
			 "clat_mean_ns", int_or_null(d->clat_mean_ns),
			 "clat_p50_ns", int_or_null(d->clat_p50_ns),
			 "clat_p99_ns", int_or_null(d->clat_p99_ns),
			 "clat_p99_9_ns", int_or_null(d->clat_p99_9_ns),
			 "clat_max_ns", int_or_null(d->clat_max_ns));
}

static json_t *fio_jobs_json(const struct result_fio_job *jobs, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s,s:o,s:o,s:o,s:o}", "name", jobs[i].name ? jobs[i].name : "",
						   "error", int_or_null(jobs[i].error),
						   "runtime_ms", int_or_null(jobs[i].runtime_ms),
						   "read", fio_dir_json(&jobs[i].dir[RESULT_READ]),
						   "write", fio_dir_json(&jobs[i].dir[RESULT_WRITE])));
	return a;
}

static json_t *fio_rec_json(const struct result_fio_rec *r)
{
	json_t *o;

	if (!r->present)
		return json_null();
	o = json_object();
	json_object_set_new(o, "job_file", str_or_null(r->job_file));
	json_object_set_new(o, "group", str_or_null(r->group));
	json_object_set_new(o, "status", str_or_null(r->status));
	json_object_set_new(o, "error", str_or_null(r->error));
	set_opt(o, "file", r->file ? json_string(r->file) : NULL);
	set_opt(o, "job_text", r->job_text ? json_string(r->job_text) : NULL);
	set_opt(o, "runtime", r->runtime ? json_string(r->runtime) : NULL);
	set_opt(o, "ended_by", r->ended_by ? json_string(r->ended_by) : NULL);
	set_opt(o, "exit_status", r->reaped ? int_or_null(r->exit_status) : NULL);
	if (r->has_output) {
		json_object_set_new(o, "fio_version", str_or_null(r->fio_version));
		json_object_set_new(o, "jobs", fio_jobs_json(r->jobs, r->nr_jobs));
	}
	set_opt(o, "read", r->has_read ? fio_dir_json(&r->read) : NULL);
	return o;
}

void result_set_fio(json_t *root, const struct result_fio *f)
{
	json_t *o = json_object();

	json_object_set_new(o, "binary", str_or_null(f->binary));
	/* true: the kernel had no SysV IPC and fio ran with workloads/fio-noshm preloaded */
	json_object_set_new(o, "sysv_shm_emulated", json_boolean(f->sysv_shm_emulated));
	json_object_set_new(o, "version", str_or_null(f->version));
	json_object_set_new(o, "env", json_pack("{s:o,s:o}", "MMSTALL_DATA_DIR", str_or_null(f->data_dir),
						"MMSTALL_READ_FILE", str_or_null(f->read_file)));
	json_object_set_new(o, "baseline", fio_rec_json(&f->baseline));
	json_object_set_new(o, "lo", fio_rec_json(&f->lo));
	json_object_set_new(o, "hi", fio_rec_json(&f->hi));
	json_object_set_new(root, "fio", o);
}

/* ---- timings ---- */

void result_set_timings(json_t *root, const struct result_timings *t)
{
	json_t *o = json_object();
	int p;

	for (p = 0; p < RESULT_NR_PHASES; p++)
		json_object_set_new(o, result_phase_keys[p], t->known[p] ? json_real(round(t->s[p] * 1e3) / 1e3) : json_null());
	json_object_set_new(root, "timings", o);
}

void result_set_attribution(json_t *root, json_t *attribution)
{
	/* its contents are harness/attrib.c's (documented in results/README.md, "attribution") */
	json_object_set_new(root, "attribution", attribution);
}
