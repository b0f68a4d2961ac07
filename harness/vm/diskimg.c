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
#include <sys/stat.h>
#include <unistd.h>

#include "harness/proc.h"
#include "harness/util.h"
#include "workloads/datafile.h"

/* Bump when the image's contents or layout change. */
#define DATA_LAYOUT 1
#define MiB ((uint64_t)1 << 20)

static int stage_files(const char *stage, uint64_t lo_size, uint64_t hi_size, char *err, size_t errlen)
{
	char path[PATH_MAX];
	int ret;

	if (path_fmt(path, sizeof(path), "%s/lo.dat", stage)) {
		snprintf(err, errlen, "%s/lo.dat: path too long (set MMSTALL_CACHE to a shorter one)", stage);
		return -ENAMETOOLONG;
	}
	/* same seeds as 'mmstall run --seed 1' would use */
	ret = datafile_ensure(path, lo_size, 1, err, errlen);
	if (!ret) {
		path_fmt(path, sizeof(path), "%s/hi.dat", stage);
		ret = datafile_ensure(path, hi_size, 2, err, errlen);
	}
	if (ret == -ENOSPC)
		snprintf(err, errlen, "no space left in %.*s for the data disk's files (%" PRIu64 " MiB, and as much "
			 "again for the image; staged in %s): free space or set MMSTALL_CACHE to a larger file system",
			 (int)(strrchr(stage, '/') - stage), stage, (lo_size + hi_size) / MiB, stage);
	else if (proc_stop_signal)
		ret = -EINTR;
	return ret;
}

/*
 * mkfs.ext4 argv (ending in -d STAGE IMG) into a new image file of size
 * bytes: the data disk or the tools disk ("what" names it in messages).
 */
static int mkfs_image(char *const argv[], const char *stage, const char *img, uint64_t size, const char *what,
		      char *err, size_t errlen)
{
	char *errout = NULL;
	int fd, ret;

	fd = open(img, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot create %s: %s", img, strerror(errno));
		return ret;
	}
	ret = ftruncate(fd, size) < 0 ? -errno : 0;
	close(fd);
	if (ret) {
		snprintf(err, errlen, "cannot size %s to %" PRIu64 " MiB: %s", img, size / MiB, strerror(-ret));
		return ret;
	}
	ret = proc_capture(argv, NULL, NULL, &errout);
	if (ret < 0 && ret != -EINTR)
		snprintf(err, errlen, "cannot run mkfs.ext4 (%s): it makes the guest's %s (apt-get install e2fsprogs)",
			 strerror(-ret), what);
	else if (ret > 0 && errout && strstr(errout, "No space left"))
		snprintf(err, errlen, "no space left in %.*s for the %s image (%" PRIu64 " MiB): free space or set "
			 "MMSTALL_CACHE to a larger file system", (int)(strrchr(img, '/') - img), img, what,
			 size / MiB);
	else if (ret > 0)
		snprintf(err, errlen, "mkfs.ext4 -d %s %s failed (exit status %d): %s", stage, img, ret,
			 last_line(errout));
	free(errout);
	return ret > 0 ? -EIO : ret;
}

static int run_mkfs(const char *stage, const char *img, uint64_t size, char *err, size_t errlen)
{
	char *argv[] = { "mkfs.ext4", "-q", "-F", "-t", "ext4", "-L", "mmstall-data", "-m", "0",
			 "-E", "lazy_itable_init=0,lazy_journal_init=0,root_owner=0:0",
			 "-d", (char *)stage, (char *)img, NULL };
	int fd, ret = mkfs_image(argv, stage, img, size, "data disk", err, errlen);

	if (ret)
		return ret;
	fd = open(img, O_RDONLY | O_CLOEXEC);
	ret = fd < 0 || fsync(fd) < 0 ? -errno : 0;
	if (fd >= 0)
		close(fd);
	if (ret)
		snprintf(err, errlen, "cannot write %s: %s", img, strerror(-ret));
	return ret;
}

static int build(const char *dir, const char *path, uint64_t lo_size, uint64_t hi_size, uint64_t spare, char *err,
		 size_t errlen)
{
	/* files + 10% + 64 MiB: room for ext4's metadata and journal */
	uint64_t size = lo_size + hi_size + spare, img_size = (size + size / 10 + 64 * MiB + MiB - 1) & ~(MiB - 1);
	char stage[PATH_MAX], tmp[PATH_MAX + 32];
	int ret;

	snprintf(stage, sizeof(stage), "%s/.stage.%d.XXXXXX", dir, (int)getpid());
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	if (!mkdtemp(stage)) {
		ret = -errno;
		snprintf(err, errlen, "cannot create a temporary directory %s: %s", stage, strerror(errno));
		return ret;
	}
	ret = stage_files(stage, lo_size, hi_size, err, errlen);
	if (!ret)
		ret = run_mkfs(stage, tmp, img_size, err, errlen);
	rm_rf(stage);
	if (!ret && rename(tmp, path) < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
	}
	if (ret)
		unlink(tmp);
	return ret;
}

