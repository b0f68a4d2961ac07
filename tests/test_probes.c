// SPDX-License-Identifier: GPL-2.0
/*
 * Probes and throttles as parts (issues 9, 10, 12):
 *
 * - censored samples: a probe stuck past the end of the window (a fake
 *   probe whose sample blocks, run by the real probe loop in a child
 *   process, killed as the driver kills it) is counted, in flight and every
 *   later due sample, with the time each had waited;
 * - what each probe says it locks on which kernel (maps: per-VMA from 6.17);
 * - the throttle table: every throttle's keys are scenario keys, stored in
 *   disjoint slices of the settings area, and round-trip through JSON;
 * - cg_run_nowait(): the child is born in its cgroup (root and cgroup2).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup/cg.h"
#include "harness/util.h"
#include "tests/test_util.h"
#include "workloads/probes.h"
#include "workloads/scenario.h"
#include "workloads/shared.h"
#include "workloads/throttle.h"

#define MS NSEC_PER_MSEC
#define BLOCK_AT 50	/* the sleepy probe's sample 50 (due t0 + 500 ms) never returns */

struct sleepy {
	int n;
};

static int sleepy_setup(const struct probe_env *env, void **state, char *err, size_t errlen)
{
	(void)env;
	(void)err;
	(void)errlen;
	*state = calloc(1, sizeof(struct sleepy));
	return *state ? 0 : -ENOMEM;
}

static int sleepy_sample(void *state)
{
	struct sleepy *s = state;

	if (s->n++ == BLOCK_AT)
		sleep(60);	/* stuck, as on a lock held across throttled I/O */
	return 0;
}

static int quick_sample(void *state)
{
	(void)state;
	return 0;
}

static void free_teardown(void *state)
{
	free(state);
}

static const struct probe_ops sleepy_ops = { .name = "sleepy", .op = "blocks on its 51st sample",
					     .setup = sleepy_setup, .sample = sleepy_sample,
					     .teardown = free_teardown };
static const struct probe_ops quick_ops = { .name = "quick", .op = "returns at once", .setup = sleepy_setup,
					    .sample = quick_sample, .teardown = free_teardown };

static void test_censored_stuck_probe(void)
{
	const struct probe_ops *const list[] = { &sleepy_ops, &quick_ops };
	struct probe_plan plan[2] = { { true, 10 * MS, 1 }, { true, 10 * MS, 1 } };
	struct probe_env env = { 0 };
	struct run_shared *sh;
	uint64_t stop, added, last_due, first_stuck;
	struct probe_record *rec;
	int status;
	pid_t pid;

	TEST_CONTEXT("censored: a probe stuck past the end");
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!CHECK(sh != MAP_FAILED))
		return;
	pid = fork();
	if (pid == 0)
		_exit(probes_run(list, 2, plan, &env, sh));
	while (!shared_load(&sh->hi_ready))
		shared_wait(&sh->hi_ready, 0, 100 * MS);
	/* warm-up 200 ms, window 1 s: 100 samples due in it per probe */
	sh->t0_ns = now_ns() + 50 * MS;
	sh->measure_start_ns = sh->t0_ns + 200 * MS;
	sh->measure_end_ns = sh->measure_start_ns + 1000 * MS;
	shared_store(&sh->go, 1);
	/* as the driver: wait the grace after the end, then kill what has not finished */
	sleep_until_ns(sh->measure_end_ns + 300 * MS);
	CHECK_INT(0, waitpid(pid, &status, WNOHANG));	/* still stuck */
	stop = now_ns();
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	added = probe_plan_censor(plan, 2, sh, stop);

	/* sleepy: samples 20..49 done in the window, 50 in flight, 51..119 never started */
	rec = &sh->probes[0][0];
	first_stuck = sh->t0_ns + BLOCK_AT * 10 * MS;
	last_due = sh->t0_ns + 119 * 10 * MS;
	CHECK_U64(70, added);
	CHECK_U64(70, rec->censored);
	CHECK_U64(100, rec->corrected.count);	/* every sample due in the window is in the histogram */
	CHECK_U64(30, rec->service.count);	/* only completed ones have a service time */
	CHECK_U64(stop - last_due, rec->censored_min_ns);
	CHECK_U64(stop - first_stuck, rec->corrected.max_ns);	/* the stuck one waited longest */
	CHECK(rec->corrected.max_ns > 1000 * MS);
	CHECK_U64(0, rec->unfinished_due_ns);
	/* quick finished every sample: nothing censored */
	rec = &sh->probes[1][0];
	CHECK_U64(0, rec->censored);
	CHECK_U64(100, rec->corrected.count);
	CHECK_U64(0, rec->unfinished_due_ns);
	/* merged per probe: count adds up, the least wait is kept */
	{
		struct probe_record m = { 0 };

		hist_init(&m.corrected);
		hist_init(&m.service);
		probe_record_merge(&m, &sh->probes[0][0]);
		probe_record_merge(&m, &sh->probes[1][0]);
		CHECK_U64(70, m.censored);
		CHECK_U64(stop - last_due, m.censored_min_ns);
	}
	munmap(sh, sizeof(*sh));
	TEST_CONTEXT_CLEAR();
}

