// SPDX-License-Identifier: GPL-2.0
/* auto: io.latency when the kernel has it (the seed's), else io.max on lo. */
#include <errno.h>
#include <stdio.h>

#include "workloads/throttle.h"

static int apply(struct throttle_ctx *t, char *err, size_t errlen)
{
	const struct throttle_ops *lat = throttle_find("io.latency"), *max = throttle_find("io.max");
	struct throttle_run *run = t->run;

	if (!lat->available(t, err, errlen)) {
		snprintf(run->reason, sizeof(run->reason), "auto: the kernel has io.latency");
		return throttle_apply_as(t, lat, err, errlen);
	}
	/* io.max's own check: at least one limit set */
	if (!max->available(t, err, errlen) && !max->validate(throttle_settings(t->sc, max), err, errlen)) {
		snprintf(run->reason, sizeof(run->reason),
			 "auto: no io.latency in this kernel (CONFIG_BLK_CGROUP_IOLATENCY not set), fell back to "
			 "io.max on lo");
		return throttle_apply_as(t, max, err, errlen);
	}
	snprintf(err, errlen, "--throttle auto: this kernel has neither io.latency nor io.max in cgroup2 "
		 "(CONFIG_BLK_CGROUP_IOLATENCY, CONFIG_BLK_DEV_THROTTLING); use --throttle none to run unthrottled");
	return -EOPNOTSUPP;
}

const struct throttle_ops throttle_auto = {
	.name = "auto",
	.help = "auto: io.latency if the kernel has it, else io.max",
	.needs = (const char *const[]){ "blk-cgroup", "io.latency|io.max", NULL },
	.apply = apply,
};
