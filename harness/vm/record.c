// SPDX-License-Identifier: GPL-2.0
/* The "vm" object of a result and the result file of a variant; see record.h. */
#include "harness/vm/record.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/result.h"
#include "harness/util.h"
#include "harness/vm/kernel.h"
#include "harness/vm/session.h"

void vm_record_init(struct vm_record *r)
{
	memset(r, 0, sizeof(*r));
	r->timeout_s = NAN;
	r->guest_exit_code = -1;
}

void vm_record_set_argv(struct vm_record *r, char **argv)
{
	size_t i;

	for (i = 0; r->qemu_argv && r->qemu_argv[i]; i++)
		free(r->qemu_argv[i]);
	free(r->qemu_argv);
	r->qemu_argv = argv;
}

void vm_record_free(struct vm_record *r)
{
	size_t i;

	json_decref(r->kernel_features);
	json_decref(r->guest_kernel_warnings);
	vm_record_set_argv(r, NULL);
	for (i = 0; i < r->nr_out_notes; i++)
		free(r->out_notes[i]);
	free(r->out_notes);
	free(r->console_log);
	free(r->kernel_elf);
	free(r->guest_stderr_tail);
	free(r->guest_files);
	vm_record_init(r);
}

void vm_record_note(struct vm_record *r, const char *note)
{
	r->out_notes = xrealloc(r->out_notes, (r->nr_out_notes + 1) * sizeof(char *));
	r->out_notes[r->nr_out_notes++] = xstrdup(note);
}

/* A string of the guest's (may be any bytes): jansson takes only UTF-8. */
static json_t *str_or_null(const char *s)
{
	json_t *j;

	if (!s)
		return json_null();
	j = json_string(s);
	return j ? j : json_string("(not UTF-8 text)");
}

static json_t *secs(double s)
{
	return isnan(s) ? json_null() : json_real(round(s * 1e3) / 1e3);
}

static json_t *timings_json(const struct vm_timings *t)
{
	json_t *o = json_object();

	json_object_set_new(o, "prepare_s", secs(t->prepare_s));
	if (!t->booted)
		return o;
	json_object_set_new(o, "boot_s", secs(t->boot_s));
	json_object_set_new(o, "qemu_s", secs(t->qemu_s));
	json_object_set_new(o, "guest_run_s", secs(t->guest_run_s));
	json_object_set_new(o, "boot_to_result_s", secs(t->boot_to_result_s));
	json_object_set_new(o, "teardown_s", secs(t->teardown_s));
	json_object_set_new(o, "transfer_s", secs(t->transfer_s));
	json_object_set_new(o, "poweroff_s", secs(t->poweroff_s));
	json_object_set_new(o, "collect_s", secs(t->collect_s));
	json_object_set_new(o, "wall_s", secs(t->wall_s));
	json_object_set_new(o, "overhead_s", secs(t->overhead_s));
	return o;
}

/* The machine that ran QEMU: a guest's "machine" is the guest. */
static json_t *host_json(void)
{
	char host[256] = "";
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
	char *osrel = NULL;
	json_t *h = json_object();

	gethostname(host, sizeof(host) - 1);
	read_file("/proc/sys/kernel/osrelease", &osrel, NULL);
	if (osrel)
		osrel[strcspn(osrel, "\n")] = '\0';
	json_object_set_new(h, "hostname", json_string(host));
	json_object_set_new(h, "cpus", json_integer(cpus));
	json_object_set_new(h, "memory_bytes", json_integer((json_int_t)pages * psize));
	json_object_set_new(h, "kernel_release", str_or_null(osrel));
	free(osrel);
	return h;
}

static json_t *strv_json(char *const *v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; v && (n == (size_t)-1 ? v[i] != NULL : i < n); i++)
		json_array_append_new(a, str_or_null(v[i]));
	return a;
}

/* How a compare's run was placed: its device baseline, host CPUs, neighbours, and job list entry. */
static void run_info_json(json_t *vm, const struct vm_run_info *ri)
{
	json_t *cpus = json_array();
	size_t i;

	json_object_set_new(vm, "device_baseline_from", str_or_null(ri->device_baseline_from));
	for (i = 0; ri->pin_cpus && i < ri->nr_pin_cpus; i++)
		json_array_append_new(cpus, json_integer(ri->pin_cpus[i]));
	json_object_set_new(vm, "pinned_cpus", ri->pin_cpus ? cpus : (json_decref(cpus), json_null()));
	json_object_set_new(vm, "parallel_guests", ri->jobs ? json_integer(ri->jobs) : json_null());
	json_object_set_new(vm, "plan", ri->plan_id ? json_pack("{s:s,s:i,s:i}", "id", ri->plan_id, "index",
								 ri->plan_index, "pairing", ri->pairing)
						    : json_null());
}

