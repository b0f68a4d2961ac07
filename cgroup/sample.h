/* SPDX-License-Identifier: GPL-2.0 */
/* Snapshots of a group's memory.stat, io.stat and {cpu,memory,io}.pressure. */
#ifndef MMSTALL_SAMPLE_H
#define MMSTALL_SAMPLE_H

#include <jansson.h>

struct cg_sample {
	char *memory_stat;
	char *io_stat;
	char *pressure[3];	/* cpu, memory, io */
};

/* Read whatever of the files exist (a missing one stays NULL). */
void cg_sample_take(const char *group_path, struct cg_sample *s);
/*
 * {"memory_stat": {key: end-start}, "io_stat": {rbytes.. for device},
 *  "pressure": {"cpu": {"some_total_us": d, "full_total_us": d}, ...}}
 */
json_t *cg_sample_delta_json(const struct cg_sample *start, const struct cg_sample *end, const char *device);
void cg_sample_free(struct cg_sample *s);

#endif
