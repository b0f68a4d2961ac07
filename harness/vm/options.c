// SPDX-License-Identifier: GPL-2.0
/*
 * The options of 'mmstall vm' (and of 'mmstall compare', which adds its
 * own through struct vm_extra_opts): one set of defaults, one parser, the
 * help text beside them.
 */
#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "harness/util.h"
#include "harness/vm/vm.h"

#define DEFAULT_MEM_BYTES (1ULL << 30)
#define DEFAULT_CPUS 2

static const char *const default_kernels[] = { "6.1=deb:linux-image-6.1", "6.12=deb:linux-image-6.12" };

void vm_opts_defaults(struct vm_opts *o, const char *cmd)
{
	memset(o, 0, sizeof(*o));
	o->mem_bytes = DEFAULT_MEM_BYTES;
	o->cpus = DEFAULT_CPUS;
	o->accel = ACCEL_AUTO;
	o->cmd = cmd ? cmd : "vm";
	pthread_mutex_init(&o->prep_lock, NULL);
	scenario_defaults(&o->sc);
}

void vm_session_print_options(FILE *f)
{
	fprintf(f,
		"  --kernel LABEL=SPEC    a kernel variant; repeat for several.  SPEC is one of\n"
		"                         PATH[,modules=DIR][,config=FILE]\n"
		"                           a bzImage; modules from DIR (lib/modules/<rel>),\n"
		"                           else found beside or above the image; config from\n"
		"                           FILE, else a config-* beside the image\n"
		"                         deb:PATTERN\n"
		"                           the newest Debian kernel package whose name starts\n"
		"                           with PATTERN (deb:linux-image-7.3, glob * allowed;\n"
		"                           -dbg, -unsigned, -rt and meta packages skipped;\n"
		"                           cloud-amd64 preferred) in any suite of mmstall's\n"
		"                           own apt lists (bookworm, trixie, trixie-backports,\n"
		"                           sid and their security suites;\n"
		"                           MMSTALL_DEB_SUITES overrides), never the system's\n"
		"                           apt; fetched into the cache\n"
		"                         deb:latest\n"
		"                           the newest cloud kernel in any of those suites\n"
		"                         build:LABEL\n"
		"                           built by 'mmstall kernel build --label LABEL'\n"
		"                         default:\n"
		"                           %s %s\n"
		"  --results DIR          where the result files and console logs go\n"
		"                         [results/<YYYYmmdd-HHMMSS>-vm, -compare for compare]\n"
		"  --timeout-margin D     time allowed beyond warm-up + duration for boot,\n"
		"                         setup and transfer, after which QEMU is killed\n"
		"                         [120s TCG, 60s KVM]\n"
		"  --accel auto|kvm|tcg   auto: KVM if /dev/kvm opens and a probe boot under it\n"
		"                         works (probed once per command), else TCG\n"
		"                         (multi-threaded) [auto]\n"
		"  --mem SIZE             guest memory [%lluM]\n"
		"  --cpus N               guest CPUs [%d]\n"
		"  --guest-cmd CMD        for debugging the VM plumbing: run the shell command\n"
		"                         CMD in the guest instead of 'mmstall run';\n"
		"                         /out/result.json is the result, other plain files it\n"
		"                         leaves in /out come back into <label>.files/ beside\n"
		"                         it (harness/vm/PROTOCOL.md)\n"
		"  -v, --verbose          more messages\n"
		"  -h, --help             this text\n"
		"\n"
		"Kernels, initramfs archives and data disks are cached in $MMSTALL_CACHE, else\n"
		"$XDG_CACHE_HOME/mmstall, else ~/.cache/mmstall.\n"
		"\n",
		default_kernels[0], default_kernels[1], DEFAULT_MEM_BYTES >> 20, DEFAULT_CPUS);
	scenario_cli_help(f);
	fprintf(f, "\n");
	scenario_print_help(f);
}

void vm_usage(FILE *f)
{
	fprintf(f,
		"Usage: mmstall vm [OPTIONS] [SCENARIO SETTINGS]\n"
		"\n"
		"Boot each kernel variant under QEMU, run the scenario inside it (the static\n"
		"mmstall runs 'mmstall run' as the guest's init) and write <label>.json and\n"
		"<label>.console.log per variant.  Needs qemu-system-x86, busybox-static, cpio\n"
		"and e2fsprogs; Debian kernels also need apt, dpkg and kmod.\n"
		"\n"
		"Options:\n");
	vm_session_print_options(f);
	fprintf(f, "\nExit status: 0 every variant succeeded, 1 a variant failed or a result could\n"
		   "not be written, 2 bad input or environment (nothing was run), 130/143\n"
		   "interrupted (QEMU is stopped and temporary files removed first).\n");
}

