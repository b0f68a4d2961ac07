// SPDX-License-Identifier: GPL-2.0
/* The job list of a compare; see plan.h. */
#include "harness/plan.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "harness/util.h"
#include "version.h"
#include "workloads/scenario.h"

#define PLAN_MAX_BYTES (64ULL << 20)

void plan_new_id(char id[PLAN_ID_LEN])
{
	uint64_t r = 0;

	/* GRND_NONBLOCK: an id, not a key; a young machine's clock and pid do */
	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		r = now_ns() ^ ((uint64_t)getpid() << 32) ^ (uint64_t)time(NULL);
	snprintf(id, PLAN_ID_LEN, "%016" PRIx64, r);
}

static void entries_make(struct plan *p, bool every_run, const bool *kept)
{
	size_t k, i, first;
	unsigned int rep;

	p->n = (size_t)p->reps * p->nr_kernels;
	p->e = xcalloc(p->n ? p->n : 1, sizeof(*p->e));
	for (rep = 1; rep <= p->reps; rep++) {
		for (k = 0; k < p->nr_kernels; k++) {
			struct plan_entry *e = &p->e[(rep - 1) * p->nr_kernels + k];

			e->index = (unsigned int)((rep - 1) * p->nr_kernels + k);
			e->kernel = k;
			e->rep = rep;
			e->pairing = rep - 1;
			snprintf(e->stem, sizeof(e->stem), "%s.rep%u", p->labels[k], rep);
		}
	}
	/* the device baseline: each variant's first run this session measures it for the others */
	if (every_run)
		return;
	for (k = 0; k < p->nr_kernels; k++) {
		for (first = k; first < p->n && kept && kept[first]; first += p->nr_kernels)
			;
		for (i = first + p->nr_kernels; i < p->n; i += p->nr_kernels)
			snprintf(p->e[i].baseline_from, sizeof(p->e[i].baseline_from), "%s", p->e[first].stem);
	}
}

void plan_make(struct plan *p, const struct vm_opts *vo, unsigned int reps, const char *baseline, bool every_run,
	       const bool *kept, json_t *settings, const char *id)
{
	const struct scenario *sc = vm_session_scenario(vo);
	size_t k, n = vm_session_nr_kernels(vo);
	bool *none = xcalloc(n ? n : 1, sizeof(bool));

	memset(p, 0, sizeof(*p));
	snprintf(p->id, sizeof(p->id), "%s", id);
	p->nr_kernels = n;
	p->labels = xcalloc(n ? n : 1, sizeof(char *));
	p->specs = xcalloc(n ? n : 1, sizeof(char *));
	for (k = 0; k < n; k++) {
		p->labels[k] = xstrdup(vm_session_label(vo, k));
		p->specs[k] = xstrdup(vm_session_spec(vo, k));
	}
	p->reps = reps;
	p->baseline = xstrdup(baseline);
	p->options = vm_session_argv(vo, none, &p->nr_options);
	p->scenario = scenario_to_json(sc);
	p->settings = json_incref(settings);
	/* nothing to share when the scenario measures no baseline at all */
	entries_make(p, every_run || sc->device_baseline == BASELINE_OFF, kept);
	free(none);
}

void plan_free(struct plan *p)
{
	size_t i;

	for (i = 0; i < p->nr_kernels; i++) {
		free(p->labels[i]);
		free(p->specs[i]);
	}
	free(p->labels);
	free(p->specs);
	free(p->baseline);
	free(p->e);
	plan_argv_free(p->options);
	json_decref(p->scenario);
	json_decref(p->settings);
	memset(p, 0, sizeof(*p));
}

void plan_run_info(const struct plan *p, const struct plan_entry *e, struct vm_run_info *ri)
{
	memset(ri, 0, sizeof(*ri));
	ri->stem = e->stem;
	ri->rep = (int)e->rep;
	ri->reps = (int)p->reps;
	ri->variant_index = (int)e->kernel;
	ri->baseline = p->baseline;
	ri->device_baseline_from = e->baseline_from[0] ? e->baseline_from : NULL;
	ri->plan_id = p->id;
	ri->plan_index = (int)e->index;
	ri->pairing = (int)e->pairing;
}

