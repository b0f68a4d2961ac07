// SPDX-License-Identifier: GPL-2.0
/*
 * The probes setting (--probes, settings.probes): NAME[:INTERVAL[:THREADS]],...
 * The input is the setting's text, given to probe_plan_parse() as both
 * callers do (with no default interval when a value is set, with the
 * probe-interval when a scenario is validated), to probe_selected(), and
 * to scenario_set() with the resolved plan printed.
 *
 * Oracle: an error comes with a message and leaves the setting as it was;
 * a plan that parses runs every probe it selects at an interval in the
 * documented range with 1 to MAX_PROBE_THREADS threads, the control
 * always on.
 */
#include "tests/fuzz/fuzz_common.h"

#include <jansson.h>

#include "harness/util.h"
#include "workloads/probes.h"
#include "workloads/scenario.h"
#include "workloads/shared.h"

static FILE *devnull;

static void check_plan(const char *spec, const struct probe_plan *plan, uint64_t def_ns)
{
	int i;

	for (i = 0; i < probe_count; i++) {
		const struct probe_plan *p = &plan[i];

		if (probe_list[i]->control && !p->on)
			fuzz_fail("'%s': the control probe %s is off", spec, probe_list[i]->name);
		if (!p->on)
			continue;
		if (p->threads < 1 || p->threads > MAX_PROBE_THREADS)
			fuzz_fail("'%s': probe %s with %u threads", spec, probe_list[i]->name, p->threads);
		if (p->interval_ns != def_ns &&
		    (p->interval_ns < PROBE_INTERVAL_MIN_NS || p->interval_ns > PROBE_INTERVAL_MAX_NS))
			fuzz_fail("'%s': probe %s every %llu ns", spec, probe_list[i]->name,
				  (unsigned long long)p->interval_ns);
		if (probe_selected(spec, i) != p->on)
			fuzz_fail("'%s': probe_selected() and the plan disagree on %s", spec, probe_list[i]->name);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t defaults[] = { 0, 10 * NSEC_PER_MSEC };
	struct probe_plan plan[MAX_PROBES];
	char err[1024], before[SCENARIO_STR];
	struct scenario sc;
	char *spec;
	size_t i;
	int ret;

	if (!devnull && !(devnull = fopen("/dev/null", "w")))
		abort();
	spec = fuzz_str(data, size);
	for (i = 0; i < ARRAY_SIZE(defaults); i++) {
		err[0] = '\0';
		ret = probe_plan_parse(spec, defaults[i], plan, err, sizeof(err));
		if (ret && !err[0])
			fuzz_fail("probe_plan_parse('%s') failed (%d) without a message", spec, ret);
		if (!ret)
			check_plan(spec, plan, defaults[i]);
	}

	scenario_defaults(&sc);
	snprintf(before, sizeof(before), "%s", sc.probes);
	err[0] = '\0';
	ret = scenario_set(&sc, "probes", spec, err, sizeof(err));
	if (ret && (!err[0] || strcmp(before, sc.probes)))
		fuzz_fail("scenario_set(probes, '%s') failed (%d) without a message or changed the setting", spec,
			  ret);
	if (!ret) {
		if (strcmp(sc.probes, spec))
			fuzz_fail("probes '%s' stored as '%s'", spec, sc.probes);
		if (scenario_validate(&sc, err, sizeof(err)) && !err[0])
			fuzz_fail("scenario_validate() failed without a message");
		scenario_print_probes(devnull, &sc);
		json_decref(scenario_probes_json(&sc));
	}
	free(spec);
	return 0;
}
