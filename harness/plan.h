/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The job list of a compare: every run as an indexed entry (kernel,
 * scenario, repetition, seed, output file, pairing), in the interleaved
 * order compare runs them (rep 1 of every variant, then rep 2, ...).
 * 'mmstall compare' runs its own list; 'compare --plan FILE' writes it for
 * an engine (GNU parallel, a Slurm array, a Kubernetes Indexed Job) whose
 * tasks each call 'mmstall run-job FILE INDEX', which makes exactly the
 * result file compare would.
 *
 * A pairing is repetition k of every variant: the runs that are compared
 * with each other, which must be made on one host (a host's speed, disk
 * and load shape them alike).  Different pairings may run on different
 * hosts; 'report' and 'gate' refuse a pairing whose runs name two hosts.
 *
 * The device baseline (fio on the data disk) is a property of the disk,
 * not of the run: the first run of each variant measures it, the others
 * run with device-baseline off and name that run (vm.device_baseline_from),
 * unless every run is to measure it (compare --baseline-every-run).
 */
#ifndef MMSTALL_PLAN_H
#define MMSTALL_PLAN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "harness/vm/session.h"

#define PLAN_FORMAT "mmstall-plan"
#define PLAN_FORMAT_VERSION 1
#define PLAN_ID_LEN 17	/* 16 hex digits and the NUL */

struct plan_entry {
	unsigned int index;	/* 0-based, in run order */
	size_t kernel;		/* into plan.labels/specs: the variant */
	unsigned int rep;	/* 1-based */
	unsigned int pairing;	/* 0-based: rep - 1 */
	char stem[96];		/* <label>.rep<k>: <stem>.json is the result */
	char baseline_from[96];	/* the run that measures the device baseline for this one; "": itself */
};

struct plan {
	char id[PLAN_ID_LEN];
	char **labels, **specs;	/* the variants, in compare order */
	size_t nr_kernels;
	unsigned int reps;
	char *baseline;		/* the compare's baseline label */
	struct plan_entry *e;
	size_t n;
	char **options;		/* the session's options but --kernel (vm_session_argv()), every scenario key */
	int nr_options;
	json_t *scenario;	/* the resolved settings (scenario_to_json()) */
	json_t *settings;	/* compare.json's content */
};

/* A new plan id: 64 random bits in hex. */
void plan_new_id(char id[PLAN_ID_LEN]);

/*
 * The plan of vo's variants x reps.  kept[i] (NULL: none) marks entries an
 * earlier session finished: the device baseline goes to each variant's
 * first entry that is not kept, unless every_run.  settings is compare.json's
 * content (a reference is taken).
 */
void plan_make(struct plan *p, const struct vm_opts *vo, unsigned int reps, const char *baseline, bool every_run,
	       const bool *kept, json_t *settings, const char *id);
void plan_free(struct plan *p);

/* The entry's run info (stem, repetition, device baseline, plan id...); pinning and marks are the caller's. */
void plan_run_info(const struct plan *p, const struct plan_entry *e, struct vm_run_info *ri);

/*
 * The options that run entries of kernel k: --kernel LABEL=SPEC, the
 * session's options, --results DIR.  NULL-terminated, allocated (plan_argv_free()).
 */
char **plan_argv(const struct plan *p, const bool *kernels, const char *results, int *argc);
void plan_argv_free(char **argv);

json_t *plan_to_json(const struct plan *p);
/* 0, or -EINVAL with err naming the key that is wrong. */
int plan_from_json(struct plan *p, const json_t *j, char *err, size_t errlen);
/* Write atomically; read (at most 64 MiB).  0 or -errno with err naming the file. */
int plan_save(const struct plan *p, const char *path, char *err, size_t errlen);
int plan_load(struct plan *p, const char *path, char *err, size_t errlen);

#endif
