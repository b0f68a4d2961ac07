// SPDX-License-Identifier: GPL-2.0
#include "cgroup/sample.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/util.h"

static const char *const pressure_names[] = { "cpu", "memory", "io" };

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

static json_t *memory_stat_delta(const char *a, const char *b)
{
	json_t *o = json_object();
	const char *p = b;

	while (p && *p) {
		char key[128];
		int64_t vb, va;

		if (sscanf(p, "%127s %" SCNd64, key, &vb) == 2 && kv_get(a, key, &va))
			json_object_set_new(o, key, json_integer(vb - va));
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return o;
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

static json_t *io_stat_delta(const char *a, const char *b, const char *device)
{
	static const char *const keys[] = { "rbytes", "wbytes", "rios", "wios", "dbytes", "dios" };
	json_t *o = json_object();
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		int64_t va = 0, vb = 0;

		/* A device with no I/O yet has no line: count it as zero. */
		if (!io_line(b, device, keys[i], &vb))
			continue;
		io_line(a ? a : "", device, keys[i], &va);
		json_object_set_new(o, keys[i], json_integer(vb - va));
	}
	return o;
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

json_t *cg_sample_delta_json(const struct cg_sample *start, const struct cg_sample *end, const char *device)
{
	json_t *o = json_object(), *pr = json_object();
	int i;

	if (start->memory_stat && end->memory_stat)
		json_object_set_new(o, "memory_stat", memory_stat_delta(start->memory_stat, end->memory_stat));
	if (end->io_stat && device)
		json_object_set_new(o, "io_stat", io_stat_delta(start->io_stat, end->io_stat, device));
	for (i = 0; i < 3; i++) {
		json_t *p = json_object();
		int64_t a, b;

		if (!start->pressure[i] || !end->pressure[i]) {
			json_decref(p);
			continue;
		}
		if (pressure_total(start->pressure[i], "some", &a) && pressure_total(end->pressure[i], "some", &b))
			json_object_set_new(p, "some_total_us", json_integer(b - a));
		if (pressure_total(start->pressure[i], "full", &a) && pressure_total(end->pressure[i], "full", &b))
			json_object_set_new(p, "full_total_us", json_integer(b - a));
		json_object_set_new(pr, pressure_names[i], p);
	}
	json_object_set_new(o, "pressure", pr);
	return o;
}