/* The accounting alone: stuck since the warm-up, and killed between two samples. */
static void test_censor_edges(void)
{
	struct probe_plan plan[1] = { { true, 10 * MS, 2 } };
	struct run_shared *sh = xcalloc(1, sizeof(*sh));
	uint64_t stop;

	TEST_CONTEXT("censored: edges");
	sh->t0_ns = 1000 * MS;
	sh->measure_start_ns = 2000 * MS;
	sh->measure_end_ns = 3000 * MS;
	stop = 3500 * MS;
	/* thread 0 stuck on a warm-up sample: only the 100 due in the window count */
	sh->probes[0][0].unfinished_due_ns = 1500 * MS;
	/* thread 1 (phase 5 ms) finished its last sample: nothing */
	sh->probes[0][1].unfinished_due_ns = 0;
	CHECK_U64(100, probe_plan_censor(plan, 1, sh, stop));
	CHECK_U64(100, sh->probes[0][0].censored);
	CHECK_U64(500 * MS + 10 * MS, sh->probes[0][0].censored_min_ns);	/* last due 2990 ms */
	CHECK_U64(1500 * MS, sh->probes[0][0].corrected.max_ns);		/* first due 2000 ms */
	CHECK_U64(0, sh->probes[0][1].censored);
	/* nothing in flight anywhere: nothing added, and twice is harmless */
	CHECK_U64(0, probe_plan_censor(plan, 1, sh, stop));
	free(sh);
	TEST_CONTEXT_CLEAR();
}

static const struct probe_ops *probe(const char *name)
{
	int i = probe_index(name);

	return i >= 0 ? probe_list[i] : NULL;
}

static void test_probe_locks(void)
{
	struct probe_kernel old = { 0 }, new = { 1 }, unknown = { -1 };
	char what[512];

	TEST_CONTEXT("probe locks per kernel");
	if (!CHECK(probe("maps") && probe("ps") && probe("cmdline") && probe("status") && probe("io")))
		return;
	probe_what(probe("maps"), &old, what, sizeof(what));
	CHECK_STR("read all of /proc/<lo>/maps (mmap_read_lock_killable of lo's mm)", what);
	CHECK_STR("lo", probe_lock_on(probe("maps"), &old).of);
	probe_what(probe("maps"), &new, what, sizeof(what));
	CHECK_STR("read all of /proc/<lo>/maps (per-VMA lock, RCU (no mmap_lock wait))", what);
	CHECK_STR("none", probe_lock_on(probe("maps"), &new).of);
	probe_what(probe("maps"), &unknown, what, sizeof(what));
	CHECK(strstr(what, "before 6.17") && strstr(what, "from 6.17"));
	/* cmdline (and so ps) take lo's mmap_lock on every kernel so far */
	CHECK_STR("lo", probe_lock_on(probe("cmdline"), &new).of);
	CHECK_STR("lo", probe_lock_on(probe("ps"), &new).of);
	probe_what(probe("ps"), &new, what, sizeof(what));
	CHECK(strstr(what, "stat, status and cmdline") && strstr(what, "mmap_lock"));
	probe_what(probe("status"), NULL, what, sizeof(what));
	CHECK_STR("read /proc/<lo>/status (no mmap_lock: the noise floor)", what);
	CHECK(probe("status")->control);
	/* a probe declares what it needs of the kernel */
	CHECK_STR("io_uring", probe("io")->needs[0]);
	TEST_CONTEXT_CLEAR();
}

