// SPDX-License-Identifier: GPL-2.0
#include "cgroup/cg.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <libcgroup.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/util.h"

/* libcgroup's ECG* codes become -errno here, once. */
static int cg_errno(int ecg)
{
	if (!ecg)
		return 0;
	if (ecg == ECGOTHER)
		return -(cgroup_get_last_errno() ? cgroup_get_last_errno() : EIO);
	if (ecg == ECGROUPNOTEXIST)
		return -ENOENT;
	if (ecg == ECGROUPNOTALLOWED || ecg == ECGROUPNOTOWNER)
		return -EPERM;
	return -EIO;
}

int cg_find_mount(char *buf, size_t len)
{
	char line[4096];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int ret = -ENOENT;

	if (!f)
		return -errno;
	/* "36 25 0:31 / /sys/fs/cgroup rw,... - cgroup2 cgroup2 rw" */
	while (fgets(line, sizeof(line), f)) {
		char mnt[PATH_MAX], fstype[64];
		char *sep = strstr(line, " - ");

		if (!sep || sscanf(sep, " - %63s", fstype) != 1 || strcmp(fstype, "cgroup2"))
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1)
			continue;
		snprintf(buf, len, "%s", mnt);
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

static bool word_in(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	while ((p = strstr(p, word))) {
		if ((p == list || p[-1] == ' ' || p[-1] == '\n' || p[-1] == ',') &&
		    (p[n] == ' ' || p[n] == '\n' || p[n] == ',' || !p[n]))
			return true;
		p += n;
	}
	return false;
}

bool cg_controller_available(const char *mount, const char *controller)
{
	char path[PATH_MAX], *s;
	bool ok;

	snprintf(path, sizeof(path), "%s/cgroup.controllers", mount);
	if (read_file(path, &s, NULL))
		return false;
	ok = word_in(s, controller);
	free(s);
	return ok;
}

/* Where a controller is mounted as cgroup v1, if it is. */
static bool v1_mount_of(const char *controller, char *buf, size_t len)
{
	char line[4096];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	bool found = false;
	/* v1 calls the io controller "blkio" */
	const char *v1name = strcmp(controller, "io") ? controller : "blkio";

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char mnt[PATH_MAX], fstype[64], opts[1024];
		char *sep = strstr(line, " - ");

		if (!sep || sscanf(sep, " - %63s %*s %1023s", fstype, opts) != 2 || strcmp(fstype, "cgroup"))
			continue;
		if (!word_in(opts, v1name) || sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1)
			continue;
		snprintf(buf, len, "%s", mnt);
		found = true;
	}
	fclose(f);
	return found;
}

int cg_check_controllers(const char *mount, const char *const *needed, char *err, size_t errlen)
{
	char v1[PATH_MAX];
	size_t used = 0;
	int i, missing = 0;

	err[0] = '\0';
	for (i = 0; needed[i]; i++) {
		if (cg_controller_available(mount, needed[i]))
			continue;
		missing++;
		if (used)
			used += snprintf(err + used, errlen - used, "; ");
		if (used >= errlen)
			break;
		if (v1_mount_of(needed[i], v1, sizeof(v1)))
			used += snprintf(err + used, errlen - used,
					 "the %s controller is not available on cgroup2 (%s): it is bound to a "
					 "cgroup v1 hierarchy mounted at %s",
					 needed[i], mount, v1);
		else
			used += snprintf(err + used, errlen - used,
					 "the %s controller is not available on cgroup2 (%s/cgroup.controllers "
					 "does not list it; is it built into this kernel?)",
					 needed[i], mount);
		if (used >= errlen)
			break;
	}
	if (missing && used < errlen)
		snprintf(err + used, errlen - used,
			 ". Boot with cgroup_no_v1=all (or systemd.unified_cgroup_hierarchy=1), or use "
			 "'mmstall vm' to run in a guest kernel");
	return missing ? -ENODEV : 0;
}

