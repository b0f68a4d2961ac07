/* SPDX-License-Identifier: GPL-2.0 */
/* Reading /proc/<lo>/FILE as ps, top and health checkers do; shared by the /proc probes. */
#ifndef MMSTALL_PROBES_PROCFILE_H
#define MMSTALL_PROBES_PROCFILE_H

#include <stddef.h>

/* open + read to EOF + close: the whole of what one ps invocation does per file.  0 or -errno. */
int procfile_read(const char *path, char *buf, size_t cap);

#endif
