// SPDX-License-Identifier: GPL-2.0
/*
 * Stall attribution (harness/attrib.c): the trace parser and the chain
 * matching on hand-made traces (one chain, nested readers, a writer that
 * never got the lock, a holder spanning the window's end, lost events,
 * a write hold downgraded), then the parser and the analysis on a trace
 * captured from a real Debian 6.1 guest with a deliberately small buffer
 * (tests/fixtures/trace/).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/attrib.h"
#include "harness/util.h"
#include "test_util.h"

#define MS NSEC_PER_MSEC
#define S NSEC_PER_SEC

/* Task ids: lo is tgid 10 (faulters 11, 13, 14, writer 12), hi is tgid 20 (maps 21, cmdline 22). */
struct task {
	const char *comm;
	int pid, tgid;
};
static const struct task F1 = { "mmstall-lo", 11, 10 }, W = { "mmstall-lo", 12, 10 }, F2 = { "mmstall-lo", 13, 10 },
			 F3 = { "mmstall-lo", 14, 10 }, MAPS = { "mmstall-hi", 21, 20 },
			 CMDL = { "mmstall-hi", 22, 20 };

static const char *const FAULT[] = { "trace_event_raw_event_mmap_lock_acquire_returned",
				     "__mmap_lock_do_trace_acquire_returned", "lock_mm_and_find_vma",
				     "do_user_addr_fault", "exc_page_fault", "asm_exc_page_fault", NULL };
/* 7.x names its tracing helper differently: __do_trace_<event> */
static const char *const FAULT7[] = { "__do_trace_mmap_lock_acquire_returned", "lock_mm_and_find_vma",
				      "do_user_addr_fault", "exc_page_fault", "asm_exc_page_fault", NULL };
static const char *const MPROTECT[] = { "__mmap_lock_do_trace_start_locking", "down_write_killable",
					"do_mprotect_pkey", "__x64_sys_mprotect", "do_syscall_64", NULL };
static const char *const MUNMAP[] = { "__mmap_lock_do_trace_acquire_returned", "__vm_munmap", "__x64_sys_munmap",
				      "do_syscall_64", NULL };
static const char *const MAPSREAD[] = { "__mmap_lock_do_trace_acquire_returned", "m_start", "seq_read_iter",
					"seq_read", "vfs_read", "ksys_read", "do_syscall_64", NULL };
static const char *const CMDLREAD[] = { "__mmap_lock_do_trace_acquire_returned", "__access_remote_vm",
					"get_mm_cmdline", "proc_pid_cmdline_read", "vfs_read", NULL };
static const char *const DIRTY[] = { "trace_event_raw_event_sched_switch", "__traceiter_sched_switch",
				     "__schedule", "schedule", "schedule_timeout", "io_schedule_timeout",
				     "balance_dirty_pages", "balance_dirty_pages_ratelimited_flags",
				     "fault_dirty_shared_page", "do_shared_fault", "do_fault", "__handle_mm_fault",
				     "handle_mm_fault", "do_user_addr_fault", "exc_page_fault", NULL };
static const char *const FOLIO[] = { "__schedule", "schedule", "io_schedule", "folio_wait_bit_common",
				     "filemap_fault", "__do_fault", "do_fault", NULL };

static struct attrib_trace *T;

static void line(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	attrib_trace_line(T, buf);
}

static void stack(const struct task *k, int cpu, uint64_t ns, const char *const *frames)
{
	line("%16s-%-7d (%7d) [%03d] ..... %6llu.%06llu: <stack trace>\n", k->comm, k->pid, k->tgid, cpu,
	     (unsigned long long)(ns / S), (unsigned long long)(ns % S / 1000));
	for (; *frames; frames++)
		line(" => %s\n", *frames);
}

static void lockev(const struct task *k, int cpu, uint64_t ns, const char *ev, bool write, const char *const *st)
{
	line("%16s-%-7d (%7d) [%03d] ..... %6llu.%06llu: mmap_lock_%s: mm=ffff88810a2b3c00 memcg_path=/m/lo "
	     "write=%s%s\n",
	     k->comm, k->pid, k->tgid, cpu, (unsigned long long)(ns / S), (unsigned long long)(ns % S / 1000), ev,
	     write ? "true" : "false", !strcmp(ev, "acquire_returned") ? " success=true" : "");
	if (st)
		stack(k, cpu, ns + 1000, st);
}

