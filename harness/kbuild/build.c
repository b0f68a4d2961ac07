// SPDX-License-Identifier: GPL-2.0
/*
 * 'mmstall kernel build': source -> private work tree -> patches -> config
 * (allnoconfig + fragment + olddefconfig, checked) -> bzImage -> cache.
 *
 * Each step's commands write to one log file; the terminal gets a status
 * line (step, elapsed, the last line make printed) when it is a tty, and a
 * line per step when it is not.  A failure names the step and the log.
 * See kbuild.h for the cache layout and why the work tree is a git tree.
 */
#include "harness/kbuild/build.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/kernel/kconfig.h"
#include "harness/kernel/debian.h"
#include "harness/kernel/image.h"
#include "harness/util.h"
#include "harness/proc.h"
#include "harness/progress.h"
#include "version.h"

/* Bump when a build's inputs change meaning (make flags, steps): new keys. */
#define KB_LAYOUT 2
#define KB_ARCH "x86_64"

enum src_kind { SRC_DIR, SRC_GIT, SRC_TAR, SRC_DEB };
static const char *const src_kind_name[] = { "dir", "git", "tarball", "deb" };

struct build {
	const struct kb_build_opts *o;
	enum src_kind kind;
	char *origin;		/* realpath of the directory, repository or tarball; deb: package=version */
	char *identity;		/* what was built: "git:<commit>", "dir:<hash>", "tar:<hash>", "deb:pkg=ver" */
	char *deb_pkg, *deb_ver, *deb_suite;
	char *commit;		/* git: HEAD of the source */
	char *tarball;		/* tarball: its absolute path */
	char tree_id[17], key[17], frag_hash[17], config_hash[17];
	char *tree, *src, *obj, *log_path, *fragment_text;
	char fragment[PATH_MAX];	/* absolute: merge_config.sh runs in the work tree */
	off_t failed_cmd_at;	/* where the log's failed command begins; -1: no command failed (b->err says all) */
	char base[64];		/* the work tree's base commit */
	struct kb_fragment frag;
	struct kb_patchset ps;
	int log_fd;
	bool tty;
	/* progress */
	const char *step;
	uint64_t t0, step_t0, last_draw;
	json_t *steps;		/* {"step": seconds} */
	char err[KB_ERR_LEN];
};

/* ---- progress ---- */

static void fmt_elapsed(char *buf, size_t len, uint64_t ns)
{
	unsigned s = ns / NSEC_PER_SEC;

	snprintf(buf, len, "%u:%02u", s / 60, s % 60);
}

/* The last line of the log (what make is doing now), cut to fit. */
static void log_tail(const struct build *b, char *buf, size_t len)
{
	char tail[512];
	ssize_t n;
	off_t end = lseek(b->log_fd, 0, SEEK_END);
	char *e, *s;

	buf[0] = '\0';
	n = pread(b->log_fd, tail, sizeof(tail) - 1, end > (off_t)sizeof(tail) - 1 ? end - (off_t)sizeof(tail) + 1 : 0);
	if (n <= 0)
		return;
	tail[n] = '\0';
	for (e = tail + n; e > tail && (e[-1] == '\n' || e[-1] == ' '); e--)
		*(e - 1) = '\0';
	s = strrchr(tail, '\n');
	s = s ? s + 1 : tail;
	while (*s == ' ')
		s++;
	snprintf(buf, len, "%.50s", s);
}

static void draw(struct build *b, bool force)
{
	char el[16], tot[16], last[64];
	uint64_t now = now_ns();

	if (!b->tty || (!force && now - b->last_draw < 500 * NSEC_PER_MSEC))
		return;
	b->last_draw = now;
	fmt_elapsed(el, sizeof(el), now - b->step_t0);
	fmt_elapsed(tot, sizeof(tot), now - b->t0);
	log_tail(b, last, sizeof(last));
	progress_show("[%s] %-8s %s (total %s)  %s", b->o->label, b->step, el, tot, last);
}

static void tick(void *arg)
{
	draw(arg, false);
}

static void step_begin(struct build *b, const char *step)
{
	char line[256];
	int n;

	b->step = step;
	b->step_t0 = now_ns();
	n = snprintf(line, sizeof(line), "\n==> %s\n", step);
	if (write(b->log_fd, line, n) < 0)
		msg_debug("cannot write to %s: %s", b->log_path, strerror(errno));
	if (b->tty)
		draw(b, true);
	else
		msg_info("[%s] %s ...", b->o->label, step);
}

static void step_end(struct build *b)
{
	double s = (now_ns() - b->step_t0) / 1e9;

	json_object_set_new(b->steps, b->step, json_real(s));
	progress_done();
	msg_info("[%s] %s done in %.1f s", b->o->label, b->step, s);
}

