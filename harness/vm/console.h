/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A guest's serial console, read from a pipe as it arrives: the marks of
 * the guest protocol are found once, line by line, as the bytes pass
 * (nothing re-reads a growing log), and the log kept beside the result is
 * capped while keeping what explains a run: its head (the boot) and its
 * tail (the end), with a line saying how much was cut in between.
 */
#ifndef MMSTALL_VM_CONSOLE_H
#define MMSTALL_VM_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What the host watches for; see harness/vm/protocol.h for the texts. */
enum console_mark {
	MARK_RUN,	/* /init starts the command */
	MARK_MEASURE,	/* 'mmstall run' starts the warm-up */
	MARK_EXITED,	/* the command exited */
	MARK_SENDING,	/* /init starts sending /out */
	MARK_SENT,	/* the results are on their disk */
	MARK_PROBE,	/* the KVM probe's /init ran */
	MARK_INT3,	/* an int3 trap Oops (the known emulator fault) */
	MARK_PANIC,	/* "Kernel panic" */
	MARK_NR
};

#define CONSOLE_LINE_MAX 512

struct console {
	int fd;			/* the log file, -1 when none could be made */
	size_t head_cap, tail_cap;
	uint64_t start_ns;	/* marks are timed from here */
	uint64_t last_ns;	/* when bytes last came */
	uint64_t total;		/* bytes the guest wrote */
	uint64_t written;	/* bytes in the file (the head) */
	int write_err;		/* first error writing the log (-errno), 0 if none */
	/* the tail: a ring of the last tail_cap bytes past the head */
	char *ring;
	size_t ring_pos, ring_len;
	/* the line being scanned */
	char line[CONSOLE_LINE_MAX];
	size_t line_len;
	bool in_escape;
	uint64_t mark_ns[MARK_NR];	/* since start_ns; 0: not seen */
	char panic_line[CONSOLE_LINE_MAX];	/* the first panic line */
	/* called (from the reading thread) when a mark is first seen */
	void (*on_mark)(void *arg, enum console_mark m, uint64_t ns);
	void *arg;
};

/*
 * Start a log at path (created, truncated; NULL: keep nothing on disk)
 * holding at most head_cap + tail_cap bytes of the stream and a note.
 * 0 or -errno (the console is still usable for marks then).
 */
int console_open(struct console *c, const char *path, size_t head_cap, size_t tail_cap, uint64_t start_ns);
/* Bytes from the guest, received at now_ns. */
void console_feed(struct console *c, const char *buf, size_t n, uint64_t now_ns);
/* Read what fd has (non-blocking) into the console; 0 on EOF, 1 more may come, -errno. */
int console_drain(struct console *c, int fd, uint64_t now_ns);
/*
 * Write the note and the tail (when the stream was over the caps), close
 * the file; the first error writing it (-errno) or 0.  Marks and
 * console_tail() stay usable until console_free().
 */
int console_close(struct console *c);
void console_free(struct console *c);
/* Bytes cut out of the middle of the saved log. */
uint64_t console_dropped(const struct console *c);

/* The last n lines seen (terminal escapes removed); caller frees. */
char *console_tail(const struct console *c, int n);

/*
 * Did the guest die of the one known emulator fault, and nothing else:
 * a panic after an int3 trap Oops, before the measurement started?
 */
bool console_emulator_fault(const struct console *c);

/* Has the mark been seen? */
static inline bool console_saw(const struct console *c, enum console_mark m)
{
	return c->mark_ns[m] != 0;
}

#endif
