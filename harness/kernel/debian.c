// SPDX-License-Identifier: GPL-2.0
/*
 * apt under mmstall's own configuration.  See debian.h.
 *
 * Every apt command runs as "env APT_CONFIG=<dir>/apt.conf apt-...".  apt
 * reads $APT_CONFIG first and then the configuration parts directory it
 * names: ours points Dir::Etc::parts at an empty directory of ours, so no
 * file of /etc/apt is read, and every Dir:: that apt would write under
 * (lists, archives, caches, status, logs) is under <dir>.  What apt needs
 * from the system to reach its mirror (proxies, the Valid-Until policy) is
 * copied from 'apt-config dump' when the configuration is written.
 *
 * <dir>/lock is flock()ed: exclusively while the lists are updated,
 * shared while they are read, so two mmstall processes sharing a cache
 * never read a half-updated set of lists.
 */
#include "harness/kernel/debian.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness/proc.h"
#include "harness/util.h"

struct deb_apt {
	char *dir;
	char *conf;		/* <dir>/apt.conf */
	char *sources;		/* the sources.list text */
	char *where;		/* for messages */
	char **suites;		/* configured, in order */
	size_t nsuites;
	int lock_fd;
};

/* ---- configuration ---- */

static void split_words(const char *s, char ***out, size_t *n)
{
	char *copy = xstrdup(s), *save = NULL, *tok;

	*out = NULL;
	*n = 0;
	for (tok = strtok_r(copy, " ,\t\n", &save); tok; tok = strtok_r(NULL, " ,\t\n", &save)) {
		*out = xrealloc(*out, (*n + 1) * sizeof(char *));
		(*out)[(*n)++] = xstrdup(tok);
	}
	free(copy);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

/* An http(s) URI of the system's sources whose path ends in "/<tail>", or NULL. */
static char *uri_in_text(const char *text, const char *tail)
{
	char *copy = xstrdup(text), *save = NULL, *tok, *found = NULL;
	char *want = xasprintf("/%s", tail), *want_slash = xasprintf("/%s/", tail);

	for (tok = strtok_r(copy, " \t\n[]", &save); tok && !found; tok = strtok_r(NULL, " \t\n[]", &save)) {
		if (strncmp(tok, "http://", 7) && strncmp(tok, "https://", 8))
			continue;
		if (ends_with(tok, want) || ends_with(tok, want_slash))
			found = xstrdup(tok);
	}
	free(copy);
	free(want);
	free(want_slash);
	if (found && found[strlen(found) - 1] == '/')
		found[strlen(found) - 1] = '\0';
	return found;
}

/*
 * The Debian mirror the system uses (only read: sources.list and
 * sources.list.d/ *.list, *.sources), so mmstall fetches where the host
 * is allowed to; NULL if none is named there.
 */
static char *system_mirror(const char *tail)
{
	static const char *const globs[] = { "/etc/apt/sources.list", "/etc/apt/sources.list.d/*.sources",
					     "/etc/apt/sources.list.d/*.list" };
	char *found = NULL, *text;
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(globs) && !found; i++) {
		glob_t g;

		if (glob(globs[i], 0, NULL, &g))
			continue;
		for (j = 0; j < g.gl_pathc && !found; j++) {
			if (read_file(g.gl_pathv[j], &text, NULL))
				continue;
			/* comments would name snapshot or disabled mirrors */
			for (char *p = text; (p = strchr(p, '#'));)
				while (*p && *p != '\n')
					*p++ = ' ';
			found = uri_in_text(text, tail);
			free(text);
		}
		globfree(&g);
	}
	return found;
}

static const char *env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);

	return v && *v ? v : dflt;
}

