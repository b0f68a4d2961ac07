/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 'mmstall kernel': guest kernels built from source, with mmstall's config
 * fragment (kconfig/mmstall.config) and optional patches, in a cache.
 *
 * Cache layout, under $MMSTALL_CACHE/kbuild (see cache_dir()); builds/ and
 * labels/ are the built-kernel cache that 'mmstall vm' reads, defined in
 * harness/kernel/builds.h:
 *
 *   trees/<tree>/src        private git work tree of one source origin (a
 *                           directory, a git repository, a tarball, a
 *                           Debian source package); never the user's tree
 *   trees/<tree>/obj-<frag> the O= object directory for one fragment
 *   trees/<tree>/info.json  origin, base commit, last use
 *   builds/<key>/           bzImage, config, System.map, build.log,
 *                           manifest.json; key = hash(source identity,
 *                           patch set, fragment)
 *   labels/<label>          symlink to ../builds/<key>
 *   logs/                   logs of running and failed builds
 *
 * Why a git work tree: every build starts with 'git checkout -f BASE', which
 * rewrites only the files the previous build's patches changed, with a new
 * mtime, so make rebuilds exactly those objects and the rest of the object
 * directory is reused: a patched build costs what the patch touches, and
 * going back to the base costs the same.  Applying patches is all-or-nothing
 * (git apply checks a whole patch before writing; a failed series is undone
 * with 'git reset --hard BASE').  The user's own source is only read.
 */
#ifndef MMSTALL_KBUILD_H
#define MMSTALL_KBUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/kernel/builds.h"

/* Error text buffers: a patch failure carries the rejected hunk. */
#define KB_ERR_LEN 8192

/* ---- common.c ---- */

/* A growable NULL-terminated string vector (argv, lists). */
struct kb_strv {
	char **v;
	size_t n;
};
void kb_strv_push(struct kb_strv *sv, const char *s);
void kb_strv_pushf(struct kb_strv *sv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void kb_strv_free(struct kb_strv *sv);

/*
 * Run git in dir with a fixed identity and no user configuration that
 * could change the result (autocrlf, hooks).  argv after "git".  Output
 * captured into out/err when not NULL.  Exit status or -errno.
 */
int kb_git(const char *dir, char **out, char **err, const char *const *args);

/* 16 hex digits of FNV-1a over a string / a file's contents. */
void kb_hash_hex(uint64_t h, char *buf /* 17 */);

/* Total size in bytes of the files under path (st_blocks, not followed symlinks). */
uint64_t kb_du(const char *path);

/* "1.2G", "340M", "12K". */
void kb_fmt_size(char *buf, size_t len, uint64_t bytes);

/* ---- fragment.c: the config fragment and its check ---- */

struct kb_opt {
	char *name;	/* CONFIG_X */
	char *value;	/* "y", "250", "\"str\""; NULL: must not be set */
	struct kb_opt *alts;	/* "# or CONFIG_Y=v" lines after it: accepted instead */
	size_t n_alts;
};

struct kb_fragment {
	struct kb_opt *opts;
	size_t n;
};

/*
 * Parse "CONFIG_X=v" and "# CONFIG_X is not set" lines; other comments and
 * blank lines are skipped; anything else is an error naming the line.
 * "# or CONFIG_Y=v" right after an option is an alternative the check
 * accepts instead of it (an option that newer kernels replaced): a comment
 * to merge_config.sh, so the option itself is what gets asked for.
 */
int kb_fragment_parse(const char *text, const char *name, struct kb_fragment *f, char *err, size_t errlen);
void kb_fragment_free(struct kb_fragment *f);

/*
 * Which fragment options the final .config (kconfig_load_file) does not hold.  Each
 * entry of dropped reads "CONFIG_X=y (the .config has: not set)".  Returns
 * the number dropped.
 */
struct kconfig;
size_t kb_fragment_check(const struct kb_fragment *f, const struct kconfig *kc, struct kb_strv *dropped);

/* The fragment shipped with mmstall: $MMSTALL_FRAGMENT, else the source tree's kconfig/mmstall.config. */
const char *kb_default_fragment(void);

/* ---- tree.c: the private git work tree ---- */

/* Make a git repository of a plain directory tree and commit all of it; base gets the commit. */
int kb_tree_import(const char *dir, char *base, size_t baselen, char *err, size_t errlen);
/* Put the tree back to base exactly: content, no untracked files, new mtimes on what changed. */
int kb_tree_reset(const char *dir, const char *base, char *err, size_t errlen);
/* Commit of HEAD into out ("" if none). */
int kb_tree_head(const char *dir, char *out, size_t len);

/* ---- patches.c ---- */

enum kb_patch_kind {
	KB_PATCH_NONE,
	KB_PATCH_DIR,	/* a directory: 'series' order, else sorted *.patch / *.diff */
	KB_PATCH_MBOX,	/* one mbox file: git am */
	KB_PATCH_RANGE, /* A..B in the git source: git format-patch, then as an mbox */
};

struct kb_patchset {
	enum kb_patch_kind kind;
	char *arg;		/* as given */
	struct kb_strv files;	/* DIR: the patches in order */
	struct kb_strv strip;	/* DIR: "-p1" per patch (series options) */
	char *mbox;		/* MBOX/RANGE: the mbox to apply */
	bool mbox_owned;	/* RANGE: generated, removed by kb_patchset_free */
	size_t count;		/* patches in the set */
	char identity[17];	/* hash of the patches' contents, in order */
};

/*
 * Resolve --patches ARG.  git_source is the source repository when the
 * source is a git tree (a range A..B is then allowed), else NULL; tmpdir
 * receives a generated mbox.
 */
int kb_patchset_resolve(const char *arg, const char *git_source, const char *tmpdir, struct kb_patchset *ps,
			char *err, size_t errlen);
/*
 * Apply the set to the work tree (which must be at base).  On failure err
 * names the patch and shows the rejected hunk, and the tree is reset to
 * base exactly as it was.
 */
int kb_patchset_apply(const struct kb_patchset *ps, const char *tree, const char *base, char *err, size_t errlen);
void kb_patchset_free(struct kb_patchset *ps);

/*
 * From a patch text, the hunk of file whose old range starts at line
 * (git's "patch failed: FILE:LINE"), or NULL.  Caller frees.
 */
char *kb_find_hunk(const char *patch, const char *file, long line);

/* ---- cache.c (paths and labels: harness/kernel/builds.h) ---- */

/* Evict least recently used trees, then builds, until the cache is under max bytes; keep_* are spared. */
int kb_cache_trim(uint64_t max, const char *keep_tree, const char *keep_key);
/* Cache cap: --max-cache, else $MMSTALL_KBUILD_MAX, else 40G. */
int kb_cache_max(const char *opt, uint64_t *out);

/* ---- cmd_kernel.c, cmd_bisect.c ---- */
int cmd_kernel(int argc, char **argv);
int cmd_bisect_step(int argc, char **argv);

#endif
