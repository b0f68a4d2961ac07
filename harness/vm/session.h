/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The machinery of 'mmstall vm' for other commands ('mmstall compare'):
 * the same options (kernels, QEMU settings, scenario settings) plus the
 * caller's own, the same start-up checks, and one boot of one kernel
 * variant into a result file named by the caller.
 */
#ifndef MMSTALL_VM_SESSION_H
#define MMSTALL_VM_SESSION_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct vm_opts;
struct scenario;

/* Options of the calling command, parsed alongside vm's own. */
struct vm_extra_opts {
	const char *cmd;		/* "compare": messages, default results directory suffix */
	const struct option *opts;	/* name and has_arg are used */
	size_t nr;
	/* Option opts[idx] was given: 0, or -EINVAL with a message printed. */
	int (*parse)(void *arg, size_t idx, const char *optarg);
	void *arg;
	void (*usage)(FILE *f);		/* --help */
};

/* When (CLOCK_MONOTONIC ns) a run's guest got there, 0 until then; written by the run, read by others. */
struct vm_run_marks {
	uint64_t run_started_ns;	/* the guest started its command */
	uint64_t measure_started_ns;	/* 'mmstall run' in it started the warm-up */
	uint64_t qemu_pid;		/* QEMU's pid while it runs, else 0 */
};

/* What a repetition adds to its result's "vm" object, and how it runs. */
struct vm_run_info {
	const char *stem;	/* file names: <results>/<stem>.json, <stem>.console.log */
	int rep, reps;		/* 1-based repetition, of reps */
	int variant_index;	/* the variant's position in the compare */
	const char *baseline;	/* the compare's baseline label */
	/*
	 * The device baseline is a property of the disk: measured by one run
	 * of each variant per session (this run's stem in that run's record),
	 * the others run with device-baseline off and name that run here.
	 * NULL: the scenario's own setting.
	 */
	const char *device_baseline_from;
	/* host CPUs every thread of this run's QEMU is confined to; NULL: not pinned */
	const int *pin_cpus;
	size_t nr_pin_cpus;
	unsigned int jobs;	/* guests the caller runs at once (recorded); 0: not said */
	/* the job list ('compare --plan') the run belongs to; plan_id NULL: none */
	const char *plan_id;
	int plan_index;		/* the entry, 0-based */
	int pairing;		/* runs of one pairing must be made on one host (0-based) */
	struct vm_run_marks *marks;	/* NULL: nobody watches */
};

/* vm's option help (kernels, QEMU, scenario settings), for the caller's --help. */
void vm_session_print_options(FILE *f);

/* Parse; NULL with *code EXIT_OK (--help shown) or EXIT_USAGE (message printed). */
struct vm_opts *vm_session_parse(int argc, char **argv, const struct vm_extra_opts *x, int *code);
/* Add "LABEL=SPEC" (before vm_session_start()); -EINVAL with a message. */
int vm_session_add_kernel(struct vm_opts *o, const char *arg);
/* With no --kernel given: vm's defaults (Debian 6.1 and 6.12). */
void vm_session_default_kernels(struct vm_opts *o);
size_t vm_session_nr_kernels(const struct vm_opts *o);
const char *vm_session_label(const struct vm_opts *o, size_t i);
const char *vm_session_spec(const struct vm_opts *o, size_t i);
/* The results directory (chosen by vm_session_start() when not given). */
const char *vm_session_results(const struct vm_opts *o);
/* Do the guests run the scenario (not a --guest-cmd of their own)? */
bool vm_session_measures(const struct vm_opts *o);
const struct scenario *vm_session_scenario(const struct vm_opts *o);

/*
 * Signals, tools, kernels resolved, results directory, data disk.  Returns
 * EXIT_OK, EXIT_USAGE (bad input or environment) or EXIT_FAIL (messages printed).
 */
int vm_session_start(struct vm_opts *o);
/*
 * Boot kernel i once into <results>/<stem>.json: 0 ok, 1 the run failed
 * (recorded as failed), -EINTR stop (a signal), or another -errno: its
 * result could not be written (message printed, naming the file and the
 * reason): stop, nothing more can be saved.  Several threads may run at
 * once on one session (distinct stems): what runs before QEMU starts
 * (kernel, accelerator, initramfs) is done by one at a time.
 */
int vm_session_run(struct vm_opts *o, size_t i, const struct vm_run_info *ri);

/*
 * The session's settings as 'mmstall vm' options ("--kernel", "L=SPEC",
 * "--accel", "tcg", ..., every scenario setting as --key=value): what a
 * job list stores to run one entry elsewhere.  Only the kernels with
 * keep[i] (NULL: all).  NULL-terminated, allocated (free each and the array).
 */
char **vm_session_argv(const struct vm_opts *o, const bool *keep, int *argc);
/* Guest size, for placing guests on host CPUs and memory. */
unsigned int vm_session_guest_cpus(const struct vm_opts *o);
uint64_t vm_session_guest_mem(const struct vm_opts *o);
/* The accelerator --accel forces, "kvm" or "tcg"; NULL for auto (decided at the first boot). */
const char *vm_session_accel_forced(const struct vm_opts *o);
/* Temporary files removed, signals restored, o freed. */
void vm_session_end(struct vm_opts *o);

#endif
