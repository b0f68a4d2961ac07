/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the tests of 'mmstall kernel' (test_kbuild*.c). */
#ifndef MMSTALL_TEST_KBUILD_UTIL_H
#define MMSTALL_TEST_KBUILD_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/kbuild/kbuild.h"
#include "harness/proc.h"
#include "harness/util.h"

/* Write dir/name (parent directories made); aborts on error: fixtures must exist. */
static inline void kbt_put(const char *dir, const char *name, const char *text)
{
	char *p = xasprintf("%s/%s", dir, name), *slash = strrchr(p, '/');

	*slash = '\0';
	mkdir_p(p, 0755);
	*slash = '/';
	if (write_file_atomic(p, text, strlen(text)))
		abort();
	free(p);
}

/* Run $MMSTALL with args (NULL-terminated); stdout and stderr into *output. Exit status. */
static inline int kbt_mmstall(const char *const *args, char **output)
{
	struct kb_strv argv = { 0 };
	const char *bin = getenv("MMSTALL");
	int ret;

	kb_strv_push(&argv, "sh");
	kb_strv_push(&argv, "-c");
	kb_strv_push(&argv, "exec \"$0\" \"$@\" 2>&1");
	kb_strv_push(&argv, bin ? bin : "./mmstall");
	for (; *args; args++)
		kb_strv_push(&argv, *args);
	*output = NULL;
	ret = proc_capture(argv.v, NULL, output, NULL);
	kb_strv_free(&argv);
	return ret;
}

static const char kbt_fake_makefile[] =
	"# A fake kernel: kbuild's targets as 'mmstall kernel build' calls them.\n"
	"O ?= .\n"
	"allnoconfig:\n"
	"\tprintf 'CONFIG_64BIT=y\\n# CONFIG_MODULES is not set\\n' > $(O)/.config\n"
	"olddefconfig:\n"
	"\tsed -i 's/^CONFIG_DROPME=y$$/# CONFIG_DROPME is not set/' $(O)/.config\n"
	"bzImage:\n"
	"\tif grep -q FAIL $(CURDIR)/VERSION; then echo 'init/main.c:1:1: error: fake failure' >&2; exit 2; fi\n"
	"\tmkdir -p $(O)/arch/x86/boot\n"
	"\tsh $(CURDIR)/mkimage.sh $(O)/arch/x86/boot/bzImage \"$$(cat $(CURDIR)/VERSION)\"\n"
	"\techo map > $(O)/System.map\n";

/* "HdrS" at 0x202, the version string's offset - 0x200 at 0x20e, the string at 0x300. */
static const char kbt_fake_mkimage[] =
	"f=$1\n"
	"head -c 4096 /dev/zero > $f\n"
	"printf 'HdrS' | dd of=$f bs=1 seek=514 conv=notrunc 2>/dev/null\n"
	"printf '\\000\\001' | dd of=$f bs=1 seek=526 conv=notrunc 2>/dev/null\n"
	"printf '%s (fake@test) #1\\000' \"$2\" | dd of=$f bs=1 seek=768 conv=notrunc 2>/dev/null\n";

/* merge_config.sh -m -O DIR BASE FRAGMENT: append (kconfig would resolve) */
static const char kbt_fake_merge[] = "cat \"$5\" >> \"$4\"\n";

/* A fake kernel tree in dir whose image reports release version ("FAIL" in it: make fails). */
static inline void kbt_fake_kernel(const char *dir, const char *version)
{
	kbt_put(dir, "Kconfig", "# fake\n");
	kbt_put(dir, "Makefile", kbt_fake_makefile);
	kbt_put(dir, "mkimage.sh", kbt_fake_mkimage);
	kbt_put(dir, "scripts/kconfig/merge_config.sh", kbt_fake_merge);
	kbt_put(dir, "VERSION", version);
}

#endif
