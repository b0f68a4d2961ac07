// SPDX-License-Identifier: GPL-2.0
#include "harness/runs.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/result.h"
#include "harness/util.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Result files only: not hidden, not a temporary file of an atomic write. */
static bool is_result_name(const char *n)
{
	size_t l = strlen(n);

	/* summary.json (compare's report in JSON) and compare.json (its settings) are not runs */
	return l > 5 && !strcmp(n + l - 5, ".json") && n[0] != '.' && !strstr(n, ".tmp.") &&
	       strcmp(n, SUMMARY_FILE) && strcmp(n, COMPARE_SETTINGS_FILE);
}

static void push_path(char ***paths, size_t *n, char *p)
{
	*paths = xrealloc(*paths, (*n + 1) * sizeof(**paths));
	(*paths)[(*n)++] = p;
}

/* The result files of a directory, in name order; -ENOENT when there are none. */
static int list_dir(const char *dir, char ***paths, size_t *n)
{
	char **names = NULL;
	size_t k = 0, i;
	struct dirent *de;
	DIR *d = opendir(dir);
	char *p;

	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (is_result_name(de->d_name))
			push_path(&names, &k, xstrdup(de->d_name));
	closedir(d);
	if (k)
		qsort(names, k, sizeof(*names), cmp_str);
	for (i = 0; i < k; i++) {
		p = xasprintf("%s/%s", dir, names[i]);
		push_path(paths, n, p);
		free(names[i]);
	}
	free(names);
	return k ? 0 : -ENOENT;
}

static const char *label_of(const struct run_result *res)
{
	return res->vm.label ?: res->label;
}

static const char *host_of(const struct run_result *res)
{
	return res->vm.host_name ?: res->machine_host;
}

/* The last component of a path ("dir/" for "a/dir/": callers cut at '/'). */
static const char *base_name(const char *p)
{
	size_t l = strlen(p);

	while (l > 1 && p[l - 1] == '/')
		l--;
	while (l > 0 && p[l - 1] != '/')
		l--;
	return p + l;
}

/* Runs a and b are one experiment: one directory, or one compare's job list. */
static bool same_experiment(const struct run *a, const struct run *b)
{
	return a->place == b->place || (a->plan_id && b->plan_id && !strcmp(a->plan_id, b->plan_id));
}

static size_t group_root(size_t *up, size_t i)
{
	while (up[i] != i)
		i = up[i] = up[up[i]];
	return i;
}

/*
 * Does label come from more than one experiment (directories, unless one
 * job list joins them)?  And do those runs' hosts differ?
 */
static bool label_is_shared(const struct runset *rs, const char *label, bool *hosts_differ)
{
	size_t *up = xcalloc(rs->nr_runs ? rs->nr_runs : 1, sizeof(size_t)), i, j, root = (size_t)-1;
	const char *host0 = NULL, *h;
	bool shared = false, *mine = xcalloc(rs->nr_runs ? rs->nr_runs : 1, sizeof(bool));

	*hosts_differ = false;
	for (i = 0; i < rs->nr_runs; i++) {
		const struct run *r = &rs->runs[i];

		up[i] = i;
		mine[i] = !strcmp(label_of(&r->res) ?: base_name(r->path), label);
		if (!mine[i])
			continue;
		h = r->host ?: "";
		if (!host0)
			host0 = h;
		*hosts_differ |= strcmp(h, host0) != 0;
		for (j = 0; j < i; j++)
			if (mine[j] && same_experiment(&rs->runs[j], r))
				up[group_root(up, i)] = group_root(up, j);
	}
	for (i = 0; i < rs->nr_runs; i++) {
		if (!mine[i])
			continue;
		if (root == (size_t)-1)
			root = group_root(up, i);
		shared |= group_root(up, i) != root;
	}
	free(up);
	free(mine);
	return shared;
}

/*
 * The runs of one pairing (repetition k of every variant of one job list)
 * are compared with each other: made on two hosts, a host's speed would
 * pass for the kernel's.  -EINVAL with err naming two such runs.
 */
