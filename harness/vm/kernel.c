// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel variants: parse LABEL=SPEC, find or fetch the image, its config
 * and its modules, and work out which modules the guest must load.
 *
 * A Debian package is unpacked once into the cache as
 * kernels/<package>_<version>/{vmlinuz,config,System.map,modules/,info.json};
 * the directory is built under a temporary name and renamed into place, so
 * a directory with the final name is always complete.  Debian packages ship
 * no modules.dep (depmod makes it at install time): we run depmod there.
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

#include "harness/kbuild/kbuild.h"
#include "harness/kconfig.h"
#include "harness/util.h"
#include "harness/vm/host.h"

#define BZ_MAGIC_OFF 0x202
#define BZ_VERSION_PTR_OFF 0x20e
#define BZ_HEAD_LEN 65536

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
	int ret = kb_label_paths(label, &k->path, &k->opt_config);

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
			 "--kernel '%s': expected LABEL=SPEC, LABEL made of letters, digits and ._+- "
			 "(it names the result files), e.g. --kernel 6.12=deb:linux-image-6.12",
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
	free(k->id);
	memset(k, 0, sizeof(*k));
}

/* ---- bzImage ---- */

int kernel_check_image(const char *path, char *release, size_t len)
{
	unsigned char *buf = malloc(BZ_HEAD_LEN);
	unsigned int voff;
	ssize_t n;
	int fd, ret = 0;

	if (!buf)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return -errno;
	}
	n = pread(fd, buf, BZ_HEAD_LEN - 1, 0);
	close(fd);
	if (n < BZ_VERSION_PTR_OFF + 2 || memcmp(buf + BZ_MAGIC_OFF, "HdrS", 4)) {
		free(buf);
		return n < 0 ? -errno : -ENOEXEC;
	}
	buf[n] = '\0';
	/* boot protocol: kernel_version points 0x200 before a "release (builder) #..." string */
	voff = (buf[BZ_VERSION_PTR_OFF] | buf[BZ_VERSION_PTR_OFF + 1] << 8) + 0x200;
	if (release && len) {
		release[0] = '\0';
		if (voff > 0x200 && voff < (unsigned int)n)
			sscanf((char *)buf + voff, "%63s", release);
		if (!release[0])
			ret = -ENODATA;
	}
	free(buf);
	return ret;
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

