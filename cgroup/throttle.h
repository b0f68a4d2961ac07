/* SPDX-License-Identifier: GPL-2.0 */
/*
 * I/O throttles: which one a run uses, on which device, with which
 * settings.  See ../shared/kernel-notes.md "Throttles: who sleeps where".
 */
#ifndef MMSTALL_THROTTLE_H
#define MMSTALL_THROTTLE_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>

#include "cgroup/cg.h"
#include "workloads/scenario.h"

struct throttle_plan {
	enum throttle_kind requested;
	enum throttle_kind kind;	/* what was applied */
	char device[32];		/* "254:0": whole disk holding the data files */
	char disk[64];			/* "vda" */
	const char *group;		/* "lo" or "hi" */
	char file[32];			/* "io.max" */
	char value[256];		/* what was written */
	char reason[256];		/* why this kind (auto fallbacks) */
	/* io.cost changes the root's knobs: what they were, to restore them */
	char root_path[PATH_MAX];	/* cgroup2 mount */
	char saved_qos[512], saved_model[512];
	bool root_changed;
	char extra[640];		/* io.cost: the model and weights, for the record */
};

/* The whole disk (not partition) holding path, as "MAJ:MIN" and its name. */
int throttle_device_for_path(const char *path, struct throttle_plan *tp, char *err, size_t errlen);
/*
 * Decide and apply the throttle once the groups exist.  A requested
 * throttle the kernel lacks is an error (-EOPNOTSUPP) naming the missing
 * file and config option; "auto" falls back and says why.
 */
int throttle_apply(const struct scenario *sc, struct cg_session *s, struct throttle_plan *tp, char *err,
		   size_t errlen);
json_t *throttle_to_json(const struct throttle_plan *tp);
/*
 * Undo the throttle: lift the group's limit (call before the groups are
 * removed) and restore what was changed outside them (io.cost on the root).
 */
void throttle_undo(struct throttle_plan *tp, const struct cg_session *s);
/* Controllers a scenario's throttle needs enabled, NULL-terminated. */
const char *const *throttle_controllers(const struct scenario *sc);

#endif