static void push(char ***v, int *n, char *a)
{
	*v = xrealloc(*v, (*n + 2) * sizeof(**v));
	(*v)[(*n)++] = a;
	(*v)[*n] = NULL;
}

char **plan_argv(const struct plan *p, const bool *kernels, const char *results, int *argc)
{
	char **v = NULL;
	int n = 0, i;
	size_t k;

	/* argv[0]: getopt starts at 1 */
	push(&v, &n, xstrdup("run-job"));
	for (k = 0; k < p->nr_kernels; k++) {
		if (!kernels || kernels[k]) {
			push(&v, &n, xstrdup("--kernel"));
			push(&v, &n, xasprintf("%s=%s", p->labels[k], p->specs[k]));
		}
	}
	for (i = 0; i < p->nr_options; i++)
		push(&v, &n, xstrdup(p->options[i]));
	if (results) {
		push(&v, &n, xstrdup("--results"));
		push(&v, &n, xstrdup(results));
	}
	*argc = n;
	return v;
}

void plan_argv_free(char **argv)
{
	size_t i;

	for (i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}

/* ---- JSON ---- */

static json_t *entry_json(const struct plan *p, const struct plan_entry *e)
{
	const json_t *sc = p->scenario;

	return json_pack("{s:i,s:s,s:s,s:i,s:O,s:i,s:O,s:s+,s:i,s:s,s:o}", "index", (int)e->index, "kernel",
			 p->labels[e->kernel], "kernel_spec", p->specs[e->kernel], "variant_index", (int)e->kernel,
			 "scenario", json_object_get(sc, "name") ?: json_null(), "repetition", (int)e->rep, "seed",
			 json_object_get(sc, "seed") ?: json_null(), "output", e->stem, ".json", "pairing",
			 (int)e->pairing, "device_baseline",
			 e->baseline_from[0] ? "off" : json_string_value(json_object_get(sc, "device_baseline")) ?: "",
			 "device_baseline_from", e->baseline_from[0] ? json_string(e->baseline_from) : json_null());
}

json_t *plan_to_json(const struct plan *p)
{
	json_t *root = json_object(), *kernels = json_array(), *opts = json_array(), *entries = json_array();
	size_t i;
	int j;

	for (i = 0; i < p->nr_kernels; i++)
		json_array_append_new(kernels, json_pack("{s:s,s:s}", "label", p->labels[i], "spec", p->specs[i]));
	for (j = 0; j < p->nr_options; j++)
		json_array_append_new(opts, json_string(p->options[j]));
	for (i = 0; i < p->n; i++)
		json_array_append_new(entries, entry_json(p, &p->e[i]));
	json_object_set_new(root, "format", json_string(PLAN_FORMAT));
	json_object_set_new(root, "format_version", json_integer(PLAN_FORMAT_VERSION));
	json_object_set_new(root, "mmstall_version", json_string(MMSTALL_VERSION));
	json_object_set_new(root, "id", json_string(p->id));
	json_object_set_new(root, "run",
			    json_string("mmstall run-job FILE INDEX --results DIR runs entry INDEX; mmstall run-job "
					"FILE PAIRING --pairing --results DIR runs a whole pairing, the way to keep it on "
					"one host when tasks land on several"));
	json_object_set_new(root, "pairing_rule",
			    json_string("a pairing is repetition k of every variant: its runs must be made on one "
					"host ('report' and 'gate' refuse a pairing made on two)"));
	json_object_set_new(root, "kernels", kernels);
	json_object_set_new(root, "reps", json_integer(p->reps));
	json_object_set_new(root, "pairings", json_integer(p->reps));
	json_object_set_new(root, "baseline", json_string(p->baseline));
	json_object_set_new(root, "options", opts);
	json_object_set_new(root, "scenario", json_deep_copy(p->scenario));
	json_object_set_new(root, "compare", p->settings ? json_deep_copy(p->settings) : json_null());
	json_object_set_new(root, "entries", entries);
	return root;
}

static int bad(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool is_hex_id(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!strchr("0123456789abcdef", s[i]))
			return false;
	return i == PLAN_ID_LEN - 1;
}

static int kernels_from_json(struct plan *p, const json_t *a, char *err, size_t errlen)
{
	const char *label, *spec;
	json_t *k;
	size_t i;

	if (!json_is_array(a) || !json_array_size(a))
		return bad(err, errlen, "kernels is not a non-empty array");
	p->nr_kernels = json_array_size(a);
	p->labels = xcalloc(p->nr_kernels, sizeof(char *));
	p->specs = xcalloc(p->nr_kernels, sizeof(char *));
	json_array_foreach(a, i, k) {
		label = json_string_value(json_object_get(k, "label"));
		spec = json_string_value(json_object_get(k, "spec"));
		if (!label || !spec || !*label || strlen(label) > 63 || strspn(label, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			"abcdefghijklmnopqrstuvwxyz0123456789._+-") != strlen(label))
			return bad(err, errlen, "kernels[%zu] needs a label (letters, digits, ._+-) and a spec", i);
		p->labels[i] = xstrdup(label);
		p->specs[i] = xstrdup(spec);
	}
	return 0;
}

static int options_from_json(struct plan *p, const json_t *a, char *err, size_t errlen)
{
	json_t *o;
	size_t i;

	if (!json_is_array(a))
		return bad(err, errlen, "options is not an array of strings");
	json_array_foreach(a, i, o) {
		if (!json_is_string(o))
			return bad(err, errlen, "options[%zu] is not a string", i);
		/* the kernels and the results directory are the entry's and the caller's */
		if (!strncmp(json_string_value(o), "--kernel", 8) || !strncmp(json_string_value(o), "--results", 9))
			return bad(err, errlen, "options[%zu] is %s: kernels are in kernels[], the results "
				   "directory is run-job's --results", i, json_string_value(o));
		push(&p->options, &p->nr_options, xstrdup(json_string_value(o)));
	}
	return 0;
}

/* An entry must say what plan_make() would have said for its index: nothing else is taken. */
static int entry_from_json(struct plan *p, size_t i, const json_t *j, char *err, size_t errlen)
{
	struct plan_entry *e = &p->e[i];
	const char *from = json_string_value(json_object_get(j, "device_baseline_from"));
	const char *out = json_string_value(json_object_get(j, "output"));
	json_t *rep = json_object_get(j, "repetition"), *var = json_object_get(j, "variant_index");
	char want[sizeof(e->stem) + 8];
	size_t f;

	e->index = (unsigned int)i;
	if (json_integer_value(json_object_get(j, "index")) != (json_int_t)i)
		return bad(err, errlen, "entries[%zu].index is not %zu", i, i);
	if (!json_is_integer(var) || json_integer_value(var) < 0 ||
	    (size_t)json_integer_value(var) >= p->nr_kernels)
		return bad(err, errlen, "entries[%zu].variant_index is not a kernel's index (0 to %zu)", i,
			   p->nr_kernels - 1);
	e->kernel = (size_t)json_integer_value(var);
	if (!json_is_integer(rep) || json_integer_value(rep) < 1 || json_integer_value(rep) > (json_int_t)p->reps)
		return bad(err, errlen, "entries[%zu].repetition is not from 1 to %u", i, p->reps);
	e->rep = (unsigned int)json_integer_value(rep);
	e->pairing = e->rep - 1;
	if (json_integer_value(json_object_get(j, "pairing")) != (json_int_t)e->pairing)
		return bad(err, errlen, "entries[%zu].pairing is not its repetition - 1 (%u)", i, e->pairing);
	snprintf(e->stem, sizeof(e->stem), "%s.rep%u", p->labels[e->kernel], e->rep);
	snprintf(want, sizeof(want), "%s.json", e->stem);
	if (!out || strcmp(out, want))
		return bad(err, errlen, "entries[%zu].output is not %s (the name compare gives that run)", i, want);
	if (strcmp(json_string_value(json_object_get(j, "kernel")) ?: "", p->labels[e->kernel]))
		return bad(err, errlen, "entries[%zu].kernel is not kernels[%zu].label", i, e->kernel);
	if (from) {
		for (f = 0; f < i && (strcmp(p->e[f].stem, from) || p->e[f].kernel != e->kernel); f++)
			;
		if (f == i)
			return bad(err, errlen, "entries[%zu].device_baseline_from (%s) is not an earlier entry of the "
				   "same kernel", i, from);
		snprintf(e->baseline_from, sizeof(e->baseline_from), "%s", from);
	}
	return 0;
}

int plan_from_json(struct plan *p, const json_t *j, char *err, size_t errlen)
{
	const char *fmt = json_string_value(json_object_get(j, "format"));
	const char *id = json_string_value(json_object_get(j, "id"));
	const char *base = json_string_value(json_object_get(j, "baseline"));
	json_t *reps = json_object_get(j, "reps"), *entries = json_object_get(j, "entries"), *e;
	int ret;
	size_t i;

	memset(p, 0, sizeof(*p));
	if (!fmt || strcmp(fmt, PLAN_FORMAT))
		ret = bad(err, errlen, "not an mmstall plan (format is not \"%s\")", PLAN_FORMAT);
	else if (json_integer_value(json_object_get(j, "format_version")) != PLAN_FORMAT_VERSION)
		ret = bad(err, errlen, "plan format_version is not %d (written by another mmstall version?)",
			  PLAN_FORMAT_VERSION);
	else if (!id || !is_hex_id(id))
		ret = bad(err, errlen, "id is not %d hex digits", PLAN_ID_LEN - 1);
	else if (!json_is_integer(reps) || json_integer_value(reps) < 1 || json_integer_value(reps) > 100000)
		ret = bad(err, errlen, "reps is not a whole number from 1");
	else
		ret = kernels_from_json(p, json_object_get(j, "kernels"), err, errlen);
	if (!ret) {
		snprintf(p->id, sizeof(p->id), "%s", id);
		p->reps = (unsigned int)json_integer_value(reps);
		ret = options_from_json(p, json_object_get(j, "options"), err, errlen);
	}
	for (i = 0; !ret && base && i < p->nr_kernels && strcmp(p->labels[i], base); i++)
		;
	if (!ret && (!base || i == p->nr_kernels))
		ret = bad(err, errlen, "baseline is not the label of one of kernels[]");
	if (!ret && (!json_is_array(entries) || json_array_size(entries) != (size_t)p->reps * p->nr_kernels))
		ret = bad(err, errlen, "entries is not an array of reps x kernels (%zu) entries",
			  (size_t)p->reps * p->nr_kernels);
	if (!ret && !json_is_object(json_object_get(j, "scenario")))
		ret = bad(err, errlen, "scenario is not an object");
	if (!ret) {
		p->baseline = xstrdup(base);
		p->scenario = json_deep_copy(json_object_get(j, "scenario"));
		p->settings = json_is_object(json_object_get(j, "compare")) ? json_deep_copy(json_object_get(j, "compare"))
									     : NULL;
		p->n = json_array_size(entries);
		p->e = xcalloc(p->n, sizeof(*p->e));
		json_array_foreach(entries, i, e) {
			ret = entry_from_json(p, i, e, err, errlen);
			if (ret)
				break;
		}
	}
	if (ret)
		plan_free(p);
	return ret;
}

int plan_save(const struct plan *p, const char *path, char *err, size_t errlen)
{
	json_t *j = plan_to_json(p);
	char *s = json_dumps(j, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	int ret = s ? write_file_atomic(path, s, strlen(s)) : -ENOMEM;

	if (ret)
		snprintf(err, errlen, "cannot write the plan %s: %s", path, strerror(-ret));
	free(s);
	json_decref(j);
	return ret;
}

int plan_load(struct plan *p, const char *path, char *err, size_t errlen)
{
	char *text = NULL, why[512];
	json_error_t je;
	json_t *j;
	int ret = read_file_capped(path, PLAN_MAX_BYTES, &text, NULL);

	memset(p, 0, sizeof(*p));
	if (ret) {
		snprintf(err, errlen, "cannot read the plan %s: %s", path,
			 ret == -EFBIG ? "larger than 64 MiB" : strerror(-ret));
		return ret;
	}
	j = json_loads(text, 0, &je);
	free(text);
	if (!j) {
		snprintf(err, errlen, "%s is not JSON: line %d: %s", path, je.line, je.text);
		return -EINVAL;
	}
	ret = plan_from_json(p, j, why, sizeof(why));
	if (ret)
		snprintf(err, errlen, "%s: %s (write it again with 'mmstall compare ... --plan FILE')", path, why);
	json_decref(j);
	return ret;
}