#define START(k, ns, w, st) lockev(&(k), 0, (ns), "start_locking", (w), (st))
#define ACQ(k, ns, w, st) lockev(&(k), 0, (ns), "acquire_returned", (w), (st))
#define REL(k, ns, w) lockev(&(k), 0, (ns), "released", (w), NULL)

/* k leaves the CPU at out (state, stack) and comes back at in */
static void sleep_in(const struct task *k, uint64_t out, uint64_t in, const char *state, const char *const *st)
{
	line("%16s-%-7d (%7d) [001] d..2. %6llu.%06llu: sched_switch: prev_comm=%s prev_pid=%d prev_prio=120 "
	     "prev_state=%s ==> next_comm=swapper/1 next_pid=0 next_prio=120\n",
	     k->comm, k->pid, k->tgid, (unsigned long long)(out / S), (unsigned long long)(out % S / 1000), k->comm,
	     k->pid, state);
	stack(k, 1, out + 1000, st);
	line("          <idle>-0       (-------) [001] d..2. %6llu.%06llu: sched_switch: prev_comm=swapper/1 "
	     "prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=%s next_pid=%d next_prio=120\n",
	     (unsigned long long)(in / S), (unsigned long long)(in % S / 1000), k->comm, k->pid);
}

static struct attrib_params params(uint64_t ws, uint64_t we)
{
	return (struct attrib_params){ .window_start_ns = ws, .window_end_ns = we, .min_ns = 5 * MS, .lo_tgid = 10,
				       .hi_tgid = 20, .kernel_release = "6.1.0-56-cloud-amd64" };
}

static struct attrib_result *analyse(const struct attrib_params *p)
{
	struct attrib_result *r = NULL;

	CHECK_INT(0, attrib_analyse(T, p, &r));
	return r;
}

static bool frames_have(const char *const *f, unsigned int n, const char *name)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!strcmp(f[i], name))
			return true;
	return false;
}

/* A faulter asleep in balance_dirty_pages holding read, mprotect queued, maps behind both. */
static void test_one_chain(void)
{
	struct attrib_params p = params(500 * MS, 2 * S);
	struct attrib_result *r;
	const struct attrib_chain *c;
	json_t *j;

	snprintf(test_ctx, sizeof(test_ctx), "one chain");
	T = attrib_trace_new();
	START(F1, 1000 * MS, false, NULL);
	ACQ(F1, 1000 * MS, false, FAULT7);
	sleep_in(&F1, 1001 * MS, 1100 * MS, "D", DIRTY);
	START(W, 1002 * MS, true, MPROTECT);
	START(MAPS, 1003 * MS, false, NULL);
	REL(F1, 1101 * MS, false);
	ACQ(W, 1101 * MS, true, MPROTECT);
	REL(W, 1102 * MS, true);
	ACQ(MAPS, 1102 * MS, false, MAPSREAD);
	REL(MAPS, 1103 * MS, false);
	/* a short wait: counted, not kept */
	START(CMDL, 1200 * MS, false, NULL);
	ACQ(CMDL, 1201 * MS, false, CMDLREAD);
	REL(CMDL, 1202 * MS, false);
	r = analyse(&p);

	CHECK_U64(2, r->total.waits);
	CHECK_U64(1, r->total.waits_over);
	CHECK_U64(99 * MS, r->total.wait_ns);
	CHECK_U64(99 * MS, r->total.explained_ns);
	CHECK_U64(1, r->probe[0].waits_over);	/* maps */
	CHECK_U64(1, r->probe[2].waits);	/* cmdline */
	CHECK_U64(0, r->probe[2].waits_over);
	CHECK_U64(1, r->n_chains);
	c = &r->chains[0];
	CHECK_STR("maps", c->probe);
	CHECK_INT(21, c->tid);
	CHECK(c->has_writer && c->writer_tid == 12 && c->writer_acquired);
	CHECK_STR("mprotect", c->writer_call);
	CHECK(c->has_holder);
	CHECK_INT(11, c->holder.tid);
	CHECK_STR("lo", c->holder.thread);
	CHECK(!c->holder.write);
	CHECK_STR("page fault", c->holder.call);
	CHECK_INT(ATTRIB_SLEEPING, c->holder.state);
	CHECK(c->holder.n_frames >= 3);
	if (c->holder.n_frames >= 3) {
		CHECK_STR("balance_dirty_pages", c->holder.frames[0]);
		CHECK_STR("fault_dirty_shared_page", c->holder.frames[2]);
	}
	CHECK_U64(101 * MS, c->holder.held_ns);
	CHECK_U64(97 * MS, c->holder.off_cpu_ns);
	CHECK_U64(98 * MS, c->holder.charged_ns);	/* 97 asleep + 1 on CPU after waking */
	/* blame: the sleep first, then the faulter on CPU, then mprotect holding write */
	CHECK(r->n_holders == 3);
	/* the faulter on CPU: where it took the lock, the tracing helper cut off */
	CHECK_STR("lock_mm_and_find_vma", r->n_holders > 1 && r->holders[1].n_frames ? r->holders[1].frames[0] : "");
	CHECK_U64(97 * MS, r->holders[0].stall_ns);
	CHECK_INT(ATTRIB_SLEEPING, r->holders[0].state);
	CHECK_STR("balance_dirty_pages", r->holders[0].n_frames ? r->holders[0].frames[0] : "");
	CHECK_U64(1, r->holders[0].waits);
	CHECK_U64(1, r->holders[0].holds);
	CHECK_U64(97 * MS, r->holders[0].probe_ns[0]);
	CHECK(r->n_writers == 1);
	CHECK_STR("mprotect", r->writers[0].call);
	CHECK_U64(98 * MS, r->writers[0].stall_ns);	/* queued from 1003 to 1101 */
	CHECK_U64(1, r->writers[0].requests);
	CHECK_U64(99 * MS, r->writers[0].max_queued_ns);
	/* holds of lo over 5 ms: the faulter's */
	CHECK_U64(1, r->holds_over);
	CHECK_U64(2, r->holds_total);
	CHECK(r->n_holds == 1 && r->holds[0].state == ATTRIB_SLEEPING);

	j = attrib_to_json(T, r, &p);
	CHECK(j != NULL);
	if (j) {
		CHECK_STR("ok", json_string_value(json_object_get(j, "status")));
		CHECK_DBL(1.0, json_real_value(json_object_get(json_object_get(j, "total"), "explained_share")), 1e-9);
		CHECK_STR("balance_dirty_pages",
			  json_string_value(json_array_get(
				  json_object_get(json_array_get(json_object_get(j, "holders"), 0), "frames"), 0)));
		CHECK_DBL(0.503, json_real_value(json_object_get(json_array_get(json_object_get(j, "chains"), 0), "t_s")),
			  1e-9);
		CHECK_INT(97 * MS, json_integer_value(json_object_get(
					   json_object_get(json_array_get(json_object_get(j, "holders"), 0), "probes_ns"),
					   "maps")));
		json_decref(j);
	}
	attrib_result_free(r);
	attrib_trace_free(T);
}

