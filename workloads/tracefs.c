// SPDX-License-Identifier: GPL-2.0
/*
 * The attribution collector (see tracefs.h): tracefs writes only.
 */
#include "workloads/tracefs.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "harness/attrib.h"
#include "harness/util.h"

/*
 * Ring buffer per CPU and traced second.  The rate depends on the scenario:
 * dirty-throttle on Debian 6.12 under TCG wrote 57k entries in 42 s on 2
 * CPUs (about 60 KiB/s per CPU), while ps-latency under io.latency on a 7.3
 * build wrote about 30k events a second (4 MiB per CPU held 7 s of it, and
 * every run lost its first seconds).  1 MiB per CPU and second covers the
 * latter with room.  When it is not enough the oldest events (the warm-up)
 * go first, and the result says from when the trace is complete.
 */
#define KB_PER_CPU_PER_S 1024
#define KB_PER_CPU_MIN 4096
#define KB_PER_CPU_MAX (256 * 1024)

static const char *const lock_events[] = { "mmap_lock_start_locking", "mmap_lock_acquire_returned",
					   "mmap_lock_released" };

struct attrib_collect {
	char root[256];			/* the tracefs mount */
	char inst[PATH_MAX / 2];	/* our instance */
	bool mounted;			/* we mounted tracefs: unmount at the end */
	bool made;			/* the instance exists */
	bool disposable;		/* leave it at the end */
	bool started, stopped;
	pid_t lo_pid, hi_pid;
	uint64_t min_ns;
	uint64_t stop_ns;
	char filter[PATH_MAX];		/* memcg_path == "..." or memcg_id == N */
	char lo_comm[32];
	char method[PATH_MAX * 2];
	char release[128];
	struct attrib_buffer_stats buf;
};

static int put(const struct attrib_collect *ac, const char *rel, const char *val, char *err, size_t errlen)
{
	char path[PATH_MAX];
	int ret;

	snprintf(path, sizeof(path), "%s/%s", ac->inst, rel);
	ret = write_file(path, val);
	if (ret && err)
		snprintf(err, errlen, "attribute: writing '%s' to %s failed: %s%s", val, path, strerror(-ret),
			 ret == -EINVAL ? " (the kernel refused it: see error_log in tracefs)" : "");
	return ret;
}

/* tracefs: mounted already (the guest's init does it), else mount it where the kernel expects it. */
static int find_tracefs(struct attrib_collect *ac, char *err, size_t errlen)
{
	static const char *const where[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	char p[PATH_MAX];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(where); i++) {
		snprintf(p, sizeof(p), "%s/instances", where[i]);
		if (is_dir(p)) {
			snprintf(ac->root, sizeof(ac->root), "%s", where[i]);
			return 0;
		}
	}
	if (is_dir(where[0]) && !mount("nodev", where[0], "tracefs", 0, NULL)) {
		snprintf(ac->root, sizeof(ac->root), "%s", where[0]);
		ac->mounted = true;
		return 0;
	}
	snprintf(err, errlen, "attribute: no tracefs (neither %s nor %s has instances/, and mounting tracefs on %s "
		 "failed: %s); the kernel needs CONFIG_TRACING, or set attribute off", where[0], where[1], where[0],
		 strerror(errno));
	return -ENODEV;
}

/* Does events/<sys>/<ev>/format declare a field called name? */
static bool has_field(const char *fmt, const char *name)
{
	const char *p = fmt;
	size_t n = strlen(name);

	while ((p = strstr(p, name))) {
		/* "field:struct mm_struct * mm;" or "field:__data_loc char[] memcg_path;" */
		if ((p[-1] == ' ' || p[-1] == '*') && (p[n] == ';' || p[n] == '['))
			return true;
		p += n;
	}
	return false;
}

static int read_format(const struct attrib_collect *ac, const char *sys, const char *ev, char **fmt, char *err,
		       size_t errlen)
{
	char path[PATH_MAX];
	int ret;

	snprintf(path, sizeof(path), "%s/events/%s/%s/format", ac->root, sys, ev);
	ret = read_file(path, fmt, NULL);
	if (ret)
		snprintf(err, errlen, "attribute: this kernel has no %s:%s tracepoint (%s: %s); the mmap_lock events "
			 "need Linux 5.12+ with CONFIG_TRACING, or set attribute off", sys, ev, path, strerror(-ret));
	return ret;
}

