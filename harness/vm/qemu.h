/* SPDX-License-Identifier: GPL-2.0 */
/* Running qemu-system-x86_64 for one guest boot, with a hard timeout. */
#ifndef MMSTALL_VM_QEMU_H
#define MMSTALL_VM_QEMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/vm/console.h"

#define QEMU_BIN "qemu-system-x86_64"

struct qemu_config {
	bool kvm;		/* else TCG, multi-threaded */
	uint64_t mem_bytes;
	unsigned int cpus;
	const char *kernel;
	const char *initrd;
	const char *append;	/* kernel command line */
	const char *data_disk;	/* raw, attached snapshot=on as serial GUEST_DISK_DATA; NULL: none */
	const char *out_disk;	/* raw, serial GUEST_DISK_OUT; NULL: none */
	const char *tools_disk;	/* raw, attached readonly=on as serial GUEST_DISK_TOOLS (fio); NULL: none */
	bool rng;		/* a virtio-rng device: the guest's random pool is ready at once */
	const char *log;	/* QEMU's own stderr */
	const char *workdir;	/* TMPDIR of QEMU: its snapshot overlay lives and dies there */
	uint64_t timeout_ns;
	/*
	 * Once the console shows GUEST_MARK_SENT, QEMU has this long to exit
	 * (the guest powers off next); then it is stopped, which is no
	 * failure: the results are on their disk.  0: no such limit.
	 */
	uint64_t after_sent_ns;
	/*
	 * Stop (as a timeout) when the console stays silent this long: the
	 * firmware prints within a second of a working start.  0: no limit.
	 */
	uint64_t first_output_ns;
	/* host CPUs QEMU (every thread: vCPUs, I/O, main loop) is confined to; NULL: not pinned */
	const int *pin_cpus;
	size_t nr_pin_cpus;
	/* where QEMU's pid is published while it runs (0 after); NULL: nowhere */
	uint64_t *pid_out;
};

struct qemu_outcome {
	int status;		/* QEMU's exit status; -ETIMEDOUT, -EINTR or -errno */
	uint64_t wall_ns;	/* QEMU start to exit */
	bool stopped_after_sent; /* did not exit within after_sent_ns of the results: stopped (status 0) */
	char **argv;		/* the command line, for the record (qemu_outcome_free()) */
};

/* Is QEMU installed?  -ENOENT and a message (with the package to install) if not. */
int qemu_check(char *err, size_t errlen);
/* "7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)" */
int qemu_version(char *buf, size_t len);
/* Can we open /dev/kvm?  If not, why (e.g. "/dev/kvm missing"). */
bool qemu_kvm_usable(char *why, size_t len);

/*
 * Boot once; the guest's console goes through con (opened by the caller:
 * its marks, its log).  0 when QEMU ran (o->status says how it ended), or
 * -errno as o->status.
 */
int qemu_run(const struct qemu_config *c, struct console *con, struct qemu_outcome *o);
void qemu_outcome_free(struct qemu_outcome *o);

#endif