/*
 * Nested readers: two faulters hold read at once while mprotect queues; the
 * maps reader is charged to the one released last.  A third faulter takes
 * read twice (a recursive read) and releases twice.
 */
static void test_nested_readers(void)
{
	struct attrib_params p = params(500 * MS, 2 * S);
	struct attrib_result *r;

	snprintf(test_ctx, sizeof(test_ctx), "nested readers");
	T = attrib_trace_new();
	ACQ(F1, 1000 * MS, false, FAULT);	/* a trylock: no start_locking */
	START(F2, 1010 * MS, false, NULL);
	ACQ(F2, 1010 * MS, false, FAULT);
	sleep_in(&F2, 1011 * MS, 1079 * MS, "D", FOLIO);
	START(W, 1020 * MS, true, MPROTECT);
	START(MAPS, 1030 * MS, false, NULL);
	REL(F1, 1050 * MS, false);
	REL(F2, 1080 * MS, false);
	ACQ(W, 1080 * MS + 200000, true, MPROTECT);	/* 0.2 ms to wake the writer */
	REL(W, 1080 * MS + 500000, true);
	ACQ(MAPS, 1081 * MS, false, MAPSREAD);
	REL(MAPS, 1082 * MS, false);
	/* recursive read by F3 */
	ACQ(F3, 1300 * MS, false, FAULT);
	ACQ(F3, 1301 * MS, false, FAULT);
	REL(F3, 1302 * MS, false);
	REL(F3, 1310 * MS, false);
	r = analyse(&p);

	CHECK_U64(1, r->n_chains);
	CHECK_U64(51 * MS, r->chains[0].wait_ns);
	CHECK_INT(13, r->chains[0].holder.tid);	/* F2, released last, not F1 */
	CHECK_U64(50 * MS, r->chains[0].holder.charged_ns);
	CHECK_INT(ATTRIB_SLEEPING, r->chains[0].holder.state);
	CHECK(r->chains[0].holder.n_frames && !strcmp(r->chains[0].holder.frames[0], "folio_wait_bit_common"));
	/*
	 * 50 ms by F2 (49 asleep, 1 on CPU), 0.2 ms behind the writer the lock
	 * was handed to while it woke (charged to it, state queued), 0.3 ms its
	 * hold, 0.5 ms free (the maps reader's own wake-up)
	 */
	CHECK_U64(50500 * 1000, r->total.explained_ns);
	CHECK_U64(0, r->total.un.handoff_ns);
	CHECK_U64(500 * 1000, r->total.un.lock_free_ns);
	{
		size_t i, q = 0;

		for (i = 0; i < r->n_holders; i++)
			if (r->holders[i].state == ATTRIB_QUEUED) {
				q++;
				CHECK_U64(200 * 1000, r->holders[i].stall_ns);
				CHECK_STR("mprotect", r->holders[i].call ?: "");
				CHECK(r->holders[i].write);
			}
		CHECK_U64(1, q);
	}
	CHECK_U64(0, r->total.un.unseen_holder_ns);
	CHECK_U64(0, r->release_without_acquire);
	CHECK_U64(0, r->acquire_without_release);
	/* the recursive read: one outer hold of 10 ms (over the threshold), one inner of 1 ms */
	CHECK_U64(5, r->holds_total);	/* lo's: F1, F2, the writer, F3 twice */
	CHECK_U64(3, r->holds_over);	/* F1 50 ms, F2 70 ms, F3's outer 10 ms */
	CHECK_U64(70 * MS, r->holds[0].held_ns);
	CHECK_U64(10 * MS, r->holds[2].held_ns);
	CHECK_INT(14, r->holds[2].tid);
	attrib_result_free(r);
	attrib_trace_free(T);
}

