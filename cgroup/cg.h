/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cgroup2 setup for a run: a private subtree <mount>/mmstall-<pid>-<stamp>
 * with a low-priority group "lo" and a high-priority group "hi", created,
 * configured and removed with libcgroup.  Helpers in the style of the
 * kernel selftests' cgroup_util.c.
 */
#ifndef MMSTALL_CG_H
#define MMSTALL_CG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define CG_MAX_SETTINGS 8

struct cg_setting {
	const char *controller;	/* "memory", "io" */
	char name[64];		/* "memory.max" */
	char value[256];
};

struct cg_group {
	const char *name;	/* "lo" / "hi" */
	char path[PATH_MAX];	/* absolute path in the cgroup2 mount */
	struct cg_setting settings[CG_MAX_SETTINGS];
	int nr_settings;
};

struct cg_session {
	char mount[PATH_MAX];	/* cgroup2 mount point */
	char subtree[128];	/* "mmstall-<pid>-<stamp>", relative to mount */
	char subtree_path[PATH_MAX - 16];	/* room for "/lo" in the groups' paths */
	char root_subtree_control_before[256];
	struct cg_group lo, hi;
	bool created;
};

/* Find the cgroup2 mount (from /proc/self/mountinfo). */
int cg_find_mount(char *buf, size_t len);
/*
 * Check that every controller in needed (NULL-terminated) is available on
 * cgroup2.  On failure err names the missing controller and, when it is
 * bound to a cgroup v1 hierarchy, says so and where.
 */
int cg_check_controllers(const char *mount, const char *const *needed, char *err, size_t errlen);
bool cg_controller_available(const char *mount, const char *controller);

/* Prepare names; nothing is created yet. */
int cg_session_init(struct cg_session *s, const char *mount);
/* Queue a setting for a group, applied by cg_session_create() or cg_group_apply(). */
int cg_group_set(struct cg_group *g, const char *controller, const char *name, const char *value);
/* Create subtree, lo and hi with their controllers and queued settings (libcgroup). */
int cg_session_create(struct cg_session *s, const char *const *controllers, char *err, size_t errlen);
/* Apply settings queued since creation (e.g. a throttle chosen after probing the groups). */
int cg_group_apply(struct cg_session *s, struct cg_group *g, char *err, size_t errlen);
/* Write value to a group's file now (e.g. lifting a throttle); 0 or -errno. */
int cg_group_write(const struct cg_group *g, const char *file, const char *value);
/* Does the group have this file (does the kernel offer the knob)? */
bool cg_group_has(const struct cg_group *g, const char *file);
/*
 * Start fn(arg) in a child process that begins its life in the cgroup at
 * cgroup_path (NULL: ours), as the kernel selftests' cg_run_nowait():
 * clone3(CLONE_INTO_CGROUP) (5.7+), else fork() with the child writing
 * itself into cgroup.procs before it calls fn; the parent returns only once
 * the child is in the group.  Nothing the child does is charged elsewhere.
 * The child ends with _exit(fn(arg)).  Returns the pid, or -errno (with the
 * child reaped) when it could not be placed.
 */
pid_t cg_run_nowait(const char *cgroup_path, int (*fn)(void *arg), void *arg);
/* Kill every process in the subtree, remove the groups, restore the root's subtree_control. */
int cg_session_destroy(struct cg_session *s);
/* Remove leftovers of earlier runs whose owning mmstall process is gone. */
void cg_reap_stale(const char *mount);

#endif