/* ---- running commands into the log ---- */

static void log_cmd(struct build *b, char *const argv[], const char *cwd)
{
	struct kb_strv line = { 0 };
	size_t i;

	kb_strv_pushf(&line, "$%s%s%s", cwd ? " cd " : "", cwd ? cwd : "", cwd ? " &&" : "");
	for (i = 0; argv[i]; i++)
		kb_strv_pushf(&line, " %s", argv[i]);
	kb_strv_push(&line, "\n");
	for (i = 0; i < line.n; i++)
		if (write(b->log_fd, line.v[i], strlen(line.v[i])) < 0)
			break;
	kb_strv_free(&line);
}

/* Run argv with its output in the log; 0, or -EIO with b->err saying what failed. */
static int run_logged(struct build *b, char *const argv[], const char *cwd)
{
	struct proc_child c = { .argv = argv, .cwd = cwd, .in_fd = -1, .out_fd = b->log_fd, .err_fd = b->log_fd };
	off_t at = lseek(b->log_fd, 0, SEEK_END);
	pid_t pid;
	int ret;

	log_cmd(b, argv, cwd);
	ret = proc_spawn(&c, &pid);
	if (!ret)
		ret = proc_wait(pid, 0, tick, b);
	if (ret == -EINTR)
		snprintf(b->err, sizeof(b->err), "interrupted");
	else if (ret < 0)
		snprintf(b->err, sizeof(b->err), "cannot run %s: %s", argv[0], strerror(-ret));
	else if (ret)
		snprintf(b->err, sizeof(b->err), "%s exited with status %d", argv[0], ret);
	/* its lines are where report_failure() looks for the error */
	b->failed_cmd_at = ret && at >= 0 ? at : -1;
	return ret < 0 ? ret : ret ? -EIO : 0;
}

/* ---- the source ---- */

static bool has_suffix(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

static bool is_tarball(const char *p)
{
	static const char *const ext[] = { ".tar", ".tar.xz", ".tar.gz", ".tgz", ".tar.bz2", ".tar.zst" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ext); i++)
		if (has_suffix(p, ext[i]))
			return true;
	return false;
}

