// SPDX-License-Identifier: GPL-2.0
/*
 * mmstall vm: boot each kernel variant under QEMU and run the scenario in
 * it with the static mmstall ('mmstall run' inside the guest).  A thin
 * command over the session API (session.h), which 'mmstall compare' uses
 * too; the work is in pipeline.c (one variant) and the guest protocol in
 * protocol.h and PROTOCOL.md.
 */
#include <errno.h>
#include <string.h>

#include "harness/cmds.h"
#include "harness/proc.h"
#include "harness/report.h"
#include "harness/summary.h"
#include "harness/util.h"
#include "harness/vm/session.h"

/*
 * What the runs mean, as 'mmstall report DIR' says it: the conclusion first
 * (per kernel its stall index; one boot gives no interval, and says so),
 * then the per-probe tables.
 */
static void print_report(const struct vm_opts *o)
{
	char *paths[] = { (char *)vm_session_results(o) };
	struct summary_given given = { 0 };
	struct summary_rule rule;
	struct runset rs;
	struct summary s;

	summary_rule_defaults(&rule);
	if (summary_open(&s, &rs, paths, 1, vm_session_label(o, 0), &rule, &given))
		return;
	printf("\n");
	report_text.render(stdout, &s);
	fflush(stdout);
	summary_close(&s, &rs);
}

int cmd_vm(int argc, char **argv)
{
	struct vm_opts *o;
	size_t i, n, failed = 0;
	int code = EXIT_OK, ret = 0;

	o = vm_session_parse(argc, argv, NULL, &code);
	if (!o)
		return code;
	vm_session_default_kernels(o);
	code = vm_session_start(o);
	n = vm_session_nr_kernels(o);
	for (i = 0; code == EXIT_OK && ret >= 0 && i < n; i++) {
		ret = vm_session_run(o, i, NULL);
		if (ret > 0)
			failed++;
	}
	if (failed || (ret < 0 && ret != -EINTR))
		code = EXIT_FAIL;
	if (code == EXIT_OK || (failed && ret >= 0)) {
		if (failed < n && vm_session_measures(o))
			print_report(o);
		msg_info("results in %s (%zu of %zu variants failed)", vm_session_results(o), failed, n);
	}
	else if (ret < 0 && ret != -EINTR)
		msg_err("stopped after %zu of %zu variants: a result could not be written in %s", i, n,
			vm_session_results(o));
	vm_session_end(o);
	if (proc_stop_signal) {
		msg_err("interrupted by SIG%s: QEMU stopped, temporary files removed",
			sigabbrev_np(proc_stop_signal));
		return 128 + proc_stop_signal;
	}
	return code;
}
