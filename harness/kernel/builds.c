// SPDX-License-Identifier: GPL-2.0
/* The built-kernel cache: paths and labels.  Layout in builds.h. */
#include "harness/kernel/builds.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/util.h"

int builds_path(char *buf, size_t len, const char *fmt, ...)
{
	int n = snprintf(buf, len, "%s/kbuild/", cache_dir());
	va_list ap;

	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	va_start(ap, fmt);
	n += vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
	return (size_t)n >= len ? -ENAMETOOLONG : 0;
}

bool builds_label_ok(const char *label)
{
	size_t len = strlen(label);

	return len && len < 64 && label[0] != '.' &&
	       strspn(label, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-") == len;
}

int builds_label_paths(const char *label, char **image, char **config)
{
	char dir[PATH_MAX];

	if (!builds_label_ok(label))
		return -EINVAL;
	if (builds_path(dir, sizeof(dir), "labels/%s", label))
		return -ENAMETOOLONG;
	*image = xasprintf("%s/" BUILDS_IMAGE, dir);
	if (!path_exists(*image)) {
		free(*image);
		*image = NULL;
		return -ENOENT;
	}
	*config = xasprintf("%s/" BUILDS_CONFIG, dir);
	return 0;
}

int builds_label_set(const char *label, const char *key)
{
	char dir[PATH_MAX], link[PATH_MAX + 32], tmp[PATH_MAX + 64], target[64];
	int ret;

	ret = builds_path(dir, sizeof(dir), "labels");
	if (!ret)
		ret = mkdir_p(dir, 0755);
	if (ret)
		return ret;
	snprintf(link, sizeof(link), "%s/%s", dir, label);
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp.%d", dir, label, (int)getpid());
	snprintf(target, sizeof(target), "../builds/%s", key);
	unlink(tmp);
	if (symlink(target, tmp) < 0)
		return -errno;
	if (rename(tmp, link) < 0) {
		ret = -errno;
		unlink(tmp);
	}
	return ret;
}
