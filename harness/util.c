// SPDX-License-Identifier: GPL-2.0
#include "harness/util.h"

#include <stdarg.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/progress.h"

int mm_verbose;
/* Set by main() before option parsing (declared in harness/cmds.h). */
int mm_orig_argc;
char **mm_orig_argv;
const char *mm_progname = "mmstall";

static void vmsg(const char *prefix, const char *fmt, va_list ap)
{
	char buf[4096], out[4200];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	snprintf(out, sizeof(out), "%s: %s%s\n", mm_progname, prefix, buf);
	progress_print(stderr, out);
}

void msg_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("error: ", fmt, ap);
	va_end(ap);
}

void msg_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("warning: ", fmt, ap);
	va_end(ap);
}

void msg_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
}

void msg_debug(const char *fmt, ...)
{
	va_list ap;

	if (!mm_verbose)
		return;
	va_start(ap, fmt);
	vmsg("debug: ", fmt, ap);
	va_end(ap);
}

void sleep_until_ns(uint64_t deadline_ns)
{
	struct timespec ts = {
		.tv_sec = deadline_ns / NSEC_PER_SEC,
		.tv_nsec = deadline_ns % NSEC_PER_SEC,
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

void iso8601_now(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void stamp_now(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y%m%d-%H%M%S", &tm);
}

/* Read fd to its end, failing with -EFBIG past max bytes. */
static int read_fd(int fd, uint64_t max, char **out, size_t *len_out)
{
	size_t cap = 4096, len = 0;
	char *buf = xmalloc(cap);
	int err = 0;

	for (;;) {
		ssize_t n;

		if (len + 1 >= cap)
			buf = xrealloc(buf, cap *= 2);
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		len += n;
		if (len > max) {
			err = -EFBIG;
			break;
		}
	}
	if (err) {
		free(buf);
		return err;
	}
	buf[len] = '\0';
	*out = buf;
	if (len_out)
		*len_out = len;
	return 0;
}

int read_file(const char *path, char **out, size_t *len_out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = read_fd(fd, UINT64_MAX, out, len_out);
	close(fd);
	return ret;
}

int read_file_capped(const char *path, uint64_t max, char **out, size_t *len_out)
{
	struct stat st;
	int fd, ret;

	/* O_NONBLOCK: opening a FIFO with no writer must not wait */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	ret = fstat(fd, &st) < 0 ? -errno : !S_ISREG(st.st_mode) ? -EINVAL : (uint64_t)st.st_size > max ? -EFBIG : 0;
	if (!ret)
		ret = read_fd(fd, max, out, len_out);	/* bounded again: the file may grow meanwhile */
	close(fd);
	return ret;
}

int write_file(const char *path, const char *s)
{
	size_t len = strlen(s);
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, s, len);
	if (n < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	if (close(fd) < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

int read_u64_file(const char *path, uint64_t *out)
{
	char *s, *end;
	int ret;

	ret = read_file(path, &s, NULL);
	if (ret)
		return ret;
	if (!strncmp(s, "max", 3)) {
		*out = UINT64_MAX;
	} else {
		errno = 0;
		*out = strtoull(s, &end, 10);
		if (errno || end == s)
			ret = -EINVAL;
	}
	free(s);
	return ret;
}

int write_file_atomic(const char *path, const void *data, size_t len)
{
	char tmp[PATH_MAX];
	const char *p = data;
	int fd, ret = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, getpid()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		p += n;
		len -= n;
	}
	if (!ret && fsync(fd) < 0)
		ret = -errno;
	if (close(fd) < 0 && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path) < 0)
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}

int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	char *p;

	if (!*path)
		return -ENOENT;	/* and buf + 1 below would be past the end */
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return is_dir(buf) ? 0 : -ENOTDIR;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

int rm_rf(const char *path)
{
	if (!path_exists(path))
		return 0;
	return nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS) ? -errno : 0;
}

bool path_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int parse_duration_ns(const char *s, uint64_t *out)
{
	static const struct {
		const char *unit;
		double ns;
	} units[] = { { "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 }, { "m", 60e9 }, { "h", 3600e9 } };
	const char *p = s;
	size_t i;
	double v;

	/* exactly DIGITS[.DIGITS]UNIT: no sign, space, hex, exponent, inf or nan */
	while (isdigit((unsigned char)*p))
		p++;
	if (p == s)
		return -EINVAL;
	if (*p == '.') {
		if (!isdigit((unsigned char)p[1]))
			return -EINVAL;
		for (p++; isdigit((unsigned char)*p); p++)
			;
	}
	v = strtod(s, NULL);
	if (!*p && v == 0) {
		*out = 0;	/* "0" needs no unit */
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(units) && strcmp(p, units[i].unit); i++)
		;
	if (i == ARRAY_SIZE(units))
		return -EINVAL;
	v *= units[i].ns;
	if (v > 1e18)
		return -ERANGE;
	/* Round: "1.001ms" is 1000999.9999999999 after the multiplication. */
	*out = (uint64_t)(v + 0.5);
	return 0;
}

int parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;
	int shift = 0;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -ERANGE;
	switch (tolower((unsigned char)*end)) {
	case '\0':
		break;
	case 'k':
		shift = 10;
		break;
	case 'm':
		shift = 20;
		break;
	case 'g':
		shift = 30;
		break;
	case 't':
		shift = 40;
		break;
	default:
		return -EINVAL;
	}
	if (*end && end[1] && strcasecmp(end + 1, "ib") && strcasecmp(end + 1, "b"))
		return -EINVAL;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = (uint64_t)v << shift;
	return 0;
}

int parse_u64_range(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

void fmt_ns(char *buf, size_t len, double ns)
{
	/* Thresholds below the powers of ten so 999.7 prints "1.0us", not "1000ns". */
	if (ns < 999.5)
		snprintf(buf, len, "%.0fns", ns);
	else if (ns < 999.95e3)
		snprintf(buf, len, "%.1fus", ns / 1e3);
	else if (ns < 999.995e6)
		snprintf(buf, len, "%.2fms", ns / 1e6);
	else
		snprintf(buf, len, "%.2fs", ns / 1e9);
}

const char *last_line(const char *s)
{
	static __thread char buf[512];	/* per thread: compare runs guests from several */
	const char *end, *start;

	if (!s)
		return "";
	end = s + strlen(s);
	while (end > s && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
		end--;
	start = end;
	while (start > s && start[-1] != '\n')
		start--;
	snprintf(buf, sizeof(buf), "%.*s", (int)(end - start), start);
	return buf;
}

int path_fmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

void hash_str(const char *s, uint64_t *h)
{
	/* include the NUL so "ab"+"c" and "a"+"bc" differ */
	do {
		*h ^= (unsigned char)*s;
		*h *= 0x100000001b3ULL;
	} while (*s++);
}

int hash_file(const char *path, uint64_t *h)
{
	unsigned char buf[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n, i;

	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = -errno;
			close(fd);
			return n;
		}
		for (i = 0; i < n; i++) {
			*h ^= buf[i];
			*h *= 0x100000001b3ULL;
		}
	}
	close(fd);
	return 0;
}

static int copy_fd(int in, int out)
{
	char buf[65536];
	ssize_t n, w, off;

	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (off = 0; off < n; off += w) {
			w = write(out, buf + off, n - off);
			if (w < 0) {
				if (errno == EINTR) {
					w = 0;
					continue;
				}
				return -errno;
			}
		}
	}
	return 0;
}

int copy_file(const char *src, const char *dst, bool exec, bool append)
{
	int in, out, ret;

	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	out = open(dst, O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), exec ? 0755 : 0644);
	if (out < 0) {
		ret = -errno;
		close(in);
		return ret;
	}
	ret = copy_fd(in, out);
	close(in);
	if (close(out) < 0 && !ret)
		ret = -errno;
	return ret;
}


void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		abort();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		abort();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		abort();
	return p;
}

char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d)
		abort();
	return d;
}

