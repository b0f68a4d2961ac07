// SPDX-License-Identifier: GPL-2.0
/*
 * Children reaped by their parent (struct proc_kid, harness/proc.h), as the
 * scenario driver and fio use them for cg_run_nowait() children:
 * - an exit is noticed at once (pidfd), with its status, and reaped;
 * - a deadline ends the wait and leaves the child held;
 * - SIGKILL and reap, with or without a limit, of one child or its group.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup/cg.h"
#include "harness/proc.h"
#include "harness/util.h"
#include "tests/test_util.h"

static int sleep_then_exit(void *arg)
{
	int ms = *(int *)arg;

	usleep(ms * 1000);
	return 3;
}

static void start(struct proc_kid *k, int *ms)
{
	pid_t pid = cg_run_nowait(NULL, sleep_then_exit, ms);

	CHECK(pid > 0);
	proc_kid_set(k, pid);
	CHECK_INT(-1, k->status);
}

static void test_exit_noticed(void)
{
	struct proc_kid k = PROC_KID_NONE;
	int ms = 100;
	uint64_t t0 = now_ns();

	TEST_CONTEXT("exit");
	start(&k, &ms);
	CHECK(!proc_kid_gone(&k));
	/* a 10 s deadline, but the child's exit after 100 ms wakes us */
	CHECK(proc_kid_reap(&k, t0 + 10 * NSEC_PER_SEC));
	CHECK(now_ns() - t0 < 3 * NSEC_PER_SEC);
	CHECK(WIFEXITED(k.status));
	CHECK_INT(3, WEXITSTATUS(k.status));
	CHECK_INT(0, k.pid);
	CHECK_INT(-1, k.pidfd);
	/* no child: gone, nothing to kill */
	CHECK(proc_kid_gone(&k));
	CHECK(proc_kid_kill(&k, false, NSEC_PER_SEC));
	TEST_CONTEXT_CLEAR();
}

static void test_deadline_and_kill(void)
{
	struct proc_kid a = PROC_KID_NONE, b = PROC_KID_NONE;
	struct proc_kid *both[2] = { &a, &b };
	int ms = 60 * 1000;
	uint64_t t0 = now_ns();
	pid_t pid;

	TEST_CONTEXT("deadline");
	start(&a, &ms);
	start(&b, &ms);
	CHECK(!proc_kid_reap(&a, t0 + 200 * NSEC_PER_MSEC));
	CHECK(now_ns() - t0 >= 200 * NSEC_PER_MSEC);
	CHECK(a.pid > 0);	/* still held */
	t0 = now_ns();
	proc_kid_pause(both, 2, t0 + 100 * NSEC_PER_MSEC);
	CHECK(now_ns() - t0 >= 90 * NSEC_PER_MSEC);
	pid = a.pid;
	CHECK(proc_kid_kill(&a, false, 10 * NSEC_PER_SEC));
	CHECK(WIFSIGNALED(a.status) && WTERMSIG(a.status) == SIGKILL);
	CHECK_INT(0, a.pid);
	CHECK(kill(pid, 0) < 0);	/* reaped: no zombie left */
	/* its own process group, killed without limit (a blocking wait) */
	CHECK_INT(0, setpgid(b.pid, b.pid));
	CHECK(proc_kid_kill(&b, true, 0));
	CHECK(WIFSIGNALED(b.status) && WTERMSIG(b.status) == SIGKILL);
	CHECK_INT(-1, b.pidfd);
	TEST_CONTEXT_CLEAR();
}

int main(void)
{
	test_exit_noticed();
	test_deadline_and_kill();
	return test_summary();
}
