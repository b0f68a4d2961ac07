// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's results: a small ustar reader for this one protocol (no tar
 * program, no libarchive: only regular files with expected names are ever
 * taken, so a reader of ~200 lines that writes nothing is the safest
 * thing), then what the files say.
 *
 * Archive format (POSIX ustar, with the GNU long-name extension busybox tar
 * writes for names over 99 bytes): 512-byte headers, each followed by the
 * entry's data padded to 512 bytes; a zero block ends the archive.
 */
#include "harness/vm/guest_out.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/result.h"
#include "harness/util.h"

#define BLOCK 512
#define LONG_NAME_MAX 4096
#define MAX_NOTES 50

static const struct {
	const char *name;
	size_t cap;
	int keep;
} proto[GUEST_OUT_NR] = {
#define GUEST_OUT_ROW(id, n, c, k) [GUEST_OUT_##id] = { n, c, k },
	GUEST_OUT_FILES(GUEST_OUT_ROW)
#undef GUEST_OUT_ROW
};

struct ustar {
	char name[100], mode[8], uid[8], gid[8], size[12], mtime[12], chksum[8], type, linkname[100];
	char magic[6], version[2], uname[32], gname[32], devmajor[8], devminor[8], prefix[155], pad[12];
};

_Static_assert(sizeof(struct ustar) == BLOCK, "a ustar header is one block");

static void note(struct guest_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct guest_out *o, const char *fmt, ...)
{
	va_list ap;

	if (o->nr_notes >= MAX_NOTES)
		return;
	o->notes = xrealloc(o->notes, (o->nr_notes + 1) * sizeof(char *));
	if (o->nr_notes == MAX_NOTES - 1) {
		o->notes[o->nr_notes++] = xstrdup("(more notes left out)");
		return;
	}
	va_start(ap, fmt);
	o->notes[o->nr_notes++] = xvasprintf(fmt, ap);
	va_end(ap);
}

static bool all_zero(const unsigned char *b, size_t n)
{
	while (n--)
		if (*b++)
			return false;
	return true;
}

/* An octal field (spaces or NULs around it), or GNU base-256 (high bit set). */
static int field_num(const char *f, size_t len, uint64_t *out)
{
	const unsigned char *u = (const unsigned char *)f;
	uint64_t v = 0;
	size_t i = 0;

	if (u[0] & 0x80) {
		for (i = 1; i < len; i++) {
			if (v >> 56)
				return -ERANGE;
			v = v << 8 | u[i];
		}
		*out = v;
		return 0;
	}
	while (i < len && (f[i] == ' ' || f[i] == '\0'))
		i++;
	if (i == len)
		return -EINVAL;
	for (; i < len && f[i] >= '0' && f[i] <= '7'; i++) {
		if (v >> 60)
			return -ERANGE;
		v = v * 8 + (f[i] - '0');
	}
	for (; i < len; i++)
		if (f[i] != ' ' && f[i] != '\0')
			return -EINVAL;
	*out = v;
	return 0;
}

static bool checksum_ok(const unsigned char *b)
{
	const struct ustar *h = (const struct ustar *)b;
	uint64_t want, sum = 0;
	size_t i;

	if (field_num(h->chksum, sizeof(h->chksum), &want))
		return false;
	for (i = 0; i < BLOCK; i++)
		sum += (i >= offsetof(struct ustar, chksum) && i < offsetof(struct ustar, chksum) + 8) ? ' ' : b[i];
	return sum == want;
}

static const char *type_name(char t)
{
	switch (t) {
	case '0':
	case '\0':
	case '7':
		return "file";
	case '1':
		return "hard link";
	case '2':
		return "symbolic link";
	case '3':
		return "character device";
	case '4':
		return "block device";
	case '5':
		return "directory";
	case '6':
		return "FIFO";
	case 'x':
	case 'g':
		return "pax header";
	default:
		return "entry of unknown type";
	}
}

/* A file name we can take: flat, not hidden, plain characters. */
static bool plain_name(const char *n)
{
	const char *p;

	if (!*n || *n == '.' || strlen(n) > NAME_MAX)
		return false;
	for (p = n; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' ||
		      *p == '_' || *p == '-' || *p == '+'))
			return false;
	return true;
}

