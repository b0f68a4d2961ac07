// SPDX-License-Identifier: GPL-2.0
/*
 * One kernel variant, once: find or fetch the kernel, check its features,
 * build (or reuse) its initramfs, choose the accelerator (once per
 * session), boot with the cached data disk (snapshot=on) and an empty
 * results disk, read what the guest sent (guest_out.h), and write
 * <stem>.json (the guest's result plus the "vm" record) beside
 * <stem>.console.log.  A failed variant gets a result with status "failed"
 * and the reason; a result that cannot be written stops the session.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/kernel/features.h"
#include "harness/util.h"
#include "harness/vm/console.h"
#include "harness/vm/diskimg.h"
#include "harness/vm/guest_out.h"
#include "harness/vm/host.h"
#include "harness/vm/hostcpus.h"
#include "harness/vm/initramfs.h"
#include "harness/vm/protocol.h"
#include "harness/vm/pvh.h"
#include "harness/vm/qemu.h"
#include "harness/vm/record.h"
#include "harness/vm/vm.h"
#include "workloads/fio.h"

/* a working KVM reaches /init in about a second */
#define KVM_PROBE_TIMEOUT_NS (10 * NSEC_PER_SEC)
/* SeaBIOS prints at once under a working KVM; a broken one stays silent (seen: /dev/kvm opens, no vCPU runs) */
#define KVM_PROBE_SILENCE_NS (5 * NSEC_PER_SEC)
#define MARGIN_TCG_NS (120 * NSEC_PER_SEC)
#define MARGIN_KVM_NS (60 * NSEC_PER_SEC)
#define CONSOLE_TAIL_LINES 12

struct variant {
	struct vm_opts *o;
	struct vm_kernel *k;
	const struct vm_run_info *ri;
	const char *stem;	/* result file name without .json */
	struct scenario sc;	/* the session's, with this run's device baseline */
	struct vm_record rec;
	char error[4096];	/* first reason this variant failed */
	char *base;		/* cached initramfs */
	uint64_t t0_ns, qemu_start_ns, collected_ns;
	struct console con;
	bool con_used;
	struct qemu_outcome oc;
	struct guest_out out;
	/* results/workdir (PATH_MAX) + stem (< 128) + suffix */
	char console[PATH_MAX + 160], initrd[PATH_MAX + 160], out_img[PATH_MAX + 160];
	char qemu_log[PATH_MAX + 160], files_dir[PATH_MAX + 160];
	char pinned[256];	/* the host CPUs, as text */
};

static void fail(struct variant *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct variant *v, const char *fmt, ...)
{
	va_list ap;

	if (v->error[0])
		return;
	va_start(ap, fmt);
	vsnprintf(v->error, sizeof(v->error), fmt, ap);
	va_end(ap);
}

/* The reason of a failed step: its message, or the errno. */
static void fail_step(struct variant *v, const char *step, int ret, const char *err)
{
	if (ret == -EINTR)
		fail(v, "interrupted by SIG%s", sigabbrev_np(proc_stop_signal));
	else
		fail(v, "%s: %s", step, err && *err ? err : strerror(-ret));
}

