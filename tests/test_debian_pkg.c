// SPDX-License-Identifier: GPL-2.0
/*
 * Debian kernel packages (harness/kernel/debian.h) on a fixture archive
 * made here, offline, in seconds: fake .deb files (dpkg-deb -b) in two
 * suites "old" and "new" of a file:// repository, read through mmstall's
 * own apt configuration.
 *
 *  - which package a pattern means: "6.1" is not 6.12, cloud before the
 *    generic flavour, the newest upstream version, the first suite for
 *    the same upstream version, "latest", no match (the error names the
 *    pattern and the suites searched);
 *  - the old layout (/boot/vmlinuz-*, modules under /lib or /usr/lib) and
 *    the split one (linux-binary-, linux-modules-, linux-base-), with
 *    modules.dep made by depmod; a split package whose part is missing;
 *  - a kernel source package and its tarball;
 *  - the default sources (signed by the system keyring, the suites of
 *    MMSTALL_DEB_SUITES) without any network;
 *  - the guest's plumbing check on kernel configs.
 */
#include "harness/kernel/debian.h"
#include "harness/kernel/image.h"
#include "harness/proc.h"
#include "harness/util.h"
#include "harness/vm/kernel.h"
#include "test_util.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmp[256];	/* short: paths built from it never truncate */

static void put(const char *path, const char *text, size_t len)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');

	*slash = '\0';
	if (mkdir_p(dir, 0755) || write_file_atomic(path, text, len))
		abort();
	free(dir);
}

static void puts_file(const char *path, const char *text)
{
	put(path, text, strlen(text));
}

/* A bzImage that kernel_check_image() accepts: "HdrS" at 0x202, the release at 0x300. */
static void fake_image(const char *path, const char *release)
{
	char buf[4096] = { 0 };

	memcpy(buf + 0x202, "HdrS", 4);
	buf[0x20e] = 0x00;
	buf[0x20f] = 0x01;
	snprintf(buf + 0x300, 256, "%s (fake@test) #1", release);
	put(path, buf, sizeof(buf));
}

static int run(const char *cmd)
{
	char *argv[] = { "sh", "-c", (char *)cmd, NULL };

	return proc_run(argv, NULL, -1, -1, -2);
}

/*
 * One package into pool/<suite>/: files is a list of "path" (relative to
 * the package root) entries that the caller filled in root/ beforehand.
 */
static void build_deb(const char *suite, const char *name, const char *version, const char *depends,
		      const char *root)
{
	char *ctl = xasprintf("%s/DEBIAN/control", root);
	char *text = xasprintf("Package: %s\nVersion: %s\nArchitecture: amd64\nMaintainer: test <t@example.org>\n"
			       "%s%s%sDescription: fixture\n", name, version, depends ? "Depends: " : "",
			       depends ? depends : "", depends ? "\n" : "");
	char *cmd = xasprintf("mkdir -p %s/repo/pool/%s && dpkg-deb -Znone -b %s %s/repo/pool/%s/%s_%s_amd64.deb "
			      ">/dev/null", tmp, suite, root, tmp, suite, name, version);

	puts_file(ctl, text);
	if (run(cmd))
		abort();
	rm_rf(root);
	free(ctl);
	free(text);
	free(cmd);
}

static char *root_path(const char *name)
{
	return xasprintf("%s/build/%s", tmp, name);
}

static void file_in(const char *root, const char *rel, const char *text)
{
	char *p = xasprintf("%s/%s", root, rel);

	puts_file(p, text);
	free(p);
}

static const char config_full[] =
	"CONFIG_64BIT=y\nCONFIG_BLK_DEV_INITRD=y\nCONFIG_BINFMT_ELF=y\nCONFIG_BINFMT_SCRIPT=y\n"
	"CONFIG_DEVTMPFS=y\nCONFIG_PROC_FS=y\nCONFIG_SYSFS=y\nCONFIG_CGROUPS=y\nCONFIG_FUTEX=y\nCONFIG_TTY=y\n"
	"CONFIG_SERIAL_8250=y\nCONFIG_SERIAL_8250_CONSOLE=y\nCONFIG_ACPI=y\nCONFIG_VIRTIO_PCI=y\n"
	"CONFIG_VIRTIO_BLK=m\nCONFIG_EXT4_FS=y\n";

