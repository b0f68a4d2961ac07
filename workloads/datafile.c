// SPDX-License-Identifier: GPL-2.0
#include "workloads/datafile.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <unistd.h>

#include "harness/util.h"
#include "workloads/shared.h"

#define CHUNK (1u << 20)

int datafile_ensure(const char *path, uint64_t size, uint64_t seed, char *err, size_t errlen)
{
	char tmp[PATH_MAX];
	uint64_t done = 0, rng = rng_seed(seed, 0xda7a);
	uint64_t *buf;
	struct stat st;
	int fd, ret = 0;

	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size == size)
		return 0;
	msg_info("creating data file %s (%" PRIu64 " MiB)", path, size >> 20);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create data file %s: %s", tmp, strerror(errno));
		return -errno;
	}
	buf = malloc(CHUNK);
	if (!buf) {
		close(fd);
		unlink(tmp);
		return -ENOMEM;
	}
	while (done < size && !ret) {
		size_t n = size - done < CHUNK ? size - done : CHUNK, i;
		ssize_t w;

		for (i = 0; i < CHUNK / sizeof(uint64_t); i++)
			buf[i] = rng_next(&rng);
		w = write(fd, buf, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
		} else {
			done += w;
		}
	}
	free(buf);
	if (!ret && fsync(fd) < 0)
		ret = -errno;
	if (close(fd) < 0 && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path) < 0)
		ret = -errno;
	if (ret) {
		unlink(tmp);
		snprintf(err, errlen, "cannot write data file %s: %s%s", path, strerror(-ret),
			 ret == -ENOSPC ? " (the file system is full: free space or pick another --data-dir)"
					: "");
	}
	return ret;
}

int datafile_evict(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (fdatasync(fd) < 0 && errno != EINVAL)
		ret = -errno;
	ret = ret ? ret : -posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	close(fd);
	return ret;
}

int swapfile_on(const char *path, uint64_t size, char *err, size_t errlen)
{
	unsigned char hdr[4096] = { 0 };
	uint32_t version = 1, last_page = (uint32_t)(size / 4096 - 1);
	int fd, ret;

	ret = datafile_ensure(path, size, 3, err, errlen);
	if (ret)
		return ret;
	/* struct swap_header: version and last_page after 1 KiB of boot bits, magic at the end. */
	memcpy(hdr + 1024, &version, sizeof(version));
	memcpy(hdr + 1028, &last_page, sizeof(last_page));
	memcpy(hdr + sizeof(hdr) - 10, "SWAPSPACE2", 10);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || pwrite(fd, hdr, sizeof(hdr), 0) != sizeof(hdr) || fsync(fd)) {
		ret = -errno;
		snprintf(err, errlen, "cannot write the swap header of %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return ret;
	}
	close(fd);
	if (swapon(path, 0) < 0) {
		ret = -errno;
		snprintf(err, errlen, "swapon %s failed: %s%s", path, strerror(errno),
			 errno == EINVAL ? " (swap files need a file system that supports them, e.g. ext4)" : "");
		return ret;
	}
	return 0;
}

void swapfile_off(const char *path)
{
	if (swapoff(path) < 0 && errno != EINVAL)
		msg_warn("swapoff %s failed: %s", path, strerror(errno));
}