int cg_session_init(struct cg_session *s, const char *mount)
{
	char stamp[32];

	memset(s, 0, sizeof(*s));
	stamp_now(stamp, sizeof(stamp));
	snprintf(s->mount, sizeof(s->mount), "%s", mount);
	/* The pid in the name lets a later run tell a stale subtree from a live one. */
	snprintf(s->subtree, sizeof(s->subtree), "mmstall-%d-%s", (int)getpid(), stamp);
	snprintf(s->subtree_path, sizeof(s->subtree_path), "%s/%s", mount, s->subtree);
	s->lo.name = "lo";
	s->hi.name = "hi";
	snprintf(s->lo.path, sizeof(s->lo.path), "%s/lo", s->subtree_path);
	snprintf(s->hi.path, sizeof(s->hi.path), "%s/hi", s->subtree_path);
	return 0;
}

int cg_group_set(struct cg_group *g, const char *controller, const char *name, const char *value)
{
	struct cg_setting *st;

	if (g->nr_settings == CG_MAX_SETTINGS)
		return -E2BIG;
	st = &g->settings[g->nr_settings++];
	st->controller = controller;
	snprintf(st->name, sizeof(st->name), "%s", name);
	snprintf(st->value, sizeof(st->value), "%s", value);
	return 0;
}

static struct cgroup *cg_build(const char *relpath, const char *const *controllers,
			       const struct cg_group *g, int from)
{
	struct cgroup *cg = cgroup_new_cgroup(relpath);
	int i;

	if (!cg)
		return NULL;
	for (i = 0; controllers[i]; i++) {
		struct cgroup_controller *c = cgroup_add_controller(cg, controllers[i]);
		int j;

		if (!c) {
			cgroup_free(&cg);
			return NULL;
		}
		for (j = from; g && j < g->nr_settings; j++) {
			if (strcmp(g->settings[j].controller, controllers[i]))
				continue;
			if (cgroup_add_value_string(c, g->settings[j].name, g->settings[j].value)) {
				cgroup_free(&cg);
				return NULL;
			}
		}
	}
	return cg;
}

static int cg_create_one(const char *relpath, const char *const *controllers, const struct cg_group *g,
			 char *err, size_t errlen)
{
	struct cgroup *cg = cg_build(relpath, controllers, g, 0);
	int ret;

	if (!cg) {
		snprintf(err, errlen, "libcgroup could not describe cgroup %s", relpath);
		return -ENOMEM;
	}
	ret = cgroup_create_cgroup(cg, 0);
	cgroup_free(&cg);
	if (ret) {
		snprintf(err, errlen, "creating cgroup %s with libcgroup failed: %s", relpath,
			 cgroup_strerror(ret));
		return cg_errno(ret);
	}
	return 0;
}

/* libcgroup writes settings in creation order; check each value really took. */
static int cg_verify(const struct cg_group *g, int from, char *err, size_t errlen)
{
	int i;

	for (i = from; i < g->nr_settings; i++) {
		char path[PATH_MAX + 64];

		snprintf(path, sizeof(path), "%s/%s", g->path, g->settings[i].name);
		if (!path_exists(path)) {
			snprintf(err, errlen, "cgroup file %s does not exist: this kernel lacks %s", path,
				 g->settings[i].name);
			return -ENOENT;
		}
	}
	return 0;
}

int cg_session_create(struct cg_session *s, const char *const *controllers, char *err, size_t errlen)
{
	char rel[256], path[PATH_MAX + 32], *before = NULL;
	static bool inited;
	int ret;

	if (!inited) {
		ret = cgroup_init();
		if (ret) {
			snprintf(err, errlen, "libcgroup could not initialise: %s", cgroup_strerror(ret));
			return cg_errno(ret);
		}
		inited = true;
	}
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", s->mount);
	if (!read_file(path, &before, NULL)) {
		snprintf(s->root_subtree_control_before, sizeof(s->root_subtree_control_before), "%s",
			 before);
		free(before);
	}
	s->created = true; /* from here on, destroy must run even on partial failure */
	ret = cg_create_one(s->subtree, controllers, NULL, err, errlen);
	if (ret)
		return ret;
	snprintf(rel, sizeof(rel), "%s/lo", s->subtree);
	ret = cg_create_one(rel, controllers, &s->lo, err, errlen);
	if (ret)
		return ret;
	snprintf(rel, sizeof(rel), "%s/hi", s->subtree);
	ret = cg_create_one(rel, controllers, &s->hi, err, errlen);
	if (ret)
		return ret;
	ret = cg_verify(&s->lo, 0, err, errlen);
	return ret ? ret : cg_verify(&s->hi, 0, err, errlen);
}

