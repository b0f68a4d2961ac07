/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest protocol: everything the host and a guest's /init agree on,
 * in one place (the prose is harness/vm/PROTOCOL.md; keep both in step and
 * bump GUEST_PROTOCOL_VERSION when a name, a file, a mark or a limit
 * changes meaning).  /init's constants are pasted in from these macros
 * (initramfs.c), the host decoder (guest_out.c, console.c) and the tests
 * read the same macros: nothing is spelled twice.
 *
 * Host to guest: the initramfs (files below), the kernel command line, and
 * disks found by their virtio serial.  Guest to host: a ustar archive of
 * /out written from the first byte of the results disk, and marks on the
 * serial console.  The guest is untrusted: the host takes only regular
 * files with the expected names, each under its cap.
 */
#ifndef MMSTALL_VM_PROTOCOL_H
#define MMSTALL_VM_PROTOCOL_H

#include "harness/result.h"	/* RUN_MEASURE_START_MARK */

/*
 * 1: the implicit protocol before it was written down (tar after umount).
 * 2: results sent first, never waiting on the data disk; size plan; marks.
 */
#define GUEST_PROTOCOL_VERSION 2

/* A number macro as a string literal, for pasting into /init. */
#define GUEST_STR_(x) #x
#define GUEST_STR(x) GUEST_STR_(x)

/* ---- host to guest ---- */

/* The kernel command line: serial console, reboot at once on panic, our /init. */
#define GUEST_APPEND "console=ttyS0 panic=-1 rdinit=/init"

/* Files of the per-run initramfs (paths in the guest, without the leading '/'). */
#define GUEST_FILE_INIT "init"			/* PID 1, a busybox sh script */
#define GUEST_FILE_CMD "etc/mmstall/cmd"	/* the command, run by sh */
#define GUEST_FILE_TOOLS "etc/mmstall/tools"	/* present: mount the tools disk, fio on PATH */
/* ... and of the cached base initramfs */
#define GUEST_FILE_RELEASE "etc/mmstall/release"	/* uname -r of the kernel: its modules directory */
#define GUEST_FILE_MODULES "etc/mmstall/modules"	/* modules to insmod, in order, one a line */
#define GUEST_FILE_CONFIG "boot/config"		/* the kernel's .config, when known */

/* Disks, found by their virtio serial (PCI slot order is no promise). */
#define GUEST_DISK_DATA "mmstall-data"		/* ext4, lo.dat hi.dat; snapshot=on: writes are thrown away */
#define GUEST_DISK_OUT "mmstall-out"		/* raw, empty: the results go here */
#define GUEST_DISK_TOOLS "mmstall-tools"	/* ext4, read-only: fio and its libraries */
#define GUEST_MOUNT_DATA "/data"
#define GUEST_MOUNT_TOOLS "/tools"
#define GUEST_OUT_DIR "/out"

/* The results disk: its size bounds everything the guest can send. */
#define GUEST_OUT_DISK_BYTES 67108864	/* 64 MiB */
/*
 * Room the guest keeps free of files on the results disk: the archive's
 * end blocks and record padding (10 KiB at most) and the "dropped" note.
 */
#define GUEST_OUT_RESERVE_BYTES 65536
#define GUEST_OUT_DROPPED_MAX 8192

/* ---- guest to host: the files of /out ---- */

/*
 * X(id, name, host cap in bytes, keep): the files /init and the command
 * leave in /out, in the order the guest sends them (what matters first:
 * when /out holds more than the results disk takes, the tail of this list
 * and then other files are dropped and named in "dropped").  keep is how
 * the host cuts a file over its cap: GUEST_KEEP_ALL (over the cap the file
 * is refused), GUEST_KEEP_TAIL (the last cap bytes: the end of a log is
 * what explains a failure).  Logs are cut to their tail by the guest too.
 */
