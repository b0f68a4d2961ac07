/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Scenario settings.  Every setting is declared once: the scenario's own
 * in scenario_keys[] (scenario.c), a throttle's in its file
 * (workloads/throttles/NAME.c, see throttle.h): name, type, range, default
 * and help.  The command-line parser, --help, the man page's option list
 * and the copy of the settings in every result file all come from those
 * tables, seen as one list through scenario_key_at().
 */
#ifndef MMSTALL_SCENARIO_H
#define MMSTALL_SCENARIO_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct result_setting;

/* How lo's faulters touch memory; see docs/kernel-notes.md for each path. */
enum fault_mode {
	FAULT_READ_SHARED,	/* read faults on a MAP_SHARED file mapping */
	FAULT_READ_PRIVATE,	/* read faults on a MAP_PRIVATE file mapping */
	FAULT_WRITE_SHARED,	/* write faults on MAP_SHARED: ->page_mkwrite, dirty pages */
	FAULT_ANON,		/* anonymous memory pushed to swap, read back */
	FAULT_SHMEM,		/* shared anonymous (shmem) memory pushed to swap */
	FAULT_THP,		/* fresh THP faults on anonymous memory over memory.high */
	FAULT_NONE,		/* no faulting at all: the control scenario */
};

/* What lo's writer threads do to take mmap_lock for write. */
enum writer_mode {
	WRITER_MPROTECT_OWN,	/* mprotect() of a VMA of its own */
	WRITER_MPROTECT_FAULTED,/* mprotect() of the VMA being faulted (per-VMA locks don't help) */
	WRITER_MMAP_CHURN,	/* mmap()+munmap() of a page */
	WRITER_FORK,		/* fork() (dup_mmap write-locks the parent's mm) */
	WRITER_NONE,
};

/* The device baseline (fio) before the scenario. */
enum baseline_mode {
	BASELINE_AUTO,		/* when fio is found (in guests: when the host has fio) */
	BASELINE_ON,		/* required: no fio, or a failed baseline, fails the run */
	BASELINE_OFF,
};

#define SCENARIO_STR 128
/* The generic settings area: each throttle's keys are stored in a slice of it (throttle.c). */
#define SCENARIO_EXT_WORDS 64

struct scenario {
	char name[SCENARIO_STR];	/* recorded name (set by a scenario file) */
	char probes[SCENARIO_STR];	/* comma-separated probe names */
	uint64_t duration_ns;		/* measured part, after warm-up */
	uint64_t warmup_ns;		/* samples whose intended start is earlier are dropped */
	uint64_t fault_mode;		/* enum fault_mode */
	uint64_t faulters;		/* faulter threads in lo */
	uint64_t write_percent;		/* write-shared: share of touches that write (the rest read) */
	uint64_t writer;		/* enum writer_mode */
	uint64_t writers;		/* writer threads in lo */
	uint64_t writer_interval_ns;	/* each writer's period */
	uint64_t probe_interval_ns;	/* each probe's period */
	uint64_t file_size;		/* lo's working set: data file or anonymous memory */
	uint64_t hi_file_size;		/* hi's file for the I/O probe */
	uint64_t lo_memory_max;		/* lo's memory.max */
	uint64_t lo_memory_high;	/* lo's memory.high (0: not set) */
	uint64_t swap_size;		/* swap file made for the run (0: none) */
	uint64_t throttle;		/* index in the throttle table (throttle.h) */
	uint64_t seed;
	/* fio (workloads/fio.h): background job files run in lo and hi ("": none) */
	char fio_lo[SCENARIO_STR];
	char fio_hi[SCENARIO_STR];
	uint64_t device_baseline;	/* enum baseline_mode */
	uint64_t attribute;		/* stall attribution (workloads/tracefs.h, harness/attrib.h): 0 off, 1 on */
	uint64_t attribute_min_ns;	/* its threshold: shorter waits and holds are only counted */
	/* settings of the parts that declare their own keys (throttles), read through throttle_settings() */
	uint64_t ext[SCENARIO_EXT_WORDS];
};

enum scenario_key_type {
	KEY_STRING,
	KEY_UINT,
	KEY_DURATION,	/* "10ms", "2s"; stored in ns */
	KEY_SIZE,	/* "64M"; stored in bytes */
	KEY_ENUM,	/* one of a list of words; stored as index */
};

struct scenario_key {
	const char *name;	/* also the long option: --name */
	enum scenario_key_type type;
	size_t offset;		/* into struct scenario (a throttle's: into its own settings struct) */
	uint64_t min, max;	/* accepted range (numbers) */
	const char *def;	/* default, in the same syntax a user types */
	const char *const *words; /* KEY_ENUM: NULL-terminated */
	const char *help;
};