/* One-line sources for the suites: the archive, and the security archive for "*-security". */
static char *make_sources(const struct deb_apt_conf *c, struct deb_apt *a, const char *list, char *err,
			  size_t errlen)
{
	const char *keyring = c->keyring ? c->keyring : env_or("MMSTALL_DEB_KEYRING", DEB_DEFAULT_KEYRING);
	const char *mirror_env = env_or("MMSTALL_DEB_MIRROR", NULL);
	char *mirror = c->mirror ? xstrdup(c->mirror) : mirror_env ? xstrdup(mirror_env) : system_mirror("debian");
	char *security = system_mirror("debian-security"), *text = xstrdup(""), *next;
	bool has_security = false;
	size_t i;

	if (!mirror)
		mirror = xstrdup(DEB_DEFAULT_MIRROR);
	if (!security)
		security = xstrdup(DEB_DEFAULT_SECURITY_MIRROR);
	if (access(keyring, R_OK)) {
		snprintf(err, errlen,
			 "cannot read the Debian archive keyring %s (%s): it checks the packages mmstall fetches; "
			 "apt-get install debian-archive-keyring, or name a keyring with MMSTALL_DEB_KEYRING",
			 keyring, strerror(errno));
		free(mirror);
		free(security);
		free(text);
		return NULL;
	}
	for (i = 0; i < a->nsuites; i++) {
		bool sec = ends_with(a->suites[i], "-security");

		has_security |= sec;
		/* only the package indexes: no translations, contents or DEP-11 metadata */
		next = xasprintf("%sdeb [arch=amd64 target=Packages signed-by=%s] %s %s main\n", text, keyring,
				 sec ? security : mirror, a->suites[i]);
		free(text);
		text = next;
	}
	if (has_security)
		a->where = xasprintf("suites %s of %s and %s", list, mirror, security);
	else
		a->where = xasprintf("suites %s of %s", list, mirror);
	free(mirror);
	free(security);
	return text;
}

/*
 * What the system's apt configuration says about reaching its mirror, as
 * configuration lines (apt-config dump's own syntax): proxies, and whether
 * a Release file past its Valid-Until is accepted (hosts on a frozen
 * mirror or snapshot turn that check off).  Nothing that weakens the
 * signature check is taken.
 */
static char *system_acquire(void)
{
	static const char *const keys[] = { "Acquire::http::Proxy", "Acquire::https::Proxy", "Acquire::ftp::Proxy",
					    "Acquire::Check-Valid-Until ", "Acquire::Check-Date " };
	char *argv[] = { "apt-config", "dump", NULL }, *out = NULL, *line, *save = NULL, *text = xstrdup(""), *n;
	size_t i;

	if (proc_capture(argv, NULL, &out, NULL)) {
		free(out);
		return text;
	}
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		for (i = 0; i < ARRAY_SIZE(keys); i++)
			if (!strncmp(line, keys[i], strlen(keys[i])))
				break;
		if (i == ARRAY_SIZE(keys))
			continue;
		n = xasprintf("%s%s\n", text, line);
		free(text);
		text = n;
	}
	free(out);
	return text;
}

static char *make_conf(const struct deb_apt *a)
{
	char *acquire = system_acquire();
	const char *d = a->dir;
	char *s = xasprintf(
		"// Written by mmstall: apt for 'deb:' kernels, apart from the system's apt.\n"
		"Dir::Etc::main \"/dev/null\";\n"
		"Dir::Etc::parts \"%s/etc/apt.conf.d\";\n"
		"Dir::Etc::sourcelist \"%s/etc/sources.list\";\n"
		"Dir::Etc::sourceparts \"%s/etc/sources.list.d\";\n"
		"Dir::Etc::preferences \"/dev/null\";\n"
		"Dir::Etc::preferencesparts \"%s/etc/preferences.d\";\n"
		"Dir::Etc::trusted \"/dev/null\";\n"
		"Dir::Etc::trustedparts \"%s/etc/trusted.gpg.d\";\n"
		"Dir::State \"%s/state\";\n"
		"Dir::State::status \"%s/state/status\";\n"
		"Dir::Cache \"%s/cache\";\n"
		"Dir::Cache::pkgcache \"pkgcache.bin\";\n"
		"Dir::Cache::srcpkgcache \"srcpkgcache.bin\";\n"
		"Dir::Log \"%s/log\";\n"
		"APT::Architecture \"amd64\";\n"
		"APT::Architectures { \"amd64\"; };\n"
		"Acquire::Languages \"none\";\n"
		"Acquire::Retries \"2\";\n"
		/*
		 * Our directories are under the user's cache (/root is 0700):
		 * the _apt sandbox user could not write there and apt would
		 * fall back to root with a warning on every download.
		 */
		"APT::Sandbox::User \"root\";\n"
		"%s",
		d, d, d, d, d, d, d, d, d, acquire);

	free(acquire);
	return s;
}

/* Write path unless it already holds text (an unchanged file keeps its mtime). */
static int put_file(const char *path, const char *text)
{
	char *old = NULL;
	int ret = 0;

	if (read_file(path, &old, NULL) || strcmp(old, text))
		ret = write_file_atomic(path, text, strlen(text));
	free(old);
	return ret;
}

