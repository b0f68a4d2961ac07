/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which scenario features a kernel supports, read from its .config (and,
 * for properties of a version rather than an option, its release).  This
 * file holds the feature list (name -> CONFIG option) and nothing about
 * scenarios: who needs what is declared where the need is (each throttle's
 * and probe's .needs, the fault modes' table in workloads/scenario.c,
 * gathered by scenario_kernel_needs()) and checked with kfeatures_lacks().  A kernel that lacks a needed one is
 * not booted: its runs are "could not test" (gate exit 125), never a number
 * measured without the throttle or fault path the scenario asked for.
 */
#ifndef MMSTALL_KFEATURES_H
#define MMSTALL_KFEATURES_H

#include <jansson.h>
#include <stddef.h>

#include "harness/kernel/kconfig.h"

struct kfeature {
	const char *name;	/* as shown and in results: "io.latency", "swap" ... */
	const char *option;	/* the CONFIG_ option that provides it */
	unsigned int since;	/* KFEATURE_VERSION(6, 17): only from that release on; 0: any */
	const char *what;
};

#define KFEATURE_VERSION(major, minor) ((unsigned int)(major) << 16 | (unsigned int)(minor) << 8)
/* "6.12.117+deb12-cloud-amd64" -> KFEATURE_VERSION(6, 12); 0 when unreadable. */
unsigned int kfeatures_version(const char *release);

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

/*
 * Does the kernel (config kc, release: uname -r of the image; either may be
 * NULL, unknown) have feature name?  1 yes, 0 no, -1 unknown.  A feature
 * with a 'since' needs both its option and a release at least that.
 */
int kfeatures_has(const struct kconfig *kc, const char *release, const char *name);
/* {"io.latency": true|false|null, ...}: null when unknown. */
json_t *kfeatures_json(const struct kconfig *kc, const char *release);
/* "io.latency no, io.max yes, ..." for a progress line ("?" when unknown). */
void kfeatures_line(const struct kconfig *kc, const char *release, char *buf, size_t len);

/*
 * Does the kernel lack need ("io.latency", or "a|b": any of them)?  1 with
 * why saying so ("the kernel lacks io.latency (CONFIG_...=y), which
 * <because> needs"), 0 when it has it or when kc is NULL (no config: only
 * the guest can tell).  Who needs what is declared by the needers (throttles,
 * probes, fault modes); the VM layer asks here for each.
 */
int kfeatures_lacks(const struct kconfig *kc, const char *release, const char *need, const char *because, char *why,
		    size_t len);

#endif