/* A writer that never gets the lock, a reader and a hold still pending when tracing stops. */
static void test_writer_never_acquired(void)
{
	struct attrib_params p = params(500 * MS, 1100 * MS);
	struct attrib_result *r;
	const struct attrib_chain *c;

	snprintf(test_ctx, sizeof(test_ctx), "writer never acquired");
	T = attrib_trace_new();
	START(F1, 1000 * MS, false, NULL);
	ACQ(F1, 1000 * MS, false, FAULT);
	sleep_in(&F1, 1005 * MS, 1150 * MS, "D", DIRTY);
	START(W, 1020 * MS, true, MPROTECT);
	START(CMDL, 1030 * MS, false, NULL);
	p.trace_end_ns = 1200 * MS;
	r = analyse(&p);

	CHECK_U64(1, r->n_chains);
	c = &r->chains[0];
	CHECK(c->open);
	CHECK_U64(170 * MS, c->wait_ns);	/* to the end of the trace */
	CHECK_STR("unknown", c->probe);		/* no stack until it gets the lock */
	CHECK(c->has_writer && !c->writer_acquired);
	CHECK_STR("mprotect", c->writer_call);	/* from the stack of its start_locking */
	CHECK_U64(180 * MS, c->writer_queued_ns);
	CHECK(c->holder.open);
	CHECK_U64(200 * MS, c->holder.held_ns);
	CHECK_U64(170 * MS, c->explained_ns);
	CHECK(r->n_writers == 1 && r->writers[0].never_acquired == 1);
	CHECK_U64(1, r->acquire_without_release);
	/* time charged: asleep 1030-1150, on CPU 1150-1200 */
	CHECK(r->n_holders == 2);
	CHECK_U64(120 * MS, r->holders[0].stall_ns);
	CHECK_INT(ATTRIB_RUNNING, r->holders[1].state);
	CHECK_U64(50 * MS, r->holders[1].stall_ns);
	attrib_result_free(r);
	attrib_trace_free(T);
}

/*
 * A hold spanning the window's end: the wait that starts in the window
 * counts, and so does the one after it (a late sample due in the window:
 * the drain), while a wait in the warm-up does not.
 */
