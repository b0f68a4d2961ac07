// SPDX-License-Identifier: GPL-2.0
/*
 * mmstall run-job FILE INDEX --results DIR: one entry of a compare's job
 * list ('mmstall compare --plan FILE'), booted here into DIR exactly as
 * compare would have run it: the same result file name, the same scenario,
 * the same device baseline decision, the same "vm" record (repetition,
 * variant index, baseline, plan id and pairing).  With --pairing, INDEX
 * names a pairing (repetition k of every variant) and all its runs are
 * made here, in order: the way to keep a pairing on one host when an
 * engine spreads tasks over several.  GNU parallel, a Slurm array or a
 * Kubernetes Indexed Job give INDEX ({}, $SLURM_ARRAY_TASK_ID,
 * $JOB_COMPLETION_INDEX); see the README.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cmds.h"
#include "harness/plan.h"
#include "harness/proc.h"
#include "harness/result.h"
#include "harness/runs.h"
#include "harness/util.h"
#include "harness/vm/hostcpus.h"
#include "harness/vm/session.h"
#include "version.h"
#include "workloads/scenario.h"

struct job_opts {
	const char *file, *results;
	unsigned long index;
	unsigned int slot;	/* 1-based; 0: not pinned */
	bool pairing, force;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: mmstall run-job FILE INDEX --results DIR [--pairing] [--slot N] [--force]\n"
		"\n"
		"Run entry INDEX (0-based) of a job list written by\n"
		"'mmstall compare ... --plan FILE' into DIR, exactly as compare would have run\n"
		"it: <label>.rep<k>.json and its console log, and the compare's settings as\n"
		"compare.json.  'mmstall report' and 'gate' then read DIR, or the DIRs of many\n"
		"hosts together.\n"
		"\n"
		"  --results DIR   where the result goes (required; a DIR shared by every task\n"
		"                  is fine)\n"
		"  --pairing       INDEX names a pairing (0-based: repetition INDEX+1 of every\n"
		"                  variant) and all its runs are made here, in order: runs of\n"
		"                  one pairing are compared with each other and must be made\n"
		"                  on one host\n"
		"  --slot N        pin QEMU to the host CPUs of slot N (1-based; GNU\n"
		"                  parallel's {%%}), the sets 'compare --jobs' would use: slot\n"
		"                  N of --cpus CPUs each\n"
		"  --force         run again an entry whose result in DIR is already ok\n"
		"  -v, --verbose   more messages\n"
		"  -h, --help      this text\n"
		"\n"
		"An entry already done (its result ok, of this plan) is skipped: an engine may\n"
		"retry tasks.  Exit status: 0 ok, 1 a run failed (recorded as failed), 2 bad\n"
		"input (the plan, INDEX, DIR holding another compare), 130/143 interrupted.\n");
}

static int parse(int argc, char **argv, struct job_opts *o)
{
	static const struct option longopts[] = {
		{ "results", required_argument, NULL, 'r' }, { "pairing", no_argument, NULL, 'p' },
		{ "slot", required_argument, NULL, 's' },    { "force", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },	     { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t n;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			o->results = optarg;
			break;
		case 'p':
			o->pairing = true;
			break;
		case 'f':
			o->force = true;
			break;
		case 's':
			if (parse_u64_range(optarg, 1, 4096, &n)) {
				msg_err("invalid --slot '%s': expected a whole number from 1 (GNU parallel's {%%})",
					optarg);
				return -EINVAL;
			}
			o->slot = (unsigned int)n;
			break;
		case 'v':
			mm_verbose++;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			fprintf(stderr, "Try 'mmstall run-job --help'.\n");
			return -EINVAL;
		}
	}
	if (argc - optind != 2) {
		msg_err("expected FILE INDEX (a plan written by 'mmstall compare --plan FILE', and an entry from 0), "
			"got %d argument%s; see 'mmstall run-job --help'", argc - optind, argc - optind == 1 ? "" : "s");
		return -EINVAL;
	}
	o->file = argv[optind];
	if (parse_u64_range(argv[optind + 1], 0, UINT_MAX, &n)) {
		msg_err("invalid INDEX '%s': expected a whole number from 0 (is the engine's index variable set? "
			"$SLURM_ARRAY_TASK_ID, $JOB_COMPLETION_INDEX)", argv[optind + 1]);
		return -EINVAL;
	}
	o->index = (unsigned long)n;
	if (!o->results) {
		msg_err("--results DIR is required: where the run's result goes");
		return -EINVAL;
	}
	return 0;
}

