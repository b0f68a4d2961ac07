// SPDX-License-Identifier: GPL-2.0
/* No throttle: the scenario runs as it is (reclaim, THP and cpu-free scenarios). */
#include <stdio.h>

#include "workloads/throttle.h"

static int apply(struct throttle_ctx *t, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	snprintf(t->run->reason, sizeof(t->run->reason), "no throttle requested (--throttle none)");
	return 0;
}

const struct throttle_ops throttle_none = {
	.name = "none",
	.help = "none",
	.apply = apply,
};
