/* SPDX-License-Identifier: GPL-2.0 */
/* Subcommands: each parses its own options (getopt_long) and returns an exit code. */
#ifndef MMSTALL_CMDS_H
#define MMSTALL_CMDS_H

int cmd_run(int argc, char **argv);
int cmd_vm(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_run_job(int argc, char **argv);
int cmd_gate(int argc, char **argv);
int cmd_scenarios(int argc, char **argv);
int cmd_scenario(int argc, char **argv);

#include <stddef.h>
#include <stdio.h>

/* One command of mmstall: see cmds.c for the table. */
struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *synopsis;	/* its arguments, as in the man page's SYNOPSIS */
	const char *summary;	/* one line for --help and the README */
};
extern const struct command commands[];
extern const size_t nr_commands;
const struct command *command_find(const char *name);
/* The table as roff SYNOPSIS lines, as the README's command block, as --help lines. */
void commands_print_man_synopsis(FILE *f);
void commands_print_readme(FILE *f);
void commands_print_help(FILE *f);


#endif