static void test_hold_spans_window_end(void)
{
	struct attrib_params p = params(500 * MS, 1200 * MS);
	struct attrib_result *r;

	snprintf(test_ctx, sizeof(test_ctx), "hold spans the window's end");
	T = attrib_trace_new();
	START(MAPS, 400 * MS, false, NULL);	/* warm-up */
	ACQ(MAPS, 410 * MS, false, MAPSREAD);
	REL(MAPS, 411 * MS, false);
	ACQ(F1, 1000 * MS, false, FAULT);
	sleep_in(&F1, 1001 * MS, 1499 * MS, "D", DIRTY);
	START(W, 1050 * MS, true, MPROTECT);
	START(MAPS, 1100 * MS, false, NULL);
	START(CMDL, 1300 * MS, false, NULL);
	REL(F1, 1500 * MS, false);
	ACQ(W, 1500 * MS, true, MPROTECT);
	REL(W, 1501 * MS, true);
	ACQ(MAPS, 1501 * MS, false, MAPSREAD);
	ACQ(CMDL, 1501 * MS, false, CMDLREAD);
	REL(MAPS, 1502 * MS, false);
	REL(CMDL, 1502 * MS, false);
	r = analyse(&p);

	CHECK_U64(2, r->total.waits);
	CHECK_U64(1, r->drain_waits);
	CHECK_U64(602 * MS, r->total.wait_ns);
	CHECK_U64(500 * MS, r->chains[0].holder.held_ns);
	CHECK(!r->chains[0].holder.open);
	CHECK_U64(602 * MS, r->total.explained_ns);
	CHECK_U64(1, r->holds_over);
	attrib_result_free(r);
	attrib_trace_free(T);
}

/*
 * Lost events: CPU 1's oldest events were overwritten (its first event is
 * late), F1's acquisition is gone (a release without an acquire: held since
 * the trace's start), and for a while a writer queues with no visible hold.
 */
static void test_lost_events(void)
{
	struct attrib_params p = params(500 * MS, 2 * S);
	struct attrib_result *r;
	const struct attrib_chain *c;

	snprintf(test_ctx, sizeof(test_ctx), "lost events");
	T = attrib_trace_new();
	line("# tracer: nop\n");
	START(MAPS, 1000 * MS, false, NULL);
	line("##### CPU 1 buffer started ####\n");
	sleep_in(&F1, 1010 * MS, 1090 * MS, "D", DIRTY);	/* on CPU 1: its first event */
	REL(F1, 1100 * MS, false);
	ACQ(MAPS, 1101 * MS, false, MAPSREAD);
	REL(MAPS, 1102 * MS, false);
	START(W, 1200 * MS, true, MPROTECT);
	START(CMDL, 1210 * MS, false, NULL);
	line("CPU:0 [LOST 17 EVENTS]\n");	/* the hold the writer waited for was lost */
	ACQ(W, 1250 * MS, true, MPROTECT);
	REL(W, 1251 * MS, true);
	ACQ(CMDL, 1251 * MS, false, CMDLREAD);
	REL(CMDL, 1252 * MS, false);
	r = analyse(&p);

	CHECK_U64(1010 * MS, r->complete_from_ns);
	CHECK_U64(1, r->release_without_acquire);
	CHECK_U64(2, r->n_chains);
	c = &r->chains[0];	/* maps, 101 ms */
	CHECK_STR("maps", c->probe);
	CHECK(c->in_lost_part);
	CHECK(c->holder.acquire_lost);
	CHECK(c->holder.call == NULL);
	CHECK_U64(1000 * MS, c->t_ns);
	/* 80 ms asleep in a named place, 20 ms on CPU with no acquisition stack: no path */
	CHECK_U64(80 * MS, c->explained_ns);
	c = &r->chains[1];	/* cmdline, 41 ms: 40 with a queued writer and no visible hold */
	CHECK_STR("cmdline", c->probe);
	CHECK(c->in_lost_part);	/* a LOST marker lies in it */
	CHECK_U64(40 * MS, r->probe[2].un.unseen_holder_ns);
	CHECK_U64(1 * MS, r->probe[2].explained_ns);
	CHECK_U64(20 * MS, r->total.un.no_path_ns);
	{
		struct attrib_trace_counts tc;

		attrib_trace_counts(T, &tc);
		CHECK_U64(1, tc.cpu_restarts);
		CHECK_U64(1, tc.lost_markers);
		CHECK_U64(17, tc.lost_events);
		CHECK_U64(0, tc.unparsed);
	}
	attrib_result_free(r);
	attrib_trace_free(T);
}

