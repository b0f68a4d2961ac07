/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel images: what the boot protocol header of a bzImage says.  Below
 * both the guest runner (harness/vm) and the kernel builder (harness/kbuild).
 */
#ifndef MMSTALL_KERNEL_IMAGE_H
#define MMSTALL_KERNEL_IMAGE_H

#include <stddef.h>

/*
 * Does path hold a bootable x86 image ("HdrS" at 0x202)?  Its release
 * (uname -r) goes to release when given.  0, -ENOEXEC (not an image),
 * -ENODATA (no release string) or -errno.
 */
int kernel_check_image(const char *path, char *release, size_t len);

#endif
