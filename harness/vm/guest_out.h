/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host's end of the guest protocol (protocol.h, PROTOCOL.md): reading
 * what a guest left on its results disk, and what it means.
 *
 * The disk holds a ustar archive of the guest's /out.  The guest runs a
 * kernel under test and is untrusted: the archive is read by our own
 * reader, which takes only regular files with flat, expected names, each
 * under its cap, into memory; links, device nodes, directories, absolute
 * names and ".." are never followed or created, only noted.  Nothing is
 * written anywhere unless the caller saves the extra files, which go into
 * one directory it names, by plain names, never following links.
 */
#ifndef MMSTALL_VM_GUEST_OUT_H
#define MMSTALL_VM_GUEST_OUT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/vm/protocol.h"

struct guest_file {
	char *data;		/* NUL-terminated; NULL: not in the archive or refused */
	size_t len;
	uint64_t size;		/* its size in the archive */
	bool cut;		/* over its cap: only its last bytes were kept */
	bool refused;		/* over its cap and not cuttable (result.json): not taken */
};

struct guest_extra {
	char *name;
	char *data;
	size_t len;
};

struct guest_out {
	bool found;		/* the disk holds an archive: the guest sent something */
	bool complete;		/* the archive was read to its end marker */
	struct guest_file f[GUEST_OUT_NR];
	struct guest_extra *extra;	/* other regular files (a --guest-cmd's) */
	size_t nr_extra, extra_bytes;
	char **notes;		/* what was not taken, and why; one sentence each */
	size_t nr_notes;
};

/* Read the archive on the results disk image (or any file/fd holding one). */
int guest_out_read(const char *img, struct guest_out *o, char *err, size_t errlen);
int guest_out_read_fd(int fd, struct guest_out *o, char *err, size_t errlen);
void guest_out_free(struct guest_out *o);

/* The protocol file's text, or "" when the guest did not send it. */
const char *guest_out_text(const struct guest_out *o, enum guest_out_file id);
/* The command's exit status from "exit_code"; -1 when absent or not a number. */
int guest_out_exit_code(const struct guest_out *o);
/* A "timings" entry (guest uptime in seconds); -1 when absent. */
double guest_out_timing(const struct guest_out *o, const char *key);
/* The last n lines of a text (cut in place, made printable ASCII); "" for NULL. */
const char *guest_out_last_lines(char *s, int n);
/* dmesg lines a kernel developer must look at (BUG:, WARNING:, Oops...), at most max. */
json_t *guest_out_warnings(const struct guest_out *o, size_t max);

/*
 * The guest's result.json, parsed and checked (format version and
 * result_check()): 0 with *root set, or -errno with err saying why it is
 * unusable (absent: -ENOENT; refused, unparsable, wrong shape: -EINVAL).
 */
int guest_out_result(const struct guest_out *o, json_t **root, char *err, size_t errlen);

/*
 * Save the extra files into dir (created; an older one of that name is
 * replaced), by their plain names, never following links.  0 or -errno
 * with err naming the file and the reason.
 */
int guest_out_save_extra(const struct guest_out *o, const char *dir, char *err, size_t errlen);

#endif
