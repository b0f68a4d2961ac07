// SPDX-License-Identifier: GPL-2.0
/* The throttle table and what every throttle shares; see throttle.h. */
#include "workloads/throttle.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup/blk.h"
#include "cgroup/cg.h"
#include "harness/result.h"
#include "harness/util.h"
#include "workloads/scenario.h"

/*
 * Every throttle, one line each (workloads/throttles/NAME.c defines
 * throttle_NAME).  The order is that of --help and of the keys in results.
 */
#define THROTTLES(X)    \
	X(auto)         \
	X(io_latency)   \
	X(io_max)       \
	X(io_cost)      \
	X(cpu_max)      \
	X(none)

#define DECLARE(n) extern const struct throttle_ops throttle_##n;
THROTTLES(DECLARE)
#define ENTRY(n) &throttle_##n,
static const struct throttle_ops *const table[] = { THROTTLES(ENTRY) };

size_t throttle_count(void)
{
	return ARRAY_SIZE(table);
}

const struct throttle_ops *throttle_at(size_t i)
{
	return i < ARRAY_SIZE(table) ? table[i] : NULL;
}

const struct throttle_ops *throttle_find(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(table); i++)
		if (!strcmp(table[i]->name, name))
			return table[i];
	return NULL;
}

const struct throttle_ops *throttle_of(const struct scenario *sc)
{
	return table[sc->throttle < ARRAY_SIZE(table) ? sc->throttle : 0];
}

const char *const *throttle_words(void)
{
	static const char *words[ARRAY_SIZE(table) + 1];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(table); i++)
		words[i] = table[i]->name;
	return words;
}

const char *throttle_help(void)
{
	static char help[1024];
	size_t i, n;

	n = snprintf(help, sizeof(help), "what slows lo down: ");
	for (i = 0; i < ARRAY_SIZE(table) && n < sizeof(help); i++)
		n += snprintf(help + n, sizeof(help) - n, "%s%s", i ? "; " : "", table[i]->help);
	return help;
}

/* Each throttle's slice of struct scenario's settings area, in table order, 8-byte aligned. */
size_t throttle_settings_offset(const struct throttle_ops *ops)
{
	size_t i, off = 0;

	for (i = 0; i < ARRAY_SIZE(table) && table[i] != ops; i++)
		off += (table[i]->settings_size + 7) & ~(size_t)7;
	if (i == ARRAY_SIZE(table) || off + ops->settings_size > sizeof(((struct scenario *)0)->ext))
		abort();	/* not in the table, or SCENARIO_EXT_WORDS too small: a bug */
	return offsetof(struct scenario, ext) + off;
}

const void *throttle_settings(const struct scenario *sc, const struct throttle_ops *ops)
{
	return (const char *)sc + throttle_settings_offset(ops);
}

int throttle_validate(const struct scenario *sc, char *err, size_t errlen)
{
	const struct throttle_ops *ops = throttle_of(sc);

	return ops->validate ? ops->validate(throttle_settings(sc, ops), err, errlen) : 0;
}

const char *const *throttle_controllers(const struct scenario *sc)
{
	static const char *list[8];
	const struct throttle_ops *ops = throttle_of(sc);
	size_t n = 0, i;

	list[n++] = "io";
	list[n++] = "memory";
	for (i = 0; ops->controllers && ops->controllers[i] && n < ARRAY_SIZE(list) - 1; i++)
		list[n++] = ops->controllers[i];
	list[n] = NULL;
	return list;
}

int throttle_run_init(struct throttle_run *run, const struct scenario *sc, const char *data_dir, char *err,
		      size_t errlen)
{
	memset(run, 0, sizeof(*run));
	run->requested = throttle_of(sc);
	return cg_disk_for_path(data_dir, run->device, sizeof(run->device), run->disk, sizeof(run->disk), err,
				errlen);
}

int throttle_apply_as(struct throttle_ctx *t, const struct throttle_ops *ops, char *err, size_t errlen)
{
	int ret;

	if (ops->available) {
		ret = ops->available(t, err, errlen);
		if (ret)
			return ret;
	}
	t->settings = throttle_settings(t->sc, ops);
	t->run->kind = ops;
	return ops->apply(t, err, errlen);
}

int throttle_apply(const struct scenario *sc, struct cg_session *cg, struct throttle_run *run, char *err,
		   size_t errlen)
{
	struct throttle_ctx t = { .sc = sc, .cg = cg, .run = run };

	run->requested = throttle_of(sc);
	snprintf(run->reason, sizeof(run->reason), "requested with --throttle %s", run->requested->name);
	return throttle_apply_as(&t, run->requested, err, errlen);
}

void throttle_lift(const struct scenario *sc, struct cg_session *cg, struct throttle_run *run)
{
	struct throttle_ctx t = { .sc = sc, .cg = cg, .run = run };

	if (!run->kind || !run->kind->lift)
		return;
	t.settings = throttle_settings(sc, run->kind);
	run->kind->lift(&t);
}

void throttle_result(const struct throttle_run *run, struct result_throttle *out)
{
	const struct throttle_ops *kind = run->kind ? run->kind : run->requested;

	*out = (struct result_throttle){
		.requested = run->requested ? run->requested->name : "auto",
		.kind = kind ? kind->name : "auto",
		.reason = run->reason,
		.device = run->device,
		.disk = run->disk,
		.group = run->group,
		.file = run->group ? run->file : NULL,
		.value = run->group ? run->value : NULL,
		.other_settings = run->other[0] ? run->other : NULL,
	};
}
