// SPDX-License-Identifier: GPL-2.0
/*
 * The config fragment: parse it, and check that 'make olddefconfig' kept
 * every line of it.  merge_config.sh only warns when a value is lost (a
 * dependency is off, the option was renamed or does not exist in this
 * version); for mmstall that is a kernel that cannot run a scenario, so it
 * is an error that names each option.
 */
#include "harness/kbuild/kbuild.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/kernel/kconfig.h"
#include "harness/util.h"

#ifndef MMSTALL_FRAGMENT_PATH
#define MMSTALL_FRAGMENT_PATH "kconfig/mmstall.config"
#endif

static size_t option_len(const char *s)
{
	size_t n = 0;

	if (strncmp(s, "CONFIG_", 7))
		return 0;
	for (n = 7; isalnum((unsigned char)s[n]) || s[n] == '_'; n++)
		;
	return n > 7 ? n : 0;
}

static void opt_free(struct kb_opt *o)
{
	size_t i;

	for (i = 0; i < o->n_alts; i++)
		opt_free(&o->alts[i]);
	free(o->alts);
	free(o->name);
	free(o->value);
	memset(o, 0, sizeof(*o));
}

/* Set an option (a later line wins, as in merge_config.sh); its index. */
static size_t fragment_set(struct kb_fragment *f, const char *name, size_t nlen, const char *value)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		if (strlen(f->opts[i].name) == nlen && !strncmp(f->opts[i].name, name, nlen)) {
			opt_free(&f->opts[i]);
			break;
		}
	}
	if (i == f->n)
		f->opts = xrealloc(f->opts, (++f->n) * sizeof(*f->opts));
	f->opts[i].name = xasprintf("%.*s", (int)nlen, name);
	f->opts[i].value = value ? xstrdup(value) : NULL;
	f->opts[i].alts = NULL;
	f->opts[i].n_alts = 0;
	return i;
}

/* "# or CONFIG_Y=v" after option last: 1 taken, 0 not such a line, -EINVAL misplaced or malformed. */
static int parse_alt(struct kb_fragment *f, long last, const char *line)
{
	struct kb_opt *o, *a;
	size_t n;

	if (strncmp(line, "# or ", 5))
		return 0;
	n = option_len(line + 5);
	if (last < 0 || !n || line[5 + n] != '=' || !line[6 + n])
		return -EINVAL;
	o = &f->opts[last];
	o->alts = xrealloc(o->alts, (o->n_alts + 1) * sizeof(*o->alts));
	a = &o->alts[o->n_alts++];
	memset(a, 0, sizeof(*a));
	a->name = xasprintf("%.*s", (int)n, line + 5);
	a->value = xstrdup(line + 6 + n);
	return 1;
}

/* One line; *last is the option the previous line set (-1: none), for "# or". */
static int parse_line(struct kb_fragment *f, char *line, long *last)
{
	size_t len = strlen(line), n;
	int ret;

	while (len && isspace((unsigned char)line[len - 1]))
		line[--len] = '\0';
	if (!len)
		return 0;
	if (line[0] == '#') {
		ret = parse_alt(f, *last, line);
		if (ret)
			return ret < 0 ? ret : 0;
		n = strncmp(line, "# ", 2) ? 0 : option_len(line + 2);
		if (n && !strcmp(line + 2 + n, " is not set")) {
			*last = fragment_set(f, line + 2, n, NULL);
			return 0;
		}
		*last = -1;
		return 0;	/* any other comment */
	}
	n = option_len(line);
	if (!n || line[n] != '=' || !line[n + 1])
		return -EINVAL;
	*last = fragment_set(f, line, n, line + n + 1);
	return 0;
}

int kb_fragment_parse(const char *text, const char *name, struct kb_fragment *f, char *err, size_t errlen)
{
	char *copy = xstrdup(text), *line, *next;
	int lineno = 0, ret = 0;
	long last = -1;

	memset(f, 0, sizeof(*f));
	for (line = copy; line && !ret; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		ret = parse_line(f, line, &last);
		if (ret)
			snprintf(err, errlen,
				 "%s:%d: expected 'CONFIG_NAME=value', '# CONFIG_NAME is not set' or, right after "
				 "an option, '# or CONFIG_NAME=value', found '%.200s'", name, lineno, line);
	}
	free(copy);
	if (!ret && !f->n) {
		snprintf(err, errlen, "%s: no options in it (lines 'CONFIG_NAME=value')", name);
		ret = -EINVAL;
	}
	if (ret)
		kb_fragment_free(f);
	return ret;
}

void kb_fragment_free(struct kb_fragment *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		opt_free(&f->opts[i]);
	free(f->opts);
	memset(f, 0, sizeof(*f));
}

/* kconfig_get() strips the quotes of string values: compare the same way. */
static bool same_value(const char *want, const char *have)
{
	size_t n = strlen(want);

	if (n >= 2 && want[0] == '"' && want[n - 1] == '"')
		return strlen(have) == n - 2 && !strncmp(want + 1, have, n - 2);
	return !strcmp(want, have);
}

static bool holds(const struct kb_opt *o, const struct kconfig *kc)
{
	const char *have = kconfig_get(kc, o->name);

	return o->value ? have && same_value(o->value, have) : !have;
}

size_t kb_fragment_check(const struct kb_fragment *f, const struct kconfig *kc, struct kb_strv *dropped)
{
	size_t i, j, n = 0;

	for (i = 0; i < f->n; i++) {
		const struct kb_opt *o = &f->opts[i];
		const char *have = kconfig_get(kc, o->name);
		char *alts = xstrdup("");
		bool ok = holds(o, kc);

		for (j = 0; j < o->n_alts && !ok; j++)
			ok = holds(&o->alts[j], kc);
		if (ok) {
			free(alts);
			continue;
		}
		n++;
		for (j = 0; j < o->n_alts; j++) {
			const char *ah = kconfig_get(kc, o->alts[j].name);
			char *next = xasprintf("%s, or %s=%s (the .config has: %s%s%s)", alts, o->alts[j].name,
					       o->alts[j].value, ah ? o->alts[j].name : "not set", ah ? "=" : "",
					       ah ? ah : "");

			free(alts);
			alts = next;
		}
		if (!o->value)
			kb_strv_pushf(dropped, "# %s is not set (the .config has: %s=%s)%s", o->name, o->name, have, alts);
		else if (!have)
			kb_strv_pushf(dropped, "%s=%s (the .config has: not set)%s", o->name, o->value, alts);
		else
			kb_strv_pushf(dropped, "%s=%s (the .config has: %s=%s)%s", o->name, o->value, o->name, have,
				      alts);
		free(alts);
	}
	return n;
}

const char *kb_default_fragment(void)
{
	const char *e = getenv("MMSTALL_FRAGMENT");

	return e && *e ? e : MMSTALL_FRAGMENT_PATH;
}