char *xvasprintf(const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	return s;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

bool have_program(const char *name)
{
	char buf[PATH_MAX];
	const char *path = getenv("PATH");
	const char *p, *colon;

	if (strchr(name, '/'))
		return access(name, X_OK) == 0;
	if (!path)
		path = "/usr/bin:/bin";
	for (p = path; *p; p = colon + 1) {
		colon = strchrnul(p, ':');
		snprintf(buf, sizeof(buf), "%.*s/%s", (int)(colon - p), p, name);
		if (access(buf, X_OK) == 0)
			return true;
		if (!*colon)
			break;
	}
	return false;
}

const char *cache_dir(void)
{
	static char buf[PATH_MAX];
	const char *e;

	if (buf[0])
		return buf;
	if ((e = getenv("MMSTALL_CACHE")) && *e)
		snprintf(buf, sizeof(buf), "%s", e);
	else if ((e = getenv("XDG_CACHE_HOME")) && *e)
		snprintf(buf, sizeof(buf), "%s/mmstall", e);
	else
		snprintf(buf, sizeof(buf), "%s/.cache/mmstall", getenv("HOME") ? getenv("HOME") : "/root");
	return buf;
}

void text_wrap(FILE *f, const char *head, size_t indent, size_t cols, const char *text)
{
	size_t col, width = cols - indent;
	const char *w = text;

	fprintf(f, "%-*s", (int)indent, head);
	col = 0;
	while (*w) {
		size_t len = strcspn(w, " ");

		if (!len) {
			w++;
			continue;
		}
		if (col && col + 1 + len > width) {
			fprintf(f, "\n%*s", (int)indent, "");
			col = 0;
		}
		if (col) {
			fputc(' ', f);
			col++;
		}
		while (len > width - col) {	/* a word longer than the line */
			fprintf(f, "%.*s\n%*s", (int)(width - col), w, (int)indent, "");
			w += width - col;
			len -= width - col;
			col = 0;
		}
		fprintf(f, "%.*s", (int)len, w);
		col += len;
		w += len;
	}
	fputc('\n', f);
}

uint64_t mem_available_bytes(void)
{
	char *text = NULL, *p;
	uint64_t kb = 0;

	if (read_file("/proc/meminfo", &text, NULL))
		return 0;
	p = strstr(text, "MemAvailable:");
	if (p)
		kb = strtoull(p + strlen("MemAvailable:"), NULL, 10);
	free(text);
	return kb << 10;
}

void fmt_index(char *buf, size_t len, double x)
{
	if (x < 9.995)
		snprintf(buf, len, "%.2fx", x);
	else if (x < 99.95)
		snprintf(buf, len, "%.1fx", x);
	else
		snprintf(buf, len, "%.0fx", x);
}