enum {
	OPT_KERNEL = 1000,
	OPT_RESULTS,
	OPT_MARGIN,
	OPT_ACCEL,
	OPT_MEM,
	OPT_CPUS,
	OPT_GUEST_CMD,
	OPT_EXTRA_BASE = 3000,	/* above the scenario layer's codes (SCENARIO_OPT_BASE...) */
};

static struct option *build_longopts(const struct vm_extra_opts *x)
{
	static const struct option own[] = {
		{ "kernel", required_argument, NULL, OPT_KERNEL },
		{ "results", required_argument, NULL, OPT_RESULTS },
		{ "timeout-margin", required_argument, NULL, OPT_MARGIN },
		{ "accel", required_argument, NULL, OPT_ACCEL },
		{ "mem", required_argument, NULL, OPT_MEM },
		{ "cpus", required_argument, NULL, OPT_CPUS },
		{ "guest-cmd", required_argument, NULL, OPT_GUEST_CMD },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
	};
	size_t nx = x ? x->nr : 0, i, n = ARRAY_SIZE(own) + 2 + scenario_nr_keys;
	struct option *base = scenario_longopts(own, ARRAY_SIZE(own));
	struct option *lo;

	lo = xrealloc(base, (n + nx + 1) * sizeof(*lo));
	/* --scenario, --set and every key come from the shared scenario layer */
	for (i = 0; i < nx; i++)
		lo[n + i] = (struct option){ x->opts[i].name, x->opts[i].has_arg, NULL, OPT_EXTRA_BASE + (int)i };
	memset(&lo[n + nx], 0, sizeof(*lo));
	return lo;
}

int vm_opts_add_kernel(struct vm_opts *o, const char *arg)
{
	struct vm_kernel k;
	char err[512];
	size_t i;

	if (kernel_spec_parse(arg, &k, err, sizeof(err))) {
		msg_err("%s", err);
		kernel_free(&k);
		return -EINVAL;
	}
	for (i = 0; i < o->nr_kernels; i++) {
		if (!strcmp(o->kernels[i].label, k.label)) {
			msg_err("--kernel %s: label '%s' is used twice; labels name the result files", arg,
				k.label);
			kernel_free(&k);
			return -EINVAL;
		}
	}
	o->kernels = xrealloc(o->kernels, (o->nr_kernels + 1) * sizeof(*o->kernels));
	o->kernels[o->nr_kernels++] = k;
	return 0;
}

void vm_opts_default_kernels(struct vm_opts *o)
{
	size_t i;

	if (!o->nr_kernels)
		for (i = 0; i < ARRAY_SIZE(default_kernels); i++)
			vm_opts_add_kernel(o, default_kernels[i]);
}

static int parse_own(struct vm_opts *o, int c, const char *arg)
{
	switch (c) {
	case OPT_KERNEL:
		return vm_opts_add_kernel(o, arg);
	case OPT_RESULTS:
		if (path_fmt(o->results, sizeof(o->results), "%s", arg)) {
			msg_err("invalid --results: the path is longer than %zu bytes", sizeof(o->results) - 1);
			return -EINVAL;
		}
		return 0;
	case OPT_MARGIN:
		if (parse_duration_ns(arg, &o->margin_ns) || o->margin_ns < NSEC_PER_SEC) {
			msg_err("invalid --timeout-margin '%s': expected a duration of at least 1s (e.g. 90s, 5m)",
				arg);
			return -EINVAL;
		}
		return 0;
	case OPT_ACCEL:
		if (!strcmp(arg, "auto"))
			o->accel = ACCEL_AUTO;
		else if (!strcmp(arg, "kvm"))
			o->accel = ACCEL_KVM;
		else if (!strcmp(arg, "tcg"))
			o->accel = ACCEL_TCG;
		else {
			msg_err("invalid --accel '%s': expected auto, kvm or tcg", arg);
			return -EINVAL;
		}
		return 0;
	case OPT_MEM:
		if (parse_size(arg, &o->mem_bytes) || o->mem_bytes < (256ULL << 20) ||
		    o->mem_bytes > (1ULL << 40)) {
			msg_err("invalid --mem '%s': expected a size from 256M to 1T (e.g. 1G, 1536M)", arg);
			return -EINVAL;
		}
		return 0;
	case OPT_CPUS:
		if (parse_u64_range(arg, 1, 64, &o->cpus)) {
			msg_err("invalid --cpus '%s': expected a whole number from 1 to 64", arg);
			return -EINVAL;
		}
		return 0;
	case OPT_GUEST_CMD:
		o->guest_cmd = arg;
		return 0;
	}
	return -EINVAL;
}