/* Old layout: /boot/{vmlinuz,config,System.map}-<rel>, modules under moddir (lib or usr/lib). */
static void old_image(const char *suite, const char *rel, const char *version, const char *moddir)
{
	char *name = xasprintf("linux-image-%s", rel), *root = root_path(name), *p;
	char map[8192];

	p = xasprintf("%s/boot/vmlinuz-%s", root, rel);
	fake_image(p, rel);
	free(p);
	p = xasprintf("boot/config-%s", rel);
	file_in(root, p, config_full);
	free(p);
	memset(map, 'm', sizeof(map) - 1);
	map[sizeof(map) - 1] = '\0';
	p = xasprintf("boot/System.map-%s", rel);
	file_in(root, p, map);
	free(p);
	p = xasprintf("%s/modules/%s/kernel/drivers/block/virtio_blk.ko", moddir, rel);
	file_in(root, p, "not really a module\n");
	free(p);
	build_deb(suite, name, version, "kmod", root);
	free(name);
	free(root);
}

/* Split layout: the meta package and, unless skip names one, its three parts. */
static void split_image(const char *suite, const char *rel, const char *version, const char *skip)
{
	char *name = xasprintf("linux-image-%s", rel), *dep, *root, *p, *part;

	dep = xasprintf("dracut | initramfs-tools (>= 0.120+deb8u2), linux-base-%s (= %s), linux-binary-%s (= %s), "
			"linux-modules-%s (= %s)", rel, version, rel, version, rel, version);
	root = root_path(name);
	file_in(root, "usr/share/doc/meta/README", "meta\n");
	build_deb(suite, name, version, dep, root);
	free(root);

	part = xasprintf("linux-binary-%s", rel);
	root = root_path(part);
	p = xasprintf("%s/usr/lib/modules/%s/vmlinuz", root, rel);
	fake_image(p, rel);
	free(p);
	if (!skip || strcmp(skip, "binary"))
		build_deb(suite, part, version, NULL, root);
	free(root);
	free(part);

	part = xasprintf("linux-modules-%s", rel);
	root = root_path(part);
	p = xasprintf("usr/lib/modules/%s/kernel/drivers/block/virtio_blk.ko", rel);
	file_in(root, p, "not really a module\n");
	free(p);
	if (!skip || strcmp(skip, "modules"))
		build_deb(suite, part, version, NULL, root);
	free(root);
	free(part);

	part = xasprintf("linux-base-%s", rel);
	root = root_path(part);
	p = xasprintf("usr/lib/modules/%s/config", rel);
	file_in(root, p, config_full);
	free(p);
	p = xasprintf("usr/lib/modules/%s/System.map", rel);
	file_in(root, p, "ffffffffffffffff B The real System.map is in the -dbg package\n");
	free(p);
	if (!skip || strcmp(skip, "base"))
		build_deb(suite, part, version, NULL, root);
	free(root);
	free(part);
	free(dep);
	free(name);
}

static void other_pkg(const char *suite, const char *name, const char *version)
{
	char *root = root_path(name);

	file_in(root, "usr/share/doc/x/README", "x\n");
	build_deb(suite, name, version, NULL, root);
	free(root);
}

/* Packages index per suite: dpkg-scanpackages when installed, else written here (Size, SHA256). */
static void index_suite(const char *suite)
{
	char *cmd;

	if (have_program("dpkg-scanpackages"))
		cmd = xasprintf("cd %s/repo && mkdir -p dists/%s/main/binary-amd64 && dpkg-scanpackages -m pool/%s "
				"/dev/null >dists/%s/main/binary-amd64/Packages 2>/dev/null", tmp, suite, suite, suite);
	else
		cmd = xasprintf("cd %s/repo && mkdir -p dists/%s/main/binary-amd64 && for d in pool/%s/*.deb; do "
				"dpkg-deb -f $d; echo \"Filename: $d\"; echo \"Size: $(stat -c %%s $d)\"; "
				"echo \"SHA256: $(sha256sum $d | cut -d' ' -f1)\"; echo; done "
				">dists/%s/main/binary-amd64/Packages", tmp, suite, suite, suite);
	if (run(cmd))
		abort();
	free(cmd);
}

