// SPDX-License-Identifier: GPL-2.0
/* The format table: every report format is one entry, rendered from the summary. */
#include "harness/report.h"

#include <string.h>

#include "harness/util.h"

const struct report_format *const report_formats[] = {
	&report_text, &report_runs, &report_kernels, &report_mail, &report_json, &report_html,
};
const size_t report_nr_formats = ARRAY_SIZE(report_formats);

const struct report_format *report_format_find(const char *name)
{
	size_t i;

	for (i = 0; i < report_nr_formats; i++)
		if (!strcmp(report_formats[i]->name, name))
			return report_formats[i];
	return NULL;
}

const char *report_format_list(const char *sep, const char *last_sep)
{
	static char buf[128];
	size_t i, used = 0;

	for (i = 0; i < report_nr_formats && used < sizeof(buf); i++)
		used += snprintf(buf + used, sizeof(buf) - used, "%s%s", report_formats[i]->name,
				 i + 2 < report_nr_formats ? sep : i + 1 < report_nr_formats ? last_sep : "");
	return buf;
}