json_t *vm_record_json(const struct vm_record *r)
{
	const struct vm_kernel *k = r->k;
	json_t *vm = json_object();

	json_object_set_new(vm, "label", json_string(k->label));
	json_object_set_new(vm, "kernel_spec", str_or_null(k->spec));
	json_object_set_new(vm, "kernel_image", str_or_null(k->image));
	json_object_set_new(vm, "kernel_release", str_or_null(k->release));
	json_object_set_new(vm, "kernel_config", str_or_null(k->config));
	json_object_set_new(vm, "package", str_or_null(k->package));
	json_object_set_new(vm, "package_version", str_or_null(k->package_version));
	json_object_set_new(vm, "package_suite", str_or_null(k->package_suite));
	json_object_set_new(vm, "accelerator", r->accel_reason ? json_string(r->kvm ? "kvm" : "tcg") : json_null());
	json_object_set_new(vm, "accelerator_reason", str_or_null(r->accel_reason));
	json_object_set_new(vm, "qemu_version", str_or_null(r->qemu_version));
	json_object_set_new(vm, "qemu_argv", r->qemu_argv ? strv_json(r->qemu_argv, (size_t)-1) : json_null());
	json_object_set_new(vm, "guest_memory_bytes", json_integer((json_int_t)r->mem_bytes));
	json_object_set_new(vm, "guest_cpus", json_integer((json_int_t)r->cpus));
	json_object_set_new(vm, "console_log", str_or_null(r->console_log));
	json_object_set_new(vm, "initramfs", str_or_null(r->initramfs));
	if (r->boot_entry[0]) {
		json_object_set_new(vm, "boot_entry", json_string(r->boot_entry));
		json_object_set_new(vm, "kernel_elf", str_or_null(r->kernel_elf));
	}
	json_object_set_new(vm, "data_disk", str_or_null(r->data_disk));
	json_object_set_new(vm, "tools_disk", str_or_null(r->tools_disk));
	json_object_set_new(vm, "guest_command", str_or_null(r->guest_command));
	json_object_set_new(vm, "guest_exit_code",
			    r->guest_exit_code >= 0 ? json_integer(r->guest_exit_code) : json_null());
	json_object_set_new(vm, "host_command_line", strv_json(mm_orig_argv, (size_t)mm_orig_argc));
	json_object_set_new(vm, "host", host_json());
	if (r->ri) {
		json_object_set_new(vm, "repetition", json_integer(r->ri->rep));
		json_object_set_new(vm, "repetitions", json_integer(r->ri->reps));
		json_object_set_new(vm, "variant_index", json_integer(r->ri->variant_index));
		json_object_set_new(vm, "baseline", str_or_null(r->ri->baseline));
		run_info_json(vm, r->ri);
	}
	json_object_set_new(vm, "timings", timings_json(&r->t));
	if (r->kernel_features)
		json_object_set(vm, "kernel_features", r->kernel_features);
	if (r->kernel_config_source[0])
		json_object_set_new(vm, "kernel_config_source", json_string(r->kernel_config_source));
	if (r->could_not_test[0])
		json_object_set_new(vm, "could_not_test", json_string(r->could_not_test));
	if (!isnan(r->timeout_s))
		json_object_set_new(vm, "timeout_s", secs(r->timeout_s));
	if (r->boot_retry_reason[0])
		json_object_set_new(vm, "boot_retry", json_pack("{s:o,s:s}", "reason", str_or_null(r->boot_retry_reason),
								"first_console_log", r->boot_retry_console));
	if (r->guest_kernel_warnings)
		json_object_set(vm, "guest_kernel_warnings", r->guest_kernel_warnings);
	if (r->guest_stderr_tail)
		json_object_set_new(vm, "guest_stderr_tail", str_or_null(r->guest_stderr_tail));
	if (r->guest_protocol) {
		json_object_set_new(vm, "guest_protocol", json_integer(r->guest_protocol));
		json_object_set_new(vm, "console_bytes", json_integer((json_int_t)r->console_bytes));
		json_object_set_new(vm, "console_dropped_bytes", json_integer((json_int_t)r->console_dropped_bytes));
	}
	if (r->nr_out_notes)
		json_object_set_new(vm, "guest_out_notes", strv_json(r->out_notes, r->nr_out_notes));
	if (r->guest_files)
		json_object_set_new(vm, "guest_files", json_string(r->guest_files));
	if (r->slow_teardown[0])
		json_object_set_new(vm, "slow_teardown", json_string(r->slow_teardown));
	return vm;
}

int vm_result_save(const char *path, json_t *guest, const struct vm_record *r, const json_t *scenario,
		   const char *error, char *err, size_t errlen)
{
	json_t *root = guest ? json_incref(guest) : result_envelope();
	int ret;

	if (!guest) {
		json_object_set_new(root, "label", json_string(r->k->label));
		json_object_set_new(root, "mode", json_string("vm"));
		json_object_set(root, "scenario", (json_t *)scenario);
		result_finish(root, "failed", error && *error ? error : "no result");
	} else if (error && *error) {
		/* keep the guest's times and data; only the verdict changes */
		json_object_set_new(root, "status", json_string("failed"));
		json_object_set_new(root, "error", str_or_null(error));
	}
	json_object_set_new(root, "vm", vm_record_json(r));
	ret = result_save(path, root);
	json_decref(root);
	if (ret)
		snprintf(err, errlen, "cannot write result %s: %s%s", path, strerror(-ret),
			 ret == -ENOSPC ? " (file system full: free space, or choose another --results)" : "");
	return ret;
}