int diskimg_data(uint64_t lo_size, uint64_t hi_size, uint64_t spare, char **path_out, char *err, size_t errlen)
{
	char *dir, *path;
	int ret;

	err[0] = '\0';
	dir = xasprintf("%s/disks", cache_dir());
	/* "%.0" PRIu64 prints nothing for 0: images without spare room keep their old names */
	path = xasprintf("%s/data-v%d-%" PRIu64 "-%" PRIu64 "%s%.0" PRIu64 ".ext4", dir, DATA_LAYOUT, lo_size, hi_size,
			 spare ? "-spare" : "", spare);
	ret = 0;
	if (!path_exists(path)) {
		msg_info("building the data disk (lo.dat %" PRIu64 " MiB, hi.dat %" PRIu64
			 " MiB), once per pair of sizes", lo_size / MiB, hi_size / MiB);
		ret = mkdir_p(dir, 0755);
		if (!ret)
			ret = build(dir, path, lo_size, hi_size, spare, err, errlen);
		if (ret && ret != -EINTR && !err[0])
			snprintf(err, errlen, "cannot build the data disk %s: %s%s", path, strerror(-ret),
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

/* ---- the tools disk (fio for the guest) ---- */

/* Bump when the tools disk's layout changes. */
#define TOOLS_LAYOUT 1
#define TOOLS_MOUNT "/tools"

static const char tools_wrapper[] =
	"#!/bin/sh\n"
	"# fio from the host of 'mmstall vm', with its own libraries and loader\n"
	"exec " TOOLS_MOUNT "/lib/%s --library-path " TOOLS_MOUNT "/lib " TOOLS_MOUNT "/libexec/fio \"$@\"\n";

/* The files fio needs: its ldd closure, one absolute path a line, the loader first. */
static int fio_closure(const char *fio, char ***files, size_t *n, char *err, size_t errlen)
{
	char *argv[] = { "ldd", (char *)fio, NULL }, *out = NULL, *lerr = NULL, *line, *save = NULL, *p;
	int ret = proc_capture(argv, NULL, &out, &lerr);

	*files = NULL;
	*n = 0;
	if (ret) {
		snprintf(err, errlen, "ldd %s failed (%s): it lists the libraries fio needs in the guest", fio,
			 ret < 0 ? strerror(-ret) : last_line(lerr));
		ret = ret < 0 ? ret : -EIO;
	}
	for (line = ret ? NULL : strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char path[PATH_MAX], **nf;

		if (strstr(line, "not found")) {
			snprintf(err, errlen, "fio's library is missing on the host: %s (reinstall fio)",
				 line + strspn(line, " \t"));
			ret = -ENOENT;
			break;
		}
		/* "libz.so.1 => /lib/x86_64-linux-gnu/libz.so.1 (0x...)" or "/lib64/ld-linux-x86-64.so.2 (0x...)" */
		p = strstr(line, "=> ");
		p = p ? p + 3 : line + strspn(line, " \t");
		if (*p != '/' || sscanf(p, "%4095s", path) != 1)
			continue;	/* linux-vdso.so.1 */
		nf = xrealloc(*files, (*n + 1) * sizeof(char *));
		*files = nf;
		(*files)[(*n)++] = xstrdup(path);
	}
	free(out);
	free(lerr);
	return ret;
}

static void free_list(char **files, size_t n)
{
	while (n)
		free(files[--n]);
	free(files);
}

static bool is_loader(const char *path)
{
	return strstr(strrchr(path, '/'), "ld-linux") != NULL;
}

/* Cache identity: fio's contents, and each library's path, size and time. */
static int tools_hash(const char *fio, char **files, size_t n, uint64_t *h, uint64_t *bytes)
{
	char buf[PATH_MAX + 64];
	struct stat st;
	size_t i;
	int ret;

	*h = HASH_INIT;
	snprintf(buf, sizeof(buf), "tools-layout%d", TOOLS_LAYOUT);
	hash_str(buf, h);
	ret = hash_file(fio, h);
	if (ret)
		return ret;
	*bytes = 0;
	for (i = 0; i < n; i++) {
		if (stat(files[i], &st) < 0)
			return -errno;
		snprintf(buf, sizeof(buf), "%s %lld %lld", files[i], (long long)st.st_size,
			 (long long)st.st_mtime);
		hash_str(buf, h);
		*bytes += st.st_size;
	}
	if (stat(fio, &st) < 0)
		return -errno;
	*bytes += st.st_size;
	return 0;
}

static int stage_tools(const char *stage, const char *fio, char **files, size_t n, char *err, size_t errlen)
{
	char path[PATH_MAX], wrapper[sizeof(tools_wrapper) + NAME_MAX], *loader = NULL;
	size_t i;
	int ret = 0, fd;

	for (i = 0; i < n && !ret; i++) {
		const char *base = strrchr(files[i], '/') + 1;

		if (is_loader(files[i]))
			loader = files[i];
		ret = path_fmt(path, sizeof(path), "%s/lib/%s", stage, base);
		if (!ret)
			ret = copy_file(files[i], path, true, false);	/* follows the soname link */
	}
	if (!ret && !loader) {
		snprintf(err, errlen, "ldd %s named no dynamic loader (ld-linux): is it a dynamic executable?", fio);
		return -ENOEXEC;
	}
	if (!ret)
		ret = path_fmt(path, sizeof(path), "%s/libexec/fio", stage);
	if (!ret)
		ret = copy_file(fio, path, true, false);
	if (ret)
		return ret;
	snprintf(wrapper, sizeof(wrapper), tools_wrapper, strrchr(loader, '/') + 1);
	path_fmt(path, sizeof(path), "%s/bin/fio", stage);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (fd < 0)
		return -errno;
	if (write(fd, wrapper, strlen(wrapper)) != (ssize_t)strlen(wrapper))
		ret = -EIO;
	if (close(fd) < 0 && !ret)
		ret = -errno;
	return ret;
}

static int mkfs_tools(const char *stage, const char *img, uint64_t size, char *err, size_t errlen)
{
	/* read-only in the guest: no journal to replay, nothing to write */
	char *argv[] = { "mkfs.ext4", "-q", "-F", "-t", "ext4", "-O", "^has_journal", "-L", "mmstall-tools",
			 "-m", "0", "-E", "root_owner=0:0", "-d", (char *)stage, (char *)img, NULL };

	return mkfs_image(argv, stage, img, size, "tools disk", err, errlen);
}

int diskimg_tools(const char *fio, char **path_out, char *err, size_t errlen)
{
	char stage[PATH_MAX], tmp[PATH_MAX + 32], **files = NULL, *dir = NULL, *path = NULL;
	static const char *const sub[] = { "bin", "lib", "libexec" };
	uint64_t h, bytes = 0;
	size_t n = 0, i;
	int ret;

	err[0] = '\0';
	ret = fio_closure(fio, &files, &n, err, errlen);
	if (!ret && (ret = tools_hash(fio, files, n, &h, &bytes)))
		snprintf(err, errlen, "cannot read %s or its libraries: %s", fio, strerror(-ret));
	if (!ret) {
		dir = xasprintf("%s/disks", cache_dir());
		path = xasprintf("%s/tools-v%d-%016llx.ext4", dir, TOOLS_LAYOUT, (unsigned long long)h);
	}
	if (ret || path_exists(path))
		goto out;
	msg_info("building the tools disk (fio and its %zu libraries, %" PRIu64 " MiB), once per fio", n,
		 bytes / MiB);
	snprintf(stage, sizeof(stage), "%s/.stage.%d.XXXXXX", dir, (int)getpid());
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	ret = mkdir_p(dir, 0755);
	if (!ret && !mkdtemp(stage))
		ret = -errno;
	if (ret) {
		snprintf(err, errlen, "cannot create a temporary directory in %s: %s", dir, strerror(-ret));
		goto out;
	}
	for (i = 0; i < ARRAY_SIZE(sub) && !ret; i++) {
		char d[PATH_MAX + 16];

		snprintf(d, sizeof(d), "%s/%s", stage, sub[i]);
		ret = mkdir_p(d, 0755);
	}
	if (!ret)
		ret = stage_tools(stage, fio, files, n, err, errlen);
	/* files + 10% + 16 MiB for ext4's metadata */
	if (!ret)
		ret = mkfs_tools(stage, tmp, (bytes + bytes / 10 + 16 * MiB + MiB - 1) & ~(MiB - 1), err, errlen);
	rm_rf(stage);
	if (!ret && rename(tmp, path) < 0)
		ret = -errno;
	if (ret) {
		unlink(tmp);
		if (ret != -EINTR && !err[0])
			snprintf(err, errlen, "cannot build the tools disk %s (staged in %s): %s", path, stage,
				 strerror(-ret));
	}
out:
	free_list(files, n);
	free(dir);
	if (ret) {
		free(path);
		return ret;
	}
	*path_out = path;
	return 0;
}

int diskimg_results_create(const char *path, uint64_t size, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600), ret = 0;

	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot create the results disk %s: %s", path, strerror(errno));
		return ret;
	}
	if (ftruncate(fd, size) < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot size the results disk %s: %s", path, strerror(errno));
	}
	close(fd);
	return ret;
}
