/* SPDX-License-Identifier: GPL-2.0 */
/* Running qemu-system-x86_64 for one guest boot, with a hard timeout. */
#ifndef MMSTALL_VM_QEMU_H
#define MMSTALL_VM_QEMU_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QEMU_BIN "qemu-system-x86_64"

struct qemu_config {
	const char *label;	/* for progress lines */
	bool kvm;		/* else TCG, multi-threaded */
	uint64_t mem_bytes;
	unsigned int cpus;
	const char *kernel;
	const char *initrd;
	const char *append;	/* kernel command line */
	const char *data_disk;	/* raw, attached snapshot=on as serial mmstall-data; NULL: none */
	const char *out_disk;	/* raw, serial mmstall-out; NULL: none */
	const char *tools_disk;	/* raw, attached readonly=on as serial mmstall-tools (fio); NULL: none */
	const char *console;	/* the guest's serial console goes to this file */
	const char *log;	/* QEMU's own stdout/stderr */
	const char *workdir;	/* TMPDIR of QEMU: its snapshot overlay lives and dies there */
	uint64_t timeout_ns;
	const char *mark;	/* console text that means "the run started"; NULL: none */
	bool say_mark;		/* print a progress line when the mark shows */
};

struct qemu_outcome {
	int status;		/* QEMU's exit status; -ETIMEDOUT, -EINTR or -errno */
	uint64_t wall_ns;	/* QEMU start to exit */
	uint64_t mark_ns;	/* QEMU start to the mark on the console; 0: never seen */
	json_t *argv;		/* the command line, for the record (caller decrefs) */
};

/* Is QEMU installed?  Message (with the package to install) if not. */
int qemu_check(void);
/* "7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)" */
int qemu_version(char *buf, size_t len);
/* Can we open /dev/kvm?  If not, why (e.g. "/dev/kvm missing"). */
bool qemu_kvm_usable(char *why, size_t len);

int qemu_run(const struct qemu_config *c, struct qemu_outcome *o);

/* The last n lines of a console log, control characters removed (caller frees). */
char *qemu_console_tail(const char *path, int n);
/* The last line of a console log containing needle, or NULL (caller frees). */
char *qemu_console_line(const char *path, const char *needle);

#endif
