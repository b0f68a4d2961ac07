// SPDX-License-Identifier: GPL-2.0
/*
 * Building the guest's initramfs with the cpio tool (newc format).
 *
 * Modules are decompressed on the host: busybox insmod reads the file
 * itself and may not understand .ko.xz/.ko.zst.  The base archive is
 * uncompressed too: under TCG the guest decompressing a few MiB costs
 * more than QEMU copying them.
 */
#include "harness/vm/initramfs.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/util.h"
#include "harness/vm/host.h"
#include "harness/vm/kernel.h"
#include "harness/vm/protocol.h"

/* Bump when the base archive's layout changes: old cached ones are then ignored. */
#define BASE_LAYOUT 2	/* 2: virtio_rng among the modules */

/*
 * The guest's PID 1 (the guest end of harness/vm/PROTOCOL.md; every name,
 * mark and limit below comes from protocol.h).  Everything it learns goes
 * into /out, which is sent back as a tar on the results disk whatever
 * happened, then the machine powers off (if /init died instead, the kernel
 * would panic, and panic=-1 with -no-reboot ends QEMU too).
 *
 * The results go first and nothing waits on the data disk: it is attached
 * snapshot=on, its writes are thrown away, so it is never unmounted or
 * synced (with gigabytes dirty behind a throttled writeback cgroup that
 * took minutes); the archive is written with O_DIRECT and only the
 * results disk is flushed; poweroff -n does not sync.
 */