static double secs(uint64_t ns)
{
	return ns / 1e9;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* ---- the kernel ---- */

/*
 * What the kernel supports, from its config, recorded in every result; a
 * kernel without a feature the scenario needs is not booted: "could not
 * test" (the gate's 125), not a number measured without it.  Without any
 * config the guest finds out itself (a missing throttle fails the run).
 */
static int check_features(struct variant *v)
{
	struct kconfig *kc = NULL;
	char *source = v->rec.kernel_config_source, line[512], why[512];
	size_t slen = sizeof(v->rec.kernel_config_source);
	int missing;

	if (kfeatures_load_config(v->k->config, v->k->image, &kc, source, slen))
		snprintf(source, slen, "none found (no config beside the image, no CONFIG_IKCONFIG)");
	kfeatures_line(kc, v->k->release, line, sizeof(line));
	if (!v->ri || v->ri->rep == 1 || mm_verbose)
		msg_info("[%s] features (config: %s): %s", v->k->label, source, line);
	v->rec.kernel_features = kfeatures_json(kc, v->k->release);
	missing = kernel_scenario_lacks(kc, v->k->release, &v->sc, why, sizeof(why));
	kconfig_free(kc);
	if (!missing)
		return 0;
	snprintf(v->rec.could_not_test, sizeof(v->rec.could_not_test), "%s", why);
	fail(v, "could not test: %s (kernel %s, scenario %s); not booted", why, v->k->label, v->sc.name);
	return -ENOTSUP;
}

static int prepare_kernel(struct variant *v)
{
	struct vm_kernel *k = v->k;
	char err[2048];
	int ret, fetched, built;

	err[0] = '\0';
	ret = kernel_fetch(k, &fetched, err, sizeof(err));
	if (ret) {
		if (!err[0])
			snprintf(err, sizeof(err), "%s", strerror(-ret));
		/* the guest's plumbing check: a missing CONFIG_ is "could not test", like a missing feature */
		if (ret == -ENOTSUP)
			snprintf(v->rec.could_not_test, sizeof(v->rec.could_not_test), "%.*s",
				 (int)sizeof(v->rec.could_not_test) - 1, err);
		fail_step(v, "kernel", ret, err);
		return ret;
	}
	msg_info("[%s] kernel %s%s%s%s", k->label, k->release, k->package ? " (" : "",
		 k->package ? k->package_version : "", k->package ? ")" : "");
	ret = check_features(v);
	if (ret)
		return ret;
	ret = initramfs_base(k, v->o->guest_bin, v->o->workdir, &v->base, &built, err, sizeof(err));
	if (ret)
		fail_step(v, "initramfs", ret, err);
	v->rec.initramfs = v->base;
	v->rec.kernel_elf = pvh_elf(k, err, sizeof(err));
	if (v->rec.kernel_elf)
		snprintf(v->rec.boot_entry, sizeof(v->rec.boot_entry), "pvh");
	else
		snprintf(v->rec.boot_entry, sizeof(v->rec.boot_entry), "bzImage (no PVH ELF: %.250s)", err);
	return ret;
}

/* ---- the accelerator, once per session ---- */

/* "why" of a failed KVM probe, from what QEMU and the console left. */
static void probe_failure(const struct qemu_outcome *oc, const struct console *con, const char *log, char *why,
			  size_t len)
{
	char *text = NULL;

	if (oc->status == -ETIMEDOUT && !con->total) {
		snprintf(why, len, "no console output within %llu s",
			 (unsigned long long)(KVM_PROBE_SILENCE_NS / NSEC_PER_SEC));
	} else if (oc->status == -ETIMEDOUT) {
		text = console_tail(con, 1);
		snprintf(why, len, "no sign of life within %llu s; console (%llu bytes): %.200s",
			 (unsigned long long)(KVM_PROBE_TIMEOUT_NS / NSEC_PER_SEC), (unsigned long long)con->total,
			 last_line(text));
	} else if (oc->status < 0) {
		snprintf(why, len, "cannot start QEMU: %s", strerror(-oc->status));
	} else if (oc->status) {
		read_file(log, &text, NULL);
		snprintf(why, len, "QEMU exited with status %d: %s", oc->status, last_line(text));
	} else {
		text = console_tail(con, 1);
		snprintf(why, len, "the guest stopped before init ran; console: %s", last_line(text));
	}
	free(text);
}

static int kvm_probe(struct variant *v, char *why, size_t len)
{
	struct initramfs_file files[] = { { GUEST_FILE_INIT, initramfs_init_probe, 0755 } };
	char initrd[PATH_MAX + 16], log[PATH_MAX + 16], err[1024];
	struct qemu_config c = {
		.kvm = true, .mem_bytes = 256ULL << 20, .cpus = 1,
		.kernel = v->k->image, .initrd = initrd, .append = GUEST_APPEND,
		.log = log, .workdir = v->o->workdir, .timeout_ns = KVM_PROBE_TIMEOUT_NS,
		.first_output_ns = KVM_PROBE_SILENCE_NS,
	};
	struct qemu_outcome oc;
	struct console con;
	int ret;

	snprintf(initrd, sizeof(initrd), "%s/probe.initrd", v->o->workdir);
	snprintf(log, sizeof(log), "%s/probe.qemu.log", v->o->workdir);
	ret = initramfs_compose(v->base, v->o->workdir, files, ARRAY_SIZE(files), initrd, err, sizeof(err));
	if (ret && ret != -EINTR)
		snprintf(why, len, "cannot make its initramfs: %.900s", err);
	if (!ret) {
		console_open(&con, NULL, 0, 64 << 10, now_ns());
		qemu_run(&c, &con, &oc);
		console_close(&con);
		ret = oc.status == -EINTR ? -EINTR : 0;
		if (!ret && !console_saw(&con, MARK_PROBE)) {
			probe_failure(&oc, &con, log, why, len);
			ret = -EIO;
		}
		console_free(&con);
		qemu_outcome_free(&oc);
	}
	unlink(initrd);
	unlink(log);
	return ret;
}

/*
 * The KVM probe's verdict, kept for the rest of the host's boot: a KVM that
 * fails the probe (QEMU asserting under it, on some hosts) fails it again
 * until the host reboots or QEMU changes, and each probe costs up to 10 s of
 * every command.  Keyed on the host's boot id and QEMU's version.
 */
static void probe_key(const struct vm_opts *o, char *key, size_t len)
{
	char *boot = NULL;

	if (read_file("/proc/sys/kernel/random/boot_id", &boot, NULL))
		boot = NULL;
	snprintf(key, len, "%.36s qemu %s", boot ? boot : "unknown", o->qemu_version);
	free(boot);
}

/* 1 and the verdict when the cache holds this host boot's probe, else 0. */
static int probe_cached(const struct vm_opts *o, bool *kvm, char *why, size_t len)
{
	char key[512], path[PATH_MAX], *text = NULL, *nl, *tab;
	int hit = 0;

	probe_key(o, key, sizeof(key));
	if (path_fmt(path, sizeof(path), "%s/kvm-probe", cache_dir()) || read_file(path, &text, NULL))
		return 0;
	/* "KEY\n" then "ok" or "failed: WHY" */
	nl = strchr(text, '\n');
	if (nl && (size_t)(nl - text) == strlen(key) && !strncmp(text, key, strlen(key))) {
		tab = nl + 1;
		tab[strcspn(tab, "\n")] = '\0';
		*kvm = !strcmp(tab, "ok");
		snprintf(why, len, "%s", *kvm ? "" : (strncmp(tab, "failed: ", 8) ? tab : tab + 8));
		hit = 1;
	}
	free(text);
	return hit;
}

static void probe_remember(const struct vm_opts *o, bool kvm, const char *why)
{
	char key[512], path[PATH_MAX], *text;

	probe_key(o, key, sizeof(key));
	if (path_fmt(path, sizeof(path), "%s/kvm-probe", cache_dir()) || mkdir_p(cache_dir(), 0755))
		return;
	text = xasprintf("%s\n%s%s\n", key, kvm ? "ok" : "failed: ", kvm ? "" : why);
	write_file_atomic(path, text, strlen(text));	/* a cache: a failed write costs only the next probe */
	free(text);
}

static int choose_accel(struct variant *v)
{
	struct vm_opts *o = v->o;
	char why[1024];
	int ret;

	if (!o->accel_decided && o->accel != ACCEL_AUTO) {
		o->kvm = o->accel == ACCEL_KVM;
		snprintf(o->accel_reason, sizeof(o->accel_reason), "forced by --accel");
	} else if (!o->accel_decided && !qemu_kvm_usable(why, sizeof(why))) {
		o->kvm = false;
		snprintf(o->accel_reason, sizeof(o->accel_reason), "%s", why);
	} else if (!o->accel_decided && probe_cached(o, &o->kvm, why, sizeof(why))) {
		snprintf(o->accel_reason, sizeof(o->accel_reason), "KVM probe boot %s earlier in this host boot%s%s",
			 o->kvm ? "succeeded" : "failed", o->kvm ? "" : ": ", o->kvm ? "" : why);
	} else if (!o->accel_decided) {
		msg_info("[%s] probing KVM (once for all variants)", v->k->label);
		ret = kvm_probe(v, why, sizeof(why));
		if (ret == -EINTR) {
			fail_step(v, "KVM probe", ret, NULL);
			return ret;
		}
		o->kvm = !ret;
		if (ret)
			snprintf(o->accel_reason, sizeof(o->accel_reason), "KVM probe boot failed: %s", why);
		else
			snprintf(o->accel_reason, sizeof(o->accel_reason), "KVM probe boot succeeded");
		probe_remember(o, o->kvm, why);
	}
	o->accel_decided = true;
	v->rec.kvm = o->kvm;
	v->rec.accel_reason = o->accel_reason;
	return 0;
}

/* ---- the boot ---- */

/* Quote for sh: 'it'\''s'. */
static void sh_quote(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", f);
		else
			fputc(*s, f);
	}
	fputc('\'', f);
}