static int check_pairings(const struct runset *rs, char *err, size_t errlen)
{
	size_t i, j;

	for (i = 0; i < rs->nr_runs; i++) {
		const struct run *a = &rs->runs[i];

		if (!a->plan_id || !a->host)
			continue;
		for (j = i + 1; j < rs->nr_runs; j++) {
			const struct run *b = &rs->runs[j];

			if (!b->plan_id || !b->host || strcmp(a->plan_id, b->plan_id) || a->pairing != b->pairing ||
			    !strcmp(a->host, b->host))
				continue;
			snprintf(err, errlen, "%s (host %s) and %s (host %s) are runs of one pairing (plan %s, pairing "
				 "%d: repetition %d of every variant), made on different hosts: the runs of a pairing "
				 "are compared with each other and must be made on one host; run a whole pairing on "
				 "one host ('mmstall run-job FILE %d --pairing --results DIR'), or leave one host's "
				 "directory out", a->path, a->host, b->path, b->host, a->plan_id, a->pairing,
				 a->pairing + 1, a->pairing);
			return -EINVAL;
		}
	}
	return 0;
}

/* The variant name of run i: its label, qualified when merged sources share it. */
static char *variant_name(const struct runset *rs, size_t i)
{
	const struct run *r = &rs->runs[i];
	const char *label = label_of(&r->res);
	bool hosts_differ;
	char *name, *src, *p;

	if (!label)
		label = base_name(r->path);
	if (!label_is_shared(rs, label, &hosts_differ))
		return xstrdup(label);
	if (hosts_differ && r->host)
		return xasprintf("%s@%s", label, r->host);
	src = xstrdup(base_name(rs->places[r->place]));
	if ((p = strchr(src, '/')))
		*p = '\0';
	name = xasprintf("%s@%s", label, src);
	free(src);
	return name;
}

int runset_variant(const struct runset *rs, const char *name)
{
	return name_index(rs->variants, rs->nr_variants, name);
}

static int run_order(const struct runset *rs, size_t v)
{
	size_t i;

	for (i = 0; i < rs->nr_runs; i++)
		if (rs->runs[i].variant == (int)v && rs->runs[i].res.vm.variant_index >= 0)
			return rs->runs[i].res.vm.variant_index;
	return INT_MAX;
}

/* Variants in compare order: by vm.variant_index, else as first seen (name order). */
static void order_variants(struct runset *rs)
{
	size_t n = rs->nr_variants, i, j;
	int *key = xcalloc(n, sizeof(*key)), *map = xcalloc(n, sizeof(*map));

	for (i = 0; i < n; i++) {
		key[i] = run_order(rs, i);
		map[i] = (int)i;
	}
	/* stable insertion sort on key */
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && key[map[j - 1]] > key[map[j]]; j--) {
			int t = map[j];

			map[j] = map[j - 1];
			map[j - 1] = t;
		}
	{
		char **names = xcalloc(n, sizeof(*names));
		int *inv = xcalloc(n, sizeof(*inv));

		for (i = 0; i < n; i++) {
			names[i] = rs->variants[map[i]];
			inv[map[i]] = (int)i;
		}
		for (i = 0; i < rs->nr_runs; i++)
			rs->runs[i].variant = inv[rs->runs[i].variant];
		free(rs->variants);
		rs->variants = names;
		free(inv);
	}
	free(key);
	free(map);
}

static void baseline_hint(struct runset *rs)
{
	const char *hint = NULL, *b;
	size_t i;

	for (i = 0; i < rs->nr_runs; i++) {
		b = rs->runs[i].res.vm.baseline;
		if (!b)
			continue;
		if (hint && strcmp(hint, b))
			return;	/* merged compares with different baselines: no hint */
		hint = b;
	}
	rs->baseline_hint = hint ? xstrdup(hint) : NULL;
}

/*
 * Where a run's file lies: its directory, as an index into rs->places.  Runs
 * of one directory are one experiment however they were named on the
 * command line (the directory, or its files one by one).
 */
static int place_of(struct runset *rs, const char *file)
{
	char real[PATH_MAX], *slash;
	size_t i;

	if (!realpath(file, real))
		snprintf(real, sizeof(real), "%s", file);
	slash = strrchr(real, '/');
	if (slash && slash != real)
		*slash = '\0';
	for (i = 0; i < rs->nr_places; i++)
		if (!strcmp(rs->places[i], real))
			return (int)i;
	push_path(&rs->places, &rs->nr_places, xstrdup(real));
	return (int)rs->nr_places - 1;
}

