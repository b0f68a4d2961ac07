// SPDX-License-Identifier: GPL-2.0
/* Small helpers of 'mmstall kernel': strings, string vectors, git, sizes. */
#include "harness/kbuild/kbuild.h"

#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness/util.h"
#include "harness/proc.h"

static void strv_add(struct kb_strv *sv, char *s)
{
	sv->v = xrealloc(sv->v, (sv->n + 2) * sizeof(char *));
	sv->v[sv->n++] = s;
	sv->v[sv->n] = NULL;
}

void kb_strv_push(struct kb_strv *sv, const char *s)
{
	strv_add(sv, xstrdup(s));
}

void kb_strv_pushf(struct kb_strv *sv, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strv_add(sv, xvasprintf(fmt, ap));
	va_end(ap);
}

void kb_strv_free(struct kb_strv *sv)
{
	size_t i;

	for (i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = 0;
}

int kb_git(const char *dir, char **out, char **err, const char *const *args)
{
	/* the same result whatever the user's ~/.gitconfig says */
	static const char *const fixed[] = {
		"-c", "user.name=mmstall",	 "-c", "user.email=mmstall@localhost",
		"-c", "core.autocrlf=false",	 "-c", "core.hooksPath=/dev/null",
		"-c", "gc.auto=0",		 "-c", "advice.detachedHead=false",
		"-c", "commit.gpgSign=false",	 "-c", "am.threeWay=false",
	};
	struct kb_strv argv = { 0 };
	size_t i;
	int ret;

	kb_strv_push(&argv, "git");
	kb_strv_push(&argv, "-C");
	kb_strv_push(&argv, dir);
	for (i = 0; i < ARRAY_SIZE(fixed); i++)
		kb_strv_push(&argv, fixed[i]);
	for (i = 0; args[i]; i++)
		kb_strv_push(&argv, args[i]);
	msg_debug("git -C %s %s%s%s", dir, args[0], args[1] ? " " : "", args[1] ? args[1] : "");
	ret = proc_capture(argv.v, NULL, out, err);
	kb_strv_free(&argv);
	return ret;
}

void kb_hash_hex(uint64_t h, char *buf)
{
	snprintf(buf, 17, "%016llx", (unsigned long long)h);
}

static uint64_t du_total;

static int du_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)path;
	(void)flag;
	(void)ftw;
	du_total += (uint64_t)sb->st_blocks * 512;
	return 0;
}

uint64_t kb_du(const char *path)
{
	du_total = 0;
	nftw(path, du_one, 32, FTW_PHYS);
	return du_total;
}

void kb_fmt_size(char *buf, size_t len, uint64_t bytes)
{
	static const char units[] = "BKMGT";
	double v = bytes;
	size_t u = 0;

	while (v >= 1024 && u + 1 < sizeof(units) - 1) {
		v /= 1024;
		u++;
	}
	if (!u)
		snprintf(buf, len, "%lluB", (unsigned long long)bytes);
	else
		snprintf(buf, len, v < 10 ? "%.1f%c" : "%.0f%c", v, units[u]);
}
