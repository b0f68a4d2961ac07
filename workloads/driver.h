/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The scenario driver: one run of a scenario on the running kernel, from
 * the data files to the result.  'mmstall run' (harness/cmd_run.c) parses
 * options, calls it and prints the table; in a guest that is all /init does.
 *
 * The controller (the calling process) stays outside the scenario's
 * cgroups.  It creates the subtree, starts the low-priority workload in lo
 * and the probes in hi (each born in its group: cg_run_nowait), starts
 * both on one schedule, samples the groups' stats at the start and end of
 * the measured window, accounts for the samples the probes could not
 * finish (censored), and fills the result.  Every exit path -- success,
 * error, SIGINT, SIGTERM -- goes through teardown: children killed, groups
 * removed.
 */
#ifndef MMSTALL_DRIVER_H
#define MMSTALL_DRIVER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "workloads/probes.h"

struct scenario;

/*
 * How long the probes get after the end of the window to finish by
 * themselves before they are killed.  Their samples still unfinished then
 * are counted as censored, with the time they had waited, so a longer
 * grace would only make a stuck sample's lower bound larger, at the cost of
 * every run that has one (dirty-throttle: each run used to wait 30 s).  A
 * sample that is merely slow (a TCG hiccup, one throttled read) completes
 * in far less and is recorded exactly.
 */
#define DRIVER_DRAIN_GRACE_NS (2ULL * 1000 * 1000 * 1000)

struct driver_opts {
	const struct scenario *sc;
	const char *data_dir;		/* lo.dat, hi.dat, swap.img */
	const char *output;		/* the result file, written at checkpoints and at the end */
	bool disposable;		/* leave throttles, cgroups and swap at exit (guests) */
	struct probe_kernel kernel;	/* what the probes' lock descriptions say of this kernel */
	const char *cgroup_mount;	/* from driver_preflight() */
};

/*
 * Before anything is made: root, cgroup2 and the controllers the
 * scenario's throttle needs, fio when the scenario requires it.  mount
 * gets the cgroup2 mount.  0, or -errno with a message in err (bad
 * environment: nothing was changed).
 */
int driver_preflight(const struct scenario *sc, char *mount, size_t mlen, char *err, size_t errlen);

/*
 * Run the scenario.  root is the result document, its envelope filled by
 * the caller; the run adds scenario, histogram, throttle, probes, lo,
 * cgroups, fio and timings, finishes it ("ok" or "failed" with err) and
 * saves it to o->output.  0, -EINTR on a stop signal, or another -errno
 * with a message in err.
 */
int driver_run(const struct driver_opts *o, json_t *root, char *err, size_t errlen);

#endif
