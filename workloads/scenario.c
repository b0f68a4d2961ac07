// SPDX-License-Identifier: GPL-2.0
/*
 * The scenario key table: the single declaration of every setting but the
 * throttles' (each throttle declares its own, workloads/throttles/).
 * Parser, --help, the man page's option list and the settings recorded in
 * each result are all generated from the one list scenario_key_at() shows.
 */
#include "workloads/scenario.h"

/* The most a scenario file can hold: scenarios are a few hundred bytes. */
#define SCENARIO_FILE_MAX 1048576

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "harness/result.h"
#include "harness/util.h"
#include "workloads/fio.h"
#include "workloads/probes.h"
#include "workloads/shared.h"
#include "workloads/throttle.h"

const char *const fault_mode_names[] = { "read-shared", "read-private", "write-shared", "anon", "shmem", "thp", "none",
					 NULL };
const char *const writer_names[] = { "mprotect-own", "mprotect-faulted", "mmap-churn", "fork", "none", NULL };
static const char *const off_on[] = { "off", "on", NULL };
const char *const baseline_names[] = { "auto", "on", "off", NULL };

#define OFF(f) offsetof(struct scenario, f)
#define GiB (1ULL << 30)
#define MiB (1ULL << 20)
#define SEC NSEC_PER_SEC
#define MSEC NSEC_PER_MSEC
#define USEC NSEC_PER_USEC

/* The probes setting: NAME[:INTERVAL[:THREADS]],... (probes.c parses it). */
static int check_probes(const char *value, char *err, size_t errlen)
{
	struct probe_plan plan[MAX_PROBES];

	if (!value) {
		probe_plan_describe(err, errlen);
		return 0;
	}
	return probe_plan_parse(value, 0, plan, err, errlen);
}

/*
 * String keys with a syntax of their own, checked when set (so a scenario
 * file's error gets its line and column).  check(NULL, buf, len) writes
 * what is accepted, for --help and the man page.
 */
static const struct {
	const char *key;
	int (*check)(const char *value, char *err, size_t errlen);
} string_checks[] = {
	{ "probes", check_probes },
};

static int (*string_check(const struct scenario_key *k))(const char *, char *, size_t)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(string_checks); i++)
		if (!strcmp(string_checks[i].key, k->name))
			return string_checks[i].check;
	return NULL;
}

bool scenario_key_is_flag(const struct scenario_key *k)
{
	return k->type == KEY_ENUM && k->words == off_on;
}