const char initramfs_init_run[] =
	"#!/bin/busybox sh\n"
	"/bin/busybox --install -s\n"
	"export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root\n"
	"mkdir -p /proc /sys /dev /tmp " GUEST_MOUNT_DATA " " GUEST_OUT_DIR " /run /root\n"
	"mount -t proc proc /proc\n"
	"mount -t sysfs sysfs /sys\n"
	"mount -t devtmpfs devtmpfs /dev\n"
	"exec </dev/console >/dev/console 2>&1\n"
	"say() { echo \"" GUEST_MARK_PREFIX "$*\"; }\n"
	"up() { cut -d' ' -f1 /proc/uptime; }\n"
	"fail() { say \"error: $*\"; echo \"$*\" >>" GUEST_OUT_DIR "/init_error; }\n"
	"echo \"" GUEST_T_INIT_START " $(up)\" >" GUEST_OUT_DIR "/timings\n"
	"mount -t cgroup2 cgroup2 /sys/fs/cgroup || fail 'cannot mount cgroup2 on /sys/fs/cgroup'\n"
	"[ -d /sys/kernel/tracing ] && mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null\n"
	"rel=$(cat /" GUEST_FILE_RELEASE ")\n"
	"while read -r m; do\n"
	"	[ -n \"$m\" ] && { insmod \"/lib/modules/$rel/$m\" || fail \"insmod $m failed\"; }\n"
	"done </" GUEST_FILE_MODULES "\n"
	"# Disks by virtio serial (PCI slot order is no promise).  Their driver probed\n"
	"# them before init (built in) or inside insmod (a module): the first look\n"
	"# finds them, and only a disk still missing is waited for, up to 5 s.\n"
	"find_disk() {\n"
	"	n=0\n"
	"	while :; do\n"
	"		for d in /sys/block/vd*; do\n"
	"			if [ \"$(cat $d/serial 2>/dev/null)\" = \"$1\" ] && [ -b /dev/${d##*/} ]; then\n"
	"				echo ${d##*/}; return 0\n"
	"			fi\n"
	"		done\n"
	"		n=$((n + 1)); [ $n -gt 100 ] && return 1\n"
	"		sleep 0.05\n"
	"	done\n"
	"}\n"
	"out=$(find_disk " GUEST_DISK_OUT ") || fail 'no results disk (virtio serial " GUEST_DISK_OUT ")'\n"
	"data=$(find_disk " GUEST_DISK_DATA ") || fail 'no data disk (virtio serial " GUEST_DISK_DATA ")'\n"
	"if [ -n \"$data\" ]; then\n"
	"	mount -t ext4 -o noatime /dev/$data " GUEST_MOUNT_DATA " || fail \"cannot mount /dev/$data on " GUEST_MOUNT_DATA "\"\n"
	"fi\n"
	"# fio and its libraries (mmstall vm attaches this disk only when the scenario uses fio)\n"
	"if [ -e /" GUEST_FILE_TOOLS " ]; then\n"
	"	tools=$(find_disk " GUEST_DISK_TOOLS ") || fail 'no tools disk (virtio serial " GUEST_DISK_TOOLS ")'\n"
	"	mkdir -p " GUEST_MOUNT_TOOLS "\n"
	"	if [ -n \"$tools\" ]; then\n"
	"		mount -t ext4 -o ro /dev/$tools " GUEST_MOUNT_TOOLS " || fail \"cannot mount /dev/$tools on " GUEST_MOUNT_TOOLS "\"\n"
	"	fi\n"
	"	export PATH=" GUEST_MOUNT_TOOLS "/bin:$PATH\n"
	"fi\n"
	"if [ ! -e " GUEST_OUT_DIR "/init_error ]; then\n"
	"	echo \"" GUEST_T_RUN_START " $(up)\" >>" GUEST_OUT_DIR "/timings\n"
	"	echo '" GUEST_MARK_RUN "'\n"
	"	{ sh /" GUEST_FILE_CMD " 2>&1 >" GUEST_OUT_DIR "/stdout.txt; echo $? >" GUEST_OUT_DIR "/exit_code; } | tee " GUEST_OUT_DIR "/stderr.txt\n"
	"	echo \"" GUEST_T_RUN_END " $(up)\" >>" GUEST_OUT_DIR "/timings\n"
	"	tail -c 65536 " GUEST_OUT_DIR "/stdout.txt\n"
	"	echo \"" GUEST_MARK_EXITED " with status $(cat " GUEST_OUT_DIR "/exit_code)\"\n"
	"fi\n"
	"# The archive of /out: the protocol's files first, in their order, then the\n"
	"# others, while they fit on the disk; what does not fit is named in 'dropped'.\n"
	"send() {\n"
	"	echo '" GUEST_MARK_SENDING "'\n"
	"	cd " GUEST_OUT_DIR " || return 1\n"
	"	for f in stderr.txt stdout.txt dmesg.txt init_error; do\n"
	"		if [ -f $f ] && [ $(stat -c %s $f) -gt " GUEST_STR(GUEST_OUT_LOG_TAIL) " ]; then\n"
	"			tail -c " GUEST_STR(GUEST_OUT_LOG_TAIL) " $f >/tmp/tail && mv /tmp/tail $f\n"
	"		fi\n"
	"	done\n"
	"	rm -f dropped /tmp/seen /tmp/send /tmp/dropped; touch /tmp/seen /tmp/send\n"
	"	left=$((" GUEST_STR(GUEST_OUT_DISK_BYTES) " - " GUEST_STR(GUEST_OUT_RESERVE_BYTES) "))\n"
	"	{ for f in " GUEST_OUT_NAMES "; do echo \"$f\"; done; find . -type f | sed 's|^\\./||'; } >/tmp/cand\n"
	"	while IFS= read -r f; do\n"
	"		[ -f \"$f\" ] && [ ! -L \"$f\" ] || continue\n"
	"		grep -qxF -e \"$f\" /tmp/seen && continue\n"
	"		echo \"$f\" >>/tmp/seen\n"
	"		sz=$(stat -c %s \"$f\") || continue\n"
	"		need=$((512 + (sz + 511) / 512 * 512))\n"
	"		[ ${#f} -gt 99 ] && need=$((need + 1024 + ${#f}))\n"
	"		if [ $need -le $left ]; then\n"
	"			left=$((left - need)); echo \"$f\" >>/tmp/send\n"
	"		else\n"
	"			echo \"$f $sz\" >>/tmp/dropped\n"
	"		fi\n"
	"	done </tmp/cand\n"
	"	if [ -s /tmp/dropped ]; then\n"
	"		head -c " GUEST_STR(GUEST_OUT_DROPPED_MAX) " /tmp/dropped >dropped; echo dropped >>/tmp/send\n"
	"		say \"results disk full: $(wc -l </tmp/dropped) files left out\"\n"
	"	fi\n"
	"	set --\n"
	"	while IFS= read -r f; do set -- \"$@\" \"./$f\"; done </tmp/send\n"
	"	set -o pipefail\n"
	"	# O_DIRECT: past the page cache, where dirty data of the data disk may\n"
	"	# throttle writers; fsync flushes this disk only\n"
	"	tar -cf - \"$@\" | dd of=/dev/$out bs=65536 iflag=fullblock oflag=direct conv=fsync 2>/tmp/dd ||\n"
	"		tar -cf - \"$@\" | dd of=/dev/$out bs=65536 conv=fsync 2>/tmp/dd\n"
	"}\n"
	"dmesg >" GUEST_OUT_DIR "/dmesg.txt\n"
	"echo \"" GUEST_T_TRANSFER " $(up)\" >>" GUEST_OUT_DIR "/timings\n"
	"if [ -n \"$out\" ]; then\n"
	"	send && echo '" GUEST_MARK_SENT "' || say \"error: cannot write the results disk: $(tail -n 1 /tmp/dd)\"\n"
	"fi\n"
	"echo '" GUEST_MARK_POWEROFF "'\n"
	"# -n: no sync(), which would wait for the data disk's dirty pages\n"
	"poweroff -f -n\n"
	"reboot -f -n\n"
	"say 'power off failed'\n";

