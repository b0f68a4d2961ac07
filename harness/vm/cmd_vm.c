// SPDX-License-Identifier: GPL-2.0
/*
 * mmstall vm: boot each kernel variant under QEMU and run the scenario in
 * it with the static mmstall ('mmstall run' inside the guest).
 *
 * Per variant: find or fetch the kernel, build (or reuse) its initramfs,
 * choose KVM or TCG, boot with the cached data disk (snapshot=on) and an
 * empty results disk, wait with a hard timeout, unpack the tar the guest
 * left on the results disk, and write <label>.json (the guest's result
 * plus a "vm" object) and <label>.console.log.  A failed variant gets a
 * result with status "failed" and the reason, and the next one runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/cmds.h"
#include "harness/kfeatures.h"
#include "harness/result.h"
#include "harness/util.h"
#include "harness/vm/diskimg.h"
#include "harness/vm/host.h"
#include "harness/vm/initramfs.h"
#include "harness/vm/kernel.h"
#include "harness/vm/qemu.h"
#include "harness/vm/session.h"
#include "workloads/fio.h"
#include "workloads/scenario.h"

#define RESULTS_DISK_BYTES (64ULL << 20)
#define KVM_PROBE_TIMEOUT_NS (30 * NSEC_PER_SEC)
#define MARGIN_TCG_NS (120 * NSEC_PER_SEC)
#define MARGIN_KVM_NS (60 * NSEC_PER_SEC)
#define CONSOLE_TAIL_LINES 12
#define APPEND "console=ttyS0 panic=-1 rdinit=/init"

enum accel_choice { ACCEL_AUTO, ACCEL_KVM, ACCEL_TCG };

static const char *const default_kernels[] = { "6.1=deb:linux-image-6.1", "6.12=deb:linux-image-6.12" };

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
	const char *results_suffix;	/* default results directory: results/<stamp>-<suffix> */

	/* found at start-up */
	char guest_bin[PATH_MAX];
	char workdir[PATH_MAX];
	char qemu_version[256];
	char *data_disk;
	char fio[PATH_MAX];	/* the host's fio for the tools disk; "": none */
	char *tools_disk;	/* fio for the guest (diskimg_tools()); NULL: not attached */
	bool results_made;	/* we created the results directory */
};

struct variant {
	struct vm_opts *o;
	struct vm_kernel *k;
	const struct vm_run_info *ri;	/* repetition of a compare, or NULL */
	const char *stem;	/* result file name without .json */
	json_t *vm;		/* the "vm" object of the result */
	json_t *timings;
	char error[4096];	/* first reason this variant failed */
	char *base;		/* cached initramfs */
	bool kvm;
	char accel_reason[2048];
	int guest_exit;		/* -1: unknown */
	uint64_t t0_ns, boot_ns;
	/* results/workdir (PATH_MAX) + label (64) + suffix */
	char console[PATH_MAX + 96], initrd[PATH_MAX + 96], out_img[PATH_MAX + 96];
	char outdir[PATH_MAX + 96], qemu_log[PATH_MAX + 96];
};

void vm_session_print_options(FILE *f)
{
	fprintf(f,
		"  --kernel LABEL=SPEC    a kernel variant; repeat for several.  SPEC is one of\n"
		"                           PATH[,modules=DIR][,config=FILE]\n"
		"                             a bzImage; modules from DIR (lib/modules/<release>),\n"
		"                             else found beside or above the image; config from\n"
		"                             FILE, else a config-* beside the image\n"
		"                           deb:PATTERN\n"
		"                             the newest Debian package whose name starts with\n"
		"                             PATTERN (glob * allowed; -dbg, -unsigned, -rt and meta\n"
		"                             packages skipped; cloud-amd64 preferred), fetched with\n"
		"                             apt-get download into the cache\n"
		"                           build:LABEL\n"
		"                             a kernel built by 'mmstall kernel build --label LABEL'\n"
		"                         default: 6.1=deb:linux-image-6.1 6.12=deb:linux-image-6.12\n"
		"  --results DIR          where the result files and console logs go\n"
		"                         [results/<YYYYmmdd-HHMMSS>-vm, -compare for compare]\n"
		"  --timeout-margin D     time allowed beyond warm-up + duration for boot, setup\n"
		"                         and transfer, after which QEMU is killed [120s TCG, 60s KVM]\n"
		"  --accel auto|kvm|tcg   auto: KVM if /dev/kvm opens and a probe boot under it\n"
		"                         works, else TCG (multi-threaded) [auto]\n"
		"  --mem SIZE             guest memory [1G]\n"
		"  --cpus N               guest CPUs [2]\n"
		"  --guest-cmd CMD        for debugging the VM plumbing: run the shell command CMD in\n"
		"                         the guest instead of 'mmstall run'; whatever it leaves in\n"
		"                         /out comes back, /out/result.json is the result\n"
		"  -v, --verbose          more messages\n"
		"  -h, --help             this text\n"
		"\n"
		"Kernels, initramfs archives and data disks are cached in $MMSTALL_CACHE, else\n"
		"$XDG_CACHE_HOME/mmstall, else ~/.cache/mmstall.\n"
		"\n");
	scenario_cli_help(f);
	fprintf(f, "\n");
	scenario_print_help(f);
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: mmstall vm [OPTIONS] [SCENARIO SETTINGS]\n"
		"\n"
		"Boot each kernel variant under QEMU, run the scenario inside it (the static\n"
		"mmstall runs 'mmstall run' as the guest's init) and write <label>.json and\n"
		"<label>.console.log per variant.  Needs qemu-system-x86, busybox-static, cpio\n"
		"and e2fsprogs; Debian kernels also need apt, dpkg and kmod.\n"
		"\n"
		"Options:\n");
	vm_session_print_options(f);
	fprintf(f, "\nExit status: 0 every variant succeeded, 1 a variant failed, 2 bad input or\n"
		   "environment (nothing was run), 130/143 interrupted (QEMU is stopped and\n"
		   "temporary files removed first).\n");
}

/* ---- options ---- */

