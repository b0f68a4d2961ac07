// SPDX-License-Identifier: GPL-2.0
/* The host's CPUs and memory for guests; see hostcpus.h. */
#include "harness/vm/hostcpus.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/util.h"

struct cpu_key {
	int cpu, pkg, core, rank;	/* rank: the thread's place among its core's threads */
};

static int topo(int cpu, const char *what)
{
	char path[128], *text = NULL;
	int v = -1;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/topology/%s", cpu, what);
	if (!read_file(path, &text, NULL))
		v = atoi(text);
	free(text);
	return v;
}

static int cmp_key(const void *pa, const void *pb, void *arg)
{
	const struct cpu_key *a = pa, *b = pb;
	bool whole_cores = *(bool *)arg;

	if (!whole_cores && a->rank != b->rank)
		return a->rank - b->rank;
	if (a->pkg != b->pkg)
		return a->pkg - b->pkg;
	if (a->core != b->core)
		return a->core - b->core;
	return a->cpu - b->cpu;
}

int host_cpus_load(struct host_cpus *h, unsigned int per, char *err, size_t errlen)
{
	cpu_set_t set;
	struct cpu_key *k;
	size_t n = 0, i, j;
	bool whole_cores;
	int c;

	memset(h, 0, sizeof(*h));
	if (sched_getaffinity(0, sizeof(set), &set) < 0) {
		snprintf(err, errlen, "cannot read this process's CPU affinity: %s", strerror(errno));
		return -errno;
	}
	k = xcalloc(CPU_SETSIZE, sizeof(*k));
	for (c = 0; c < CPU_SETSIZE; c++) {
		if (!CPU_ISSET(c, &set))
			continue;
		k[n] = (struct cpu_key){ .cpu = c, .pkg = topo(c, "physical_package_id"), .core = topo(c, "core_id") };
		n++;
	}
	h->smt = 1;
	for (i = 0; i < n; i++) {
		unsigned int same = 0;

		for (j = 0; j < n; j++) {
			if (k[j].pkg != k[i].pkg || k[j].core != k[i].core || k[i].core < 0)
				continue;
			same++;
			if (j < i)
				k[i].rank++;
		}
		if (same > h->smt)
			h->smt = same;
	}
	whole_cores = per % h->smt == 0;
	qsort_r(k, n, sizeof(*k), cmp_key, &whole_cores);
	h->cpu = xcalloc(n ? n : 1, sizeof(int));
	for (i = 0; i < n; i++)
		h->cpu[i] = k[i].cpu;
	h->n = n;
	free(k);
	return 0;
}

void host_cpus_free(struct host_cpus *h)
{
	free(h->cpu);
	memset(h, 0, sizeof(*h));
}

unsigned int host_jobs_fit(const struct host_cpus *h, unsigned int per, uint64_t mem, char *why, size_t len)
{
	uint64_t avail = mem_available_bytes(), room = avail > HOST_MEM_RESERVE_BYTES ? avail - HOST_MEM_RESERVE_BYTES : 0;
	uint64_t by_mem = room / (mem + QEMU_MEM_OVERHEAD_BYTES);
	unsigned int by_cpu = per ? (unsigned int)(h->n / per) : 1, n;

	n = by_cpu;
	if (avail && by_mem < n)
		n = (unsigned int)by_mem;
	if (!n)
		n = 1;
	snprintf(why, len, "%zu host CPUs / %u per guest = %u; %llu MiB available - %llu reserved / (%llu + %llu "
		 "MiB per guest) = %llu", h->n, per, by_cpu, (unsigned long long)(avail >> 20),
		 (unsigned long long)(HOST_MEM_RESERVE_BYTES >> 20), (unsigned long long)(mem >> 20),
		 (unsigned long long)(QEMU_MEM_OVERHEAD_BYTES >> 20), (unsigned long long)by_mem);
	return n;
}

void host_cpus_slot(const struct host_cpus *h, unsigned int per, unsigned int s, int *out)
{
	unsigned int i;

	for (i = 0; i < per; i++)
		out[i] = h->cpu[((size_t)s * per + i) % h->n];
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

void host_cpus_text(const int *cpu, size_t n, char *buf, size_t len)
{
	int *s = xcalloc(n ? n : 1, sizeof(int));
	size_t i, j, used = 0;

	memcpy(s, cpu, n * sizeof(int));
	qsort(s, n, sizeof(int), cmp_int);
	buf[0] = '\0';
	for (i = 0; i < n && used < len; i = j + 1) {
		for (j = i; j + 1 < n && s[j + 1] == s[j] + 1; j++)
			;
		if (j == i)
			used += snprintf(buf + used, len - used, "%s%d", i ? "," : "", s[i]);
		else
			used += snprintf(buf + used, len - used, "%s%d-%d", i ? "," : "", s[i], s[j]);
	}
	free(s);
}