static int setup_dirs(struct deb_apt *a)
{
	static const char *const sub[] = { "etc/apt.conf.d", "etc/sources.list.d", "etc/preferences.d",
					   "etc/trusted.gpg.d", "state/lists/partial", "cache/archives/partial",
					   "log" };
	char *p;
	size_t i;
	int ret = 0;

	for (i = 0; i < ARRAY_SIZE(sub) && !ret; i++) {
		p = xasprintf("%s/%s", a->dir, sub[i]);
		ret = mkdir_p(p, 0755);
		free(p);
	}
	if (ret)
		return ret;
	p = xasprintf("%s/state/status", a->dir);
	if (!path_exists(p))
		ret = write_file_atomic(p, "", 0);
	free(p);
	return ret;
}

static const struct {
	const char *prog, *package;
} tools[] = { { "apt-get", "apt" }, { "apt-cache", "apt" }, { "dpkg-deb", "dpkg" } };

int deb_apt_open(const struct deb_apt_conf *c, struct deb_apt **out, char *err, size_t errlen)
{
	struct deb_apt *a = xcalloc(1, sizeof(*a));
	char *path, *conf = NULL, *list = NULL;
	size_t i;
	int ret = 0;

	a->lock_fd = -1;
	for (i = 0; i < ARRAY_SIZE(tools); i++) {
		if (!have_program(tools[i].prog)) {
			snprintf(err, errlen, "%s not found: mmstall fetches Debian packages with it (apt-get install %s)",
				 tools[i].prog, tools[i].package);
			free(a);
			return -ENOENT;
		}
	}
	a->dir = c->dir ? xstrdup(c->dir) : xasprintf("%s/apt", cache_dir());
	a->conf = xasprintf("%s/apt.conf", a->dir);
	split_words(c->suites ? c->suites : env_or("MMSTALL_DEB_SUITES", DEB_DEFAULT_SUITES), &a->suites,
		    &a->nsuites);
	if (!a->nsuites) {
		snprintf(err, errlen, "MMSTALL_DEB_SUITES names no suite: give Debian suites such as \"%s\"",
			 DEB_DEFAULT_SUITES);
		ret = -EINVAL;
		goto out;
	}
	for (i = 0; i < a->nsuites; i++) {
		char *n = xasprintf("%s%s%s", list ? list : "", i ? ", " : "", a->suites[i]);

		free(list);
		list = n;
	}
	if (c->sources) {
		a->sources = xstrdup(c->sources);
		a->where = xasprintf("suites %s of the configured sources", list);
	} else if (!(a->sources = make_sources(c, a, list, err, errlen))) {
		ret = -ENOENT;
		goto out;
	}
	ret = setup_dirs(a);
	if (ret) {
		snprintf(err, errlen, "cannot create %s: %s (set MMSTALL_CACHE to another place)", a->dir,
			 strerror(-ret));
		goto out;
	}
	path = xasprintf("%s/lock", a->dir);
	a->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	free(path);
	if (a->lock_fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot create %s/lock: %s", a->dir, strerror(errno));
		goto out;
	}
	conf = make_conf(a);
	path = xasprintf("%s/etc/sources.list.d/mmstall.list", a->dir);
	ret = put_file(path, a->sources);
	free(path);
	path = xasprintf("%s/etc/sources.list", a->dir);
	if (!ret)
		ret = put_file(path, "");
	free(path);
	if (!ret)
		ret = put_file(a->conf, conf);
	if (ret)
		snprintf(err, errlen, "cannot write the apt configuration in %s: %s", a->dir, strerror(-ret));
out:
	free(conf);
	free(list);
	if (ret) {
		deb_apt_close(a);
		return ret;
	}
	*out = a;
	return 0;
}

void deb_apt_close(struct deb_apt *a)
{
	size_t i;

	if (!a)
		return;
	if (a->lock_fd >= 0)
		close(a->lock_fd);
	for (i = 0; i < a->nsuites; i++)
		free(a->suites[i]);
	free(a->suites);
	free(a->dir);
	free(a->conf);
	free(a->sources);
	free(a->where);
	free(a);
}

const char *deb_apt_where(const struct deb_apt *a)
{
	return a->where;
}

/* ---- running apt ---- */

