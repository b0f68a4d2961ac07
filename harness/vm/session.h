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

/* What a repetition adds to its result's "vm" object. */
struct vm_run_info {
	const char *stem;	/* file names: <results>/<stem>.json, <stem>.console.log */
	int rep, reps;		/* 1-based repetition, of reps */
	int variant_index;	/* the variant's position in the compare */
	const char *baseline;	/* the compare's baseline label */
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
 * reason): stop, nothing more can be saved.
 */
int vm_session_run(struct vm_opts *o, size_t i, const struct vm_run_info *ri);
/*
 * For another thread (a progress line) while vm_session_run() runs: when
 * (CLOCK_MONOTONIC ns) the guest started its command and when 'mmstall
 * run' in it started the warm-up; 0 until then.  Found once, as the
 * console passes (no re-reading of the console log).
 */
uint64_t vm_session_run_started_ns(const struct vm_opts *o);
uint64_t vm_session_measure_started_ns(const struct vm_opts *o);
/* Temporary files removed, signals restored, o freed. */
void vm_session_end(struct vm_opts *o);

#endif
