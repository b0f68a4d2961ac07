/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel variants for 'mmstall vm': a bzImage on disk, a kernel built by
 * 'mmstall kernel build' (build:LABEL, harness/kernel/builds.h), or the
 * newest Debian package matching a pattern (deb:PATTERN, deb:latest;
 * harness/kernel/debian.h), fetched and unpacked into the cache.
 */
#ifndef MMSTALL_VM_KERNEL_H
#define MMSTALL_VM_KERNEL_H

#include <stddef.h>

#include "harness/kernel/image.h"	/* kernel_check_image() */

struct vm_kernel {
	char label[64];
	char *spec;		/* SPEC as given, after "LABEL=" */

	/* parsed from spec */
	char *pattern;		/* deb:PATTERN */
	char *path;		/* image path */
	char *opt_modules;	/* ,modules=DIR */
	char *opt_config;	/* ,config=FILE */

	/* filled by kernel_resolve() and kernel_fetch() */
	char *image;		/* bzImage to boot */
	char *config;		/* .config, NULL if none was found */
	char *modules_dir;	/* lib/modules/<release>, NULL if none */
	char *release;		/* uname -r of the image */
	char *package;		/* deb: package name, version and the suite it came from */
	char *package_version;
	char *package_suite;
	char *id;		/* cache identity of this kernel */
};

/* Parse "LABEL=SPEC"; on error a message naming the problem goes to err. */
int kernel_spec_parse(const char *arg, struct vm_kernel *k, char *err, size_t errlen);

/* Each of these takes err/errlen for one sentence naming what failed. */

/*
 * Check an image path (and find its config and modules), or pick the
 * package a deb: pattern means, in mmstall's own apt lists (refreshed when
 * a day old: see harness/kernel/debian.h).  Done for every variant before
 * anything is booted.
 */
int kernel_resolve(struct vm_kernel *k, char *err, size_t errlen);

/*
 * Download and unpack a resolved package unless cached (fetched is then
 * set), then check the guest's needs (kernel_guest_check): -ENOTSUP and
 * "could not test: ..." when the kernel lacks one.
 */
int kernel_fetch(struct vm_kernel *k, int *fetched, char *err, size_t errlen);

/*
 * What the guest's plumbing needs from the kernel, from its config (no
 * config: nothing to check): initramfs, script and ELF binaries, devtmpfs,
 * /proc, /sys, cgroups, futexes, the serial console, virtio disks, ext4.
 * -ENOTSUP with "could not test: the kernel lacks X, which the guest needs
 * for Y" in why.  Scenario features (throttles, probes) are
 * harness/kernel/features.h's.
 */
int kernel_guest_check(const struct vm_kernel *k, char *why, size_t len);

struct kconfig;
struct scenario;
/*
 * The first kernel feature the scenario needs (its throttle's, probes' and
 * fault mode's needs) that the kernel's config lacks: 1 with why, else 0
 * (also when kc is NULL: only the guest can tell then).
 */
int kernel_scenario_lacks(const struct kconfig *kc, const char *release, const struct scenario *sc, char *why,
			  size_t len);

/*
 * Module files (relative to k->modules_dir, dependencies first) that the
 * guest must insmod to get virtio disks.  NULL-terminated, caller frees
 * with kernel_modules_free().
 */
int kernel_guest_modules(const struct vm_kernel *k, char ***mods_out, char *err, size_t errlen);
void kernel_modules_free(char **mods);

void kernel_free(struct vm_kernel *k);

#endif
