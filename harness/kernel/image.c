// SPDX-License-Identifier: GPL-2.0
/* bzImage headers (Documentation/arch/x86/boot.rst). */
#include "harness/kernel/image.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/util.h"

#define BZ_MAGIC_OFF 0x202
#define BZ_VERSION_PTR_OFF 0x20e
#define BZ_HEAD_LEN 65536

int kernel_check_image(const char *path, char *release, size_t len)
{
	unsigned char *buf = xmalloc(BZ_HEAD_LEN);
	unsigned int voff;
	ssize_t n;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return -errno;
	}
	n = pread(fd, buf, BZ_HEAD_LEN - 1, 0);
	close(fd);
	if (n < BZ_VERSION_PTR_OFF + 2 || memcmp(buf + BZ_MAGIC_OFF, "HdrS", 4)) {
		free(buf);
		return n < 0 ? -errno : -ENOEXEC;
	}
	buf[n] = '\0';
	/* boot protocol: kernel_version points 0x200 before a "release (builder) #..." string */
	voff = (buf[BZ_VERSION_PTR_OFF] | buf[BZ_VERSION_PTR_OFF + 1] << 8) + 0x200;
	if (release && len) {
		size_t n_rel = 0;

		if (voff > 0x200 && voff < (unsigned int)n) {
			const char *v = (const char *)buf + voff;

			n_rel = strcspn(v, " \t\n");
			if (n_rel >= len)
				n_rel = len - 1;
			memcpy(release, v, n_rel);
		}
		release[n_rel] = '\0';
		if (!n_rel)
			ret = -ENODATA;
	}
	free(buf);
	return ret;
}