static int add_run(struct runset *rs, char *path, int source, char *err, size_t errlen)
{
	struct run *r;

	rs->runs = xrealloc(rs->runs, (rs->nr_runs + 1) * sizeof(*rs->runs));
	r = &rs->runs[rs->nr_runs];
	memset(r, 0, sizeof(*r));
	if (result_read(path, &r->res, err, errlen))
		return -EINVAL;
	rs->nr_runs++;
	r->path = path;
	r->source = source;
	r->place = place_of(rs, path);
	r->rep = r->res.vm.repetition > 0 ? r->res.vm.repetition : 1;
	r->ok = r->res.status == RUN_OK;
	r->error = r->res.error;
	r->host = host_of(&r->res);
	r->plan_id = r->res.vm.plan_id;
	r->pairing = r->res.vm.present ? r->res.vm.plan_pairing : -1;
	if (!r->plan_id || r->pairing < 0)
		r->plan_id = NULL;
	return 0;
}

/*
 * A compare directory's settings file (compare.json), if the directory has
 * one; the first found counts, and a later one with another rule is said.
 */
static void load_compare_settings(struct runset *rs, const char *dir)
{
	char *path = xasprintf("%s/%s", dir, COMPARE_SETTINGS_FILE), *text = NULL;
	json_t *c;

	if (!read_file_capped(path, 1 << 20, &text, NULL) && (c = json_loads(text, 0, NULL))) {
		if (!rs->compare)
			rs->compare = c;
		else {
			if (!json_equal(json_object_get(rs->compare, "rule"), json_object_get(c, "rule")))
				snprintf(rs->note, sizeof(rs->note), "%s has another verdict rule than the first compare "
					 "read; the first one's is used (give options on the command line to choose)", path);
			json_decref(c);
		}
	}
	free(text);
	free(path);
}

/* The directory of a file given by name ("." for a bare name). */
static char *dir_of(const char *file)
{
	const char *slash = strrchr(file, '/');

	return slash ? xasprintf("%.*s", (int)(slash - file ?: 1), file) : xstrdup(".");
}

int runset_load(struct runset *rs, char *const *paths, size_t n, char *err, size_t errlen)
{
	char **files = NULL;
	size_t i, j, nf;
	int ret = 0;

	memset(rs, 0, sizeof(*rs));
	for (i = 0; i < n && !ret; i++) {
		push_path(&rs->sources, &rs->nr_sources, xstrdup(paths[i]));
		nf = 0;
		files = NULL;
		if (is_dir(paths[i])) {
			load_compare_settings(rs, paths[i]);
			ret = list_dir(paths[i], &files, &nf);
			if (ret)
				snprintf(err, errlen, "%s: %s", paths[i],
					 ret == -ENOENT ? "no result files (*.json) in this directory"
							: strerror(-ret));
		} else if (path_exists(paths[i]) && (!strcmp(base_name(paths[i]), COMPARE_SETTINGS_FILE) ||
						      !strcmp(base_name(paths[i]), SUMMARY_FILE))) {
			snprintf(err, errlen, "%s: holds a compare's settings or summary, not a run: give its directory",
				 paths[i]);
			ret = -EINVAL;
		} else if (path_exists(paths[i])) {
			char *dir = dir_of(paths[i]);

			load_compare_settings(rs, dir);	/* a compare's rule, for its files given one by one */
			free(dir);
			push_path(&files, &nf, xstrdup(paths[i]));
		} else {
			snprintf(err, errlen, "%s: no such result file or directory", paths[i]);
			ret = -ENOENT;
		}
		for (j = 0; j < nf; j++) {
			if (!ret)
				ret = add_run(rs, files[j], (int)i, err, errlen);
			if (ret)
				free(files[j]);
		}
		free(files);
	}
	if (!ret)
		ret = check_pairings(rs, err, errlen);
	if (ret) {
		runset_free(rs);
		return -EINVAL;
	}
	for (i = 0; i < rs->nr_runs; i++) {
		char *name = variant_name(rs, i);
		int v = runset_variant(rs, name);

		if (v < 0) {
			push_path(&rs->variants, &rs->nr_variants, name);
			v = (int)rs->nr_variants - 1;
		} else {
			free(name);
		}
		rs->runs[i].variant = v;
	}
	order_variants(rs);
	baseline_hint(rs);
	return 0;
}

void runset_free(struct runset *rs)
{
	size_t i;

	for (i = 0; i < rs->nr_runs; i++) {
		result_free(&rs->runs[i].res);
		free(rs->runs[i].path);
	}
	json_decref(rs->compare);
	for (i = 0; i < rs->nr_variants; i++)
		free(rs->variants[i]);
	for (i = 0; i < rs->nr_sources; i++)
		free(rs->sources[i]);
	for (i = 0; i < rs->nr_places; i++)
		free(rs->places[i]);
	free(rs->places);
	free(rs->runs);
	free(rs->variants);
	free(rs->sources);
	free(rs->baseline_hint);
	memset(rs, 0, sizeof(*rs));
}

