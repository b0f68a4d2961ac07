// SPDX-License-Identifier: GPL-2.0
/* The PVH entry's ELF from a bzImage; see pvh.h. */
#include "harness/vm/pvh.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/kernel/kconfig.h"
#include "harness/proc.h"
#include "harness/util.h"
#include "harness/vm/kernel.h"

/* The bzImage payload's compressors (arch/x86/boot/compressed), by their magic. */
static const struct {
	const char *magic;
	size_t len;
	const char *tool;
	const char *const argv[5];
} codecs[] = {
	{ "\x28\xb5\x2f\xfd", 4, "zstd", { "zstd", "-d", "-c", "-q", NULL } },
	{ "\xfd\x37\x7a\x58\x5a\x00", 6, "xz", { "xz", "-d", "-c", NULL } },
	{ "\x1f\x8b", 2, "gzip", { "gzip", "-d", "-c", NULL } },
	{ "\x02\x21\x4c\x18", 4, "lz4", { "lz4", "-d", "-c", NULL } },
	{ "\x42\x5a\x68", 3, "bzip2", { "bzip2", "-d", "-c", NULL } },
	{ "\x5d\x00\x00", 3, "xz", { "xz", "--format=lzma", "-d", "-c", NULL } },
	{ "\x89\x4c\x5a\x4f", 4, "lzop", { "lzop", "-d", "-c", NULL } },
};

static uint32_t le32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static bool has_pvh(const struct vm_kernel *k)
{
	struct kconfig *kc = NULL;
	bool yes = false;

	if (k->config && !kconfig_load_file(k->config, &kc)) {
		yes = !strcmp(kconfig_get(kc, "CONFIG_PVH") ?: "", "y");
		kconfig_free(kc);
	}
	return yes;
}

/* Decompress the payload of image into out (a temporary name); 0 or -errno with why. */
static int extract(const char *image, const char *out, char *why, size_t len)
{
	char *data = NULL, tmp[PATH_MAX + 16];
	const unsigned char *d;
	size_t size = 0, i, pm, off, plen;
	int in = -1, fd = -1, ret;

	ret = read_file_capped(image, 256ULL << 20, &data, &size);
	if (ret) {
		snprintf(why, len, "cannot read %s: %s", image, strerror(-ret));
		return ret;
	}
	d = (const unsigned char *)data;
	ret = -EINVAL;
	if (size < 0x260 || memcmp(d + 0x202, "HdrS", 4) || (d[0x206] | d[0x207] << 8) < 0x208) {
		snprintf(why, len, "%s has no boot protocol 2.08 header (payload offsets)", image);
		goto out;
	}
	pm = ((size_t)(d[0x1f1] ? d[0x1f1] : 4) + 1) * 512;
	off = le32(d + 0x248);
	plen = le32(d + 0x24c);
	/* the build appends the uncompressed size: 4 bytes no decompressor wants */
	if (plen < 16 || pm + off + plen > size) {
		snprintf(why, len, "%s: its payload lies outside the file", image);
		goto out;
	}
	for (i = 0; i < ARRAY_SIZE(codecs) && memcmp(d + pm + off, codecs[i].magic, codecs[i].len); i++)
		;
	if (i == ARRAY_SIZE(codecs)) {
		snprintf(why, len, "%s: payload compressed in an unknown format", image);
		goto out;
	}
	if (!have_program(codecs[i].tool)) {
		snprintf(why, len, "compressed with %s, which is not installed", codecs[i].tool);
		ret = -ENOENT;
		goto out;
	}
	snprintf(tmp, sizeof(tmp), "%s.in", out);
	in = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	fd = open(out, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (in < 0 || fd < 0 || write(in, d + pm + off, plen - 4) != (ssize_t)(plen - 4) || lseek(in, 0, SEEK_SET)) {
		ret = -errno;
		snprintf(why, len, "cannot write %s: %s", in < 0 ? tmp : out, strerror(errno));
		goto out;
	}
	ret = proc_run((char *const *)codecs[i].argv, NULL, in, fd, -1);
	if (ret == 0 && (pread(fd, data, 4, 0) != 4 || memcmp(data, "\x7f" "ELF", 4)))
		ret = 1;
	if (ret)
		snprintf(why, len, "%s -d of %s's payload %s", codecs[i].tool, image,
			 ret < 0 ? strerror(-ret) : "gave no ELF");
	ret = ret > 0 ? -EIO : ret;
out:
	if (in >= 0)
		close(in);
	if (fd >= 0 && close(fd) && !ret)
		ret = -errno;
	unlink(tmp);
	free(data);
	return ret;
}

char *pvh_elf(const struct vm_kernel *k, char *why, size_t len)
{
	char *dir, *path, *tmp;

	why[0] = '\0';
	if (!k->id || !k->image || !has_pvh(k)) {
		snprintf(why, len, "%s", k->config ? "the kernel has no CONFIG_PVH" : "no config to tell CONFIG_PVH");
		return NULL;
	}
	dir = xasprintf("%s/pvh", cache_dir());
	path = xasprintf("%s/%s.elf", dir, k->id);
	if (path_exists(path)) {
		free(dir);
		return path;
	}
	tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	if (mkdir_p(dir, 0755) || extract(k->image, tmp, why, len) || rename(tmp, path)) {
		if (!why[0])
			snprintf(why, len, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		free(path);
		path = NULL;
	}
	free(tmp);
	free(dir);
	return path;
}
