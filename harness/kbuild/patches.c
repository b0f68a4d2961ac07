// SPDX-License-Identifier: GPL-2.0
/*
 * --patches: a directory (quilt 'series' order, else sorted *.patch and
 * *.diff), one mbox (git am) or, when the source is a git tree, a range
 * A..B of its commits (git format-patch, then as an mbox).
 *
 * Patches go onto the private work tree only, one at a time, each checked
 * whole before anything is written (git apply and git am do that).  When
 * one does not apply, the message names it and shows the hunk git
 * rejected, and the tree is reset to its base: no partial series is ever
 * left behind.
 */
#include "harness/kbuild/kbuild.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/util.h"
#include "harness/proc.h"

static bool has_suffix(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

static int strcmp_p(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One series line: "name [-pN]" (comments after '#'); *name NULL for none. */
static int series_line(char *line, char **name, char **strip)
{
	char *save = NULL, *tok;

	line[strcspn(line, "#")] = '\0';
	*name = strtok_r(line, " \t\r", &save);
	*strip = NULL;
	if (!*name)
		return 0;
	while ((tok = strtok_r(NULL, " \t\r", &save))) {
		if (tok[0] != '-' || tok[1] != 'p' || !isdigit((unsigned char)tok[2]) || *strip)
			return -EINVAL;
		*strip = tok;
	}
	return 0;
}

static int read_series(const char *dir, const char *series, struct kb_patchset *ps, char *err, size_t errlen)
{
	char *text, *line, *next;
	int ret, lineno = 0;

	ret = read_file(series, &text, NULL);
	if (ret) {
		snprintf(err, errlen, "cannot read %s: %s", series, strerror(-ret));
		return ret;
	}
	for (line = text; line && !ret; line = next) {
		char *name, *strip, *path;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		ret = series_line(line, &name, &strip);
		if (ret) {
			snprintf(err, errlen, "%s:%d: expected 'PATCH [-pN]', found '%.200s'", series, lineno, line);
			break;
		}
		if (!name)
			continue;
		path = xasprintf("%s/%s", dir, name);
		if (!path_exists(path)) {
			snprintf(err, errlen, "%s:%d names %s, which is not in %s", series, lineno, name, dir);
			ret = -ENOENT;
		}
		kb_strv_push(&ps->files, path);
		kb_strv_push(&ps->strip, strip ? strip : "-p1");
		free(path);
	}
	free(text);
	if (!ret && !ps->files.n) {
		snprintf(err, errlen, "%s lists no patches", series);
		ret = -ENOENT;
	}
	return ret;
}

static int list_patch_dir(const char *dir, struct kb_patchset *ps, char *err, size_t errlen)
{
	struct kb_strv names = { 0 };
	struct dirent *de;
	DIR *d = opendir(dir);
	size_t i;

	if (!d) {
		snprintf(err, errlen, "cannot read directory %s: %s", dir, strerror(errno));
		return -errno;
	}
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && (has_suffix(de->d_name, ".patch") || has_suffix(de->d_name, ".diff")))
			kb_strv_push(&names, de->d_name);
	closedir(d);
	if (!names.n) {
		snprintf(err, errlen,
			 "no patches in %s: expected a quilt 'series' file or *.patch / *.diff files (applied in "
			 "name order)", dir);
		return -ENOENT;
	}
	qsort(names.v, names.n, sizeof(char *), strcmp_p);
	for (i = 0; i < names.n; i++) {
		kb_strv_pushf(&ps->files, "%s/%s", dir, names.v[i]);
		kb_strv_push(&ps->strip, "-p1");
	}
	kb_strv_free(&names);
	return 0;
}

/* mbox: "From " first (git format-patch) or mail headers; else a plain diff. */
static bool is_mbox(const char *text)
{
	return !strncmp(text, "From ", 5) || !strncmp(text, "From:", 5) || !strncmp(text, "Subject:", 8) ||
	       !strncmp(text, "Date:", 5);
}

static size_t mbox_count(const char *text)
{
	const char *p = text;
	size_t n = 0;

	for (; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		n += !strncmp(p, "From ", 5);
	return n ? n : 1;
}

static int identity_of(struct kb_patchset *ps)
{
	uint64_t h = HASH_INIT;
	size_t i;
	int ret = 0;

	hash_str(ps->kind == KB_PATCH_DIR ? "dir" : "mbox", &h);
	for (i = 0; i < ps->files.n && !ret; i++) {
		hash_str(ps->strip.v[i], &h);
		ret = hash_file(ps->files.v[i], &h);
	}
	if (ps->mbox && !ret)
		ret = hash_file(ps->mbox, &h);
	kb_hash_hex(h, ps->identity);
	return ret;
}

static int resolve_range(const char *arg, const char *git_source, const char *tmpdir, struct kb_patchset *ps,
			 char *err, size_t errlen)
{
	const char *const args[] = { "format-patch", "--stdout", "--no-signature", arg, NULL };
	char *out = NULL, *eout = NULL;
	int ret;

	ret = kb_git(git_source, &out, &eout, args);
	if (ret || !out[0]) {
		snprintf(err, errlen, "--patches %s: %s in %s", arg,
			 ret ? last_line(eout) : "the range holds no commits", git_source);
		ret = ret < 0 ? ret : -EINVAL;
		goto out;
	}
	ps->kind = KB_PATCH_RANGE;
	ps->mbox = xasprintf("%s/range.%d.mbox", tmpdir, (int)getpid());	/* builds may run at once */
	ps->mbox_owned = true;
	ps->count = mbox_count(out);
	ret = write_file_atomic(ps->mbox, out, strlen(out));
	if (ret)
		snprintf(err, errlen, "cannot write %s: %s", ps->mbox, strerror(-ret));
out:
	free(out);
	free(eout);
	return ret;
}

int kb_patchset_resolve(const char *arg, const char *git_source, const char *tmpdir, struct kb_patchset *ps,
			char *err, size_t errlen)
{
	char real[PATH_MAX], *series = NULL, *text = NULL;
	int ret;

	memset(ps, 0, sizeof(*ps));
	ps->arg = xstrdup(arg);
	if (!realpath(arg, real)) {
		if (git_source && strstr(arg, ".."))
			ret = resolve_range(arg, git_source, tmpdir, ps, err, errlen);
		else {
			snprintf(err, errlen,
				 "--patches %s: %s; expected a directory of patches (quilt 'series' order, else "
				 "*.patch/*.diff by name), an mbox file (git am)%s", arg, strerror(errno),
				 git_source ? " or a range A..B of the source's commits" :
					      ", or a range A..B when --source is a git tree");
			ret = -ENOENT;
		}
		goto out;
	}
	if (is_dir(real)) {
		ps->kind = KB_PATCH_DIR;
		series = xasprintf("%s/series", real);
		ret = path_exists(series) ? read_series(real, series, ps, err, errlen) :
					    list_patch_dir(real, ps, err, errlen);
		ps->count = ps->files.n;
		goto out;
	}
	ret = read_file(real, &text, NULL);
	if (ret) {
		snprintf(err, errlen, "--patches %s: cannot read it: %s", arg, strerror(-ret));
		goto out;
	}
	if (is_mbox(text)) {
		ps->kind = KB_PATCH_MBOX;
		ps->mbox = xstrdup(real);
		ps->count = mbox_count(text);
	} else {
		/* a plain diff has no mail headers for git am: apply it as a one-patch series */
		ps->kind = KB_PATCH_DIR;
		kb_strv_push(&ps->files, real);
		kb_strv_push(&ps->strip, "-p1");
		ps->count = 1;
	}
out:
	if (!ret && (ret = identity_of(ps)))
		snprintf(err, errlen, "cannot read the patches of %s: %s", arg, strerror(-ret));
	free(series);
	free(text);
	if (ret)
		kb_patchset_free(ps);
	return ret;
}

void kb_patchset_free(struct kb_patchset *ps)
{
	if (ps->mbox_owned && ps->mbox)
		unlink(ps->mbox);
	free(ps->arg);
	free(ps->mbox);
	kb_strv_free(&ps->files);
	kb_strv_free(&ps->strip);
	memset(ps, 0, sizeof(*ps));
}

/* ---- what did not apply ---- */

/* Does a diff header path ("b/mm/mmap.c", "mm/mmap.c") name file? */
static bool path_is(const char *p, size_t len, const char *file)
{
	size_t fl = strlen(file);

	while (len && isspace((unsigned char)p[len - 1]))
		len--;
	if (memchr(p, '\t', len))
		len = (const char *)memchr(p, '\t', len) - p;	/* "--- a/x\t2024-01-01" */
	if (len == fl && !memcmp(p, file, fl))
		return true;
	return len > fl && p[len - fl - 1] == '/' && !memcmp(p + len - fl, file, fl);
}

static bool hunk_end(const char *line)
{
	return !strncmp(line, "@@", 2) || !strncmp(line, "diff ", 5) || !strncmp(line, "--- ", 4) ||
	       !strncmp(line, "-- \n", 4) || !strncmp(line, "From ", 5) || !strncmp(line, "Index: ", 7);
}

char *kb_find_hunk(const char *patch, const char *file, long line)
{
	const char *p = patch, *start = NULL;
	bool in_file = false, old_is = false;

	for (; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		const char *eol = strchrnul(p, '\n');
		long l;

		if (start) {
			if (hunk_end(p))
				break;
		} else if (!strncmp(p, "diff ", 5)) {
			in_file = false;
		} else if (!strncmp(p, "--- ", 4)) {
			old_is = path_is(p + 4, eol - p - 4, file);
		} else if (!strncmp(p, "+++ ", 4)) {
			/* a new file's old side is /dev/null, a deleted one's new side */
			in_file = old_is || path_is(p + 4, eol - p - 4, file);
		} else if (in_file && sscanf(p, "@@ -%ld", &l) == 1 && l == line) {
			start = p;
		}
	}
	if (!start)
		return NULL;
	return xasprintf("%.*s", (int)((p ? p : start + strlen(start)) - start), start);
}

/* From git's messages, the first "patch failed: FILE:LINE"; file gets FILE. */
static long failed_at(const char *msgs, char *file, size_t len)
{
	const char *p = msgs ? strstr(msgs, "patch failed: ") : NULL;
	const char *eol, *colon;

	if (!p)
		return -1;
	p += strlen("patch failed: ");
	eol = strchrnul(p, '\n');
	colon = memrchr(p, ':', eol - p);
	if (!colon)
		return -1;
	snprintf(file, len, "%.*s", (int)(colon - p), p);
	return strtol(colon + 1, NULL, 10);
}

/* git's "error: ..." lines, indented, as the reason. */
static void error_lines(const char *msgs, char *buf, size_t len)
{
	const char *p = msgs;
	size_t used = 0;

	buf[0] = '\0';
	for (; p && *p && used + 1 < len; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		int n = (int)(strchrnul(p, '\n') - p);

		if (!strncmp(p, "error: ", 7) || !strncmp(p, "Patch failed at", 15))
			used += snprintf(buf + used, len - used, "  %.*s\n", n, p);
	}
}

/* name says which patch ("0002-x.patch (2 of 3)"). */
static void report_failure(const char *name, const char *patch_text, const char *msgs, char *err, size_t errlen)
{
	char file[PATH_MAX], reasons[2048], *hunk = NULL;
	long line = failed_at(msgs, file, sizeof(file));

	error_lines(msgs, reasons, sizeof(reasons));
	if (line >= 0 && patch_text)
		hunk = kb_find_hunk(patch_text, file, line);
	snprintf(err, errlen,
		 "patch %s does not apply:\n%s%s%s%s%s(no patch of the set was applied: the source tree is as "
		 "it was)",
		 name, reasons[0] ? reasons : "  (git gave no reason)\n",
		 hunk ? "rejected hunk of " : "", hunk ? file : "", hunk ? ":\n" : "", hunk ? hunk : "");
	free(hunk);
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static int apply_dir(const struct kb_patchset *ps, const char *tree, char *err, size_t errlen)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < ps->files.n && !ret; i++) {
		const char *const args[] = { "apply", "--index", "--whitespace=nowarn", ps->strip.v[i],
					     ps->files.v[i], NULL };
		char *eout = NULL, *text = NULL;

		ret = kb_git(tree, NULL, &eout, args);
		if (ret > 0) {
			char name[PATH_MAX];

			snprintf(name, sizeof(name), "%s (%zu of %zu)", base_name(ps->files.v[i]), i + 1, ps->files.n);
			read_file(ps->files.v[i], &text, NULL);
			report_failure(name, text, eout, err, errlen);
		} else if (ret < 0) {
			snprintf(err, errlen, "cannot run git apply: %s", strerror(-ret));
		}
		free(eout);
		free(text);
	}
	return ret < 0 ? ret : ret ? -EINVAL : 0;
}

/* "Patch failed at 0002 subject" -> "0002 subject" of mbox. */
static void am_patch_name(const char *msgs, const char *mbox, char *buf, size_t len)
{
	const char *p = msgs ? strstr(msgs, "Patch failed at ") : NULL;

	if (p) {
		p += strlen("Patch failed at ");
		snprintf(buf, len, "'%.*s' of %s", (int)(strchrnul(p, '\n') - p), p, mbox);	/* git numbers it */
	} else {
		snprintf(buf, len, "in %s", mbox);
	}
}

static int apply_mbox(const struct kb_patchset *ps, const char *tree, char *err, size_t errlen)
{
	static const char *const show[] = { "am", "--show-current-patch=diff", NULL };
	const char *const args[] = { "am", "-q", "--whitespace=nowarn", ps->mbox, NULL };
	char *out = NULL, *eout = NULL, *text = NULL, *all, name[512];
	int ret;

	ret = kb_git(tree, &out, &eout, args);
	if (ret > 0) {
		all = xasprintf("%s%s", out ? out : "", eout ? eout : "");
		kb_git(tree, &text, NULL, show);
		am_patch_name(all, base_name(ps->mbox), name, sizeof(name));
		report_failure(name, text, all, err, errlen);
		free(all);
	} else if (ret < 0) {
		snprintf(err, errlen, "cannot run git am: %s", strerror(-ret));
	}
	free(out);
	free(eout);
	free(text);
	return ret < 0 ? ret : ret ? -EINVAL : 0;
}

int kb_patchset_apply(const struct kb_patchset *ps, const char *tree, const char *base, char *err, size_t errlen)
{
	char rerr[1024];
	int ret;

	if (ps->kind == KB_PATCH_NONE)
		return 0;
	ret = ps->kind == KB_PATCH_DIR ? apply_dir(ps, tree, err, errlen) : apply_mbox(ps, tree, err, errlen);
	if (ret && kb_tree_reset(tree, base, rerr, sizeof(rerr))) {
		size_t n = strlen(err);

		snprintf(err + n, errlen - n, "\nand the work tree could not be reset: %s", rerr);
	}
	return ret;
}
