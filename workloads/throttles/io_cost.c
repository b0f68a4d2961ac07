// SPDX-License-Identifier: GPL-2.0
/*
 * io.cost: tell the root how fast the device is (a deliberately slow linear
 * model) and what latency to hold, then weight lo far below hi.  lo's
 * submits sleep in submit_bio when it is over its share.  The root's knobs
 * are restored when the throttle is lifted.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cgroup/blk.h"
#include "cgroup/cg.h"
#include "harness/util.h"
#include "workloads/scenario.h"
#include "workloads/throttle.h"

struct io_cost_settings {
	uint64_t rbps, riops, wbps, wiops, latency_ns, weight_lo, weight_hi;
};

#define OFF(f) offsetof(struct io_cost_settings, f)
static const struct scenario_key keys[] = {
	{ "io-cost-rbps", KEY_SIZE, OFF(rbps), 4096, 1024ULL << 30, "4M", NULL,
	  "io.cost.model read bytes/s: how fast io.cost believes the device is" },
	{ "io-cost-riops", KEY_UINT, OFF(riops), 1, 10000000, "200", NULL,
	  "io.cost.model read IOPS (sequential and random)" },
	{ "io-cost-wbps", KEY_SIZE, OFF(wbps), 4096, 1024ULL << 30, "4M", NULL, "io.cost.model write bytes/s" },
	{ "io-cost-wiops", KEY_UINT, OFF(wiops), 1, 10000000, "200", NULL,
	  "io.cost.model write IOPS (sequential and random)" },
	{ "io-cost-latency", KEY_DURATION, OFF(latency_ns), 100 * NSEC_PER_USEC, 10 * NSEC_PER_SEC, "5ms", NULL,
	  "io.cost.qos read and write latency target (95th percentile)" },
	{ "io-weight-lo", KEY_UINT, OFF(weight_lo), 1, 10000, "1", NULL, "io.weight of lo under io.cost" },
	{ "io-weight-hi", KEY_UINT, OFF(weight_hi), 1, 10000, "10000", NULL, "io.weight of hi under io.cost" },
};

/* What was there before, to write back. */
struct io_cost_saved {
	char mount[PATH_MAX];
	char qos[256], model[256];
	bool changed;
};
_Static_assert(sizeof(struct io_cost_saved) <= sizeof(((struct throttle_run *)0)->priv), "grow priv");

static int available(const struct throttle_ctx *t, char *err, size_t errlen)
{
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/io.cost.qos", t->cg->mount);
	if (path_exists(path))
		return 0;
	snprintf(err, errlen, "--throttle io.cost: this kernel has no io.cost.qos in cgroup2 "
		 "(CONFIG_BLK_CGROUP_IOCOST is not set); use --throttle io.max or auto");
	return -EOPNOTSUPP;
}

static int apply(struct throttle_ctx *t, char *err, size_t errlen)
{
	const struct io_cost_settings *s = t->settings;
	struct throttle_run *run = t->run;
	struct io_cost_saved *saved = (struct io_cost_saved *)run->priv;
	uint64_t lat_us = s->latency_ns / NSEC_PER_USEC;
	char model[256], qos[256], w[64];
	int ret;

	snprintf(saved->mount, sizeof(saved->mount), "%s", t->cg->mount);
	cg_root_device_line(t->cg->mount, "io.cost.qos", run->device, saved->qos, sizeof(saved->qos));
	cg_root_device_line(t->cg->mount, "io.cost.model", run->device, saved->model, sizeof(saved->model));
	snprintf(model, sizeof(model),
		 "%s ctrl=user model=linear rbps=%" PRIu64 " rseqiops=%" PRIu64 " rrandiops=%" PRIu64
		 " wbps=%" PRIu64 " wseqiops=%" PRIu64 " wrandiops=%" PRIu64,
		 run->device, s->rbps, s->riops, s->riops, s->wbps, s->wiops, s->wiops);
	snprintf(qos, sizeof(qos), "%s enable=1 ctrl=user rpct=95.00 rlat=%" PRIu64 " wpct=95.00 wlat=%" PRIu64
		 " min=1.00 max=100.00", run->device, lat_us, lat_us);
	saved->changed = true;
	ret = cg_root_write(t->cg->mount, "io.cost.model", model);
	if (!ret)
		ret = cg_root_write(t->cg->mount, "io.cost.qos", qos);
	if (ret) {
		snprintf(err, errlen, "writing io.cost settings for %s to %s failed: %s", run->device, t->cg->mount,
			 strerror(-ret));
		return ret;
	}
	run->group = "lo";
	snprintf(run->file, sizeof(run->file), "io.weight");
	snprintf(w, sizeof(w), "default %" PRIu64, s->weight_hi);
	cg_group_set(&t->cg->hi, "io", "io.weight", w);
	ret = cg_group_apply(t->cg, &t->cg->hi, err, errlen);
	snprintf(run->value, sizeof(run->value), "default %" PRIu64, s->weight_lo);
	cg_group_set(&t->cg->lo, "io", "io.weight", run->value);
	if (!ret)
		ret = cg_group_apply(t->cg, &t->cg->lo, err, errlen);
	snprintf(run->other, sizeof(run->other), "hi io.weight %s; root io.cost.model %s; io.cost.qos %s", w, model,
		 qos);
	return ret;
}

/* The weights go with the groups; the root's knobs are written back as read. */
static void lift(struct throttle_ctx *t)
{
	struct io_cost_saved *saved = (struct io_cost_saved *)t->run->priv;
	const char *dev = t->run->device;
	char buf[600];

	if (!saved->changed)
		return;
	/* a kernel that had no line for us gets the defaults back */
	if (saved->qos[0])
		snprintf(buf, sizeof(buf), "%s", saved->qos);
	else
		snprintf(buf, sizeof(buf), "%s enable=0", dev);
	if (cg_root_write(saved->mount, "io.cost.qos", buf))
		msg_warn("could not restore %s/io.cost.qos to \"%s\"", saved->mount, buf);
	snprintf(buf, sizeof(buf), "%s ctrl=auto", dev);
	if (cg_root_write(saved->mount, "io.cost.model", buf))
		msg_warn("could not restore %s/io.cost.model to \"%s\"", saved->mount, buf);
	saved->changed = false;
}

const struct throttle_ops throttle_io_cost = {
	.name = "io.cost",
	.help = "io.cost (model and qos on the root, io.weight per group)",
	.keys = keys,
	.nr_keys = ARRAY_SIZE(keys),
	.settings_size = sizeof(struct io_cost_settings),
	.needs = (const char *const[]){ "blk-cgroup", "io.cost", NULL },
	.available = available,
	.apply = apply,
	.lift = lift,
};
