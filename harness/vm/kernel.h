/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel variants for 'mmstall vm': a bzImage on disk, or the newest
 * Debian package matching a pattern, fetched and unpacked into the cache.
 */
#ifndef MMSTALL_VM_KERNEL_H
#define MMSTALL_VM_KERNEL_H

#include <stddef.h>

struct vm_kernel {
	char label[64];
	char *spec;		/* SPEC as given, after "LABEL=" */

	/* parsed from spec */
	char *pattern;		/* deb:PATTERN */
	char *path;		/* image path */
	char *opt_modules;	/* ,modules=DIR */
	char *opt_config;	/* ,config=FILE */

	/* filled by kernel_prepare() */
	char *image;		/* bzImage to boot */
	char *config;		/* .config, NULL if none was found */
	char *modules_dir;	/* lib/modules/<release>, NULL if none */
	char *release;		/* uname -r of the image */
	char *package;		/* deb: package name and version */
	char *package_version;
	char *id;		/* cache identity of this kernel */
};

/* Parse "LABEL=SPEC"; on error a message naming the problem goes to err. */
int kernel_spec_parse(const char *arg, struct vm_kernel *k, char *err, size_t errlen);

/*
 * Check an image path (and find its config and modules), or pick the
 * package a deb: pattern means.  Quick and offline: done for every variant
 * before anything is booted.  The reason of a failure is in vm_error.
 */
int kernel_resolve(struct vm_kernel *k);
/* Download and unpack a resolved package unless cached (fetched is then set). */
int kernel_fetch(struct vm_kernel *k, int *fetched);

/*
 * Module files (relative to k->modules_dir, dependencies first) that the
 * guest must insmod to get virtio disks.  NULL-terminated, caller frees
 * with kernel_modules_free().  Messages on failure.
 */
int kernel_guest_modules(const struct vm_kernel *k, char ***mods_out);
void kernel_modules_free(char **mods);

void kernel_free(struct vm_kernel *k);

/* Does path hold a bzImage ("HdrS" at 0x202)?  0, -ENOEXEC or -errno. */
int kernel_check_image(const char *path, char *release, size_t len);

#endif
