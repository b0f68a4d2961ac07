// SPDX-License-Identifier: GPL-2.0
/*
 * The scenario key table: the single declaration of every setting.
 * Parser, --help, the man page's option list and the settings recorded in
 * each result are all generated from scenario_keys[].
 */
#include "workloads/scenario.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "harness/util.h"

const char *const throttle_names[] = { "auto", "io.latency", "io.max", "none", NULL };
static const char *const scenario_names[] = { "ps-latency", NULL };

#define OFF(f) offsetof(struct scenario, f)
#define GiB (1ULL << 30)
#define MiB (1ULL << 20)

const struct scenario_key scenario_keys[] = {
	{ "scenario", KEY_ENUM, OFF(name), 0, 0, "ps-latency", scenario_names,
	  "named scenario; ps-latency: lo faults a file mapping while a writer mprotect()s, hi reads /proc/<lo>/maps" },
	{ "duration", KEY_DURATION, OFF(duration_ns), NSEC_PER_SEC, 24 * 3600 * NSEC_PER_SEC, "30s", NULL,
	  "measured time, after the warm-up" },
	{ "warmup", KEY_DURATION, OFF(warmup_ns), 0, 3600 * NSEC_PER_SEC, "5s", NULL,
	  "time before measuring; samples due in it are discarded" },
	{ "faulters", KEY_UINT, OFF(faulters), 1, 256, "4", NULL,
	  "faulter threads in lo, each touching random pages of the mapping" },
	{ "writer-interval", KEY_DURATION, OFF(writer_interval_ns), 100 * NSEC_PER_USEC, 10 * NSEC_PER_SEC, "5ms", NULL,
	  "period of lo's writer thread calling mprotect() (takes mmap_lock for write)" },
	{ "probe-interval", KEY_DURATION, OFF(probe_interval_ns), 100 * NSEC_PER_USEC, 10 * NSEC_PER_SEC, "10ms", NULL,
	  "period of each hi probe; a late probe's delay counts against it" },
	{ "file-size", KEY_SIZE, OFF(file_size), 16 * MiB, 1024 * GiB, "512M", NULL,
	  "size of lo's mapped data file; keep it several times lo-memory-max" },
	{ "hi-file-size", KEY_SIZE, OFF(hi_file_size), 1 * MiB, 64 * GiB, "64M", NULL,
	  "size of hi's file for the I/O probe" },
	{ "lo-memory-max", KEY_SIZE, OFF(lo_memory_max), 8 * MiB, 1024 * GiB, "64M", NULL,
	  "memory.max of lo, well below file-size so faults keep missing the page cache" },
	{ "throttle", KEY_ENUM, OFF(throttle), 0, 0, "auto", throttle_names,
	  "io.latency (target on hi), io.max (limits on lo), none, or auto: io.latency if the kernel has it, else io.max" },
	{ "io-latency-target", KEY_DURATION, OFF(io_latency_target_ns), 100 * NSEC_PER_USEC, 10 * NSEC_PER_SEC, "5ms", NULL,
	  "io.latency target set on hi" },
	{ "io-max-riops", KEY_UINT, OFF(io_max_riops), 0, 10000000, "100", NULL,
	  "io.max read IOPS limit on lo (0: no limit)" },
	{ "io-max-rbps", KEY_SIZE, OFF(io_max_rbps), 0, 1024 * GiB, "2M", NULL,
	  "io.max read bytes/s limit on lo (0: no limit)" },
	{ "io-max-wiops", KEY_UINT, OFF(io_max_wiops), 0, 10000000, "0", NULL,
	  "io.max write IOPS limit on lo (0: no limit)" },
	{ "io-max-wbps", KEY_SIZE, OFF(io_max_wbps), 0, 1024 * GiB, "0", NULL,
	  "io.max write bytes/s limit on lo (0: no limit)" },
	{ "seed", KEY_UINT, OFF(seed), 0, UINT64_MAX, "1", NULL,
	  "seed of the faulters' and the I/O probe's random offsets (recorded; same seed, same pattern)" },
};
const size_t scenario_nr_keys = ARRAY_SIZE(scenario_keys);

