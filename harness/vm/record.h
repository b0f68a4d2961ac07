/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "vm" object of a result (results/README.md, "vm"): what was booted,
 * how, and what the boot left, as a typed record, and the one place that
 * spells its JSON keys (vm_record_json()) and writes a variant's result
 * file (vm_result_save()).
 */
#ifndef MMSTALL_VM_RECORD_H
#define MMSTALL_VM_RECORD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm_kernel;
struct vm_run_info;

/* Seconds; NAN: unknown (written as null). */
struct vm_timings {
	bool booted;		/* QEMU was started: every figure below is written */
	double prepare_s;	/* fetching, initramfs, KVM probe: start of the variant to QEMU start */
	double boot_s;		/* QEMU start to the guest's "run start" mark */
	double qemu_s;		/* QEMU's whole life */
	double guest_run_s;	/* the guest command (guest clock) */
	double boot_to_result_s; /* guest uptime when the command ended */
	double teardown_s;	/* the command's exit to QEMU's exit: results out, power off */
	double transfer_s;	/* /init sending /out: its "sending" to its "sent" mark */
	double poweroff_s;	/* "results sent" to QEMU's exit */
	double collect_s;	/* QEMU's exit to the results read and checked */
	double wall_s;		/* QEMU start to the results read */
	double overhead_s;	/* wall_s minus warm-up + duration (or the guest command's run) */
};

struct vm_record {
	const struct vm_kernel *k;
	const struct vm_run_info *ri;	/* a compare's repetition, or NULL */
	/* the session */
	const char *qemu_version;
	uint64_t mem_bytes, cpus;
	const char *data_disk, *tools_disk, *guest_command;
	/* the variant */
	json_t *kernel_features;	/* kfeatures_json() (owned); NULL: not read */
	char kernel_config_source[1100];	/* "": not read */
	char could_not_test[1024];	/* "": testable */
	const char *accel_reason;	/* NULL: not chosen */
	bool kvm;
	const char *initramfs;
	char *kernel_elf;		/* the ELF booted through the PVH entry (owned); NULL: the bzImage */
	char boot_entry[300];		/* "pvh", or "bzImage (why not pvh)"; "": not booted */
	char **qemu_argv;		/* NULL-terminated; NULL: not booted (owned) */
	double timeout_s;		/* NAN: not booted */
	char *console_log;		/* file name beside the result; NULL: none (owned) */
	uint64_t console_bytes;		/* what the guest wrote on its console */
	uint64_t console_dropped_bytes;	/* cut from the middle of console_log */
	char boot_retry_reason[512];	/* "": no retry */
	char boot_retry_console[300];
	/* what the guest sent */
	int guest_protocol;		/* 0: not booted */
	int guest_exit_code;		/* -1: unknown */
	json_t *guest_kernel_warnings;	/* array of strings (owned); NULL: no results */
	char *guest_stderr_tail;	/* owned; NULL: none */
	char **out_notes;		/* what of /out was not taken, or dropped by the guest (owned) */
	size_t nr_out_notes;
	char *guest_files;		/* directory of the other files of /out; NULL: none (owned) */
	char slow_teardown[512];	/* "": QEMU ended by itself in time */
	struct vm_timings t;
};

void vm_record_init(struct vm_record *r);
void vm_record_free(struct vm_record *r);
void vm_record_note(struct vm_record *r, const char *note);
/* Take argv (NULL-terminated, allocated) as qemu_argv, freeing the one before. */
void vm_record_set_argv(struct vm_record *r, char **argv);

/* The "vm" object. */
json_t *vm_record_json(const struct vm_record *r);

/*
 * Write <path>: the guest's result (guest, may be NULL: then a result of
 * our own with the envelope, label, mode "vm" and the scenario) with
 * status "failed" and error when error is not empty, plus the "vm" object.
 * 0, or -errno with err naming the path and the reason.
 */
int vm_result_save(const char *path, json_t *guest, const struct vm_record *r, const json_t *scenario,
		   const char *error, char *err, size_t errlen);

#endif
