// SPDX-License-Identifier: GPL-2.0
/*
 * Result files on disk: saving a document (with the fields derived from
 * the decoded run) atomically, and loading one (capped, regular files only,
 * of the supported format version) into a document or a decoded run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/result.h"
#include "harness/util.h"

static json_t *index_json(const struct probe_result *p)
{
	json_t *o = json_object(), *lb = json_array(), *ub = json_array();
	int st;

	for (st = 0; st < RESULT_NR_STATS; st++) {
		const struct stat_value *x = &p->index[st];

		json_object_set_new(o, result_stats[st].index_key, x->known ? json_real(x->v) : json_null());
		if (x->known && x->lower_bound)
			json_array_append_new(lb, json_string(result_stats[st].index_key));
		if (x->known && x->upper_bound)
			json_array_append_new(ub, json_string(result_stats[st].index_key));
	}
	json_object_set_new(o, "lower_bound", lb);
	json_object_set_new(o, "upper_bound", ub);
	return o;
}

int result_save(const char *path, json_t *root)
{
	json_t *probes = json_object_get(root, "probes");
	struct run_result r;
	char err[256], *s;
	size_t i;
	int ret;

	/* the derived fields, as the decoder computes them (a result not yet complete has none to derive) */
	if (json_is_object(probes) && !result_decode(root, &r, err, sizeof(err))) {
		for (i = 0; i < r.nr_probes; i++) {
			json_t *p = json_object_get(probes, r.probes[i].name);

			if ((int)i == r.control)
				json_object_del(p, "stall_index");
			else
				json_object_set_new(p, "stall_index", index_json(&r.probes[i]));
		}
		result_free(&r);
	}
	s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!s)
		return -ENOMEM;
	ret = write_file_atomic(path, s, strlen(s));
	free(s);
	return ret;
}

json_t *result_load(const char *path, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root, *v;
	char *text;

	int ret = read_file_capped(path, RESULT_MAX_BYTES, &text, NULL);

	if (ret) {
		snprintf(err, errlen, "%s: %s", path,
			 ret == -EINVAL ? "not a regular file (a result is a .json file)"
			 : ret == -EFBIG ? "larger than any result can be (" STRINGIFY(RESULT_MAX_MIB) " MiB)"
					 : strerror(-ret));
		return NULL;
	}
	root = json_loads(text, 0, &je);
	free(text);
	if (!root) {
		snprintf(err, errlen, "%s:%d:%d: %s", path, je.line, je.column, je.text);
		return NULL;
	}
	v = json_object_get(root, "format_version");
	if (!json_is_integer(v) || json_integer_value(v) != RESULT_FORMAT_VERSION) {
		snprintf(err, errlen, "%s: not an mmstall result of format version %d", path, RESULT_FORMAT_VERSION);
		json_decref(root);
		return NULL;
	}
	return root;
}

int result_read(const char *path, struct run_result *r, char *err, size_t errlen)
{
	char why[512];
	json_t *root = result_load(path, err, errlen);
	int ret;

	if (!root)
		return -EINVAL;
	ret = result_decode(root, r, why, sizeof(why));
	json_decref(root);
	if (ret)
		snprintf(err, errlen, "%s: not a well-formed result: %s", path, why);
	return ret;
}
