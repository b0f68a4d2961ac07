/* SPDX-License-Identifier: GPL-2.0 */
/* Subcommands: each parses its own options (getopt_long) and returns an exit code. */
#ifndef MMSTALL_CMDS_H
#define MMSTALL_CMDS_H

int cmd_run(int argc, char **argv);
int cmd_vm(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_gate(int argc, char **argv);
int cmd_scenarios(int argc, char **argv);
int cmd_scenario(int argc, char **argv);

/* The command line as the user typed it, saved before getopt permutes argv. */
extern int mm_orig_argc;
extern char **mm_orig_argv;

#endif