static int prepare_path(struct vm_kernel *k)
{
	char release[64], real[PATH_MAX], *dir;
	int ret;

	if (!realpath(k->path, real)) {
		ret = -errno;
		vm_err("kernel image %s (--kernel %s=...): %s; give the path of a bzImage/vmlinuz", k->path,
			k->label, strerror(errno));
		return ret;
	}
	ret = kernel_check_image(real, release, sizeof(release));
	if (ret == -ENOEXEC) {
		vm_err("%s is not a bootable x86 kernel image (no 'HdrS' header at offset 0x202); give the "
			"bzImage (arch/x86/boot/bzImage, /boot/vmlinuz-*), not vmlinux or a module", real);
		return ret;
	}
	if (ret) {
		vm_err("cannot read kernel image %s: %s", real, strerror(-ret));
		return ret;
	}
	k->image = xstrdup(real);
	k->release = xstrdup(release);
	dir = dir_of(real);
	if (k->opt_config) {
		if (!path_exists(k->opt_config)) {
			vm_err("kernel config %s (--kernel %s=...,config=) does not exist", k->opt_config,
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
			vm_err("modules directory %s (--kernel %s=...,modules=) does not exist; give "
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

struct deb_cand {
	char *name;
	char *version;
};

/* Real, versioned image packages of our architecture: no meta, debug, rt or unsigned ones. */
static bool deb_name_ok(const char *pattern, const char *name)
{
	static const char *const skip[] = { "-dbg", "-unsigned", "-template", "-rt-" };
	size_t plen = strlen(pattern), i;
	char glob[300];
	const char *rel = name + strlen("linux-image-");
	int a, b, c;

	if (strncmp(name, "linux-image-", strlen("linux-image-")))
		return false;
	snprintf(glob, sizeof(glob), "%s*", pattern);
	if (fnmatch(glob, name, 0))
		return false;
	/* "linux-image-6.1" means 6.1, not 6.12: a number in the pattern is not cut short */
	if (!strpbrk(pattern, "*?[") && isdigit((unsigned char)pattern[plen - 1]) &&
	    isdigit((unsigned char)name[plen]))
		return false;
	for (i = 0; i < ARRAY_SIZE(skip); i++)
		if (strstr(name, skip[i]))
			return false;
	if (strlen(name) < 6 || strcmp(name + strlen(name) - 6, "-amd64"))
		return false;
	/* meta packages (linux-image-6.12-amd64) carry no X.Y.Z release */
	return sscanf(rel, "%d.%d.%d", &a, &b, &c) == 3;
}

static int deb_list_names(const char *pattern, char ***names_out, size_t *n_out)
{
	char prefix[256], *out = NULL, *line, *save = NULL, **names = NULL;
	size_t n = 0, lit = strcspn(pattern, "*?[");
	int ret;

	snprintf(prefix, sizeof(prefix), "%.*s", (int)lit, pattern);
	if (strncmp(prefix, "linux-image-", strlen("linux-image-")))
		snprintf(prefix, sizeof(prefix), "linux-image-");
	{
		char *argv[] = { "apt-cache", "pkgnames", prefix, NULL };

		ret = proc_capture(argv, NULL, &out, NULL);
	}
	if (ret) {
		if (ret > 0)
			free(out);
		return ret < 0 ? ret : -EIO;
	}
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!deb_name_ok(pattern, line))
			continue;
		names = realloc(names, (n + 1) * sizeof(*names));
		if (!names)
			abort();
		names[n++] = xstrdup(line);
	}
	free(out);
	*names_out = names;
	*n_out = n;
	return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

/* Both flavours match: cloud-amd64 boots faster (fewer drivers) and is smaller. */
static void prefer_cloud(char **names, size_t *n)
{
	size_t i, j = 0, cloud = 0;

	for (i = 0; i < *n; i++)
		cloud += ends_with(names[i], "-cloud-amd64");
	if (!cloud)
		return;
	for (i = 0; i < *n; i++) {
		if (ends_with(names[i], "-cloud-amd64"))
			names[j++] = names[i];
		else
			free(names[i]);
	}
	*n = j;
}

/* Candidate versions of all names from one 'apt-cache show'. */
static int deb_versions(char **names, size_t n, struct deb_cand **cands_out, size_t *nc_out)
{
	char **argv = calloc(n + 4, sizeof(char *)), *out = NULL, *line, *save = NULL, *pkg = NULL;
	struct deb_cand *cands = NULL;
	size_t i, nc = 0;
	int ret;

	if (!argv)
		return -ENOMEM;
	argv[0] = "apt-cache";
	argv[1] = "show";
	argv[2] = "--no-all-versions";
	for (i = 0; i < n; i++)
		argv[3 + i] = names[i];
	ret = proc_capture(argv, NULL, &out, NULL);
	free(argv);
	if (ret) {
		if (ret > 0)
			free(out);
		return ret < 0 ? ret : -EIO;
	}
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "Package: ", 9)) {
			pkg = line + 9;
		} else if (!strncmp(line, "Version: ", 9) && pkg) {
			cands = realloc(cands, (nc + 1) * sizeof(*cands));
			if (!cands)
				abort();
			cands[nc].name = xstrdup(pkg);
			cands[nc++].version = xstrdup(line + 9);
			pkg = NULL;
		}
	}
	free(out);
	*cands_out = cands;
	*nc_out = nc;
	return 0;
}

static bool deb_newer(const char *a, const char *b)
{
	char *argv[] = { "dpkg", "--compare-versions", (char *)a, "gt", (char *)b, NULL };

	return proc_run(argv, NULL, -1, -1, -1) == 0;
}

static void free_names(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static char *cache_entry(const struct vm_kernel *k)
{
	return xasprintf("%s/kernels/%s_%s", cache_dir(), k->package, k->package_version);
}

/* Fetching needs apt-get, dpkg-deb and depmod: say so now, not after the data disk is built. */
static int fetch_tools(const struct vm_kernel *k)
{
	static const struct {
		const char *prog, *package;
	} tools[] = { { "apt-get", "apt" }, { "dpkg-deb", "dpkg" }, { "depmod", "kmod" } };
	char *dir = cache_entry(k), *img = xasprintf("%s/vmlinuz", dir);
	bool cached = path_exists(img);
	size_t i;

	free(img);
	free(dir);
	for (i = 0; i < ARRAY_SIZE(tools) && !cached; i++) {
		if (!have_program(tools[i].prog)) {
			vm_err("%s not found: needed to fetch the kernel package %s (apt-get install %s)",
			       tools[i].prog, k->package, tools[i].package);
			return -ENOENT;
		}
	}
	return 0;
}

static int deb_resolve(struct vm_kernel *k)
{
	struct deb_cand *cands = NULL;
	char **names = NULL;
	size_t n = 0, nc = 0, i, best = 0;
	int ret;

	ret = deb_list_names(k->pattern, &names, &n);
	if (ret == -ENOENT) {
		vm_err("apt-cache not found: 'deb:' kernels need Debian's apt (or give a kernel image path)");
		return ret;
	}
	prefer_cloud(names, &n);
	if (!ret && n)
		ret = deb_versions(names, n, &cands, &nc);
	free_names(names, n);
	if (ret == -EINTR)
		return ret;
	if (ret || !nc) {
		vm_err("no Debian kernel package matches 'deb:%s' (looked for linux-image-X.Y.Z* packages "
		       "whose name starts with it, skipping meta, -dbg, -unsigned and -rt ones); see "
		       "'apt-cache search linux-image' (after 'apt-get update')", k->pattern);
		ret = ret ? ret : -ENOENT;
		goto out;
	}
	for (i = 1; i < nc; i++) {
		if (proc_stop_signal) {
			ret = -EINTR;
			goto out;
		}
		if (deb_newer(cands[i].version, cands[best].version))
			best = i;
	}
	msg_debug("deb:%s: %zu candidates, newest %s %s", k->pattern, nc, cands[best].name, cands[best].version);
	k->package = xstrdup(cands[best].name);
	k->package_version = xstrdup(cands[best].version);
	k->release = xstrdup(k->package + strlen("linux-image-"));
	ret = fetch_tools(k);
out:
	for (i = 0; i < nc; i++) {
		free(cands[i].name);
		free(cands[i].version);
	}
	free(cands);
	return ret;
}

/* The one *.deb that apt-get download left in dir. */
static char *find_deb(const char *dir)
{
	struct dirent *de;
	char *p = NULL;
	DIR *d = opendir(dir);

	while (d && !p && (de = readdir(d)))
		if (ends_with(de->d_name, ".deb"))
			p = xasprintf("%s/%s", dir, de->d_name);
	if (d)
		closedir(d);
	return p;
}

static int write_info(const struct vm_kernel *k, const char *dir)
{
	char stamp[32], *path, *s;
	json_t *o;
	int ret;

	iso8601_now(stamp, sizeof(stamp));
	o = json_pack("{s:s,s:s,s:s,s:s}", "package", k->package, "version", k->package_version, "release",
		      k->release, "fetched_at", stamp);
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

static int step_failed(const char *what, const struct vm_kernel *k, int ret, const char *out)
{
	if (ret == -EINTR)
		return ret;
	if (ret < 0)
		vm_err("%s for %s: cannot run it (%s; apt-get install %s)", what, k->package, strerror(-ret),
		       strstr(what, "depmod") ? "kmod" : strstr(what, "dpkg") ? "dpkg" : "apt");
	else
		vm_err("%s for %s %s failed (%s): %s", what, k->package, k->package_version,
			ret < 0 ? strerror(-ret) : "exit status", last_line(out));
	return ret < 0 ? ret : -EIO;
}

/* Download and unpack into tmp; lay out vmlinuz, config, System.map, modules/. */
static int deb_unpack(struct vm_kernel *k, const char *tmp)
{
	char *spec = xasprintf("%s=%s", k->package, k->package_version);
	char *root = xasprintf("%s/root", tmp), *deb = NULL, *out = NULL, *from = NULL, *to = NULL;
	int ret;

	{
		char *argv[] = { "apt-get", "download", "-q", spec, NULL };

		/* apt prints the sandbox notice as root on stderr: shown only on failure */
		ret = proc_capture(argv, tmp, NULL, &out);
	}
	if (ret || !(deb = find_deb(tmp))) {
		ret = step_failed("apt-get download", k, ret ? ret : 1, out);
		if (ret != -EINTR)
			vm_err("%s; check the network and the apt sources ('apt-get update'), or give a kernel "
			       "image path with --kernel %s=PATH", vm_error, k->label);
		goto out;
	}
	free(out);
	out = NULL;
	{
		char *argv[] = { "dpkg-deb", "-x", deb, root, NULL };

		ret = proc_capture(argv, NULL, NULL, &out);
	}
	if (ret) {
		ret = step_failed("dpkg-deb -x", k, ret, out);
		goto out;
	}
	free(out);
	out = NULL;
	unlink(deb);
	from = xasprintf("%s/lib/modules/%s", root, k->release);
	if (is_dir(from)) {
		char *argv[] = { "depmod", "-b", root, k->release, NULL };

		ret = proc_capture(argv, NULL, NULL, &out);
		if (ret) {
			ret = step_failed("depmod", k, ret, out);
			goto out;
		}
		to = xasprintf("%s/modules", tmp);
		if (rename(from, to) < 0) {
			ret = -errno;
			goto out;
		}
		free(to);
		to = NULL;
	}
	free(from);
	from = xasprintf("%s/boot/vmlinuz-%s", root, k->release);
	to = xasprintf("%s/vmlinuz", tmp);
	if (rename(from, to) < 0) {
		vm_err("package %s %s has no /boot/vmlinuz-%s: not a kernel image package", k->package,
			k->package_version, k->release);
		ret = -ENOENT;
		goto out;
	}
	free(from);
	free(to);
	from = xasprintf("%s/boot/config-%s", root, k->release);
	to = xasprintf("%s/config", tmp);
	rename(from, to);
	free(from);
	free(to);
	from = xasprintf("%s/boot/System.map-%s", root, k->release);
	to = xasprintf("%s/System.map", tmp);
	rename(from, to);
	ret = rm_rf(root);
	if (!ret)
		ret = write_info(k, tmp);
out:
	free(spec);
	free(root);
	free(deb);
	free(out);
	free(from);
	free(to);
	return ret;
}

static int deb_fetch(struct vm_kernel *k, const char *final)
{
	char *base = xasprintf("%s/kernels", cache_dir()), *tmp;
	int ret = mkdir_p(base, 0755);

	if (ret) {
		vm_err("cannot create cache directory %s: %s (set MMSTALL_CACHE to another place)", base,
			strerror(-ret));
		free(base);
		return ret;
	}
	tmp = xasprintf("%s/.fetch.%d.XXXXXX", base, (int)getpid());
	free(base);
	if (!mkdtemp(tmp)) {
		ret = -errno;
		vm_err("cannot create a directory in %s/kernels: %s", cache_dir(), strerror(errno));
		free(tmp);
		return ret;
	}
	chmod(tmp, 0755); /* mkdtemp's 0700 would become the cache entry's mode */
	ret = deb_unpack(k, tmp);
	if (!ret && rename(tmp, final) < 0 && errno != ENOTEMPTY && errno != EEXIST)
		ret = -errno;
	/* on success tmp is gone; if another mmstall won the race, theirs is as good */
	rm_rf(tmp);
	if (ret && ret != -EINTR && !vm_error[0])
		vm_err("cannot unpack %s into %s: %s%s", k->package, final, strerror(-ret),
			ret == -ENOSPC ? " (disk full: free space or set MMSTALL_CACHE)" : "");
	free(tmp);
	return ret;
}

/* The package is resolved; fetch it into the cache unless it is there. */
static int fetch_deb(struct vm_kernel *k, int *fetched)
{
	char *dir, *p;
	int ret = 0;

	dir = cache_entry(k);
	p = xasprintf("%s/vmlinuz", dir);
	if (!path_exists(p)) {
		msg_info("[%s] fetching %s %s", k->label, k->package, k->package_version);
		ret = deb_fetch(k, dir);
		*fetched = 1;
	}
	if (!ret) {
		k->image = p;
		p = NULL;
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
	free(p);
	free(dir);
	return ret;
}

int kernel_resolve(struct vm_kernel *k)
{
	if (k->pattern)
		return deb_resolve(k);
	return prepare_path(k);
}

int kernel_fetch(struct vm_kernel *k, int *fetched)
{
	*fetched = 0;
	if (k->pattern && !k->image)
		return fetch_deb(k, fetched);
	return 0;
}

/* ---- modules the guest needs ---- */

/* What the guest needs to see its disks and mount ext4 on them. */
static const struct {
	const char *module;
	const char *option;
} guest_needs[] = {
	{ "virtio_pci", "CONFIG_VIRTIO_PCI" },
	{ "virtio_blk", "CONFIG_VIRTIO_BLK" },
	{ "ext4", "CONFIG_EXT4_FS" },
};

/* modules.dep: the file, or for a read-only tree without one, depmod -n's first section. */
static int load_modules_dep(const struct vm_kernel *k, char **text)
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
		vm_err("no modules.dep in %s; run 'depmod -b ROOT %s' there first", k->modules_dir, k->release);
		return -ENOENT;
	}
	root = xasprintf("%.*s", (int)(ml - rl - 13), k->modules_dir);
	{
		char *argv[] = { "depmod", "-n", "-b", root[0] ? root : "/", k->release, NULL };

		ret = proc_capture(argv, NULL, text, NULL);
	}
	free(root);
	if (ret < 0 && ret != -EINTR)
		vm_err("cannot run depmod (%s): it resolves module dependencies (apt-get install kmod)",
		       strerror(-ret));
	else if (ret > 0)
		vm_err("depmod -n failed for %s (exit status %d)", k->modules_dir, ret);
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
	*list = realloc(*list, (*n + 2) * sizeof(char *));
	if (!*list)
		abort();
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
static int need_module(const struct vm_kernel *k, struct kconfig *kc, const char *dep, size_t i)
{
	const char *v = kc ? kconfig_get(kc, guest_needs[i].option) : NULL;

	if (kc && v && !strcmp(v, "y"))
		return 0;
	if (kc && !v) {
		vm_err("kernel %s (%s) was built without %s: the guest could not use its disks; build "
			"it with %s=y or =m", k->label, k->image, guest_needs[i].option, guest_needs[i].option);
		return -ENOENT;
	}
	if (!kc && (!dep || !dep_line_by_name(dep, guest_needs[i].module)))
		return 0; /* no config, no module: assume built in; the boot will tell */
	if (!dep) {
		vm_err("kernel %s has %s=m but no modules were found beside %s: pass --kernel %s=%s,modules=DIR "
			"(the lib/modules/%s of 'make modules_install')", k->label, guest_needs[i].option,
			k->image, k->label, k->path ? k->path : k->image, k->release);
		return -ENOENT;
	}
	return 1;
}

int kernel_guest_modules(const struct vm_kernel *k, char ***mods_out)
{
	struct kconfig *kc = NULL;
	char *dep = NULL, **list = NULL;
	size_t n = 0, i;
	int ret = 0;

	if (k->config && kconfig_load_file(k->config, &kc))
		kc = NULL;
	if (k->modules_dir) {
		ret = load_modules_dep(k, &dep);
		if (ret)
			goto out;
	}
	for (i = 0; i < ARRAY_SIZE(guest_needs) && !ret; i++) {
		const char *line;

		ret = need_module(k, kc, dep, i);
		if (ret <= 0)
			continue;
		line = dep_line_by_name(dep, guest_needs[i].module);
		ret = line ? add_with_deps(dep, line, &list, &n, 0) : -ENOENT;
		if (ret)
			vm_err("kernel %s: module %s (or a dependency) is not in %s/modules.dep; is that the "
				"modules tree of release %s?", k->label, guest_needs[i].module, k->modules_dir,
				k->release);
	}
out:
	kconfig_free(kc);
	free(dep);
	if (ret) {
		kernel_modules_free(list);
		return ret;
	}
	if (!list)
		list = calloc(1, sizeof(char *));
	*mods_out = list;
	return 0;
}
