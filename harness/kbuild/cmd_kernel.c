// SPDX-License-Identifier: GPL-2.0
/* mmstall kernel build|list|rm: guest kernels built from source, cached. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/kbuild/build.h"
#include "harness/util.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: mmstall kernel build --source SRC --label LABEL [--patches P] [--jobs N]\n"
		"                            [--fragment FILE] [--max-cache SIZE]\n"
		"       mmstall kernel list\n"
		"       mmstall kernel rm LABEL...\n"
		"\n"
		"Build guest kernels for 'mmstall vm --kernel LABEL=build:LABEL': allnoconfig\n"
		"plus mmstall's config fragment (io.latency, io.cost, PSI, mmap_lock\n"
		"tracepoints, all built in), out of tree, cached by source, patches and\n"
		"fragment.\n"
		"\n"
		"  --source SRC      a kernel source directory, a git tree (its HEAD commit), a\n"
		"                    tarball (.tar.xz, .tar.gz...) or deb:linux-source-X.Y\n"
		"                    (Debian's source package, downloaded with apt-get)\n"
		"  --label LABEL     name of the build (letters, digits, ._+-)\n"
		"  --patches P       a directory of patches (its 'series' file, else *.patch and\n"
		"                    *.diff in name order), an mbox (git am), or a range A..B of\n"
		"                    the source's commits when SRC is a git tree\n"
		"  --jobs N          make -jN [number of CPUs]\n"
		"  --fragment FILE   config fragment [$MMSTALL_FRAGMENT, else\n"
		"                    %s]\n"
		"  --max-cache SIZE  cap of the kernel cache; least recently used work trees,\n"
		"                    then builds, are removed after a build\n"
		"                    [$MMSTALL_KBUILD_MAX, else 40G]\n"
		"\n"
		"The cache is %s/kbuild (MMSTALL_CACHE moves it).\n"
		"Exit status: 0 built or cached, 1 the build failed, 2 bad input.\n",
		kb_default_fragment(), cache_dir());
}

static int cmd_build(int argc, char **argv)
{
	enum { OPT_LABEL = 256, OPT_MAX_CACHE };
	static const struct option longopts[] = {
		KB_BUILD_LONGOPTS,
		{ "label", required_argument, NULL, OPT_LABEL },
		{ "max-cache", required_argument, NULL, OPT_MAX_CACHE },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct kb_build_opts o;
	const char *max = NULL;
	int c, r;

	kb_build_opts_init(&o);
	while ((c = getopt_long(argc, argv, "hv", longopts, NULL)) != -1) {
		r = kb_build_opt(c, optarg, &o);
		if (r < 0)
			return EXIT_USAGE;
		if (r)
			continue;
		switch (c) {
		case OPT_LABEL:
			o.label = optarg;
			break;
		case OPT_MAX_CACHE:
			max = optarg;
			break;
		case 'v':
			mm_verbose++;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		msg_err("unexpected argument '%s' (see 'mmstall kernel --help')", argv[optind]);
		return EXIT_USAGE;
	}
	if (!o.source || !o.label) {
		msg_err("kernel build needs --source SRC and --label LABEL, e.g. 'mmstall kernel build --source "
			"deb:linux-source-6.1 --label base'");
		return EXIT_USAGE;
	}
	if (!builds_label_ok(o.label)) {
		msg_err("invalid --label '%s': expected 1 to 63 letters, digits and ._+- (not starting with '.')",
			o.label);
		return EXIT_USAGE;
	}
	if (kb_cache_max(max, &o.max_cache))
		return EXIT_USAGE;
	switch (kb_build_run(&o, NULL)) {
	case 0:
		return EXIT_OK;
	case -EINVAL:
	case -ENOENT:
		return EXIT_USAGE;
	default:
		return EXIT_FAIL;
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Label names, sorted. */
static void list_labels(struct kb_strv *names)
{
	char dir[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if (builds_path(dir, sizeof(dir), "labels") || !(d = opendir(dir)))
		return;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			kb_strv_push(names, de->d_name);
	closedir(d);
	if (names->n)
		qsort(names->v, names->n, sizeof(char *), cmp_str);
}

static const char *jstr(json_t *m, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(m, key));

	return s ? s : dflt;
}

/* s, or "..." and its tail when longer than width (paths: the end tells most). */
static const char *fit(const char *s, size_t width, char *buf, size_t len)
{
	size_t n = strlen(s);

	if (n <= width || width < 4)
		return s;
	snprintf(buf, len, "...%s", s + n - (width - 3));
	return buf;
}