/* The guest's command, as a shell script run by /init. */
static char *guest_command(const struct variant *v)
{
	char *buf = NULL, **sargv;
	size_t len = 0;
	int sargc = 0, i;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		abort();
	if (v->o->guest_cmd) {
		fprintf(f, "%s\n", v->o->guest_cmd);
		fclose(f);
		return buf;
	}
	/* --disposable: the guest is powered off after the run; see boot_retrying() */
	fprintf(f, "exec /bin/mmstall run --disposable --data-dir " GUEST_MOUNT_DATA " --output " GUEST_OUT_DIR
		   "/result.json --label ");
	sh_quote(f, v->k->label);
	if (v->k->config)
		fprintf(f, " --kernel-config /" GUEST_FILE_CONFIG);
	if (mm_verbose)
		fprintf(f, " -v");
	sargv = scenario_to_argv(&v->sc, &sargc);
	for (i = 0; sargv && i < sargc; i++) {
		fputc(' ', f);
		sh_quote(f, sargv[i]);
		free(sargv[i]);
	}
	free(sargv);
	fputc('\n', f);
	fclose(f);
	return buf;
}

static uint64_t timeout_ns(const struct variant *v)
{
	uint64_t margin = v->o->margin_ns;

	if (!margin)
		margin = v->o->kvm ? MARGIN_KVM_NS : MARGIN_TCG_NS;
	return v->sc.warmup_ns + v->sc.duration_ns + margin;
}