static void make_archive(void)
{
	/* old: Debian 12 like */
	old_image("old", "6.1.0-9-cloud-amd64", "6.1.10-1", "lib");
	old_image("old", "6.1.0-9-amd64", "6.1.10-1", "lib");
	old_image("old", "6.1.0-8-cloud-amd64", "6.1.8-1", "lib");
	old_image("old", "6.12.5+deb12-cloud-amd64", "6.12.5-1~deb12u1", "lib");
	other_pkg("old", "linux-image-6.1.0-9-cloud-amd64-dbg", "6.1.10-1");
	other_pkg("old", "linux-image-cloud-amd64", "6.1.10-1");
	/* new: trixie-backports like */
	old_image("new", "6.12.5+deb13-cloud-amd64", "6.12.5-1", "usr/lib");
	old_image("new", "6.16.2+deb13-cloud-amd64", "6.16.2-1~bpo13+1", "usr/lib");
	split_image("new", "7.3.1+deb13-cloud-amd64", "7.3.1-1~bpo13+1", NULL);
	split_image("new", "7.4.0+deb13-cloud-amd64", "7.4.0-1", "modules");
	other_pkg("new", "linux-image-7.4.0+deb13-cloud-amd64-unsigned", "7.4.0-1");
	other_pkg("new", "linux-image-7.5.0+deb13-rt-amd64", "7.5.0-1");
	{
		char *root = root_path("linux-source-7.3"), *cmd;

		cmd = xasprintf("mkdir -p %s/usr/src %s/t/linux-source-7.3 && echo '# fake' >%s/t/linux-source-7.3/Kconfig "
				"&& tar -C %s/t -cJf %s/usr/src/linux-source-7.3.tar.xz linux-source-7.3 && rm -r %s/t",
				root, tmp, tmp, tmp, root, tmp);
		if (run(cmd))
			abort();
		free(cmd);
		build_deb("new", "linux-source-7.3", "7.3.1-1~bpo13+1", NULL, root);
		free(root);
	}
	other_pkg("old", "linux-source-7.3", "7.3.0-1");
	index_suite("old");
	index_suite("new");
}

static struct deb_apt *open_fixture(void)
{
	char *sources = xasprintf("deb [trusted=yes arch=amd64] file://%s/repo old main\n"
				  "deb [trusted=yes arch=amd64] file://%s/repo new main\n", tmp, tmp);
	char *dir = xasprintf("%s/apt", tmp), err[1024] = "";
	struct deb_apt_conf c = { .dir = dir, .suites = "old new", .sources = sources };
	struct deb_apt *a = NULL;
	int ret = deb_apt_open(&c, &a, err, sizeof(err));

	if (ret)
		fprintf(stderr, "deb_apt_open: %s\n", err);
	free(sources);
	free(dir);
	return a;
}

/* ---- tests ---- */

static void test_versions(void)
{
	CHECK(deb_version_cmp("7.3.4-1~bpo13+1", "7.2.13-1") > 0);
	CHECK(deb_version_cmp("6.1.176-1", "6.1.170-3") > 0);
	CHECK(deb_version_cmp("6.12.117-1", "6.12.117-1~deb12u1") > 0);
	CHECK(deb_version_cmp("1.0~rc1-1", "1.0-1") < 0);
	CHECK(deb_version_cmp("1:0.1-1", "2.0-1") > 0);
	CHECK(deb_version_cmp("6.1.10-1", "6.1.10-1") == 0);
	CHECK(deb_version_cmp("6.1.9-1", "6.1.10-1") < 0);
	CHECK(deb_version_cmp("1.0a", "1.0") > 0);
	CHECK(deb_version_cmp("1.0+b1", "1.0") > 0);
}