static int lock(struct deb_apt *a, int how)
{
	while (flock(a->lock_fd, how) < 0) {
		if (errno != EINTR)
			return -errno;
		if (proc_stop_signal)
			return -EINTR;
	}
	return 0;
}

static void unlock(struct deb_apt *a)
{
	flock(a->lock_fd, LOCK_UN);
}

/* argv after the program: "env APT_CONFIG=... prog -q args..." */
static char **apt_argv(const struct deb_apt *a, const char *prog, char *const *args, size_t nargs)
{
	char **argv = xcalloc(nargs + 5, sizeof(char *));
	size_t i, n = 0;

	argv[n++] = "env";
	argv[n++] = xasprintf("APT_CONFIG=%s", a->conf);
	argv[n++] = (char *)prog;
	argv[n++] = "-q";
	for (i = 0; i < nargs; i++)
		argv[n++] = args[i];
	return argv;
}

/* Run apt with args; out, errout as proc_capture().  Exit status or -errno. */
static int apt_run(struct deb_apt *a, const char *prog, char *const *args, size_t nargs, const char *cwd,
		   char **out, char **errout)
{
	char **argv = apt_argv(a, prog, args, nargs);
	int ret = proc_capture(argv, cwd, out, errout);

	free(argv[1]);
	free(argv);
	return ret;
}

/* The most telling line of apt's stderr: its first "E:" line, else its last line. */
static const char *apt_reason(const char *errout)
{
	static char buf[512];
	const char *e = errout ? strstr(errout, "E: ") : NULL;

	if (!e)
		return errout && *errout ? last_line(errout) : "no message";
	snprintf(buf, sizeof(buf), "%.*s", (int)strcspn(e, "\n"), e);
	return buf;
}

/* ---- the lists ---- */

static char *stamp_path(const struct deb_apt *a)
{
	return xasprintf("%s/state/updated", a->dir);
}

/* Do the lists exist for exactly these sources, and how old are they (seconds)? */
static bool lists_state(const struct deb_apt *a, long *age)
{
	char *p = stamp_path(a), *text = NULL;
	struct stat st;
	bool same;

	same = !read_file(p, &text, NULL) && !strcmp(text, a->sources) && !stat(p, &st);
	*age = same ? (long)(time(NULL) - st.st_mtime) : -1;
	free(text);
	free(p);
	return same;
}

static void update_failed(const struct deb_apt *a, int ret, const char *errout, char *err, size_t errlen)
{
	if (ret < 0) {
		snprintf(err, errlen, "cannot run apt-get update for %s: %s", a->where, strerror(-ret));
		return;
	}
	if (errout && (strstr(errout, "NO_PUBKEY") || strstr(errout, "is not signed")))
		snprintf(err, errlen,
			 "apt-get update for %s failed: %s; the keyring lacks the key that signs a suite: install a "
			 "newer debian-archive-keyring (bookworm-backports, trixie), or name a keyring that has it "
			 "with MMSTALL_DEB_KEYRING", a->where, apt_reason(errout));
	else if (errout && strstr(errout, "expired"))
		snprintf(err, errlen,
			 "apt-get update for %s failed: %s; the mirror serves an outdated Release file (a frozen "
			 "mirror: use another with MMSTALL_DEB_MIRROR) or the clock is wrong", a->where,
			 apt_reason(errout));
	else
		snprintf(err, errlen,
			 "apt-get update for %s failed: %s; check the network (and proxy), the suite names "
			 "(MMSTALL_DEB_SUITES) and the mirror (MMSTALL_DEB_MIRROR)", a->where, apt_reason(errout));
}

int deb_apt_refresh(struct deb_apt *a, unsigned int max_age_s, char *err, size_t errlen)
{
	char *args[] = { "update" }, *errout = NULL, *p;
	uint64_t t0;
	long age;
	bool have;
	int ret;

	ret = lock(a, LOCK_EX);
	if (ret)
		return ret;
	have = lists_state(a, &age);
	if (have && age >= 0 && age < (long)max_age_s) {
		unlock(a);
		return 0;
	}
	msg_info("%s the Debian package lists (%s)", have ? "refreshing" : "fetching", a->where);
	t0 = now_ns();
	ret = apt_run(a, "apt-get", args, 1, NULL, NULL, &errout);
	/* apt-get update says "W: ..." and still exits 0 when a source failed: that is a failure too */
	if (!ret && errout && (strstr(errout, "W: Failed to fetch") || strstr(errout, "E: ")))
		ret = 100;
	if (ret == -EINTR) {
		unlock(a);
		free(errout);
		return ret;
	}
	if (ret) {
		update_failed(a, ret, errout, err, errlen);
		free(errout);
		unlock(a);
		if (!have)
			return ret < 0 ? ret : -EIO;
		msg_warn("%s; using the package lists of %ld hours ago", err, age / 3600);
		err[0] = '\0';
		return 0;
	}
	free(errout);
	msg_debug("package lists updated in %.1f s", (now_ns() - t0) / 1e9);
	p = stamp_path(a);
	ret = write_file_atomic(p, a->sources, strlen(a->sources));
	free(p);
	unlock(a);
	if (ret)
		snprintf(err, errlen, "cannot write %s/state/updated: %s", a->dir, strerror(-ret));
	return ret;
}