/*
 * fio in the guest: the marker that makes /init mount the tools disk, and
 * the scenario's job files given as paths, at the same path from /.
 */
static int fio_files(struct variant *v, struct initramfs_file *files, size_t *n, char **texts, char *err,
		     size_t errlen)
{
	const char *specs[] = { v->sc.fio_lo, v->sc.fio_hi };
	size_t i;
	int ret;

	if (!v->rec.tools_disk)
		return 0;
	files[(*n)++] = (struct initramfs_file){ GUEST_FILE_TOOLS, "fio\n", 0644 };
	for (i = 0; i < ARRAY_SIZE(specs); i++) {
		if (!fio_job_is_path(specs[i]))
			continue;
		ret = fio_job_text(specs[i], &texts[i], err, errlen);
		if (ret)
			return ret;
		files[(*n)++] = (struct initramfs_file){ specs[i] + strspn(specs[i], "/"), texts[i], 0644 };
	}
	return 0;
}

/* Marks as the console passes them: the message, and the caller's progress line. */
static void on_mark(void *arg, enum console_mark m, uint64_t ns)
{
	struct variant *v = arg;
	struct vm_run_marks *mk = v->ri ? v->ri->marks : NULL;
	uint64_t at = v->con.start_ns + ns;

	if (m == MARK_RUN) {
		if (mk)
			__atomic_store_n(&mk->run_started_ns, at, __ATOMIC_RELEASE);
		msg_info("[%s] running (booted in %.1f s)", v->stem, secs(ns));
	} else if (m == MARK_MEASURE && mk) {
		__atomic_store_n(&mk->measure_started_ns, at, __ATOMIC_RELEASE);
	}
}

static int prepare_boot(struct variant *v)
{
	char *cmd = guest_command(v), *texts[2] = { NULL, NULL }, err[1024] = "";
	struct initramfs_file files[5] = {
		{ GUEST_FILE_INIT, initramfs_init_run, 0755 },
		{ GUEST_FILE_CMD, cmd, 0644 },
	};
	size_t nr_files = 2;
	int ret;

	/* the initramfs is composed in the session's work directory: one run at a time */
	pthread_mutex_lock(&v->o->prep_lock);
	ret = fio_files(v, files, &nr_files, texts, err, sizeof(err));
	if (!ret)
		ret = initramfs_compose(v->base, v->o->workdir, files, nr_files, v->initrd, err, sizeof(err));
	pthread_mutex_unlock(&v->o->prep_lock);
	free(cmd);
	free(texts[0]);
	free(texts[1]);
	unlink(v->out_img); /* an empty results disk per boot: a retried boot had one */
	if (!ret)
		ret = diskimg_results_create(v->out_img, GUEST_OUT_DISK_BYTES, err, sizeof(err));
	if (ret)
		fail_step(v, "preparing the boot", ret, err);
	return ret;
}