const char *runset_variant_list(const struct runset *rs)
{
	static char buf[1024];
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < rs->nr_variants && used < sizeof(buf); i++)
		used += snprintf(buf + used, sizeof(buf) - used, "%s%s", i ? ", " : "", rs->variants[i]);
	return buf;
}

/*
 * The scenario settings that shape the measurement: all but the name and
 * the device baseline (fio before lo and hi start; compare measures it in
 * the first run of each variant only).
 */
static bool shapes_measurement(const char *key)
{
	return strcmp(key, "name") && strcmp(key, "scenario") && strcmp(key, "device_baseline");
}

static void value_text(const json_t *v, char *buf, size_t len)
{
	char *s = v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;

	snprintf(buf, len, "%s", s ? s : "absent");
	free(s);
}

/* The throttle a run actually applied ("auto" becomes io.latency or io.max by the kernel's config). */
static const char *applied_throttle(const struct run *r)
{
	return r->res.throttle.kind ?: "unknown";
}

int runset_check_comparable(const struct runset *rs, char *err, size_t errlen)
{
	const struct run *a = NULL, *b;
	char diff[1024] = "", va[96], vb[96];
	size_t i, used = 0, ndiff = 0;
	const char *key;
	json_t *v;

	/* a run that failed before its boot measured nothing and has little recorded: it cannot differ */
	for (i = 0; i < rs->nr_runs && !ndiff; i++) {
		b = &rs->runs[i];
		if (!b->ok)
			continue;
		if (!a) {
			a = b;
			continue;
		}
		json_object_foreach(a->res.scenario, key, v) {
			json_t *w = json_object_get(b->res.scenario, key);

			if (!shapes_measurement(key) || !w || json_equal(v, w) || used >= sizeof(diff))
				continue;
			value_text(v, va, sizeof(va));
			value_text(w, vb, sizeof(vb));
			used += snprintf(diff + used, sizeof(diff) - used, "%sscenario %s (%s vs %s)", ndiff ? ", " : "",
					 key, va, vb);
			ndiff++;
		}
		if (a->res.throttle.present && b->res.throttle.present &&
		    strcmp(applied_throttle(a), applied_throttle(b)) && used < sizeof(diff)) {
			used += snprintf(diff + used, sizeof(diff) - used, "%sthe throttle applied (%s vs %s)",
					 ndiff ? ", " : "", applied_throttle(a), applied_throttle(b));
			ndiff++;
		}
		if (a->res.vm.guest_cpus && b->res.vm.guest_cpus && a->res.vm.guest_cpus != b->res.vm.guest_cpus &&
		    used < sizeof(diff)) {
			used += snprintf(diff + used, sizeof(diff) - used, "%sguest CPUs (%d vs %d)", ndiff ? ", " : "",
					 a->res.vm.guest_cpus, b->res.vm.guest_cpus);
			ndiff++;
		}
		if (a->res.vm.guest_memory_bytes && b->res.vm.guest_memory_bytes &&
		    a->res.vm.guest_memory_bytes != b->res.vm.guest_memory_bytes && used < sizeof(diff)) {
			used += snprintf(diff + used, sizeof(diff) - used, "%sguest memory (%llu vs %llu MiB)",
					 ndiff ? ", " : "", (unsigned long long)(a->res.vm.guest_memory_bytes >> 20),
					 (unsigned long long)(b->res.vm.guest_memory_bytes >> 20));
			ndiff++;
		}
		if (strcmp(a->res.vm.accelerator ?: "none (live)", b->res.vm.accelerator ?: "none (live)") &&
		    used < sizeof(diff)) {
			used += snprintf(diff + used, sizeof(diff) - used, "%saccelerator (%s vs %s)", ndiff ? ", " : "",
					 a->res.vm.accelerator ?: "none (live)", b->res.vm.accelerator ?: "none (live)");
			ndiff++;
		}
		if (ndiff) {
			snprintf(err, errlen, "%s and %s are different experiments: %s; compare like with like (the "
				 "same scenario settings, throttle, guest size and accelerator), or pass --allow-mixed "
				 "to pool them anyway (the report then says so)", a->path, b->path, diff);
			return -EINVAL;
		}
	}
	return 0;
}
