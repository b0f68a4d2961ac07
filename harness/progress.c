// SPDX-License-Identifier: GPL-2.0
#include "harness/progress.h"

#include <pthread.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char line[512];	/* what is shown; "" when nothing is */
static int tty = -1;

bool progress_tty(void)
{
	if (tty < 0)
		tty = isatty(STDERR_FILENO);
	return tty;
}

void progress_show(const char *fmt, ...)
{
	va_list ap;

	if (!progress_tty())
		return;
	pthread_mutex_lock(&lock);
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "\r\033[K%s", line);
	fflush(stderr);
	pthread_mutex_unlock(&lock);
}

void progress_done(void)
{
	if (!progress_tty())
		return;
	pthread_mutex_lock(&lock);
	if (line[0])
		fprintf(stderr, "\r\033[K");
	line[0] = '\0';
	fflush(stderr);
	pthread_mutex_unlock(&lock);
}

void progress_print(FILE *f, const char *text)
{
	bool shown;

	pthread_mutex_lock(&lock);
	shown = line[0] && progress_tty();
	if (shown)
		fprintf(stderr, "\r\033[K");
	fputs(text, f);
	fflush(f);
	if (shown)
		fprintf(stderr, "%s", line);
	fflush(stderr);
	pthread_mutex_unlock(&lock);
}
