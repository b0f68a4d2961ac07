/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's disks: the cached, read-only data disk (ext4 holding lo.dat
 * and hi.dat) and the per-run results disk (a raw file the guest writes a
 * tar of its /out onto).
 */
#ifndef MMSTALL_VM_DISKIMG_H
#define MMSTALL_VM_DISKIMG_H

#include <stddef.h>
#include <stdint.h>

/*
 * Path (caller frees) of the data disk for these file sizes, with spare
 * bytes of free space (a run's swap file), built in the cache if missing.
 * -errno and err on failure.
 */
int diskimg_data(uint64_t lo_size, uint64_t hi_size, uint64_t spare, char **path_out, char *err, size_t errlen);

/*
 * Path (caller frees) of the read-only tools disk holding fio (the host's
 * binary, its whole ldd closure and the dynamic loader), built in the cache
 * if missing.  In the guest it is mounted on /tools; /tools/bin/fio runs
 * the binary through /tools/lib's loader and libraries.  -errno and err on failure.
 */
int diskimg_tools(const char *fio, char **path_out, char *err, size_t errlen);

/* A sparse raw file of size bytes, for the guest's results (read by guest_out.h). */
int diskimg_results_create(const char *path, uint64_t size, char *err, size_t errlen);

#endif
