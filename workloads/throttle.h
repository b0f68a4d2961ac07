/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Throttles: what slows lo down (or, for io.latency, protects hi) so that
 * a fault can sleep while it holds mmap_lock.  See docs/kernel-notes.md
 * "Throttles: who sleeps where".
 *
 * A throttle is one struct throttle_ops in a file of its own
 * (workloads/throttles/NAME.c) and one line in THROTTLES() (throttle.c).
 * It owns everything about it: its scenario keys (name, type, range,
 * default, help; stored in a slice of the scenario's generic settings area
 * that only it reads), the kernel features it needs (harness/kernel/features.c
 * checks them before a guest boots), the cgroup controllers it needs,
 * whether the running kernel offers it, how it is applied and lifted, and
 * what it records (struct throttle_run, the result's "throttle" object).
 * Nothing else in the tree names a throttle.
 */
#ifndef MMSTALL_THROTTLE_H
#define MMSTALL_THROTTLE_H

#include <stdbool.h>
#include <stddef.h>

struct cg_session;
struct result_throttle;
struct scenario;
struct scenario_key;
struct throttle_ops;

/* What a run's throttle did: the result's "throttle" object. */
struct throttle_run {
	const struct throttle_ops *requested;	/* --throttle */
	const struct throttle_ops *kind;	/* what was applied (auto picks one); NULL before */
	char device[32];	/* "254:0": the whole disk holding the data files */
	char disk[64];		/* "vda" */
	const char *group;	/* "lo" or "hi"; NULL: no group knob written */
	char file[32];		/* "io.max" */
	char value[256];	/* what was written */
	char reason[256];	/* why this kind (auto's fallbacks) */
	char other[640];	/* "other_settings": anything else it changed (io.cost's root knobs) */
	/* the applied throttle's own state (io.cost: the root's knobs to restore) */
	_Alignas(8) unsigned char priv[4736];
};

/* What a throttle's hooks get. */
struct throttle_ctx {
	const struct scenario *sc;
	struct cg_session *cg;
	struct throttle_run *run;
	const void *settings;	/* this throttle's own settings struct (its keys' storage) */
};

struct throttle_ops {
	const char *name;	/* the --throttle word, and "requested"/"kind" in results */
	const char *help;	/* one clause in --throttle's help: "io.max (limits on lo)" */
	const struct scenario_key *keys;	/* offsets into its settings struct */
	size_t nr_keys;
	size_t settings_size;
	/* kernel features it needs (harness/kernel/features.c names), NULL-terminated; "a|b": either */
	const char *const *needs;
	/* cgroup controllers it needs besides io and memory, NULL-terminated (may be NULL) */
	const char *const *controllers;
	/* cross-key checks of its settings when it is the one requested (may be NULL) */
	int (*validate)(const void *settings, char *err, size_t errlen);
	/* does the running kernel offer it (the groups exist)?  0 or -EOPNOTSUPP with a message */
	int (*available)(const struct throttle_ctx *t, char *err, size_t errlen);
	/* write its knobs, fill run->group/file/value (and other) */
	int (*apply)(struct throttle_ctx *t, char *err, size_t errlen);
	/*
	 * Undo before the groups go (may be NULL): writeback of lo's leftover
	 * dirty pages is still charged to lo and would crawl through the old
	 * limit long after the run.  Restores what it changed outside the groups.
	 */
	void (*lift)(struct throttle_ctx *t);
};

/* The table, in the order of THROTTLES() (throttle.c). */
size_t throttle_count(void);
const struct throttle_ops *throttle_at(size_t i);
const struct throttle_ops *throttle_find(const char *name);
/* The requested one (the scenario's throttle setting). */
const struct throttle_ops *throttle_of(const struct scenario *sc);
/* Names as a NULL-terminated list (the throttle key's words). */
const char *const *throttle_words(void);
/* --throttle's help, from every throttle's help clause. */
const char *throttle_help(void);
/* Where a throttle's settings live in struct scenario (its slice of the generic area). */
size_t throttle_settings_offset(const struct throttle_ops *ops);
const void *throttle_settings(const struct scenario *sc, const struct throttle_ops *ops);

/* The requested throttle's validate(). */
int throttle_validate(const struct scenario *sc, char *err, size_t errlen);
/* cgroup controllers the scenario's throttle needs: io, memory and its own; NULL-terminated. */
const char *const *throttle_controllers(const struct scenario *sc);

/* Start a record: requested throttle, the device holding data_dir. */
int throttle_run_init(struct throttle_run *run, const struct scenario *sc, const char *data_dir, char *err,
		      size_t errlen);
/*
 * Apply the requested throttle once the groups exist.  One the kernel lacks
 * is an error (-EOPNOTSUPP) naming the missing file and config option;
 * auto falls back and says why.
 */
int throttle_apply(const struct scenario *sc, struct cg_session *cg, struct throttle_run *run, char *err,
		   size_t errlen);
/* Apply ops (auto uses it for the throttle it picked). */
int throttle_apply_as(struct throttle_ctx *t, const struct throttle_ops *ops, char *err, size_t errlen);
/* Lift what was applied (before the groups are removed). */
void throttle_lift(const struct scenario *sc, struct cg_session *cg, struct throttle_run *run);
/* What it did, for the result's "throttle" object (result_set_throttle()); points into run. */
void throttle_result(const struct throttle_run *run, struct result_throttle *out);

#endif