static int boot(struct variant *v)
{
	struct qemu_config c = {
		.kvm = v->o->kvm, .mem_bytes = v->o->mem_bytes, .cpus = (unsigned int)v->o->cpus,
		.kernel = v->rec.kernel_elf ?: v->k->image, .initrd = v->initrd, .append = GUEST_APPEND,
		.data_disk = v->o->data_disk, .out_disk = v->out_img, .tools_disk = v->rec.tools_disk,
		.log = v->qemu_log, .workdir = v->o->workdir,
		.timeout_ns = timeout_ns(v), .after_sent_ns = GUEST_POWEROFF_GRACE_NS,
		.rng = true,
		.pin_cpus = v->ri ? v->ri->pin_cpus : NULL, .nr_pin_cpus = v->ri ? v->ri->nr_pin_cpus : 0,
		.pid_out = v->ri && v->ri->marks ? &v->ri->marks->qemu_pid : NULL,
	};
	int ret, cret;

	ret = prepare_boot(v);
	if (ret)
		return ret;
	cret = console_open(&v->con, v->console, GUEST_CONSOLE_HEAD_BYTES, GUEST_CONSOLE_TAIL_BYTES, 0);
	v->con_used = true;
	v->con.on_mark = on_mark;
	v->con.arg = v;
	if (c.pid_out) {
		__atomic_store_n(&v->ri->marks->run_started_ns, 0, __ATOMIC_RELEASE);
		__atomic_store_n(&v->ri->marks->measure_started_ns, 0, __ATOMIC_RELEASE);
	}
	msg_info("[%s] booting (%s: %s; timeout %.0f s%s%s)", v->stem, v->o->kvm ? "kvm" : "tcg", v->o->accel_reason,
		 secs(c.timeout_ns), c.pin_cpus ? "; host CPUs " : "", c.pin_cpus ? v->pinned : "");
	v->qemu_start_ns = now_ns();
	ret = qemu_run(&c, &v->con, &v->oc);
	cret = console_close(&v->con) ?: cret;
	vm_record_set_argv(&v->rec, v->oc.argv);
	v->oc.argv = NULL;
	v->rec.timeout_s = secs(c.timeout_ns);
	v->rec.guest_protocol = GUEST_PROTOCOL_VERSION;
	v->rec.console_bytes = v->con.total;
	v->rec.console_dropped_bytes = console_dropped(&v->con);
	free(v->rec.console_log);
	v->rec.console_log = cret ? NULL : xstrdup(base_name(v->console));
	if (cret)
		fail(v, "cannot write the console log %s: %s", v->console, strerror(-cret));
	if (v->oc.stopped_after_sent)
		snprintf(v->rec.slow_teardown, sizeof(v->rec.slow_teardown),
			 "QEMU had not exited %.0f s after the guest's results arrived: stopped (the results were "
			 "complete)", secs(GUEST_POWEROFF_GRACE_NS));
	if (ret && ret != -EINTR && ret != -ETIMEDOUT)
		fail(v, "cannot start %s: %s", QEMU_BIN, strerror(-ret));
	return ret;
}

/*
 * Boot, and boot once more if the guest kernel died of the one known
 * emulator fault before the measurement started: under TCG, a few percent
 * of boots hit an int3 Oops at a jump-label site while the kernel patches
 * its own text (at boot, or when a throttle flips a static key); such a
 * boot measured nothing.  Any other panic (a backtrace of the code under
 * test), and any panic once the warm-up started, is the kernel's result
 * and is reported at once.  The first console is kept beside the result.
 */
static int boot_retrying(struct variant *v)
{
	char first[sizeof(v->console) + 8];
	int ret = boot(v);

	if (ret || !console_emulator_fault(&v->con))
		return ret;
	snprintf(first, sizeof(first), "%s.boot1", v->console);
	rename(v->console, first);
	msg_warn("[%s] guest kernel hit the emulator's int3 fault before the measurement started (%s); booting "
		 "once more", v->stem, v->con.panic_line);
	snprintf(v->rec.boot_retry_reason, sizeof(v->rec.boot_retry_reason), "%s", v->con.panic_line);
	snprintf(v->rec.boot_retry_console, sizeof(v->rec.boot_retry_console), "%.250s", base_name(first));
	console_free(&v->con);
	qemu_outcome_free(&v->oc);
	v->rec.slow_teardown[0] = '\0';
	return boot(v);
}

/* ---- what the guest sent ---- */

