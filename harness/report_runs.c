// SPDX-License-Identifier: GPL-2.0
/* 'mmstall report --format runs': every run's table (result_table.c). */
#include <stdlib.h>
#include <string.h>

#include "harness/report.h"
#include "harness/report_common.h"
#include "harness/util.h"

/* Every run of the summary; a variant with repetitions labels them VARIANT/REP. */
static int render(FILE *f, const struct summary *s)
{
	const struct runset *rs = s->rs;
	const struct run_result **res = xcalloc(rs->nr_runs ?: 1, sizeof(*res));
	char **labels = xcalloc(rs->nr_runs ?: 1, sizeof(*labels));
	size_t i, v;

	for (i = 0; i < rs->nr_runs; i++) {
		v = rs->runs[i].variant;
		res[i] = &rs->runs[i].res;
		labels[i] = s->runs[v] > 1 ? xasprintf("%s/%d", rs->variants[v], rs->runs[i].rep)
					   : xstrdup(rs->variants[v]);
	}
	result_print_table(f, res, (const char *const *)labels, rs->nr_runs);
	for (i = 0; i < rs->nr_runs; i++)
		free(labels[i]);
	free(res);
	free(labels);
	return 0;
}

const struct report_format report_runs = {
	.name = "runs",
	.help = "the per-run table of every run: count, p50, p99, p99.9, max and the p99 stall index",
	.render = render,
};
