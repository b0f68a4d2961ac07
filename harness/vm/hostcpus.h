/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host's CPUs and memory as guests see them: which CPUs this process
 * may use (its affinity: a container's or a batch system's cpuset counts),
 * in an order that gives each guest whole cores, how many guests of a size
 * fit at once, and slot s's CPUs.  'mmstall compare --jobs' places guests
 * with it; 'run-job --slot' too, so both pin alike.
 */
#ifndef MMSTALL_VM_HOSTCPUS_H
#define MMSTALL_VM_HOSTCPUS_H

#include <stddef.h>
#include <stdint.h>

struct host_cpus {
	int *cpu;	/* allowed CPU numbers, in slot order */
	size_t n;
	unsigned int smt;	/* threads per core (1: none) */
};

/* Memory left to the host itself, and what QEMU needs beside a guest's RAM (TCG's code cache...). */
#define HOST_MEM_RESERVE_BYTES (1ULL << 30)
#define QEMU_MEM_OVERHEAD_BYTES (256ULL << 20)

/*
 * The CPUs this process may run on, ordered for guests of per CPUs: whole
 * cores together when per is a multiple of the threads per core, else one
 * thread of every core first (small guests on distinct cores).  0 or
 * -errno with err.
 */
int host_cpus_load(struct host_cpus *h, unsigned int per, char *err, size_t errlen);
void host_cpus_free(struct host_cpus *h);

/*
 * How many guests of per CPUs and mem bytes fit at once: disjoint CPU
 * sets, and memory available (MemAvailable) less the host's reserve.  At
 * least 1; why says what limited it.
 */
unsigned int host_jobs_fit(const struct host_cpus *h, unsigned int per, uint64_t mem, char *why, size_t len);

/* Slot s's CPUs (0-based; s < h->n / per): out[0..per-1]. */
void host_cpus_slot(const struct host_cpus *h, unsigned int per, unsigned int s, int *out);

/* "0-3,8,10" */
void host_cpus_text(const int *cpu, size_t n, char *buf, size_t len);

#endif
