// SPDX-License-Identifier: GPL-2.0
/*
 * The low-priority side of the inversion.  Faulter threads keep missing
 * memory (lo's memory.max is far below the working set) and so keep doing
 * throttled I/O and reclaim inside page faults; writer threads in the same
 * mm take mmap_lock for write.  While a faulter holds mmap_lock across a
 * sleep, a queued writer makes every new reader -- including hi's
 * /proc/<pid>/maps readers -- wait behind it.
 *
 * --fault-mode picks the fault path (see docs/kernel-notes.md), --writer what
 * the writers do.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/util.h"
#include "workloads/workers.h"

#define PAGE 4096UL
#define HPAGE (2UL << 20)

struct lo_state {
	const struct scenario *sc;
	struct run_shared *sh;
	unsigned char *map;	/* the working set */
	uint64_t npages;
	int prot;		/* the working set's protection */
	void *own_vma;		/* the writers' own VMA (mprotect-own) */
};

struct worker {
	pthread_t tid;
	int idx;
	struct lo_state *st;
};

static void *faulter_fn(void *arg)
{
	struct worker *w = arg;
	struct lo_state *st = w->st;
	struct run_shared *sh = st->sh;
	struct hist *h = &sh->faults[w->idx];
	uint64_t rng = rng_seed(st->sc->seed, w->idx + 1), sum = 0;
	bool write = st->sc->fault_mode == FAULT_WRITE_SHARED;
	bool thp = st->sc->fault_mode == FAULT_THP;
	uint64_t nhuge = st->npages / (HPAGE / PAGE);

	shared_wait_go(sh);
	while (!shared_load(&sh->stop)) {
		volatile unsigned char *p = st->map + (rng_next(&rng) % st->npages) * PAGE;
		uint64_t t1, t2;

		if (thp) {
			/* drop one huge page so that the write below is a fresh THP fault, charged at once */
			p = st->map + (rng_next(&rng) % nhuge) * HPAGE;
			madvise((void *)p, HPAGE, MADV_DONTNEED);
		}
		/* write-percent: this touch writes or reads (no draw at 100%: the same pattern as before) */
		if (st->sc->fault_mode == FAULT_WRITE_SHARED && st->sc->write_percent < 100)
			write = rng_next(&rng) % 100 < st->sc->write_percent;
		t1 = now_ns();
		/* the page fault, if the page is not resident (or, for writes, not yet dirty) */
		if (write || thp)
			*p = (unsigned char)t1;
		else
			sum += *p;
		t2 = now_ns();
		/* Load runs until told to stop; only the window is recorded. */
		if (shared_in_window(sh, t1)) {
			hist_record(h, t2 - t1);
			sh->touches[w->idx]++;
		}
	}
	/* keep the reads from being optimised away */
	__asm__ volatile("" : : "r"(sum));
	return NULL;
}

/* One writer operation: each takes mmap_lock for write. */
static int writer_op(struct lo_state *st, uint64_t k)
{
	void *p;
	pid_t pid;

	switch (st->sc->writer) {
	case WRITER_MPROTECT_OWN:
		return mprotect(st->own_vma, 2 * PAGE, k & 1 ? PROT_READ : PROT_READ | PROT_WRITE) ? -errno : 0;
	case WRITER_MPROTECT_FAULTED:
		/* Flip PROT_EXEC on the whole faulted VMA: changes its flags, never what faulters may do. */
		return mprotect(st->map, st->npages * PAGE, k & 1 ? st->prot | PROT_EXEC : st->prot) ? -errno : 0;
	case WRITER_MMAP_CHURN:
		p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return -errno;
		return munmap(p, PAGE) ? -errno : 0;
	case WRITER_FORK:
		pid = fork();
		if (pid < 0)
			return -errno;
		if (pid == 0)
			_exit(0);
		return waitpid(pid, NULL, 0) < 0 ? -errno : 0;
	}
	return 0;
}

static void *writer_fn(void *arg)
{
	struct worker *w = arg;
	struct lo_state *st = w->st;
	struct run_shared *sh = st->sh;
	uint64_t interval = st->sc->writer_interval_ns, k;
	/* N writers share the period evenly instead of queueing at once */
	uint64_t phase = interval * w->idx / st->sc->writers;

	shared_wait_go(sh);
	for (k = 0; !shared_load(&sh->stop); k++) {
		uint64_t due = sh->t0_ns + phase + k * interval, t1, t2;
		int ret;

		if (now_ns() < due)
			sleep_until_ns(due);
		t1 = now_ns();
		ret = writer_op(st, k);
		t2 = now_ns();
		if (!shared_in_window(sh, due))
			continue;
		if (ret) {
			if (!__atomic_fetch_add(&sh->writer_errors, 1, __ATOMIC_RELAXED))
				sh->writer_first_errno = -ret;
			continue;
		}
		hist_record(&sh->writer[w->idx], t2 - t1);
		sh->writer_ops[w->idx]++;
	}
	return NULL;
}