/* Every throttle's keys are scenario keys, each in its own slice of the settings area. */
static void test_throttle_table(void)
{
	static const char *const known[] = { "none", "auto", "io.max", "io.latency", "io.cost", "cpu.max" };
	size_t t, u, k, end_t;
	struct scenario sc;
	char err[512];
	json_t *j;

	TEST_CONTEXT("throttle table");
	/* the ones scenarios and docs name are registered; a new one needs no edit here */
	for (t = 0; t < ARRAY_SIZE(known); t++)
		if (!CHECK(throttle_find(known[t]) != NULL))
			fprintf(stderr, "throttle %s not registered\n", known[t]);
	for (t = 0; t < throttle_count(); t++) {
		const struct throttle_ops *ops = throttle_at(t);

		CHECK(throttle_find(ops->name) == ops);
		CHECK(ops->apply != NULL);
		end_t = throttle_settings_offset(ops) + ops->settings_size;
		CHECK(end_t <= sizeof(struct scenario));
		for (u = t + 1; u < throttle_count(); u++)
			CHECK(throttle_settings_offset(throttle_at(u)) >= end_t);
		for (k = 0; k < ops->nr_keys; k++) {
			const struct scenario_key *key = scenario_key_find(ops->keys[k].name);

			if (CHECK(key != NULL))
				CHECK_U64(throttle_settings_offset(ops) + ops->keys[k].offset, key->offset);
		}
	}
	/* the keys keep their names and defaults, in results too */
	scenario_defaults(&sc);
	CHECK_INT(0, scenario_set(&sc, "io-max-wbps", "4M", err, sizeof(err)));
	CHECK_INT(0, scenario_set(&sc, "cpu-max-quota", "7ms", err, sizeof(err)));
	j = scenario_to_json(&sc);
	CHECK_INT(100, json_integer_value(json_object_get(j, "io_max_riops")));
	CHECK_INT(4 << 20, json_integer_value(json_object_get(j, "io_max_wbps_bytes")));
	CHECK_INT(7 * MS, json_integer_value(json_object_get(j, "cpu_max_quota_ns")));
	CHECK_INT(5 * MS, json_integer_value(json_object_get(j, "io_latency_target_ns")));
	CHECK_INT(10000, json_integer_value(json_object_get(j, "io_weight_hi")));
	CHECK_STR("auto", json_string_value(json_object_get(j, "throttle")));
	json_decref(j);
	/* a throttle's own validation: io.max needs a limit */
	CHECK_INT(0, scenario_set(&sc, "throttle", "io.max", err, sizeof(err)));
	CHECK_STR("io.max", throttle_of(&sc)->name);
	CHECK_INT(0, scenario_validate(&sc, err, sizeof(err)));
	scenario_set(&sc, "io-max-riops", "0", err, sizeof(err));
	scenario_set(&sc, "io-max-rbps", "0", err, sizeof(err));
	scenario_set(&sc, "io-max-wbps", "0", err, sizeof(err));
	CHECK_INT(-EINVAL, scenario_validate(&sc, err, sizeof(err)));
	CHECK(strstr(err, "--throttle io.max needs at least one non-zero --io-max-* limit"));
	/* controllers: cpu.max adds cpu */
	CHECK_INT(0, scenario_set(&sc, "throttle", "cpu.max", err, sizeof(err)));
	CHECK_STR("cpu", throttle_controllers(&sc)[2]);
	CHECK_INT(0, scenario_set(&sc, "throttle", "io.cost", err, sizeof(err)));
	CHECK(throttle_controllers(&sc)[2] == NULL);
	TEST_CONTEXT_CLEAR();
}

static int in_own_cgroup(void *arg)
{
	const char *name = arg;
	char *text = NULL;
	int ok;

	if (read_file("/proc/self/cgroup", &text, NULL))
		return 3;
	ok = strstr(text, name) != NULL;
	free(text);
	return ok ? 0 : 4;
}

static void test_run_nowait(void)
{
	char mount[512], path[600], name[64];
	int status = -1;
	pid_t pid;

	TEST_CONTEXT("cg_run_nowait");
	if (geteuid() || cg_find_mount(mount, sizeof(mount))) {
		fprintf(stderr, "cg_run_nowait: not root or no cgroup2: not tested\n");
		return;
	}
	snprintf(name, sizeof(name), "/mmstall-test-%d", (int)getpid());
	snprintf(path, sizeof(path), "%s%s", mount, name);
	if (mkdir(path, 0755)) {
		fprintf(stderr, "cg_run_nowait: cannot create %s: %s: not tested\n", path, strerror(errno));
		return;
	}
	pid = cg_run_nowait(path, in_own_cgroup, name + 1);
	CHECK(pid > 0);
	if (pid > 0)
		waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status));
	CHECK_INT(0, WEXITSTATUS(status));	/* it saw itself in the group from its first instruction */
	/* no group: a plain child, in ours */
	pid = cg_run_nowait(NULL, in_own_cgroup, "0::");
	CHECK(pid > 0);
	if (pid > 0)
		waitpid(pid, &status, 0);
	CHECK_INT(0, WEXITSTATUS(status));
	/* a group that does not exist: an error, no child left */
	CHECK(cg_run_nowait("/nonexistent/cgroup", in_own_cgroup, name + 1) < 0);
	CHECK(rmdir(path) == 0);
	TEST_CONTEXT_CLEAR();
}

int main(void)
{
	test_censored_stuck_probe();
	test_censor_edges();
	test_probe_locks();
	test_throttle_table();
	test_run_nowait();
	return test_summary();
}