enum {
	OPT_KERNEL = 1000,
	OPT_RESULTS,
	OPT_MARGIN,
	OPT_ACCEL,
	OPT_MEM,
	OPT_CPUS,
	OPT_GUEST_CMD,
	OPT_EXTRA_BASE = 3000,	/* above the scenario layer's codes (SCENARIO_OPT_BASE...) */
};

static struct option *build_longopts(const struct vm_extra_opts *x)
{
	static const struct option own[] = {
		{ "kernel", required_argument, NULL, OPT_KERNEL },
		{ "results", required_argument, NULL, OPT_RESULTS },
		{ "timeout-margin", required_argument, NULL, OPT_MARGIN },
		{ "accel", required_argument, NULL, OPT_ACCEL },
		{ "mem", required_argument, NULL, OPT_MEM },
		{ "cpus", required_argument, NULL, OPT_CPUS },
		{ "guest-cmd", required_argument, NULL, OPT_GUEST_CMD },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
	};
	size_t nx = x ? x->nr : 0, i, n = ARRAY_SIZE(own) + 2 + scenario_nr_keys;
	struct option *base = scenario_longopts(own, ARRAY_SIZE(own));
	struct option *lo = base ? realloc(base, (n + nx + 1) * sizeof(*lo)) : NULL;

	if (!lo) {
		free(base);
		return NULL;
	}
	/* --scenario, --set and every key come from the shared scenario layer */
	for (i = 0; i < nx; i++)
		lo[n + i] = (struct option){ x->opts[i].name, x->opts[i].has_arg, NULL, OPT_EXTRA_BASE + (int)i };
	memset(&lo[n + nx], 0, sizeof(*lo));
	return lo;
}

static int add_kernel(struct vm_opts *o, const char *arg)
{
	struct vm_kernel *nk, k;
	char err[512];
	size_t i;

	if (kernel_spec_parse(arg, &k, err, sizeof(err))) {
		msg_err("%s", err);
		kernel_free(&k);
		return -EINVAL;
	}
	for (i = 0; i < o->nr_kernels; i++) {
		if (!strcmp(o->kernels[i].label, k.label)) {
			msg_err("--kernel %s: label '%s' is used twice; labels name the result files", arg,
				k.label);
			kernel_free(&k);
			return -EINVAL;
		}
	}
	nk = realloc(o->kernels, (o->nr_kernels + 1) * sizeof(*nk));
	if (!nk)
		abort();
	o->kernels = nk;
	o->kernels[o->nr_kernels++] = k;
	return 0;
}

static int parse_own(struct vm_opts *o, int c, const char *arg)
{
	switch (c) {
	case OPT_KERNEL:
		return add_kernel(o, arg);
	case OPT_RESULTS:
		snprintf(o->results, sizeof(o->results), "%s", arg);
		return 0;
	case OPT_MARGIN:
		if (parse_duration_ns(arg, &o->margin_ns) || o->margin_ns < NSEC_PER_SEC) {
			msg_err("invalid --timeout-margin '%s': expected a duration of at least 1s (e.g. 90s, 5m)",
				arg);
			return -EINVAL;
		}
		return 0;
	case OPT_ACCEL:
		if (!strcmp(arg, "auto"))
			o->accel = ACCEL_AUTO;
		else if (!strcmp(arg, "kvm"))
			o->accel = ACCEL_KVM;
		else if (!strcmp(arg, "tcg"))
			o->accel = ACCEL_TCG;
		else {
			msg_err("invalid --accel '%s': expected auto, kvm or tcg", arg);
			return -EINVAL;
		}
		return 0;
	case OPT_MEM:
		if (parse_size(arg, &o->mem_bytes) || o->mem_bytes < (256ULL << 20) ||
		    o->mem_bytes > (1ULL << 40)) {
			msg_err("invalid --mem '%s': expected a size from 256M to 1T (e.g. 1G, 1536M)", arg);
			return -EINVAL;
		}
		return 0;
	case OPT_CPUS:
		if (parse_u64_range(arg, 1, 64, &o->cpus)) {
			msg_err("invalid --cpus '%s': expected a whole number from 1 to 64", arg);
			return -EINVAL;
		}
		return 0;
	case OPT_GUEST_CMD:
		o->guest_cmd = arg;
		return 0;
	}
	return -EINVAL;
}