const char initramfs_init_probe[] =
	"#!/bin/busybox sh\n"
	"/bin/busybox echo '" GUEST_MARK_PROBE "'\n"
	"/bin/busybox poweroff -f -n\n"
	"/bin/busybox reboot -f -n\n";

static bool elf_is_static(const char *path, int *err)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	int fd = open(path, O_RDONLY | O_CLOEXEC), i;
	bool ok = false;

	*err = 0;
	if (fd < 0) {
		*err = -errno;
		return false;
	}
	if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) || memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64) {
		*err = -ENOEXEC;
		goto out;
	}
	ok = true;
	/* a dynamic executable names its loader in PT_INTERP */
	for (i = 0; i < eh.e_phnum; i++) {
		if (pread(fd, &ph, sizeof(ph), eh.e_phoff + (off_t)i * eh.e_phentsize) != sizeof(ph))
			break;
		if (ph.p_type == PT_INTERP)
			ok = false;
	}
out:
	close(fd);
	return ok;
}

static int check_static(const char *path, const char *what, const char *fix, char *err, size_t errlen)
{
	int e;

	if (elf_is_static(path, &e))
		return 0;
	if (e)
		snprintf(err, errlen, "%s %s: %s; %s", what, path, strerror(-e), fix);
	else
		snprintf(err, errlen, "%s %s is dynamically linked, but the guest has no shared libraries; %s", what,
			 path, fix);
	return e ? e : -ENOEXEC;
}

static int find_busybox(char *out, size_t len, char *err, size_t errlen)
{
	static const char *const where[] = { "/bin/busybox", "/usr/bin/busybox", "/sbin/busybox" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(where); i++) {
		if (access(where[i], X_OK) == 0) {
			snprintf(out, len, "%s", where[i]);
			return check_static(out, "busybox", "apt-get install busybox-static", err, errlen);
		}
	}
	snprintf(err, errlen, "busybox not found: the guest's shell and tools come from it (apt-get install "
		 "busybox-static)");
	return -ENOENT;
}

/* The static mmstall: the build's, else the one beside us, else ourselves if static. */
static int guest_binary(char *out, size_t len, char *err, size_t errlen)
{
	char self[PATH_MAX], *slash;
	ssize_t n;
	int e;

#ifdef MMSTALL_STATIC_PATH
	if (path_exists(MMSTALL_STATIC_PATH)) {
		snprintf(out, len, "%s", MMSTALL_STATIC_PATH);
		return check_static(out, "guest binary", "rebuild mmstall-static", err, errlen);
	}
#endif
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0) {
		snprintf(err, errlen, "cannot find the running mmstall (/proc/self/exe): %s", strerror(errno));
		return -errno;
	}
	self[n] = '\0';
	/* running the static build itself (e.g. copied to another machine) */
	if (elf_is_static(self, &e)) {
		snprintf(out, len, "%s", self);
		return 0;
	}
	slash = strrchr(self, '/');
	snprintf(out, len, "%.*s/mmstall-static", slash ? (int)(slash - self) : 1, slash ? self : ".");
	if (!path_exists(out)) {
		snprintf(err, errlen, "the static mmstall for the guest was not found (%s); build it with the default "
			 "CMake option MMSTALL_STATIC_GUEST=ON (it needs libjansson.a, libcgroup.a, liburing.a)", out);
		return -ENOENT;
	}
	return check_static(out, "guest binary", "rebuild mmstall-static", err, errlen);
}

int initramfs_check(char *guest_bin, size_t len, char *err, size_t errlen)
{
	char bb[PATH_MAX];
	int ret = find_busybox(bb, sizeof(bb), err, errlen);

	return ret ? ret : guest_binary(guest_bin, len, err, errlen);
}

