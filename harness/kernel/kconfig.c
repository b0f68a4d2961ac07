// SPDX-License-Identifier: GPL-2.0
#include "harness/kernel/kconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "harness/proc.h"
#include "harness/util.h"

/* What the scenarios need; see docs/kernel-notes.md "Configuration". */
static const char *const relevant_options[] = {
	"CONFIG_BLK_CGROUP_IOLATENCY", "CONFIG_BLK_CGROUP_IOCOST", "CONFIG_BLK_DEV_THROTTLING",
	"CONFIG_PER_VMA_LOCK", "CONFIG_PSI", "CONFIG_PSI_DEFAULT_DISABLED", "CONFIG_MEMCG",
	"CONFIG_CFS_BANDWIDTH", "CONFIG_IO_URING", "CONFIG_TRACING", "CONFIG_SWAP",
	"CONFIG_TRANSPARENT_HUGEPAGE", "CONFIG_HZ", "CONFIG_PREEMPT", "CONFIG_PREEMPT_VOLUNTARY",
	"CONFIG_PREEMPT_NONE", "CONFIG_PREEMPT_DYNAMIC", "CONFIG_LRU_GEN", "CONFIG_LRU_GEN_ENABLED",
};

struct kconfig {
	char *text;
};

int kconfig_load_file(const char *path, struct kconfig **out)
{
	struct kconfig *kc;
	size_t n = strlen(path);
	int ret;

	kc = xcalloc(1, sizeof(*kc));
	if (n > 3 && !strcmp(path + n - 3, ".gz")) {
		char *argv[] = { "gzip", "-dc", (char *)path, NULL };

		if (!path_exists(path))
			ret = -ENOENT;
		else
			ret = proc_capture(argv, NULL, &kc->text, NULL) == 0 ? 0 : -EIO;
	} else {
		ret = read_file(path, &kc->text, NULL);
	}
	if (ret) {
		free(kc);
		return ret;
	}
	*out = kc;
	return 0;
}

int kconfig_load_running(struct kconfig **out, char *source, size_t len)
{
	struct utsname u;
	char path[512];

	source[0] = '\0';
	if (!kconfig_load_file("/proc/config.gz", out)) {
		snprintf(source, len, "/proc/config.gz");
		return 0;
	}
	uname(&u);
	snprintf(path, sizeof(path), "/boot/config-%s", u.release);
	if (!kconfig_load_file(path, out)) {
		snprintf(source, len, "%s", path);
		return 0;
	}
	return -ENOENT;
}

const char *kconfig_get(const struct kconfig *kc, const char *option)
{
	static __thread char val[256];
	size_t olen = strlen(option);
	const char *p = kc->text;

	while (p && *p) {
		const char *eol = strchrnul(p, '\n');

		if (!strncmp(p, option, olen) && p[olen] == '=') {
			const char *v = p + olen + 1;
			size_t vlen = eol - v;

			if (vlen && v[0] == '"' && v[vlen - 1] == '"') {
				v++;
				vlen -= 2;
			}
			snprintf(val, sizeof(val), "%.*s", (int)vlen, v);
			return val;
		}
		p = *eol ? eol + 1 : NULL;
	}
	return NULL;
}

const char *const *kconfig_relevant_options(size_t *n)
{
	*n = ARRAY_SIZE(relevant_options);
	return relevant_options;
}

void kconfig_free(struct kconfig *kc)
{
	if (!kc)
		return;
	free(kc->text);
	free(kc);
}
