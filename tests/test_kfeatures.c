// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel features (issue 5, "any kernel, checked"): which scenario needs
 * which option, the reason named when one is missing, and the config
 * embedded in an image (CONFIG_IKCONFIG) found in a bzImage built here by
 * hand with the real layout (setup header, compressed payload, markers).
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness/kernel/features.h"
#include "harness/vm/kernel.h"
#include "workloads/scenario.h"
#include "harness/util.h"
#include "test_util.h"

static const char full_config[] = "CONFIG_MEMCG=y\nCONFIG_BLK_CGROUP=y\nCONFIG_BLK_CGROUP_IOLATENCY=y\n"
				   "CONFIG_BLK_DEV_THROTTLING=y\nCONFIG_BLK_CGROUP_IOCOST=y\n"
				   "CONFIG_CFS_BANDWIDTH=y\nCONFIG_SWAP=y\nCONFIG_SHMEM=y\n"
				   "CONFIG_TRANSPARENT_HUGEPAGE=y\nCONFIG_IO_URING=y\nCONFIG_PSI=y\n"
				   "CONFIG_PER_VMA_LOCK=y\nCONFIG_SYSVIPC=y\nCONFIG_TRACING=y\n";

static char dir[] = "/tmp/mmstall-test-kfeatures-XXXXXX";

static struct kconfig *config_without(const char *option)
{
	char path[256], text[sizeof(full_config)], *p;
	struct kconfig *kc = NULL;

	snprintf(text, sizeof(text), "%s", full_config);
	if (option && (p = strstr(text, option)))
		memmove(p, strchr(p, '\n') + 1, strlen(strchr(p, '\n') + 1) + 1);
	snprintf(path, sizeof(path), "%s/config", dir);
	CHECK_INT(0, write_file_atomic(path, text, strlen(text)));
	CHECK_INT(0, kconfig_load_file(path, &kc));
	return kc;
}

/* scenario with one setting changed; returns kernel_scenario_lacks() and why */
static int missing(const char *without, const char *key, const char *value, char *why, size_t len)
{
	struct kconfig *kc = config_without(without);
	struct scenario sc;
	char err[256];
	int ret;

	scenario_defaults(&sc);
	if (key && scenario_set(&sc, key, value, err, sizeof(err)))
		fprintf(stderr, "scenario_set %s=%s: %s\n", key, value, err);
	why[0] = '\0';
	ret = kernel_scenario_lacks(kc, "6.12.0", &sc, why, len);
	kconfig_free(kc);
	return ret;
}

static void test_needs(void)
{
	char why[512];

	snprintf(test_ctx, sizeof(test_ctx), "feature needs");
	CHECK_INT(0, missing(NULL, "throttle", "io.latency", why, sizeof(why)));
	CHECK_INT(1, missing("CONFIG_BLK_CGROUP_IOLATENCY", "throttle", "io.latency", why, sizeof(why)));
	CHECK(strstr(why, "CONFIG_BLK_CGROUP_IOLATENCY") && strstr(why, "io.latency throttle"));
	/* auto falls back to io.max */
	CHECK_INT(0, missing("CONFIG_BLK_CGROUP_IOLATENCY", "throttle", "auto", why, sizeof(why)));
	CHECK_INT(1, missing("CONFIG_CFS_BANDWIDTH", "throttle", "cpu.max", why, sizeof(why)));
	CHECK(strstr(why, "cpu.max"));
	CHECK_INT(0, missing("CONFIG_CFS_BANDWIDTH", "throttle", "io.max", why, sizeof(why)));
	CHECK_INT(1, missing("CONFIG_BLK_CGROUP_IOCOST", "throttle", "io.cost", why, sizeof(why)));
	CHECK_INT(1, missing("CONFIG_SWAP", "fault-mode", "anon", why, sizeof(why)));
	CHECK(strstr(why, "fault-mode anon"));
	CHECK_INT(0, missing("CONFIG_SWAP", "fault-mode", "read-shared", why, sizeof(why)));
	CHECK_INT(1, missing("CONFIG_TRANSPARENT_HUGEPAGE", "fault-mode", "thp", why, sizeof(why)));
	CHECK_INT(1, missing("CONFIG_IO_URING", NULL, NULL, why, sizeof(why)));
	CHECK(strstr(why, "io probe"));
	CHECK_INT(0, missing("CONFIG_IO_URING", "probes", "maps,status", why, sizeof(why)));
	CHECK_INT(1, missing("CONFIG_MEMCG", NULL, NULL, why, sizeof(why)));
	/* PSI is recorded, not required */
	CHECK_INT(0, missing("CONFIG_PSI", NULL, NULL, why, sizeof(why)));
	/* auto needs one of io.latency and io.max: both missing names both */
	{
		struct kconfig *kc = config_without("CONFIG_BLK_DEV_THROTTLING");
		char path[256];
		struct scenario sc;
		FILE *f;

		kconfig_free(kc);
		snprintf(path, sizeof(path), "%s/config", dir);
		f = fopen(path, "w");
		fputs("CONFIG_MEMCG=y\nCONFIG_BLK_CGROUP=y\nCONFIG_IO_URING=y\n", f);
		fclose(f);
		CHECK_INT(0, kconfig_load_file(path, &kc));
		scenario_defaults(&sc);
		CHECK_INT(1, kernel_scenario_lacks(kc, "6.1.0", &sc, why, sizeof(why)));
		CHECK(strstr(why, "none of io.latency (CONFIG_BLK_CGROUP_IOLATENCY), io.max (CONFIG_BLK_DEV_THROTTLING)") &&
		      strstr(why, "the auto throttle"));
		kconfig_free(kc);
	}
	/* fio's SysV shm is emulated on a kernel without it: not a reason to refuse the kernel */
	CHECK_INT(0, missing("CONFIG_SYSVIPC", "device-baseline", "on", why, sizeof(why)));
	/* attribution reads the mmap_lock tracepoints: CONFIG_TRACING, 5.12 or later */
	CHECK_INT(0, missing("CONFIG_TRACING", NULL, NULL, why, sizeof(why)));
	CHECK_INT(1, missing("CONFIG_TRACING", "attribute", "on", why, sizeof(why)));
	CHECK(strstr(why, "CONFIG_TRACING") && strstr(why, "attribute on"));
	CHECK_INT(0, missing(NULL, "attribute", "on", why, sizeof(why)));
	/* the ps probe reads /proc like the others: nothing to need */
	CHECK_INT(0, missing("CONFIG_IO_URING", "probes", "ps,status", why, sizeof(why)));
}