#define GUEST_KEEP_ALL 0
#define GUEST_KEEP_TAIL 1
#define GUEST_OUT_FILES(X)                                                            \
	X(RESULT, "result.json", 48u << 20, GUEST_KEEP_ALL)  /* the run's result */    \
	X(EXIT_CODE, "exit_code", 64u, GUEST_KEEP_ALL)	     /* the command's status */ \
	X(TIMINGS, "timings", 4096u, GUEST_KEEP_ALL)	     /* "KEY UPTIME_S" lines */ \
	X(INIT_ERROR, "init_error", 64u << 10, GUEST_KEEP_TAIL) /* /init setup failed */ \
	X(DROPPED, "dropped", GUEST_OUT_DROPPED_MAX, GUEST_KEEP_ALL) /* not sent */      \
	X(STDERR, "stderr.txt", 1u << 20, GUEST_KEEP_TAIL)   /* the command's stderr */ \
	X(STDOUT, "stdout.txt", 1u << 20, GUEST_KEEP_TAIL)   /* the command's stdout */ \
	X(DMESG, "dmesg.txt", 2u << 20, GUEST_KEEP_TAIL)     /* the kernel log at the end */

enum guest_out_file {
#define GUEST_OUT_ENUM(id, name, cap, keep) GUEST_OUT_##id,
	GUEST_OUT_FILES(GUEST_OUT_ENUM)
#undef GUEST_OUT_ENUM
	GUEST_OUT_NR
};

/* The names, space-separated in sending order, for /init. */
#define GUEST_OUT_NAME_WORD(id, name, cap, keep) name " "
#define GUEST_OUT_NAMES GUEST_OUT_FILES(GUEST_OUT_NAME_WORD)
/* The guest cuts logs to this many bytes (their tail) before sending. */
#define GUEST_OUT_LOG_TAIL 1048576

/*
 * Other regular files in /out (a --guest-cmd's) come home too, after the
 * protocol files and within these caps, flat names only ([A-Za-z0-9._+-],
 * not starting with '.'), into <results>/<stem>.files/.
 */
#define GUEST_OUT_EXTRA_FILE_CAP (16u << 20)
#define GUEST_OUT_EXTRA_TOTAL_CAP (32u << 20)
#define GUEST_OUT_EXTRA_MAX 64

/* Keys of the "timings" file: guest uptime in seconds when each happened. */
#define GUEST_T_INIT_START "init_start"	/* /init began */
#define GUEST_T_RUN_START "run_start"	/* the command began */
#define GUEST_T_RUN_END "run_end"	/* the command ended */
#define GUEST_T_TRANSFER "transfer"	/* /init began sending /out */

/* ---- guest to host: console marks (lines /init prints on ttyS0) ---- */

#define GUEST_MARK_PREFIX "mmstall-init: "
#define GUEST_MARK_RUN GUEST_MARK_PREFIX "run start"		/* the command starts */
#define GUEST_MARK_EXITED GUEST_MARK_PREFIX "command exited"	/* "... with status N" */
#define GUEST_MARK_SENDING GUEST_MARK_PREFIX "sending results"
#define GUEST_MARK_SENT GUEST_MARK_PREFIX "results sent"	/* on the disk and flushed */
#define GUEST_MARK_POWEROFF GUEST_MARK_PREFIX "power off"
#define GUEST_MARK_PROBE GUEST_MARK_PREFIX "probe ok"		/* the KVM probe's /init ran */
/* Printed by 'mmstall run' when the warm-up starts: a panic before it measured nothing. */
#define GUEST_MARK_MEASURE RUN_MEASURE_START_MARK
/* Printed by the guest kernel. */
#define GUEST_MARK_PANIC "Kernel panic"
/*
 * The one known emulator fault (TCG): an int3 trap left at a jump-label
 * site while the kernel patches its text ("Oops: int3: 0000 [#1]" on 6.9+,
 * "int3: 0000 [#1]" before).  Only a panic after it, before the
 * measurement, is booted again.
 */
#define GUEST_MARK_INT3 "int3: 0000"

/* ---- the host's limits ---- */

/* The console log kept beside the result: its head, then its tail. */
#define GUEST_CONSOLE_HEAD_BYTES (2u << 20)
#define GUEST_CONSOLE_TAIL_BYTES (6u << 20)
/* After "results sent", QEMU has this long to exit by itself. */
#define GUEST_POWEROFF_GRACE_NS (10ULL * 1000000000ULL)

#endif
