// SPDX-License-Identifier: GPL-2.0
/* The host side of 'mmstall vm': its temporary directories. */
#include "harness/vm/host.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness/util.h"

/*
 * The pid in the name of one of our temporary entries: "mmstall-vm.<pid>.X",
 * ".stage.<pid>.X", ".fetch.<pid>.X" or "<name>.tmp.<pid>"; 0 if none.
 */
static int temp_owner(const char *name)
{
	static const char *const prefixes[] = { "mmstall-vm.%d.", ".stage.%d.", ".fetch.%d." };
	const char *tmp = strstr(name, ".tmp.");
	size_t i;
	int pid;

	for (i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (sscanf(name, prefixes[i], &pid) == 1)
			return pid > 0 ? pid : 0;
	if (tmp && sscanf(tmp, ".tmp.%d", &pid) == 1)
		return pid > 0 ? pid : 0;
	return 0;
}

void vm_sweep_stale(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(dir);
	int pid;

	if (!d)
		return;
	while ((de = readdir(d))) {
		pid = temp_owner(de->d_name);
		if (!pid || kill(pid, 0) == 0 || errno != ESRCH)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) < (int)sizeof(path))
			rm_rf(path);
	}
	closedir(d);
}

int vm_workdir_create(const char *base, char *out, size_t len)
{
	vm_sweep_stale(base);
	if (snprintf(out, len, "%s/mmstall-vm.%d.XXXXXX", base, (int)getpid()) >= (int)len)
		return -ENAMETOOLONG;
	if (!mkdtemp(out))
		return -errno;
	return 0;
}
