// SPDX-License-Identifier: GPL-2.0
#include "harness/kernel/features.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/proc.h"
#include "harness/util.h"

/* Options per docs/kernel-notes.md "Configuration". */
const struct kfeature kfeatures[] = {
	{ "memcg", "CONFIG_MEMCG", 0, "memory controller: lo's memory.max/high, memory.stat" },
	{ "blk-cgroup", "CONFIG_BLK_CGROUP", 0, "io controller: io.stat and every io.* throttle" },
	{ "io.latency", "CONFIG_BLK_CGROUP_IOLATENCY", 0, "io.latency throttle (the seed's)" },
	{ "io.max", "CONFIG_BLK_DEV_THROTTLING", 0, "io.max throttle" },
	{ "io.cost", "CONFIG_BLK_CGROUP_IOCOST", 0, "io.cost throttle" },
	{ "cpu.max", "CONFIG_CFS_BANDWIDTH", 0, "cpu.max throttle" },
	{ "swap", "CONFIG_SWAP", 0, "swap for the anon and shmem fault modes" },
	{ "shmem", "CONFIG_SHMEM", 0, "shmem fault mode" },
	{ "thp", "CONFIG_TRANSPARENT_HUGEPAGE", 0, "thp fault mode" },
	{ "io_uring", "CONFIG_IO_URING", 0, "hi's io probe" },
	{ "psi", "CONFIG_PSI", 0, "{cpu,memory,io}.pressure deltas (recorded as null without)" },
	{ "per-vma-lock", "CONFIG_PER_VMA_LOCK", 0, "faults without mmap_lock (6.4+): what the scenarios test" },
	/* a property of the version: upstream 5631da56c9a8, v6.17 */
	{ "per-vma-maps", "CONFIG_PER_VMA_LOCK", KFEATURE_VERSION(6, 17),
	  "/proc/pid/maps read under per-VMA locks and RCU, no mmap_lock wait (6.17+)" },
	/* the mmap_lock tracepoints came in 5.12 (upstream 2b5067a8143e) */
	{ "tracing", "CONFIG_TRACING", KFEATURE_VERSION(5, 12), "mmap_lock tracepoints: stall attribution" },
	{ "sysvipc", "CONFIG_SYSVIPC", 0, "SysV shared memory for fio's job table (emulated without it)" },
};
const size_t kfeatures_count = ARRAY_SIZE(kfeatures);

static const struct kfeature *feature(const char *name)
{
	size_t i;

	for (i = 0; i < kfeatures_count; i++)
		if (!strcmp(kfeatures[i].name, name))
			return &kfeatures[i];
	return NULL;
}

unsigned int kfeatures_version(const char *release)
{
	unsigned int major, minor;

	if (!release || sscanf(release, "%u.%u", &major, &minor) != 2 || major > 255 || minor > 255)
		return 0;
	return KFEATURE_VERSION(major, minor);
}

static int has_feature(const struct kfeature *f, const struct kconfig *kc, const char *release)
{
	unsigned int v = kfeatures_version(release);
	const char *opt = kc ? kconfig_get(kc, f->option) : NULL;
	int set = opt && (!strcmp(opt, "y") || !strcmp(opt, "m"));

	if (f->since && v && v < f->since)
		return 0;	/* too old, whatever the config says */
	if (!kc)
		return -1;
	if (!set)
		return 0;
	return f->since && !v ? -1 : 1;
}

int kfeatures_has(const struct kconfig *kc, const char *release, const char *name)
{
	const struct kfeature *f = feature(name);

	if (!f)
		abort();	/* a need names a feature this list lacks: a typo in a table */
	return has_feature(f, kc, release);
}

json_t *kfeatures_json(const struct kconfig *kc, const char *release)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; i < kfeatures_count; i++) {
		int h = has_feature(&kfeatures[i], kc, release);

		json_object_set_new(o, kfeatures[i].name, h < 0 ? json_null() : json_boolean(h));
	}
	return o;
}

void kfeatures_line(const struct kconfig *kc, const char *release, char *buf, size_t len)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < kfeatures_count && used < len; i++) {
		int h = has_feature(&kfeatures[i], kc, release);

		used += snprintf(buf + used, len - used, "%s%s %s", i ? ", " : "", kfeatures[i].name,
				 h < 0 ? "?" : h ? "yes" : "no");
	}
}


