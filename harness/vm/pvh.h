/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Booting a kernel through its PVH entry: QEMU loads an uncompressed ELF
 * vmlinux and jumps to the 32-bit PVH entry point, with no firmware
 * boot-loader step and no in-guest decompression of the bzImage.  Under
 * TCG that is 0.4 to 0.6 s less per boot here; what the kernel does from
 * its start_kernel() on is the same.  The ELF is the bzImage's own
 * payload, decompressed on the host once and cached.
 */
#ifndef MMSTALL_VM_PVH_H
#define MMSTALL_VM_PVH_H

#include <stddef.h>

struct vm_kernel;

/*
 * The cached ELF of k's image (allocated), or NULL with why (e.g. "the
 * kernel has no CONFIG_PVH", "compressed with lzop, which is not
 * installed"): then boot the bzImage.  Never an error: a kernel boots
 * either way.
 */
char *pvh_elf(const struct vm_kernel *k, char *why, size_t len);

#endif