/* per-vma-maps: a property of the release (6.17+) with CONFIG_PER_VMA_LOCK. */
static void test_per_vma_maps(void)
{
	struct kconfig *with = config_without(NULL), *without = config_without("CONFIG_PER_VMA_LOCK");
	json_t *j;
	char line[1024];

	TEST_CONTEXT("per-vma-maps");
	CHECK_U64(KFEATURE_VERSION(6, 12), kfeatures_version("6.12.117+deb12-cloud-amd64"));
	CHECK_U64(KFEATURE_VERSION(7, 3), kfeatures_version("7.3.4+deb14-cloud-amd64"));
	CHECK_U64(KFEATURE_VERSION(6, 1), kfeatures_version("6.1.0-56-cloud-amd64"));
	CHECK_U64(0, kfeatures_version("mine"));
	CHECK_U64(0, kfeatures_version(NULL));
	CHECK_INT(1, kfeatures_has(with, "6.17.0", "per-vma-maps"));
	CHECK_INT(1, kfeatures_has(with, "7.3.4+deb14-cloud-amd64", "per-vma-maps"));
	CHECK_INT(0, kfeatures_has(with, "6.16.12", "per-vma-maps"));
	CHECK_INT(0, kfeatures_has(with, "6.12.117+deb12-cloud-amd64", "per-vma-maps"));
	CHECK_INT(0, kfeatures_has(without, "7.3.4", "per-vma-maps"));
	CHECK_INT(-1, kfeatures_has(with, NULL, "per-vma-maps"));	/* no release: unknown */
	CHECK_INT(0, kfeatures_has(NULL, "6.1.0", "per-vma-maps"));	/* too old, whatever the config */
	CHECK_INT(-1, kfeatures_has(NULL, "6.18.0", "per-vma-maps"));
	CHECK_INT(1, kfeatures_has(with, NULL, "per-vma-lock"));	/* an option alone needs no release */
	j = kfeatures_json(with, "7.3.4");
	CHECK(json_is_true(json_object_get(j, "per-vma-maps")));
	CHECK(json_is_true(json_object_get(j, "per-vma-lock")));
	json_decref(j);
	j = kfeatures_json(with, "6.12.0");
	CHECK(json_is_false(json_object_get(j, "per-vma-maps")));
	json_decref(j);
	j = kfeatures_json(with, NULL);
	CHECK(json_is_null(json_object_get(j, "per-vma-maps")));
	json_decref(j);
	kfeatures_line(with, "6.17.1", line, sizeof(line));
	CHECK(strstr(line, "per-vma-maps yes"));
	kfeatures_line(with, "6.16.1", line, sizeof(line));
	CHECK(strstr(line, "per-vma-maps no"));
	kfeatures_line(with, NULL, line, sizeof(line));
	CHECK(strstr(line, "per-vma-maps ?"));
	TEST_CONTEXT_CLEAR();
	kconfig_free(with);
	kconfig_free(without);
}

