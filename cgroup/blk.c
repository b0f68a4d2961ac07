// SPDX-License-Identifier: GPL-2.0
#include "cgroup/blk.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "harness/util.h"

int cg_disk_for_path(const char *path, char *dev, size_t devlen, char *disk, size_t disklen, char *err,
		     size_t errlen)
{
	char sys[PATH_MAX], real[PATH_MAX], part[PATH_MAX + 16], *text, *name;
	unsigned int maj, min;
	struct stat st;

	if (stat(path, &st) < 0) {
		snprintf(err, errlen, "cannot stat data directory %s: %s", path, strerror(errno));
		return -errno;
	}
	maj = major(st.st_dev);
	min = minor(st.st_dev);
	snprintf(sys, sizeof(sys), "/sys/dev/block/%u:%u", maj, min);
	if (maj == 0 || !realpath(sys, real)) {
		snprintf(err, errlen,
			 "data directory %s is on a filesystem with no block device (device %u:%u: tmpfs, "
			 "overlay, NFS?); I/O throttles act on block devices: pick a --data-dir on a disk",
			 path, maj, min);
		return -ENODEV;
	}
	/* blk-cgroup takes whole disks only: a partition's parent is the disk. */
	snprintf(part, sizeof(part), "%s/partition", real);
	if (path_exists(part))
		*strrchr(real, '/') = '\0';
	snprintf(part, sizeof(part), "%s/dev", real);
	if (read_file(part, &text, NULL)) {
		snprintf(err, errlen, "cannot read %s", part);
		return -EIO;
	}
	text[strcspn(text, "\n")] = '\0';
	snprintf(dev, devlen, "%s", text);
	free(text);
	name = strrchr(real, '/');
	snprintf(disk, disklen, "%s", name ? name + 1 : real);
	return 0;
}

void cg_root_device_line(const char *mount, const char *file, const char *device, char *out, size_t len)
{
	char path[PATH_MAX + 64], *text, *p;
	size_t n = strlen(device);

	out[0] = '\0';
	snprintf(path, sizeof(path), "%s/%s", mount, file);
	if (read_file(path, &text, NULL))
		return;
	for (p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (!strncmp(p, device, n) && p[n] == ' ') {
			snprintf(out, len, "%.*s", (int)strcspn(p, "\n"), p);
			break;
		}
	}
	free(text);
}

int cg_root_write(const char *mount, const char *file, const char *value)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", mount, file);
	return write_file(path, value);
}