int vm_opts_parse(int argc, char **argv, struct vm_opts *o, const struct vm_extra_opts *x)
{
	struct option *longopts = build_longopts(x);
	struct scenario_cli cli = { 0 };
	char err[1024];
	int c, ret = 0;

	optind = 1;
	while (!ret && (c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		if (c == 'v') {
			mm_verbose++;
		} else if (c == 'h') {
			if (x)
				x->usage(stdout);
			else
				vm_usage(stdout);
			ret = 1;
		} else if (x && c >= OPT_EXTRA_BASE && c < OPT_EXTRA_BASE + (int)x->nr) {
			ret = x->parse(x->arg, c - OPT_EXTRA_BASE, optarg);
		} else if (scenario_cli_is_opt(c)) {
			ret = scenario_cli_record(&cli, c, optarg, err, sizeof(err));
			if (ret)
				msg_err("%s", err);
		} else if (c >= OPT_KERNEL && c <= OPT_GUEST_CMD) {
			ret = parse_own(o, c, optarg);
		} else {
			fprintf(stderr, "Try 'mmstall %s --help'.\n", o->cmd);
			ret = -EINVAL;
		}
	}
	free(longopts);
	if (!ret && optind < argc) {
		msg_err("unexpected argument '%s' (kernels are given as --kernel LABEL=SPEC, settings as "
			"--KEY VALUE; see 'mmstall %s --help')", argv[optind], o->cmd);
		ret = -EINVAL;
	}
	if (!ret && scenario_cli_finish(&cli, &o->sc, err, sizeof(err))) {
		msg_err("%s", err);
		ret = -EINVAL;
	}
	return ret;
}

void vm_opts_free(struct vm_opts *o)
{
	size_t i;

	for (i = 0; i < o->nr_kernels; i++)
		kernel_free(&o->kernels[i]);
	free(o->kernels);
	free(o->data_disk);
	free(o->tools_disk);
	o->kernels = NULL;
	o->nr_kernels = 0;
	o->data_disk = NULL;
	o->tools_disk = NULL;
}

static void push_arg(char ***v, int *n, char *a)
{
	*v = xrealloc(*v, (*n + 2) * sizeof(**v));
	(*v)[(*n)++] = a;
	(*v)[*n] = NULL;
}

/* The options that make this session's runs: parsed again, they give the same runs. */
char **vm_opts_argv(const struct vm_opts *o, const bool *keep, int *argc)
{
	static const char *const accel[] = { [ACCEL_AUTO] = "auto", [ACCEL_KVM] = "kvm", [ACCEL_TCG] = "tcg" };
	char **v = NULL, **sargv;
	int n = 0, sargc = 0, i;
	size_t k;

	for (k = 0; k < o->nr_kernels; k++) {
		if (keep && !keep[k])
			continue;
		push_arg(&v, &n, xstrdup("--kernel"));
		push_arg(&v, &n, xasprintf("%s=%s", o->kernels[k].label, o->kernels[k].spec));
	}
	push_arg(&v, &n, xasprintf("--accel=%s", accel[o->accel]));
	push_arg(&v, &n, xasprintf("--mem=%llu", (unsigned long long)o->mem_bytes));
	push_arg(&v, &n, xasprintf("--cpus=%llu", (unsigned long long)o->cpus));
	if (o->margin_ns)
		push_arg(&v, &n, xasprintf("--timeout-margin=%lluns", (unsigned long long)o->margin_ns));
	if (o->guest_cmd) {
		push_arg(&v, &n, xstrdup("--guest-cmd"));
		push_arg(&v, &n, xstrdup(o->guest_cmd));
	}
	sargv = scenario_to_argv(&o->sc, &sargc);
	for (i = 0; i < sargc; i++)
		push_arg(&v, &n, sargv[i]);
	free(sargv);
	*argc = n;
	return v;
}
