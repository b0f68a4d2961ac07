// SPDX-License-Identifier: GPL-2.0
/*
 * The session API (session.h): the options, the start-up checks (tools,
 * kernels, results directory, work directory, disks), one run of one
 * variant, and the end.  'mmstall vm' and 'mmstall compare' both use it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/util.h"
#include "harness/vm/diskimg.h"
#include "harness/vm/host.h"
#include "harness/vm/initramfs.h"
#include "harness/vm/qemu.h"
#include "harness/vm/vm.h"
#include "workloads/fio.h"

/* mkfs.ext4 and depmod live in sbin, which a user's PATH may lack. */
static void path_add_sbin(void)
{
	const char *path = getenv("PATH");
	char *np;

	if (path && strstr(path, "/usr/sbin"))
		return;
	np = xasprintf("%s:/usr/sbin:/sbin", path ? path : "/usr/bin:/bin");
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
	};
	char err[256];
	size_t i;
	int ret = qemu_check(err, sizeof(err));

	if (ret)
		msg_err("%s", err);
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
		snprintf(o->results, sizeof(o->results), "results/%s-%s", stamp, o->cmd);
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
	char err[2048];
	size_t i;
	int ret = 0;

	vm_opts_default_kernels(o);
	for (i = 0; i < o->nr_kernels && !ret; i++) {
		ret = kernel_resolve(&o->kernels[i], err, sizeof(err));
		if (ret && ret != -EINTR)
			msg_err("%s", err[0] ? err : strerror(-ret));
	}
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

static int startup(struct vm_opts *o)
{
	const char *tmp = getenv("TMPDIR");
	char why[1024];
	int ret;

	path_add_sbin();
	ret = check_tools();
	if (!ret && (ret = initramfs_check(o->guest_bin, sizeof(o->guest_bin), why, sizeof(why))))
		msg_err("%s", why);
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
		msg_err("cannot create a temporary directory %s/mmstall-vm.%d.XXXXXX: %s (set TMPDIR to a writable "
			"directory)", tmp, (int)getpid(), strerror(-ret));
	return ret;
}

/* The cached disks: the data disk always, the tools disk when the guest runs fio. */
static int prepare_disks(struct vm_opts *o)
{
	char err[PATH_MAX + 512];
	int ret;

	ret = diskimg_data(o->sc.file_size, o->sc.hi_file_size, o->sc.swap_size, &o->data_disk, err, sizeof(err));
	if (!ret && o->fio[0] && !o->tools_disk)
		ret = diskimg_tools(o->fio, &o->tools_disk, err, sizeof(err));
	if (ret && ret != -EINTR)
		msg_err("%s", err);
	return ret;
}

struct vm_opts *vm_session_parse(int argc, char **argv, const struct vm_extra_opts *x, int *code)
{
	struct vm_opts *o = xmalloc(sizeof(*o));
	int ret;

	vm_opts_defaults(o, x ? x->cmd : "vm");
	ret = vm_opts_parse(argc, argv, o, x);
	if (ret) {
		*code = ret > 0 ? EXIT_OK : EXIT_USAGE;
		vm_opts_free(o);
		free(o);
		return NULL;
	}
	return o;
}

int vm_session_add_kernel(struct vm_opts *o, const char *arg)
{
	return vm_opts_add_kernel(o, arg);
}

void vm_session_default_kernels(struct vm_opts *o)
{
	vm_opts_default_kernels(o);
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

const char *vm_session_accel_forced(const struct vm_opts *o)
{
	return o->accel == ACCEL_KVM ? "kvm" : o->accel == ACCEL_TCG ? "tcg" : NULL;
}

bool vm_session_measures(const struct vm_opts *o)
{
	return !o->guest_cmd;
}

const struct scenario *vm_session_scenario(const struct vm_opts *o)
{
	return &o->sc;
}

int vm_session_start(struct vm_opts *o)
{
	proc_signals_install();
	if (startup(o))
		return EXIT_USAGE;	/* nothing ran: bad input or environment */
	if (prepare_disks(o))
		return EXIT_FAIL;
	return EXIT_OK;
}

int vm_session_run(struct vm_opts *o, size_t i, const struct vm_run_info *ri)
{
	return vm_variant_run(o, &o->kernels[i], ri);
}

char **vm_session_argv(const struct vm_opts *o, const bool *keep, int *argc)
{
	return vm_opts_argv(o, keep, argc);
}

unsigned int vm_session_guest_cpus(const struct vm_opts *o)
{
	return (unsigned int)o->cpus;
}

uint64_t vm_session_guest_mem(const struct vm_opts *o)
{
	return o->mem_bytes;
}

void vm_session_end(struct vm_opts *o)
{
	if (o->workdir[0])
		rm_rf(o->workdir);
	if (o->results_made && o->results[0])
		rmdir(o->results); /* only if nothing was written into it */
	vm_opts_free(o);
	free(o);
	proc_signals_restore();
}
