// SPDX-License-Identifier: GPL-2.0
/*
 * mmstall: measure how long a throttled low-priority cgroup can stall a
 * protected one through mmap_lock.  See README.md and mmstall(1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cmds.h"
#include "harness/kbuild/kbuild.h"
#include "harness/util.h"
#include "version.h"
#include "workloads/scenario.h"

static const struct subcommand {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} subcommands[] = {
	{ "run", cmd_run, "run a scenario on the live kernel (root, cgroup2)" },
	{ "vm", cmd_vm, "boot kernel variants under QEMU and run the scenario in each" },
	{ "report", cmd_report, "print the table of a results directory or result files" },
	{ "scenarios", cmd_scenarios, "list the built-in scenarios" },
	{ "scenario", cmd_scenario, "show a scenario's resolved settings (scenario show NAME|FILE)" },
	{ "bench", cmd_bench, "measure mmstall's own overheads (histogram, memory)" },
	{ "compare", cmd_compare, "run kernel variants N times each, interleaved, and compare them" },
	{ "gate", cmd_gate, "pass/fail stored results on a regression threshold (CI, git bisect run)" },
	{ "kernel", cmd_kernel, "build guest kernels from source (io.latency...), list and remove them" },
	{ "bisect-step", cmd_bisect_step, "one 'git bisect run' step: build, run, gate (0/1/125)" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"Usage: mmstall [--version] [--help] COMMAND [OPTIONS]\n"
		"\n"
		"Reproduce and measure the cgroup2 priority inversion through mmap_lock:\n"
		"a throttled low-priority cgroup faults a large mapping while a writer in the\n"
		"same process calls mprotect(); probes in a protected cgroup read\n"
		"/proc/<pid>/maps (what ps does) and time every sample.\n"
		"\n"
		"Commands:\n");
	for (i = 0; i < ARRAY_SIZE(subcommands); i++)
		fprintf(f, "  %-12s %s\n", subcommands[i].name, subcommands[i].summary);
	fprintf(f, "\nRun 'mmstall COMMAND --help' for a command's options; see mmstall(1).\n");
}

int main(int argc, char **argv)
{
	size_t i;

	mm_orig_argc = argc;
	mm_orig_argv = calloc(argc + 1, sizeof(char *));
	if (!mm_orig_argv)
		return EXIT_FAIL;
	for (i = 0; i < (size_t)argc; i++)
		mm_orig_argv[i] = argv[i];

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("mmstall %s\n", MMSTALL_VERSION);
		return EXIT_OK;
	}
	/* Build-time hook: the man page's settings list comes from the key table. */
	if (!strcmp(argv[1], "--man-scenario-options")) {
		scenario_print_man(stdout);
		return EXIT_OK;
	}
	for (i = 0; i < ARRAY_SIZE(subcommands); i++) {
		if (!strcmp(argv[1], subcommands[i].name)) {
			mm_progname = "mmstall";
			return subcommands[i].fn(argc - 1, argv + 1);
		}
	}
	{
		char list[256];
		size_t n = 0;

		for (i = 0; i < ARRAY_SIZE(subcommands) && n < sizeof(list); i++)
			n += snprintf(list + n, sizeof(list) - n, "%s%s", i ? ", " : "", subcommands[i].name);
		msg_err("unknown command '%s'; commands are: %s (see 'mmstall --help')", argv[1], list);
	}
	return EXIT_USAGE;
}