/* munmap downgrades its write hold to read (6.1): one write hold, then a read hold. */
static void test_downgrade(void)
{
	struct attrib_params p = params(500 * MS, 2 * S);
	struct attrib_result *r;

	snprintf(test_ctx, sizeof(test_ctx), "downgrade");
	T = attrib_trace_new();
	START(W, 1000 * MS, true, NULL);
	ACQ(W, 1000 * MS, true, MUNMAP);
	START(MAPS, 1001 * MS, false, NULL);
	ACQ(W, 1010 * MS, false, NULL);		/* mmap_write_downgrade() */
	ACQ(MAPS, 1010 * MS, false, MAPSREAD);	/* readers may enter now */
	REL(MAPS, 1011 * MS, false);
	REL(W, 1030 * MS, false);
	r = analyse(&p);

	CHECK_U64(0, r->release_without_acquire);
	CHECK_U64(0, r->acquire_without_release);
	CHECK_U64(2, r->holds_total);
	CHECK_U64(1, r->n_chains);
	CHECK(r->chains[0].holder.write);
	CHECK_STR("munmap", r->chains[0].holder.call);
	CHECK_U64(10 * MS, r->chains[0].holder.held_ns);	/* the write part */
	CHECK_U64(20 * MS, r->holds[0].held_ns);		/* the read part keeps the munmap stack */
	CHECK_STR("munmap", r->holds[0].call);
	CHECK(!r->holds[0].write);
	attrib_result_free(r);
	attrib_trace_free(T);
}

/*
 * A hi probe holding read while another waits behind the writer: its
 * sched_switch shows only when it hands the CPU to one of lo's threads (no
 * stack), which says nothing of where it was: state unknown, no off-CPU time.
 */
static void test_hi_holder(void)
{
	struct attrib_params p = params(500 * MS, 2 * S);
	struct attrib_result *r;

	snprintf(test_ctx, sizeof(test_ctx), "hi holder");
	T = attrib_trace_new();
	ACQ(CMDL, 1000 * MS, false, CMDLREAD);
	line("      mmstall-hi-22      (     20) [000] d..2.     1.005000: sched_switch: prev_comm=mmstall-hi "
	     "prev_pid=22 prev_prio=120 prev_state=S ==> next_comm=mmstall-lo next_pid=11 next_prio=120\n");
	START(W, 1010 * MS, true, MPROTECT);
	START(MAPS, 1020 * MS, false, NULL);
	REL(CMDL, 1050 * MS, false);
	ACQ(W, 1050 * MS, true, MPROTECT);
	REL(W, 1051 * MS, true);
	ACQ(MAPS, 1051 * MS, false, MAPSREAD);
	r = analyse(&p);

	CHECK_U64(1, r->n_chains);
	CHECK_STR("hi", r->chains[0].holder.thread);
	CHECK_STR("/proc/pid/cmdline", r->chains[0].holder.call);
	CHECK_INT(ATTRIB_UNKNOWN_STATE, r->chains[0].holder.state);
	CHECK_U64(0, r->chains[0].holder.off_cpu_ns);
	CHECK_U64(30 * MS, r->chains[0].holder.charged_ns);
	CHECK_U64(31 * MS, r->total.explained_ns);
	CHECK_U64(1, r->holds_total);	/* lo's holds: only the writer's, 1 ms */
	CHECK_U64(0, r->holds_over);
	attrib_result_free(r);
	attrib_trace_free(T);
}

/*
 * A holder preempted in an interrupt: the stack goes through the interrupt
 * entry into the code it interrupted, which is where it was.  On 6.17+ a
 * maps read that falls back to mmap_lock shows lock_next_vma, and compiler
 * suffixes (.isra.0) name the same function.
 */
static void test_preempted(void)
{
	static const char *const IRQ[] = { "__schedule", "preempt_schedule_irq", "irqentry_exit",
					   "asm_sysvec_apic_timer_interrupt", "filemap_map_pages.isra.0",
					   "do_read_fault", "do_fault", NULL };
	static const char *const MAPS617[] = { "__mmap_lock_do_trace_acquire_returned", "lock_next_vma",
					       "proc_get_vma.isra.0", "seq_read_iter", NULL };
	struct attrib_params p = params(500 * MS, 2 * S);
	struct attrib_result *r;

	snprintf(test_ctx, sizeof(test_ctx), "preempted");
	T = attrib_trace_new();
	ACQ(F1, 1000 * MS, false, FAULT);
	sleep_in(&F1, 1001 * MS, 1030 * MS, "R+", IRQ);
	START(W, 1002 * MS, true, MPROTECT);
	START(MAPS, 1003 * MS, false, NULL);
	REL(F1, 1030 * MS, false);
	ACQ(W, 1030 * MS, true, MPROTECT);
	REL(W, 1031 * MS, true);
	ACQ(MAPS, 1031 * MS, false, MAPS617);
	r = analyse(&p);

	CHECK_U64(1, r->probe[0].waits_over);	/* maps, from lock_next_vma */
	CHECK(r->n_holders >= 1);
	CHECK_INT(ATTRIB_PREEMPTED, r->holders[0].state);
	CHECK_U64(27 * MS, r->holders[0].stall_ns);
	CHECK(r->holders[0].n_frames == 3);
	if (r->holders[0].n_frames == 3) {
		CHECK_STR("filemap_map_pages", r->holders[0].frames[0]);
		CHECK_STR("do_fault", r->holders[0].frames[2]);
	}
	attrib_result_free(r);
	attrib_trace_free(T);
}