const struct scenario_key *scenario_key_find(const char *name)
{
	size_t i;

	for (i = 0; i < scenario_nr_keys; i++)
		if (!strcmp(scenario_keys[i].name, name))
			return &scenario_keys[i];
	return NULL;
}

static void describe_accepted(const struct scenario_key *k, char *buf, size_t len)
{
	char lo[32], hi[32];
	size_t used = 0;
	int i;

	switch (k->type) {
	case KEY_ENUM:
		used += snprintf(buf, len, "one of:");
		for (i = 0; k->words[i] && used < len; i++)
			used += snprintf(buf + used, len - used, " %s", k->words[i]);
		break;
	case KEY_DURATION:
		fmt_ns(lo, sizeof(lo), (double)k->min);
		fmt_ns(hi, sizeof(hi), (double)k->max);
		snprintf(buf, len, "a duration from %s to %s (e.g. 500ms, 10s, 2m)", lo, hi);
		break;
	case KEY_SIZE:
		snprintf(buf, len, "a size from %" PRIu64 " to %" PRIu64 " bytes (suffix K, M, G, T: powers of 1024)",
			 k->min, k->max);
		break;
	case KEY_UINT:
		snprintf(buf, len, "a whole number from %" PRIu64 " to %" PRIu64, k->min, k->max);
		break;
	case KEY_STRING:
		snprintf(buf, len, "a string");
		break;
	}
}

int scenario_set(struct scenario *sc, const char *key, const char *value, char *err, size_t errlen)
{
	const struct scenario_key *k = scenario_key_find(key);
	char accepted[256];
	void *field;
	uint64_t v = 0;
	int ret = 0, i;

	if (!k) {
		snprintf(err, errlen, "unknown setting '%s' (see 'mmstall run --help' for the settings)", key);
		return -ENOENT;
	}
	field = (char *)sc + k->offset;
	switch (k->type) {
	case KEY_STRING:
		snprintf(field, 64, "%s", value);
		return 0;
	case KEY_ENUM:
		for (i = 0; k->words[i]; i++) {
			if (strcmp(k->words[i], value))
				continue;
			if (k->offset == offsetof(struct scenario, name))
				snprintf(sc->name, sizeof(sc->name), "%s", value);
			else
				*(uint64_t *)field = i;
			return 0;
		}
		ret = -EINVAL;
		break;
	case KEY_UINT:
		ret = parse_u64_range(value, k->min, k->max, &v);
		break;
	case KEY_DURATION:
		ret = parse_duration_ns(value, &v);
		if (!ret && (v < k->min || v > k->max))
			ret = -ERANGE;
		break;
	case KEY_SIZE:
		ret = parse_size(value, &v);
		if (!ret && (v < k->min || v > k->max))
			ret = -ERANGE;
		break;
	}
	if (ret) {
		describe_accepted(k, accepted, sizeof(accepted));
		snprintf(err, errlen, "invalid value '%s' for --%s: expected %s", value, key, accepted);
		return ret;
	}
	*(uint64_t *)field = v;
	return 0;
}

void scenario_defaults(struct scenario *sc)
{
	char err[256];
	size_t i;

	memset(sc, 0, sizeof(*sc));
	for (i = 0; i < scenario_nr_keys; i++)
		if (scenario_set(sc, scenario_keys[i].name, scenario_keys[i].def, err, sizeof(err)))
			abort(); /* a default outside its own range is a bug in the table */
}

int scenario_validate(const struct scenario *sc, char *err, size_t errlen)
{
	if (sc->lo_memory_max * 2 > sc->file_size) {
		snprintf(err, errlen,
			 "--file-size (%" PRIu64 " bytes) must be at least twice --lo-memory-max (%" PRIu64
			 " bytes), or lo's faults would be served from the page cache",
			 sc->file_size, sc->lo_memory_max);
		return -EINVAL;
	}
	if (sc->throttle == THROTTLE_IO_MAX && !sc->io_max_riops && !sc->io_max_rbps &&
	    !sc->io_max_wiops && !sc->io_max_wbps) {
		snprintf(err, errlen, "--throttle io.max needs at least one non-zero --io-max-* limit");
		return -EINVAL;
	}
	return 0;
}