int kfeatures_lacks(const struct kconfig *kc, const char *release, const char *need, const char *because, char *why,
		    size_t len)
{
	char names[128], *save, *name;
	size_t used = 0;
	int any = 0, alternatives = 0;

	if (!kc)
		return 0;	/* no config: the guest finds out itself */
	snprintf(names, sizeof(names), "%s", need);
	for (name = strtok_r(names, "|", &save); name; name = strtok_r(NULL, "|", &save), alternatives++)
		if (kfeatures_has(kc, release, name) != 0)
			any = 1;
	if (any)
		return 0;
	if (alternatives == 1) {
		snprintf(why, len, "the kernel lacks %s (%s=y), which %s needs", need, feature(need)->option, because);
		return 1;
	}
	used = snprintf(why, len, "the kernel has none of");
	snprintf(names, sizeof(names), "%s", need);
	for (name = strtok_r(names, "|", &save); name && used < len; name = strtok_r(NULL, "|", &save), any++)
		used += snprintf(why + used, len - used, "%s %s (%s)", any ? "," : "", name, feature(name)->option);
	if (used < len)
		snprintf(why + used, len - used, ", one of which %s needs", because);
	return 1;
}

/* ---- the config embedded in an image (CONFIG_IKCONFIG) ---- */

static const struct {
	const char *magic;
	size_t len;
	const char *tool;
} compressors[] = {
	{ "\x1f\x8b\x08", 3, "gzip" },	  { "\xfd" "7zXZ\x00", 6, "xz" },   { "\x28\xb5\x2f\xfd", 4, "zstd" },
	{ "\x02\x21\x4c\x18", 4, "lz4" }, { "BZh", 3, "bzip2" },	    { "\x5d\x00\x00", 3, "lzma" },
};

static uint32_t le32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Run "tool -dc in" into the file out. */
static int decompress(const char *tool, const char *in, const char *out)
{
	char *argv[] = { (char *)tool, "-dc", (char *)in, NULL };
	int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), ret;

	if (fd < 0)
		return -errno;
	ret = have_program(tool) ? proc_run(argv, NULL, -1, fd, -1) : -ENOENT;
	close(fd);
	/* a payload followed by padding makes some tools complain after a good stream */
	return ret < 0 ? ret : 0;
}

static int write_bytes(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ssize_t w;

	if (fd < 0)
		return -errno;
	w = write(fd, p, n);
	close(fd);
	return w == (ssize_t)n ? 0 : -EIO;
}

/*
 * bzImage: the setup header gives the compressed vmlinux (payload_offset and
 * payload_length, boot protocol 2.08+); in the vmlinux the gzipped config
 * sits between the markers "IKCFG_ST" and "IKCFG_ED".
 */
static int ikconfig_extract(const char *image, const char *tmpdir, struct kconfig **out)
{
	char payload[PATH_MAX], vmlinux[PATH_MAX], cfg[PATH_MAX];
	char *img = NULL, *vm = NULL, *st, *ed;
	size_t ilen = 0, vlen = 0, i;
	uint32_t setup, off, plen;
	int ret = -ENOENT;

	snprintf(payload, sizeof(payload), "%s/payload", tmpdir);
	snprintf(vmlinux, sizeof(vmlinux), "%s/vmlinux", tmpdir);
	snprintf(cfg, sizeof(cfg), "%s/config.gz", tmpdir);
	if (read_file(image, &img, &ilen) || ilen < 0x250 || memcmp(img + 0x202, "HdrS", 4))
		goto out;
	setup = ((unsigned char)img[0x1f1] ? (unsigned char)img[0x1f1] : 4) + 1;
	off = setup * 512 + le32((unsigned char *)img + 0x248);
	plen = le32((unsigned char *)img + 0x24c);
	if (!plen || off > ilen || plen > ilen - off)
		goto out;
	for (i = 0; i < ARRAY_SIZE(compressors); i++)
		if (plen >= compressors[i].len && !memcmp(img + off, compressors[i].magic, compressors[i].len))
			break;
	if (i == ARRAY_SIZE(compressors) || write_bytes(payload, img + off, plen) ||
	    decompress(compressors[i].tool, payload, vmlinux) || read_file(vmlinux, &vm, &vlen))
		goto out;
	st = memmem(vm, vlen, "IKCFG_ST", 8);
	ed = st ? memmem(st, vlen - (st - vm), "IKCFG_ED", 8) : NULL;
	if (!ed || write_bytes(cfg, st + 8, ed - st - 8))
		goto out;
	ret = kconfig_load_file(cfg, out);
out:
	unlink(payload);
	unlink(vmlinux);
	unlink(cfg);
	free(img);
	free(vm);
	return ret;
}

int kfeatures_load_config(const char *config_path, const char *image, struct kconfig **out, char *source,
			  size_t len)
{
	char tmpdir[] = "/tmp/mmstall-ikconfig-XXXXXX";
	int ret;

	*out = NULL;
	source[0] = '\0';
	if (config_path && !kconfig_load_file(config_path, out)) {
		snprintf(source, len, "%s", config_path);
		return 0;
	}
	if (!image || !mkdtemp(tmpdir))
		return -ENOENT;
	ret = ikconfig_extract(image, tmpdir, out);
	rmdir(tmpdir);
	if (!ret)
		snprintf(source, len, "embedded in %s (CONFIG_IKCONFIG)", image);
	return ret;
}
