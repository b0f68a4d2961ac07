/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's initramfs.  A base archive per kernel (busybox, the static
 * mmstall, the kernel's config and the decompressed modules it needs) is
 * built once and cached; each run appends a small archive with /init and
 * the command.  The kernel unpacks concatenated cpio archives in order, so
 * the per-run files need no copy of the base's.
 */
#ifndef MMSTALL_VM_INITRAMFS_H
#define MMSTALL_VM_INITRAMFS_H

#include <stddef.h>
#include <sys/types.h>

struct vm_kernel;

/*
 * Are busybox (static) and the static mmstall that go into guests there?
 * The latter's path goes to guest_bin.  -errno and err on failure.
 */
int initramfs_check(char *guest_bin, size_t len, char *err, size_t errlen);

/*
 * Path (caller frees) of the cached base archive for k, built if missing.
 * built is set when it had to be built.  -errno and err on failure.
 */
int initramfs_base(const struct vm_kernel *k, const char *guest_bin, const char *workdir, char **path_out,
		   int *built, char *err, size_t errlen);

struct initramfs_file {
	const char *name;	/* in the guest, without leading '/' */
	const char *data;
	mode_t mode;
};

/* The run's initrd at out: base followed by an archive holding files.  -errno and err on failure. */
int initramfs_compose(const char *base, const char *workdir, const struct initramfs_file *files, size_t n,
		      const char *out, char *err, size_t errlen);

/* /init for a measurement run and for the KVM probe boot (the guest end of protocol.h). */
extern const char initramfs_init_run[];
extern const char initramfs_init_probe[];

#endif
