// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel variants: parse LABEL=SPEC, find or fetch the image, its config
 * and its modules, and work out which modules the guest must load.
 *
 * A Debian package (harness/kernel/debian.h picks it and lays it out) is
 * unpacked once into the cache as
 * kernels/<package>_<version>/{vmlinuz,config,System.map,modules/,info.json};
 * the directory is built under a temporary name and renamed into place, so
 * a directory with the final name is always complete.
 *
 * Errors: every function here writes one sentence to err/errlen.
 */
#include "harness/vm/kernel.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/kernel/features.h"
#include "harness/kernel/kconfig.h"
#include "harness/kernel/builds.h"
#include "harness/kernel/debian.h"
#include "harness/util.h"
#include "harness/vm/host.h"
#include "workloads/scenario.h"

static bool label_ok(const char *s, size_t len)
{
	size_t i;

	if (!len || len >= 64 || s[0] == '.')
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._+-", s[i]))
			return false;
	return true;
}

static int parse_path_spec(struct vm_kernel *k, char *err, size_t errlen)
{
	char *copy = xstrdup(k->spec), *save = NULL, *tok;
	int ret = 0;

	tok = strtok_r(copy, ",", &save);
	k->path = xstrdup(tok ? tok : "");
	while (!ret && (tok = strtok_r(NULL, ",", &save))) {
		if (!strncmp(tok, "modules=", 8) && tok[8]) {
			free(k->opt_modules);
			k->opt_modules = xstrdup(tok + 8);
		} else if (!strncmp(tok, "config=", 7) && tok[7]) {
			free(k->opt_config);
			k->opt_config = xstrdup(tok + 7);
		} else {
			snprintf(err, errlen,
				 "--kernel %s=%s: unknown option '%s' (accepted after the path: modules=DIR, config=FILE)",
				 k->label, k->spec, tok);
			ret = -EINVAL;
		}
	}
	free(copy);
	if (!ret && !k->path[0]) {
		snprintf(err, errlen, "--kernel %s=%s: no kernel image path", k->label, k->spec);
		ret = -EINVAL;
	}
	return ret;
}

/*
 * build:LABEL, a kernel built by 'mmstall kernel build': its cached bzImage
 * and .config, then handled as an image path (all built in, no modules).
 */
static int parse_build_spec(struct vm_kernel *k, char *err, size_t errlen)
{
	const char *label = k->spec + 6;
	int ret = builds_label_paths(label, &k->path, &k->opt_config);

	if (ret == -ENOENT)
		snprintf(err, errlen,
			 "--kernel %s=%s: no kernel build labelled '%s' in the cache (see 'mmstall kernel list'; "
			 "make one with 'mmstall kernel build --source SRC --label %s')", k->label, k->spec, label,
			 label);
	else if (ret)
		snprintf(err, errlen, "--kernel %s=%s: expected build:LABEL, LABEL as given to 'mmstall kernel "
			 "build --label'", k->label, k->spec);
	return ret;
}

int kernel_spec_parse(const char *arg, struct vm_kernel *k, char *err, size_t errlen)
{
	const char *eq = strchr(arg, '=');

	memset(k, 0, sizeof(*k));
	if (!eq || !label_ok(arg, eq - arg)) {
		snprintf(err, errlen,
			 "--kernel '%s': expected LABEL=SPEC, LABEL 1 to 63 letters, digits and ._+- not starting "
			 "with '.' (it names the result files), e.g. --kernel 6.12=deb:linux-image-6.12",
			 arg);
		return -EINVAL;
	}
	snprintf(k->label, sizeof(k->label), "%.*s", (int)(eq - arg), arg);
	k->spec = xstrdup(eq + 1);
	if (!strncmp(k->spec, "build:", 6))
		return parse_build_spec(k, err, errlen);
	if (strncmp(k->spec, "deb:", 4))
		return parse_path_spec(k, err, errlen);
	k->pattern = xstrdup(k->spec + 4);
	if (!k->pattern[0] || strchr(k->pattern, ',') || strchr(k->pattern, '/')) {
		snprintf(err, errlen, "--kernel %s: 'deb:' needs a package name pattern, e.g. deb:linux-image-6.12",
			 arg);
		return -EINVAL;
	}
	return 0;
}

