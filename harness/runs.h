/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A set of stored runs, loaded from result files and results directories,
 * grouped into variants.  What 'mmstall report', 'gate' and 'compare' read.
 *
 * A run's variant is its label (vm.label, else label).  Its repetition is
 * vm.repetition ('mmstall compare' writes <label>.rep<k>.json), else 1.
 * When one label comes from more than one directory (the same kernel
 * measured on two machines, or in two compares), each is qualified with
 * where it came from: "<label>@<host>" when the hosts differ, else
 * "<label>@<directory name>", so a merge never mixes machines silently.
 * Files of one directory given one by one are still one experiment, and
 * so are the runs of one compare's job list (vm.plan.id) spread over the
 * directories of many hosts: each pairing of it (repetition k of every
 * variant) must then come from one host, or the load is refused.
 *
 * Only like is compared with like: runs are pooled into one comparison only
 * when the scenario settings that shape the measurement, the guest's CPUs
 * and memory and the accelerator match (runset_check_comparable()).
 */
#ifndef MMSTALL_RUNS_H
#define MMSTALL_RUNS_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "harness/result.h"

/* Index of name in names[n], or -1. */
static inline int name_index(char *const *names, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return (int)i;
	return -1;
}

struct run {
	struct run_result res;	/* the result, decoded */
	char *path;
	int source;		/* index of the PATH it was found under */
	int place;		/* index into runset.places: its directory */
	int variant;		/* index into runset.variants */
	int rep;		/* repetition, 1-based */
	bool ok;		/* status "ok" */
	const char *error;	/* why it failed (in res), or NULL */
	const char *host;	/* the machine that ran it (vm.host.hostname, else machine.hostname), or NULL */
	const char *plan_id;	/* vm.plan.id: the compare's job list it belongs to, or NULL */
	int pairing;		/* vm.plan.pairing, -1 without a plan */
};

struct runset {
	struct run *runs;
	size_t nr_runs;
	char **variants;	/* names, in compare order (vm.variant_index, else first seen) */
	size_t nr_variants;
	char **sources;		/* the PATHs */
	size_t nr_sources;
	char **places;		/* the directories the runs' files lie in (realpath) */
	size_t nr_places;
	char *baseline_hint;	/* vm.baseline of the runs, when they agree */
	json_t *compare;	/* compare.json of a compare directory (its settings), or NULL */
	char note[512];		/* something the reader should know about the set ("" if nothing) */
};

/*
 * Load every result under paths (files, or directories: their *.json in
 * name order, except compare.json and summary.json).  -EINVAL with a
 * message in err naming the path when one is missing, empty, not a regular
 * file, or not a well-formed mmstall result, or naming two runs of one
 * pairing made on different hosts.
 */
int runset_load(struct runset *rs, char *const *paths, size_t n, char *err, size_t errlen);
void runset_free(struct runset *rs);
int runset_variant(const struct runset *rs, const char *name);	/* index or -1 */

/* The list of variant names ("6.1, 6.12") for messages; static buffer. */
const char *runset_variant_list(const struct runset *rs);

/*
 * Are the runs comparable?  The scenario settings that shape the
 * measurement (every recorded setting but the scenario's name), the
 * throttle actually applied, the guest's CPUs and memory, and the
 * accelerator must be the same in every successful run that has them (a
 * run that failed measured nothing).  -EINVAL with err naming the differing settings and two files
 * that differ; 0 when they match.
 */
int runset_check_comparable(const struct runset *rs, char *err, size_t errlen);

/* The names of the files that hold compare settings and the summary, never runs. */
#define COMPARE_SETTINGS_FILE "compare.json"
#define SUMMARY_FILE "summary.json"

#endif
