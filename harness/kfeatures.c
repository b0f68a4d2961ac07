// SPDX-License-Identifier: GPL-2.0
#include "harness/kfeatures.h"

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
#include "workloads/probes.h"

/* Options per ../shared/kernel-notes.md "Kernel configuration". */
const struct kfeature kfeatures[] = {
	{ "memcg", "CONFIG_MEMCG", "memory controller: lo's memory.max/high, memory.stat" },
	{ "blk-cgroup", "CONFIG_BLK_CGROUP", "io controller: io.stat and every io.* throttle" },
	{ "io.latency", "CONFIG_BLK_CGROUP_IOLATENCY", "io.latency throttle (the seed's)" },
	{ "io.max", "CONFIG_BLK_DEV_THROTTLING", "io.max throttle" },
	{ "io.cost", "CONFIG_BLK_CGROUP_IOCOST", "io.cost throttle" },
	{ "cpu.max", "CONFIG_CFS_BANDWIDTH", "cpu.max throttle" },
	{ "swap", "CONFIG_SWAP", "swap for the anon and shmem fault modes" },
	{ "shmem", "CONFIG_SHMEM", "shmem fault mode" },
	{ "thp", "CONFIG_TRANSPARENT_HUGEPAGE", "thp fault mode" },
	{ "io_uring", "CONFIG_IO_URING", "hi's io probe" },
	{ "psi", "CONFIG_PSI", "{cpu,memory,io}.pressure deltas (recorded as null without)" },
	{ "per-vma-lock", "CONFIG_PER_VMA_LOCK", "faults without mmap_lock (6.4+): what the scenarios test" },
	{ "tracing", "CONFIG_TRACING", "mmap_lock tracepoints" },
};
const size_t kfeatures_count = ARRAY_SIZE(kfeatures);

static const struct kfeature *feature(const char *name)
{
	size_t i;

	for (i = 0; i < kfeatures_count; i++)
		if (!strcmp(kfeatures[i].name, name))
			return &kfeatures[i];
	abort(); /* a typo in this file */
}

static int has(const struct kconfig *kc, const char *name)
{
	const char *v = kconfig_get(kc, feature(name)->option);

	return v && (!strcmp(v, "y") || !strcmp(v, "m"));
}

json_t *kfeatures_json(const struct kconfig *kc)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; i < kfeatures_count; i++)
		json_object_set_new(o, kfeatures[i].name, kc ? json_boolean(has(kc, kfeatures[i].name)) : json_null());
	return o;
}

void kfeatures_line(const struct kconfig *kc, char *buf, size_t len)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < kfeatures_count && used < len; i++)
		used += snprintf(buf + used, len - used, "%s%s %s", i ? ", " : "", kfeatures[i].name,
				 !kc ? "?" : has(kc, kfeatures[i].name) ? "yes" : "no");
}

static int need(const struct kconfig *kc, const char *name, const char *because, char *why, size_t len)
{
	if (has(kc, name))
		return 0;
	snprintf(why, len, "the kernel lacks %s (%s=y), which %s needs", name, feature(name)->option, because);
	return 1;
}

static bool probe_in(const struct scenario *sc, const char *name)
{
	int i;

	for (i = 0; i < probe_count; i++)
		if (!strcmp(probe_list[i].name, name))
			return probe_selected(sc->probes, i);
	return false;
}

int kfeatures_missing(const struct kconfig *kc, const struct scenario *sc, char *why, size_t len)
{
	char because[256];

	if (!kc)
		return 0;
	if (need(kc, "memcg", "every scenario (lo's memory limit)", why, len))
		return 1;
	snprintf(because, sizeof(because), "the %s throttle", throttle_names[sc->throttle]);
	switch ((enum throttle_kind)sc->throttle) {
	case THROTTLE_AUTO:
		if (need(kc, "blk-cgroup", "throttle auto", why, len))
			return 1;
		if (!has(kc, "io.latency") && !has(kc, "io.max")) {
			snprintf(why, len, "the kernel has neither io.latency (%s) nor io.max (%s), one of which "
				 "throttle auto needs", feature("io.latency")->option, feature("io.max")->option);
			return 1;
		}
		break;
	case THROTTLE_IO_LATENCY:
	case THROTTLE_IO_MAX:
	case THROTTLE_IO_COST:
		if (need(kc, "blk-cgroup", because, why, len) ||
		    need(kc, throttle_names[sc->throttle], because, why, len))
			return 1;
		break;
	case THROTTLE_CPU_MAX:
		if (need(kc, "cpu.max", because, why, len))
			return 1;
		break;
	case THROTTLE_NONE:
		break;
	}
	snprintf(because, sizeof(because), "fault-mode %s", fault_mode_names[sc->fault_mode]);
	if ((sc->fault_mode == FAULT_ANON || sc->fault_mode == FAULT_SHMEM) && need(kc, "swap", because, why, len))
		return 1;
	if (sc->fault_mode == FAULT_SHMEM && need(kc, "shmem", because, why, len))
		return 1;
	if (sc->fault_mode == FAULT_THP && need(kc, "thp", because, why, len))
		return 1;
	if (sc->swap_size && need(kc, "swap", "swap-size > 0", why, len))
		return 1;
	if (probe_in(sc, "io") && need(kc, "io_uring", "the io probe", why, len))
		return 1;
	return 0;
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
