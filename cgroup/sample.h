/* SPDX-License-Identifier: GPL-2.0 */
/* Snapshots of a group's memory.stat, io.stat and {cpu,memory,io}.pressure. */
#ifndef MMSTALL_SAMPLE_H
#define MMSTALL_SAMPLE_H

struct result_cgroup;

struct cg_sample {
	char *memory_stat;
	char *io_stat;
	char *pressure[3];	/* cpu, memory, io */
};

/* Read whatever of the files exist (a missing one stays NULL). */
void cg_sample_take(const char *group_path, struct cg_sample *s);
/*
 * What changed from start to end, for the result (harness/result.h): every
 * memory.stat counter, the io.stat counters of device (may be NULL: none),
 * the "some" and "full" totals of each pressure file.  What a sample lacks
 * is left out.  path and memory_max are the caller's.  Free with
 * cg_delta_free().
 */
void cg_sample_delta(const struct cg_sample *start, const struct cg_sample *end, const char *device,
		     struct result_cgroup *out);
void cg_delta_free(struct result_cgroup *d);
void cg_sample_free(struct cg_sample *s);

#endif