static const struct scenario_key scenario_keys[] = {
	{ "name", KEY_STRING, OFF(name), 0, 0, "ps-latency", NULL,
	  "name the result records for this scenario (scenario files set it)" },
	/* 10 s: the per-boot stall index's spread drops 3x from 5 s to 10 s and hardly
	 * further at 20 s (tests/bench/window-spread.sh; README "How long a window must be") */
	{ "duration", KEY_DURATION, OFF(duration_ns), 1 * SEC, 24 * 3600 * SEC, "10s", NULL,
	  "measured time, after the warm-up" },
	{ "warmup", KEY_DURATION, OFF(warmup_ns), 0, 3600 * SEC, "2s", NULL,
	  "time before measuring; samples due in it are discarded" },
	{ "fault-mode", KEY_ENUM, OFF(fault_mode), 0, 0, "read-shared", fault_mode_names,
	  "how lo's faulters touch memory: read faults on a MAP_SHARED or MAP_PRIVATE file mapping, "
	  "write faults on MAP_SHARED (->page_mkwrite), anonymous or shmem memory pushed to swap, "
	  "fresh transparent huge page faults (thp: with lo-memory-high), or none" },
	{ "faulters", KEY_UINT, OFF(faulters), 1, 256, "4", NULL,
	  "faulter threads in lo, each touching random pages of the working set" },
	{ "write-percent", KEY_UINT, OFF(write_percent), 0, 100, "100", NULL,
	  "fault-mode write-shared only: the share of touches, in percent, that write their page (each touch "
	  "draws from the seed); the rest read it, so clean read faults fill memory.max while the writes "
	  "keep dirty pages under writeback" },
	{ "writer", KEY_ENUM, OFF(writer), 0, 0, "mprotect-own", writer_names,
	  "what lo's writers do to take mmap_lock for write: mprotect() of their own VMA or of the "
	  "faulted one, mmap()+munmap(), fork(), or nothing" },
	{ "writers", KEY_UINT, OFF(writers), 1, 64, "1", NULL, "writer threads in lo" },
	{ "writer-interval", KEY_DURATION, OFF(writer_interval_ns), 100 * USEC, 10 * SEC, "5ms", NULL,
	  "period of each writer" },
	{ "probes", KEY_STRING, OFF(probes), 0, 0, "maps,cmdline,ps,status,mmap,io", NULL,
	  "comma-separated hi probes, each NAME[:INTERVAL[:THREADS]] (e.g. maps:2ms:4,status,io:20ms; "
	  "the names below); each of a probe's "
	  "THREADS runs its own schedule every INTERVAL (default probe-interval), thread j of n offset by "
	  "j/n of a period; status is the control and is always run" },
	{ "probe-interval", KEY_DURATION, OFF(probe_interval_ns), PROBE_INTERVAL_MIN_NS, PROBE_INTERVAL_MAX_NS,
	  "10ms", NULL, "period of each hi probe thread whose probes entry gives no INTERVAL; a late "
	  "sample's delay counts against it" },
	{ "file-size", KEY_SIZE, OFF(file_size), 16 * MiB, 1024 * GiB, "512M", NULL,
	  "lo's working set: the mapped data file, or the anonymous/shmem region; keep it several "
	  "times lo-memory-max" },
	{ "hi-file-size", KEY_SIZE, OFF(hi_file_size), 1 * MiB, 64 * GiB, "64M", NULL,
	  "size of hi's file for the I/O probe" },
	{ "lo-memory-max", KEY_SIZE, OFF(lo_memory_max), 8 * MiB, 1024 * GiB, "64M", NULL,
	  "memory.max of lo, well below file-size so faults keep missing memory" },
	{ "lo-memory-high", KEY_SIZE, OFF(lo_memory_high), 0, 1024 * GiB, "0", NULL,
	  "memory.high of lo (0: not set); over it, a large charge such as a THP reclaims and sleeps in the fault" },
	{ "swap-size", KEY_SIZE, OFF(swap_size), 0, 64 * GiB, "0", NULL,
	  "swap file made in the data directory for the run (0: none); anon and shmem need it" },
	/* words and help from the throttle table (throttle.c) */
	{ "throttle", KEY_ENUM, OFF(throttle), 0, 0, "auto", NULL, NULL },
	/* here: every throttle's own keys, in table order */
	{ NULL, KEY_UINT, 0, 0, 0, NULL, NULL, NULL },
	{ "seed", KEY_UINT, OFF(seed), 0, UINT64_MAX, "1", NULL,
	  "seed of the faulters' and the I/O probe's random offsets (recorded; same seed, same pattern)" },
	{ "fio-lo", KEY_STRING, OFF(fio_lo), 0, 0, "", NULL,
	  "background I/O in lo: an fio job file run from before the warm-up to the end of the measurement, "
	  "a name from workloads/fio (randread, seqwrite, mixed) or the path of a job file; empty: none" },
	{ "fio-hi", KEY_STRING, OFF(fio_hi), 0, 0, "", NULL,
	  "background I/O in hi, as fio-lo (unthrottled, it competes with lo for the device)" },
	{ "device-baseline", KEY_ENUM, OFF(device_baseline), 0, 0, "auto", baseline_names,
	  "a 2 s fio run before the scenario (workloads/fio/baseline.fio: 4k O_DIRECT random reads at "
	  "queue depth 1) records the device's read latency; auto: when fio is installed ('mmstall vm' "
	  "brings the host's fio into the guest), on: fio required, off: not run" },
	{ "attribute", KEY_ENUM, OFF(attribute), 0, 0, "off", off_on,
	  "stall attribution: trace lo's mmap_lock through tracefs in the guest and record, behind each probe wait "
	  "over attribute-min, who held the lock, in which mode, asleep where, and which writer was queued "
	  "(the result's attribution object)" },
	{ "attribute-min", KEY_DURATION, OFF(attribute_min_ns), 100 * USEC, 10 * SEC, "5ms", NULL,
	  "attribution threshold: waits and holds at least this long are kept in the result, shorter ones counted" },
};

