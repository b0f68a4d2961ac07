// SPDX-License-Identifier: GPL-2.0
/*
 * The command table: what main() dispatches on, and the one source of
 * 'mmstall --help', the man page's SYNOPSIS (--man-synopsis, at build time)
 * and the README's command list (--readme-commands; a test keeps the README
 * equal to it).
 */
#include <stdio.h>
#include <string.h>

#include "harness/cmds.h"
#include "harness/kbuild/kbuild.h"
#include "harness/util.h"

const struct command commands[] = {
	{ "run", cmd_run, "[--data-dir DIR] [--output FILE] [SCENARIO SETTINGS]",
	  "run a scenario on the live kernel (root, cgroup2)" },
	{ "vm", cmd_vm, "[--kernel LABEL=SPEC]... [--results DIR] [SCENARIO SETTINGS]",
	  "boot kernel variants under QEMU and run the scenario in each" },
	{ "compare", cmd_compare, "--kernel A=SPEC --kernel B=SPEC [--reps N|auto[:MAX]] [--aa] [--jobs N|auto] [--plan FILE]",
	  "N runs per kernel, interleaved; verdicts per kernel and per pair" },
	{ "gate", cmd_gate, "PATH... [--baseline A] [--probe NAME] [--basis index|absolute] [--require-decision]",
	  "pass/fail stored results on the lock-specific verdict (0/1/2/125)" },
	{ "report", cmd_report, "PATH... [--format text|runs|kernels|mail|json|html]",
	  "render stored results again, the conclusion first" },
	{ "run-job", cmd_run_job, "FILE INDEX --results DIR [--pairing] [--slot N]",
	  "run one entry of a compare's job list (compare --plan)" },
	{ "scenarios", cmd_scenarios, "", "list the built-in scenarios" },
	{ "scenario", cmd_scenario, "show NAME|FILE", "show a scenario's resolved settings" },
	{ "kernel", cmd_kernel, "build|list|rm ...", "build guest kernels from source (io.latency...), list, remove" },
	{ "bisect-step", cmd_bisect_step, "--baseline DIR [--results DIR] ...",
	  "one 'git bisect run' step: build, run, gate (0/1/125)" },
	{ "bench", cmd_bench, "[OPTIONS]", "measure mmstall's own overheads (histogram, memory)" },
};
const size_t nr_commands = ARRAY_SIZE(commands);

const struct command *command_find(const char *name)
{
	size_t i;

	for (i = 0; i < nr_commands; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

/* roff: a word in bold, the rest in italics where it is a placeholder. */
static void roff_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '-' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
}

void commands_print_man_synopsis(FILE *f)
{
	size_t i;

	for (i = 0; i < nr_commands; i++) {
		fprintf(f, "%s.B mmstall %s\n", i ? ".br\n" : "", commands[i].name);
		if (commands[i].synopsis[0]) {
			fputs(".RI \"", f);
			roff_escaped(f, commands[i].synopsis);
			fputs("\"\n", f);
		}
	}
}

void commands_print_readme(FILE *f)
{
	size_t i, w = 0, n;

	for (i = 0; i < nr_commands; i++) {
		n = strlen(commands[i].name) + strlen(commands[i].synopsis) + 9;
		if (n > w)
			w = n;
	}
	fprintf(f, "```\n");
	for (i = 0; i < nr_commands; i++) {
		char head[256];

		snprintf(head, sizeof(head), "mmstall %s%s%s", commands[i].name, commands[i].synopsis[0] ? " " : "",
			 commands[i].synopsis);
		fprintf(f, "%s\n    %s\n", head, commands[i].summary);
	}
	fprintf(f, "```\n");
}

void commands_print_help(FILE *f)
{
	size_t i;

	for (i = 0; i < nr_commands; i++)
		fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
}