static int cmd_list(int argc, char **argv)
{
	struct kb_strv names = { 0 };
	char dir[PATH_MAX], size[32], total[32], src[64], pat[64];
	size_t i;

	if (argc > 1) {
		if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
			usage(stdout);
			return EXIT_OK;
		}
		msg_err("kernel list takes no arguments, found '%s'", argv[1]);
		return EXIT_USAGE;
	}
	list_labels(&names);
	builds_path(dir, sizeof(dir), "%s", "");
	if (!names.n) {
		printf("no kernels built yet (cache %s); build one with 'mmstall kernel build --source "
		       "deb:linux-source-6.1 --label base'\n", dir);
		return EXIT_OK;
	}
	printf("%-14s %-22s %-28s %-20s %-16s %7s %s\n", "LABEL", "RELEASE", "SOURCE", "PATCHES", "CONFIG",
	       "SIZE", "BUILT");
	for (i = 0; i < names.n; i++) {
		char *p = xasprintf("%slabels/%s/manifest.json", dir, names.v[i]);
		json_t *m = json_load_file(p, 0, NULL);

		free(p);
		if (!m) {
			printf("%-14s (no build: its entry was removed; 'mmstall kernel rm %s')\n", names.v[i],
			       names.v[i]);
			continue;
		}
		kb_fmt_size(size, sizeof(size), json_integer_value(json_object_get(m, "image_size_bytes")));
		printf("%-14s %-22s %-28s %-20s %-16s %7s %s\n", names.v[i], jstr(m, "release", "?"),
		       fit(jstr(m, "source_path", jstr(m, "source", "?")), 28, src, sizeof(src)),
		       fit(jstr(m, "patches", "-"), 20, pat, sizeof(pat)), jstr(m, "config_hash", "?"), size,
		       jstr(m, "built_at", "?"));
		json_decref(m);
	}
	kb_fmt_size(total, sizeof(total), kb_du(dir));
	printf("\ncache %s: %s (work trees and builds; cap: --max-cache / MMSTALL_KBUILD_MAX)\n", dir, total);
	kb_strv_free(&names);
	return EXIT_OK;
}

/* Is builds/<target> still named by a label? */
static bool build_in_use(const char *target)
{
	struct kb_strv names = { 0 };
	char dir[PATH_MAX], link[PATH_MAX];
	bool used = false;
	size_t i;

	list_labels(&names);
	builds_path(dir, sizeof(dir), "labels");
	for (i = 0; i < names.n && !used; i++) {
		char *p = xasprintf("%s/%s", dir, names.v[i]);
		ssize_t n = readlink(p, link, sizeof(link) - 1);

		free(p);
		used = n > 0 && (link[n] = '\0', !strcmp(link, target));
	}
	kb_strv_free(&names);
	return used;
}

static int rm_label(const char *label)
{
	char link[PATH_MAX], target[PATH_MAX], dir[PATH_MAX];
	ssize_t n;

	if (!builds_label_ok(label) || builds_path(link, sizeof(link), "labels/%s", label)) {
		msg_err("invalid label '%s'", label);
		return EXIT_USAGE;
	}
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0) {
		msg_err("no kernel build labelled '%s' (see 'mmstall kernel list')", label);
		return EXIT_USAGE;
	}
	target[n] = '\0';
	unlink(link);
	if (build_in_use(target)) {
		printf("removed label %s (its build is still labelled otherwise)\n", label);
		return EXIT_OK;
	}
	/* target is "../builds/<key>" */
	builds_path(dir, sizeof(dir), "builds/%s", strrchr(target, '/') ? strrchr(target, '/') + 1 : target);
	rm_rf(dir);
	printf("removed %s and its build %s\n", label, dir);
	return EXIT_OK;
}

static int cmd_rm(int argc, char **argv)
{
	int i, ret = EXIT_OK, r;

	if (argc < 2) {
		msg_err("kernel rm needs the LABEL of a build (see 'mmstall kernel list')");
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return EXIT_OK;
	}
	for (i = 1; i < argc; i++)
		if ((r = rm_label(argv[i])) != EXIT_OK)
			ret = r;
	return ret;
}

int cmd_kernel(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	mm_progname = "mmstall kernel";
	if (!strcmp(argv[1], "build"))
		return cmd_build(argc - 1, argv + 1);
	if (!strcmp(argv[1], "list"))
		return cmd_list(argc - 1, argv + 1);
	if (!strcmp(argv[1], "rm"))
		return cmd_rm(argc - 1, argv + 1);
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	msg_err("unknown kernel command '%s': expected build, list or rm (see 'mmstall kernel --help')", argv[1]);
	return EXIT_USAGE;
}
