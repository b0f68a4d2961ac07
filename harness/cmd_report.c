// SPDX-License-Identifier: GPL-2.0
/* mmstall report: re-render stored results without re-running anything. */
#include <dirent.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cmds.h"
#include "harness/report.h"
#include "harness/result.h"
#include "harness/util.h"

#define MAX_RESULTS 256

static void usage(FILE *f)
{
	fprintf(f, "Usage: mmstall report [-h] PATH...\n"
		   "\n"
		   "Print the latency table of stored results.  PATH is a result file (*.json)\n"
		   "or a results directory (every *.json in it, in name order).\n"
		   "\n"
		   "Exit status: 0 all results ok, 1 some run failed, 2 bad input.\n");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_result_name(const char *n)
{
	size_t l = strlen(n);

	return l > 5 && !strcmp(n + l - 5, ".json") && n[0] != '.' && !strstr(n, ".tmp.");
}

/* Collect result files of a directory, sorted. */
static int list_dir(const char *dir, char **paths, int *n)
{
	char *names[MAX_RESULTS];
	struct dirent *de;
	int k = 0, i;
	DIR *d = opendir(dir);

	if (!d)
		return -1;
	while ((de = readdir(d)) && k < MAX_RESULTS)
		if (is_result_name(de->d_name))
			names[k++] = strdup(de->d_name);
	closedir(d);
	qsort(names, k, sizeof(char *), cmp_str);
	for (i = 0; i < k; i++) {
		if (*n < MAX_RESULTS && asprintf(&paths[*n], "%s/%s", dir, names[i]) >= 0)
			(*n)++;
		free(names[i]);
	}
	return k;
}

static char *label_of(json_t *res, const char *path)
{
	const char *l = json_string_value(json_object_get(json_object_get(res, "vm"), "label"));
	const char *base;
	char *s;

	if (!l)
		l = json_string_value(json_object_get(res, "label"));
	if (l)
		return strdup(l);
	base = strrchr(path, '/');
	s = strdup(base ? base + 1 : path);
	s[strcspn(s, ".")] = '\0';
	return s;
}

int cmd_report(int argc, char **argv)
{
	static const struct option longopts[] = { { "help", no_argument, NULL, 'h' }, { 0 } };
	char *paths[MAX_RESULTS], *labels[MAX_RESULTS], err[1024];
	json_t *res[MAX_RESULTS];
	int c, i, n = 0, loaded = 0, code = EXIT_OK;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return EXIT_OK;
		}
		usage(stderr);
		return EXIT_USAGE;
	}
	if (optind >= argc) {
		msg_err("report needs at least one results directory or result file");
		usage(stderr);
		return EXIT_USAGE;
	}
	for (i = optind; i < argc; i++) {
		if (is_dir(argv[i])) {
			if (list_dir(argv[i], paths, &n) <= 0) {
				msg_err("no result files (*.json) in directory %s", argv[i]);
				code = EXIT_USAGE;
			}
		} else if (path_exists(argv[i])) {
			paths[n++] = strdup(argv[i]);
		} else {
			msg_err("no such result file or directory: %s", argv[i]);
			code = EXIT_USAGE;
		}
	}
	for (i = 0; i < n; i++) {
		json_t *r = result_load(paths[i], err, sizeof(err));
		const char *st;

		if (!r) {
			msg_err("%s", err);
			code = EXIT_USAGE;
			continue;
		}
		st = json_string_value(json_object_get(r, "status"));
		if ((!st || strcmp(st, "ok")) && code == EXIT_OK)
			code = EXIT_FAIL;
		res[loaded] = r;
		labels[loaded++] = label_of(r, paths[i]);
	}
	if (loaded)
		report_table(stdout, res, (const char *const *)labels, loaded);
	for (i = 0; i < loaded; i++) {
		json_decref(res[i]);
		free(labels[i]);
	}
	for (i = 0; i < n; i++)
		free(paths[i]);
	return code;
}