/* Returns 0, 1 for --help, or -EINVAL. */
static int parse_opts(int argc, char **argv, struct vm_opts *o, const struct vm_extra_opts *x)
{
	const char *cmd = x ? x->cmd : "vm";
	struct option *longopts = build_longopts(x);
	struct scenario_cli cli = { 0 };
	char err[1024];
	int c, ret = 0;

	if (!longopts)
		return -ENOMEM;
	optind = 1;
	while (!ret && (c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		if (c == 'v') {
			mm_verbose++;
		} else if (c == 'h') {
			if (x)
				x->usage(stdout);
			else
				usage(stdout);
			ret = 1;
		} else if (x && c >= OPT_EXTRA_BASE && c < OPT_EXTRA_BASE + (int)x->nr) {
			ret = x->parse(x->arg, c - OPT_EXTRA_BASE, optarg);
		} else if (scenario_cli_is_opt(c)) {
			ret = scenario_cli_record(&cli, c, optarg, err, sizeof(err));
			if (ret)
				msg_err("%s", err);
		} else if (c >= OPT_KERNEL && c <= OPT_GUEST_CMD) {
			ret = parse_own(o, c, optarg);
		} else {
			fprintf(stderr, "Try 'mmstall %s --help'.\n", cmd);
			ret = -EINVAL;
		}
	}
	free(longopts);
	if (!ret && optind < argc) {
		msg_err("unexpected argument '%s' (kernels are given as --kernel LABEL=SPEC, settings as "
			"--KEY VALUE; see 'mmstall %s --help')", argv[optind], cmd);
		ret = -EINVAL;
	}
	if (!ret && scenario_cli_finish(&cli, &o->sc, err, sizeof(err))) {
		msg_err("%s", err);
		ret = -EINVAL;
	}
	return ret;
}

/* ---- start-up checks ---- */

/* Print what a vm function said went wrong; returns ret. */
static int said(int ret)
{
	if (ret && ret != -EINTR)
		msg_err("%s", vm_error[0] ? vm_error : strerror(-ret));
	vm_error[0] = '\0';
	return ret;
}


/* mkfs.ext4 and depmod live in sbin, which a user's PATH may lack. */
static void path_add_sbin(void)
{
	const char *path = getenv("PATH");
	char *np;

	if (path && strstr(path, "/usr/sbin"))
		return;
	if (asprintf(&np, "%s:/usr/sbin:/sbin", path ? path : "/usr/bin:/bin") < 0)
		return;
	setenv("PATH", np, 1);
	free(np);
}

static int check_tools(void)
{
	static const struct {
		const char *prog, *why, *package;
	} tools[] = {
		{ "cpio", "packs the guest's initramfs", "cpio" },
		{ "mkfs.ext4", "makes the guest's data disk", "e2fsprogs" },
		{ "tar", "unpacks the guest's results", "tar" },
	};
	size_t i;
	int ret = said(qemu_check());

	for (i = 0; i < ARRAY_SIZE(tools) && !ret; i++) {
		if (!have_program(tools[i].prog)) {
			msg_err("%s not found: it %s (apt-get install %s)", tools[i].prog, tools[i].why,
				tools[i].package);
			ret = -ENOENT;
		}
	}
	return ret;
}

static int prepare_results_dir(struct vm_opts *o)
{
	char stamp[32], probe[PATH_MAX + 48];
	int ret, fd;

	if (!o->results[0]) {
		stamp_now(stamp, sizeof(stamp));
		snprintf(o->results, sizeof(o->results), "results/%s-%s", stamp,
			 o->results_suffix ? o->results_suffix : "vm");
	}
	o->results_made = !is_dir(o->results);
	ret = mkdir_p(o->results, 0755);
	if (ret) {
		msg_err("cannot create results directory %s: %s; choose another with --results", o->results,
			strerror(-ret));
		return ret;
	}
	snprintf(probe, sizeof(probe), "%s/.mmstall-write-test.%d", o->results, (int)getpid());
	fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = -errno;
		msg_err("results directory %s is not writable: %s; choose another with --results", o->results,
			strerror(errno));
		return ret;
	}
	close(fd);
	unlink(probe);
	return 0;
}

/* Every image path checked, every deb: pattern resolved: bad input fails before any work. */
static int resolve_kernels(struct vm_opts *o)
{
	size_t i;
	int ret = 0;

	if (!o->nr_kernels)
		for (i = 0; i < ARRAY_SIZE(default_kernels); i++)
			add_kernel(o, default_kernels[i]);
	for (i = 0; i < o->nr_kernels && !ret; i++)
		ret = said(kernel_resolve(&o->kernels[i]));
	return ret;
}

/* Half-built cache entries of a killed mmstall (a data disk's staging files are big). */
static void sweep_cache(void)
{
	static const char *const dirs[] = { "kernels", "initramfs", "disks" };
	char path[PATH_MAX + 16];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(dirs); i++)
		if (!path_fmt(path, sizeof(path), "%s/%s", cache_dir(), dirs[i]))
			vm_sweep_stale(path);
}

/*
 * fio in the guest comes from the host (a tools disk): a scenario that
 * needs it fails here without one.  Job files given as paths travel in the
 * initramfs at the same path (from /), so they must not climb with "..".
 */
static int check_fio(struct vm_opts *o)
{
	const char *specs[] = { o->sc.fio_lo, o->sc.fio_hi };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(specs); i++) {
		if (fio_job_is_path(specs[i]) && (strstr(specs[i], "..") || strstr(specs[i], "//"))) {
			msg_err("fio job file %s: give it without '..' or '//' (guests find it at the same path, "
				"from /)", specs[i]);
			return -EINVAL;
		}
	}
	if (!fio_wanted(&o->sc) || !fio_find(o->fio, sizeof(o->fio)))
		return 0;
	if (fio_required(&o->sc)) {
		msg_err("fio not found on this host, but the scenario runs it in the guest (fio-lo '%s', fio-hi "
			"'%s', device-baseline %s): apt-get install fio (guests get the host's fio on a "
			"read-only disk)", o->sc.fio_lo, o->sc.fio_hi, baseline_names[o->sc.device_baseline]);
		return -ENOENT;
	}
	msg_warn("fio not found on this host: guests record no device baseline (apt-get install fio, or "
		 "--device-baseline off to silence this)");
	return 0;
}

/* The tools disk, when the guest will run fio. */
static int prepare_tools(struct vm_opts *o)
{
	if (!o->fio[0] || o->tools_disk)
		return 0;
	return said(diskimg_tools(o->fio, &o->tools_disk));
}

static int startup(struct vm_opts *o)
{
	const char *tmp = getenv("TMPDIR");
	char why[256];
	int ret;

	path_add_sbin();
	ret = check_tools();
	if (!ret)
		ret = said(initramfs_check(o->guest_bin, sizeof(o->guest_bin)));
	if (!ret && o->accel == ACCEL_KVM && !qemu_kvm_usable(why, sizeof(why))) {
		msg_err("--accel kvm, but %s; use --accel tcg or auto", why);
		ret = -ENODEV;
	}
	if (!ret)
		ret = check_fio(o);
	if (!ret)
		ret = resolve_kernels(o);
	if (!ret)
		ret = prepare_results_dir(o);
	if (ret)
		return ret;
	if (qemu_version(o->qemu_version, sizeof(o->qemu_version)))
		snprintf(o->qemu_version, sizeof(o->qemu_version), "unknown");
	sweep_cache();
	tmp = tmp && *tmp ? tmp : "/tmp";
	ret = vm_workdir_create(tmp, o->workdir, sizeof(o->workdir));
	if (ret)
		msg_err("cannot create a temporary directory in %s: %s (set TMPDIR)", tmp, strerror(-ret));
	return ret;
}

/* ---- one variant ---- */

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

/* The reason of a failed step: what the step said, or the errno. */
static void fail_step(struct variant *v, const char *step, int ret)
{
	if (ret == -EINTR)
		fail(v, "interrupted by SIG%s", sigabbrev_np(proc_stop_signal));
	else
		fail(v, "%s: %s", step, vm_error[0] ? vm_error : strerror(-ret));
	vm_error[0] = '\0';
}

