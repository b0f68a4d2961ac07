// SPDX-License-Identifier: GPL-2.0
/*
 * mmstall run: the scenario on the live kernel.  Parses the options,
 * records what the kernel and machine are, runs the scenario driver
 * (workloads/driver.h) and prints the result's table.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "harness/cmds.h"
#include "harness/kernel/kconfig.h"
#include "harness/kernel/features.h"
#include "harness/proc.h"
#include "harness/result.h"
#include "harness/util.h"
#include "workloads/driver.h"
#include "workloads/scenario.h"

struct run_opts {
	struct scenario sc;
	char data_dir[PATH_MAX];
	char output[PATH_MAX];
	char kernel_config[PATH_MAX];
	char label[64];
	bool disposable;	/* --disposable: leave kernel state at exit */
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: mmstall run [OPTIONS]\n"
		"\n"
		"Run a scenario on the live kernel (needs root and cgroup2 with the io and\n"
		"memory controllers).  Writes one JSON result and prints a table.\n"
		"\n"
		"Options:\n"
		"  --data-dir DIR        where lo.dat and hi.dat live (made if missing; must be\n"
		"                        on a block device: throttles act on disks)\n"
		"                        [/var/tmp/mmstall]\n"
		"  --output FILE         result file [results/<timestamp>-<label>/result.json]\n"
		"  --label NAME          name of this run in reports [run]\n"
		"  --kernel-config FILE  kernel .config to record [/proc/config.gz, else\n"
		"                        /boot/config-$(uname -r)]\n"
		"  --disposable          the machine is thrown away after the run ('mmstall vm'\n"
		"                        guests): at exit kill the workloads but leave throttles,\n"
		"                        cgroups and swap in place.  Undoing them flips kernel\n"
		"                        static keys (cpu.max, io.latency), and under TCG text\n"
		"                        patching can crash the guest; never use it on a machine\n"
		"                        you keep\n"
		"  -v, --verbose         more messages\n"
		"  -h, --help            this text\n");
	scenario_cli_help(f);
	fprintf(f, "\n");
	scenario_print_help(f);
	fprintf(f, "\nExit status: 0 success, 1 the run failed, 2 bad input or environment,\n"
		   "130/143 interrupted.\n");
}

enum { OPT_DATA_DIR = 1000, OPT_OUTPUT, OPT_LABEL, OPT_KCONFIG, OPT_DISPOSABLE };

/* An option's value into a fixed buffer: a value that does not fit is an error, never cut. */
static int copy_opt(char *buf, size_t len, const char *opt, const char *val)
{
	if (strlen(val) < len) {
		snprintf(buf, len, "%s", val);
		return 0;
	}
	msg_err("invalid --%s '%.40s...': longer than %zu characters", opt, val, len - 1);
	return -ENAMETOOLONG;
}

static int parse_opts(int argc, char **argv, struct run_opts *o)
{
	static const struct option own[] = {
		{ "data-dir", required_argument, NULL, OPT_DATA_DIR },
		{ "output", required_argument, NULL, OPT_OUTPUT },
		{ "label", required_argument, NULL, OPT_LABEL },
		{ "kernel-config", required_argument, NULL, OPT_KCONFIG },
		{ "disposable", no_argument, NULL, OPT_DISPOSABLE },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
	};
	struct option *longopts = scenario_longopts(own, ARRAY_SIZE(own));
	struct scenario_cli cli = { 0 };
	char err[1024];
	int c, ret = 0;

	if (!longopts)
		return -ENOMEM;
	snprintf(o->data_dir, sizeof(o->data_dir), "/var/tmp/mmstall");
	snprintf(o->label, sizeof(o->label), "run");
	optind = 1;
	while (!ret && (c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_DATA_DIR:
			ret = copy_opt(o->data_dir, sizeof(o->data_dir), "data-dir", optarg);
			break;
		case OPT_OUTPUT:
			ret = copy_opt(o->output, sizeof(o->output), "output", optarg);
			break;
		case OPT_LABEL:
			ret = copy_opt(o->label, sizeof(o->label), "label", optarg);
			break;
		case OPT_KCONFIG:
			ret = copy_opt(o->kernel_config, sizeof(o->kernel_config), "kernel-config", optarg);
			break;
		case OPT_DISPOSABLE:
			o->disposable = true;
			break;
		case 'v':
			mm_verbose++;
			break;
		case 'h':
			usage(stdout);
			ret = 1;
			break;
		default:
			if (scenario_cli_is_opt(c)) {
				ret = scenario_cli_record(&cli, c, optarg, err, sizeof(err));
				if (ret)
					msg_err("%s", err);
				break;
			}
			fprintf(stderr, "Try 'mmstall run --help'.\n");
			ret = -EINVAL;
		}
	}
	free(longopts);
	if (!ret && optind < argc) {
		msg_err("unexpected argument '%s' (settings are given as --KEY VALUE; see 'mmstall run --help')",
			argv[optind]);
		ret = -EINVAL;
	}
	if (!ret && scenario_cli_finish(&cli, &o->sc, err, sizeof(err))) {
		msg_err("%s", err);
		ret = -EINVAL;
	}
	return ret;
}

