// SPDX-License-Identifier: GPL-2.0
/* mmstall scenarios / mmstall scenario show: the scenario library from the command line. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cmds.h"
#include "harness/util.h"
#include "workloads/scenario.h"

int cmd_scenarios(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("Usage: mmstall scenarios\n\nList the built-in scenarios (workloads/scenarios/*.json), "
		       "one line each.\nShow one with 'mmstall scenario show NAME'.\n");
		return EXIT_OK;
	}
	if (argc > 1) {
		msg_err("unexpected argument '%s' (see 'mmstall scenarios --help')", argv[1]);
		return EXIT_USAGE;
	}
	scenario_list(stdout);
	return EXIT_OK;
}

static void show_usage(FILE *f)
{
	fprintf(f, "Usage: mmstall scenario show NAME|FILE [--set KEY=VALUE]... [--KEY VALUE]...\n"
		   "                             [--json]\n"
		   "\n"
		   "Print a scenario's settings after defaults, the scenario file and the given\n"
		   "overrides are applied, exactly as 'mmstall run' and 'mmstall vm' would use them,\n"
		   "the probes as run, and the kernel features the scenario needs.\n");
}

static int print_need(const char *feature, const char *because, void *arg)
{
	fprintf(arg, "  %-18s %s\n", feature, because);
	return 0;
}

int cmd_scenario(int argc, char **argv)
{
	static const struct option own[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
	};
	struct scenario_cli cli = { 0 };
	struct option *longopts;
	struct scenario sc;
	char err[1024];
	int c, json = 0, ret = 0;

	if (argc < 2 || strcmp(argv[1], "show")) {
		if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
			show_usage(stdout);
			return EXIT_OK;
		}
		msg_err("expected 'mmstall scenario show NAME|FILE'");
		show_usage(stderr);
		return EXIT_USAGE;
	}
	argc--;
	argv++;
	longopts = scenario_longopts(own, ARRAY_SIZE(own));
	optind = 1;
	while (!ret && (c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c == 'j') {
			json = 1;
		} else if (c == 'h') {
			show_usage(stdout);
			free(longopts);
			return EXIT_OK;
		} else if (scenario_cli_is_opt(c)) {
			ret = scenario_cli_record(&cli, c, optarg, err, sizeof(err));
		} else {
			free(longopts);
			show_usage(stderr);
			return EXIT_USAGE;
		}
	}
	free(longopts);
	if (!ret && optind != argc - 1) {
		msg_err("scenario show takes one scenario name or file");
		return EXIT_USAGE;
	}
	if (!ret)
		cli.scenario = argv[optind];
	if (ret || scenario_cli_finish(&cli, &sc, err, sizeof(err))) {
		msg_err("%s", err);
		return EXIT_USAGE;
	}
	if (json) {
		json_t *o = scenario_to_json(&sc);

		/* not a setting: the probes setting resolved, as each result's probes.<name> records it */
		json_object_set_new(o, "probes_as_run", scenario_probes_json(&sc));
		json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(o);
	} else {
		scenario_print(stdout, &sc);
		scenario_print_probes(stdout, &sc);
		/* what 'mmstall vm' checks in each kernel's config before booting it */
		printf("\nkernel needs (checked before a guest boots; a|b: either):\n");
		scenario_kernel_needs(&sc, print_need, stdout);
	}
	return EXIT_OK;
}