/* Seconds, to the millisecond: finer would be noise from polling. */
static double secs(uint64_t ns)
{
	return round(ns / 1e6) / 1e3;
}

static double ms_round(double s)
{
	return round(s * 1e3) / 1e3;
}

/*
 * What the kernel supports, from its config, recorded in every result; a
 * kernel without a feature the scenario needs is not booted: "could not
 * test" (the gate's 125), not a number measured without it.  Without any
 * config the guest finds out itself (a missing throttle fails the run).
 */
static int check_features(struct variant *v)
{
	struct kconfig *kc = NULL;
	char source[PATH_MAX + 64], line[512], why[512];
	int missing;

	if (kfeatures_load_config(v->k->config, v->k->image, &kc, source, sizeof(source)))
		snprintf(source, sizeof(source), "none found (no config beside the image, no CONFIG_IKCONFIG)");
	kfeatures_line(kc, v->k->release, line, sizeof(line));
	if (!v->ri || v->ri->rep == 1 || mm_verbose)
		msg_info("[%s] features (config: %s): %s", v->k->label, source, line);
	json_object_set_new(v->vm, "kernel_features", kfeatures_json(kc, v->k->release));
	json_object_set_new(v->vm, "kernel_config_source", json_string(source));
	missing = kfeatures_missing(kc, v->k->release, &v->o->sc, why, sizeof(why));
	kconfig_free(kc);
	if (!missing)
		return 0;
	json_object_set_new(v->vm, "could_not_test", json_string(why));
	fail(v, "could not test: %s (kernel %s, scenario %s); not booted", why, v->k->label, v->o->sc.name);
	return -ENOTSUP;
}

static int prepare_kernel(struct variant *v)
{
	struct vm_kernel *k = v->k;
	int ret, fetched, built;

	ret = kernel_fetch(k, &fetched);
	if (ret) {
		fail_step(v, "kernel", ret);
		return ret;
	}
	msg_info("[%s] kernel %s%s%s%s", k->label, k->release, k->package ? " (" : "",
		 k->package ? k->package_version : "", k->package ? ")" : "");
	ret = check_features(v);
	if (ret)
		return ret;
	ret = initramfs_base(k, v->o->guest_bin, v->o->workdir, &v->base, &built);
	if (ret)
		fail_step(v, "initramfs", ret);
	return ret;
}

/* "why" of a failed KVM probe, from what QEMU and the console left. */
static void probe_failure(const struct qemu_outcome *oc, const char *console, const char *log, char *why,
			  size_t len)
{
	char *text = NULL;

	if (oc->status == -ETIMEDOUT) {
		snprintf(why, len, "no sign of life within %llu s",
			 (unsigned long long)(KVM_PROBE_TIMEOUT_NS / NSEC_PER_SEC));
	} else if (oc->status < 0) {
		snprintf(why, len, "cannot start QEMU: %s", strerror(-oc->status));
	} else if (oc->status) {
		read_file(log, &text, NULL);
		snprintf(why, len, "QEMU exited with status %d: %s", oc->status, last_line(text));
	} else {
		text = qemu_console_tail(console, 1);
		snprintf(why, len, "the guest stopped before init ran; console: %s", last_line(text));
	}
	free(text);
}

static int kvm_probe(struct variant *v, char *why, size_t len)
{
	struct initramfs_file files[] = { { "init", initramfs_init_probe, 0755 } };
	char initrd[PATH_MAX + 16], console[PATH_MAX + 16], log[PATH_MAX + 16];
	struct qemu_config c = {
		.label = v->k->label, .kvm = true, .mem_bytes = 256ULL << 20, .cpus = 1,
		.kernel = v->k->image, .initrd = initrd, .append = APPEND,
		.console = console, .log = log, .workdir = v->o->workdir,
		.timeout_ns = KVM_PROBE_TIMEOUT_NS, .mark = GUEST_MARK_PROBE,
	};
	struct qemu_outcome oc;
	int ret;

	snprintf(initrd, sizeof(initrd), "%s/probe.initrd", v->o->workdir);
	snprintf(console, sizeof(console), "%s/probe.console", v->o->workdir);
	snprintf(log, sizeof(log), "%s/probe.qemu.log", v->o->workdir);
	ret = initramfs_compose(v->base, v->o->workdir, files, ARRAY_SIZE(files), initrd);
	if (ret && ret != -EINTR)
		snprintf(why, len, "cannot make its initramfs: %s", vm_error[0] ? vm_error : strerror(-ret));
	if (!ret) {
		qemu_run(&c, &oc);
		json_decref(oc.argv);
		ret = oc.status == -EINTR ? -EINTR : 0;
		if (!ret && !oc.mark_ns) {
			probe_failure(&oc, console, log, why, len);
			ret = -EIO;
		}
	}
	unlink(initrd);
	unlink(console);
	unlink(log);
	return ret;
}

static int choose_accel(struct variant *v)
{
	char why[1536];
	int ret;

	if (v->o->accel != ACCEL_AUTO) {
		v->kvm = v->o->accel == ACCEL_KVM;
		snprintf(v->accel_reason, sizeof(v->accel_reason), "forced by --accel");
		return 0;
	}
	v->kvm = false;
	if (!qemu_kvm_usable(why, sizeof(why))) {
		snprintf(v->accel_reason, sizeof(v->accel_reason), "%s", why);
		return 0;
	}
	msg_info("[%s] probing KVM", v->k->label);
	ret = kvm_probe(v, why, sizeof(why));
	if (ret == -EINTR) {
		fail_step(v, "KVM probe", ret);
		return ret;
	}
	v->kvm = !ret;
	if (ret)
		snprintf(v->accel_reason, sizeof(v->accel_reason), "KVM probe boot failed: %s", why);
	else
		snprintf(v->accel_reason, sizeof(v->accel_reason), "KVM probe boot succeeded");
	return 0;
}

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
		return NULL;
	if (v->o->guest_cmd) {
		fprintf(f, "%s\n", v->o->guest_cmd);
		fclose(f);
		return buf;
	}
	/* --disposable: the guest is powered off after the run; see boot_retrying() */
	fprintf(f, "exec /bin/mmstall run --disposable --data-dir /data --output /out/result.json --label ");
	sh_quote(f, v->k->label);
	if (v->k->config)
		fprintf(f, " --kernel-config /boot/config");
	if (mm_verbose)
		fprintf(f, " -v");
	sargv = scenario_to_argv(&v->o->sc, &sargc);
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
		margin = v->kvm ? MARGIN_KVM_NS : MARGIN_TCG_NS;
	return v->o->sc.warmup_ns + v->o->sc.duration_ns + margin;
}

