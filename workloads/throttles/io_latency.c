// SPDX-License-Identifier: GPL-2.0
/*
 * io.latency: a latency target on hi; when hi misses it, its peers (lo)
 * are throttled in submit_bio, so a fault's I/O sleeps there (the seed's
 * throttle).  Debian's kernels are built without it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>

#include "cgroup/cg.h"
#include "harness/util.h"
#include "workloads/scenario.h"
#include "workloads/throttle.h"

struct io_latency_settings {
	uint64_t target_ns;
};

static const struct scenario_key keys[] = {
	{ "io-latency-target", KEY_DURATION, offsetof(struct io_latency_settings, target_ns), 100 * NSEC_PER_USEC,
	  10 * NSEC_PER_SEC, "5ms", NULL, "io.latency target set on hi" },
};

static int available(const struct throttle_ctx *t, char *err, size_t errlen)
{
	if (cg_group_has(&t->cg->hi, "io.latency"))
		return 0;
	snprintf(err, errlen, "--throttle io.latency: this kernel has no io.latency file in cgroup2 "
		 "(CONFIG_BLK_CGROUP_IOLATENCY is not set, as in Debian's kernels); use --throttle io.max, "
		 "--throttle auto, or a kernel built with it");
	return -EOPNOTSUPP;
}

static int apply(struct throttle_ctx *t, char *err, size_t errlen)
{
	const struct io_latency_settings *s = t->settings;
	struct throttle_run *run = t->run;

	/* io.latency's target is in microseconds. */
	snprintf(run->value, sizeof(run->value), "%s target=%" PRIu64, run->device, (uint64_t)(s->target_ns / NSEC_PER_USEC));
	run->group = "hi";
	snprintf(run->file, sizeof(run->file), "io.latency");
	cg_group_set(&t->cg->hi, "io", "io.latency", run->value);
	return cg_group_apply(t->cg, &t->cg->hi, err, errlen);
}

static void lift(struct throttle_ctx *t)
{
	char buf[128];

	if (!t->cg->created)
		return;
	snprintf(buf, sizeof(buf), "%s target=max", t->run->device);
	if (cg_group_write(&t->cg->hi, "io.latency", buf))
		msg_warn("could not lift the throttle: writing \"%s\" to %s/io.latency failed", buf, t->cg->hi.path);
}

const struct throttle_ops throttle_io_latency = {
	.name = "io.latency",
	.help = "io.latency (a target on hi; its peer lo is throttled)",
	.keys = keys,
	.nr_keys = ARRAY_SIZE(keys),
	.settings_size = sizeof(struct io_latency_settings),
	.needs = (const char *const[]){ "blk-cgroup", "io.latency", NULL },
	.available = available,
	.apply = apply,
	.lift = lift,
};
