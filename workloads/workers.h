/* SPDX-License-Identifier: GPL-2.0 */
/* Entry points of the two workload processes, run after fork() by mmstall run. */
#ifndef MMSTALL_WORKERS_H
#define MMSTALL_WORKERS_H

#include <sys/types.h>

#include "workloads/scenario.h"
#include "workloads/shared.h"

/*
 * The low-priority process: faulter threads touching random pages of a
 * MAP_SHARED mapping of lo_file, and a writer thread calling mprotect() on
 * a VMA of its own every writer_interval.  Returns an exit code.
 */
int lo_main(const struct scenario *sc, const char *lo_file, struct run_shared *sh);

/*
 * The high-priority process: one thread per probe in probe_list[], each on
 * its own fixed schedule.  Returns an exit code.
 */
int hi_main(const struct scenario *sc, const char *hi_file, struct run_shared *sh);

#endif