/*
 * The one list of keys: scenario_keys[] with the marker replaced by every
 * throttle's keys, their offsets moved into the throttle's slice of
 * struct scenario's settings area.  Built on first use.
 */
#define MAX_KEYS 128
static struct scenario_key flat[MAX_KEYS];
static size_t nr_flat;

static void flatten(void)
{
	size_t i, j, t;

	if (nr_flat)
		return;
	for (i = 0; i < ARRAY_SIZE(scenario_keys); i++) {
		if (scenario_keys[i].name) {
			if (nr_flat == MAX_KEYS)
				abort();
			flat[nr_flat] = scenario_keys[i];
			if (!strcmp(flat[nr_flat].name, "throttle")) {
				flat[nr_flat].words = throttle_words();
				flat[nr_flat].help = throttle_help();
			}
			nr_flat++;
			continue;
		}
		for (t = 0; t < throttle_count(); t++) {
			const struct throttle_ops *ops = throttle_at(t);

			for (j = 0; j < ops->nr_keys; j++) {
				if (nr_flat == MAX_KEYS)
					abort();	/* raise MAX_KEYS */
				flat[nr_flat] = ops->keys[j];
				flat[nr_flat].offset += throttle_settings_offset(ops);
				nr_flat++;
			}
		}
	}
}

size_t scenario_key_count(void)
{
	flatten();
	return nr_flat;
}

const struct scenario_key *scenario_key_at(size_t i)
{
	flatten();
	return i < nr_flat ? &flat[i] : NULL;
}