static void format_value(const struct scenario *sc, const struct scenario_key *k, char *buf, size_t len)
{
	uint64_t v = *(const uint64_t *)((const char *)sc + k->offset);

	switch (k->type) {
	case KEY_STRING:
		snprintf(buf, len, "%s", (const char *)sc + k->offset);
		break;
	case KEY_ENUM:
		if (k->offset == offsetof(struct scenario, name))
			snprintf(buf, len, "%s", sc->name);
		else
			snprintf(buf, len, "%s", k->words[v]);
		break;
	case KEY_DURATION:
		snprintf(buf, len, "%" PRIu64 "ns", v);
		break;
	default:
		snprintf(buf, len, "%" PRIu64, v);
	}
}

void scenario_print_help(FILE *f)
{
	size_t i;

	fprintf(f, "Scenario settings (every one also as --KEY=VALUE):\n");
	for (i = 0; i < scenario_nr_keys; i++) {
		const struct scenario_key *k = &scenario_keys[i];
		char accepted[256];

		describe_accepted(k, accepted, sizeof(accepted));
		fprintf(f, "  --%s VALUE\n        %s\n        default %s; %s\n", k->name, k->help, k->def, accepted);
	}
}

/* JSON spelling of a key: underscores, and the unit for durations and sizes ("writer_interval_ns"). */
static void json_key(const struct scenario_key *k, char *buf, size_t len)
{
	char *p;

	snprintf(buf, len, "%s%s", k->name,
		 k->type == KEY_DURATION ? "_ns" : k->type == KEY_SIZE ? "_bytes" : "");
	for (p = buf; *p; p++)
		if (*p == '-')
			*p = '_';
}

void scenario_print_man(FILE *f)
{
	size_t i;

	for (i = 0; i < scenario_nr_keys; i++) {
		const struct scenario_key *k = &scenario_keys[i];
		char accepted[256];

		describe_accepted(k, accepted, sizeof(accepted));
		fprintf(f, ".TP\n.BI \\-\\-%s \" VALUE\"\n%s.\nDefault: %s; %s.\n", k->name, k->help, k->def,
			accepted);
	}
}

json_t *scenario_to_json(const struct scenario *sc)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; i < scenario_nr_keys; i++) {
		const struct scenario_key *k = &scenario_keys[i];
		uint64_t v = *(const uint64_t *)((const char *)sc + k->offset);
		char key[64], buf[128];

		json_key(k, key, sizeof(key));
		switch (k->type) {
		case KEY_STRING:
		case KEY_ENUM:
			format_value(sc, k, buf, sizeof(buf));
			json_object_set_new(o, key, json_string(buf));
			break;
		case KEY_DURATION:
		case KEY_SIZE:
			json_object_set_new(o, key, json_integer((json_int_t)v));
			break;
		case KEY_UINT:
			/* seeds use the full 64 bits: keep them exact as strings when too big */
			if (v > INT64_MAX) {
				snprintf(buf, sizeof(buf), "%" PRIu64, v);
				json_object_set_new(o, key, json_string(buf));
			} else {
				json_object_set_new(o, key, json_integer((json_int_t)v));
			}
			break;
		}
	}
	return o;
}

char **scenario_to_argv(const struct scenario *sc, int *argc_out)
{
	char **argv = calloc(scenario_nr_keys + 1, sizeof(char *));
	size_t i;

	if (!argv)
		return NULL;
	for (i = 0; i < scenario_nr_keys; i++) {
		char buf[128];

		format_value(sc, &scenario_keys[i], buf, sizeof(buf));
		if (asprintf(&argv[i], "--%s=%s", scenario_keys[i].name, buf) < 0)
			abort();
	}
	*argc_out = (int)scenario_nr_keys;
	return argv;
}