static void test_json_and_line(void)
{
	struct kconfig *kc = config_without("CONFIG_BLK_CGROUP_IOLATENCY");
	json_t *j = kfeatures_json(kc, "6.12.0"), *u = kfeatures_json(NULL, NULL);
	char line[512];

	snprintf(test_ctx, sizeof(test_ctx), "json");
	CHECK(json_is_false(json_object_get(j, "io.latency")));
	CHECK(json_is_true(json_object_get(j, "io.max")));
	CHECK(json_is_null(json_object_get(u, "io.max")));
	CHECK_U64(kfeatures_count, json_object_size(j));
	kfeatures_line(kc, "6.12.0", line, sizeof(line));
	CHECK(strstr(line, "io.latency no") && strstr(line, "io.max yes"));
	json_decref(j);
	json_decref(u);
	kconfig_free(kc);
}

static int sh(const char *cmd)
{
	int r = system(cmd);

	return WIFEXITED(r) ? WEXITSTATUS(r) : -1;
}

/* A bzImage as the boot protocol lays it out, around a "vmlinux" compressed with tool. */
static void test_ikconfig(const char *tool)
{
	char cmd[1024], img[256], src[300], *payload = NULL, source[512];
	size_t plen = 0, off = 2 * 512;
	struct kconfig *kc = NULL;
	unsigned char hdr[2 * 512] = { 0 };
	FILE *f;

	snprintf(test_ctx, sizeof(test_ctx), "ikconfig, %s payload", tool);
	snprintf(cmd, sizeof(cmd),
		 "cd %s && printf 'CONFIG_MEMCG=y\\nCONFIG_BLK_CGROUP_IOLATENCY=y\\n' | gzip -9 >cfg.gz && "
		 "{ head -c 5000 /dev/urandom; printf IKCFG_ST; cat cfg.gz; printf IKCFG_ED; "
		 "head -c 3000 /dev/urandom; } | %s -9 >payload.gz",
		 dir, tool);
	CHECK_INT(0, sh(cmd));
	snprintf(src, sizeof(src), "%s/payload.gz", dir);
	CHECK_INT(0, read_file(src, &payload, &plen));
	hdr[0x1f1] = 1; /* setup_sects: protected-mode code at (1 + 1) * 512 */
	memcpy(hdr + 0x202, "HdrS", 4);
	hdr[0x24c] = plen & 0xff; /* payload_offset 0, payload_length */
	hdr[0x24d] = plen >> 8 & 0xff;
	hdr[0x24e] = plen >> 16 & 0xff;
	snprintf(img, sizeof(img), "%s/bzImage", dir);
	f = fopen(img, "w");
	fwrite(hdr, 1, off, f);
	fwrite(payload, 1, plen, f);
	fwrite("padding", 1, 7, f);
	fclose(f);
	CHECK_INT(0, kfeatures_load_config(NULL, img, &kc, source, sizeof(source)));
	CHECK(strstr(source, "CONFIG_IKCONFIG"));
	CHECK(kc && kconfig_get(kc, "CONFIG_BLK_CGROUP_IOLATENCY"));
	kconfig_free(kc);

	/* a readable config file wins over the image's; an unreadable one falls back to it */
	snprintf(test_ctx, sizeof(test_ctx), "config file first, %s", tool);
	snprintf(src, sizeof(src), "%s/config", dir);
	write_file_atomic(src, "CONFIG_MEMCG=y\n", 15);
	kc = NULL;
	CHECK_INT(0, kfeatures_load_config(src, img, &kc, source, sizeof(source)));
	CHECK_STR(src, source);
	CHECK(kc && !kconfig_get(kc, "CONFIG_BLK_CGROUP_IOLATENCY"));
	kconfig_free(kc);
	snprintf(src, sizeof(src), "%s/no-such-config", dir);
	kc = NULL;
	CHECK_INT(0, kfeatures_load_config(src, img, &kc, source, sizeof(source)));
	CHECK(strstr(source, "CONFIG_IKCONFIG"));
	kconfig_free(kc);

	/* an image without a setup header has no config to find */
	snprintf(test_ctx, sizeof(test_ctx), "no ikconfig");
	hdr[0x202] = 'X';
	f = fopen(img, "w");
	fwrite(hdr, 1, off, f);
	fclose(f);
	kc = NULL;
	CHECK_INT(-ENOENT, kfeatures_load_config(NULL, img, &kc, source, sizeof(source)));
	CHECK(!kc);
	free(payload);
}

int main(void)
{
	char cmd[300];

	if (!mkdtemp(dir))
		return 1;
	test_needs();
	test_per_vma_maps();
	test_json_and_line();
	test_ikconfig("gzip");
	test_ikconfig("xz"); /* Debian's images */
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	sh(cmd);
	return test_summary();
}
