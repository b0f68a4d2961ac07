/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Debian packages: the one place mmstall talks to apt and dpkg.
 *
 * apt runs with mmstall's own configuration and state under
 * $MMSTALL_CACHE/apt (sources, package lists, a lock; never /etc/apt nor
 * /var/lib/apt), so 'deb:' kernels and kernel sources come from any suite
 * of the archive on any Debian host, and the system's apt sees nothing of
 * it.  By default the suites are bookworm, trixie, trixie-backports and
 * sid of the Debian mirror the system's sources name, and the security
 * suites of bookworm and trixie (without bookworm-security, "6.1" would
 * be an older 6.1 than the one Debian 12 runs), checked with the system's
 * archive keyring.  Overrides, in the environment:
 *
 *   MMSTALL_DEB_SUITES   suites to search, space or comma separated
 *                        ("*-security" suites come from the security mirror)
 *   MMSTALL_DEB_MIRROR   the archive, e.g. http://ftp.de.debian.org/debian
 *   MMSTALL_DEB_KEYRING  the keyring that signs the suites (a newer
 *                        debian-archive-keyring's, when the system's lacks a key)
 *
 * The package lists are refreshed ('apt-get update') when older than a day
 * or when the sources changed; the system's apt proxy settings are kept.
 *
 * The second half knows Debian's kernel packages: which linux-image-* a
 * pattern means, and the two layouts they come in.  The old one
 * (linux-image-6.1.0-*-cloud-amd64, 6.12, 6.16) holds /boot/vmlinuz-<rel>,
 * /boot/config-<rel> and {/usr,}/lib/modules/<rel>.  The split one (6.19
 * and later) is a meta package linux-image-<rel> depending on
 * linux-binary-<rel> (/usr/lib/modules/<rel>/vmlinuz), linux-modules-<rel>
 * (modules, xz-compressed) and linux-base-<rel> (config, a placeholder
 * System.map).  Neither ships modules.dep: depmod runs at unpack time.
 */
#ifndef MMSTALL_KERNEL_DEBIAN_H
#define MMSTALL_KERNEL_DEBIAN_H

#include <stddef.h>

#define DEB_DEFAULT_SUITES "bookworm bookworm-security trixie trixie-security trixie-backports sid"
#define DEB_DEFAULT_MIRROR "http://deb.debian.org/debian"
#define DEB_DEFAULT_SECURITY_MIRROR "http://deb.debian.org/debian-security"
#define DEB_DEFAULT_KEYRING "/usr/share/keyrings/debian-archive-keyring.gpg"
/* Package lists older than this are refreshed. */
#define DEB_LISTS_MAX_AGE_S (24 * 3600)

struct deb_apt_conf {
	const char *dir;	/* configuration and state; NULL: cache_dir()/apt */
	const char *suites;	/* NULL: $MMSTALL_DEB_SUITES, else DEB_DEFAULT_SUITES */
	const char *mirror;	/* NULL: $MMSTALL_DEB_MIRROR, else the system's, else the default */
	const char *keyring;	/* NULL: $MMSTALL_DEB_KEYRING, else DEB_DEFAULT_KEYRING */
	/*
	 * A whole sources.list (one-line format) instead of mirror and
	 * keyring: the tests' local fixture archives.  suites then only
	 * names what the sources hold, for messages.
	 */
	const char *sources;
};

struct deb_apt;

/* Set up the configuration (no network).  Needs apt-get, apt-cache and dpkg-deb. */
int deb_apt_open(const struct deb_apt_conf *c, struct deb_apt **out, char *err, size_t errlen);
void deb_apt_close(struct deb_apt *a);
/* "suites bookworm, trixie, trixie-backports, sid of http://deb.debian.org/debian", for messages. */
const char *deb_apt_where(const struct deb_apt *a);
/* The position of suite among the configured ones (0: first), the count if it is none of them. */
size_t deb_apt_suite_rank(const struct deb_apt *a, const char *suite);

/*
 * Package lists no older than max_age_s, else 'apt-get update' (a message
 * says so).  When the update fails and older lists exist they are used,
 * with a warning; without any, the failure is an error.
 */
int deb_apt_refresh(struct deb_apt *a, unsigned int max_age_s, char *err, size_t errlen);

struct deb_pkg {
	char *name;
	char *version;
	char *suite;		/* where the lists have it (the first configured suite) */
};
void deb_pkg_free(struct deb_pkg *p);
void deb_pkgs_free(struct deb_pkg *v, size_t n);

/* Names of the packages that start with prefix (NULL-terminated, caller frees each and the vector). */
int deb_apt_names(struct deb_apt *a, const char *prefix, char ***names, char *err, size_t errlen);
/* Every version of the given packages, with its suite; unknown names give none. */
int deb_apt_versions(struct deb_apt *a, char *const *names, size_t n, struct deb_pkg **out, size_t *nout,
		     char *err, size_t errlen);
/*
 * The packages one version Depends on, in order, alternatives included;
 * a dependency's version is set for "(= V)", NULL otherwise.
 */
int deb_apt_depends(struct deb_apt *a, const struct deb_pkg *p, struct deb_pkg **deps, size_t *n, char *err,
		    size_t errlen);
/*
 * Download exact versions into dir (hashes checked against the signed
 * lists).  paths (may be NULL) gets the .deb of each, in order.
 */
int deb_apt_download(struct deb_apt *a, const struct deb_pkg *pkgs, size_t n, const char *dir, char ***paths,
		     char *err, size_t errlen);

/* Unpack a .deb's files under dir (dpkg-deb -x). */
int deb_extract(const char *deb, const char *dir, char *err, size_t errlen);

/* dpkg's version order (epoch, upstream, revision): <0, 0 or >0. */
int deb_version_cmp(const char *a, const char *b);

/* ---- Debian's kernel packages (debian_kernel.c) ---- */

/*
 * The image package a pattern means, among every configured suite: the
 * newest linux-image-X.Y.Z* whose name starts with pattern (a number is
 * not cut short: "linux-image-6.1" is 6.1, not 6.12; shell wildcards are
 * allowed), the cloud flavour when both match; "latest" is the newest
 * cloud kernel.  Meta, -dbg, -unsigned and -rt packages never match.
 * Newest is by upstream version (the kernel's code); the same upstream
 * version built for several suites is taken from the first configured
 * one (bookworm's build of 6.12.117 on the default suites, not trixie's).
 * The lists must be fresh (deb_apt_refresh).
 */
int deb_kernel_pick(struct deb_apt *a, const char *pattern, struct deb_pkg *out, char *err, size_t errlen);

/* The release (uname -r) of an image package: "linux-image-<release>". */
const char *deb_kernel_release(const struct deb_pkg *p);

/*
 * Fetch an image package (and for the split layout, its parts) and lay it
 * out in dir, which must exist and be empty: dir/vmlinuz, dir/config and
 * dir/System.map when the packages have them, dir/modules (its
 * lib/modules/<release>, with modules.dep) when they have modules.
 */
int deb_kernel_unpack(struct deb_apt *a, const struct deb_pkg *p, const char *dir, char *err, size_t errlen);

/* The newest version of a kernel source package (linux-source-X.Y) in any configured suite (same order). */
int deb_source_pick(struct deb_apt *a, const char *name, struct deb_pkg *out, char *err, size_t errlen);

/*
 * Download and unpack a source package under workdir; tarball gets the
 * path of its /usr/src/linux-source-*.tar.* (caller frees).
 */
int deb_source_fetch(struct deb_apt *a, const struct deb_pkg *p, const char *workdir, char **tarball, char *err,
		     size_t errlen);

#endif
