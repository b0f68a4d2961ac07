/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the libFuzzer targets share: the input as a C string, a private
 * scratch directory on tmpfs for the files a target reads back, and the
 * oracle: beyond ASan/UBSan/leaks, a documented promise that does not hold
 * (an error without a message, a report that is not what it claims to be)
 * aborts with the reason, which libFuzzer records as a crash.
 */
#ifndef MMSTALL_FUZZ_COMMON_H
#define MMSTALL_FUZZ_COMMON_H

#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A promise broken: say which, and abort (libFuzzer saves the input). */
static inline __attribute__((noreturn, format(printf, 1, 2))) void fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "fuzz oracle: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	abort();
}

/* data[0..size) as a NUL-terminated string (a NUL inside ends it early); caller frees. */
static inline char *fuzz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/*
 * This process's scratch directory, made on first use: $FUZZ_TMPDIR, else
 * /dev/shm (tmpfs: no disk writes per input), else /tmp.  libFuzzer runs
 * one input at a time, so one directory serves every input; run.sh
 * removes it afterwards.
 */
static inline const char *fuzz_dir(void)
{
	static char dir[PATH_MAX];
	const char *base;

	if (dir[0])
		return dir;
	base = getenv("FUZZ_TMPDIR");
	if (!base)
		base = access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm";
	snprintf(dir, sizeof(dir), "%s/mmstall-fuzz-%d", base, (int)getpid());
	if (mkdir(dir, 0700) && access(dir, W_OK))
		fuzz_fail("cannot make scratch directory %s", dir);
	return dir;
}

/* Write len bytes to path (replacing it); aborts on failure: that is the harness's fault. */
static inline void fuzz_write(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || (len && write(fd, data, len) != (ssize_t)len) || close(fd))
		fuzz_fail("cannot write %s", path);
}

#endif
