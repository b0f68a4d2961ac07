/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers shared by every part of mmstall, and the conventions the
 * whole tree follows (one of each):
 *
 * Errors.  A function returns 0 (or a count) on success and a negative
 * errno on failure, as liburing and the kernel selftests do.  When the
 * caller needs more than strerror(), the function also takes
 * `char *err, size_t errlen` and writes one sentence there: what failed, on
 * which object (file, kernel, setting), and what the user can do.  Nothing
 * else carries an error: no global error slot, no "last error".  Library
 * codes (libcgroup's ECG*, jansson's json_error_t) are converted where the
 * library is called, once.  Only the command layer (cmd_*.c) prints an err
 * (msg_err) or records it in a result file.
 *
 * Memory.  Small allocations go through the x*() helpers below, which
 * abort on failure: no function returns -ENOMEM for a string or a table.
 *
 * Children and signals: harness/proc.h (one runner, one signal regime).
 * Messages: msg_*() on stderr; progress lines: harness/progress.h.
 */
#ifndef MMSTALL_UTIL_H
#define MMSTALL_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>	/* mode_t */
#include <time.h>

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NSEC_PER_SEC 1000000000ULL
#define NSEC_PER_MSEC 1000000ULL
#define NSEC_PER_USEC 1000ULL

/* Exit codes shared by every subcommand. */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,	  /* the run failed or a check did not pass */
	EXIT_USAGE = 2,	  /* bad command line or bad input */
	EXIT_SKIP = 77,	  /* a needed kernel feature is missing (tests) */
	EXIT_UNTESTABLE = 125, /* could not test (git bisect run "skip") */
};

extern int mm_verbose;
/* The command line as the user typed it, saved by main() before getopt permutes argv (results record it). */
extern int mm_orig_argc;
extern char **mm_orig_argv;
extern const char *mm_progname;

void msg_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

/* Sleep until an absolute CLOCK_MONOTONIC time; returns early only on error. */
void sleep_until_ns(uint64_t deadline_ns);

/* Wall-clock time as ISO 8601 UTC ("2026-11-22T03:50:00Z") into buf. */
void iso8601_now(char *buf, size_t len);
/* Compact timestamp for directory names ("20261122-035000"). */
void stamp_now(char *buf, size_t len);

/* Read a whole (small, e.g. /proc or /sys) file; NUL-terminated, caller frees. */
int read_file(const char *path, char **out, size_t *len_out);
/*
 * read_file() for input a user or a guest names: only a regular file (a
 * FIFO or a device is refused at once with -EINVAL, never read forever),
 * of at most max bytes (-EFBIG).  A symlink given by the user is followed.
 */
int read_file_capped(const char *path, uint64_t max, char **out, size_t *len_out);
/* MemAvailable of /proc/meminfo in bytes; 0 when it cannot be read. */
uint64_t mem_available_bytes(void);
/* Write a string to an existing file (cgroup knobs, /sys). */
int write_file(const char *path, const char *s);
/* Read one unsigned integer (e.g. memory.max: "max" gives UINT64_MAX). */
int read_u64_file(const char *path, uint64_t *out);

/*
 * Write a file atomically: data goes to a temporary file in the same
 * directory, is fsync()ed and renamed over the target.  On any error the
 * temporary file is removed and the target is untouched.
 */
int write_file_atomic(const char *path, const void *data, size_t len);

int mkdir_p(const char *path, mode_t mode);
int rm_rf(const char *path);
bool path_exists(const char *path);
bool is_dir(const char *path);

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap);

/*
 * Parse a duration into nanoseconds: DIGITS[.DIGITS] and a unit, ns, us,
 * ms, s, m or h ("30s", "1.5ms", "2m"); "0" alone is 0.  Anything else
 * (no unit, a sign, hex, an exponent, spaces) is -EINVAL; past ~31 years
 * -ERANGE.
 */
int parse_duration_ns(const char *s, uint64_t *out);
/* Parse "64M", "1G", "4096", "4k" (powers of 1024) into bytes. */
int parse_size(const char *s, uint64_t *out);
/* Parse an unsigned integer in [min, max]. */
int parse_u64_range(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* Human-readable latency ("812ns", "12.3us", "4.56ms", "1.20s"). */
void fmt_ns(char *buf, size_t len, double ns);
/* A ratio with three significant digits ("3.41x", "15.2x", "152x"). */
void fmt_index(char *buf, size_t len, double x);

/* snprintf for paths: -ENAMETOOLONG instead of a silently cut path. */
int path_fmt(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Copy src to dst (created, mode 0644 or 0755 if exec); appends if append. */
int copy_file(const char *src, const char *dst, bool exec, bool append);
/* Print text wrapped at cols: the first line after head (padded to indent), the rest indented. */
void text_wrap(FILE *f, const char *head, size_t indent, size_t cols, const char *text);
/* The last line of a text (for error messages), trimmed; static buffer. */
const char *last_line(const char *s);

/* 64-bit FNV-1a of a string (with its NUL) or a file's contents, folded into *h (cache identities). */
#define HASH_INIT 0xcbf29ce484222325ULL
void hash_str(const char *s, uint64_t *h);
int hash_file(const char *path, uint64_t *h);

/* Is an executable called name on $PATH (or an absolute path that exists)? */
bool have_program(const char *name);

/* Cache directory: $MMSTALL_CACHE, else $XDG_CACHE_HOME/mmstall, else ~/.cache/mmstall. */
const char *cache_dir(void);

#endif