int cg_group_apply(struct cg_session *s, struct cg_group *g, char *err, size_t errlen)
{
	static const char *const ctrls[] = { "io", "memory", "cpu", NULL };
	char rel[256];
	struct cgroup *cg;
	int i, ret;

	snprintf(rel, sizeof(rel), "%s/%s", s->subtree, g->name);
	/* Only the newest setting: earlier ones were applied at creation. */
	i = g->nr_settings - 1;
	if (i < 0)
		return 0;
	cg = cgroup_new_cgroup(rel);
	if (!cg)
		return -ENOMEM;
	ret = ECGINVAL;
	for (int c = 0; ctrls[c]; c++) {
		struct cgroup_controller *ctl;

		if (strcmp(g->settings[i].controller, ctrls[c]))
			continue;
		ctl = cgroup_add_controller(cg, ctrls[c]);
		if (ctl && !cgroup_add_value_string(ctl, g->settings[i].name, g->settings[i].value))
			ret = cgroup_modify_cgroup(cg);
	}
	cgroup_free(&cg);
	if (ret) {
		snprintf(err, errlen, "setting %s=\"%s\" on %s failed: %s", g->settings[i].name,
			 g->settings[i].value, g->path, cgroup_strerror(ret));
		return cg_errno(ret);
	}
	return cg_verify(g, i, err, errlen);
}

int cg_group_write(const struct cg_group *g, const char *file, const char *value)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", g->path, file);
	return write_file(path, value);
}

bool cg_group_has(const struct cg_group *g, const char *file)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", g->path, file);
	return path_exists(path);
}

/* struct clone_args of <linux/sched.h> (5.7+ layout), spelled here so older headers build too. */
struct cg_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
		set_tid_size, cgroup;
};
#define CG_CLONE_INTO_CGROUP 0x200000000ULL
#ifndef SYS_clone3
#define SYS_clone3 435
#endif

/*
 * clone3(CLONE_INTO_CGROUP): the child is born in the group.  Like fork()
 * without glibc's atfork handlers, which a single-threaded controller does
 * not need.  -ENOSYS/-E2BIG/-EINVAL: the kernel has no CLONE_INTO_CGROUP.
 */
static pid_t clone_into(int cgfd)
{
	struct cg_clone_args args = { .flags = CG_CLONE_INTO_CGROUP, .exit_signal = SIGCHLD,
				      .cgroup = (uint64_t)cgfd };
	long pid = syscall(SYS_clone3, &args, sizeof(args));

	return pid < 0 ? -errno : (pid_t)pid;
}

/* fork(); the child writes itself into cgroup.procs and tells the parent how that went. */
static pid_t fork_into(const char *cgroup_path, int (*fn)(void *), void *arg)
{
	char procs[PATH_MAX + 32];
	int pfd[2], err = 0;
	pid_t pid;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cgroup_path);
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		err = -errno;
		close(pfd[0]);
		close(pfd[1]);
		return err;
	}
	if (pid == 0) {
		close(pfd[0]);
		err = write_file(procs, "0");
		if (err) {
			if (write(pfd[1], &err, sizeof(err)) != sizeof(err))
				_exit(127);
			_exit(127);
		}
		close(pfd[1]);	/* EOF: the parent goes on */
		_exit(fn(arg));
	}
	close(pfd[1]);
	while (read(pfd[0], &err, sizeof(err)) < 0 && errno == EINTR)
		;
	close(pfd[0]);
	if (err) {
		waitpid(pid, NULL, 0);
		return err;
	}
	return pid;
}

pid_t cg_run_nowait(const char *cgroup_path, int (*fn)(void *arg), void *arg)
{
	int cgfd;
	pid_t pid;

	fflush(NULL);
	if (!cgroup_path) {
		pid = fork();
		if (pid == 0)
			_exit(fn(arg));
		return pid < 0 ? -errno : pid;
	}
	cgfd = open(cgroup_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cgfd < 0)
		return -errno;
	pid = clone_into(cgfd);
	close(cgfd);
	if (pid == 0)
		_exit(fn(arg));
	if (pid == -ENOSYS || pid == -E2BIG || pid == -EINVAL)
		return fork_into(cgroup_path, fn, arg);
	return pid;
}

