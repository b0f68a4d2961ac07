// SPDX-License-Identifier: GPL-2.0
/*
 * Scenario files: the input is written to a file and given to
 * scenario_load(), as 'mmstall run --scenario FILE' does.  A file that
 * loads is then validated and taken everywhere a scenario goes: printed,
 * recorded as JSON, its probes resolved, its kernel needs listed, and
 * passed to a guest as --key=value arguments.
 *
 * Oracle: an error comes with a message; a name is kept whole or refused
 * (never cut); the guest's arguments rebuild exactly the same settings.
 */
#include "tests/fuzz/fuzz_common.h"

#include <jansson.h>

#include "harness/util.h"
#include "workloads/scenario.h"

static FILE *devnull;

static int need(const char *feature, const char *because, void *arg)
{
	(void)arg;
	if (!feature || !*feature || !because)
		fuzz_fail("a kernel need without a feature or a reason");
	return 0;
}

/* What 'mmstall vm' passes to the guest must rebuild the same settings. */
static void check_argv_roundtrip(const struct scenario *sc)
{
	struct scenario back;
	json_t *a, *b, *v;
	const char *key;
	char err[1024];
	char **argv;
	int argc, i;

	argv = scenario_to_argv(sc, &argc);
	if (!argv)
		abort();
	scenario_defaults(&back);
	for (i = 0; i < argc; i++) {
		if (scenario_set_pair(&back, argv[i] + 2, err, sizeof(err)))
			fuzz_fail("the guest's argument '%s' is refused: %s", argv[i], err);
		free(argv[i]);
	}
	free(argv);
	/* setting by setting (bytes after a string's NUL are no setting) */
	a = scenario_to_json(sc);
	b = scenario_to_json(&back);
	json_object_foreach(a, key, v)
		if (!json_equal(v, json_object_get(b, key)))
			fuzz_fail("the guest's arguments rebuild another %s than the scenario's", key);
	json_decref(a);
	json_decref(b);
}

/* The recorded name is the file's "name" whole (or settings.name's). */
static void check_name(const struct scenario *sc, const char *text)
{
	json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	const json_t *settings = json_object_get(root, "settings");
	const char *name = json_string_value(json_object_get(root, "name"));

	if (name && !json_object_get(settings, "name") && strcmp(name, sc->name))
		fuzz_fail("scenario name of %zu bytes recorded as '%s' (%zu bytes)", strlen(name), sc->name,
			  strlen(sc->name));
	json_decref(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[PATH_MAX], err[2048];
	struct scenario sc;
	char *text;
	int ret;

	if (!devnull && !(devnull = fopen("/dev/null", "w")))
		abort();
	snprintf(path, sizeof(path), "%s/scenario.json", fuzz_dir());
	fuzz_write(path, data, size);
	scenario_defaults(&sc);
	err[0] = '\0';
	ret = scenario_load(&sc, path, err, sizeof(err));
	if (ret && !err[0])
		fuzz_fail("scenario_load() failed (%d) without a message", ret);
	if (ret)
		return 0;
	text = fuzz_str(data, size);
	check_name(&sc, text);
	free(text);

	err[0] = '\0';
	ret = scenario_validate(&sc, err, sizeof(err));
	if (ret && !err[0])
		fuzz_fail("scenario_validate() failed (%d) without a message", ret);
	scenario_print(devnull, &sc);
	scenario_print_probes(devnull, &sc);
	json_decref(scenario_probes_json(&sc));
	json_decref(scenario_to_json(&sc));
	scenario_kernel_needs(&sc, need, NULL);
	check_argv_roundtrip(&sc);
	return 0;
}
