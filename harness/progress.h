/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one live status line of a long command ('mmstall compare' runs,
 * kernel builds), on stderr when it is a terminal.  Messages (msg_*()) go
 * through it: the line is erased before a message and drawn again after,
 * so the two never interleave.  Off a terminal nothing is drawn: commands
 * print a plain msg_info() line per phase instead.  Thread-safe.
 */
#ifndef MMSTALL_PROGRESS_H
#define MMSTALL_PROGRESS_H

#include <stdbool.h>
#include <stdio.h>

/* Is stderr a terminal (a live line can be drawn)? */
bool progress_tty(void);
/* Draw (or replace) the line; a no-op off a terminal. */
void progress_show(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Erase the line for good (end of the phase it described). */
void progress_done(void);

/* For msg_*(): print a whole message to f with the line out of the way. */
void progress_print(FILE *f, const char *text);

#endif
