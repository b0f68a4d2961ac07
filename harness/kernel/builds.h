/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cache of kernels built from source: written by 'mmstall kernel build'
 * (harness/kbuild), read by 'mmstall vm --kernel L=build:LABEL'
 * (harness/vm).  It lives below both so neither includes the other.
 *
 *   $MMSTALL_CACHE/kbuild/builds/<key>/   bzImage, config, System.map,
 *                                         manifest.json, build.log
 *   $MMSTALL_CACHE/kbuild/labels/<label>  symlink to ../builds/<key>
 *
 * An entry is made under a temporary name and renamed into place, so a
 * builds/<key> with a manifest is complete.  The rest of kbuild/ (work
 * trees, logs) is the builder's own business (harness/kbuild/kbuild.h).
 */
#ifndef MMSTALL_KERNEL_BUILDS_H
#define MMSTALL_KERNEL_BUILDS_H

#include <stdbool.h>
#include <stddef.h>

/* File names inside builds/<key>. */
#define BUILDS_IMAGE "bzImage"
#define BUILDS_CONFIG "config"
#define BUILDS_SYSTEM_MAP "System.map"
#define BUILDS_MANIFEST "manifest.json"
#define BUILDS_LOG "build.log"

/* $MMSTALL_CACHE/kbuild/<sub>: 0 or -ENAMETOOLONG. */
int builds_path(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A label names result files and a symlink: letters, digits, "._+-", not starting with '.', < 64. */
bool builds_label_ok(const char *label);

/*
 * The image and config of the build labelled label (caller frees both).
 * -EINVAL for a bad label, -ENOENT when there is no such build.
 */
int builds_label_paths(const char *label, char **image, char **config);

/* Point labels/<label> at builds/<key> (atomically). */
int builds_label_set(const char *label, const char *key);

#endif