/* The entries to run: one, or a pairing's; which kernels they need. -EINVAL: INDEX out of range. */
static int select_entries(const struct plan *p, const struct job_opts *o, size_t *sel, size_t *nsel, bool *kernels)
{
	size_t i;

	*nsel = 0;
	if (!o->pairing && o->index >= p->n) {
		msg_err("INDEX %lu is past the plan's last entry (%zu): %s has entries 0 to %zu", o->index, p->n - 1,
			o->file, p->n - 1);
		return -EINVAL;
	}
	if (o->pairing && o->index >= p->reps) {
		msg_err("pairing %lu is past the plan's last (%u): %s has pairings 0 to %u", o->index, p->reps - 1,
			o->file, p->reps - 1);
		return -EINVAL;
	}
	for (i = 0; i < p->n; i++) {
		if (o->pairing ? p->e[i].pairing != o->index : i != o->index)
			continue;
		sel[(*nsel)++] = i;
		kernels[p->e[i].kernel] = true;
	}
	return 0;
}

/* compare.json in DIR: the plan's own, or refused when DIR holds another compare's runs. */
static int settings_file(const struct plan *p, const char *results)
{
	char path[PATH_MAX + 32], *text = NULL, *s;
	const char *theirs = NULL;
	json_t *j = NULL;
	int ret = 0;

	snprintf(path, sizeof(path), "%s/%s", results, COMPARE_SETTINGS_FILE);
	if (!read_file_capped(path, 1 << 20, &text, NULL) && (j = json_loads(text, 0, NULL)))
		theirs = json_string_value(json_object_get(j, "plan_id"));
	if (j && (!theirs || strcmp(theirs, p->id))) {
		msg_err("%s belongs to another compare (plan %s, not %s): give each plan its own --results", results,
			theirs ? theirs : "none", p->id);
		ret = -EINVAL;
	} else if (!j && p->settings) {
		s = json_dumps(p->settings, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		ret = s ? write_file_atomic(path, s, strlen(s)) : -ENOMEM;
		if (ret)
			msg_err("cannot write %s: %s", path, strerror(-ret));
		free(s);
	}
	json_decref(j);
	free(text);
	return ret;
}

/* Is this entry's result already in DIR, ok, from this plan? */
static bool done_before(const struct plan *p, const struct plan_entry *e, const char *results)
{
	char path[PATH_MAX + 128], err[PATH_MAX + 640];
	struct run_result r;
	bool yes;

	snprintf(path, sizeof(path), "%s/%s.json", results, e->stem);
	if (!path_exists(path) || result_read(path, &r, err, sizeof(err)))
		return false;
	yes = r.status == RUN_OK && r.vm.plan_id && !strcmp(r.vm.plan_id, p->id);
	result_free(&r);
	return yes;
}

/* The session's settings must be the plan's: another mmstall could read its options otherwise. */
static int check_scenario(const struct plan *p, struct vm_opts *vo)
{
	json_t *mine = scenario_to_json(vm_session_scenario(vo));
	const char *key;
	json_t *v;
	int ret = 0;

	json_object_foreach(p->scenario, key, v) {
		if (json_equal(v, json_object_get(mine, key)))
			continue;
		msg_err("the plan's options do not give its scenario setting %s here (this mmstall is %s; was the "
			"plan written by another version?): write the plan again with this mmstall", key,
			MMSTALL_VERSION);
		ret = -EINVAL;
		break;
	}
	json_decref(mine);
	return ret;
}

static int run_entries(struct vm_opts *vo, const struct plan *p, const struct job_opts *o, const size_t *sel,
		       size_t nsel, const bool *kernels)
{
	struct host_cpus hc = { 0 };
	int cpus[64], ret = 0, failed = 0;
	char err[256];
	size_t i, k, pos;
	unsigned int per = vm_session_guest_cpus(vo);

	if (o->slot) {
		if (host_cpus_load(&hc, per, err, sizeof(err)) || (size_t)o->slot * per > hc.n) {
			msg_err("--slot %u: this host has %zu CPUs for this process, room for %zu slots of %u", o->slot,
				hc.n, hc.n / (per ? per : 1), per);
			host_cpus_free(&hc);
			return -EINVAL;
		}
		host_cpus_slot(&hc, per, o->slot - 1, cpus);
	}
	for (i = 0; i < nsel && ret >= 0 && !proc_stop_signal; i++) {
		const struct plan_entry *e = &p->e[sel[i]];
		struct vm_run_info ri;

		if (!o->force && done_before(p, e, o->results)) {
			msg_info("%s.json is already done in %s (plan %s): skipped (--force runs it again)", e->stem,
				 o->results, p->id);
			continue;
		}
		/* the session holds only the kernels selected, in plan order */
		for (k = 0, pos = 0; k < e->kernel; k++)
			pos += kernels[k];
		plan_run_info(p, e, &ri);
		if (o->slot) {
			ri.pin_cpus = cpus;
			ri.nr_pin_cpus = per;
		}
		msg_info("run-job: entry %u of %s: %s (pairing %u)", e->index, o->file, e->stem, e->pairing);
		ret = vm_session_run(vo, pos, &ri);
		if (ret > 0 || (ret < 0 && ret != -EINTR))
			failed++;
	}
	host_cpus_free(&hc);
	if (ret < 0)
		return ret;
	return failed ? 1 : 0;
}

int cmd_run_job(int argc, char **argv)
{
	struct job_opts o = { 0 };
	struct vm_extra_opts x = { .cmd = "run-job", .usage = usage };
	char err[PATH_MAX + 512], **vargv;
	size_t *sel, nsel;
	bool *kernels;
	struct vm_opts *vo;
	struct plan p;
	int ret, vargc, code;

	ret = parse(argc, argv, &o);
	if (ret)
		return ret > 0 ? EXIT_OK : EXIT_USAGE;
	if (plan_load(&p, o.file, err, sizeof(err))) {
		msg_err("%s", err);
		return EXIT_USAGE;
	}
	sel = xcalloc(p.n, sizeof(*sel));
	kernels = xcalloc(p.nr_kernels, sizeof(*kernels));
	if (select_entries(&p, &o, sel, &nsel, kernels)) {
		code = EXIT_USAGE;
		goto out;
	}
	vargv = plan_argv(&p, kernels, o.results, &vargc);
	vo = vm_session_parse(vargc, vargv, &x, &code);
	if (!vo) {
		msg_err("%s: its options are not this mmstall's (written by another version?)", o.file);
		plan_argv_free(vargv);
		code = EXIT_USAGE;
		goto out;
	}
	code = check_scenario(&p, vo) ? EXIT_USAGE : vm_session_start(vo);
	if (code == EXIT_OK && settings_file(&p, o.results))
		code = EXIT_USAGE;
	if (code == EXIT_OK) {
		ret = run_entries(vo, &p, &o, sel, nsel, kernels);
		code = ret == -EINVAL ? EXIT_USAGE : ret ? EXIT_FAIL : EXIT_OK;
	}
	vm_session_end(vo);
	plan_argv_free(vargv);
	if (proc_stop_signal) {
		msg_err("interrupted by SIG%s: QEMU stopped; run the same command again to make the run",
			sigabbrev_np(proc_stop_signal));
		code = 128 + proc_stop_signal;
	}
out:
	free(sel);
	free(kernels);
	plan_free(&p);
	return code;
}