void kernel_free(struct vm_kernel *k)
{
	free(k->spec);
	free(k->pattern);
	free(k->path);
	free(k->opt_modules);
	free(k->opt_config);
	free(k->image);
	free(k->config);
	free(k->modules_dir);
	free(k->release);
	free(k->package);
	free(k->package_version);
	free(k->package_suite);
	free(k->id);
	memset(k, 0, sizeof(*k));
}

/* ---- kernels given by path ---- */

static char *dir_of(const char *path)
{
	char *d = xstrdup(path), *slash = strrchr(d, '/');

	if (slash == d)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		snprintf(d, strlen(d) + 1, ".");
	return d;
}

/* A config-<release> (or any config-*) beside the image, or a build tree's .config. */
static char *find_config(const char *imgdir, const char *release)
{
	char *p = xasprintf("%s/config-%s", imgdir, release);
	struct dirent *de;
	DIR *d;

	if (path_exists(p))
		return p;
	free(p);
	d = opendir(imgdir);
	while (d && (de = readdir(d))) {
		if (!strncmp(de->d_name, "config-", 7)) {
			p = xasprintf("%s/%s", imgdir, de->d_name);
			closedir(d);
			return p;
		}
	}
	if (d)
		closedir(d);
	/* arch/x86/boot/bzImage in a kernel build tree */
	p = xasprintf("%s/../../../.config", imgdir);
	if (path_exists(p))
		return p;
	free(p);
	return NULL;
}

/* lib/modules/<release> beside or above the image (unpacked packages, /boot). */
static char *find_modules(const char *imgdir, const char *release)
{
	static const char *const up[] = { "", "/..", "/../.." };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(up); i++) {
		char *p = xasprintf("%s%s/lib/modules/%s", imgdir, up[i], release);

		if (is_dir(p))
			return p;
		free(p);
	}
	return NULL;
}

/* modules=DIR may name lib/modules/<release> itself or a root above it. */
static char *resolve_modules_opt(const char *dir, const char *release)
{
	char *p = xasprintf("%s/lib/modules/%s", dir, release);

	if (is_dir(p))
		return p;
	free(p);
	return is_dir(dir) ? xstrdup(dir) : NULL;
}

static void path_identity(struct vm_kernel *k)
{
	uint64_t h = HASH_INIT;

	hash_file(k->image, &h);
	hash_str(k->config ? k->config : "", &h);
	if (k->config)
		hash_file(k->config, &h);
	hash_str(k->modules_dir ? k->modules_dir : "", &h);
	k->id = xasprintf("path-%016llx", (unsigned long long)h);
}

static int prepare_path(struct vm_kernel *k, char *err, size_t errlen)
{
	char release[64], real[PATH_MAX], *dir;
	int ret;

	if (!realpath(k->path, real)) {
		ret = -errno;
		snprintf(err, errlen, "kernel image %s (--kernel %s=...): %s; give the path of a bzImage/vmlinuz", k->path,
			k->label, strerror(errno));
		return ret;
	}
	ret = kernel_check_image(real, release, sizeof(release));
	if (ret == -ENOEXEC) {
		snprintf(err, errlen, "%s is not a bootable x86 kernel image (no 'HdrS' header at offset 0x202); give the "
			"bzImage (arch/x86/boot/bzImage, /boot/vmlinuz-*), not vmlinux or a module", real);
		return ret;
	}
	if (ret) {
		snprintf(err, errlen, "cannot read kernel image %s: %s", real, strerror(-ret));
		return ret;
	}
	k->image = xstrdup(real);
	k->release = xstrdup(release);
	dir = dir_of(real);
	if (k->opt_config) {
		if (!path_exists(k->opt_config)) {
			snprintf(err, errlen, "kernel config %s (--kernel %s=...,config=) does not exist", k->opt_config,
			       k->label);
			free(dir);
			return -ENOENT;
		}
		k->config = xstrdup(k->opt_config);
	} else {
		k->config = find_config(dir, release);
	}
	if (k->opt_modules) {
		k->modules_dir = resolve_modules_opt(k->opt_modules, release);
		if (!k->modules_dir) {
			snprintf(err, errlen, "modules directory %s (--kernel %s=...,modules=) does not exist; give "
				"lib/modules/%s or the root above it", k->opt_modules, k->label, release);
			free(dir);
			return -ENOENT;
		}
	} else {
		k->modules_dir = find_modules(dir, release);
	}
	free(dir);
	if (!k->config)
		msg_warn("[%s] no config found for %s (config-* beside it, or ,config=FILE): the result "
			 "will not list the kernel's options", k->label, real);
	path_identity(k);
	return 0;
}