/* Printable copy of an untrusted name for a note (caller frees). */
static char *shown(const char *n)
{
	size_t len = strnlen(n, 120), i;
	char *s = xmalloc(len + 4);

	for (i = 0; i < len; i++)
		s[i] = (unsigned char)n[i] >= ' ' && (unsigned char)n[i] < 127 ? n[i] : '?';
	strcpy(s + len, strlen(n) > len ? "..." : "");
	return s;
}

/* "./a" -> "a"; NULL when the name climbs out or is absolute (noted). */
static const char *normal_name(struct guest_out *o, const char *n, char type)
{
	const char *p;
	char *s;

	while (n[0] == '.' && n[1] == '/')
		n += 2;
	if (n[0] == '/') {
		s = shown(n);
		note(o, "%s %s: an absolute name, not taken", type_name(type), s);
		free(s);
		return NULL;
	}
	for (p = n; *p; p = strchr(p, '/') ? strchr(p, '/') + 1 : p + strlen(p)) {
		if (p[0] == '.' && p[1] == '.' && (p[2] == '/' || !p[2])) {
			s = shown(n);
			note(o, "%s: a name with '..', not taken", s);
			free(s);
			return NULL;
		}
	}
	return n;
}

static int read_at(int fd, void *buf, size_t len, uint64_t off)
{
	ssize_t n;
	size_t done = 0;

	while (done < len) {
		n = pread(fd, (char *)buf + done, len - done, (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ENODATA;
		done += n;
	}
	return 0;
}

/* Read size bytes at off; over cap, only the last cap bytes when tail, else refuse (NULL). */
static char *take(int fd, uint64_t off, uint64_t size, size_t cap, bool tail, size_t *len, bool *cut)
{
	size_t n = size > cap ? cap : (size_t)size;
	char *buf;

	*cut = size > cap;
	if (*cut && !tail)
		return NULL;
	buf = xmalloc(n + 1);
	if (read_at(fd, buf, n, off + (size - n))) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

static int proto_index(const char *n)
{
	int i;

	for (i = 0; i < GUEST_OUT_NR; i++)
		if (!strcmp(proto[i].name, n))
			return i;
	return -1;
}

static void take_file(struct guest_out *o, int fd, const char *name, uint64_t off, uint64_t size)
{
	int i = proto_index(name);
	struct guest_file *f;
	struct guest_extra *x;
	size_t len = 0;
	bool cut;
	char *data;

	if (i >= 0) {
		f = &o->f[i];
		if (f->data || f->refused) {
			note(o, "%s: sent twice, the second copy not taken", name);
			return;
		}
		f->size = size;
		f->data = take(fd, off, size, proto[i].cap, proto[i].keep == GUEST_KEEP_TAIL, &f->len, &f->cut);
		if (f->cut && !f->data) {
			f->refused = true;
			note(o, "%s: %llu bytes, over its cap of %zu: not taken", name, (unsigned long long)size,
			     proto[i].cap);
		} else if (f->cut) {
			note(o, "%s: %llu bytes, only its last %zu taken", name, (unsigned long long)size, f->len);
		}
		return;
	}
	if (!plain_name(name)) {
		char *s = shown(name);

		note(o, "%s: %s, not taken", s,
		     strchr(name, '/') ? "in a subdirectory" : "not a plain file name ([A-Za-z0-9._+-], no leading '.')");
		free(s);
		return;
	}
	if (o->nr_extra >= GUEST_OUT_EXTRA_MAX || size > GUEST_OUT_EXTRA_FILE_CAP ||
	    o->extra_bytes + size > GUEST_OUT_EXTRA_TOTAL_CAP) {
		note(o, "%s: %llu bytes, over the caps of other files (%u files, %u MiB each, %u MiB in all): not taken",
		     name, (unsigned long long)size, GUEST_OUT_EXTRA_MAX, GUEST_OUT_EXTRA_FILE_CAP >> 20,
		     GUEST_OUT_EXTRA_TOTAL_CAP >> 20);
		return;
	}
	data = take(fd, off, size, GUEST_OUT_EXTRA_FILE_CAP, false, &len, &cut);
	if (!data)
		return;
	o->extra = xrealloc(o->extra, (o->nr_extra + 1) * sizeof(*o->extra));
	x = &o->extra[o->nr_extra++];
	x->name = xstrdup(name);
	x->data = data;
	x->len = len;
	o->extra_bytes += len;
}

int guest_out_read_fd(int fd, struct guest_out *o, char *err, size_t errlen)
{
	unsigned char b[BLOCK];
	char name[LONG_NAME_MAX + 1], long_name[LONG_NAME_MAX + 1] = "";
	const struct ustar *h = (const struct ustar *)b;
	uint64_t off = 0, size, end;
	struct stat st;
	const char *n;
	int ret;

	memset(o, 0, sizeof(*o));
	if (fstat(fd, &st) < 0) {
		snprintf(err, errlen, "cannot read the results disk: %s", strerror(errno));
		return -errno;
	}
	end = (uint64_t)st.st_size;
	for (;;) {
		if (off + BLOCK > end) {
			note(o, "the archive ends without its end marker at byte %llu", (unsigned long long)off);
			break;
		}
		ret = read_at(fd, b, BLOCK, off);
		if (ret) {
			snprintf(err, errlen, "cannot read the results disk at byte %llu: %s", (unsigned long long)off,
				 strerror(-ret));
			return ret;
		}
		if (all_zero(b, BLOCK)) {
			o->complete = o->found;
			break;
		}
		if (!checksum_ok(b) || field_num(h->size, sizeof(h->size), &size) || size > end ||
		    off + BLOCK + size > end) {
			note(o, "the archive is damaged at byte %llu: read no further", (unsigned long long)off);
			break;
		}
		o->found = true;
		if (h->type == 'L') {	/* GNU: the next entry's long name */
			if (size > LONG_NAME_MAX || read_at(fd, long_name, size, off + BLOCK)) {
				note(o, "the archive has a long name of %llu bytes at byte %llu: read no further",
				     (unsigned long long)size, (unsigned long long)off);
				break;
			}
			long_name[size] = '\0';
		} else {
			if (long_name[0])
				snprintf(name, sizeof(name), "%s", long_name);
			else if (!memcmp(h->magic, "ustar", 5) && h->prefix[0])
				snprintf(name, sizeof(name), "%.*s/%.*s", (int)strnlen(h->prefix, sizeof(h->prefix)),
					 h->prefix, (int)strnlen(h->name, sizeof(h->name)), h->name);
			else
				snprintf(name, sizeof(name), "%.*s", (int)strnlen(h->name, sizeof(h->name)), h->name);
			long_name[0] = '\0';
			n = normal_name(o, name, h->type);
			if (n && (h->type == '0' || h->type == '\0' || h->type == '7')) {
				take_file(o, fd, n, off + BLOCK, size);
			} else if (n && !(h->type == '5' && (!*n || !strcmp(n, ".") || !strcmp(n, "./")))) {
				char *s = shown(n);

				note(o, "%s %s: not a regular file, not taken", type_name(h->type), s);
				free(s);
			}
		}
		off += BLOCK + (size + BLOCK - 1) / BLOCK * BLOCK;
	}
	return 0;
}

int guest_out_read(const char *img, struct guest_out *o, char *err, size_t errlen)
{
	int fd = open(img, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), ret;

	if (fd < 0) {
		memset(o, 0, sizeof(*o));
		snprintf(err, errlen, "cannot open the results disk %s: %s", img, strerror(errno));
		return -errno;
	}
	ret = guest_out_read_fd(fd, o, err, errlen);
	close(fd);
	return ret;
}

void guest_out_free(struct guest_out *o)
{
	size_t i;

	for (i = 0; i < GUEST_OUT_NR; i++)
		free(o->f[i].data);
	for (i = 0; i < o->nr_extra; i++) {
		free(o->extra[i].name);
		free(o->extra[i].data);
	}
	free(o->extra);
	for (i = 0; i < o->nr_notes; i++)
		free(o->notes[i]);
	free(o->notes);
	memset(o, 0, sizeof(*o));
}

/* ---- what the files say ---- */

const char *guest_out_text(const struct guest_out *o, enum guest_out_file id)
{
	return o->f[id].data ? o->f[id].data : "";
}

int guest_out_exit_code(const struct guest_out *o)
{
	const char *s = o->f[GUEST_OUT_EXIT_CODE].data;
	char *end;
	long v;

	if (!s)
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	while (*end == '\n' || *end == ' ')
		end++;
	if (errno || end == s || *end || v < 0 || v > 255)
		return -1;
	return (int)v;
}

double guest_out_timing(const struct guest_out *o, const char *key)
{
	const char *p = o->f[GUEST_OUT_TIMINGS].data;
	size_t kl = strlen(key);
	double v;

	while (p && *p) {
		if (!strncmp(p, key, kl) && p[kl] == ' ' && sscanf(p + kl + 1, "%lf", &v) == 1 && v >= 0)
			return v;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -1;
}

const char *guest_out_last_lines(char *s, int n)
{
	char *p;
	size_t len;

	if (!s)
		return "";
	/* the guest's bytes go into messages and JSON: printable ASCII only */
	for (p = s; *p; p++)
		if ((*p < ' ' && *p != '\n' && *p != '\t') || (unsigned char)*p >= 127)
			*p = '?';
	len = strlen(s);
	while (len && s[len - 1] == '\n')
		s[--len] = '\0';
	for (p = s + len; p > s; p--)
		if (p[-1] == '\n' && --n <= 0)
			break;
	return p;
}

json_t *guest_out_warnings(const struct guest_out *o, size_t max)
{
	static const char *const marks[] = { "BUG:", "WARNING:", "Oops", "Call Trace:", "hung_task",
					     "blocked for more than" };
	char *d = xstrdup(guest_out_text(o, GUEST_OUT_DMESG)), *line, *save = NULL;
	json_t *w = json_array();
	size_t i;

	for (line = strtok_r(d, "\n", &save); line && json_array_size(w) < max; line = strtok_r(NULL, "\n", &save))
		for (i = 0; i < ARRAY_SIZE(marks); i++)
			if (strstr(line, marks[i])) {
				/* jansson refuses invalid UTF-8: such a line is kept as the fact that it was there */
				json_t *s = json_string(line);

				json_array_append_new(w, s ? s : json_string("(a line that is not UTF-8)"));
				break;
			}
	free(d);
	return w;
}

int guest_out_result(const struct guest_out *o, json_t **root, char *err, size_t errlen)
{
	const struct guest_file *f = &o->f[GUEST_OUT_RESULT];
	char why[512];
	json_error_t je;
	json_t *r, *v;

	*root = NULL;
	if (f->refused) {
		snprintf(err, errlen, "the guest's result.json is %llu bytes, over the cap of %zu",
			 (unsigned long long)f->size, proto[GUEST_OUT_RESULT].cap);
		return -EINVAL;
	}
	if (!f->data) {
		snprintf(err, errlen, "the guest sent no result.json");
		return -ENOENT;
	}
	r = json_loadb(f->data, f->len, JSON_REJECT_DUPLICATES, &je);
	if (!r) {
		snprintf(err, errlen, "the guest's result.json is not JSON: line %d column %d: %s", je.line, je.column,
			 je.text);
		return -EINVAL;
	}
	v = json_object_get(r, "format_version");
	if (!json_is_integer(v) || json_integer_value(v) != RESULT_FORMAT_VERSION) {
		snprintf(err, errlen, "the guest's result.json is not an mmstall result of format version %d",
			 RESULT_FORMAT_VERSION);
	} else if (result_check(r, why, sizeof(why))) {
		snprintf(err, errlen, "the guest's result.json has the wrong shape: %s", why);
	} else {
		*root = r;
		return 0;
	}
	json_decref(r);
	return -EINVAL;
}

static int write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= w;
	}
	return 0;
}

int guest_out_save_extra(const struct guest_out *o, const char *dir, char *err, size_t errlen)
{
	size_t i;
	int dfd, fd, ret = 0;

	if (!o->nr_extra)
		return 0;
	rm_rf(dir);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		ret = -errno;
		snprintf(err, errlen, "cannot create %s for the guest's other files: %s", dir, strerror(errno));
		return ret;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot open %s: %s", dir, strerror(errno));
		return ret;
	}
	for (i = 0; i < o->nr_extra && !ret; i++) {
		/* plain names only (plain_name()): nothing lands outside dir */
		fd = openat(dfd, o->extra[i].name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		ret = fd < 0 ? -errno : write_all(fd, o->extra[i].data, o->extra[i].len);
		if (fd >= 0 && close(fd) < 0 && !ret)
			ret = -errno;
		if (ret)
			snprintf(err, errlen, "cannot write %s/%s: %s", dir, o->extra[i].name, strerror(-ret));
	}
	close(dfd);
	return ret;
}
