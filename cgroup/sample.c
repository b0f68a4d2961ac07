// SPDX-License-Identifier: GPL-2.0
#include "cgroup/sample.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/result.h"
#include "harness/util.h"

/* The PSI files, in the order of enum result_psi. */
static const char *const pressure_names[RESULT_NR_PSI] = { "cpu", "memory", "io" };
_Static_assert(ARRAY_SIZE(((struct cg_sample *)0)->pressure) == RESULT_NR_PSI, "one sample per PSI file");

static char *grab(const char *dir, const char *file)
{
	char path[PATH_MAX + 64], *s = NULL;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (read_file(path, &s, NULL))
		return NULL;
	return s;
}

void cg_sample_take(const char *group_path, struct cg_sample *s)
{
	char name[32];
	int i;

	s->memory_stat = grab(group_path, "memory.stat");
	s->io_stat = grab(group_path, "io.stat");
	for (i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "%s.pressure", pressure_names[i]);
		s->pressure[i] = grab(group_path, name);
	}
}

void cg_sample_free(struct cg_sample *s)
{
	int i;

	free(s->memory_stat);
	free(s->io_stat);
	for (i = 0; i < 3; i++)
		free(s->pressure[i]);
	memset(s, 0, sizeof(*s));
}

/* Find "key value" at the start of a line of a flat-keyed file. */
static bool kv_get(const char *text, const char *key, int64_t *v)
{
	size_t n = strlen(key);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, key, n) && p[n] == ' ') {
			*v = strtoll(p + n + 1, NULL, 10);
			return true;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return false;
}

/* Every key of b that a has too: end minus start (a gauge such as "file" shows its change). */
static void memory_stat_delta(const char *a, const char *b, struct result_cgroup *out)
{
	struct result_counter *c = NULL;
	size_t n = 0, cap = 0;
	const char *p = b;

	while (p && *p) {
		char key[128];
		int64_t vb, va;

		if (sscanf(p, "%127s %" SCNd64, key, &vb) == 2 && kv_get(a, key, &va)) {
			if (n == cap) {
				cap = cap ? 2 * cap : 64;
				c = xrealloc(c, cap * sizeof(*c));
			}
			c[n++] = (struct result_counter){ xstrdup(key), vb - va };
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	out->has_memory_stat = true;
	out->memory_stat = c;
	out->nr_memory_stat = n;
}

/* io.stat: "254:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0" per device. */
static bool io_line(const char *text, const char *device, const char *key, int64_t *v)
{
	size_t n = strlen(device), k = strlen(key);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, device, n) && p[n] == ' ') {
			const char *eol = strchrnul(p, '\n');
			const char *q = p + n;

			while (q < eol) {
				q++;
				if (!strncmp(q, key, k) && q[k] == '=') {
					*v = strtoll(q + k + 1, NULL, 10);
					return true;
				}
				q = strchrnul(q, ' ');
				if (q > eol)
					break;
			}
			return false;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return false;
}

/* io.stat's own field names, in the result's order (enum result_io_stat). */
static const char *const io_fields[RESULT_NR_IO_STAT] = { "rbytes", "wbytes", "rios", "wios", "dbytes", "dios" };

static void io_stat_delta(const char *a, const char *b, const char *device, struct result_cgroup *out)
{
	size_t i;

	out->has_io_stat = true;
	for (i = 0; i < RESULT_NR_IO_STAT; i++) {
		int64_t va = 0, vb = 0;

		/* A device with no I/O yet has no line: count it as zero. */
		if (!io_line(b, device, io_fields[i], &vb))
			continue;
		io_line(a ? a : "", device, io_fields[i], &va);
		out->io_stat[i] = (struct result_int){ .known = true, .v = vb - va };
	}
}

/* "some avg10=0.00 avg60=0.00 avg300=0.00 total=12345" */
static bool pressure_total(const char *text, const char *kind, int64_t *v)
{
	const char *p = text;
	size_t n = strlen(kind);

	while (p && *p) {
		if (!strncmp(p, kind, n) && p[n] == ' ') {
			const char *t = strstr(p, "total=");

			if (t && t < strchrnul(p, '\n')) {
				*v = strtoll(t + 6, NULL, 10);
				return true;
			}
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return false;
}

/* The "total=" of one line kind ("some", "full") at both ends: their difference. */
static struct result_int pressure_delta(const char *a, const char *b, const char *kind)
{
	int64_t va, vb;

	if (pressure_total(a, kind, &va) && pressure_total(b, kind, &vb))
		return (struct result_int){ .known = true, .v = vb - va };
	return (struct result_int){ 0 };
}

void cg_sample_delta(const struct cg_sample *start, const struct cg_sample *end, const char *device,
		     struct result_cgroup *out)
{
	int i;

	memset(out, 0, sizeof(*out));
	if (start->memory_stat && end->memory_stat)
		memory_stat_delta(start->memory_stat, end->memory_stat, out);
	if (end->io_stat && device)
		io_stat_delta(start->io_stat, end->io_stat, device, out);
	for (i = 0; i < RESULT_NR_PSI; i++) {
		if (!start->pressure[i] || !end->pressure[i])
			continue;
		out->pressure[i].present = true;
		out->pressure[i].some_total_us = pressure_delta(start->pressure[i], end->pressure[i], "some");
		out->pressure[i].full_total_us = pressure_delta(start->pressure[i], end->pressure[i], "full");
	}
}

void cg_delta_free(struct result_cgroup *d)
{
	size_t i;

	for (i = 0; i < d->nr_memory_stat; i++)
		free((char *)d->memory_stat[i].name);
	free((void *)d->memory_stat);
	memset(d, 0, sizeof(*d));
}