/* ---- Debian packages ---- */

static char *cache_entry(const struct vm_kernel *k)
{
	return xasprintf("%s/kernels/%s_%s", cache_dir(), k->package, k->package_version);
}

static bool cached(const struct vm_kernel *k)
{
	char *dir = cache_entry(k), *img = xasprintf("%s/vmlinuz", dir);
	bool ok = path_exists(img);

	free(img);
	free(dir);
	return ok;
}

/* mmstall's own apt (harness/kernel/debian.h), its lists no older than a day. */
static int open_archive(struct deb_apt **a, char *err, size_t errlen)
{
	struct deb_apt_conf c = { 0 };
	int ret = deb_apt_open(&c, a, err, errlen);

	if (!ret)
		ret = deb_apt_refresh(*a, DEB_LISTS_MAX_AGE_S, err, errlen);
	if (ret && *a) {
		deb_apt_close(*a);
		*a = NULL;
	}
	return ret;
}

static int deb_resolve(struct vm_kernel *k, char *err, size_t errlen)
{
	struct deb_apt *a = NULL;
	struct deb_pkg p;
	char why[768];
	int ret;

	why[0] = '\0';
	ret = open_archive(&a, why, sizeof(why));
	if (!ret)
		ret = deb_kernel_pick(a, k->pattern, &p, why, sizeof(why));
	deb_apt_close(a);
	if (ret) {
		if (ret != -EINTR)
			snprintf(err, errlen, "--kernel %s=%s: %s", k->label, k->spec, why[0] ? why : strerror(-ret));
		return ret;
	}
	k->package = p.name;
	k->package_version = p.version;
	k->package_suite = p.suite;
	k->release = xstrdup(deb_kernel_release(&p));
	/* unpacking runs depmod: say so now, not after the data disk is built */
	if (!cached(k) && !have_program("depmod")) {
		snprintf(err, errlen, "depmod not found: needed to unpack the kernel package %s (apt-get install kmod)",
			 k->package);
		return -ENOENT;
	}
	return 0;
}

static int write_info(const struct vm_kernel *k, const char *dir)
{
	char stamp[32], *path, *s;
	json_t *o;
	int ret;

	iso8601_now(stamp, sizeof(stamp));
	o = json_pack("{s:s,s:s,s:s?,s:s,s:s}", "package", k->package, "version", k->package_version, "suite",
		      k->package_suite, "release", k->release, "fetched_at", stamp);
	s = o ? json_dumps(o, JSON_INDENT(2)) : NULL;
	json_decref(o);
	if (!s)
		return -ENOMEM;
	path = xasprintf("%s/info.json", dir);
	ret = write_file_atomic(path, s, strlen(s));
	free(path);
	free(s);
	return ret;
}

