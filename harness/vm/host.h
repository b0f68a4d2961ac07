/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host side of 'mmstall vm': the private temporary directories a run
 * works in.  Child processes and stop signals are harness/proc.h's.
 */
#ifndef MMSTALL_VM_HOST_H
#define MMSTALL_VM_HOST_H

#include <stddef.h>

#include "harness/proc.h"

/*
 * Legacy: harness/vm/kernel.c still reports its failures in a global slot
 * (vm_error, set by vm_err()); every other vm file takes err/errlen.  Do
 * not add uses.  vm_legacy_err() is the one reader: it moves the slot's
 * message (else strerror(-ret)) into err and clears the slot.  All three
 * go when kernel.c takes err/errlen.
 */
extern char vm_error[1024];
void vm_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vm_legacy_err(int ret, char *err, size_t errlen);

/*
 * A private temporary directory "<base>/mmstall-vm.<pid>.XXXXXX"; stale
 * ones of dead processes (killed with SIGKILL) are removed first.
 */
int vm_workdir_create(const char *base, char *out, size_t len);

/*
 * Remove what a SIGKILLed mmstall left in dir: temporary entries whose
 * name carries the pid of a process that no longer exists.
 */
void vm_sweep_stale(const char *dir);

#endif
