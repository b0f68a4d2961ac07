// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's console as a stream: marks found once as lines pass, the log
 * file capped to head + tail.  Up to head_cap + tail_cap bytes the file is
 * the whole console as it arrives (one can follow it with tail -f); past
 * that, nothing more is written while it runs, and console_close() cuts
 * the file after its head and appends a note and the last tail_cap bytes,
 * which a ring in memory has kept.
 */
#include "harness/vm/console.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/util.h"
#include "harness/vm/protocol.h"

static const char *const mark_text[MARK_NR] = {
	[MARK_RUN] = GUEST_MARK_RUN,
	[MARK_MEASURE] = GUEST_MARK_MEASURE,
	[MARK_EXITED] = GUEST_MARK_EXITED,
	[MARK_SENDING] = GUEST_MARK_SENDING,
	[MARK_SENT] = GUEST_MARK_SENT,
	[MARK_PROBE] = GUEST_MARK_PROBE,
	[MARK_INT3] = GUEST_MARK_INT3,
	[MARK_PANIC] = GUEST_MARK_PANIC,
};

int console_open(struct console *c, const char *path, size_t head_cap, size_t tail_cap, uint64_t start_ns)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->head_cap = head_cap;
	c->tail_cap = tail_cap ? tail_cap : 1;
	c->start_ns = start_ns;
	c->ring = xmalloc(c->tail_cap);
	if (!path)
		return 0;
	c->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (c->fd < 0)
		c->write_err = -errno;
	return c->write_err;
}

static void put(struct console *c, const char *buf, size_t n)
{
	ssize_t w;

	while (c->fd >= 0 && !c->write_err && n) {
		w = write(c->fd, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			c->write_err = w < 0 ? -errno : -EIO;
			break;
		}
		c->written += w;
		buf += w;
		n -= w;
	}
}

static void ring_add(struct console *c, const char *buf, size_t n)
{
	size_t chunk;

	if (n >= c->tail_cap) {
		memcpy(c->ring, buf + n - c->tail_cap, c->tail_cap);
		c->ring_pos = 0;
		c->ring_len = c->tail_cap;
		return;
	}
	while (n) {
		chunk = c->tail_cap - c->ring_pos;
		if (chunk > n)
			chunk = n;
		memcpy(c->ring + c->ring_pos, buf, chunk);
		c->ring_pos = (c->ring_pos + chunk) % c->tail_cap;
		c->ring_len = c->ring_len + chunk > c->tail_cap ? c->tail_cap : c->ring_len + chunk;
		buf += chunk;
		n -= chunk;
	}
}

static void line_done(struct console *c, uint64_t now_ns)
{
	uint64_t ns = now_ns > c->start_ns ? now_ns - c->start_ns : 1;
	int m;

	c->line[c->line_len] = '\0';
	for (m = 0; m < MARK_NR; m++) {
		if (c->mark_ns[m] || !strstr(c->line, mark_text[m]))
			continue;
		c->mark_ns[m] = ns ? ns : 1;
		if (m == MARK_PANIC)
			snprintf(c->panic_line, sizeof(c->panic_line), "%s", c->line);
		if (c->on_mark)
			c->on_mark(c->arg, m, c->mark_ns[m]);
	}
	c->line_len = 0;
}

/* Lines without terminal escapes and carriage returns, for the marks. */
static void scan(struct console *c, const char *buf, size_t n, uint64_t now_ns)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char ch = buf[i];

		if (c->in_escape) {
			/* ESC [ params final, or ESC and one byte */
			if (ch != '[' && (ch < '0' || ch > '?') && (ch < ' ' || ch > '/'))
				c->in_escape = false;
			continue;
		}
		if (ch == '\033') {
			c->in_escape = true;
		} else if (ch == '\n') {
			line_done(c, now_ns);
		} else if (ch >= ' ' || ch == '\t') {
			/* ASCII only: lines go into messages and JSON, which needs valid UTF-8 */
			c->line[c->line_len++] = ch < 127 ? ch : '?';
			/* a very long line is scanned in pieces (marks are short lines) */
			if (c->line_len == sizeof(c->line) - 1)
				line_done(c, now_ns);
		}
	}
}

