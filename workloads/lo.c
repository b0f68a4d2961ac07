// SPDX-License-Identifier: GPL-2.0
/*
 * The low-priority side of the inversion.  Faulter threads keep missing the
 * page cache (lo's memory.max is far below the file) and so keep doing
 * throttled I/O and reclaim inside page faults; a writer thread in the same
 * mm takes mmap_lock for write with mprotect().  While a faulter holds
 * mmap_lock for read across a sleep, the queued writer makes every new
 * reader -- including hi's /proc/<pid>/maps readers -- wait behind it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "harness/util.h"
#include "workloads/workers.h"

#define PAGE 4096UL

struct faulter {
	pthread_t tid;
	int idx;
	const volatile unsigned char *map;
	uint64_t npages;
	uint64_t seed;
	struct run_shared *sh;
};

struct writer {
	pthread_t tid;
	void *vma;
	uint64_t interval_ns;
	struct run_shared *sh;
};

static void wait_go(struct run_shared *sh)
{
	while (!shared_load(&sh->go) && !shared_load(&sh->stop))
		usleep(1000);
}

static void *faulter_fn(void *arg)
{
	struct faulter *f = arg;
	struct run_shared *sh = f->sh;
	struct hist *h = &sh->faults[f->idx];
	uint64_t rng = rng_seed(f->seed, f->idx + 1), sum = 0;

	wait_go(sh);
	while (!shared_load(&sh->stop)) {
		uint64_t off = (rng_next(&rng) % f->npages) * PAGE;
		uint64_t t1, t2;

		t1 = now_ns();
		sum += f->map[off];	/* the page fault, if the page is not resident */
		t2 = now_ns();
		/* Load runs until told to stop; only the window is recorded. */
		if (shared_in_window(sh, t1)) {
			hist_record(h, t2 - t1);
			sh->touches[f->idx]++;
		}
	}
	/* keep the reads from being optimised away */
	__asm__ volatile("" : : "r"(sum));
	return NULL;
}

static void *writer_fn(void *arg)
{
	struct writer *w = arg;
	struct run_shared *sh = w->sh;
	uint64_t k;
	int prot = PROT_READ;

	wait_go(sh);
	for (k = 0; !shared_load(&sh->stop); k++) {
		uint64_t intended = sh->t0_ns + k * w->interval_ns, t1, t2;

		if (now_ns() < intended)
			sleep_until_ns(intended);
		t1 = now_ns();
		if (mprotect(w->vma, 2 * PAGE, prot) < 0)
			break;
		t2 = now_ns();
		prot = prot == PROT_READ ? PROT_READ | PROT_WRITE : PROT_READ;
		if (shared_in_window(sh, intended)) {
			hist_record(&sh->writer, t2 - t1);
			sh->writer_ops++;
		}
	}
	return NULL;
}

int lo_main(const struct scenario *sc, const char *lo_file, struct run_shared *sh)
{
	struct faulter *f;
	struct writer w = { .interval_ns = sc->writer_interval_ns, .sh = sh };
	void *map;
	bool writer_started;
	uint64_t i;
	int fd;

	prctl(PR_SET_NAME, "mmstall-lo");
	fd = open(lo_file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(sh->lo_error, sizeof(sh->lo_error), "lo: cannot open %s: %s", lo_file, strerror(errno));
		return EXIT_FAIL;
	}
	map = mmap(NULL, sc->file_size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		snprintf(sh->lo_error, sizeof(sh->lo_error), "lo: mmap of %s failed: %s", lo_file, strerror(errno));
		return EXIT_FAIL;
	}
	/* No readahead: every miss is its own small read, as in the seed's reproducer. */
	madvise(map, sc->file_size, MADV_RANDOM);
	/* The writer's VMA is its own: only mmap_lock is shared with the faulters. */
	w.vma = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (w.vma == MAP_FAILED) {
		snprintf(sh->lo_error, sizeof(sh->lo_error), "lo: mmap of the writer's VMA failed: %s",
			 strerror(errno));
		return EXIT_FAIL;
	}
	memset(w.vma, 1, 2 * PAGE);

	f = calloc(sc->faulters, sizeof(*f));
	if (!f)
		return EXIT_FAIL;
	hist_init(&sh->writer);
	for (i = 0; i < sc->faulters; i++) {
		f[i] = (struct faulter){ .idx = (int)i, .map = map, .npages = sc->file_size / PAGE,
					 .seed = sc->seed, .sh = sh };
		hist_init(&sh->faults[i]);
		if (pthread_create(&f[i].tid, NULL, faulter_fn, &f[i]))
			break;
	}
	writer_started = i == sc->faulters && !pthread_create(&w.tid, NULL, writer_fn, &w);
	if (!writer_started) {
		snprintf(sh->lo_error, sizeof(sh->lo_error), "lo: cannot start %s thread",
			 i < sc->faulters ? "a faulter" : "the writer");
		shared_store(&sh->stop, 1);
	}
	shared_store(&sh->lo_ready, 1);
	while (i--)
		pthread_join(f[i].tid, NULL);
	if (writer_started)
		pthread_join(w.tid, NULL);
	free(f);
	return sh->lo_error[0] ? EXIT_FAIL : EXIT_OK;
}