/* Map the working set the fault mode needs; NULL with sh->lo_error set on failure. */
static int map_working_set(struct lo_state *st, const char *lo_file)
{
	const struct scenario *sc = st->sc;
	int flags, fd = -1, i;

	st->npages = sc->file_size / PAGE;
	switch (sc->fault_mode) {
	case FAULT_READ_SHARED:
	case FAULT_READ_PRIVATE:
	case FAULT_WRITE_SHARED:
		fd = open(lo_file, (sc->fault_mode == FAULT_WRITE_SHARED ? O_RDWR : O_RDONLY) | O_CLOEXEC);
		if (fd < 0) {
			snprintf(st->sh->lo_error, sizeof(st->sh->lo_error), "lo: cannot open %s: %s", lo_file,
				 strerror(errno));
			return -errno;
		}
		st->prot = sc->fault_mode == FAULT_WRITE_SHARED ? PROT_READ | PROT_WRITE : PROT_READ;
		flags = sc->fault_mode == FAULT_READ_PRIVATE ? MAP_PRIVATE : MAP_SHARED;
		break;
	case FAULT_ANON:
	case FAULT_SHMEM:
	case FAULT_THP:
		st->prot = PROT_READ | PROT_WRITE;
		flags = (sc->fault_mode == FAULT_SHMEM ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS;
		break;
	default:
		return 0;
	}
	st->map = mmap(NULL, sc->file_size, st->prot, flags, fd, 0);
	if (fd >= 0)
		close(fd);
	if (st->map == MAP_FAILED) {
		st->map = NULL;
		snprintf(st->sh->lo_error, sizeof(st->sh->lo_error), "lo: mmap of %" PRIu64 " bytes (%s) failed: %s",
			 sc->file_size, fault_mode_names[sc->fault_mode], strerror(errno));
		return -ENOMEM;
	}
	if (sc->fault_mode == FAULT_THP) {
		/* huge pages need 2 MiB alignment: trim to whole huge pages from an aligned start */
		uintptr_t a = ((uintptr_t)st->map + HPAGE - 1) & ~(HPAGE - 1);

		st->npages = (sc->file_size - (a - (uintptr_t)st->map)) / HPAGE * (HPAGE / PAGE);
		st->map = (unsigned char *)a;
		if (madvise(st->map, st->npages * PAGE, MADV_HUGEPAGE)) {
			snprintf(st->sh->lo_error, sizeof(st->sh->lo_error),
				 "lo: madvise(MADV_HUGEPAGE) failed: %s (no transparent huge pages in this kernel?)",
				 strerror(errno));
			return -errno;
		}
		return 0;
	}
	/* No readahead (file or swap): every miss is its own small read, as in the seed's reproducer. */
	madvise(st->map, sc->file_size, MADV_RANDOM);
	if (sc->fault_mode == FAULT_ANON || sc->fault_mode == FAULT_SHMEM) {
		/* Fill it: beyond memory.max the pages go to swap, to be faulted back later. */
		for (uint64_t pg = 0; pg < st->npages; pg++)
			for (i = 0; i < 8; i++)
				((uint64_t *)(st->map + pg * PAGE))[i] = pg * 8 + i;
	}
	return 0;
}

int lo_main(const struct scenario *sc, const char *lo_file, struct run_shared *sh)
{
	struct lo_state st = { .sc = sc, .sh = sh };
	uint64_t nf = sc->fault_mode == FAULT_NONE ? 0 : sc->faulters;
	uint64_t nw = sc->writer == WRITER_NONE ? 0 : sc->writers;
	struct worker *w;
	uint64_t i, started = 0;

	prctl(PR_SET_NAME, "mmstall-lo");
	if (map_working_set(&st, lo_file)) {
		shared_store(&sh->lo_ready, 1);
		return EXIT_FAIL;
	}
	/* The own-VMA writer's target shares nothing with the faulters but mmap_lock. */
	st.own_vma = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (st.own_vma == MAP_FAILED) {
		snprintf(sh->lo_error, sizeof(sh->lo_error), "lo: mmap of the writer's VMA failed: %s", strerror(errno));
		shared_store(&sh->lo_ready, 1);
		return EXIT_FAIL;
	}
	memset(st.own_vma, 1, 2 * PAGE);

	w = calloc(nf + nw, sizeof(*w));
	if (!w)
		return EXIT_FAIL;
	for (i = 0; i < nf + nw; i++) {
		w[i] = (struct worker){ .idx = (int)(i < nf ? i : i - nf), .st = &st };
		if (i < nf)
			hist_init(&sh->faults[w[i].idx]);
		else
			hist_init(&sh->writer[w[i].idx]);
		if (pthread_create(&w[i].tid, NULL, i < nf ? faulter_fn : writer_fn, &w[i])) {
			snprintf(sh->lo_error, sizeof(sh->lo_error), "lo: cannot start %s thread %" PRIu64,
				 i < nf ? "faulter" : "writer", i < nf ? i : i - nf);
			shared_store(&sh->stop, 1);
			break;
		}
		started++;
	}
	shared_store(&sh->lo_ready, 1);
	/* With nothing to run (the control scenario) lo just exists until told to stop. */
	while (!started && !shared_load(&sh->stop))
		shared_wait(&sh->stop, 0, 0);
	for (i = 0; i < started; i++)
		pthread_join(w[i].tid, NULL);
	free(w);
	return sh->lo_error[0] ? EXIT_FAIL : EXIT_OK;
}