/* ---- writing archives ---- */

static char **entries;
static size_t nr_entries;
static size_t stage_prefix;

static int collect(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	if (!ftw->level)
		return 0;
	entries = xrealloc(entries, (nr_entries + 1) * sizeof(char *));
	entries[nr_entries++] = xstrdup(path + stage_prefix + 1);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_entries(void)
{
	size_t i;

	for (i = 0; i < nr_entries; i++)
		free(entries[i]);
	free(entries);
	entries = NULL;
	nr_entries = 0;
}

/* The file list cpio reads: sorted, so parents come first and output is stable. */
static int write_list(const char *stage, const char *list)
{
	FILE *f;
	size_t i;
	int ret = 0;

	stage_prefix = strlen(stage);
	if (nftw(stage, collect, 16, FTW_PHYS)) {
		free_entries();
		return -ENOMEM;
	}
	qsort(entries, nr_entries, sizeof(char *), cmp_str);
	f = fopen(list, "we");
	if (!f) {
		ret = -errno;
	} else {
		for (i = 0; i < nr_entries; i++)
			fprintf(f, "%s\n", entries[i]);
		if (fclose(f))
			ret = -errno;
	}
	free_entries();
	return ret;
}

/* cpio -o -H newc of the tree at stage into out (created, truncated). */
static int make_cpio(const char *stage, const char *out, char *err, size_t errlen)
{
	char list[PATH_MAX];
	char *argv[] = { "cpio", "-o", "-H", "newc", "-R", "0:0", "--quiet", NULL };
	int in, ofd, ret;

	if (snprintf(list, sizeof(list), "%s.list", stage) >= (int)sizeof(list))
		return -ENAMETOOLONG;
	ret = write_list(stage, list);
	if (ret) {
		snprintf(err, errlen, "cannot write %s: %s", list, strerror(-ret));
		return ret;
	}
	in = open(list, O_RDONLY | O_CLOEXEC);
	ofd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (in < 0 || ofd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot create %s: %s", in < 0 ? list : out, strerror(errno));
	} else {
		ret = proc_run(argv, stage, in, ofd, -2);
		if (ret < 0 && ret != -EINTR)
			snprintf(err, errlen, "cannot run cpio (%s): it packs the guest's initramfs (apt-get install "
				 "cpio)", strerror(-ret));
		else if (ret > 0)
			snprintf(err, errlen, "cpio failed (exit status %d) packing %s into %s", ret, stage, out);
		if (!ret && fsync(ofd) < 0) {
			ret = -errno;
			snprintf(err, errlen, "cannot write %s: %s", out, strerror(errno));
		}
	}
	if (in >= 0)
		close(in);
	if (ofd >= 0 && close(ofd) < 0 && !ret) {
		ret = -errno;
		snprintf(err, errlen, "cannot write %s: %s", out, strerror(errno));
	}
	unlink(list);
	return ret < 0 ? ret : (ret ? -EIO : 0);
}

static int mkdirs(const char *stage, const char *const *dirs)
{
	char p[PATH_MAX];
	int ret;

	for (; *dirs; dirs++) {
		ret = path_fmt(p, sizeof(p), "%s/%s", stage, *dirs);
		if (!ret)
			ret = mkdir_p(p, 0755);
		if (ret)
			return ret;
	}
	return 0;
}

static const char *compressor(const char *name, size_t *suffix)
{
	static const struct {
		const char *suffix, *tool, *package;
	} z[] = {
		{ ".xz", "xz", "xz-utils" },
		{ ".zst", "zstd", "zstd" },
		{ ".gz", "gzip", "gzip" },
	};
	size_t n = strlen(name), i;

	for (i = 0; i < ARRAY_SIZE(z); i++) {
		size_t s = strlen(z[i].suffix);

		if (n > s && !strcmp(name + n - s, z[i].suffix)) {
			*suffix = s;
			return z[i].tool;
		}
	}
	*suffix = 0;
	return NULL;
}

/* Copy one module into the stage, decompressed; *dst_rel gets its path in the guest. */
static int stage_module(const struct vm_kernel *k, const char *stage, const char *rel, char *dst_rel,
			size_t len, char *err, size_t errlen)
{
	char src[PATH_MAX], dst[PATH_MAX], *slash;
	size_t suffix;
	const char *tool = compressor(rel, &suffix);
	int ret, fd;

	if (path_fmt(src, sizeof(src), "%s/%s", k->modules_dir, rel) ||
	    path_fmt(dst_rel, len, "%.*s", (int)(strlen(rel) - suffix), rel) ||
	    path_fmt(dst, sizeof(dst), "%s/lib/modules/%s/%s", stage, k->release, dst_rel))
		return -ENAMETOOLONG;
	slash = strrchr(dst, '/');
	*slash = '\0';
	ret = mkdir_p(dst, 0755);
	*slash = '/';
	if (ret)
		return ret;
	if (!tool)
		return copy_file(src, dst, false, false);
	fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	{
		char *argv[] = { (char *)tool, "-dc", src, NULL };

		ret = proc_run(argv, NULL, -1, fd, -2);
	}
	close(fd);
	if (ret < 0 && ret != -EINTR)
		snprintf(err, errlen, "cannot run %s (%s): kernel %s's modules are compressed with it (apt-get "
			 "install %s)", tool, strerror(-ret), k->label, !strcmp(tool, "xz") ? "xz-utils" : tool);
	else if (ret > 0)
		snprintf(err, errlen, "%s -dc %s failed (exit status %d)", tool, src, ret);
	return ret < 0 ? ret : (ret ? -EIO : 0);
}

static int stage_modules(const struct vm_kernel *k, const char *stage, char *err, size_t errlen)
{
	char path[PATH_MAX], rel[PATH_MAX], **mods = NULL;
	FILE *f;
	size_t i;
	int ret;

	ret = kernel_guest_modules(k, &mods, err, errlen);
	if (ret)
		return ret;
	f = path_fmt(path, sizeof(path), "%s/etc/mmstall/modules", stage) ? NULL : fopen(path, "we");
	if (!f) {
		kernel_modules_free(mods);
		return -errno;
	}
	for (i = 0; mods[i] && !ret; i++) {
		ret = stage_module(k, stage, mods[i], rel, sizeof(rel), err, errlen);
		if (!ret)
			fprintf(f, "%s\n", rel);
	}
	if (fclose(f) && !ret)
		ret = -errno;
	kernel_modules_free(mods);
	return ret;
}

static int stage_file(const char *stage, const char *name, const char *data, mode_t mode)
{
	char p[PATH_MAX];
	size_t len = strlen(data);
	int fd, ret = 0;
	ssize_t w;

	if (path_fmt(p, sizeof(p), "%s/%s", stage, name))
		return -ENAMETOOLONG;
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	w = write(fd, data, len);
	if (w != (ssize_t)len)
		ret = w < 0 ? -errno : -EIO;
	if (close(fd) < 0 && !ret)
		ret = -errno;
	return ret;
}

static int stage_base(const struct vm_kernel *k, const char *stage, const char *busybox,
		      const char *guest_bin, char *err, size_t errlen)
{
	static const char *const dirs[] = {
		"bin", "sbin", "usr/bin", "usr/sbin", "etc/mmstall", "boot", "proc", "sys", "dev", "tmp", "run",
		"root", "data", "out", "lib/modules", NULL,
	};
	char p[PATH_MAX];
	int ret;

	ret = mkdirs(stage, dirs);
	if (ret)
		return ret;
	ret = path_fmt(p, sizeof(p), "%s/bin/busybox", stage);
	if (!ret)
		ret = copy_file(busybox, p, true, false);
	if (!ret)
		ret = path_fmt(p, sizeof(p), "%s/bin/mmstall", stage);
	if (!ret)
		ret = copy_file(guest_bin, p, true, false);
	if (!ret && k->config) {
		ret = path_fmt(p, sizeof(p), "%s/boot/config", stage);
		if (!ret)
			ret = copy_file(k->config, p, false, false);
	}
	if (!ret) {
		snprintf(p, sizeof(p), "%s\n", k->release);
		ret = stage_file(stage, "etc/mmstall/release", p, 0644);
	}
	if (!ret)
		ret = stage_modules(k, stage, err, errlen);
	return ret;
}

/* Other base archives of the same kernel were made for older binaries: drop them. */
static void prune_old(const char *dir, const char *id, const char *keep)
{
	char pat[PATH_MAX];
	glob_t g;
	size_t i;

	snprintf(pat, sizeof(pat), "%s/%s-*.cpio", dir, id);
	if (glob(pat, GLOB_NOSORT, NULL, &g))
		return;
	for (i = 0; i < g.gl_pathc; i++)
		if (strcmp(g.gl_pathv[i], keep))
			unlink(g.gl_pathv[i]);
	globfree(&g);
}

static int base_name(const struct vm_kernel *k, const char *busybox, const char *guest_bin, char **dir,
		     char **path)
{
	uint64_t h = HASH_INIT;
	char layout[16];
	int ret;

	snprintf(layout, sizeof(layout), "layout%d", BASE_LAYOUT);
	hash_str(layout, &h);
	hash_str(k->id, &h);
	ret = hash_file(guest_bin, &h);
	if (!ret)
		ret = hash_file(busybox, &h);
	if (ret)
		return ret;
	*dir = xasprintf("%s/initramfs", cache_dir());
	*path = xasprintf("%s/%s-%016llx.cpio", *dir, k->id, (unsigned long long)h);
	return 0;
}

int initramfs_base(const struct vm_kernel *k, const char *guest_bin, const char *workdir, char **path_out,
		   int *built, char *err, size_t errlen)
{
	char busybox[PATH_MAX], stage[PATH_MAX], tmp[PATH_MAX + 32], *dir = NULL, *path = NULL;
	int ret;

	*built = 0;
	err[0] = '\0';
	ret = find_busybox(busybox, sizeof(busybox), err, errlen);
	if (ret)
		return ret;
	ret = base_name(k, busybox, guest_bin, &dir, &path);
	if (ret) {
		snprintf(err, errlen, "cannot read %s or %s: %s", guest_bin, busybox, strerror(-ret));
		return ret;
	}
	if (path_exists(path)) {
		free(dir);
		*path_out = path;
		return 0;
	}
	*built = 1;
	msg_info("[%s] building initramfs", k->label);
	snprintf(stage, sizeof(stage), "%s/base", workdir);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	ret = mkdir_p(dir, 0755);
	if (!ret)
		ret = stage_base(k, stage, busybox, guest_bin, err, errlen);
	if (!ret)
		ret = make_cpio(stage, tmp, err, errlen);
	if (!ret && rename(tmp, path) < 0)
		ret = -errno;
	if (ret) {
		unlink(tmp);
		if (ret != -EINTR && (!err[0] || ret == -ENOSPC))
			snprintf(err, errlen, "cannot build the initramfs %s (staged in %s): %s%s", path, stage,
				 strerror(-ret), ret == -ENOSPC ? " (disk full: free space or set MMSTALL_CACHE)" : "");
	} else {
		prune_old(dir, k->id, path);
	}
	rm_rf(stage);
	free(dir);
	if (ret) {
		free(path);
		return ret;
	}
	*path_out = path;
	return 0;
}

int initramfs_compose(const char *base, const char *workdir, const struct initramfs_file *files, size_t n,
		      const char *out, char *err, size_t errlen)
{
	static const char *const dirs[] = { "etc/mmstall", NULL };
	char stage[PATH_MAX], cpio[PATH_MAX];
	size_t i;
	int ret;

	snprintf(stage, sizeof(stage), "%s/run-stage", workdir);
	snprintf(cpio, sizeof(cpio), "%s/run.cpio", workdir);
	rm_rf(stage);
	ret = mkdirs(stage, dirs);
	for (i = 0; i < n && !ret; i++) {
		const char *slash = strrchr(files[i].name, '/');
		char parent[PATH_MAX];

		/* files elsewhere than etc/mmstall (a scenario's fio job file) need their directories */
		if (slash) {
			ret = path_fmt(parent, sizeof(parent), "%s/%.*s", stage, (int)(slash - files[i].name),
				      files[i].name);
			if (!ret)
				ret = mkdir_p(parent, 0755);
		}
		if (!ret)
			ret = stage_file(stage, files[i].name, files[i].data, files[i].mode);
	}
	if (ret)
		snprintf(err, errlen, "cannot stage the run's initramfs files in %s: %s", stage, strerror(-ret));
	if (!ret)
		ret = make_cpio(stage, cpio, err, errlen);
	/* later archives win: /init and /etc/mmstall/cmd come from the run's */
	if (!ret && (ret = copy_file(base, out, false, false)))
		snprintf(err, errlen, "cannot copy %s to %s: %s", base, out, strerror(-ret));
	if (!ret && (ret = copy_file(cpio, out, false, true)))
		snprintf(err, errlen, "cannot write %s: %s", out, strerror(-ret));
	rm_rf(stage);
	unlink(cpio);
	return ret;
}
