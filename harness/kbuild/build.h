/* SPDX-License-Identifier: GPL-2.0 */
/* 'mmstall kernel build': one build, cached.  See kbuild.h. */
#ifndef MMSTALL_KBUILD_BUILD_H
#define MMSTALL_KBUILD_BUILD_H

#include "harness/kbuild/kbuild.h"

struct kb_build_opts {
	const char *source;	/* directory, git tree, tarball, deb:linux-source-X */
	const char *patches;	/* NULL: none */
	const char *label;
	const char *fragment;	/* config fragment file */
	unsigned int jobs;
	uint64_t max_cache;	/* cache cap in bytes */
};

/* The options 'kernel build' and 'bisect-step' share, for their getopt tables. */
enum { KB_OPT_SOURCE = 0x1000, KB_OPT_PATCHES, KB_OPT_FRAGMENT, KB_OPT_JOBS };
#define KB_BUILD_LONGOPTS                                                   \
	{ "source", required_argument, NULL, KB_OPT_SOURCE },                \
	{ "patches", required_argument, NULL, KB_OPT_PATCHES },              \
	{ "fragment", required_argument, NULL, KB_OPT_FRAGMENT },            \
	{ "jobs", required_argument, NULL, KB_OPT_JOBS }

/* Defaults: the shipped fragment, one job per CPU. */
void kb_build_opts_init(struct kb_build_opts *o);
/* Take one of KB_BUILD_LONGOPTS: 1 taken, 0 not one of them, -EINVAL bad value (said). */
int kb_build_opt(int c, const char *arg, struct kb_build_opts *o);

/*
 * Build (or find cached) and label it; messages printed.  0, -EINVAL or
 * -ENOENT (bad input: nothing was built), -EIO (a step failed), -EINTR.
 * key_out (17 bytes, may be NULL) gets the build's cache key.
 */
int kb_build_run(const struct kb_build_opts *o, char *key_out);

#endif