static void check_pick(struct deb_apt *a, const char *pattern, const char *name, const char *version,
		       const char *suite)
{
	struct deb_pkg p;
	char err[1024] = "";
	int ret = deb_kernel_pick(a, pattern, &p, err, sizeof(err));

	TEST_CONTEXT("pick %s", pattern);
	if (!CHECK_INT(0, ret))
		fprintf(stderr, "  %s\n", err);
	CHECK_STR(name, p.name);
	CHECK_STR(version, p.version);
	CHECK_STR(suite, p.suite);
	deb_pkg_free(&p);
	TEST_CONTEXT_CLEAR();
}

static void test_pick(struct deb_apt *a)
{
	struct deb_pkg p;
	char err[1024] = "";

	/* a number is not cut short; cloud preferred; newest ABI */
	check_pick(a, "linux-image-6.1", "linux-image-6.1.0-9-cloud-amd64", "6.1.10-1", "old");
	/* the same upstream version in both suites: the first suite's build */
	check_pick(a, "linux-image-6.12", "linux-image-6.12.5+deb12-cloud-amd64", "6.12.5-1~deb12u1", "old");
	check_pick(a, "linux-image-6.12*deb13", "linux-image-6.12.5+deb13-cloud-amd64", "6.12.5-1", "new");
	check_pick(a, "linux-image-6.1.0-8", "linux-image-6.1.0-8-cloud-amd64", "6.1.8-1", "old");
	check_pick(a, "linux-image-6.1.0-9-amd64", "linux-image-6.1.0-9-amd64", "6.1.10-1", "old");
	check_pick(a, "linux-image-6.16", "linux-image-6.16.2+deb13-cloud-amd64", "6.16.2-1~bpo13+1", "new");
	check_pick(a, "linux-image-7.3", "linux-image-7.3.1+deb13-cloud-amd64", "7.3.1-1~bpo13+1", "new");
	/* newest cloud kernel; not -unsigned, not -rt, not the meta package */
	check_pick(a, "latest", "linux-image-7.4.0+deb13-cloud-amd64", "7.4.0-1", "new");
	check_pick(a, "linux-image-7", "linux-image-7.4.0+deb13-cloud-amd64", "7.4.0-1", "new");

	CHECK_INT(-ENOENT, deb_kernel_pick(a, "linux-image-9.9", &p, err, sizeof(err)));
	CHECK(strstr(err, "'deb:linux-image-9.9'"));
	CHECK(strstr(err, "suites old, new"));
	CHECK_INT(-ENOENT, deb_kernel_pick(a, "linux-image-7.5", &p, err, sizeof(err))); /* only -rt */
	CHECK(strstr(err, "deb:linux-image-7.5"));
	CHECK_INT(-ENOENT, deb_source_pick(a, "linux-source-9.9", &p, err, sizeof(err)));
	CHECK(strstr(err, "linux-source-9.9") && strstr(err, "suites old, new"));
}

static bool file_has(const char *path, const char *needle)
{
	char *text = NULL;
	bool ok = !read_file(path, &text, NULL) && strstr(text, needle);

	free(text);
	return ok;
}

static int unpack(struct deb_apt *a, const char *name, const char *version, const char *sub, char *dir,
		  char *err, size_t errlen)
{
	struct deb_pkg p = { .name = (char *)name, .version = (char *)version, .suite = "new" };

	snprintf(dir, PATH_MAX, "%s/out/%s", tmp, sub);
	if (mkdir_p(dir, 0755))
		abort();
	return deb_kernel_unpack(a, &p, dir, err, errlen);
}

