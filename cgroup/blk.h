/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Block devices as blk-cgroup sees them, and the root's per-device knobs
 * (io.cost.qos, io.cost.model).  Plain settings only: which throttle a
 * run uses, and why, is the workload layer's (workloads/throttle.h).
 */
#ifndef MMSTALL_CG_BLK_H
#define MMSTALL_CG_BLK_H

#include <stddef.h>

/*
 * The whole disk (not a partition) holding path: "MAJ:MIN" into dev and its
 * name ("vda") into disk.  -ENODEV with a message when path is on no block
 * device (tmpfs, overlay, NFS).
 */
int cg_disk_for_path(const char *path, char *dev, size_t devlen, char *disk, size_t disklen, char *err,
		     size_t errlen);
/* The line for device in a root per-device file (mount/file), "" when there is none. */
void cg_root_device_line(const char *mount, const char *file, const char *device, char *out, size_t len);
/* Write value to mount/file (the root's knobs); 0 or -errno. */
int cg_root_write(const char *mount, const char *file, const char *value);

#endif