/* ---- queries ---- */

void deb_pkg_free(struct deb_pkg *p)
{
	free(p->name);
	free(p->version);
	free(p->suite);
	memset(p, 0, sizeof(*p));
}

void deb_pkgs_free(struct deb_pkg *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		deb_pkg_free(&v[i]);
	free(v);
}

/* A query under the shared lock; failure messages name the command. */
static int query(struct deb_apt *a, const char *what, char *const *args, size_t nargs, char **out, char *err,
		 size_t errlen)
{
	char *errout = NULL;
	int ret = lock(a, LOCK_SH);

	if (ret)
		return ret;
	ret = apt_run(a, "apt-cache", args, nargs, NULL, out, &errout);
	unlock(a);
	if (ret && ret != -EINTR) {
		if (ret < 0)
			snprintf(err, errlen, "cannot run apt-cache %s: %s", what, strerror(-ret));
		else
			snprintf(err, errlen, "apt-cache %s failed (%s %s): %s", what, a->dir, a->where,
				 apt_reason(errout));
		if (ret > 0)
			free(*out);
		*out = NULL;
	}
	free(errout);
	return ret < 0 ? ret : ret ? -EIO : 0;
}

int deb_apt_names(struct deb_apt *a, const char *prefix, char ***names, char *err, size_t errlen)
{
	char *args[] = { "pkgnames", (char *)prefix }, *out = NULL, *line, *save = NULL, **v = NULL;
	size_t n = 0;
	int ret = query(a, "pkgnames", args, 2, &out, err, errlen);

	if (ret)
		return ret;
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		v = xrealloc(v, (n + 2) * sizeof(char *));
		v[n++] = xstrdup(line);
	}
	if (!v)
		v = xcalloc(1, sizeof(char *));
	v[n] = NULL;
	free(out);
	*names = v;
	return 0;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

size_t deb_apt_suite_rank(const struct deb_apt *a, const char *suite)
{
	size_t i;

	for (i = 0; i < a->nsuites; i++)
		if (suite && !strcmp(a->suites[i], suite))
			break;
	return i;
}

/* Which configured suite a madison source names ("URI suite/main amd64 Packages"); its index. */
static long suite_of(const struct deb_apt *a, const char *source, char *suite, size_t len)
{
	const char *sp = strchr(source, ' ');
	size_t i, n;

	suite[0] = '\0';
	if (!sp)
		return -1;
	sp++;
	n = strcspn(sp, "/ ");
	snprintf(suite, len, "%.*s", (int)n, sp);
	for (i = 0; i < a->nsuites; i++)
		if (!strcmp(a->suites[i], suite))
			return i;
	return a->nsuites;
}