/* An off/on key: a scenario file may also say true/false. */
bool scenario_key_is_flag(const struct scenario_key *k);

/* Every key, the scenario's and the throttles', in one list (offsets into struct scenario). */
size_t scenario_key_count(void);
const struct scenario_key *scenario_key_at(size_t i);
/* The number of keys (a function call: the throttles' keys are counted in). */
#define scenario_nr_keys scenario_key_count()
extern const char *const fault_mode_names[];
extern const char *const writer_names[];
extern const char *const baseline_names[];

/* Fill with defaults. */
void scenario_defaults(struct scenario *sc);

/*
 * Apply a scenario: a built-in name (workloads/scenarios/NAME.json, built
 * into the binary) or a path to a JSON file.  Its "settings" go through
 * scenario_set(); errors name the file, the line and column, the key and
 * what is accepted.  The scenario's name is recorded in sc->name.
 */
int scenario_load(struct scenario *sc, const char *name_or_file, char *err, size_t errlen);
/* Parse "key=value" (--set) into scenario_set(). */
int scenario_set_pair(struct scenario *sc, const char *pair, char *err, size_t errlen);
/* The built-in scenarios: name and JSON text, NULL-terminated. */
struct scenario_builtin {
	const char *name;
	const char *json;
};
extern const struct scenario_builtin scenario_builtins[];
/* Print "name  description" for each built-in scenario. */
void scenario_list(FILE *f);
/* Print the resolved settings, one "key = value" a line. */
void scenario_print(FILE *f, const struct scenario *sc);
/* Print each probe's effective interval and thread count (the probes setting resolved). */
void scenario_print_probes(FILE *f, const struct scenario *sc);
/* The same as {"maps": {"interval_ns": N, "threads": N}, ...}. */
json_t *scenario_probes_json(const struct scenario *sc);
/*
 * Set one key from text.  On error returns -EINVAL/-ERANGE/-ENOENT and
 * writes a message naming the key, the value and what is accepted into
 * err (size errlen).
 */
int scenario_set(struct scenario *sc, const char *key, const char *value, char *err, size_t errlen);
/* Look up a key by name, NULL if unknown. */
const struct scenario_key *scenario_key_find(const char *name);
/* Cross-key checks (e.g. warm-up shorter than the file...). */
int scenario_validate(const struct scenario *sc, char *err, size_t errlen);
/*
 * The kernel features the scenario needs, each with why: its throttle's,
 * its fault mode's, its probes' (harness/kernel/features.c names; "a|b": either).
 * Calls need(feature, because, arg) for each; stops at and returns the
 * first non-zero return.
 */
int scenario_kernel_needs(const struct scenario *sc, int (*need)(const char *feature, const char *because, void *arg),
			  void *arg);
/* Print "  --name VALUE   help (default: x; range)" lines for --help. */
void scenario_print_help(FILE *f);
/* The same list as roff, for the man page (generated at build time). */
void scenario_print_man(FILE *f);
/*
 * Every setting, typed, for the result's "scenario" object
 * (harness/result.h: result_set_scenario()); points into sc.  Caller frees.
 */
struct result_setting *scenario_settings(const struct scenario *sc, size_t *n);
/* The same as the result's JSON object (result_scenario_json()). */
json_t *scenario_to_json(const struct scenario *sc);
/* The settings as "--key=value" arguments (for the guest's command line). */
char **scenario_to_argv(const struct scenario *sc, int *argc_out);

/*
 * Command-line layer shared by 'run' and 'vm': --scenario NAME|FILE,
 * --set KEY=VALUE and --KEY VALUE for every key.  Options are recorded as
 * they come and applied by scenario_cli_finish() in a fixed order:
 * defaults, then the scenario, then each override in command-line order.
 */
#define SCENARIO_OPT_BASE 2000
#define SCENARIO_OPT_SCENARIO (SCENARIO_OPT_BASE - 1)
#define SCENARIO_OPT_SET (SCENARIO_OPT_BASE - 2)
#define SCENARIO_MAX_OVERRIDES 128

struct option;
struct scenario_cli {
	const char *scenario;
	int nr;
	struct {
		const char *key;
		const char *value;	/* NULL: value is in pair, "key=value" */
		const char *pair;
	} ov[SCENARIO_MAX_OVERRIDES];
};

/* own[] (n_own entries) followed by --scenario, --set and every key; caller frees. */
struct option *scenario_longopts(const struct option *own, size_t n_own);
bool scenario_cli_is_opt(int c);
int scenario_cli_record(struct scenario_cli *cli, int c, const char *arg, char *err, size_t errlen);
int scenario_cli_finish(const struct scenario_cli *cli, struct scenario *sc, char *err, size_t errlen);
/* --help text for --scenario and --set. */
void scenario_cli_help(FILE *f);

#endif