/* Make sure the result can be written before spending minutes measuring. */
static int prepare_output(struct run_opts *o)
{
	char dir[PATH_MAX], probe[PATH_MAX + 32], stamp[32];
	char *slash;
	int ret, fd;

	if (!o->output[0]) {
		stamp_now(stamp, sizeof(stamp));
		snprintf(o->output, sizeof(o->output), "results/%s-%s/result.json", stamp, o->label);
	}
	snprintf(dir, sizeof(dir), "%s", o->output);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	ret = mkdir_p(dir, 0755);
	if (ret) {
		msg_err("cannot create results directory %s: %s", dir, strerror(-ret));
		return ret;
	}
	snprintf(probe, sizeof(probe), "%s/.mmstall-write-test.%d", dir, getpid());
	fd = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd < 0) {
		ret = -errno;
		msg_err("results directory %s is not writable: %s", dir, strerror(errno));
		return ret;
	}
	close(fd);
	unlink(probe);
	return 0;
}

/* "always [madvise] never" -> "madvise" into buf; NULL without THP. */
static const char *thp_mode(char *buf, size_t len)
{
	char *s, *b, *e;
	const char *v = NULL;

	if (read_file("/sys/kernel/mm/transparent_hugepage/enabled", &s, NULL))
		return NULL;
	b = strchr(s, '[');
	e = b ? strchr(b, ']') : NULL;
	if (b && e) {
		snprintf(buf, len, "%.*s", (int)(e - b - 1), b + 1);
		v = buf;
	}
	free(s);
	return v;
}

/* The running kernel's config (--kernel-config, /proc/config.gz or /boot); NULL if none. */
static struct kconfig *load_config(const struct run_opts *o, char *src, size_t len)
{
	struct kconfig *kc = NULL;
	int ret;

	if (o->kernel_config[0]) {
		snprintf(src, len, "%s", o->kernel_config);
		ret = kconfig_load_file(src, &kc);
	} else {
		ret = kconfig_load_running(&kc, src, len);
	}
	if (ret)
		msg_warn("no kernel config found (%s); the result will not list config options",
			 o->kernel_config[0] ? o->kernel_config : "/proc/config.gz, /boot/config-<release>");
	return ret ? NULL : kc;
}

/* The measured kernel: uname, THP mode and the options its config sets (kc NULL: none found). */
static void record_kernel(json_t *root, const struct utsname *u, const struct kconfig *kc, const char *src)
{
	size_t n = 0, i;
	const char *const *names = kconfig_relevant_options(&n);
	struct result_kconfig_opt *opts = xcalloc(n + 1, sizeof(*opts));
	char thp[32];
	struct result_kernel k = {
		.release = u->release,
		.version = u->version,
		.machine = u->machine,
		.transparent_hugepage = thp_mode(thp, sizeof(thp)),
		.config_source = kc ? src : NULL,
		.config = opts,
		.nr_config = kc ? n : 0,
	};

	for (i = 0; kc && i < n; i++) {
		const char *v = kconfig_get(kc, names[i]);

		/* kconfig_get()'s buffer is reused: a copy each */
		opts[i] = (struct result_kconfig_opt){ names[i], v ? xstrdup(v) : NULL };
	}
	result_set_kernel(root, &k);
	for (i = 0; i < n; i++)
		free((char *)opts[i].value);
	free(opts);
}

static void record_machine(json_t *root)
{
	char host[256] = "";
	long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
	struct result_machine m = { .hostname = host, .cpus = (int)sysconf(_SC_NPROCESSORS_ONLN),
				    .memory_bytes = (uint64_t)pages * (uint64_t)psz };

	gethostname(host, sizeof(host) - 1);
	result_set_machine(root, &m);
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o = { 0 };
	struct driver_opts d = { .sc = &o.sc };
	char mount[PATH_MAX], err[2048], src[PATH_MAX];
	struct kconfig *kc;
	struct utsname u;
	json_t *root;
	int ret;

	ret = parse_opts(argc, argv, &o);
	if (ret)
		return ret > 0 ? EXIT_OK : EXIT_USAGE;
	if (driver_preflight(&o.sc, mount, sizeof(mount), err, sizeof(err))) {
		msg_err("%s", err);
		return EXIT_USAGE;
	}
	if (prepare_output(&o))
		return EXIT_USAGE;

	uname(&u);
	kc = load_config(&o, src, sizeof(src));
	/* the probes' lock descriptions follow the kernel: /proc/pid/maps since 6.17 */
	d.kernel.per_vma_maps = kfeatures_has(kc, u.release, "per-vma-maps");
	root = result_envelope();
	result_set_label(root, o.label, "live");
	record_machine(root);
	record_kernel(root, &u, kc, src);
	kconfig_free(kc);

	d.data_dir = o.data_dir;
	d.output = o.output;
	d.disposable = o.disposable;
	d.cgroup_mount = mount;
	proc_signals_install();
	ret = driver_run(&d, root, err, sizeof(err));
	if (!ret) {
		json_t *one[1] = { root };
		const char *label[1] = { o.label };

		result_print_json_table(stdout, one, label, 1);
		msg_info("result: %s", o.output);
	} else {
		msg_err("run failed: %s (partial result in %s)", err, o.output);
	}
	json_decref(root);
	if (proc_stop_signal)
		return 128 + proc_stop_signal;
	return ret ? EXIT_FAIL : EXIT_OK;
}