/*
 * fio in the guest: the marker that makes /init mount the tools disk, and
 * the scenario's job files given as paths, at the same path from /.
 */
static int fio_files(struct variant *v, struct initramfs_file *files, size_t *n, char **texts)
{
	const char *specs[] = { v->o->sc.fio_lo, v->o->sc.fio_hi };
	char err[1024];
	size_t i;
	int ret;

	if (!v->o->tools_disk)
		return 0;
	files[(*n)++] = (struct initramfs_file){ "etc/mmstall/tools", "fio\n", 0644 };
	for (i = 0; i < ARRAY_SIZE(specs); i++) {
		if (!fio_job_is_path(specs[i]))
			continue;
		ret = fio_job_text(specs[i], &texts[i], err, sizeof(err));
		if (ret) {
			vm_err("%s", err);
			return ret;
		}
		files[(*n)++] = (struct initramfs_file){ specs[i] + strspn(specs[i], "/"), texts[i], 0644 };
	}
	return 0;
}

static int boot(struct variant *v, struct qemu_outcome *oc)
{
	char *cmd = guest_command(v), *texts[2] = { NULL, NULL };
	struct initramfs_file files[5] = {
		{ "init", initramfs_init_run, 0755 },
		{ "etc/mmstall/cmd", cmd ? cmd : "exit 1\n", 0644 },
	};
	size_t nr_files = 2;
	struct qemu_config c = {
		.label = v->k->label, .kvm = v->kvm,
		.mem_bytes = v->o->mem_bytes, .cpus = (unsigned int)v->o->cpus,
		.kernel = v->k->image, .initrd = v->initrd, .append = APPEND,
		.data_disk = v->o->data_disk, .out_disk = v->out_img, .tools_disk = v->o->tools_disk,
		.console = v->console, .log = v->qemu_log, .workdir = v->o->workdir,
		.timeout_ns = timeout_ns(v), .mark = GUEST_MARK_RUN, .say_mark = true,
	};
	int ret;

	ret = fio_files(v, files, &nr_files, texts);
	if (!ret)
		ret = initramfs_compose(v->base, v->o->workdir, files, nr_files, v->initrd);
	free(cmd);
	free(texts[0]);
	free(texts[1]);
	unlink(v->out_img); /* an empty results disk per boot: a retried boot had one */
	if (!ret)
		ret = diskimg_results_create(v->out_img, RESULTS_DISK_BYTES);
	if (ret) {
		fail_step(v, "preparing the boot", ret);
		return ret;
	}
	msg_info("[%s] booting (%s: %s; timeout %.0f s)", v->k->label, v->kvm ? "kvm" : "tcg", v->accel_reason,
		 secs(c.timeout_ns));
	v->boot_ns = now_ns();
	ret = qemu_run(&c, oc);
	json_object_set_new(v->vm, "qemu_argv", oc->argv);
	oc->argv = NULL;
	json_object_set_new(v->vm, "timeout_s", json_real(secs(c.timeout_ns)));
	if (ret && ret != -EINTR && ret != -ETIMEDOUT)
		fail(v, "cannot start %s: %s", QEMU_BIN, strerror(-ret));
	return ret;
}

/* ---- collecting what the guest sent ---- */

static char *outfile(const struct variant *v, const char *name)
{
	char path[PATH_MAX + 64], *text = NULL;

	if (path_fmt(path, sizeof(path), "%s/%s", v->outdir, name) || read_file(path, &text, NULL))
		return NULL;
	return text;
}

/* The last n lines of s, without the final newline (s is cut in place). */
static const char *last_lines(char *s, int n)
{
	char *p;
	size_t len;

	if (!s)
		return "";
	len = strlen(s);
	while (len && s[len - 1] == '\n')
		s[--len] = '\0';
	for (p = s + len; p > s; p--)
		if (p[-1] == '\n' && --n <= 0)
			break;
	return p;
}

/* Why the guest did not send results: panic, timeout, or just the console's end. */
static void fail_no_results(struct variant *v, const struct qemu_outcome *oc)
{
	char *tail = qemu_console_tail(v->console, CONSOLE_TAIL_LINES), *log = NULL;
	char *panic = qemu_console_line(v->console, "Kernel panic");

	if (oc->status == -ETIMEDOUT)
		fail(v, "guest did not finish within %.0f s (timeout; QEMU killed); last console lines:\n%s",
		     json_real_value(json_object_get(v->vm, "timeout_s")), tail);
	else if (oc->status == -EINTR)
		fail(v, "interrupted by SIG%s", sigabbrev_np(proc_stop_signal));
	else if (oc->status > 0 && !read_file(v->qemu_log, &log, NULL))
		fail(v, "%s exited with status %d: %s", QEMU_BIN, oc->status, last_line(log));
	else if (panic)
		fail(v, "guest kernel panicked (%s); last console lines:\n%s", panic, tail);
	else
		fail(v, "guest sent no results; last console lines:\n%s", tail);
	free(panic);
	free(log);
	free(tail);
}

