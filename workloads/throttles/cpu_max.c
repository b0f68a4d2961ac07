// SPDX-License-Identifier: GPL-2.0
/* cpu.max on lo: a lock holder can be throttled at a preemption point in the kernel. */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>

#include "cgroup/cg.h"
#include "harness/util.h"
#include "workloads/scenario.h"
#include "workloads/throttle.h"

struct cpu_max_settings {
	uint64_t quota_ns, period_ns;
};

static const struct scenario_key keys[] = {
	{ "cpu-max-quota", KEY_DURATION, offsetof(struct cpu_max_settings, quota_ns), NSEC_PER_MSEC,
	  10 * NSEC_PER_SEC, "5ms", NULL, "cpu.max quota of lo per period (throttle cpu.max)" },
	{ "cpu-max-period", KEY_DURATION, offsetof(struct cpu_max_settings, period_ns), NSEC_PER_MSEC,
	  10 * NSEC_PER_SEC, "100ms", NULL, "cpu.max period" },
};

static int available(const struct throttle_ctx *t, char *err, size_t errlen)
{
	if (cg_group_has(&t->cg->lo, "cpu.max"))
		return 0;
	snprintf(err, errlen, "--throttle cpu.max: no cpu.max in lo (the cpu controller is not enabled, or "
		 "CONFIG_CFS_BANDWIDTH is not set)");
	return -EOPNOTSUPP;
}

static int apply(struct throttle_ctx *t, char *err, size_t errlen)
{
	const struct cpu_max_settings *s = t->settings;
	struct throttle_run *run = t->run;

	snprintf(run->value, sizeof(run->value), "%" PRIu64 " %" PRIu64, (uint64_t)(s->quota_ns / NSEC_PER_USEC),
		 (uint64_t)(s->period_ns / NSEC_PER_USEC));
	run->group = "lo";
	snprintf(run->file, sizeof(run->file), "cpu.max");
	cg_group_set(&t->cg->lo, "cpu", "cpu.max", run->value);
	return cg_group_apply(t->cg, &t->cg->lo, err, errlen);
}

static void lift(struct throttle_ctx *t)
{
	if (t->cg->created && cg_group_write(&t->cg->lo, "cpu.max", "max"))
		msg_warn("could not lift the throttle: writing \"max\" to %s/cpu.max failed", t->cg->lo.path);
}

const struct throttle_ops throttle_cpu_max = {
	.name = "cpu.max",
	.help = "cpu.max (on lo)",
	.keys = keys,
	.nr_keys = ARRAY_SIZE(keys),
	.settings_size = sizeof(struct cpu_max_settings),
	.needs = (const char *const[]){ "cpu.max", NULL },
	.controllers = (const char *const[]){ "cpu", NULL },
	.available = available,
	.apply = apply,
	.lift = lift,
};