/* Which events and fields this kernel has; the memcg filter in ac->filter. */
static int check_events(struct attrib_collect *ac, const struct attrib_collect_opts *o, char *err, size_t errlen)
{
	static const char *const sw_fields[] = { "prev_comm", "prev_pid", "prev_state", "next_comm", "next_pid" };
	char *fmt = NULL;
	const char *rel;
	bool by_path = false, by_id = false;
	struct stat st;
	size_t i, n;
	int ret;

	for (i = 0; i < ARRAY_SIZE(lock_events); i++) {
		ret = read_format(ac, "mmap_lock", lock_events[i], &fmt, err, errlen);
		if (ret)
			return ret;
		if (!has_field(fmt, "mm") || !has_field(fmt, "write") ||
		    (i == 1 && !has_field(fmt, "success"))) {
			snprintf(err, errlen, "attribute: mmap_lock:%s lacks the fields mm, write%s that attribution "
				 "reads (an unknown kernel version?)", lock_events[i], i == 1 ? ", success" : "");
			free(fmt);
			return -EOPNOTSUPP;
		}
		if (!i) {
			by_path = has_field(fmt, "memcg_path");
			by_id = has_field(fmt, "memcg_id");
		}
		free(fmt);
	}
	ret = read_format(ac, "sched", "sched_switch", &fmt, err, errlen);
	if (ret)
		return ret;
	for (i = 0; i < ARRAY_SIZE(sw_fields); i++) {
		if (!has_field(fmt, sw_fields[i])) {
			snprintf(err, errlen, "attribute: sched:sched_switch lacks the field %s", sw_fields[i]);
			free(fmt);
			return -EOPNOTSUPP;
		}
	}
	free(fmt);

	if (by_id) {
		/* 6.14+: the cgroup id, which is the inode number of the group's directory */
		if (stat(o->lo_cgroup, &st)) {
			ret = -errno;
			snprintf(err, errlen, "attribute: cannot stat lo's cgroup %s: %s", o->lo_cgroup, strerror(errno));
			return ret;
		}
		snprintf(ac->filter, sizeof(ac->filter), "memcg_id == %llu", (unsigned long long)st.st_ino);
		return 0;
	}
	if (!by_path) {
		snprintf(err, errlen, "attribute: mmap_lock:mmap_lock_start_locking has neither memcg_path nor "
			 "memcg_id: cannot keep the trace to lo's mm on this kernel");
		return -EOPNOTSUPP;
	}
	/* the path as the kernel prints it: lo's group relative to the cgroup2 root ("/mmstall-.../lo") */
	n = strlen(o->cgroup_mount);
	while (n && o->cgroup_mount[n - 1] == '/')
		n--;
	rel = o->lo_cgroup + n;
	if (strncmp(o->lo_cgroup, o->cgroup_mount, n) || rel[0] != '/' || strchr(rel, '"')) {
		snprintf(err, errlen, "attribute: lo's cgroup %s is not below the cgroup2 mount %s", o->lo_cgroup,
			 o->cgroup_mount);
		return -EINVAL;
	}
	snprintf(ac->filter, sizeof(ac->filter), "memcg_path == \"%s\"", rel);
	return 0;
}

/* Enough for the traced time at the measured rate, within a quarter of the free memory. */
static uint64_t buffer_kb(uint64_t traced_ns, unsigned int cpus)
{
	uint64_t kb = (traced_ns / NSEC_PER_SEC + 1) * KB_PER_CPU_PER_S, avail = mem_available_bytes() >> 10;
	const char *force = getenv("MMSTALL_ATTRIB_BUFFER_KB");

	if (force && *force)
		return strtoull(force, NULL, 10);
	if (kb < KB_PER_CPU_MIN)
		kb = KB_PER_CPU_MIN;
	if (kb > KB_PER_CPU_MAX)
		kb = KB_PER_CPU_MAX;
	if (avail && cpus && kb > avail / 4 / cpus)
		kb = avail / 4 / cpus;
	return kb;
}