int deb_apt_versions(struct deb_apt *a, char *const *names, size_t n, struct deb_pkg **out, size_t *nout,
		     char *err, size_t errlen)
{
	char **args = xcalloc(n + 1, sizeof(char *)), *text = NULL, *line, *save = NULL;
	struct deb_pkg *v = NULL;
	long *rank = NULL;
	size_t nv = 0, i;
	int ret;

	*out = NULL;
	*nout = 0;
	if (!n) {
		free(args);
		return 0;
	}
	args[0] = "madison";
	memcpy(args + 1, names, n * sizeof(char *));
	ret = query(a, "madison", args, n + 1, &text, err, errlen);
	free(args);
	if (ret)
		return ret;
	/* "name | version | URI suite/component arch Packages" */
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f1 = line, *f2 = strstr(f1, " | "), *f3 = f2 ? strstr(f2 + 3, " | ") : NULL, suite[128];
		long r;

		if (!f3 || !strstr(f3, " Packages"))
			continue; /* a Sources line, or something else */
		*f2 = '\0';
		*f3 = '\0';
		f2 = trim(f2 + 3);
		r = suite_of(a, trim(f3 + 3), suite, sizeof(suite));
		f1 = trim(f1);
		/* one entry per name and version: the first configured suite that has it */
		for (i = 0; i < nv; i++)
			if (!strcmp(v[i].name, f1) && !strcmp(v[i].version, f2))
				break;
		if (i < nv) {
			if (r >= 0 && r < rank[i]) {
				free(v[i].suite);
				v[i].suite = xstrdup(suite);
				rank[i] = r;
			}
			continue;
		}
		v = xrealloc(v, (nv + 1) * sizeof(*v));
		rank = xrealloc(rank, (nv + 1) * sizeof(*rank));
		v[nv].name = xstrdup(f1);
		v[nv].version = xstrdup(f2);
		v[nv].suite = xstrdup(suite);
		rank[nv++] = r < 0 ? (long)a->nsuites + 1 : r;
	}
	free(rank);
	free(text);
	*out = v;
	*nout = nv;
	return 0;
}