/* Why the guest did not send results: timeout, QEMU, panic, or just the console's end. */
static void fail_no_results(struct variant *v)
{
	char *tail = console_tail(&v->con, CONSOLE_TAIL_LINES), *log = NULL;
	int st = v->oc.status;

	if (st == -ETIMEDOUT)
		fail(v, "guest did not finish within %.0f s (timeout; QEMU killed); last console lines:\n%s",
		     v->rec.timeout_s, tail);
	else if (st == -EINTR)
		fail(v, "interrupted by SIG%s", sigabbrev_np(proc_stop_signal));
	else if (st > 0 && !read_file(v->qemu_log, &log, NULL))
		fail(v, "%s exited with status %d: %s", QEMU_BIN, st, last_line(log));
	else if (console_saw(&v->con, MARK_PANIC))
		fail(v, "guest kernel panicked (%s); last console lines:\n%s", v->con.panic_line, tail);
	else
		fail(v, "guest sent no results; last console lines:\n%s", tail);
	free(log);
	free(tail);
}

/* The guest's "dropped" note (what did not fit on the results disk), for the record. */
static void note_dropped(struct variant *v)
{
	char *d = xstrdup(guest_out_text(&v->out, GUEST_OUT_DROPPED)), *p, *note;

	if (!*d) {
		free(d);
		return;
	}
	guest_out_last_lines(d, 1 << 20);
	for (p = d; *p; p++)
		if (*p == '\n')
			*p = ',';
	note = xasprintf("the results disk (%u MiB) was too small: the guest left out (name bytes): %s",
			 GUEST_OUT_DISK_BYTES >> 20, d);
	vm_record_note(&v->rec, note);
	free(note);
	free(d);
}

static void record_guest(struct variant *v)
{
	struct guest_out *o = &v->out;
	char *err;
	size_t i;

	v->rec.guest_exit_code = guest_out_exit_code(o);
	v->rec.guest_kernel_warnings = guest_out_warnings(o, 50);
	for (i = 0; i < o->nr_notes; i++)
		vm_record_note(&v->rec, o->notes[i]);
	note_dropped(v);
	if (v->rec.guest_exit_code != 0) {
		err = xstrdup(guest_out_text(o, GUEST_OUT_STDERR));
		v->rec.guest_stderr_tail = xstrdup(guest_out_last_lines(err, 20));
		free(err);
	}
}

/* The reader's note about a file it did not take (a link, a device...), or NULL. */
static const char *out_note(const struct guest_out *o, const char *name)
{
	size_t i, n = strlen(name);
	const char *p;

	for (i = 0; i < o->nr_notes; i++)
		for (p = strstr(o->notes[i], name); p; p = strstr(p + 1, name))
			if ((p == o->notes[i] || p[-1] == ' ' || p[-1] == '/') && (p[n] == ':' || p[n] == ' '))
				return o->notes[i];
	return NULL;
}

/* The guest's result, checked; NULL (and v->error set) if there is none worth keeping. */
static json_t *guest_result(struct variant *v)
{
	struct guest_out *o = &v->out;
	char err[2048], *init_err = xstrdup(guest_out_text(o, GUEST_OUT_INIT_ERROR));
	char *stderr_txt = xstrdup(guest_out_text(o, GUEST_OUT_STDERR));
	const char *note;
	int exit_code = v->rec.guest_exit_code, ret;
	struct run_result res = { .status = RUN_UNKNOWN };
	json_t *root = NULL;

	if (*init_err)
		fail(v, "guest setup failed: %s", guest_out_last_lines(init_err, 5));
	ret = guest_out_result(o, &root, err, sizeof(err));
	if (ret == -ENOENT && strstr(guest_out_text(o, GUEST_OUT_DROPPED), "result.json "))
		fail(v, "the guest's result.json did not fit on the results disk (%u MiB)", GUEST_OUT_DISK_BYTES >> 20);
	else if (ret && ret != -ENOENT)
		fail(v, "%s", err);
	/* the run's own reason is the most precise one (root has the shape of a result: it decodes) */
	if (root && result_decode(root, &res, err, sizeof(err)))
		fail(v, "the guest's result.json has the wrong shape: %s", err);
	else if (res.status == RUN_RUNNING)
		fail(v, "the run in the guest did not finish: its result still says \"running\" (guest command exit "
			"status %d)", exit_code);
	else if (root && res.status != RUN_OK)
		fail(v, "the run in the guest failed: %s", res.error ?: "(no reason given)");
	if (root)
		result_free(&res);
	if (ret == -ENOENT && (note = out_note(o, "result.json")))
		fail(v, "the guest sent no result: %s", note);
	if (exit_code < 0)
		fail(v, "the guest command reported no exit status");
	else if (!root && ret == -ENOENT)
		fail(v, "the guest command wrote no result (exit status %d): %s", exit_code,
		     guest_out_last_lines(stderr_txt, 3));
	else if (exit_code)
		fail(v, "the guest command exited with status %d: %s", exit_code, guest_out_last_lines(stderr_txt, 3));
	free(init_err);
	free(stderr_txt);
	return root;
}

