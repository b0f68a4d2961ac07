// SPDX-License-Identifier: GPL-2.0
/*
 * The kbuild cache's size cap.  Layout in kbuild.h; builds and labels in
 * harness/kernel/builds.h.
 * Entries are created under temporary names and renamed into place, so a
 * builds/<key> directory with a manifest is always complete.
 */
#include "harness/kbuild/kbuild.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/util.h"

#define KB_DEFAULT_MAX "40G"

int kb_cache_max(const char *opt, uint64_t *out)
{
	const char *e = getenv("MMSTALL_KBUILD_MAX");
	const char *s = opt ? opt : e && *e ? e : KB_DEFAULT_MAX;
	int ret = parse_size(s, out);

	if (ret)
		msg_err("invalid cache size '%s' (%s): expected a size such as 20G or 500M", s,
			opt ? "--max-cache" : "MMSTALL_KBUILD_MAX");
	return ret;
}

struct entry {
	char *path;
	char name[256];
	time_t used;
	uint64_t size;
};

/* Entries of kbuild/<sub>, with their last use (mtime of stamp inside). */
static size_t list_entries(const char *sub, const char *stamp, struct entry **out)
{
	char dir[PATH_MAX];
	struct entry *v = NULL;
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	*out = NULL;
	if (builds_path(dir, sizeof(dir), "%s", sub) || !(d = opendir(dir)))
		return 0;
	while ((de = readdir(d))) {
		struct stat st;
		char *p;

		if (de->d_name[0] == '.')
			continue;
		v = xrealloc(v, (n + 1) * sizeof(*v));
		v[n].path = xasprintf("%s/%s", dir, de->d_name);
		snprintf(v[n].name, sizeof(v[n].name), "%s", de->d_name);
		p = xasprintf("%s/%s", v[n].path, stamp);
		v[n].used = stat(p, &st) ? 0 : st.st_mtime;
		free(p);
		v[n].size = kb_du(v[n].path);
		n++;
	}
	closedir(d);
	*out = v;
	return n;
}

static void free_entries(struct entry *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].path);
	free(v);
}

/* Labels whose build is gone. */
static void drop_dangling_labels(void)
{
	char dir[PATH_MAX], p[PATH_MAX + 256];
	struct dirent *de;
	DIR *d;

	if (builds_path(dir, sizeof(dir), "labels") || !(d = opendir(dir)))
		return;
	while ((de = readdir(d))) {
		struct stat st;

		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (de->d_name[0] != '.' && stat(p, &st) < 0 && errno == ENOENT)
			unlink(p);
	}
	closedir(d);
}

/* Remove the least recently used entry not named keep: the bytes freed, 0 if none is left. */
static uint64_t evict_one(struct entry *v, size_t n, const char *keep, const char *what)
{
	struct entry *best = NULL;
	char size[32], when[64];
	uint64_t freed;
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].size && (!keep || strcmp(v[i].name, keep)) && (!best || v[i].used < best->used))
			best = &v[i];
	if (!best)
		return 0;
	kb_fmt_size(size, sizeof(size), best->size);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M", localtime(&best->used));
	msg_info("kernel cache over its cap: removing %s %s (%s, last used %s)", what, best->path, size, when);
	rm_rf(best->path);
	freed = best->size;
	best->size = 0;
	return freed;
}

int kb_cache_trim(uint64_t max, const char *keep_tree, const char *keep_key)
{
	struct entry *trees, *builds;
	size_t nt = list_entries("trees", "info.json", &trees);
	size_t nb = list_entries("builds", "manifest.json", &builds);
	uint64_t total = 0;
	char a[32], b[32];
	size_t i;

	for (i = 0; i < nt; i++)
		total += trees[i].size;
	for (i = 0; i < nb; i++)
		total += builds[i].size;
	/* work trees first: they are big and a build recreates them; built kernels last */
	while (total > max) {
		uint64_t freed = evict_one(trees, nt, keep_tree, "work tree");

		if (!freed)
			freed = evict_one(builds, nb, keep_key, "build");
		if (!freed)
			break;
		total -= freed;
	}
	if (total > max) {
		kb_fmt_size(a, sizeof(a), total);
		kb_fmt_size(b, sizeof(b), max);
		msg_warn("kernel cache holds %s, over its cap of %s, with only the build just made left in it; "
			 "raise the cap (--max-cache, MMSTALL_KBUILD_MAX)", a, b);
	}
	drop_dangling_labels();
	free_entries(trees, nt);
	free_entries(builds, nb);
	return 0;
}