void console_feed(struct console *c, const char *buf, size_t n, uint64_t now_ns)
{
	uint64_t room = c->head_cap + c->tail_cap;

	if (!n)
		return;
	c->last_ns = now_ns;
	if (c->total < room)
		put(c, buf, c->total + n > room ? room - c->total : n);
	ring_add(c, buf, n);
	c->total += n;
	scan(c, buf, n, now_ns);
}

int console_drain(struct console *c, int fd, uint64_t now_ns)
{
	char buf[65536];
	ssize_t n;

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n > 0) {
			console_feed(c, buf, n, now_ns);
			continue;
		}
		if (n == 0)
			return 0;
		if (errno == EINTR)
			continue;
		return errno == EAGAIN ? 1 : -errno;
	}
}

uint64_t console_dropped(const struct console *c)
{
	uint64_t room = c->head_cap + c->tail_cap;

	return c->total > room ? c->total - room : 0;
}

/* The last len bytes of the ring (len <= ring_len), in order, into out. */
static void ring_copy(const struct console *c, char *out, size_t len)
{
	size_t start = (c->ring_pos + c->tail_cap - len) % c->tail_cap, first = c->tail_cap - start;

	if (first > len)
		first = len;
	memcpy(out, c->ring + start, first);
	memcpy(out + first, c->ring, len - first);
}

int console_close(struct console *c)
{
	uint64_t cut = console_dropped(c);
	char note[256], *tail;
	int n;

	if (c->line_len)
		line_done(c, c->last_ns);
	if (c->fd >= 0 && cut && !c->write_err) {
		/* head, the note, then the tail the ring kept */
		if (ftruncate(c->fd, c->head_cap) < 0 || lseek(c->fd, c->head_cap, SEEK_SET) < 0) {
			c->write_err = -errno;
		} else {
			c->written = c->head_cap;
			n = snprintf(note, sizeof(note),
				     "\n[mmstall: %llu bytes of console output cut here: the log keeps the first %zu "
				     "and the last %zu bytes of %llu]\n",
				     (unsigned long long)cut, c->head_cap, c->tail_cap,
				     (unsigned long long)c->total);
			put(c, note, n);
			tail = xmalloc(c->ring_len);
			ring_copy(c, tail, c->ring_len);
			put(c, tail, c->ring_len);
			free(tail);
		}
	}
	if (c->fd >= 0 && close(c->fd) < 0 && !c->write_err)
		c->write_err = -errno;
	c->fd = -1;
	return c->write_err;
}

void console_free(struct console *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->ring);
	c->ring = NULL;
	c->ring_len = 0;
}

/* Keep printable text; drop the terminal escapes SeaBIOS and the kernel emit. */
static void clean_text(char *s)
{
	char *d = s;
	bool esc = false;

	for (; *s; s++) {
		unsigned char ch = *s;

		if (esc) {
			if (ch != '[' && (ch < '0' || ch > '?') && (ch < ' ' || ch > '/'))
				esc = false;
			continue;
		}
		if (ch == '\033')
			esc = true;
		else if (ch == '\n' || ch == '\t' || (ch >= ' ' && ch < 127))
			*d++ = ch;
		else if (ch >= 127)
			*d++ = '?';	/* ASCII only: the text goes into messages and JSON */
	}
	*d = '\0';
}

char *console_tail(const struct console *c, int n)
{
	size_t len = c->ring ? c->ring_len : 0;
	char *text = xmalloc(len + 1), *p;
	int lines = 0;

	if (len)
		ring_copy(c, text, len);
	text[len] = '\0';
	/* a NUL from the guest would end the text early: make it visible instead */
	for (p = text; p < text + len; p++)
		if (!*p)
			*p = ' ';
	clean_text(text);
	len = strlen(text);
	while (len && (text[len - 1] == '\n' || text[len - 1] == ' '))
		text[--len] = '\0';
	for (p = text + len; p > text; p--)
		if (p[-1] == '\n' && ++lines >= n)
			break;
	if (!*p) {
		free(text);
		return xstrdup("(no console output)");
	}
	memmove(text, p, strlen(p) + 1);
	return text;
}

bool console_emulator_fault(const struct console *c)
{
	return console_saw(c, MARK_PANIC) && console_saw(c, MARK_INT3) && !console_saw(c, MARK_MEASURE) &&
	       c->mark_ns[MARK_INT3] <= c->mark_ns[MARK_PANIC];
}