/* The other files of /out, beside the result. */
static void save_extra(struct variant *v)
{
	char err[PATH_MAX + 256];

	if (!v->out.nr_extra)
		return;
	if (guest_out_save_extra(&v->out, v->files_dir, err, sizeof(err))) {
		fail(v, "%s", err);
		return;
	}
	v->rec.guest_files = xstrdup(base_name(v->files_dir));
}

static json_t *collect(struct variant *v)
{
	char err[PATH_MAX + 256];
	json_t *root = NULL;
	int st = v->oc.status;

	if (st < 0 && st != -ETIMEDOUT && st != -EINTR)
		return NULL;
	if (st == -EINTR) {
		fail_no_results(v);
		return NULL;
	}
	if (guest_out_read(v->out_img, &v->out, err, sizeof(err))) {
		fail(v, "%s", err);
		return NULL;
	}
	/*
	 * A complete archive is a result however QEMU ended: a guest that did
	 * not power off in time after writing it lost nothing.
	 */
	if (!v->out.found || (st && !v->out.complete)) {
		fail_no_results(v);
		return NULL;
	}
	if (st == -ETIMEDOUT)
		snprintf(v->rec.slow_teardown, sizeof(v->rec.slow_teardown),
			 "the guest had not powered off at the timeout (%.0f s): QEMU killed, the results it had "
			 "written were taken", v->rec.timeout_s);
	else if (st > 0)
		snprintf(v->rec.slow_teardown, sizeof(v->rec.slow_teardown),
			 "%s exited with status %d after the guest had written its results", QEMU_BIN, st);
	record_guest(v);
	root = guest_result(v);
	save_extra(v);
	return root;
}

/* ---- the record and the result file ---- */

static double guest_secs(const struct guest_out *o, const char *key)
{
	double t = guest_out_timing(o, key);

	return t < 0 ? NAN : t;
}

static double mark_secs(const struct console *c, enum console_mark m)
{
	return console_saw(c, m) ? secs(c->mark_ns[m]) : NAN;
}

/*
 * wall_s: QEMU start to results read.  overhead_s: wall_s minus the
 * scenario's warm-up + duration (boot, setup, teardown, transfer); with
 * --guest-cmd, minus the command's own run time in the guest instead.
 */
static void set_times(struct variant *v)
{
	struct vm_timings *t = &v->rec.t;
	const struct console *c = &v->con;
	double measured = secs(v->sc.warmup_ns + v->sc.duration_ns), qemu;
	uint64_t end = v->collected_ns ? v->collected_ns : now_ns();

	t->prepare_s = secs((v->qemu_start_ns ? v->qemu_start_ns : end) - v->t0_ns);
	if (!v->qemu_start_ns)
		return;
	t->booted = true;
	qemu = secs(v->oc.wall_ns);
	t->qemu_s = qemu;
	t->boot_s = mark_secs(c, MARK_RUN);
	t->boot_to_result_s = guest_secs(&v->out, GUEST_T_RUN_END);
	t->guest_run_s = t->boot_to_result_s - guest_secs(&v->out, GUEST_T_RUN_START);
	t->teardown_s = qemu - mark_secs(c, MARK_EXITED);
	t->transfer_s = mark_secs(c, MARK_SENT) - mark_secs(c, MARK_SENDING);
	t->poweroff_s = qemu - mark_secs(c, MARK_SENT);
	t->wall_s = secs(end - v->qemu_start_ns);
	t->collect_s = t->wall_s - qemu;
	if (v->o->guest_cmd)
		measured = isnan(t->guest_run_s) ? 0 : t->guest_run_s;
	/* a guest that never started the run has no overhead beyond it to speak of */
	t->overhead_s = console_saw(c, MARK_RUN) ? t->wall_s - measured : NAN;
}

