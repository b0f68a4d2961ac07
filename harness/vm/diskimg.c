// SPDX-License-Identifier: GPL-2.0
/*
 * Disk images for the guest.
 *
 * The data disk is made once per (file-size, hi-file-size) pair: the files
 * are written with pseudo-random, non-sparse contents (datafile_ensure(),
 * the same writer 'mmstall run' uses) into a staging directory and packed
 * with 'mkfs.ext4 -d'.  Inode tables and the journal are initialised at
 * mkfs time, so the guest's ext4lazyinit does no I/O during a measurement.
 * The image is written under a temporary name and renamed: a crash never
 * leaves half an image in the cache.  Runs attach it with snapshot=on.
 */
#include "harness/vm/diskimg.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/util.h"
#include "harness/vm/host.h"
#include "workloads/datafile.h"

/* Bump when the image's contents or layout change. */
#define DATA_LAYOUT 1
#define MiB ((uint64_t)1 << 20)

static int stage_files(const char *stage, uint64_t lo_size, uint64_t hi_size)
{
	char path[PATH_MAX], err[512];
	int ret;

	if (vm_path(path, sizeof(path), "%s/lo.dat", stage))
		return -ENAMETOOLONG;
	/* same seeds as 'mmstall run --seed 1' would use */
	ret = datafile_ensure(path, lo_size, 1, err, sizeof(err));
	if (!ret) {
		vm_path(path, sizeof(path), "%s/hi.dat", stage);
		ret = datafile_ensure(path, hi_size, 2, err, sizeof(err));
	}
	if (ret == -ENOSPC)
		vm_err("no space left in %.*s for the data disk's files (%" PRIu64 " MiB, and as much again for "
		       "the image): free space or set MMSTALL_CACHE to a larger file system",
		       (int)(strrchr(stage, '/') - stage), stage, (lo_size + hi_size) / MiB);
	else if (ret)
		vm_err("%s", err);
	else if (vm_stop_signal)
		ret = -EINTR;
	return ret;
}

static int run_mkfs(const char *stage, const char *img, uint64_t size)
{
	char *argv[] = { "mkfs.ext4", "-q", "-F", "-t", "ext4", "-L", "mmstall-data", "-m", "0",
			 "-E", "lazy_itable_init=0,lazy_journal_init=0,root_owner=0:0",
			 "-d", (char *)stage, (char *)img, NULL };
	char *errout = NULL;
	int fd, ret;

	fd = open(img, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	ret = ftruncate(fd, size) < 0 ? -errno : 0;
	close(fd);
	if (ret)
		return ret;
	ret = vm_run_capture(argv, NULL, NULL, &errout);
	if (ret < 0 && ret != -EINTR)
		vm_err("cannot run mkfs.ext4 (%s): it makes the guest's data disk (apt-get install e2fsprogs)",
		       strerror(-ret));
	else if (ret > 0 && errout && strstr(errout, "No space left"))
		vm_err("no space left in %.*s for the data disk image (%" PRIu64 " MiB): free space or set "
		       "MMSTALL_CACHE to a larger file system", (int)(strrchr(img, '/') - img), img, size / MiB);
	else if (ret > 0)
		vm_err("mkfs.ext4 -d %s %s failed (exit status %d): %s", stage, img, ret, vm_last_line(errout));
	free(errout);
	if (ret > 0)
		return -EIO;
	if (ret)
		return ret;
	fd = open(img, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = fsync(fd) < 0 ? -errno : 0;
	close(fd);
	return ret;
}

static int build(const char *dir, const char *path, uint64_t lo_size, uint64_t hi_size, uint64_t spare)
{
	/* files + 10% + 64 MiB: room for ext4's metadata and journal */
	uint64_t size = lo_size + hi_size + spare, img_size = (size + size / 10 + 64 * MiB + MiB - 1) & ~(MiB - 1);
	char stage[PATH_MAX], tmp[PATH_MAX + 32];
	int ret;

	snprintf(stage, sizeof(stage), "%s/.stage.%d.XXXXXX", dir, (int)getpid());
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	if (!mkdtemp(stage))
		return -errno;
	ret = stage_files(stage, lo_size, hi_size);
	if (!ret)
		ret = run_mkfs(stage, tmp, img_size);
	rm_rf(stage);
	if (!ret && rename(tmp, path) < 0)
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}

int diskimg_data(uint64_t lo_size, uint64_t hi_size, uint64_t spare, char **path_out)
{
	char *dir = NULL, *path = NULL;
	int ret;

	if (asprintf(&dir, "%s/disks", cache_dir()) < 0)
		return -ENOMEM;
	/* "%.0" PRIu64 prints nothing for 0: images without spare room keep their old names */
	if (asprintf(&path, "%s/data-v%d-%" PRIu64 "-%" PRIu64 "%s%.0" PRIu64 ".ext4", dir, DATA_LAYOUT, lo_size,
		     hi_size, spare ? "-spare" : "", spare) < 0) {
		free(dir);
		return -ENOMEM;
	}
	ret = 0;
	if (!path_exists(path)) {
		msg_info("building the data disk (lo.dat %" PRIu64 " MiB, hi.dat %" PRIu64
			 " MiB), once per pair of sizes", lo_size / MiB, hi_size / MiB);
		ret = mkdir_p(dir, 0755);
		if (!ret)
			ret = build(dir, path, lo_size, hi_size, spare);
		if (ret && ret != -EINTR && !vm_error[0])
			vm_err("cannot build the data disk %s: %s%s", path, strerror(-ret),
				ret == -ENOSPC ? " (disk full: free space or set MMSTALL_CACHE elsewhere)" : "");
	}
	free(dir);
	if (ret) {
		free(path);
		return ret;
	}
	*path_out = path;
	return 0;
}

int diskimg_results_create(const char *path, uint64_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600), ret = 0;

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, size) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* Did the guest write anything?  An untouched sparse file reads as zeros. */
static bool has_data(const char *img)
{
	char block[512];
	int fd = open(img, O_RDONLY | O_CLOEXEC);
	ssize_t n, i;

	if (fd < 0)
		return false;
	n = pread(fd, block, sizeof(block), 0);
	close(fd);
	for (i = 0; i < n; i++)
		if (block[i])
			return true;
	return false;
}

int diskimg_results_extract(const char *img, const char *dir, char **errout)
{
	char *argv[] = { "tar", "--no-same-owner", "--no-same-permissions", "-xf", (char *)img, "-C",
			 (char *)dir, NULL };
	int ret;

	*errout = NULL;
	if (!has_data(img))
		return -ENODATA;
	ret = mkdir_p(dir, 0755);
	if (ret)
		return ret;
	ret = vm_run_capture(argv, NULL, NULL, errout);
	if (ret < 0 && ret != -EINTR)
		vm_err("cannot run tar (%s): it unpacks the guest's results (apt-get install tar)", strerror(-ret));
	return ret > 0 ? -EIO : ret;
}