static int configure(struct attrib_collect *ac, const struct attrib_collect_opts *o, char *err, size_t errlen)
{
	char rel[256], val[PATH_MAX + 64], path[PATH_MAX];
	unsigned int cpus = (unsigned int)sysconf(_SC_NPROCESSORS_ONLN);
	size_t i;
	int ret;

	if (put(ac, "tracing_on", "0", err, errlen))
		return -EIO;
	ret = put(ac, "trace_clock", "mono", err, errlen);
	if (ret)
		return ret;
	ret = put(ac, "options/record-tgid", "1", err, errlen);
	if (ret)
		return ret;
	/* raw mm pointers: hashing prints (____ptrval____) for all until the crng is ready (early in a guest) */
	snprintf(path, sizeof(path), "%s/options/hash-ptr", ac->inst);
	if (path_exists(path))
		put(ac, "options/hash-ptr", "0", NULL, 0);
	put(ac, "options/overwrite", "1", NULL, 0);	/* full: lose the oldest (warm-up) first */
	ac->buf.cpus = cpus;
	ac->buf.buffer_kb_per_cpu = buffer_kb(o->traced_ns, cpus);
	snprintf(val, sizeof(val), "%" PRIu64, ac->buf.buffer_kb_per_cpu);
	ret = put(ac, "buffer_size_kb", val, err, errlen);
	if (ret)
		return ret;

	for (i = 0; i < ARRAY_SIZE(lock_events); i++) {
		snprintf(rel, sizeof(rel), "events/mmap_lock/%s/filter", lock_events[i]);
		ret = put(ac, rel, ac->filter, err, errlen);
		if (ret)
			return ret;
	}
	/* a stack on every acquisition (holder and waiter paths) and on write requests (a writer that never gets it) */
	snprintf(val, sizeof(val), "stacktrace if %s", ac->filter);
	ret = put(ac, "events/mmap_lock/mmap_lock_acquire_returned/trigger", val, err, errlen);
	if (!ret) {
		snprintf(val, sizeof(val), "stacktrace if write == 1 && %s", ac->filter);
		ret = put(ac, "events/mmap_lock/mmap_lock_start_locking/trigger", val, err, errlen);
	}
	if (ret)
		return ret;
	/* where lo's threads sleep (prev: with the stack they block in) and when they run again (next) */
	snprintf(ac->lo_comm, sizeof(ac->lo_comm), "%s", ATTRIB_LO_COMM);
	snprintf(val, sizeof(val), "prev_comm == \"%s\" || next_comm == \"%s\"", ac->lo_comm, ac->lo_comm);
	ret = put(ac, "events/sched/sched_switch/filter", val, err, errlen);
	if (!ret) {
		snprintf(val, sizeof(val), "stacktrace if prev_comm == \"%s\"", ac->lo_comm);
		ret = put(ac, "events/sched/sched_switch/trigger", val, err, errlen);
	}
	if (ret)
		return ret;
	for (i = 0; i < ARRAY_SIZE(lock_events); i++) {
		snprintf(rel, sizeof(rel), "events/mmap_lock/%s/enable", lock_events[i]);
		ret = put(ac, rel, "1", err, errlen);
		if (ret)
			return ret;
	}
	ret = put(ac, "events/sched/sched_switch/enable", "1", err, errlen);
	if (ret)
		return ret;
	snprintf(ac->method, sizeof(ac->method),
		 "tracefs instance; mmap_lock:mmap_lock_start_locking, mmap_lock_acquire_returned, "
		 "mmap_lock_released if %s (stacks: every acquisition, write requests); sched:sched_switch of "
		 "comm %s (stack: when it leaves the CPU); trace_clock mono; %" PRIu64 " KiB per CPU",
		 ac->filter, ac->lo_comm, ac->buf.buffer_kb_per_cpu);
	return 0;
}

int attrib_collect_prepare(struct attrib_collect **out, const struct attrib_collect_opts *o, char *err,
			   size_t errlen)
{
	struct attrib_collect *ac = xcalloc(1, sizeof(*ac));
	struct utsname u;
	int ret;

	*out = NULL;
	ac->min_ns = o->min_ns;
	ac->disposable = o->disposable;
	if (!uname(&u))
		snprintf(ac->release, sizeof(ac->release), "%s", u.release);
	ret = find_tracefs(ac, err, errlen);
	if (!ret)
		ret = check_events(ac, o, err, errlen);
	if (ret) {
		attrib_collect_free(ac);
		return ret;
	}
	snprintf(ac->inst, sizeof(ac->inst), "%s/instances/mmstall-%d", ac->root, (int)getpid());
	rmdir(ac->inst);	/* a leftover of a killed run of this pid */
	if (mkdir(ac->inst, 0755)) {
		ret = -errno;
		snprintf(err, errlen, "attribute: cannot create the tracefs instance %s: %s", ac->inst,
			 strerror(errno));
		attrib_collect_free(ac);
		return ret;
	}
	ac->made = true;
	ret = configure(ac, o, err, errlen);
	if (ret) {
		ac->disposable = false;	/* half configured: take it away */
		attrib_collect_free(ac);
		return ret;
	}
	*out = ac;
	return 0;
}

int attrib_collect_start(struct attrib_collect *ac, pid_t lo_pid, pid_t hi_pid)
{
	ac->lo_pid = lo_pid;
	ac->hi_pid = hi_pid;
	ac->started = true;
	return put(ac, "tracing_on", "1", NULL, 0);
}

void attrib_collect_stop(struct attrib_collect *ac)
{
	if (!ac || ac->stopped || !ac->started)
		return;
	put(ac, "tracing_on", "0", NULL, 0);
	ac->stop_ns = now_ns();
	ac->stopped = true;
}