/*
 * Wait until no process is left in the group: cgroup.events changes (and
 * poll() reports POLLPRI) when "populated" does, so no polling loop.
 */
static void cg_wait_empty(const char *path, uint64_t timeout_ns)
{
	uint64_t deadline = now_ns() + timeout_ns;
	char p[PATH_MAX + 32], buf[256];
	struct pollfd pfd = { .events = POLLPRI };
	ssize_t n;

	snprintf(p, sizeof(p), "%s/cgroup.events", path);
	pfd.fd = open(p, O_RDONLY | O_CLOEXEC);
	if (pfd.fd < 0)
		return;
	for (;;) {
		uint64_t now = now_ns();
		char *v;

		/* reading through the polled fd re-arms its notification */
		n = pread(pfd.fd, buf, sizeof(buf) - 1, 0);
		if (n <= 0)
			break;
		buf[n] = '\0';
		v = strstr(buf, "populated ");
		if (!v || !atoi(v + 10) || now >= deadline)
			break;
		poll(&pfd, 1, (int)((deadline - now) / NSEC_PER_MSEC) + 1);
	}
	close(pfd.fd);
}

/* cgroup.kill (5.14+) or SIGKILL to every pid, then wait until empty. */
static void cg_kill_all(const char *path)
{
	char p[PATH_MAX + 32], *procs, *line;

	snprintf(p, sizeof(p), "%s/cgroup.kill", path);
	if (write_file(p, "1")) {
		snprintf(p, sizeof(p), "%s/cgroup.procs", path);
		if (!read_file(p, &procs, NULL)) {
			for (line = strtok(procs, "\n"); line; line = strtok(NULL, "\n"))
				kill(atoi(line), SIGKILL);
			free(procs);
		}
	}
	cg_wait_empty(path, 5 * NSEC_PER_SEC);
}

static int cg_remove_tree(const char *path)
{
	char child[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(path);
	int ret = 0, tries;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		snprintf(child, sizeof(child), "%s/%s", path, de->d_name);
		cg_remove_tree(child);
	}
	closedir(d);
	cg_kill_all(path);
	/* rmdir can race with exiting tasks: retry briefly, as cgroup_util.c does */
	for (tries = 0; tries < 100; tries++) {
		if (!rmdir(path) || errno == ENOENT)
			return 0;
		ret = -errno;
		usleep(10000);
	}
	return ret;
}

static void cg_restore_root(struct cg_session *s)
{
	static const char *const ctrls[] = { "io", "memory", "cpu", NULL };
	char path[PATH_MAX + 32], *now, buf[32];
	int i;

	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", s->mount);
	if (read_file(path, &now, NULL))
		return;
	for (i = 0; ctrls[i]; i++) {
		if (!word_in(now, ctrls[i]) || word_in(s->root_subtree_control_before, ctrls[i]))
			continue;
		snprintf(buf, sizeof(buf), "-%s", ctrls[i]);
		/* EBUSY means someone else now relies on it: leave it on. */
		if (write_file(path, buf))
			msg_debug("could not restore %s: %s still in use", path, ctrls[i]);
	}
	free(now);
}

int cg_session_destroy(struct cg_session *s)
{
	int ret;

	if (!s->created)
		return 0;
	ret = cg_remove_tree(s->subtree_path);
	if (ret)
		msg_warn("could not remove cgroup %s: %s", s->subtree_path, strerror(-ret));
	cg_restore_root(s);
	s->created = false;
	return ret;
}

void cg_reap_stale(const char *mount)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(mount);

	if (!d)
		return;
	while ((de = readdir(d))) {
		int pid;

		if (de->d_type != DT_DIR || sscanf(de->d_name, "mmstall-%d-", &pid) != 1)
			continue;
		if (pid == getpid() || kill(pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(path, sizeof(path), "%s/%s", mount, de->d_name);
		msg_warn("removing stale cgroup %s left by mmstall pid %d", path, pid);
		cg_remove_tree(path);
	}
	closedir(d);
}
