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

	/* summary.json: compare's report in JSON, not a run */
	return l > 5 && !strcmp(n + l - 5, ".json") && n[0] != '.' && !strstr(n, ".tmp.") &&
	       strcmp(n, "summary.json");
}

static void push_path(char ***paths, size_t *n, char *p)
{
	char **np = realloc(*paths, (*n + 1) * sizeof(**paths));

	if (!np)
		abort();
	*paths = np;
	np[(*n)++] = p;
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
			push_path(&names, &k, strdup(de->d_name));
	closedir(d);
	if (k)
		qsort(names, k, sizeof(*names), cmp_str);
	for (i = 0; i < k; i++) {
		if (asprintf(&p, "%s/%s", dir, names[i]) < 0)
			abort();
		push_path(paths, n, p);
		free(names[i]);
	}
	free(names);
	return k ? 0 : -ENOENT;
}

static const char *jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static const char *label_of(const json_t *res)
{
	const char *l = jstr(json_object_get(res, "vm"), "label");

	return l ? l : jstr(res, "label");
}

static const char *host_of(const json_t *res)
{
	const char *h = jstr(json_object_get(json_object_get(res, "vm"), "host"), "hostname");

	return h ? h : jstr(json_object_get(res, "machine"), "hostname");
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

/* Does label come from more than one source?  And do those runs' hosts differ? */
static bool label_is_shared(const struct runset *rs, const char *label, bool *hosts_differ)
{
	const char *host0 = NULL, *h;
	int source0 = -1;
	bool shared = false;
	size_t i;

	*hosts_differ = false;
	for (i = 0; i < rs->nr_runs; i++) {
		const struct run *r = &rs->runs[i];

		if (strcmp(label_of(r->res) ?: base_name(r->path), label))
			continue;
		h = host_of(r->res) ?: "";
		if (source0 < 0) {
			source0 = r->source;
			host0 = h;
		}
		shared |= r->source != source0;
		*hosts_differ |= strcmp(h, host0) != 0;
	}
	return shared;
}

/* The variant name of run i: its label, qualified when merged sources share it. */
static char *variant_name(const struct runset *rs, size_t i)
{
	const struct run *r = &rs->runs[i];
	const char *label = label_of(r->res);
	bool hosts_differ;
	char *name, *src, *p;

	if (!label)
		label = base_name(r->path);
	if (!label_is_shared(rs, label, &hosts_differ))
		return strdup(label);
	if (hosts_differ && host_of(r->res)) {
		if (asprintf(&name, "%s@%s", label, host_of(r->res)) < 0)
			abort();
		return name;
	}
	src = strdup(base_name(rs->sources[r->source]));
	if ((p = strchr(src, '/')))
		*p = '\0';
	if (asprintf(&name, "%s@%s", label, src) < 0)
		abort();
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

	for (i = 0; i < rs->nr_runs; i++) {
		json_t *vi = json_object_get(json_object_get(rs->runs[i].res, "vm"), "variant_index");

		if (rs->runs[i].variant == (int)v && json_is_integer(vi))
			return (int)json_integer_value(vi);
	}
	return INT_MAX;
}

/* Variants in compare order: by vm.variant_index, else as first seen (name order). */
static void order_variants(struct runset *rs)
{
	size_t n = rs->nr_variants, i, j;
	int *key = calloc(n, sizeof(*key)), *map = calloc(n, sizeof(*map));

	if (!key || !map)
		abort();
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
		char **names = malloc(n * sizeof(*names));
		int *inv = malloc(n * sizeof(*inv));

		if (!names || !inv)
			abort();
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
		b = jstr(json_object_get(rs->runs[i].res, "vm"), "baseline");
		if (!b)
			continue;
		if (hint && strcmp(hint, b))
			return;	/* merged compares with different baselines: no hint */
		hint = b;
	}
	rs->baseline_hint = hint ? strdup(hint) : NULL;
}

static int add_run(struct runset *rs, char *path, int source, char *err, size_t errlen)
{
	json_t *res = result_load(path, err, errlen), *rep;
	struct run *nr;

	if (!res)
		return -EINVAL;
	nr = realloc(rs->runs, (rs->nr_runs + 1) * sizeof(*nr));
	if (!nr)
		abort();
	rs->runs = nr;
	rep = json_object_get(json_object_get(res, "vm"), "repetition");
	nr[rs->nr_runs++] = (struct run){
		.res = res,
		.path = path,
		.source = source,
		.rep = json_is_integer(rep) ? (int)json_integer_value(rep) : 1,
		.ok = jstr(res, "status") && !strcmp(jstr(res, "status"), "ok"),
		.error = jstr(res, "error"),
	};
	return 0;
}

int runset_load(struct runset *rs, char *const *paths, size_t n, char *err, size_t errlen)
{
	char **files = NULL;
	size_t i, j, nf;
	int ret = 0;

	memset(rs, 0, sizeof(*rs));
	for (i = 0; i < n && !ret; i++) {
		push_path(&rs->sources, &rs->nr_sources, strdup(paths[i]));
		nf = 0;
		files = NULL;
		if (is_dir(paths[i])) {
			ret = list_dir(paths[i], &files, &nf);
			if (ret)
				snprintf(err, errlen, "%s: %s", paths[i],
					 ret == -ENOENT ? "no result files (*.json) in this directory"
							: strerror(-ret));
		} else if (path_exists(paths[i])) {
			push_path(&files, &nf, strdup(paths[i]));
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
		json_decref(rs->runs[i].res);
		free(rs->runs[i].path);
	}
	for (i = 0; i < rs->nr_variants; i++)
		free(rs->variants[i]);
	for (i = 0; i < rs->nr_sources; i++)
		free(rs->sources[i]);
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