static void set_paths(struct variant *v)
{
	const char *w = v->o->workdir, *r = v->o->results, *l = v->stem;

	snprintf(v->console, sizeof(v->console), "%s/%s.console.log", r, l);
	snprintf(v->files_dir, sizeof(v->files_dir), "%s/%s.files", r, l);
	snprintf(v->initrd, sizeof(v->initrd), "%s/%s.initrd", w, l);
	snprintf(v->out_img, sizeof(v->out_img), "%s/%s.out.img", w, l);
	snprintf(v->qemu_log, sizeof(v->qemu_log), "%s/%s.qemu.log", w, l);
}

/* What an earlier run into the same --results left under this stem. */
static void remove_stale(struct variant *v)
{
	char first[sizeof(v->console) + 8];

	unlink(v->console);
	snprintf(first, sizeof(first), "%s.boot1", v->console);
	unlink(first);
	rm_rf(v->files_dir);
}

static void remove_temps(struct variant *v)
{
	unlink(v->initrd);
	unlink(v->out_img);
	unlink(v->qemu_log);
}

static void report(struct variant *v)
{
	const struct vm_timings *t = &v->rec.t;

	if (v->error[0])
		msg_err("[%s] failed: %s", v->stem, v->error);
	else
		msg_info("[%s] done in %.1f s, overhead %.1f s (%s)", v->stem, t->wall_s,
			 isnan(t->overhead_s) ? 0 : t->overhead_s, v->o->kvm ? "kvm" : "tcg");
	if (v->rec.slow_teardown[0])
		msg_warn("[%s] %s", v->stem, v->rec.slow_teardown);
}

static int save(struct variant *v, json_t *root)
{
	char path[PATH_MAX + 160], err[PATH_MAX + 256];
	json_t *sc = scenario_to_json(&v->sc);
	int ret;

	snprintf(path, sizeof(path), "%s/%s.json", v->o->results, v->stem);
	ret = vm_result_save(path, root, &v->rec, sc, v->error, err, sizeof(err));
	json_decref(sc);
	if (ret)
		msg_err("[%s] %s; stopping: no further result could be saved", v->stem, err);
	return ret;
}

int vm_variant_run(struct vm_opts *o, struct vm_kernel *k, const struct vm_run_info *ri)
{
	struct variant v = { .o = o, .k = k, .ri = ri, .stem = ri ? ri->stem : k->label };
	json_t *root = NULL;
	int ret, saved;

	v.t0_ns = now_ns();
	vm_record_init(&v.rec);
	v.rec.k = k;
	v.rec.ri = ri;
	v.rec.qemu_version = o->qemu_version;
	v.rec.mem_bytes = o->mem_bytes;
	v.rec.cpus = o->cpus;
	v.rec.data_disk = o->data_disk;
	v.sc = o->sc;
	if (ri && ri->device_baseline_from)
		v.sc.device_baseline = BASELINE_OFF;
	/* the tools disk only when this run runs fio: one disk less to probe at boot */
	v.rec.tools_disk = fio_wanted(&v.sc) ? o->tools_disk : NULL;
	v.rec.guest_command = o->guest_cmd;
	if (ri && ri->pin_cpus)
		host_cpus_text(ri->pin_cpus, ri->nr_pin_cpus, v.pinned, sizeof(v.pinned));
	v.oc.status = -ECANCELED;
	set_paths(&v);
	remove_stale(&v);
	/* the kernel's cache entries and the session's accelerator: one run at a time */
	pthread_mutex_lock(&o->prep_lock);
	ret = prepare_kernel(&v);
	if (!ret)
		ret = choose_accel(&v);
	pthread_mutex_unlock(&o->prep_lock);
	if (!ret)
		ret = boot_retrying(&v);
	if (v.qemu_start_ns && (!ret || ret == -ETIMEDOUT || ret == -EINTR))
		root = collect(&v);
	v.collected_ns = now_ns();
	set_times(&v);
	saved = save(&v, root);
	if (!saved || v.error[0])
		report(&v);
	remove_temps(&v);
	json_decref(root);
	guest_out_free(&v.out);
	qemu_outcome_free(&v.oc);
	if (v.con_used)
		console_free(&v.con);
	vm_record_free(&v.rec);
	free(v.base);
	if (proc_stop_signal)
		return -EINTR;
	if (saved)
		return saved == -EINTR ? -EIO : saved;
	return v.error[0] ? 1 : 0;
}