static int resolve_deb(struct build *b, const char *pkg)
{
	struct deb_apt_conf c = { 0 };
	struct deb_apt *a = NULL;
	struct deb_pkg p;
	char why[768] = "";
	int ret;

	if (strncmp(pkg, "linux-source-", 13) || strchr(pkg, '/')) {
		snprintf(b->err, sizeof(b->err),
			 "--source deb:%s: expected Debian's kernel source package, deb:linux-source-X.Y (e.g. "
			 "deb:linux-source-6.1, deb:linux-source-7.3)", pkg);
		return -EINVAL;
	}
	ret = deb_apt_open(&c, &a, why, sizeof(why));
	if (!ret)
		ret = deb_apt_refresh(a, DEB_LISTS_MAX_AGE_S, why, sizeof(why));
	if (!ret)
		ret = deb_source_pick(a, pkg, &p, why, sizeof(why));
	deb_apt_close(a);
	if (ret) {
		snprintf(b->err, sizeof(b->err), "--source deb:%s: %s", pkg, why[0] ? why : strerror(-ret));
		return ret;
	}
	b->deb_pkg = p.name;
	b->deb_ver = p.version;
	b->deb_suite = p.suite;
	b->identity = xasprintf("deb:%s=%s", b->deb_pkg, b->deb_ver);
	b->origin = xstrdup(b->identity);
	b->kind = SRC_DEB;
	return 0;
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A plain directory's identity: its files' names, sizes and mtimes (sorted). */
static int dir_identity(struct build *b)
{
	char *argv[] = { "find", b->origin, "-path", "*/.git", "-prune", "-o", "-type", "f",
			 "-printf", "%P %s %T@\\n", NULL };
	struct kb_strv lines = { 0 };
	char *out = NULL, *line, *save = NULL, hex[17];
	uint64_t h = HASH_INIT;
	size_t i;
	int ret = proc_capture(argv, NULL, &out, NULL);

	if (ret) {
		snprintf(b->err, sizeof(b->err), "cannot list the files of %s (find: %s)", b->origin,
			 ret < 0 ? strerror(-ret) : "failed");
		free(out);
		return ret < 0 ? ret : -EIO;
	}
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		kb_strv_push(&lines, line);
	qsort(lines.v, lines.n, sizeof(char *), cmp_line);
	for (i = 0; i < lines.n; i++)
		hash_str(lines.v[i], &h);
	kb_hash_hex(h, hex);
	b->identity = xasprintf("dir:%s", hex);
	kb_strv_free(&lines);
	free(out);
	return 0;
}

static int resolve_git(struct build *b)
{
	static const char *const head[] = { "rev-parse", "--verify", "HEAD", NULL };
	static const char *const dirty[] = { "status", "--porcelain", "--untracked-files=no", NULL };
	char *out = NULL;
	int ret = kb_git(b->origin, &out, NULL, head);

	if (ret) {
		snprintf(b->err, sizeof(b->err), "--source %s: a git tree without a commit to build (git rev-parse "
			 "HEAD failed)", b->o->source);
		free(out);
		return -EINVAL;
	}
	b->commit = xasprintf("%.*s", (int)strcspn(out, "\n"), out);
	b->identity = xasprintf("git:%s", b->commit);
	free(out);
	out = NULL;
	if (!kb_git(b->origin, &out, NULL, dirty) && out[0])
		msg_warn("%s has uncommitted changes: they are not built; mmstall builds the commit HEAD (%.12s)",
			 b->origin, b->commit);
	free(out);
	b->kind = SRC_GIT;
	return 0;
}

static int resolve_source(struct build *b)
{
	const char *src = b->o->source;
	char real[PATH_MAX], *p;
	uint64_t h = HASH_INIT;
	int ret;

	if (!strncmp(src, "deb:", 4))
		return resolve_deb(b, src + 4);
	if (!realpath(src, real)) {
		snprintf(b->err, sizeof(b->err),
			 "--source %s: %s; expected a kernel source directory, a git tree, a tarball "
			 "(.tar.xz, .tar.gz, ...) or deb:linux-source-X.Y", src, strerror(errno));
		return -ENOENT;
	}
	b->origin = xstrdup(real);
	if (!is_dir(real)) {
		if (!is_tarball(real)) {
			snprintf(b->err, sizeof(b->err),
				 "--source %s: not a directory nor a tarball (.tar, .tar.xz, .tar.gz, .tgz, "
				 ".tar.bz2, .tar.zst)", src);
			return -EINVAL;
		}
		ret = hash_file(real, &h);
		if (ret) {
			snprintf(b->err, sizeof(b->err), "cannot read %s: %s", real, strerror(-ret));
			return ret;
		}
		b->tarball = xstrdup(real);
		kb_hash_hex(h, real);
		b->identity = xasprintf("tar:%s", real);
		free(b->origin);
		b->origin = xstrdup(b->identity);
		b->kind = SRC_TAR;
		return 0;
	}
	p = xasprintf("%s/Kconfig", real);
	ret = path_exists(p) ? 0 : -EINVAL;
	free(p);
	if (ret) {
		snprintf(b->err, sizeof(b->err), "--source %s: not a kernel source tree (no Kconfig at its top)", src);
		return ret;
	}
	p = xasprintf("%s/.git", real);
	ret = path_exists(p);
	free(p);
	if (ret)
		return resolve_git(b);
	b->kind = SRC_DIR;
	return dir_identity(b);
}

/* ---- keys, paths ---- */

static void hash_hex_of(const char *const *parts, char *hex)
{
	uint64_t h = HASH_INIT;

	for (; *parts; parts++) {
		hash_str(*parts, &h);
		hash_str("\n", &h);
	}
	kb_hash_hex(h, hex);
}

static int setup_paths(struct build *b)
{
	char layout[16], dir[PATH_MAX];
	const char *patches = b->ps.kind ? b->ps.identity : "none";
	int ret;

	snprintf(layout, sizeof(layout), "%d", KB_LAYOUT);
	{
		const char *const t[] = { src_kind_name[b->kind], b->origin, NULL };
		const char *const k[] = { layout, KB_ARCH, b->identity, patches, b->frag_hash, NULL };

		hash_hex_of(t, b->tree_id);
		hash_hex_of(k, b->key);
	}
	ret = builds_path(dir, sizeof(dir), "trees/%s", b->tree_id);
	if (ret)
		return ret;
	b->tree = xstrdup(dir);
	b->src = xasprintf("%s/src", dir);
	b->obj = xasprintf("%s/obj-%s", dir, b->frag_hash);
	return 0;
}

static int read_fragment(struct build *b)
{
	uint64_t h = HASH_INIT;
	int ret = realpath(b->o->fragment, b->fragment) ? 0 : -errno;

	if (!ret)
		ret = read_file(b->fragment, &b->fragment_text, NULL);
	if (ret) {
		snprintf(b->err, sizeof(b->err), "cannot read the config fragment %s: %s%s", b->o->fragment,
			 strerror(-ret), getenv("MMSTALL_FRAGMENT") ? " (from MMSTALL_FRAGMENT)" :
			 " (give one with --fragment FILE)");
		return ret;
	}
	ret = kb_fragment_parse(b->fragment_text, b->o->fragment, &b->frag, b->err, sizeof(b->err));
	hash_str(b->fragment_text, &h);
	kb_hash_hex(h, b->frag_hash);
	return ret;
}

/* ---- the steps ---- */

/* The work tree's record: origin, kind, base commit and identity it holds. */
static int write_tree_info(struct build *b)
{
	char *p = xasprintf("%s/info.json", b->tree), *s;
	json_t *o = json_pack("{s:s,s:s,s:s,s:s}", "origin", b->origin, "kind", src_kind_name[b->kind], "base",
			      b->base, "identity", b->identity);
	int ret;

	s = json_dumps(o, JSON_INDENT(2));
	ret = s ? write_file_atomic(p, s, strlen(s)) : -ENOMEM;
	free(s);
	free(p);
	json_decref(o);
	return ret;
}

/* What the work tree held last time ("" if nothing yet). */
static void read_tree_info(struct build *b, char *identity, size_t len)
{
	char *p = xasprintf("%s/info.json", b->tree);
	json_t *o = json_load_file(p, 0, NULL);

	identity[0] = '\0';
	if (o) {
		snprintf(b->base, sizeof(b->base), "%s", json_string_value(json_object_get(o, "base")) ?: "");
		snprintf(identity, len, "%s", json_string_value(json_object_get(o, "identity")) ?: "");
	}
	json_decref(o);
	free(p);
}

/* Unpack a tarball into dir (its single top directory stripped). */
static int untar(struct build *b, const char *tarball, const char *dir)
{
	char *argv[] = { "tar", "-x", "-f", (char *)tarball, "-C", (char *)dir, "--strip-components=1", NULL };
	char *mk;
	int ret = run_logged(b, argv, NULL);

	mk = xasprintf("%s/Kconfig", dir);
	if (!ret && !path_exists(mk)) {
		snprintf(b->err, sizeof(b->err), "%s holds no kernel source tree (no Kconfig at its top)", tarball);
		ret = -EINVAL;
	}
	free(mk);
	return ret;
}

/* The source package through harness/kernel/debian.h, then its tarball as any other. */
static int fetch_deb(struct build *b, const char *tmp, const char *dest)
{
	struct deb_pkg p = { .name = b->deb_pkg, .version = b->deb_ver, .suite = b->deb_suite };
	struct deb_apt_conf c = { 0 };
	struct deb_apt *a = NULL;
	char *tarball = NULL, line[256];
	int ret, n;

	n = snprintf(line, sizeof(line), "$ (apt) download and unpack %s=%s from %s\n", p.name, p.version,
		     p.suite ? p.suite : "?");
	if (write(b->log_fd, line, n) < 0)
		msg_debug("cannot write to %s: %s", b->log_path, strerror(errno));
	ret = deb_apt_open(&c, &a, b->err, sizeof(b->err));
	if (!ret)
		ret = deb_source_fetch(a, &p, tmp, &tarball, b->err, sizeof(b->err));
	deb_apt_close(a);
	if (!ret)
		ret = untar(b, tarball, dest);
	free(tarball);
	return ret;
}

/* A new work tree: fetch or copy the source into src.tmp, import it, rename into place. */
static int step_fetch(struct build *b)
{
	char *tmp = xasprintf("%s/fetch.tmp", b->tree), *dest = xasprintf("%s/src.tmp", b->tree);
	int ret;

	rm_rf(tmp);
	rm_rf(dest);
	ret = mkdir_p(b->kind == SRC_GIT ? tmp : dest, 0755);
	if (ret) {
		snprintf(b->err, sizeof(b->err), "cannot create %s: %s", dest, strerror(-ret));
		goto out;
	}
	step_begin(b, b->kind == SRC_DIR ? "init" : b->kind == SRC_GIT ? "clone" : "fetch");
	if (b->kind == SRC_DEB) {
		ret = fetch_deb(b, tmp, dest);
	} else if (b->kind == SRC_TAR) {
		ret = untar(b, b->tarball, dest);
	} else if (b->kind == SRC_GIT) {
		/* --shared: the objects stay in the user's repository; nothing is written there */
		char *argv[] = { "git", "clone", "-q", "--shared", "--no-checkout", b->origin, dest, NULL };

		ret = run_logged(b, argv, NULL);
	}
	if (ret)
		goto out;
	step_end(b);
	if (b->kind != SRC_GIT && b->kind != SRC_DIR) {
		step_begin(b, "import");
		ret = kb_tree_import(dest, b->base, sizeof(b->base), b->err, sizeof(b->err));
		if (ret)
			goto out;
		step_end(b);
	} else if (b->kind == SRC_DIR) {
		char *argv[] = { "git", "init", "-q", dest, NULL };

		ret = run_logged(b, argv, NULL);
		if (ret)
			goto out;
	}
	if (rename(dest, b->src) < 0) {
		ret = -errno;
		snprintf(b->err, sizeof(b->err), "cannot rename %s to %s: %s", dest, b->src, strerror(errno));
		goto out;
	}
	/* a git or directory tree gets its base (and record) from step_tree() / sync_dir() */
	if (b->kind == SRC_TAR || b->kind == SRC_DEB)
		ret = write_tree_info(b);
out:
	rm_rf(tmp);
	rm_rf(dest);
	free(tmp);
	free(dest);
	return ret;
}

/*
 * A plain directory whose content changed: copy what differs (by content,
 * so changed files get a new mtime and make rebuilds them) and commit.
 */
static int sync_dir(struct build *b)
{
	char *from = xasprintf("%s/", b->origin), *to = xasprintf("%s/", b->src);
	char *argv[] = { "rsync", "-rlpD", "--checksum", "--delete", "--exclude=/.git", from, to, NULL };
	int ret;

	step_begin(b, "sync");
	if (b->base[0] && (ret = kb_tree_reset(b->src, b->base, b->err, sizeof(b->err))))
		goto out;
	ret = run_logged(b, argv, NULL);
	if (ret && ret != -EINTR && !have_program("rsync"))
		snprintf(b->err, sizeof(b->err),
			 "rsync not found: it copies a source directory (apt-get install rsync)");
	if (!ret)
		ret = kb_tree_import(b->src, b->base, sizeof(b->base), b->err, sizeof(b->err));
	if (!ret)
		ret = write_tree_info(b);
	if (!ret)
		step_end(b);
out:
	free(from);
	free(to);
	return ret;
}

static int step_tree(struct build *b)
{
	char held[128];
	int ret;

	if (!is_dir(b->src)) {
		ret = step_fetch(b);
		if (ret)
			return ret;
	}
	read_tree_info(b, held, sizeof(held));
	if (b->kind == SRC_DIR && strcmp(held, b->identity)) {
		ret = sync_dir(b);
		if (ret)
			return ret;
	}
	if (b->kind == SRC_GIT) {
		snprintf(b->base, sizeof(b->base), "%s", b->commit);
		if (strcmp(held, b->identity))
			write_tree_info(b);
	}
	step_begin(b, "reset");
	ret = kb_tree_reset(b->src, b->base, b->err, sizeof(b->err));
	if (ret)
		return ret;
	step_end(b);
	if (b->ps.kind) {
		step_begin(b, "patch");
		ret = kb_patchset_apply(&b->ps, b->src, b->base, b->err, sizeof(b->err));
		if (ret)
			return ret;
		step_end(b);
	}
	return 0;
}

static int make_target(struct build *b, const char *target, bool jobs)
{
	char o[PATH_MAX + 8], j[32];
	char *argv[] = { "make", "-C", b->src, o, "ARCH=" KB_ARCH, (char *)target, jobs ? j : NULL, NULL, NULL };

	snprintf(o, sizeof(o), "O=%s", b->obj);
	snprintf(j, sizeof(j), "-j%u", b->o->jobs);
	/*
	 * The work tree of an imported source is a git repository of mmstall's
	 * making: without this, setlocalversion would call the release "6.1.192+"
	 * (untagged git tree).  A user's git tree keeps its own rule.
	 */
	if (b->kind != SRC_GIT)
		argv[jobs ? 7 : 6] = "LOCALVERSION=";
	return run_logged(b, argv, NULL);
}

static int step_config(struct build *b)
{
	char *merge = xasprintf("%s/scripts/kconfig/merge_config.sh", b->src);
	char *cfg = xasprintf("%s/.config", b->obj);
	char *argv[] = { "sh", merge, "-m", "-O", b->obj, cfg, b->fragment, NULL };
	struct kb_strv dropped = { 0 };
	struct kconfig *kc = NULL;
	uint64_t h = HASH_INIT;
	size_t i, used;
	int ret;

	step_begin(b, "config");
	ret = mkdir_p(b->obj, 0755);
	if (!ret)
		ret = make_target(b, "allnoconfig", false);
	if (!ret)
		ret = run_logged(b, argv, b->src);
	if (!ret)
		ret = make_target(b, "olddefconfig", false);
	if (ret)
		goto out;
	ret = kconfig_load_file(cfg, &kc);
	if (ret) {
		snprintf(b->err, sizeof(b->err), "cannot read %s: %s", cfg, strerror(-ret));
		goto out;
	}
	if (kb_fragment_check(&b->frag, kc, &dropped)) {
		used = snprintf(b->err, sizeof(b->err), "olddefconfig dropped %zu option%s of %s:\n", dropped.n,
				dropped.n == 1 ? "" : "s", b->fragment);
		for (i = 0; i < dropped.n && used < sizeof(b->err); i++)
			used += snprintf(b->err + used, sizeof(b->err) - used, "  %s\n", dropped.v[i]);
		if (used < sizeof(b->err))
			snprintf(b->err + used, sizeof(b->err) - used,
				 "(a dependency is off, or the option does not exist in this kernel version; see "
				 "'make O=%s menuconfig' and fix the fragment, or pass --fragment FILE)", b->obj);
		ret = -EINVAL;
		goto out;
	}
	hash_file(cfg, &h);
	kb_hash_hex(h, b->config_hash);
	step_end(b);
out:
	kconfig_free(kc);
	kb_strv_free(&dropped);
	free(merge);
	free(cfg);
	return ret;
}

/* ---- the cache entry ---- */

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *path_in(const char *dir, const char *name)
{
	char buf[PATH_MAX + 64];

	snprintf(buf, sizeof(buf), "%s/%s", dir, name);
	return json_string(buf);
}

/* dir: where the entry will be (builds/<key>), for the paths it records. */
static json_t *manifest(struct build *b, const char *dir, const char *release, uint64_t size)
{
	json_t *files = json_array(), *m;
	char stamp[32];
	size_t i;

	for (i = 0; i < b->ps.files.n; i++)
		json_array_append_new(files, json_string(strrchr(b->ps.files.v[i], '/') + 1));
	iso8601_now(stamp, sizeof(stamp));
	m = json_object();
	json_object_set_new(m, "format_version", json_integer(1));
	json_object_set_new(m, "mmstall_version", json_string(MMSTALL_VERSION));
	json_object_set_new(m, "label", json_string(b->o->label));
	json_object_set_new(m, "key", json_string(b->key));
	json_object_set_new(m, "arch", json_string(KB_ARCH));
	json_object_set_new(m, "source", json_string(b->o->source));
	json_object_set_new(m, "source_kind", json_string(src_kind_name[b->kind]));
	json_object_set_new(m, "source_identity", json_string(b->identity));
	json_object_set_new(m, "source_suite", b->deb_suite ? json_string(b->deb_suite) : json_null());
	/* the absolute path of a directory or git tree ('.' in a bisection says little) */
	json_object_set_new(m, "source_path", b->kind == SRC_DIR || b->kind == SRC_GIT ? json_string(b->origin) :
					      b->kind == SRC_TAR ? json_string(b->tarball) : json_null());
	json_object_set_new(m, "patches", str_or_null(b->o->patches));
	json_object_set_new(m, "patch_count", json_integer(b->ps.count));
	json_object_set_new(m, "patch_identity", b->ps.kind ? json_string(b->ps.identity) : json_null());
	json_object_set_new(m, "patch_files", files);
	json_object_set_new(m, "fragment", json_string(b->fragment));
	json_object_set_new(m, "fragment_hash", json_string(b->frag_hash));
	json_object_set_new(m, "config_hash", json_string(b->config_hash));
	json_object_set_new(m, "image", path_in(dir, "bzImage"));
	json_object_set_new(m, "config", path_in(dir, "config"));
	json_object_set_new(m, "release", json_string(release));
	json_object_set_new(m, "image_size_bytes", json_integer(size));
	json_object_set_new(m, "jobs", json_integer(b->o->jobs));
	json_object_set_new(m, "build_time_s", json_real((now_ns() - b->t0) / 1e9));
	json_object_set_new(m, "steps_s", json_incref(b->steps));
	json_object_set_new(m, "built_at", json_string(stamp));
	json_object_set_new(m, "work_tree", json_string(b->tree));
	json_object_set_new(m, "log", path_in(dir, "build.log"));
	return m;
}

static int copy_out(struct build *b, const char *tmp, const char *from, const char *to)
{
	char *src = xasprintf("%s/%s", b->obj, from), *dst = xasprintf("%s/%s", tmp, to);
	int ret = copy_file(src, dst, false, false);

	if (ret)
		snprintf(b->err, sizeof(b->err), "cannot copy %s to %s: %s", src, dst, strerror(-ret));
	free(src);
	free(dst);
	return ret;
}

static int step_install(struct build *b, const char *final)
{
	char *tmp = xasprintf("%s.tmp.%d", final, (int)getpid()), *img = NULL, *s = NULL, *p = NULL;
	char release[64];
	json_t *m = NULL;
	struct stat st;
	int ret;

	step_begin(b, "install");
	rm_rf(tmp);
	ret = mkdir_p(tmp, 0755);
	if (!ret)
		ret = copy_out(b, tmp, "arch/x86/boot/bzImage", "bzImage");
	if (!ret)
		ret = copy_out(b, tmp, ".config", "config");
	if (!ret)
		ret = copy_out(b, tmp, "System.map", "System.map");
	if (ret)
		goto out;
	img = xasprintf("%s/bzImage", tmp);
	ret = kernel_check_image(img, release, sizeof(release));
	if (ret || stat(img, &st) < 0) {
		snprintf(b->err, sizeof(b->err), "%s/arch/x86/boot/bzImage is not a bootable image", b->obj);
		ret = -ENOEXEC;
		goto out;
	}
	step_end(b);
	m = manifest(b, final, release, st.st_size);
	s = json_dumps(m, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
	p = xasprintf("%s/manifest.json", tmp);
	ret = s ? write_file_atomic(p, s, strlen(s)) : -ENOMEM;
	free(p);
	p = xasprintf("%s/build.log", tmp);
	if (!ret)
		ret = copy_file(b->log_path, p, false, false);
	if (!ret) {
		rm_rf(final);	/* a half entry of a killed build (no manifest) */
		if (rename(tmp, final) < 0)
			ret = -errno;
	}
	if (ret)
		snprintf(b->err, sizeof(b->err), "cannot write the cache entry %s: %s", final, strerror(-ret));
out:
	rm_rf(tmp);
	json_decref(m);
	free(tmp);
	free(img);
	free(s);
	free(p);
	return ret;
}

/* ---- the whole build ---- */

/* Say it is there and where; 0 if the entry at final is complete. */
static int try_cached(struct build *b, const char *final)
{
	char *p = xasprintf("%s/manifest.json", final);
	json_t *m = json_load_file(p, 0, NULL);
	int ret = -ENOENT;

	free(p);
	if (m) {
		ret = builds_label_set(b->o->label, b->key);
		if (!ret)
			msg_info("[%s] cached: %s (%s, built %s from %s%s%s)", b->o->label,
				 json_string_value(json_object_get(m, "image")),
				 json_string_value(json_object_get(m, "release")),
				 json_string_value(json_object_get(m, "built_at")), b->o->source,
				 b->o->patches ? " + " : "", b->o->patches ? b->o->patches : "");
		json_decref(m);
	}
	return ret;
}

static int lock_tree(struct build *b, int *fd)
{
	char *p = xasprintf("%s/lock", b->tree);
	int ret = mkdir_p(b->tree, 0755);

	*fd = ret ? -1 : open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	free(p);
	if (*fd < 0) {
		ret = ret ? ret : -errno;
		snprintf(b->err, sizeof(b->err), "cannot create %s: %s (set MMSTALL_CACHE to another place)", b->tree,
			 strerror(-ret));
		return ret;
	}
	if (flock(*fd, LOCK_EX | LOCK_NB) < 0) {
		msg_info("[%s] waiting for another build of the same source (%s)", b->o->label, b->tree);
		while (flock(*fd, LOCK_EX) < 0)
			if (errno != EINTR || proc_stop_signal)
				return -EINTR;
	}
	return 0;
}

static int open_log(struct build *b)
{
	char dir[PATH_MAX], stamp[32];
	int ret = builds_path(dir, sizeof(dir), "logs");

	if (!ret)
		ret = mkdir_p(dir, 0755);
	if (ret) {
		snprintf(b->err, sizeof(b->err), "cannot create %s: %s", dir, strerror(-ret));
		return ret;
	}
	stamp_now(stamp, sizeof(stamp));
	b->log_path = xasprintf("%s/%s-%s.log", dir, b->o->label, stamp);
	b->log_fd = open(b->log_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_APPEND, 0644); /* read: progress */
	if (b->log_fd < 0) {
		snprintf(b->err, sizeof(b->err), "cannot create %s: %s", b->log_path, strerror(errno));
		return -errno;
	}
	return 0;
}

/* The steps that need the lock: tree, config, make, install. */
static int build_locked(struct build *b, const char *final)
{
	int ret;

	ret = open_log(b);
	if (ret)
		return ret;
	ret = step_tree(b);
	if (!ret)
		ret = step_config(b);
	if (!ret) {
		step_begin(b, "make");
		ret = make_target(b, "bzImage", true);
		if (!ret)
			step_end(b);
	}
	if (!ret)
		ret = step_install(b, final);
	if (!ret)
		ret = builds_label_set(b->o->label, b->key);
	return ret;
}

/* The first line of the failed command's tail in the log that says "error", else its last line. */
static void log_error_line(const struct build *b, char *buf, size_t len)
{
	char *text = NULL, *p, *hit = NULL;
	size_t n = 0;

	buf[0] = '\0';
	if (read_file(b->log_path, &text, &n))
		return;
	p = n > 16384 ? text + n - 16384 : text;
	if ((size_t)b->failed_cmd_at <= n && text + b->failed_cmd_at > p)
		p = text + b->failed_cmd_at;
	hit = strstr(p, "error:");
	if (!hit)
		hit = strstr(p, "Error ");
	if (hit) {
		while (hit > p && hit[-1] != '\n')
			hit--;
		snprintf(buf, len, "%.*s", (int)strcspn(hit, "\n"), hit);
	} else {
		snprintf(buf, len, "%s", last_line(p));
	}
	free(text);
}

static void report_failure(struct build *b)
{
	char line[512], el[16];

	progress_done();
	if (!b->step) {
		msg_err("%s", b->err);
		return;
	}
	fmt_elapsed(el, sizeof(el), now_ns() - b->step_t0);
	/* a failed command's log says more; anything else (a patch, the fragment check) b->err says */
	if (b->failed_cmd_at < 0) {
		msg_err("[%s] step '%s' failed after %s: %s\n  full log: %s", b->o->label, b->step, el, b->err,
			b->log_path);
		return;
	}
	log_error_line(b, line, sizeof(line));
	msg_err("[%s] step '%s' failed after %s: %s\n  %s\n  full log: %s", b->o->label, b->step, el, b->err, line,
		b->log_path);
}

static void build_free(struct build *b)
{
	free(b->origin);
	free(b->identity);
	free(b->deb_pkg);
	free(b->deb_ver);
	free(b->deb_suite);
	free(b->commit);
	free(b->tarball);
	free(b->tree);
	free(b->src);
	free(b->obj);
	free(b->log_path);
	free(b->fragment_text);
	kb_fragment_free(&b->frag);
	kb_patchset_free(&b->ps);
	json_decref(b->steps);
	if (b->log_fd >= 0)
		close(b->log_fd);
}

void kb_build_opts_init(struct kb_build_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->fragment = kb_default_fragment();
	o->jobs = sysconf(_SC_NPROCESSORS_ONLN);
}

int kb_build_opt(int c, const char *arg, struct kb_build_opts *o)
{
	uint64_t jobs;

	switch (c) {
	case KB_OPT_SOURCE:
		o->source = arg;
		return 1;
	case KB_OPT_PATCHES:
		o->patches = arg;
		return 1;
	case KB_OPT_FRAGMENT:
		o->fragment = arg;
		return 1;
	case KB_OPT_JOBS:
		if (parse_u64_range(arg, 1, 1024, &jobs)) {
			msg_err("invalid --jobs '%s': expected a whole number from 1 to 1024", arg);
			return -EINVAL;
		}
		o->jobs = jobs;
		return 1;
	}
	return 0;
}

int kb_build_run(const struct kb_build_opts *o, char *key_out)
{
	struct build b = { .o = o, .log_fd = -1, .failed_cmd_at = -1, .tty = progress_tty(), .t0 = now_ns() };
	char final[PATH_MAX], total[16];
	int ret, lock_fd = -1;

	b.steps = json_object();
	ret = read_fragment(&b);
	if (!ret)
		ret = resolve_source(&b);
	if (!ret && o->patches) {
		char dir[PATH_MAX];

		ret = builds_path(dir, sizeof(dir), "logs");
		if (!ret)
			ret = mkdir_p(dir, 0755);
		if (!ret)
			ret = kb_patchset_resolve(o->patches, b.kind == SRC_GIT ? b.origin : NULL, dir, &b.ps, b.err,
						  sizeof(b.err));
	}
	if (!ret)
		ret = setup_paths(&b);
	if (!ret)
		ret = builds_path(final, sizeof(final), "builds/%s", b.key);
	if (ret) {
		msg_err("%s", b.err[0] ? b.err : strerror(-ret));
		build_free(&b);
		return ret;
	}
	if (key_out)
		snprintf(key_out, 17, "%s", b.key);
	if (!try_cached(&b, final))
		goto out;
	proc_signals_install();
	ret = lock_tree(&b, &lock_fd);
	/* another build may have made it while we waited */
	if (!ret && try_cached(&b, final)) {
		msg_info("[%s] building %s%s%s (%s) with %s, -j%u", o->label, o->source, o->patches ? " + " : "",
			 o->patches ? o->patches : "", b.identity, b.fragment, o->jobs);
		ret = build_locked(&b, final);
		if (!ret) {
			fmt_elapsed(total, sizeof(total), now_ns() - b.t0);
			msg_info("[%s] built in %s: %s/bzImage (log: %s/build.log)", o->label, total, final, final);
			unlink(b.log_path);
		}
	}
	if (lock_fd >= 0) {
		/* last use of the tree, for the cache's eviction order */
		char *p = xasprintf("%s/info.json", b.tree);

		utimensat(AT_FDCWD, p, NULL, 0);
		free(p);
		close(lock_fd);
	}
	proc_signals_restore();
	if (ret) {
		report_failure(&b);
		/* a step failed (not the input): exit 1, not 2 */
		if (b.step && ret != -EINTR)
			ret = -EIO;
	}
out:
	if (!ret)
		kb_cache_trim(o->max_cache, b.tree_id, b.key);
	build_free(&b);
	return ret;
}