static void check_layout(const char *dir, const char *rel, bool map)
{
	char p[PATH_MAX], release[64] = "";

	snprintf(p, sizeof(p), "%s/vmlinuz", dir);
	CHECK_INT(0, kernel_check_image(p, release, sizeof(release)));
	CHECK_STR(rel, release);
	snprintf(p, sizeof(p), "%s/config", dir);
	CHECK(file_has(p, "CONFIG_DEVTMPFS=y"));
	snprintf(p, sizeof(p), "%s/modules/modules.dep", dir);
	CHECK(file_has(p, "kernel/drivers/block/virtio_blk.ko:"));
	snprintf(p, sizeof(p), "%s/System.map", dir);
	CHECK(path_exists(p) == map);
	/* nothing of the unpacking left behind */
	snprintf(p, sizeof(p), "%s/root", dir);
	CHECK(!path_exists(p));
	snprintf(p, sizeof(p), "%s/download", dir);
	CHECK(!path_exists(p));
}

static void test_unpack(struct deb_apt *a)
{
	char dir[PATH_MAX], err[1024] = "";

	TEST_CONTEXT("old layout, /lib/modules");
	if (!CHECK_INT(0, unpack(a, "linux-image-6.1.0-9-cloud-amd64", "6.1.10-1", "old", dir, err, sizeof(err))))
		fprintf(stderr, "  %s\n", err);
	check_layout(dir, "6.1.0-9-cloud-amd64", true);

	TEST_CONTEXT("old layout, /usr/lib/modules");
	if (!CHECK_INT(0, unpack(a, "linux-image-6.16.2+deb13-cloud-amd64", "6.16.2-1~bpo13+1", "usr", dir, err,
				 sizeof(err))))
		fprintf(stderr, "  %s\n", err);
	check_layout(dir, "6.16.2+deb13-cloud-amd64", true);

	TEST_CONTEXT("split layout");
	if (!CHECK_INT(0, unpack(a, "linux-image-7.3.1+deb13-cloud-amd64", "7.3.1-1~bpo13+1", "split", dir, err,
				 sizeof(err))))
		fprintf(stderr, "  %s\n", err);
	/* the placeholder System.map of linux-base is not kept */
	check_layout(dir, "7.3.1+deb13-cloud-amd64", false);

	TEST_CONTEXT("split layout, a part missing from the archive");
	err[0] = '\0';
	CHECK_INT(-ENOENT, unpack(a, "linux-image-7.4.0+deb13-cloud-amd64", "7.4.0-1", "missing", dir, err,
				  sizeof(err)));
	CHECK(strstr(err, "linux-modules-7.4.0+deb13-cloud-amd64 7.4.0-1"));
	CHECK(strstr(err, "not in suites old, new"));

	TEST_CONTEXT("not an image package");
	err[0] = '\0';
	CHECK_INT(-ENOENT, unpack(a, "linux-image-cloud-amd64", "6.1.10-1", "meta", dir, err, sizeof(err)));
	CHECK(strstr(err, "no kernel image"));
	TEST_CONTEXT_CLEAR();
}

static bool ends_with_tar(const char *p)
{
	size_t n = strlen(p);

	return n > 7 && !strcmp(p + n - 7, ".tar.xz");
}

static void test_source(struct deb_apt *a)
{
	struct deb_pkg p;
	char err[1024] = "", *work = xasprintf("%s/src", tmp), *tarball = NULL;

	CHECK_INT(0, deb_source_pick(a, "linux-source-7.3", &p, err, sizeof(err)));
	CHECK_STR("7.3.1-1~bpo13+1", p.version);
	CHECK_STR("new", p.suite);
	if (!CHECK_INT(0, deb_source_fetch(a, &p, work, &tarball, err, sizeof(err))))
		fprintf(stderr, "  %s\n", err);
	CHECK(tarball && ends_with_tar(tarball));
	CHECK(tarball && path_exists(tarball));
	free(tarball);
	free(work);
	deb_pkg_free(&p);
}