/* Fetch into a temporary directory beside final and rename it into place. */
static int deb_fetch(struct vm_kernel *k, const char *final, char *err, size_t errlen)
{
	char *base = xasprintf("%s/kernels", cache_dir()), *tmp = NULL, why[768];
	struct deb_apt *a = NULL;
	struct deb_pkg p = { .name = k->package, .version = k->package_version, .suite = k->package_suite };
	int ret = mkdir_p(base, 0755);

	why[0] = '\0';
	if (ret) {
		snprintf(err, errlen, "cannot create cache directory %s: %s (set MMSTALL_CACHE to another place)", base,
			 strerror(-ret));
		goto out;
	}
	tmp = xasprintf("%s/.fetch.%d.XXXXXX", base, (int)getpid());
	if (!mkdtemp(tmp)) {
		ret = -errno;
		snprintf(err, errlen, "cannot create a directory in %s: %s", base, strerror(errno));
		goto out;
	}
	chmod(tmp, 0755); /* mkdtemp's 0700 would become the cache entry's mode */
	ret = open_archive(&a, why, sizeof(why));
	if (!ret)
		ret = deb_kernel_unpack(a, &p, tmp, why, sizeof(why));
	deb_apt_close(a);
	if (!ret)
		ret = write_info(k, tmp);
	if (!ret && rename(tmp, final) < 0 && errno != ENOTEMPTY && errno != EEXIST)
		ret = -errno;
	/* on success tmp is gone; if another mmstall won the race, theirs is as good */
	rm_rf(tmp);
	if (ret && ret != -EINTR)
		snprintf(err, errlen, "kernel %s %s: %s%s", k->package, k->package_version,
			 why[0] ? why : strerror(-ret), ret == -ENOSPC ? " (disk full: free space or set MMSTALL_CACHE)" : "");
out:
	free(tmp);
	free(base);
	return ret;
}

/* The package is resolved; fetch it into the cache unless it is there. */
static int fetch_deb(struct vm_kernel *k, int *fetched, char *err, size_t errlen)
{
	char *dir = cache_entry(k);
	int ret = 0;

	if (!cached(k)) {
		uint64_t t0 = now_ns();

		msg_info("[%s] fetching %s %s (%s)", k->label, k->package, k->package_version,
			 k->package_suite ? k->package_suite : "?");
		ret = deb_fetch(k, dir, err, errlen);
		*fetched = 1;
		if (!ret)
			msg_info("[%s] fetched %s in %.1f s", k->label, k->package, (now_ns() - t0) / 1e9);
	}
	if (!ret) {
		k->image = xasprintf("%s/vmlinuz", dir);
		k->config = xasprintf("%s/config", dir);
		if (!path_exists(k->config)) {
			free(k->config);
			k->config = NULL;
		}
		k->modules_dir = xasprintf("%s/modules", dir);
		if (!is_dir(k->modules_dir)) {
			free(k->modules_dir);
			k->modules_dir = NULL;
		}
		k->id = xasprintf("%s_%s", k->package, k->package_version);
	}
	free(dir);
	return ret;
}

int kernel_resolve(struct vm_kernel *k, char *err, size_t errlen)
{
	err[0] = '\0';
	if (k->pattern)
		return deb_resolve(k, err, errlen);
	return prepare_path(k, err, errlen);
}


int kernel_fetch(struct vm_kernel *k, int *fetched, char *err, size_t errlen)
{
	int ret = 0;

	*fetched = 0;
	err[0] = '\0';
	if (k->pattern && !k->image)
		ret = fetch_deb(k, fetched, err, errlen);
	if (!ret)
		ret = kernel_guest_check(k, err, errlen);
	return ret;
}


/* ---- modules the guest needs ---- */

/* What the guest needs to see its disks and mount ext4 on them: built in or a module. */
static const struct {
	const char *module;
	const char *option;
} guest_needs[] = {
	{ "virtio_pci", "CONFIG_VIRTIO_PCI" },
	{ "virtio_blk", "CONFIG_VIRTIO_BLK" },
	{ "ext4", "CONFIG_EXT4_FS" },
};

/*
 * Loaded when the kernel has them as modules, else done without.  The
 * host gives every guest a virtio-rng device: with its driver the random
 * pool is ready within a tenth of a second of /init, without it the first
 * read of /dev/urandom (fio's, jansson's) makes the kernel gather timer
 * jitter until it is, 3 s of guest CPU under TCG.
 */
