/* SPDX-License-Identifier: GPL-2.0 */
/* Kernel .config reading: which scenario features a kernel was built with. */
#ifndef MMSTALL_KCONFIG_H
#define MMSTALL_KCONFIG_H

#include <stddef.h>

struct kconfig;

/* Load a .config (plain text, or gzip like /proc/config.gz). */
int kconfig_load_file(const char *path, struct kconfig **out);
/*
 * The running kernel's config: /proc/config.gz, else /boot/config-$(uname -r).
 * The path used is written to source (empty if none found: returns -ENOENT).
 */
int kconfig_load_running(struct kconfig **out, char *source, size_t len);
/* "y", "m", a value, or NULL when not set. */
const char *kconfig_get(const struct kconfig *kc, const char *option);
/* The options mmstall's scenarios depend on (recorded in results): n names. */
const char *const *kconfig_relevant_options(size_t *n);
void kconfig_free(struct kconfig *kc);

#endif