static void test_refresh(struct deb_apt *a)
{
	char err[1024] = "", *stamp = xasprintf("%s/apt/state/updated", tmp);
	struct stat st1, st2;

	CHECK_INT(0, stat(stamp, &st1));
	/* fresh lists: no update */
	CHECK_INT(0, deb_apt_refresh(a, 3600, err, sizeof(err)));
	CHECK_INT(0, stat(stamp, &st2));
	CHECK(st1.st_mtim.tv_sec == st2.st_mtim.tv_sec && st1.st_mtim.tv_nsec == st2.st_mtim.tv_nsec);
	/* max age 0: updated again */
	CHECK_INT(0, deb_apt_refresh(a, 0, err, sizeof(err)));
	CHECK_INT(0, stat(stamp, &st2));
	CHECK(st1.st_mtim.tv_sec != st2.st_mtim.tv_sec || st1.st_mtim.tv_nsec != st2.st_mtim.tv_nsec);
	free(stamp);
}

/* A source that does not exist and no lists yet: an error naming the suites. */
static void test_refresh_fails(void)
{
	char *sources = xasprintf("deb [trusted=yes arch=amd64] file://%s/nowhere gone main\n", tmp);
	char *dir = xasprintf("%s/apt-bad", tmp), err[1024] = "";
	struct deb_apt_conf c = { .dir = dir, .suites = "gone", .sources = sources };
	struct deb_apt *a = NULL;

	CHECK_INT(0, deb_apt_open(&c, &a, err, sizeof(err)));
	if (a) {
		CHECK(deb_apt_refresh(a, 0, err, sizeof(err)) < 0);
		CHECK(strstr(err, "apt-get update for suites gone"));
	}
	deb_apt_close(a);
	free(sources);
	free(dir);
}

/* The default configuration: the system keyring, no trusted=yes, the suites asked for; no network. */
static void test_default_sources(void)
{
	char *dir = xasprintf("%s/apt-default", tmp), *list = xasprintf("%s/etc/sources.list.d/mmstall.list", dir);
	char err[1024] = "";
	struct deb_apt_conf c = { .dir = dir };
	struct deb_apt *a = NULL;
	int ret;

	if (access(DEB_DEFAULT_KEYRING, R_OK)) {
		printf("skipped the default sources: no %s\n", DEB_DEFAULT_KEYRING);
		goto out;
	}
	unsetenv("MMSTALL_DEB_SUITES");
	setenv("MMSTALL_DEB_MIRROR", "http://mirror.example.org/debian", 1);
	ret = deb_apt_open(&c, &a, err, sizeof(err));
	if (!CHECK_INT(0, ret))
		fprintf(stderr, "  %s\n", err);
	CHECK(file_has(list, "signed-by=" DEB_DEFAULT_KEYRING "] http://mirror.example.org/debian bookworm main"));
	CHECK(file_has(list, "] http://mirror.example.org/debian sid main"));
	CHECK(file_has(list, "] http://mirror.example.org/debian trixie-backports main"));
	CHECK(file_has(list, "-security bookworm-security main"));
	CHECK(!file_has(list, "trusted"));
	CHECK(a && strstr(deb_apt_where(a), "bookworm, bookworm-security, trixie, trixie-security, trixie-backports, sid"));
	deb_apt_close(a);
	a = NULL;
	setenv("MMSTALL_DEB_SUITES", "sid,experimental", 1);
	CHECK_INT(0, deb_apt_open(&c, &a, err, sizeof(err)));
	CHECK(file_has(list, "debian experimental main"));
	CHECK(!file_has(list, "bookworm"));
	CHECK(a && strstr(deb_apt_where(a), "suites sid, experimental of http://mirror.example.org/debian"));
	deb_apt_close(a);
	a = NULL;
	setenv("MMSTALL_DEB_SUITES", " , ", 1);
	CHECK_INT(-EINVAL, deb_apt_open(&c, &a, err, sizeof(err)));
	CHECK(strstr(err, "MMSTALL_DEB_SUITES"));
	setenv("MMSTALL_DEB_SUITES", "sid", 1);
	setenv("MMSTALL_DEB_KEYRING", "/nonexistent/keyring.gpg", 1);
	CHECK_INT(-ENOENT, deb_apt_open(&c, &a, err, sizeof(err)));
	CHECK(strstr(err, "/nonexistent/keyring.gpg"));
	unsetenv("MMSTALL_DEB_SUITES");
	unsetenv("MMSTALL_DEB_MIRROR");
	unsetenv("MMSTALL_DEB_KEYRING");
out:
	free(dir);
	free(list);
}