static const struct {
	const char *module;
	const char *option;
} guest_helps[] = {
	{ "virtio_rng", "CONFIG_HW_RANDOM_VIRTIO" },
};

/*
 * What the guest's plumbing (harness/vm/initramfs.c's /init, busybox, the
 * static mmstall) needs built in before any module can be loaded.  Not
 * here: tmpfs (the guest mounts none; its rootfs is ramfs without it) and
 * what a scenario needs (throttles, probes: harness/kernel/features.c).
 */
static const struct {
	const char *option;
	const char *value;	/* the value it must have */
	const char *why;	/* "which the guest needs for ..." */
} guest_plumbing[] = {
	{ "CONFIG_64BIT", "y", "running its x86-64 programs (busybox, mmstall)" },
	{ "CONFIG_BLK_DEV_INITRD", "y", "its initramfs, which holds /init, busybox and mmstall" },
	{ "CONFIG_BINFMT_ELF", "y", "running busybox and mmstall" },
	{ "CONFIG_BINFMT_SCRIPT", "y", "its /init, a shell script" },
	{ "CONFIG_DEVTMPFS", "y", "/dev (its /init mounts devtmpfs)" },
	{ "CONFIG_PROC_FS", "y", "/proc (the probes read /proc/<pid>/maps, cmdline, ...)" },
	{ "CONFIG_SYSFS", "y", "/sys (it finds its disks by serial in /sys/block)" },
	{ "CONFIG_CGROUPS", "y", "the cgroup2 hierarchy that holds lo and hi" },
	{ "CONFIG_FUTEX", "y", "mmstall's threads (pthreads)" },
	{ "CONFIG_TTY", "y", "its console on ttyS0, which the host follows" },
	{ "CONFIG_SERIAL_8250", "y", "its console on ttyS0, which the host follows" },
	{ "CONFIG_SERIAL_8250_CONSOLE", "y", "its console on ttyS0, which the host follows" },
};

/* Not fatal, but worth a line: the run works, slower or noisier. */
static const struct {
	const char *option;
	const char *without;
} guest_wants[] = {
	{ "CONFIG_ACPI", "the guest cannot power off: each run ends with a panic of /init instead" },
};

/* modules.dep: the file, or for a read-only tree without one, depmod -n's first section. */
static int load_modules_dep(const struct vm_kernel *k, char **text, char *err, size_t errlen)
{
	char *path = xasprintf("%s/modules.dep", k->modules_dir), *root, *cut;
	size_t rl = strlen(k->release), ml = strlen(k->modules_dir);
	int ret = read_file(path, text, NULL);

	free(path);
	if (ret != -ENOENT)
		return ret;
	/* depmod -b wants ROOT/lib/modules/<release>; anything else cannot be resolved */
	if (ml < rl + 13 || strcmp(k->modules_dir + ml - rl, k->release) ||
	    strncmp(k->modules_dir + ml - rl - 13, "/lib/modules/", 13)) {
		snprintf(err, errlen, "no modules.dep in %s; run 'depmod -b ROOT %s' there first", k->modules_dir, k->release);
		return -ENOENT;
	}
	root = xasprintf("%.*s", (int)(ml - rl - 13), k->modules_dir);
	{
		char *argv[] = { "depmod", "-n", "-b", root[0] ? root : "/", k->release, NULL };

		ret = proc_capture(argv, NULL, text, NULL);
	}
	free(root);
	if (ret < 0 && ret != -EINTR)
		snprintf(err, errlen, "cannot run depmod (%s): it resolves module dependencies (apt-get install kmod)",
		       strerror(-ret));
	else if (ret > 0)
		snprintf(err, errlen, "depmod -n failed for %s (exit status %d)", k->modules_dir, ret);
	if (ret) {
		if (ret > 0)
			free(*text);
		return ret < 0 ? ret : -EIO;
	}
	cut = strstr(*text, "\n#");
	if (cut)
		cut[1] = '\0';
	return 0;
}