const struct scenario_key *scenario_key_find(const char *name)
{
	size_t i;

	flatten();
	for (i = 0; i < nr_flat; i++)
		if (!strcmp(flat[i].name, name))
			return &flat[i];
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
		if (string_check(k))
			string_check(k)(NULL, buf, len);
		else
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
		if (strlen(value) >= SCENARIO_STR) {
			snprintf(err, errlen, "value of --%s is longer than %d characters", key, SCENARIO_STR - 1);
			return -ERANGE;
		}
		if (string_check(k) && (ret = string_check(k)(value, err, errlen)))
			return ret;
		snprintf(field, SCENARIO_STR, "%s", value);
		return 0;
	case KEY_ENUM:
		for (i = 0; k->words[i]; i++) {
			if (strcmp(k->words[i], value))
				continue;
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
		if (scenario_set(sc, scenario_key_at(i)->name, scenario_key_at(i)->def, err, sizeof(err)))
			abort(); /* a default outside its own range is a bug in the table */
}

static int validate_probes(const struct scenario *sc, char *err, size_t errlen)
{
	struct probe_plan plan[MAX_PROBES];

	return probe_plan_parse(sc->probes, sc->probe_interval_ns, plan, err, errlen);
}

int scenario_validate(const struct scenario *sc, char *err, size_t errlen)
{
	bool anon = sc->fault_mode == FAULT_ANON || sc->fault_mode == FAULT_SHMEM;

	if (validate_probes(sc, err, errlen))
		return -EINVAL;
	if (fio_job_check("fio-lo", sc->fio_lo, err, errlen) || fio_job_check("fio-hi", sc->fio_hi, err, errlen))
		return -EINVAL;
	if (anon && sc->swap_size + sc->lo_memory_max < sc->file_size + sc->file_size / 8) {
		snprintf(err, errlen,
			 "--fault-mode %s keeps --file-size (%" PRIu64 " bytes) of memory in lo, which has only "
			 "--lo-memory-max (%" PRIu64 ") of RAM: --swap-size must be at least %" PRIu64
			 " bytes or lo is OOM-killed",
			 fault_mode_names[sc->fault_mode], sc->file_size, sc->lo_memory_max,
			 sc->file_size + sc->file_size / 8 - sc->lo_memory_max);
		return -EINVAL;
	}
	if (sc->write_percent != 100 && sc->fault_mode != FAULT_WRITE_SHARED) {
		snprintf(err, errlen, "--write-percent %" PRIu64 " needs --fault-mode write-shared (it is %s): "
			 "only a writable shared file mapping mixes reads and writes",
			 sc->write_percent, fault_mode_names[sc->fault_mode]);
		return -EINVAL;
	}
	if (sc->fault_mode == FAULT_THP) {
		if (!sc->lo_memory_high || sc->lo_memory_high * 2 > sc->file_size) {
			snprintf(err, errlen, "--fault-mode thp needs --lo-memory-high set, and --file-size at least "
				 "twice it, so lo's huge page faults keep going over memory.high");
			return -EINVAL;
		}
		return 0;
	}
	if (sc->fault_mode != FAULT_NONE && sc->lo_memory_max * 2 > sc->file_size) {
		snprintf(err, errlen,
			 "--file-size (%" PRIu64 " bytes) must be at least twice --lo-memory-max (%" PRIu64
			 " bytes), or lo's faults would be served from the page cache",
			 sc->file_size, sc->lo_memory_max);
		return -EINVAL;
	}
	return throttle_validate(sc, err, errlen);
}

/* What each fault mode needs of the kernel (harness/kernel/features.c names). */
static const char *const *const fault_mode_needs[] = {
	[FAULT_ANON] = (const char *const[]){ "swap", NULL },
	[FAULT_SHMEM] = (const char *const[]){ "swap", "shmem", NULL },
	[FAULT_THP] = (const char *const[]){ "thp", NULL },
};

static int each_need(const char *const *needs, const char *because,
		     int (*need)(const char *, const char *, void *), void *arg)
{
	int ret;

	for (; needs && *needs; needs++)
		if ((ret = need(*needs, because, arg)))
			return ret;
	return 0;
}

int scenario_kernel_needs(const struct scenario *sc, int (*need)(const char *feature, const char *because, void *arg),
			  void *arg)
{
	struct probe_plan plan[MAX_PROBES];
	char because[128], err[512];
	int ret, i;

	if ((ret = need("memcg", "every scenario (lo's memory limit)", arg)))
		return ret;
	snprintf(because, sizeof(because), "the %s throttle", throttle_of(sc)->name);
	if ((ret = each_need(throttle_of(sc)->needs, because, need, arg)))
		return ret;
	snprintf(because, sizeof(because), "fault-mode %s", fault_mode_names[sc->fault_mode]);
	if (sc->fault_mode < ARRAY_SIZE(fault_mode_needs) &&
	    (ret = each_need(fault_mode_needs[sc->fault_mode], because, need, arg)))
		return ret;
	if (sc->swap_size && (ret = need("swap", "swap-size > 0", arg)))
		return ret;
	if (sc->attribute && (ret = need("tracing", "attribute on", arg)))
		return ret;
	if (probe_plan_parse(sc->probes, sc->probe_interval_ns, plan, err, sizeof(err)))
		return 0;
	for (i = 0; i < probe_count; i++) {
		if (!plan[i].on)
			continue;
		snprintf(because, sizeof(because), "the %s probe", probe_list[i]->name);
		if ((ret = each_need(probe_list[i]->needs, because, need, arg)))
			return ret;
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
		const struct scenario_key *k = scenario_key_at(i);
		char accepted[256], line[1024];

		describe_accepted(k, accepted, sizeof(accepted));
		fprintf(f, "  --%s VALUE\n", k->name);
		text_wrap(f, "", 8, 80, k->help);
		snprintf(line, sizeof(line), "default %s; %s", k->def[0] ? k->def : "empty", accepted);
		text_wrap(f, "", 8, 80, line);
	}
}

void scenario_print_man(FILE *f)
{
	size_t i;

	for (i = 0; i < scenario_nr_keys; i++) {
		const struct scenario_key *k = scenario_key_at(i);
		char accepted[256];

		describe_accepted(k, accepted, sizeof(accepted));
		fprintf(f, ".TP\n.BI \\-\\-%s \" VALUE\"\n%s.\nDefault: %s; %s.\n", k->name, k->help,
			k->def[0] ? k->def : "empty", accepted);
	}
}

struct result_setting *scenario_settings(const struct scenario *sc, size_t *n)
{
	struct result_setting *out = xcalloc(scenario_nr_keys + 1, sizeof(*out));
	size_t i;

	for (i = 0; i < scenario_nr_keys; i++) {
		const struct scenario_key *k = scenario_key_at(i);
		uint64_t v = *(const uint64_t *)((const char *)sc + k->offset);

		out[i].name = k->name;
		switch (k->type) {
		case KEY_STRING:
			out[i].type = RESULT_SETTING_TEXT;
			out[i].text = (const char *)sc + k->offset;
			break;
		case KEY_ENUM:
			out[i].type = RESULT_SETTING_TEXT;
			out[i].text = k->words[v];
			break;
		case KEY_DURATION:
			out[i].type = RESULT_SETTING_NS;
			out[i].value = v;
			break;
		case KEY_SIZE:
			out[i].type = RESULT_SETTING_BYTES;
			out[i].value = v;
			break;
		case KEY_UINT:
			out[i].type = RESULT_SETTING_COUNT;
			out[i].value = v;
			break;
		}
	}
	*n = scenario_nr_keys;
	return out;
}

json_t *scenario_to_json(const struct scenario *sc)
{
	size_t n;
	struct result_setting *s = scenario_settings(sc, &n);
	json_t *o = result_scenario_json(s, n);

	free(s);
	return o;
}

char **scenario_to_argv(const struct scenario *sc, int *argc_out)
{
	char **argv = xcalloc(scenario_nr_keys + 1, sizeof(char *));
	size_t i;

	for (i = 0; i < scenario_nr_keys; i++) {
		char buf[128];

		format_value(sc, scenario_key_at(i), buf, sizeof(buf));
		argv[i] = xasprintf("--%s=%s", scenario_key_at(i)->name, buf);
	}
	*argc_out = (int)scenario_nr_keys;
	return argv;
}

/* --- scenario files --- */

/* Where "key" first appears in text, as 1-based line and column. */
static void locate(const char *text, const char *key, int *line, int *col)
{
	char needle[80];
	const char *p, *q;

	snprintf(needle, sizeof(needle), "\"%s\"", key);
	*line = 0;
	*col = 0;
	p = strstr(text, needle);
	if (!p)
		return;
	*line = 1;
	for (q = text; q < p; q++)
		if (*q == '\n')
			*line += 1;
	for (q = p; q > text && q[-1] != '\n'; q--)
		;
	*col = (int)(p - q) + 1;
}

static const char *const file_keys[] = { "name", "description", "path", "expect", "measured", "settings", NULL };

static int load_text(struct scenario *sc, const char *what, const char *text, char *err, size_t errlen)
{
	json_t *root, *settings, *v;
	const char *key;
	json_error_t je;
	int line, col, ret = 0, i;

	root = json_loads(text, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		snprintf(err, errlen, "%s:%d:%d: %s", what, je.line, je.column, je.text);
		return -EINVAL;
	}
	if (!json_is_object(root)) {
		snprintf(err, errlen, "%s: a scenario is a JSON object with \"name\", \"description\" and \"settings\"",
			 what);
		json_decref(root);
		return -EINVAL;
	}
	json_object_foreach(root, key, v) {
		for (i = 0; file_keys[i] && strcmp(file_keys[i], key); i++)
			;
		if (!file_keys[i]) {
			locate(text, key, &line, &col);
			snprintf(err, errlen, "%s:%d:%d: unknown field \"%s\": a scenario has name, description, "
				 "path, expect, measured and settings", what, line, col, key);
			json_decref(root);
			return -EINVAL;
		}
	}
	v = json_object_get(root, "name");
	settings = json_object_get(root, "settings");
	if (!json_is_string(v) || !json_is_object(settings)) {
		snprintf(err, errlen, "%s: needs \"name\" (a string) and \"settings\" (an object of key: value)", what);
		json_decref(root);
		return -EINVAL;
	}
	/* through the key table, as settings.name: a name too long is refused, never cut */
	{
		char msg[512];

		ret = scenario_set(sc, "name", json_string_value(v), msg, sizeof(msg));
		if (ret) {
			locate(text, "name", &line, &col);
			snprintf(err, errlen, "%s:%d:%d: name: %s", what, line, col, msg);
			json_decref(root);
			return ret;
		}
	}
	json_object_foreach(settings, key, v) {
		const struct scenario_key *k = scenario_key_find(key);
		char val[64], msg[512];

		locate(text, key, &line, &col);
		if (k && json_is_integer(v) && k->type != KEY_DURATION) {
			snprintf(val, sizeof(val), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
			ret = scenario_set(sc, key, val, msg, sizeof(msg));
		} else if (k && json_is_string(v)) {
			ret = scenario_set(sc, key, json_string_value(v), msg, sizeof(msg));
		} else if (k && scenario_key_is_flag(k) && json_is_boolean(v)) {
			ret = scenario_set(sc, key, json_is_true(v) ? "on" : "off", msg, sizeof(msg));
		} else if (k) {
			snprintf(msg, sizeof(msg), "the value of %s must be a string%s", key,
				 k->type == KEY_DURATION ? " with a unit, e.g. \"10ms\"" : " or a whole number");
			ret = -EINVAL;
		} else {
			ret = scenario_set(sc, key, "", msg, sizeof(msg));
		}
		if (ret) {
			snprintf(err, errlen, "%s:%d:%d: settings.%s: %s", what, line, col, key, msg);
			break;
		}
	}
	json_decref(root);
	return ret;
}

int scenario_load(struct scenario *sc, const char *name_or_file, char *err, size_t errlen)
{
	const struct scenario_builtin *b;
	char *text;
	int ret;

	for (b = scenario_builtins; b->name; b++)
		if (!strcmp(b->name, name_or_file))
			return load_text(sc, b->name, b->json, err, errlen);
	if (!strchr(name_or_file, '/') && !strstr(name_or_file, ".json")) {
		size_t n = snprintf(err, errlen, "unknown scenario '%s': built-in scenarios are", name_or_file);

		for (b = scenario_builtins; b->name && n < errlen; b++)
			n += snprintf(err + n, errlen - n, " %s", b->name);
		if (n < errlen)
			snprintf(err + n, errlen - n, " (see 'mmstall scenarios'), or give the path of a .json file");
		return -ENOENT;
	}
	/* a FIFO or a device is refused at once, and nothing is read without end */
	ret = read_file_capped(name_or_file, SCENARIO_FILE_MAX, &text, NULL);
	if (ret) {
		snprintf(err, errlen, "cannot read scenario file %s: %s", name_or_file,
			 ret == -EINVAL ? "not a regular file (a scenario is a .json file)"
			 : ret == -EFBIG ? "larger than " STRINGIFY(SCENARIO_FILE_MAX) " bytes, more than any scenario"
					 : strerror(-ret));
		return ret;
	}
	ret = load_text(sc, name_or_file, text, err, errlen);
	free(text);
	return ret;
}

int scenario_set_pair(struct scenario *sc, const char *pair, char *err, size_t errlen)
{
	const char *eq = strchr(pair, '=');
	char key[64];

	if (!eq || eq == pair || (size_t)(eq - pair) >= sizeof(key)) {
		snprintf(err, errlen, "--set takes KEY=VALUE, got '%s'", pair);
		return -EINVAL;
	}
	snprintf(key, sizeof(key), "%.*s", (int)(eq - pair), pair);
	return scenario_set(sc, key, eq + 1, err, errlen);
}

static const char *description_of(const char *json)
{
	static char buf[256];
	json_t *root = json_loads(json, 0, NULL);
	const char *d = json_string_value(json_object_get(root, "description"));

	snprintf(buf, sizeof(buf), "%s", d ? d : "");
	json_decref(root);
	return buf;
}

void scenario_list(FILE *f)
{
	const struct scenario_builtin *b;

	for (b = scenario_builtins; b->name; b++)
		fprintf(f, "%-14s %s\n", b->name, description_of(b->json));
}

void scenario_print(FILE *f, const struct scenario *sc)
{
	size_t i;

	for (i = 0; i < scenario_nr_keys; i++) {
		const struct scenario_key *k = scenario_key_at(i);
		char buf[SCENARIO_STR + 32];

		format_value(sc, k, buf, sizeof(buf));
		if (k->type == KEY_DURATION)
			fmt_ns(buf, sizeof(buf), (double)*(const uint64_t *)((const char *)sc + k->offset));
		fprintf(f, "%-18s = %s\n", k->name, buf);
	}
}

void scenario_print_probes(FILE *f, const struct scenario *sc)
{
	struct probe_plan plan[MAX_PROBES];
	char err[512], iv[32], gap[32];
	int i;

	if (probe_plan_parse(sc->probes, sc->probe_interval_ns, plan, err, sizeof(err)))
		return;
	fprintf(f, "\nprobes as run (each thread on its own schedule):\n");
	for (i = 0; i < probe_count; i++) {
		if (!plan[i].on)
			continue;
		fmt_ns(iv, sizeof(iv), (double)plan[i].interval_ns);
		fmt_ns(gap, sizeof(gap), (double)plan[i].interval_ns / plan[i].threads);
		fprintf(f, "  %-14s every %s, %u thread%s", probe_list[i]->name, iv, plan[i].threads,
			plan[i].threads > 1 ? "s" : "");
		if (plan[i].threads > 1)
			fprintf(f, " (starts %s apart)", gap);
		fprintf(f, ": %.0f samples/s%s\n", 1e9 * plan[i].threads / (double)plan[i].interval_ns,
			probe_list[i]->control ? " (control)" : "");
	}
}

json_t *scenario_probes_json(const struct scenario *sc)
{
	struct probe_plan plan[MAX_PROBES];
	json_t *o = json_object();
	char err[512];
	int i;

	if (probe_plan_parse(sc->probes, sc->probe_interval_ns, plan, err, sizeof(err)))
		return o;
	for (i = 0; i < probe_count; i++)
		if (plan[i].on)
			json_object_set_new(o, probe_list[i]->name,
					    json_pack("{s:I,s:i}", "interval_ns", (json_int_t)plan[i].interval_ns,
						      "threads", (int)plan[i].threads));
	return o;
}

/* --- the shared command-line layer --- */

struct option *scenario_longopts(const struct option *own, size_t n_own)
{
	struct option *lo = xcalloc(n_own + 2 + scenario_nr_keys + 1, sizeof(*lo));
	size_t i;

	memcpy(lo, own, n_own * sizeof(*own));
	lo[n_own] = (struct option){ "scenario", required_argument, NULL, SCENARIO_OPT_SCENARIO };
	lo[n_own + 1] = (struct option){ "set", required_argument, NULL, SCENARIO_OPT_SET };
	for (i = 0; i < scenario_nr_keys; i++)
		lo[n_own + 2 + i] = (struct option){ scenario_key_at(i)->name,
						     required_argument, NULL,
						     SCENARIO_OPT_BASE + (int)i };
	return lo;
}

bool scenario_cli_is_opt(int c)
{
	return c == SCENARIO_OPT_SCENARIO || c == SCENARIO_OPT_SET ||
	       (c >= SCENARIO_OPT_BASE && c < SCENARIO_OPT_BASE + (int)scenario_nr_keys);
}

int scenario_cli_record(struct scenario_cli *cli, int c, const char *arg, char *err, size_t errlen)
{
	if (c == SCENARIO_OPT_SCENARIO) {
		cli->scenario = arg;
		return 0;
	}
	if (cli->nr == SCENARIO_MAX_OVERRIDES) {
		snprintf(err, errlen, "too many settings on the command line (at most %d)", SCENARIO_MAX_OVERRIDES);
		return -E2BIG;
	}
	cli->ov[cli->nr].key = c == SCENARIO_OPT_SET ? NULL : scenario_key_at(c - SCENARIO_OPT_BASE)->name;
	cli->ov[cli->nr].value = c == SCENARIO_OPT_SET ? NULL : arg;
	cli->ov[cli->nr].pair = c == SCENARIO_OPT_SET ? arg : NULL;
	cli->nr++;
	return 0;
}

int scenario_cli_finish(const struct scenario_cli *cli, struct scenario *sc, char *err, size_t errlen)
{
	int i, ret;

	scenario_defaults(sc);
	if (cli->scenario) {
		ret = scenario_load(sc, cli->scenario, err, errlen);
		if (ret)
			return ret;
	}
	for (i = 0; i < cli->nr; i++) {
		ret = cli->ov[i].key ? scenario_set(sc, cli->ov[i].key, cli->ov[i].value, err, errlen)
				     : scenario_set_pair(sc, cli->ov[i].pair, err, errlen);
		if (ret)
			return ret;
	}
	return scenario_validate(sc, err, errlen);
}

void scenario_cli_help(FILE *f)
{
	fprintf(f, "  --scenario NAME|FILE  a built-in scenario (see 'mmstall scenarios') or a\n"
		   "                        scenario file; settings on the command line override it\n"
		   "  --set KEY=VALUE       set any scenario setting (same as --KEY VALUE)\n");
}