/* The value of field in a control stanza (continuation lines joined), or NULL. */
static char *control_field(const char *stanza, const char *field)
{
	size_t fl = strlen(field);
	const char *p = stanza, *e;
	char *v = NULL, *n;

	while (p && *p) {
		if (!strncmp(p, field, fl) && p[fl] == ':') {
			p += fl + 1;
			e = strchrnul(p, '\n');
			v = xasprintf("%.*s", (int)(e - p), p);
			while (*e == '\n' && (e[1] == ' ' || e[1] == '\t')) {
				p = e + 1;
				e = strchrnul(p, '\n');
				n = xasprintf("%s %.*s", v, (int)(e - p), p);
				free(v);
				v = n;
			}
			return v;
		}
		if (*p == '\n')
			break; /* end of the first stanza */
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

/* "a (= 1), b | c (>= 2)" -> a=1, b, c */
static void parse_depends(const char *text, struct deb_pkg **deps, size_t *n)
{
	char *copy = xstrdup(text), *save = NULL, *tok;

	for (tok = strtok_r(copy, ",|", &save); tok; tok = strtok_r(NULL, ",|", &save)) {
		char *name = trim(tok), *paren = strchr(name, '('), *colon;
		struct deb_pkg d = { 0 };

		if (paren) {
			char *v = paren + 1;

			*paren = '\0';
			v += strspn(v, " ");
			if (v[0] == '=' && v[1] != '=') {
				v = trim(v + 1);
				v[strcspn(v, ")")] = '\0';
				d.version = xstrdup(trim(v));
			}
		}
		name = trim(name);
		colon = strchr(name, ':'); /* name:any */
		if (colon)
			*colon = '\0';
		if (!*name) {
			free(d.version);
			continue;
		}
		d.name = xstrdup(name);
		*deps = xrealloc(*deps, (*n + 1) * sizeof(**deps));
		(*deps)[(*n)++] = d;
	}
	free(copy);
}

int deb_apt_depends(struct deb_apt *a, const struct deb_pkg *p, struct deb_pkg **deps, size_t *n, char *err,
		    size_t errlen)
{
	char *spec = xasprintf("%s=%s", p->name, p->version), *args[] = { "show", spec }, *out = NULL, *dep;
	int ret = query(a, "show", args, 2, &out, err, errlen);

	*deps = NULL;
	*n = 0;
	free(spec);
	if (ret)
		return ret;
	dep = control_field(out, "Depends");
	if (dep)
		parse_depends(dep, deps, n);
	free(dep);
	free(out);
	return 0;
}

/* dir's entry "<name>_*.deb", as apt-get download names it. */
static char *find_deb(const char *dir, const char *name)
{
	char *prefix = xasprintf("%s_", name), *p = NULL;
	struct dirent *de;
	DIR *d = opendir(dir);

	while (d && !p && (de = readdir(d)))
		if (!strncmp(de->d_name, prefix, strlen(prefix)) && ends_with(de->d_name, ".deb"))
			p = xasprintf("%s/%s", dir, de->d_name);
	if (d)
		closedir(d);
	free(prefix);
	return p;
}

int deb_apt_download(struct deb_apt *a, const struct deb_pkg *pkgs, size_t n, const char *dir, char ***paths,
		     char *err, size_t errlen)
{
	char **args = xcalloc(n + 1, sizeof(char *)), *errout = NULL, **v = NULL;
	size_t i;
	int ret;

	args[0] = "download";
	for (i = 0; i < n; i++)
		args[i + 1] = xasprintf("%s=%s", pkgs[i].name, pkgs[i].version);
	ret = lock(a, LOCK_SH);
	if (!ret) {
		ret = apt_run(a, "apt-get", args, n + 1, dir, NULL, &errout);
		unlock(a);
	}
	if (ret > 0 || (ret < 0 && ret != -EINTR)) {
		if (ret < 0)
			snprintf(err, errlen, "cannot run apt-get download: %s", strerror(-ret));
		else
			snprintf(err, errlen, "apt-get download %s%s failed: %s; check the network (and proxy), or "
				 "the lists may be stale: they refresh daily (remove %s/state/updated to force it)",
				 args[1], n > 1 ? " ..." : "", apt_reason(errout), a->dir);
		ret = ret < 0 ? ret : -EIO;
	}
	v = xcalloc(n + 1, sizeof(char *));
	for (i = 0; i < n && !ret; i++) {
		v[i] = find_deb(dir, pkgs[i].name);
		if (!v[i]) {
			snprintf(err, errlen, "apt-get download %s left no %s_*.deb in %s", args[i + 1], pkgs[i].name,
				 dir);
			ret = -ENOENT;
		}
	}
	for (i = 1; i <= n; i++)
		free(args[i]);
	free(args);
	free(errout);
	if (ret || !paths) {
		for (i = 0; i < n; i++)
			free(v[i]);
		free(v);
	} else {
		*paths = v;
	}
	return ret;
}

int deb_extract(const char *deb, const char *dir, char *err, size_t errlen)
{
	char *argv[] = { "dpkg-deb", "-x", (char *)deb, (char *)dir, NULL }, *errout = NULL;
	int ret = proc_capture(argv, NULL, NULL, &errout);

	if (ret > 0 || (ret < 0 && ret != -EINTR))
		snprintf(err, errlen, "dpkg-deb -x %s %s failed: %s%s", deb, dir,
			 ret < 0 ? strerror(-ret) : last_line(errout),
			 errout && strstr(errout, "No space") ? " (disk full: free space or set MMSTALL_CACHE)" : "");
	free(errout);
	return ret < 0 ? ret : ret ? -EIO : 0;
}

/* ---- versions ---- */

/* dpkg's lib/dpkg/version.c: '~' sorts before everything, even the end. */
static int order(int c)
{
	if (isdigit(c))
		return 0;
	if (isalpha(c))
		return c;
	if (c == '~')
		return -1;
	if (c)
		return c + 256;
	return 0;
}

static int verrevcmp(const char *a, const char *b)
{
	while (*a || *b) {
		int first_diff = 0;

		while ((*a && !isdigit((unsigned char)*a)) || (*b && !isdigit((unsigned char)*b))) {
			int ac = order((unsigned char)*a), bc = order((unsigned char)*b);

			if (ac != bc)
				return ac - bc;
			a++;
			b++;
		}
		while (*a == '0')
			a++;
		while (*b == '0')
			b++;
		while (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			if (!first_diff)
				first_diff = *a - *b;
			a++;
			b++;
		}
		if (isdigit((unsigned char)*a))
			return 1;
		if (isdigit((unsigned char)*b))
			return -1;
		if (first_diff)
			return first_diff;
	}
	return 0;
}

struct version {
	unsigned long epoch;
	char *upstream;
	const char *revision;
};

static void version_split(const char *s, struct version *v)
{
	const char *colon = strchr(s, ':');
	char *dash;

	v->epoch = colon ? strtoul(s, NULL, 10) : 0;
	v->upstream = xstrdup(colon ? colon + 1 : s);
	dash = strrchr(v->upstream, '-');
	v->revision = "";
	if (dash) {
		*dash = '\0';
		v->revision = dash + 1;
	}
}

int deb_version_cmp(const char *a, const char *b)
{
	struct version va, vb;
	int r;

	version_split(a, &va);
	version_split(b, &vb);
	if (va.epoch != vb.epoch)
		r = va.epoch > vb.epoch ? 1 : -1;
	else if (!(r = verrevcmp(va.upstream, vb.upstream)))
		r = verrevcmp(va.revision, vb.revision);
	free(va.upstream);
	free(vb.upstream);
	return r;
}