/* Lines the parser must understand, and lines it must only count. */
static void test_parser_lines(void)
{
	struct attrib_trace_counts c;
	struct attrib_params p = params(0, 10 * S);
	struct attrib_result *r;

	snprintf(test_ctx, sizeof(test_ctx), "parser");
	T = attrib_trace_new();
	/* no tgid column, no flags, a comm with blanks and dashes, 9 decimals, memcg_id (6.14+) */
	attrib_trace_line(T, "  my task-x-31 [000] 1.000000100: mmap_lock_start_locking: mm=0xabc memcg_id=42 write=false\n");
	attrib_trace_line(T, "  my task-x-31 [000] d..1. 1.010000: mmap_lock_acquire_returned: mm=0xabc memcg_id=42 "
			     "write=false success=true\n");
	attrib_trace_line(T, "  my task-x-31 [000] d..1. 1.010001: <stack trace>\n");
	attrib_trace_line(T, " => m_start+0x2c/0x140\n");
	attrib_trace_line(T, " => seq_read_iter+0x11a/0x4a0\n");
	attrib_trace_line(T, "  my task-x-31 [000] d..1. 1.020000: mmap_lock_released: mm=0xabc memcg_id=42 write=false\n");
	/* an event of another kind, a stack whose event was lost, garbage */
	attrib_trace_line(T, "   kworker/0:1-10 [000] ..... 1.1: workqueue_execute_start: work struct 0x0\n");
	attrib_trace_line(T, "   kworker/0:1-10 [001] ..... 1.2: <stack trace>\n");
	attrib_trace_line(T, " => worker_thread\n");
	attrib_trace_line(T, "this is no trace line\n");
	attrib_trace_line(T, "#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION\n");
	attrib_trace_line(T, "\n");
	attrib_trace_counts(T, &c);
	CHECK_U64(12, c.lines);
	CHECK_U64(3, c.lock_events);
	CHECK_U64(1, c.stacks);
	CHECK_U64(1, c.orphan_stacks);
	CHECK_U64(1, c.other_events);
	CHECK_U64(1, c.unparsed);
	p.hi_tgid = 0;	/* by comm: "my task-x" is neither lo nor hi */
	p.lo_tgid = 0;
	r = analyse(&p);
	CHECK_U64(0, r->total.waits);
	CHECK_U64(1, r->mms);
	CHECK_U64(0, r->holds_total);	/* not lo's */
	attrib_result_free(r);
	attrib_trace_free(T);

	/* a hi thread recognised by its comm, without tgids; its probe from the offset-carrying stack */
	T = attrib_trace_new();
	attrib_trace_line(T, "mmstall-hi-5 [000] ..... 1.000000: mmap_lock_start_locking: mm=(____ptrval____) write=false\n");
	attrib_trace_line(T, "mmstall-hi-5 [000] ..... 1.020000: mmap_lock_acquire_returned: mm=(____ptrval____) "
			     "write=false success=true\n");
	attrib_trace_line(T, "mmstall-hi-5 [000] ..... 1.020001: <stack trace>\n");
	attrib_trace_line(T, " => proc_pid_cmdline_read+0x2c/0x140\n");
	r = analyse(&p);
	CHECK_U64(1, r->probe[2].waits_over);
	CHECK_U64(20 * MS, r->total.un.lock_free_ns);	/* nobody held it that we saw */
	attrib_result_free(r);
	attrib_trace_free(T);
}

