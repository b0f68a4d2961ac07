// SPDX-License-Identifier: GPL-2.0
/*
 * Debian's kernel packages: which one a pattern means, and where its
 * image, config and modules are in either layout.  See debian.h.
 */
#include "harness/kernel/debian.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/proc.h"
#include "harness/util.h"

#define IMAGE_PREFIX "linux-image-"

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

const char *deb_kernel_release(const struct deb_pkg *p)
{
	return p->name + strlen(IMAGE_PREFIX);
}

/* A real, versioned image package of our architecture: no meta, debug, rt or unsigned one. */
static bool image_name_ok(const char *name)
{
	static const char *const skip[] = { "-dbg", "-unsigned", "-template", "-rt-" };
	int a, b, c;
	size_t i;

	if (strncmp(name, IMAGE_PREFIX, strlen(IMAGE_PREFIX)) || !ends_with(name, "-amd64"))
		return false;
	for (i = 0; i < ARRAY_SIZE(skip); i++)
		if (strstr(name, skip[i]))
			return false;
	/* meta packages (linux-image-cloud-amd64, linux-image-6.12-amd64) carry no X.Y.Z release */
	return sscanf(name + strlen(IMAGE_PREFIX), "%d.%d.%d", &a, &b, &c) == 3;
}

static bool pattern_matches(const char *pattern, const char *name)
{
	size_t plen = strlen(pattern);
	char *glob;
	bool ok;

	if (!strcmp(pattern, "latest"))
		return ends_with(name, "-cloud-amd64");
	glob = xasprintf("%s*", pattern);
	ok = !fnmatch(glob, name, 0);
	free(glob);
	/* "linux-image-6.1" means 6.1, not 6.12: a number in the pattern is not cut short */
	if (ok && !strpbrk(pattern, "*?[") && plen && isdigit((unsigned char)pattern[plen - 1]) &&
	    isdigit((unsigned char)name[plen]))
		ok = false;
	return ok;
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

static void free_strv(char **v)
{
	size_t i;

	for (i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* A version without its Debian revision: what the kernel's code is. */
static char *upstream(const char *version)
{
	char *u = xstrdup(version), *dash = strrchr(u, '-');

	if (dash)
		*dash = '\0';
	return u;
}

/* Is x newer than y: upstream version, then the earlier configured suite, then the revision. */
static bool newer(const struct deb_apt *a, const struct deb_pkg *x, const struct deb_pkg *y)
{
	char *ux = upstream(x->version), *uy = upstream(y->version);
	int c = deb_version_cmp(ux, uy);
	size_t rx = deb_apt_suite_rank(a, x->suite), ry = deb_apt_suite_rank(a, y->suite);

	free(ux);
	free(uy);
	if (c)
		return c > 0;
	if (rx != ry)
		return rx < ry;
	return deb_version_cmp(x->version, y->version) > 0;
}

/* The newest of v, copied to out; -ENOENT if v is empty. */
static int newest(const struct deb_apt *a, const struct deb_pkg *v, size_t n, struct deb_pkg *out)
{
	size_t i, best = 0;

	if (!n)
		return -ENOENT;
	for (i = 1; i < n; i++)
		if (newer(a, &v[i], &v[best]))
			best = i;
	out->name = xstrdup(v[best].name);
	out->version = xstrdup(v[best].version);
	out->suite = xstrdup(v[best].suite);
	return 0;
}

int deb_kernel_pick(struct deb_apt *a, const char *pattern, struct deb_pkg *out, char *err, size_t errlen)
{
	char prefix[256], **all = NULL, **names = NULL;
	size_t lit = strcspn(pattern, "*?["), n = 0, i, nv = 0;
	struct deb_pkg *v = NULL;
	int ret;

	memset(out, 0, sizeof(*out));
	snprintf(prefix, sizeof(prefix), "%.*s", (int)lit, pattern);
	if (strncmp(prefix, IMAGE_PREFIX, strlen(IMAGE_PREFIX)))
		snprintf(prefix, sizeof(prefix), IMAGE_PREFIX);
	ret = deb_apt_names(a, prefix, &all, err, errlen);
	if (ret)
		return ret;
	for (i = 0; all[i]; i++) {
		if (!image_name_ok(all[i]) || !pattern_matches(pattern, all[i]))
			continue;
		names = xrealloc(names, (n + 1) * sizeof(char *));
		names[n++] = xstrdup(all[i]);
	}
	free_strv(all);
	prefer_cloud(names, &n);
	/* pkgnames also lists names only mentioned by others: madison says which have versions */
	ret = deb_apt_versions(a, names, n, &v, &nv, err, errlen);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (ret)
		return ret;
	ret = newest(a, v, nv, out);
	if (ret == -ENOENT && !strcmp(pattern, "latest"))
		snprintf(err, errlen, "no Debian cloud kernel (linux-image-X.Y.Z*-cloud-amd64) in %s",
			 deb_apt_where(a));
	else if (ret == -ENOENT)
		snprintf(err, errlen,
			 "no Debian kernel package matches 'deb:%s' in %s (looked for linux-image-X.Y.Z* packages "
			 "whose name starts with it, skipping meta, -dbg, -unsigned and -rt ones; search other "
			 "suites with MMSTALL_DEB_SUITES)", pattern, deb_apt_where(a));
	else
		msg_debug("deb:%s: %zu candidate versions, newest %s %s (%s)", pattern, nv, out->name, out->version,
			  out->suite);
	deb_pkgs_free(v, nv);
	return ret;
}

int deb_source_pick(struct deb_apt *a, const char *name, struct deb_pkg *out, char *err, size_t errlen)
{
	char *names[] = { (char *)name };
	struct deb_pkg *v = NULL;
	size_t nv = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = deb_apt_versions(a, names, 1, &v, &nv, err, errlen);
	if (ret)
		return ret;
	ret = newest(a, v, nv, out);
	if (ret == -ENOENT)
		snprintf(err, errlen, "no package %s in %s (search other suites with MMSTALL_DEB_SUITES)", name,
			 deb_apt_where(a));
	deb_pkgs_free(v, nv);
	return ret;
}

/* ---- unpacking an image package ---- */

/* The parts of a split image package (linux-binary-, -modules-, -base-<release>), or none (old layout). */
static int split_parts(struct deb_apt *a, const struct deb_pkg *p, struct deb_pkg **parts, size_t *nparts,
		       char *err, size_t errlen)
{
	static const char *const kinds[] = { "linux-binary-", "linux-modules-", "linux-base-" };
	const char *rel = deb_kernel_release(p);
	struct deb_pkg *deps = NULL;
	size_t n = 0, i, k;
	int ret = deb_apt_depends(a, p, &deps, &n, err, errlen);

	*parts = NULL;
	*nparts = 0;
	if (ret)
		return ret;
	for (k = 0; k < ARRAY_SIZE(kinds); k++) {
		for (i = 0; i < n; i++) {
			size_t kl = strlen(kinds[k]);

			if (strncmp(deps[i].name, kinds[k], kl) || strcmp(deps[i].name + kl, rel))
				continue;
			*parts = xrealloc(*parts, (*nparts + 1) * sizeof(**parts));
			(*parts)[*nparts].name = xstrdup(deps[i].name);
			/* the parts come from the same source build: same version unless the meta says */
			(*parts)[*nparts].version = xstrdup(deps[i].version ? deps[i].version : p->version);
			(*parts)[(*nparts)++].suite = xstrdup(p->suite ? p->suite : "");
			break;
		}
	}
	deb_pkgs_free(deps, n);
	return 0;
}

/* Every part must be in the lists at its version: say which one is not before downloading anything. */
static int check_parts(struct deb_apt *a, const struct deb_pkg *p, const struct deb_pkg *parts, size_t n,
		       char *err, size_t errlen)
{
	struct deb_pkg *v = NULL;
	size_t nv = 0, i, j;
	char **names = xcalloc(n, sizeof(char *));
	int ret;

	for (i = 0; i < n; i++)
		names[i] = parts[i].name;
	ret = deb_apt_versions(a, names, n, &v, &nv, err, errlen);
	free(names);
	for (i = 0; i < n && !ret; i++) {
		for (j = 0; j < nv; j++)
			if (!strcmp(v[j].name, parts[i].name) && !strcmp(v[j].version, parts[i].version))
				break;
		if (j == nv) {
			snprintf(err, errlen,
				 "%s %s (split packaging) needs %s %s, which is not in %s: the archive may be "
				 "mid-update (try again later), or pick another version",
				 p->name, p->version, parts[i].name, parts[i].version, deb_apt_where(a));
			ret = -ENOENT;
		}
	}
	deb_pkgs_free(v, nv);
	return ret;
}

/* The first of root/<candidates> that exists (caller frees), or NULL. */
static char *first_existing(const char *root, const char *rel, const char *const *fmts, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char *sub = xasprintf(fmts[i], rel), *p = xasprintf("%s/%s", root, sub);

		free(sub);
		if (path_exists(p))
			return p;
		free(p);
	}
	return NULL;
}

/* Move root/<one of fmts> to dir/name; 0, or -ENOENT if none exists. */
static int take(const char *root, const char *rel, const char *const *fmts, size_t n, const char *dir,
		const char *name)
{
	char *from = first_existing(root, rel, fmts, n), *to = xasprintf("%s/%s", dir, name);
	int ret = from ? 0 : -ENOENT;

	if (from && rename(from, to) < 0)
		ret = -errno;
	free(from);
	free(to);
	return ret;
}

/*
 * The packages' modules tree to dir/modules, with modules.dep: depmod
 * wants it at ROOT/lib/modules/<release> (kmod 30 knows no /usr/lib), so
 * a /usr/lib one is moved there first.
 */
static int take_modules(const char *root, const char *rel, const char *dir, char *err, size_t errlen)
{
	char *usr = xasprintf("%s/usr/lib/modules/%s", root, rel), *lib = xasprintf("%s/lib/modules/%s", root, rel);
	char *to = xasprintf("%s/modules", dir), *kernel = NULL, *out = NULL;
	int ret = 0;

	if (!is_dir(lib) && is_dir(usr)) {
		char *parent = xasprintf("%s/lib/modules", root);

		ret = mkdir_p(parent, 0755);
		free(parent);
		if (!ret && rename(usr, lib) < 0)
			ret = -errno;
		if (ret) {
			snprintf(err, errlen, "cannot move %s to %s: %s", usr, lib, strerror(-ret));
			goto out;
		}
	}
	kernel = xasprintf("%s/kernel", lib);
	if (!is_dir(kernel))
		goto out; /* no modules at all: everything built in */
	{
		char *argv[] = { "depmod", "-b", (char *)root, (char *)rel, NULL };

		ret = proc_capture(argv, NULL, NULL, &out);
	}
	if (ret == -EINTR)
		goto out;
	if (ret) {
		snprintf(err, errlen, "depmod for %s failed (%s): it makes the modules.dep Debian packages do not ship%s",
			 rel, ret < 0 ? strerror(-ret) : last_line(out),
			 ret == -ENOENT ? " (apt-get install kmod)" : "");
		ret = ret < 0 ? ret : -EIO;
		goto out;
	}
	if (rename(lib, to) < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot move %s to %s: %s", lib, to, strerror(errno));
	}
out:
	free(usr);
	free(lib);
	free(to);
	free(kernel);
	free(out);
	return ret;
}

/* Lay out what the packages unpacked under root into dir. */
static int lay_out(const struct deb_pkg *p, const char *root, const char *dir, char *err, size_t errlen)
{
	static const char *const image[] = { "boot/vmlinuz-%s", "usr/lib/modules/%s/vmlinuz", "lib/modules/%s/vmlinuz" };
	static const char *const config[] = { "boot/config-%s", "usr/lib/modules/%s/config", "lib/modules/%s/config" };
	static const char *const map[] = { "boot/System.map-%s", "usr/lib/modules/%s/System.map",
					   "lib/modules/%s/System.map" };
	const char *rel = deb_kernel_release(p);
	char *path;
	struct stat st;
	int ret;

	if (take(root, rel, image, ARRAY_SIZE(image), dir, "vmlinuz")) {
		snprintf(err, errlen,
			 "package %s %s has no kernel image (looked for /boot/vmlinuz-%s and "
			 "/usr/lib/modules/%s/vmlinuz): not a kernel image package", p->name, p->version, rel, rel);
		return -ENOENT;
	}
	take(root, rel, config, ARRAY_SIZE(config), dir, "config");
	take(root, rel, map, ARRAY_SIZE(map), dir, "System.map");
	/* the split packages' System.map is a one-line pointer to the -dbg package: not worth keeping */
	path = xasprintf("%s/System.map", dir);
	if (!stat(path, &st) && st.st_size < 4096)
		unlink(path);
	free(path);
	ret = take_modules(root, rel, dir, err, errlen);
	return ret;
}

int deb_kernel_unpack(struct deb_apt *a, const struct deb_pkg *p, const char *dir, char *err, size_t errlen)
{
	char *dl = xasprintf("%s/download", dir), *root = xasprintf("%s/root", dir), **debs = NULL;
	struct deb_pkg *parts = NULL;
	size_t nparts = 0, i;
	int ret;

	ret = split_parts(a, p, &parts, &nparts, err, errlen);
	if (!ret && nparts)
		ret = check_parts(a, p, parts, nparts, err, errlen);
	if (!ret && nparts && strncmp(parts[0].name, "linux-binary-", 13)) {
		snprintf(err, errlen, "%s %s depends on linux-modules/linux-base packages but on no "
			 "linux-binary-%s, which holds the image", p->name, p->version, deb_kernel_release(p));
		ret = -ENOENT;
	}
	if (!ret) {
		ret = mkdir_p(dl, 0755);
		if (ret)
			snprintf(err, errlen, "cannot create %s: %s", dl, strerror(-ret));
	}
	if (!ret)
		ret = nparts ? deb_apt_download(a, parts, nparts, dl, &debs, err, errlen) :
			       deb_apt_download(a, p, 1, dl, &debs, err, errlen);
	for (i = 0; !ret && debs[i]; i++) {
		ret = deb_extract(debs[i], root, err, errlen);
		unlink(debs[i]);
	}
	if (!ret)
		ret = lay_out(p, root, dir, err, errlen);
	rm_rf(root);
	rm_rf(dl);
	free_strv(debs);
	deb_pkgs_free(parts, nparts);
	free(dl);
	free(root);
	return ret;
}

/* ---- source packages ---- */

int deb_source_fetch(struct deb_apt *a, const struct deb_pkg *p, const char *workdir, char **tarball, char *err,
		     size_t errlen)
{
	char *dl = xasprintf("%s/download", workdir), *root = xasprintf("%s/root", workdir), **debs = NULL;
	char *pattern = xasprintf("%s/usr/src/linux-source-*.tar*", root);
	glob_t g = { 0 };
	int ret = mkdir_p(dl, 0755);

	*tarball = NULL;
	if (ret)
		snprintf(err, errlen, "cannot create %s: %s", dl, strerror(-ret));
	if (!ret)
		ret = deb_apt_download(a, p, 1, dl, &debs, err, errlen);
	if (!ret) {
		ret = deb_extract(debs[0], root, err, errlen);
		unlink(debs[0]);
	}
	if (!ret && (glob(pattern, 0, NULL, &g) || !g.gl_pathc)) {
		snprintf(err, errlen, "%s %s has no /usr/src/linux-source-*.tar.* in it", p->name, p->version);
		ret = -ENOENT;
	}
	if (!ret)
		*tarball = xstrdup(g.gl_pathv[0]);
	globfree(&g);
	rm_rf(dl);
	free_strv(debs);
	free(pattern);
	free(dl);
	free(root);
	return ret;
}