/* "kernel/drivers/block/virtio_blk.ko.xz" -> "virtio_blk" (dashes as underscores). */
static void module_name(const char *path, size_t len, char *out, size_t outlen)
{
	const char *base = memrchr(path, '/', len);
	size_t i, n;

	base = base ? base + 1 : path;
	n = path + len - base;
	for (i = 0; i < n && i + 1 < outlen; i++) {
		if (!strncmp(base + i, ".ko", 3) && (i + 3 == n || base[i + 3] == '.'))
			break;
		out[i] = base[i] == '-' ? '_' : base[i];
	}
	out[i] = '\0';
}

/* The modules.dep line ("path: deps") whose module is name, or NULL. */
static const char *dep_line_by_name(const char *dep, const char *name)
{
	const char *p = dep;
	char mod[128];

	while (p && *p) {
		const char *eol = strchrnul(p, '\n'), *colon = memchr(p, ':', eol - p);

		if (colon) {
			module_name(p, colon - p, mod, sizeof(mod));
			if (!strcmp(mod, name))
				return p;
		}
		p = *eol ? eol + 1 : NULL;
	}
	return NULL;
}

static const char *dep_line_by_path(const char *dep, const char *path, size_t len)
{
	const char *p = dep;

	while (p && *p) {
		if (!strncmp(p, path, len) && p[len] == ':')
			return p;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

static bool list_has(char **list, size_t n, const char *path, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(list[i]) == len && !strncmp(list[i], path, len))
			return true;
	return false;
}

/* Depth-first: a module's dependencies go into the list before it. */
static int add_with_deps(const char *dep, const char *line, char ***list, size_t *n, int depth)
{
	const char *colon = strchr(line, ':'), *eol = strchrnul(line, '\n'), *p;
	int ret;

	if (depth > 32)
		return -ELOOP;
	if (list_has(*list, *n, line, colon - line))
		return 0;
	for (p = colon + 1; p < eol;) {
		size_t len;
		const char *dl;

		while (p < eol && *p == ' ')
			p++;
		len = strcspn(p, " \n");
		if (!len)
			break;
		dl = dep_line_by_path(dep, p, len);
		if (!dl)
			return -ENOENT;
		ret = add_with_deps(dep, dl, list, n, depth + 1);
		if (ret)
			return ret;
		p += len;
	}
	*list = xrealloc(*list, (*n + 2) * sizeof(char *));
	(*list)[(*n)++] = xasprintf("%.*s", (int)(colon - line), line);
	(*list)[*n] = NULL;
	return 0;
}

void kernel_modules_free(char **mods)
{
	size_t i;

	for (i = 0; mods && mods[i]; i++)
		free(mods[i]);
	free(mods);
}

/* Is a needed driver a module (1), built in (0), or missing (-ENOENT)? */
static int need_module(const struct vm_kernel *k, struct kconfig *kc, const char *dep, size_t i, char *err,
		       size_t errlen)
{
	const char *v = kc ? kconfig_get(kc, guest_needs[i].option) : NULL;

	if (kc && v && !strcmp(v, "y"))
		return 0;
	if (kc && !v) {
		snprintf(err, errlen, "kernel %s (%s) was built without %s: the guest could not use its disks; build "
			"it with %s=y or =m", k->label, k->image, guest_needs[i].option, guest_needs[i].option);
		return -ENOENT;
	}
	if (!kc && (!dep || !dep_line_by_name(dep, guest_needs[i].module)))
		return 0; /* no config, no module: assume built in; the boot will tell */
	if (!dep) {
		snprintf(err, errlen, "kernel %s has %s=m but no modules were found beside %s: pass --kernel %s=%s,modules=DIR "
			"(the lib/modules/%s of 'make modules_install')", k->label, guest_needs[i].option,
			k->image, k->label, k->path ? k->path : k->image, k->release);
		return -ENOENT;
	}
	return 1;
}

int kernel_guest_modules(const struct vm_kernel *k, char ***mods_out, char *err, size_t errlen)
{
	struct kconfig *kc = NULL;
	char *dep = NULL, **list = NULL;
	size_t n = 0, i;
	int ret = 0;

	if (k->config && kconfig_load_file(k->config, &kc))
		kc = NULL;
	if (k->modules_dir) {
		ret = load_modules_dep(k, &dep, err, errlen);
		if (ret)
			goto out;
	}
	for (i = 0; i < ARRAY_SIZE(guest_needs) && !ret; i++) {
		const char *line;

		ret = need_module(k, kc, dep, i, err, errlen);
		if (ret <= 0)
			continue;
		line = dep_line_by_name(dep, guest_needs[i].module);
		ret = line ? add_with_deps(dep, line, &list, &n, 0) : -ENOENT;
		if (ret)
			snprintf(err, errlen, "kernel %s: module %s (or a dependency) is not in %s/modules.dep; is that the "
				"modules tree of release %s?", k->label, guest_needs[i].module, k->modules_dir,
				k->release);
	}
	for (i = 0; i < ARRAY_SIZE(guest_helps) && !ret && dep; i++) {
		const char *v = kc ? kconfig_get(kc, guest_helps[i].option) : NULL;
		const char *line = dep_line_by_name(dep, guest_helps[i].module);

		if ((!kc || (v && !strcmp(v, "m"))) && line)
			add_with_deps(dep, line, &list, &n, 0);
	}
out:
	kconfig_free(kc);
	free(dep);
	if (ret) {
		kernel_modules_free(list);
		return ret;
	}
	if (!list)
		list = xcalloc(1, sizeof(char *));
	*mods_out = list;
	return 0;
}


int kernel_guest_check(const struct vm_kernel *k, char *why, size_t len)
{
	struct kconfig *kc = NULL;
	const char *v;
	size_t i;
	int ret = 0;

	if (!k->config || kconfig_load_file(k->config, &kc))
		return 0; /* nothing to check: the boot will tell */
	for (i = 0; i < ARRAY_SIZE(guest_plumbing) && !ret; i++) {
		v = kconfig_get(kc, guest_plumbing[i].option);
		if (v && !strcmp(v, guest_plumbing[i].value))
			continue;
		snprintf(why, len, "could not test: kernel %s lacks %s=%s (%s%s in %s), which the guest needs for "
			 "%s; build it with %s=%s", k->label, guest_plumbing[i].option, guest_plumbing[i].value,
			 v ? "=" : "not set", v ? v : "", k->config, guest_plumbing[i].why, guest_plumbing[i].option,
			 guest_plumbing[i].value);
		ret = -ENOTSUP;
	}
	for (i = 0; i < ARRAY_SIZE(guest_needs) && !ret; i++) {
		if (kconfig_get(kc, guest_needs[i].option))
			continue;
		snprintf(why, len, "could not test: kernel %s lacks %s (not set in %s), which the guest needs for its "
			 "disks; build it with %s=y or =m", k->label, guest_needs[i].option, k->config,
			 guest_needs[i].option);
		ret = -ENOTSUP;
	}
	for (i = 0; i < ARRAY_SIZE(guest_wants) && !ret; i++)
		if (!kconfig_get(kc, guest_wants[i].option))
			msg_warn("[%s] no %s in %s: %s", k->label, guest_wants[i].option, k->config,
				 guest_wants[i].without);
	kconfig_free(kc);
	return ret;
}

/* ---- what the scenario needs of the kernel ---- */

struct need_ctx {
	const struct kconfig *kc;
	const char *release;
	char *why;
	size_t len;
};

static int one_need(const char *need, const char *because, void *arg)
{
	struct need_ctx *c = arg;

	return kfeatures_lacks(c->kc, c->release, need, because, c->why, c->len);
}

int kernel_scenario_lacks(const struct kconfig *kc, const char *release, const struct scenario *sc, char *why,
			  size_t len)
{
	struct need_ctx c = { kc, release, why, len };

	return kc && scenario_kernel_needs(sc, one_need, &c) ? 1 : 0;
}
