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

#include "harness/kconfig.h"
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

static void fragment_set(struct kb_fragment *f, const char *name, size_t nlen, const char *value)
{
	struct kb_opt *o;
	size_t i;

	/* a later line wins, as in merge_config.sh */
	for (i = 0; i < f->n; i++) {
		if (strlen(f->opts[i].name) == nlen && !strncmp(f->opts[i].name, name, nlen)) {
			free(f->opts[i].value);
			f->opts[i].value = value ? xstrdup(value) : NULL;
			return;
		}
	}
	o = realloc(f->opts, (f->n + 1) * sizeof(*o));
	if (!o)
		abort();
	f->opts = o;
	f->opts[f->n].name = xasprintf("%.*s", (int)nlen, name);
	f->opts[f->n++].value = value ? xstrdup(value) : NULL;
}

static int parse_line(struct kb_fragment *f, char *line)
{
	size_t len = strlen(line), n;

	while (len && isspace((unsigned char)line[len - 1]))
		line[--len] = '\0';
	if (!len)
		return 0;
	if (line[0] == '#') {
		n = strncmp(line, "# ", 2) ? 0 : option_len(line + 2);
		if (n && !strcmp(line + 2 + n, " is not set"))
			fragment_set(f, line + 2, n, NULL);
		return 0;	/* any other comment */
	}
	n = option_len(line);
	if (!n || line[n] != '=' || !line[n + 1])
		return -EINVAL;
	fragment_set(f, line, n, line + n + 1);
	return 0;
}

int kb_fragment_parse(const char *text, const char *name, struct kb_fragment *f, char *err, size_t errlen)
{
	char *copy = xstrdup(text), *line, *next;
	int lineno = 0, ret = 0;

	memset(f, 0, sizeof(*f));
	for (line = copy; line && !ret; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		ret = parse_line(f, line);
		if (ret)
			snprintf(err, errlen,
				 "%s:%d: expected 'CONFIG_NAME=value' or '# CONFIG_NAME is not set', found '%.200s'",
				 name, lineno, line);
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

	for (i = 0; i < f->n; i++) {
		free(f->opts[i].name);
		free(f->opts[i].value);
	}
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

size_t kb_fragment_check(const struct kb_fragment *f, const struct kconfig *kc, struct kb_strv *dropped)
{
	size_t i, n = 0;

	for (i = 0; i < f->n; i++) {
		const struct kb_opt *o = &f->opts[i];
		const char *have = kconfig_get(kc, o->name);

		if (o->value ? have && same_value(o->value, have) : !have)
			continue;
		n++;
		if (!o->value)
			kb_strv_pushf(dropped, "# %s is not set (the .config has: %s=%s)", o->name, o->name, have);
		else if (!have)
			kb_strv_pushf(dropped, "%s=%s (the .config has: not set)", o->name, o->value);
		else
			kb_strv_pushf(dropped, "%s=%s (the .config has: %s=%s)", o->name, o->value, o->name, have);
	}
	return n;
}

const char *kb_default_fragment(void)
{
	const char *e = getenv("MMSTALL_FRAGMENT");

	return e && *e ? e : MMSTALL_FRAGMENT_PATH;
}