static void guest_check(const char *label, const char *config, int expect, const char *needle)
{
	char *path = xasprintf("%s/cfg-%s", tmp, label), why[1024] = "";
	struct vm_kernel k = { .config = path, .image = "/x/bzImage" };

	snprintf(k.label, sizeof(k.label), "%s", label);
	puts_file(path, config);
	TEST_CONTEXT("guest check %s", label);
	CHECK_INT(expect, kernel_guest_check(&k, why, sizeof(why)));
	if (needle && !CHECK(strstr(why, needle)))
		fprintf(stderr, "  why: %s\n", why);
	if (expect)
		CHECK(!strncmp(why, "could not test: ", 16));
	TEST_CONTEXT_CLEAR();
	free(path);
}

static char *without(const char *config, const char *option)
{
	char *s = xstrdup(config), *p = strstr(s, option);
	size_t n = strcspn(p, "\n") + 1;

	memmove(p, p + n, strlen(p + n) + 1);
	return s;
}

static void test_guest_check(void)
{
	char *c;

	guest_check("full", config_full, 0, NULL);
	c = without(config_full, "CONFIG_DEVTMPFS=y");
	guest_check("nodevtmpfs", c, -ENOTSUP, "lacks CONFIG_DEVTMPFS=y (not set in");
	guest_check("nodevtmpfs", c, -ENOTSUP, "which the guest needs for /dev");
	free(c);
	c = without(config_full, "CONFIG_BLK_DEV_INITRD=y");
	guest_check("noinitrd", c, -ENOTSUP, "CONFIG_BLK_DEV_INITRD=y (not set in");
	free(c);
	c = without(config_full, "CONFIG_SERIAL_8250=y");
	c = xrealloc(c, strlen(c) + 32);
	strcat(c, "CONFIG_SERIAL_8250=m\n");
	guest_check("serialmod", c, -ENOTSUP, "CONFIG_SERIAL_8250=y (=m in");
	free(c);
	c = without(config_full, "CONFIG_CGROUPS=y");
	guest_check("nocgroups", c, -ENOTSUP, "cgroup2");
	free(c);
	c = without(config_full, "CONFIG_VIRTIO_BLK=m");
	guest_check("novirtio", c, -ENOTSUP, "lacks CONFIG_VIRTIO_BLK");
	free(c);
	/* no config at all: nothing to check, the boot tells */
	{
		struct vm_kernel k = { .image = "/x/bzImage" };
		char why[256] = "";

		CHECK_INT(0, kernel_guest_check(&k, why, sizeof(why)));
	}
}

int main(void)
{
	struct deb_apt *a;
	char err[1024] = "";
	uint64_t t0 = now_ns();
	static const char *const tools[] = { "dpkg-deb", "apt-get", "apt-cache", "depmod", "xz", "tar" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(tools); i++) {
		if (!have_program(tools[i])) {
			printf("skip: %s not found\n", tools[i]);
			return 77;
		}
	}
	snprintf(tmp, sizeof(tmp), "/tmp/mmstall-debtest.XXXXXX");
	if (!mkdtemp(tmp))
		return 1;
	{
		char *cache = xasprintf("%s/cache", tmp);

		setenv("MMSTALL_CACHE", cache, 1);
		free(cache);
	}
	test_versions();
	test_guest_check();
	test_default_sources();
	make_archive();
	a = open_fixture();
	CHECK(a);
	if (a) {
		if (!CHECK_INT(0, deb_apt_refresh(a, DEB_LISTS_MAX_AGE_S, err, sizeof(err))))
			fprintf(stderr, "refresh: %s\n", err);
		test_refresh(a);
		test_pick(a);
		test_unpack(a);
		test_source(a);
	}
	deb_apt_close(a);
	test_refresh_fails();
	rm_rf(tmp);
	printf("%.1f s\n", (now_ns() - t0) / 1e9);
	return test_summary();
}
