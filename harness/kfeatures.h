/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which scenario features a kernel supports, read from its .config, and
 * which of them a scenario needs.  A kernel that lacks a needed one is not
 * booted: its runs are "could not test" (gate exit 125), never a number
 * measured without the throttle or fault path the scenario asked for.
 */
#ifndef MMSTALL_KFEATURES_H
#define MMSTALL_KFEATURES_H

#include <jansson.h>
#include <stddef.h>

#include "harness/kconfig.h"
#include "workloads/scenario.h"

struct kfeature {
	const char *name;	/* as shown and in results: "io.latency", "swap" ... */
	const char *option;	/* the CONFIG_ option that provides it */
	const char *what;
};

extern const struct kfeature kfeatures[];
extern const size_t kfeatures_count;

/*
 * A kernel's config: the .config given (beside the image, of a build, or
 * --kernel ...,config=), else the one embedded in the image (CONFIG_IKCONFIG,
 * as scripts/extract-ikconfig finds it).  source gets a description of
 * where it came from.  -ENOENT when there is none: features are then
 * unknown and only the guest can tell.
 */
int kfeatures_load_config(const char *config_path, const char *image, struct kconfig **out, char *source,
			  size_t len);

/* {"io.latency": true|false, ...}; every value null when kc is NULL. */
json_t *kfeatures_json(const struct kconfig *kc);
/* "io.latency no, io.max yes, ..." for a progress line. */
void kfeatures_line(const struct kconfig *kc, char *buf, size_t len);

/*
 * The first feature sc needs that kc lacks, with why sc needs it, in why.
 * Returns 1 when one is missing, 0 when all are there (or kc is NULL).
 */
int kfeatures_missing(const struct kconfig *kc, const struct scenario *sc, char *why, size_t len);

#endif
