// SPDX-License-Identifier: GPL-2.0
/*
 * mmstall: measure how long a throttled low-priority cgroup can stall a
 * protected one through mmap_lock.  See README.md and mmstall(1).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "harness/cmds.h"
#include "harness/util.h"
#include "version.h"
#include "workloads/scenario.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: mmstall [--version] [--help] COMMAND [OPTIONS]\n"
		"\n"
		"Reproduce and measure the cgroup2 priority inversion through mmap_lock:\n"
		"a throttled low-priority cgroup faults a large mapping while a writer in the\n"
		"same process calls mprotect(); probes in a protected cgroup read\n"
		"/proc/<pid>/maps, cmdline (what ps does) and time every sample.\n"
		"\n"
		"Commands:\n");
	commands_print_help(f);
	fprintf(f, "\nRun 'mmstall COMMAND --help' for a command's options; see mmstall(1).\n");
}

/*
 * jansson seeds its hash tables from /dev/urandom on the first object,
 * and a read of /dev/urandom before the kernel's random pool is ready
 * makes the kernel generate entropy from timer jitter until it is: 1.5
 * to 3 s of a freshly booted guest's CPU under TCG, before every run.  A
 * seed that does not wait (the pool when ready, else the clock) does as
 * well for a hash table.
 */
static void json_seed(void)
{
	size_t seed = 0;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed))
		seed = (size_t)now_ns() ^ ((size_t)getpid() << 16) ^ (size_t)time(NULL);
	json_object_seed(seed ? seed : 1);
}

int main(int argc, char **argv)
{
	size_t i;

	json_seed();

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
	/* Build-time hooks: the man page and the README come from the tables. */
	if (!strcmp(argv[1], "--man-scenario-options")) {
		scenario_print_man(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--man-synopsis")) {
		commands_print_man_synopsis(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--readme-commands")) {
		commands_print_readme(stdout);
		return EXIT_OK;
	}
	if (command_find(argv[1]))
		return command_find(argv[1])->fn(argc - 1, argv + 1);
	{
		char list[256];
		size_t n = 0;

		for (i = 0; i < nr_commands && n < sizeof(list); i++)
			n += snprintf(list + n, sizeof(list) - n, "%s%s", i ? ", " : "", commands[i].name);
		msg_err("unknown command '%s'; commands are: %s (see 'mmstall --help')", argv[1], list);
	}
	return EXIT_USAGE;
}
