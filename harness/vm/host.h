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
