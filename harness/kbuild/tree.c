// SPDX-License-Identifier: GPL-2.0
/*
 * The private work tree of a source: a git repository that mmstall alone
 * writes.  See kbuild.h for why git: resets touch only what changed.
 */
#include "harness/kbuild/kbuild.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/util.h"
#include "harness/proc.h"

/* Run git; on failure err gets "what: git's last line". */
static int git_step(const char *dir, const char *what, const char *const *args, char *err, size_t errlen)
{
	char *eout = NULL;
	int ret = kb_git(dir, NULL, &eout, args);

	if (ret) {
		if (ret == -EINTR)
			snprintf(err, errlen, "interrupted");
		else if (ret < 0)
			snprintf(err, errlen, "%s in %s: cannot run git (%s; apt-get install git)", what, dir,
				 strerror(-ret));
		else
			snprintf(err, errlen, "%s in %s failed (git exit status %d): %s", what, dir, ret,
				 last_line(eout));
	}
	free(eout);
	return ret < 0 ? ret : ret ? -EIO : 0;
}

int kb_tree_head(const char *dir, char *out, size_t len)
{
	static const char *const args[] = { "rev-parse", "--verify", "-q", "HEAD", NULL };
	char *o = NULL;
	int ret = kb_git(dir, &o, NULL, args);

	out[0] = '\0';
	if (!ret)
		snprintf(out, len, "%s", o);
	out[strcspn(out, "\n")] = '\0';
	free(o);
	return ret < 0 ? ret : ret ? -ENOENT : 0;
}

int kb_tree_import(const char *dir, char *base, size_t baselen, char *err, size_t errlen)
{
	static const char *const init[] = { "init", "-q", NULL };
	/* -f: a tarball's files are all source, whatever its .gitignore says */
	static const char *const add[] = { "add", "-A", "-f", ".", NULL };
	static const char *const commit[] = { "commit", "-q", "--allow-empty", "--no-verify",
					      "-m", "mmstall: source as imported", NULL };
	int ret;

	ret = git_step(dir, "git init", init, err, errlen);
	if (!ret)
		ret = git_step(dir, "git add", add, err, errlen);
	if (!ret)
		ret = git_step(dir, "git commit", commit, err, errlen);
	if (!ret && kb_tree_head(dir, base, baselen)) {
		snprintf(err, errlen, "no commit in %s after importing it", dir);
		ret = -EIO;
	}
	return ret;
}

int kb_tree_reset(const char *dir, const char *base, char *err, size_t errlen)
{
	static const char *const clean[] = { "clean", "-q", "-f", "-d", "-x", NULL };
	const char *const reset[] = { "reset", "-q", "--hard", base, NULL };
	char *am = xasprintf("%s/.git/rebase-apply", dir);
	int ret;

	/* a 'git am' that stopped (or a killed mmstall) leaves its state here */
	if (path_exists(am))
		rm_rf(am);
	free(am);
	ret = git_step(dir, "git reset", reset, err, errlen);
	if (!ret)
		ret = git_step(dir, "git clean", clean, err, errlen);
	return ret;
}