/* per_cpu/cpuN/stats: entries, overrun, commit overrun, dropped events */
static void read_stats(struct attrib_collect *ac)
{
	unsigned int cpu;

	for (cpu = 0; cpu < 4096; cpu++) {
		char path[PATH_MAX], *s = NULL, *p;

		snprintf(path, sizeof(path), "%s/per_cpu/cpu%u/stats", ac->inst, cpu);
		if (read_file(path, &s, NULL))
			break;
		if ((p = strstr(s, "entries:")))
			ac->buf.entries += strtoull(p + 8, NULL, 10);
		if ((p = strstr(s, "\noverrun:")))
			ac->buf.overrun += strtoull(p + 9, NULL, 10);
		if ((p = strstr(s, "commit overrun:")))
			ac->buf.commit_overrun += strtoull(p + 15, NULL, 10);
		if ((p = strstr(s, "dropped events:")))
			ac->buf.dropped += strtoull(p + 15, NULL, 10);
		free(s);
	}
}

/* Read the trace through the parser; a copy goes to $MMSTALL_ATTRIB_TRACE when set. */
static int read_trace(struct attrib_collect *ac, struct attrib_trace *t, uint64_t *bytes)
{
	const char *keep = getenv("MMSTALL_ATTRIB_TRACE");
	char path[PATH_MAX], *line = NULL;
	FILE *f, *copy = NULL;
	size_t cap = 0;
	ssize_t n;
	int ret;

	snprintf(path, sizeof(path), "%s/trace", ac->inst);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (keep && *keep)
		copy = fopen(keep, "we");
	*bytes = 0;
	while ((n = getline(&line, &cap, f)) >= 0) {
		*bytes += (uint64_t)n;
		attrib_trace_line(t, line);
		if (copy)
			fputs(line, copy);
	}
	ret = ferror(f) ? -EIO : 0;
	free(line);
	fclose(f);
	if (copy)
		fclose(copy);
	return ret;
}

json_t *attrib_collect_json(struct attrib_collect *ac, uint64_t window_start_ns, uint64_t window_end_ns)
{
	struct attrib_params p = { .window_start_ns = window_start_ns, .window_end_ns = window_end_ns,
				   .min_ns = ac->min_ns, .lo_tgid = ac->lo_pid, .hi_tgid = ac->hi_pid,
				   .kernel_release = ac->release, .method = ac->method, .buffer = &ac->buf };
	struct attrib_trace *t = attrib_trace_new();
	struct attrib_result *r = NULL;
	uint64_t t0 = now_ns(), bytes = 0, t1;
	char why[PATH_MAX + 128];
	json_t *o;
	int ret;

	if (!ac->started)
		return attrib_failed_json("recording never started", &p);
	attrib_collect_stop(ac);
	p.trace_end_ns = ac->stop_ns;
	read_stats(ac);
	ret = read_trace(ac, t, &bytes);
	if (ret) {
		snprintf(why, sizeof(why), "cannot read the trace in %s: %s", ac->inst, strerror(-ret));
		attrib_trace_free(t);
		return attrib_failed_json(why, &p);
	}
	t1 = now_ns();
	attrib_analyse(t, &p, &r);
	o = attrib_to_json(t, r, &p);
	json_object_set_new(json_object_get(o, "trace"), "bytes", json_integer((json_int_t)bytes));
	json_object_set_new(json_object_get(o, "trace"), "read_ns", json_integer((json_int_t)(t1 - t0)));
	json_object_set_new(json_object_get(o, "trace"), "analyse_ns", json_integer((json_int_t)(now_ns() - t1)));
	attrib_result_free(r);
	attrib_trace_free(t);
	return o;
}

void attrib_collect_free(struct attrib_collect *ac)
{
	if (!ac)
		return;
	if (ac->made && ac->disposable) {
		/* recording off, but no event disabled: no kernel text patched again (see tracefs.h) */
		attrib_collect_stop(ac);
	} else if (ac->made) {
		attrib_collect_stop(ac);
		/* removing the instance disables its events and drops their filters and triggers */
		if (rmdir(ac->inst))
			msg_warn("attribute: cannot remove the tracefs instance %s: %s", ac->inst, strerror(errno));
	}
	if (ac->mounted)
		umount(ac->root);
	free(ac);
}

json_t *attrib_collect_failed_json(const char *why, uint64_t min_ns)
{
	struct attrib_params p = { .min_ns = min_ns };
	struct utsname u;

	if (!uname(&u))
		p.kernel_release = u.release;
	return attrib_failed_json(why, &p);
}