static double timing_value(const char *timings, const char *key)
{
	const char *p = timings;
	size_t kl = strlen(key);

	while (p && *p) {
		if (!strncmp(p, key, kl) && p[kl] == ' ')
			return strtod(p + kl + 1, NULL);
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -1;
}

static void guest_timings(struct variant *v)
{
	char *t = outfile(v, "timings");
	double start = timing_value(t, "run_start"), end = timing_value(t, "run_end");

	json_object_set_new(v->timings, "boot_to_result_s", end >= 0 ? json_real(end) : json_null());
	json_object_set_new(v->timings, "guest_run_s",
			    end >= 0 && start >= 0 ? json_real(ms_round(end - start)) : json_null());
	free(t);
}

/* Lines of the guest's dmesg that a kernel developer must look at. */
static void guest_warnings(struct variant *v)
{
	static const char *const marks[] = { "BUG:", "WARNING:", "Oops", "Call Trace:", "hung_task",
					     "blocked for more than" };
	char *d = outfile(v, "dmesg.txt"), *line, *save = NULL;
	json_t *w = json_array();
	size_t i;

	for (line = d ? strtok_r(d, "\n", &save) : NULL; line && json_array_size(w) < 50;
	     line = strtok_r(NULL, "\n", &save))
		for (i = 0; i < ARRAY_SIZE(marks); i++)
			if (strstr(line, marks[i])) {
				json_array_append_new(w, json_string(line));
				break;
			}
	json_object_set_new(v->vm, "guest_kernel_warnings", w);
	free(d);
}

static void guest_exit(struct variant *v)
{
	char *s = outfile(v, "exit_code"), *err;

	v->guest_exit = s ? atoi(s) : -1;
	free(s);
	if (v->guest_exit != 0) {
		err = outfile(v, "stderr.txt");
		json_object_set_new(v->vm, "guest_stderr_tail", json_string(last_lines(err, 20)));
		free(err);
	}
}

/* Load the guest's result.json; NULL (and v->error set) if the guest failed. */
static json_t *guest_result(struct variant *v)
{
	char path[PATH_MAX + 32], err[1024], *init_err = outfile(v, "init_error"), *stderr_txt;
	json_t *root = NULL, *st;

	path_fmt(path, sizeof(path), "%s/result.json", v->outdir);
	if (init_err) {
		fail(v, "guest setup failed: %s", last_lines(init_err, 5));
		free(init_err);
		return NULL;
	}
	if (path_exists(path)) {
		root = result_load(path, err, sizeof(err));
		if (!root)
			fail(v, "the guest's result.json is unusable: %s", err);
	}
	/* the run's own reason is the most precise one */
	st = root ? json_object_get(root, "status") : NULL;
	if (json_is_string(st) && strcmp(json_string_value(st), "ok")) {
		st = json_object_get(root, "error");
		fail(v, "the run in the guest failed: %s",
		     json_is_string(st) ? json_string_value(st) : "(no reason given)");
	}
	stderr_txt = outfile(v, "stderr.txt");
	if (v->guest_exit < 0)
		fail(v, "the guest command reported no exit status");
	else if (!root && !v->error[0])
		fail(v, "the guest command wrote no result (exit status %d): %s", v->guest_exit,
		     last_lines(stderr_txt, 3));
	else if (v->guest_exit)
		fail(v, "the guest command exited with status %d: %s", v->guest_exit, last_lines(stderr_txt, 3));
	free(stderr_txt);
	return root;
}

static json_t *collect(struct variant *v, const struct qemu_outcome *oc)
{
	char *tar_err = NULL;
	json_t *root = NULL;
	int ret;

	if (oc->status < 0 && oc->status != -ETIMEDOUT && oc->status != -EINTR)
		return NULL;
	ret = diskimg_results_extract(v->out_img, v->outdir, &tar_err);
	if (ret == -ENODATA || oc->status) {
		fail_no_results(v, oc);
	} else if (ret) {
		fail(v, "cannot unpack the guest's results: %s", tar_err ? last_line(tar_err) : strerror(-ret));
	} else {
		guest_exit(v);
		guest_timings(v);
		guest_warnings(v);
		root = guest_result(v);
	}
	free(tar_err);
	vm_error[0] = '\0';
	return root;
}

/* ---- the result file ---- */

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* The machine that ran QEMU: a guest's "machine" is the guest. */
static json_t *host_record(void)
{
	char host[256] = "";
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
	char *osrel = NULL;
	json_t *h = json_object();

	gethostname(host, sizeof(host) - 1);
	read_file("/proc/sys/kernel/osrelease", &osrel, NULL);
	if (osrel)
		osrel[strcspn(osrel, "\n")] = '\0';
	json_object_set_new(h, "hostname", json_string(host));
	json_object_set_new(h, "cpus", json_integer(cpus));
	json_object_set_new(h, "memory_bytes", json_integer((json_int_t)pages * psize));
	json_object_set_new(h, "kernel_release", str_or_null(osrel));
	free(osrel);
	return h;
}

/* The "vm" object: what was booted and how, then what the boot left (v->vm). */
static json_t *vm_record(struct variant *v)
{
	struct vm_kernel *k = v->k;
	json_t *vm = json_object(), *cmd = json_array();
	bool chosen = v->accel_reason[0];
	int i;

	for (i = 0; i < mm_orig_argc; i++)
		json_array_append_new(cmd, json_string(mm_orig_argv[i]));
	json_object_set_new(vm, "label", json_string(k->label));
	json_object_set_new(vm, "kernel_spec", json_string(k->spec));
	json_object_set_new(vm, "kernel_image", str_or_null(k->image));
	json_object_set_new(vm, "kernel_release", str_or_null(k->release));
	json_object_set_new(vm, "kernel_config", str_or_null(k->config));
	json_object_set_new(vm, "package", str_or_null(k->package));
	json_object_set_new(vm, "package_version", str_or_null(k->package_version));
	json_object_set_new(vm, "accelerator", chosen ? json_string(v->kvm ? "kvm" : "tcg") : json_null());
	json_object_set_new(vm, "accelerator_reason", chosen ? json_string(v->accel_reason) : json_null());
	json_object_set_new(vm, "qemu_version", json_string(v->o->qemu_version));
	json_object_set_new(vm, "qemu_argv", json_null());
	json_object_set_new(vm, "guest_memory_bytes", json_integer((json_int_t)v->o->mem_bytes));
	json_object_set_new(vm, "guest_cpus", json_integer((json_int_t)v->o->cpus));
	json_object_set_new(vm, "console_log",
			    path_exists(v->console) ? json_string(strrchr(v->console, '/') + 1) : json_null());
	json_object_set_new(vm, "initramfs", str_or_null(v->base));
	json_object_set_new(vm, "data_disk", str_or_null(v->o->data_disk));
	json_object_set_new(vm, "tools_disk", str_or_null(v->o->tools_disk));
	json_object_set_new(vm, "guest_command", str_or_null(v->o->guest_cmd));
	json_object_set_new(vm, "guest_exit_code",
			    v->guest_exit >= 0 ? json_integer(v->guest_exit) : json_null());
	json_object_set_new(vm, "host_command_line", cmd);
	json_object_set_new(vm, "host", host_record());
	if (v->ri) {
		json_object_set_new(vm, "repetition", json_integer(v->ri->rep));
		json_object_set_new(vm, "repetitions", json_integer(v->ri->reps));
		json_object_set_new(vm, "variant_index", json_integer(v->ri->variant_index));
		json_object_set_new(vm, "baseline", str_or_null(v->ri->baseline));
	}
	json_object_set(vm, "timings", v->timings);
	json_object_update(vm, v->vm);
	return vm;
}

/* A result for a variant that produced none: the envelope, the reason and the vm record. */
static json_t *failed_result(struct variant *v)
{
	json_t *root = result_envelope();

	json_object_set_new(root, "label", json_string(v->k->label));
	json_object_set_new(root, "mode", json_string("vm"));
	json_object_set_new(root, "scenario", scenario_to_json(&v->o->sc));
	return root;
}

static int save_result(struct variant *v, json_t *root)
{
	char path[PATH_MAX + 80];
	int ret;

	if (!root) {
		root = failed_result(v);
		result_finish(root, "failed", v->error);
	} else if (v->error[0]) {
		/* keep the guest's times and data; only the verdict changes */
		json_object_set_new(root, "status", json_string("failed"));
		json_object_set_new(root, "error", json_string(v->error));
	}
	json_object_set_new(root, "vm", vm_record(v));
	ret = path_fmt(path, sizeof(path), "%s/%s.json", v->o->results, v->stem);
	if (!ret)
		ret = result_save(path, root);
	json_decref(root);
	if (ret)
		msg_err("cannot write result %s: %s%s", path, strerror(-ret),
			ret == -ENOSPC ? " (disk full: free space, or choose another --results)" : "");
	return ret;
}

static void set_paths(struct variant *v)
{
	const char *w = v->o->workdir, *l = v->stem;

	snprintf(v->console, sizeof(v->console), "%s/%s.console.log", v->o->results, l);
	snprintf(v->initrd, sizeof(v->initrd), "%s/%s.initrd", w, l);
	snprintf(v->out_img, sizeof(v->out_img), "%s/%s.out.img", w, l);
	snprintf(v->outdir, sizeof(v->outdir), "%s/%s.out", w, l);
	snprintf(v->qemu_log, sizeof(v->qemu_log), "%s/%s.qemu.log", w, l);
}

static void remove_temps(struct variant *v)
{
	unlink(v->initrd);
	unlink(v->out_img);
	unlink(v->qemu_log);
	rm_rf(v->outdir);
}

static void report(struct variant *v)
{
	double wall = json_number_value(json_object_get(v->timings, "wall_s"));
	double over = json_number_value(json_object_get(v->timings, "overhead_s"));

	if (v->error[0])
		msg_err("[%s] failed: %s", v->k->label, v->error);
	else
		msg_info("[%s] done in %.1f s, overhead %.1f s (%s)", v->k->label, wall, over,
			 v->kvm ? "kvm" : "tcg");
}

/*
 * wall_s: QEMU start to results unpacked.  overhead_s: wall_s minus the
 * scenario's warm-up + duration (boot, setup, teardown, transfer); with
 * --guest-cmd, minus the command's own run time in the guest instead.
 */
static void set_times(struct variant *v, const struct qemu_outcome *oc, uint64_t booted)
{
	double measured = secs(v->o->sc.warmup_ns + v->o->sc.duration_ns), wall;
	json_t *run = json_object_get(v->timings, "guest_run_s");

	json_object_set_new(v->timings, "prepare_s", json_real(secs((booted ? booted : now_ns()) - v->t0_ns)));
	if (!booted)
		return;
	wall = secs(now_ns() - booted);
	if (v->o->guest_cmd)
		measured = json_is_number(run) ? json_number_value(run) : 0;
	json_object_set_new(v->timings, "boot_s", oc->mark_ns ? json_real(secs(oc->mark_ns)) : json_null());
	json_object_set_new(v->timings, "qemu_s", json_real(secs(oc->wall_ns)));
	json_object_set_new(v->timings, "wall_s", json_real(wall));
	/* a guest that never started the run has no overhead beyond it to speak of */
	json_object_set_new(v->timings, "overhead_s", oc->mark_ns ? json_real(ms_round(wall - measured)) : json_null());
}

/* Returns 0 when the variant succeeded, 1 when it failed, -EINTR when we must stop. */
/*
 * Boot, and boot once more if the guest kernel panicked before the
 * measurement started (boot, cgroup and throttle setup).  Under TCG such
 * panics come from the emulator, a few percent of boots: an int3 Oops at a
 * jump-label site while the kernel patches its own text (at boot, or when
 * a throttle flips a static key), and they measure nothing.  A panic once
 * the warm-up started is never retried: that one may be the kernel under
 * test.  The retry and the first console are kept in the result.
 */
static int boot_retrying(struct variant *v, struct qemu_outcome *oc)
{
	char first[PATH_MAX + 256], *panic, *measured;
	int ret = boot(v, oc);

	if (ret || !(panic = qemu_console_line(v->console, "Kernel panic")))
		return ret;
	measured = qemu_console_line(v->console, RUN_MEASURE_START_MARK);
	if (measured) {
		free(measured);
		free(panic);
		return ret;
	}
	snprintf(first, sizeof(first), "%s.boot1", v->console);
	rename(v->console, first);
	msg_warn("[%s] guest kernel panicked before the measurement started (%s); booting once more", v->k->label,
		 panic);
	json_object_set_new(v->vm, "boot_retry", json_pack("{s:s,s:s}", "reason", panic, "first_console_log",
							   strrchr(first, '/') ? strrchr(first, '/') + 1 : first));
	free(panic);
	json_decref(oc->argv);
	*oc = (struct qemu_outcome){ .status = -ECANCELED };
	return boot(v, oc);
}

static int run_variant(struct vm_opts *o, struct vm_kernel *k, const struct vm_run_info *ri)
{
	struct variant v = { .o = o, .k = k, .ri = ri, .stem = ri ? ri->stem : k->label, .guest_exit = -1 };
	struct qemu_outcome oc = { .status = -ECANCELED };
	json_t *root = NULL;
	uint64_t booted = 0;
	int ret;

	v.t0_ns = now_ns();
	v.vm = json_object();
	v.timings = json_object();
	set_paths(&v);
	unlink(v.console); /* a stale log from an earlier run into the same --results */
	{
		char first[PATH_MAX + 256];

		snprintf(first, sizeof(first), "%s.boot1", v.console);
		unlink(first);
	}
	ret = prepare_kernel(&v);
	if (!ret)
		ret = choose_accel(&v);
	if (!ret) {
		ret = boot_retrying(&v, &oc);
		booted = v.boot_ns;
	}
	if (!ret || ret == -ETIMEDOUT)
		root = collect(&v, &oc);
	else if (ret == -EINTR)
		fail_step(&v, "boot", ret);
	set_times(&v, &oc, booted);
	save_result(&v, root);
	report(&v);
	remove_temps(&v);
	free(v.base);
	json_decref(v.vm);
	json_decref(v.timings);
	if (proc_stop_signal)
		return -EINTR;
	return v.error[0] ? 1 : 0;
}

/* ---- the command ---- */

static void free_opts(struct vm_opts *o)
{
	size_t i;

	for (i = 0; i < o->nr_kernels; i++)
		kernel_free(&o->kernels[i]);
	free(o->kernels);
	free(o->data_disk);
	free(o->tools_disk);
}

int cmd_vm(int argc, char **argv)
{
	struct vm_opts o = { .mem_bytes = 1ULL << 30, .cpus = 2 };
	size_t i, failed = 0;
	int ret, code = EXIT_OK;

	scenario_defaults(&o.sc);
	ret = parse_opts(argc, argv, &o, NULL);
	if (ret) {
		free_opts(&o);
		return ret > 0 ? EXIT_OK : EXIT_USAGE;
	}
	proc_signals_install();
	ret = startup(&o);
	if (ret)
		code = EXIT_USAGE; /* nothing ran: bad input or environment */
	else if ((ret = said(diskimg_data(o.sc.file_size, o.sc.hi_file_size, o.sc.swap_size, &o.data_disk))) ||
		 (ret = prepare_tools(&o)))
		code = EXIT_FAIL;
	for (i = 0; !ret && i < o.nr_kernels; i++) {
		ret = run_variant(&o, &o.kernels[i], NULL);
		if (ret > 0)
			failed++;
		ret = ret < 0 ? ret : 0;
	}
	if (failed)
		code = EXIT_FAIL;
	if (o.workdir[0])
		rm_rf(o.workdir);
	if (o.results_made)
		rmdir(o.results); /* only if nothing was written into it */
	if (!ret && o.nr_kernels)
		msg_info("results in %s (%zu of %zu variants failed)", o.results, failed, o.nr_kernels);
	free_opts(&o);
	proc_signals_restore();
	if (proc_stop_signal)
		msg_err("interrupted by SIG%s: QEMU stopped, temporary files removed",
			sigabbrev_np(proc_stop_signal));
	return proc_stop_signal ? 128 + proc_stop_signal : code;
}

/* ---- the session API of mmstall compare (harness/vm/session.h) ---- */

struct vm_opts *vm_session_parse(int argc, char **argv, const struct vm_extra_opts *x, int *code)
{
	struct vm_opts *o = calloc(1, sizeof(*o));
	int ret;

	if (!o)
		abort();
	o->mem_bytes = 1ULL << 30;
	o->cpus = 2;
	o->results_suffix = x ? x->cmd : NULL;
	scenario_defaults(&o->sc);
	ret = parse_opts(argc, argv, o, x);
	if (ret) {
		*code = ret > 0 ? EXIT_OK : EXIT_USAGE;
		free_opts(o);
		free(o);
		return NULL;
	}
	return o;
}

int vm_session_add_kernel(struct vm_opts *o, const char *arg)
{
	return add_kernel(o, arg);
}

void vm_session_default_kernels(struct vm_opts *o)
{
	size_t i;

	if (!o->nr_kernels)
		for (i = 0; i < ARRAY_SIZE(default_kernels); i++)
			add_kernel(o, default_kernels[i]);
}

size_t vm_session_nr_kernels(const struct vm_opts *o)
{
	return o->nr_kernels;
}

const char *vm_session_label(const struct vm_opts *o, size_t i)
{
	return o->kernels[i].label;
}

const char *vm_session_spec(const struct vm_opts *o, size_t i)
{
	return o->kernels[i].spec;
}

const char *vm_session_results(const struct vm_opts *o)
{
	return o->results;
}

const struct scenario *vm_session_scenario(const struct vm_opts *o)
{
	return &o->sc;
}

int vm_session_start(struct vm_opts *o)
{
	int ret;

	proc_signals_install();
	ret = startup(o);
	if (ret)
		return EXIT_USAGE;
	if (said(diskimg_data(o->sc.file_size, o->sc.hi_file_size, o->sc.swap_size, &o->data_disk)) ||
	    prepare_tools(o))
		return EXIT_FAIL;
	return EXIT_OK;
}

int vm_session_run(struct vm_opts *o, size_t i, const struct vm_run_info *ri)
{
	return run_variant(o, &o->kernels[i], ri);
}

void vm_session_end(struct vm_opts *o)
{
	if (o->workdir[0])
		rm_rf(o->workdir);
	if (o->results_made && o->results[0])
		rmdir(o->results); /* only if nothing was written into it */
	free_opts(o);
	free(o);
	proc_signals_restore();
}
