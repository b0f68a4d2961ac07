/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Scenario settings.  Every setting is declared once, in scenario_keys[]
 * (scenario.c): name, type, range, default and help.  The command-line
 * parser, --help, the man page's option list and the copy of the settings in
 * every result file all come from that table.
 */
#ifndef MMSTALL_SCENARIO_H
#define MMSTALL_SCENARIO_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

enum throttle_kind {
	THROTTLE_AUTO,		/* io.latency if the kernel has it, else io.max */
	THROTTLE_IO_LATENCY,	/* target on hi; peers (lo) get throttled */
	THROTTLE_IO_MAX,	/* bps/iops limits on lo */
	THROTTLE_NONE,
};

struct scenario {
	char name[64];
	uint64_t duration_ns;		/* measured part, after warm-up */
	uint64_t warmup_ns;		/* samples whose intended start is earlier are dropped */
	uint64_t faulters;		/* faulter threads in lo */
	uint64_t writer_interval_ns;	/* lo's mprotect() period */
	uint64_t probe_interval_ns;	/* each probe's period */
	uint64_t file_size;		/* lo's data file */
	uint64_t hi_file_size;		/* hi's file for the I/O probe */
	uint64_t lo_memory_max;		/* lo's memory.max */
	uint64_t throttle;		/* enum throttle_kind */
	uint64_t io_latency_target_ns;	/* io.latency target on hi */
	uint64_t io_max_riops;		/* io.max on lo (0 = no limit) */
	uint64_t io_max_rbps;
	uint64_t io_max_wiops;
	uint64_t io_max_wbps;
	uint64_t seed;
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
	size_t offset;		/* into struct scenario */
	uint64_t min, max;	/* accepted range (numbers) */
	const char *def;	/* default, in the same syntax a user types */
	const char *const *words; /* KEY_ENUM: NULL-terminated */
	const char *help;
};

extern const struct scenario_key scenario_keys[];
extern const size_t scenario_nr_keys;
extern const char *const throttle_names[];

/* Fill with defaults. */
void scenario_defaults(struct scenario *sc);
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
/* Print "  --name VALUE   help (default: x; range)" lines for --help. */
void scenario_print_help(FILE *f);
/* The same list as roff, for the man page (generated at build time). */
void scenario_print_man(FILE *f);
/* The settings as a JSON object, as recorded in results. */
json_t *scenario_to_json(const struct scenario *sc);
/* The settings as "--key=value" arguments (for the guest's command line). */
char **scenario_to_argv(const struct scenario *sc, int *argc_out);

#endif
