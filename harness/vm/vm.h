/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside 'mmstall vm' (not for other parts: they use session.h).  The
 * pieces, one concern each:
 *
 *   options.c   the options, their one set of defaults, and their help
 *   session.c   start-up checks and the session API of session.h
 *   pipeline.c  one variant: kernel, features, accelerator, boot, collect
 *   guest_out.c the guest protocol's host end: reading /out (protocol.h)
 *   console.c   the console stream: marks, the capped log
 *   record.c    the "vm" object of a result, and writing the result file
 *   cmd_vm.c    'mmstall vm', a thin command over the session API
 */
#ifndef MMSTALL_VM_VM_H
#define MMSTALL_VM_VM_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "harness/vm/kernel.h"
#include "harness/vm/session.h"
#include "workloads/scenario.h"

enum accel_choice { ACCEL_AUTO, ACCEL_KVM, ACCEL_TCG };

/* A session: the options, what start-up found, and the run under way. */
struct vm_opts {
	struct scenario sc;
	struct vm_kernel *kernels;
	size_t nr_kernels;
	char results[PATH_MAX];
	uint64_t margin_ns;	/* 0: by accelerator */
	enum accel_choice accel;
	uint64_t mem_bytes;
	uint64_t cpus;
	const char *guest_cmd;	/* debugging: replaces 'mmstall run' */
	const char *cmd;	/* "vm", "compare": messages, results/<stamp>-<cmd> */

	/* found at start-up */
	char guest_bin[PATH_MAX];
	char workdir[PATH_MAX];
	char qemu_version[256];
	char *data_disk;
	char fio[PATH_MAX];	/* the host's fio for the tools disk; "": none */
	char *tools_disk;	/* fio for the guest (diskimg_tools()); NULL: not attached */
	bool results_made;	/* we created the results directory */

	/* the accelerator, decided once per session (the first variant probes KVM) */
	bool accel_decided, kvm;
	char accel_reason[2048];

	/*
	 * Runs of one session may go on at once (compare --jobs): what comes
	 * before QEMU (kernel fetch, KVM probe, initramfs in workdir) is done
	 * under this lock, one run at a time.
	 */
	pthread_mutex_t prep_lock;
};

/* options.c */
void vm_opts_defaults(struct vm_opts *o, const char *cmd);
/* 0, 1 when --help was shown, or -EINVAL (message printed). */
int vm_opts_parse(int argc, char **argv, struct vm_opts *o, const struct vm_extra_opts *x);
int vm_opts_add_kernel(struct vm_opts *o, const char *arg);
/* With no --kernel given: Debian 6.1 and 6.12. */
void vm_opts_default_kernels(struct vm_opts *o);
void vm_opts_free(struct vm_opts *o);
char **vm_opts_argv(const struct vm_opts *o, const bool *keep, int *argc);
void vm_usage(FILE *f);

/* pipeline.c: boot kernel k once into <results>/<stem>.json; as vm_session_run(). */
int vm_variant_run(struct vm_opts *o, struct vm_kernel *k, const struct vm_run_info *ri);

#endif