static void test_limits(void)
{
	json_t *l;

	snprintf(test_ctx, sizeof(test_ctx), "limits per release");
	l = attrib_limits_json("6.1.0-56-cloud-amd64");
	CHECK_U64(1, json_array_size(l));
	json_decref(l);
	l = attrib_limits_json("6.12.117+deb12-cloud-amd64");
	CHECK_U64(2, json_array_size(l));
	json_decref(l);
	l = attrib_limits_json("7.3.4+deb14-cloud-amd64");
	CHECK_U64(3, json_array_size(l));
	CHECK(!strncmp(json_string_value(json_array_get(l, 2)), "maps:", 5));
	json_decref(l);
	l = attrib_unattributable_json("6.12.117+deb12-cloud-amd64");
	CHECK_U64(0, json_object_size(l));
	json_decref(l);
	l = attrib_unattributable_json("6.17.1");
	CHECK(json_is_string(json_object_get(l, "maps")));
	CHECK_U64(1, json_object_size(l));
	json_decref(l);
}

/*
 * A trace captured from a Debian 6.1 guest (dirty-throttle, 3 s window,
 * 160 KiB of ring buffer per CPU: most of the run was overwritten; see the
 * counts header).  The parser must see what grep sees, and the analysis
 * must find the chain the run's own result reported.
 */
static void test_fixture(void)
{
	char path[4096], cmd[4200];
	const char *src = getenv("MMSTALL_SOURCE_DIR");
	struct attrib_trace_counts c;
	struct attrib_params p;
	struct attrib_result *r;
	FILE *f;

	snprintf(test_ctx, sizeof(test_ctx), "fixture");
	snprintf(path, sizeof(path), "%s/tests/fixtures/trace/dirty-throttle-6.1-small-buffer.txt.gz",
		 src ? src : "..");
	snprintf(cmd, sizeof(cmd), "gzip -dc '%s'", path);
	f = popen(cmd, "r");
	CHECK(f != NULL);
	if (!f)
		return;
	T = attrib_trace_new();
	CHECK_INT(0, attrib_trace_read(T, f));
	CHECK_INT(0, pclose(f));
	attrib_trace_counts(T, &c);
#include "fixtures/trace/dirty-throttle-6.1-small-buffer.counts.h"
	CHECK_U64(FIXTURE_LINES, c.lines);
	CHECK_U64(FIXTURE_LOCK_EVENTS, c.lock_events);
	CHECK_U64(FIXTURE_SWITCHES, c.switches);
	CHECK_U64(FIXTURE_STACKS, c.stacks + c.orphan_stacks);
	CHECK(c.orphan_stacks <= 2);	/* only one whose event was overwritten, per CPU */
	CHECK_U64(0, c.unparsed);
	CHECK(c.cpu_restarts >= 1);	/* the small buffer lost the oldest events */

	p = (struct attrib_params){ .window_start_ns = FIXTURE_WINDOW_START_NS,
				    .window_end_ns = FIXTURE_WINDOW_START_NS + 3 * S, .min_ns = 5 * MS,
				    .lo_tgid = FIXTURE_LO_TGID, .hi_tgid = FIXTURE_HI_TGID,
				    .trace_end_ns = 0, .kernel_release = "6.1.0-56-cloud-amd64" };
	r = analyse(&p);
	/* CPU 0's buffer restarted: complete from its first event, 94 ms after the trace's first */
	CHECK_U64(r->first_ns + 94466 * 1000, r->complete_from_ns);
	CHECK_U64(FIXTURE_WAITS_OVER, r->total.waits_over);
	CHECK(r->total.explained_ns * 10 >= r->total.wait_ns * 9);
	CHECK(r->n_chains == 2 && r->chains[0].wait_ns > 4 * S && !r->chains[0].in_lost_part);
	CHECK(r->chains[0].has_writer && !strcmp(r->chains[0].writer_call, "mprotect"));
	CHECK(r->n_holders >= 1);
	if (r->n_holders) {
		CHECK(frames_have(r->holders[0].frames, r->holders[0].n_frames, "balance_dirty_pages"));
		CHECK(frames_have(r->holders[0].frames, r->holders[0].n_frames, "fault_dirty_shared_page"));
		CHECK_STR("page fault", r->holders[0].call);
		CHECK(!r->holders[0].write);
	}
	attrib_result_free(r);
	attrib_trace_free(T);
}

int main(void)
{
	test_one_chain();
	test_nested_readers();
	test_writer_never_acquired();
	test_hold_spans_window_end();
	test_lost_events();
	test_downgrade();
	test_hi_holder();
	test_preempted();
	test_parser_lines();
	test_limits();
	test_fixture();
	return test_summary();
}
