// SPDX-License-Identifier: GPL-2.0
/*
 * io.max (blk-throttle): bytes/s and IOPS limits on lo.  Over-limit bios
 * are queued, the submitter never sleeps in submit_bio; a fault waits for
 * its page, with mmap_lock held only where the path keeps it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>

#include "cgroup/cg.h"
#include "harness/util.h"
#include "workloads/scenario.h"
#include "workloads/throttle.h"

struct io_max_settings {
	uint64_t riops, rbps, wiops, wbps;
};

#define OFF(f) offsetof(struct io_max_settings, f)
static const struct scenario_key keys[] = {
	{ "io-max-riops", KEY_UINT, OFF(riops), 0, 10000000, "100", NULL,
	  "io.max read IOPS limit on lo (0: no limit)" },
	{ "io-max-rbps", KEY_SIZE, OFF(rbps), 0, 1024ULL << 30, "2M", NULL,
	  "io.max read bytes/s limit on lo (0: no limit)" },
	{ "io-max-wiops", KEY_UINT, OFF(wiops), 0, 10000000, "0", NULL,
	  "io.max write IOPS limit on lo (0: no limit)" },
	{ "io-max-wbps", KEY_SIZE, OFF(wbps), 0, 1024ULL << 30, "0", NULL,
	  "io.max write bytes/s limit on lo (0: no limit)" },
};

/* At least one limit (auto falls back to io.max only then). */
static int validate(const void *settings, char *err, size_t errlen)
{
	const struct io_max_settings *s = settings;

	if (s->riops || s->rbps || s->wiops || s->wbps)
		return 0;
	snprintf(err, errlen, "--throttle io.max needs at least one non-zero --io-max-* limit");
	return -EINVAL;
}

static int available(const struct throttle_ctx *t, char *err, size_t errlen)
{
	if (cg_group_has(&t->cg->lo, "io.max"))
		return 0;
	snprintf(err, errlen, "--throttle io.max: this kernel has no io.max file in cgroup2 "
		 "(CONFIG_BLK_DEV_THROTTLING is not set); use --throttle auto or none");
	return -EOPNOTSUPP;
}

static int apply(struct throttle_ctx *t, char *err, size_t errlen)
{
	const struct io_max_settings *s = t->settings;
	struct throttle_run *run = t->run;
	size_t n, len = sizeof(run->value);

	n = snprintf(run->value, len, "%s", run->device);
	if (s->rbps)
		n += snprintf(run->value + n, len - n, " rbps=%" PRIu64, s->rbps);
	if (s->riops)
		n += snprintf(run->value + n, len - n, " riops=%" PRIu64, s->riops);
	if (s->wbps)
		n += snprintf(run->value + n, len - n, " wbps=%" PRIu64, s->wbps);
	if (s->wiops)
		snprintf(run->value + n, len - n, " wiops=%" PRIu64, s->wiops);
	run->group = "lo";
	snprintf(run->file, sizeof(run->file), "io.max");
	cg_group_set(&t->cg->lo, "io", "io.max", run->value);
	return cg_group_apply(t->cg, &t->cg->lo, err, errlen);
}

static void lift(struct throttle_ctx *t)
{
	char buf[128];

	if (!t->cg->created)
		return;
	snprintf(buf, sizeof(buf), "%s rbps=max wbps=max riops=max wiops=max", t->run->device);
	if (cg_group_write(&t->cg->lo, "io.max", buf))
		msg_warn("could not lift the throttle: writing \"%s\" to %s/io.max failed", buf, t->cg->lo.path);
}

const struct throttle_ops throttle_io_max = {
	.name = "io.max",
	.help = "io.max (limits on lo)",
	.keys = keys,
	.nr_keys = ARRAY_SIZE(keys),
	.settings_size = sizeof(struct io_max_settings),
	.needs = (const char *const[]){ "blk-cgroup", "io.max", NULL },
	.validate = validate,
	.available = available,
	.apply = apply,
	.lift = lift,
};
