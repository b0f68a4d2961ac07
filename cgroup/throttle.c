// SPDX-License-Identifier: GPL-2.0
#include "cgroup/throttle.h"

#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "harness/util.h"

int throttle_device_for_path(const char *path, struct throttle_plan *tp, char *err, size_t errlen)
{
	char sys[PATH_MAX], real[PATH_MAX], part[PATH_MAX + 16], *dev, *name;
	unsigned int maj, min;
	struct stat st;

	if (stat(path, &st) < 0) {
		snprintf(err, errlen, "cannot stat data directory %s: %s", path, strerror(errno));
		return -errno;
	}
	maj = major(st.st_dev);
	min = minor(st.st_dev);
	snprintf(sys, sizeof(sys), "/sys/dev/block/%u:%u", maj, min);
	if (maj == 0 || !realpath(sys, real)) {
		snprintf(err, errlen,
			 "data directory %s is on a filesystem with no block device (device %u:%u: tmpfs, "
			 "overlay, NFS?); I/O throttles act on block devices: pick a --data-dir on a disk",
			 path, maj, min);
		return -ENODEV;
	}
	/* blk-cgroup takes whole disks only: a partition's parent is the disk. */
	snprintf(part, sizeof(part), "%s/partition", real);
	if (path_exists(part))
		*strrchr(real, '/') = '\0';
	snprintf(part, sizeof(part), "%s/dev", real);
	if (read_file(part, &dev, NULL)) {
		snprintf(err, errlen, "cannot read %s", part);
		return -EIO;
	}
	dev[strcspn(dev, "\n")] = '\0';
	snprintf(tp->device, sizeof(tp->device), "%s", dev);
	free(dev);
	name = strrchr(real, '/');
	snprintf(tp->disk, sizeof(tp->disk), "%.63s", name ? name + 1 : real);
	return 0;
}

static int apply_io_max(const struct scenario *sc, struct cg_session *s, struct throttle_plan *tp, char *err,
			size_t errlen)
{
	size_t n;

	n = snprintf(tp->value, sizeof(tp->value), "%s", tp->device);
	if (sc->io_max_rbps)
		n += snprintf(tp->value + n, sizeof(tp->value) - n, " rbps=%" PRIu64, sc->io_max_rbps);
	if (sc->io_max_riops)
		n += snprintf(tp->value + n, sizeof(tp->value) - n, " riops=%" PRIu64, sc->io_max_riops);
	if (sc->io_max_wbps)
		n += snprintf(tp->value + n, sizeof(tp->value) - n, " wbps=%" PRIu64, sc->io_max_wbps);
	if (sc->io_max_wiops)
		snprintf(tp->value + n, sizeof(tp->value) - n, " wiops=%" PRIu64, sc->io_max_wiops);
	tp->kind = THROTTLE_IO_MAX;
	tp->group = "lo";
	snprintf(tp->file, sizeof(tp->file), "io.max");
	cg_group_set(&s->lo, "io", "io.max", tp->value);
	return cg_group_apply(s, &s->lo, err, errlen);
}

static int apply_io_latency(const struct scenario *sc, struct cg_session *s, struct throttle_plan *tp,
			    char *err, size_t errlen)
{
	/* io.latency's target is in microseconds. */
	snprintf(tp->value, sizeof(tp->value), "%s target=%" PRIu64, tp->device,
		 (uint64_t)(sc->io_latency_target_ns / NSEC_PER_USEC));
	tp->kind = THROTTLE_IO_LATENCY;
	tp->group = "hi";
	snprintf(tp->file, sizeof(tp->file), "io.latency");
	cg_group_set(&s->hi, "io", "io.latency", tp->value);
	return cg_group_apply(s, &s->hi, err, errlen);
}

/* The root's line for our device in an io.cost file, or "" */
static void device_line(const char *path, const char *device, char *out, size_t len)
{
	char *text, *p;
	size_t n = strlen(device);

	out[0] = '\0';
	if (read_file(path, &text, NULL))
		return;
	for (p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (!strncmp(p, device, n) && p[n] == ' ') {
			snprintf(out, len, "%.*s", (int)strcspn(p, "\n"), p);
			break;
		}
	}
	free(text);
}

/*
 * io.cost: tell the root how fast the device is (a deliberately slow linear
 * model) and what latency to hold, then weight lo far below hi.  lo's
 * submits sleep in submit_bio when it is over its share.
 */
static int apply_io_cost(const struct scenario *sc, struct cg_session *s, struct throttle_plan *tp, char *err,
			 size_t errlen)
{
	char qos_path[PATH_MAX + 32], model_path[PATH_MAX + 32], model[256], qos[256], w[64];
	uint64_t lat_us = sc->io_cost_latency_ns / NSEC_PER_USEC;
	int ret;

	snprintf(qos_path, sizeof(qos_path), "%s/io.cost.qos", s->mount);
	snprintf(model_path, sizeof(model_path), "%s/io.cost.model", s->mount);
	snprintf(tp->root_path, sizeof(tp->root_path), "%s", s->mount);
	device_line(qos_path, tp->device, tp->saved_qos, sizeof(tp->saved_qos));
	device_line(model_path, tp->device, tp->saved_model, sizeof(tp->saved_model));
	snprintf(model, sizeof(model),
		 "%s ctrl=user model=linear rbps=%" PRIu64 " rseqiops=%" PRIu64 " rrandiops=%" PRIu64
		 " wbps=%" PRIu64 " wseqiops=%" PRIu64 " wrandiops=%" PRIu64,
		 tp->device, sc->io_cost_rbps, sc->io_cost_riops, sc->io_cost_riops, sc->io_cost_wbps,
		 sc->io_cost_wiops, sc->io_cost_wiops);
	snprintf(qos, sizeof(qos), "%s enable=1 ctrl=user rpct=95.00 rlat=%" PRIu64 " wpct=95.00 wlat=%" PRIu64
		 " min=1.00 max=100.00", tp->device, lat_us, lat_us);
	tp->root_changed = true;
	ret = write_file(model_path, model);
	if (!ret)
		ret = write_file(qos_path, qos);
	if (ret) {
		snprintf(err, errlen, "writing io.cost settings for %s to %s failed: %s", tp->device, s->mount,
			 strerror(-ret));
		return ret;
	}
	tp->kind = THROTTLE_IO_COST;
	tp->group = "lo";
	snprintf(tp->file, sizeof(tp->file), "io.weight");
	snprintf(w, sizeof(w), "default %" PRIu64, sc->io_weight_hi);
	cg_group_set(&s->hi, "io", "io.weight", w);
	ret = cg_group_apply(s, &s->hi, err, errlen);
	snprintf(tp->value, sizeof(tp->value), "default %" PRIu64, sc->io_weight_lo);
	cg_group_set(&s->lo, "io", "io.weight", tp->value);
	if (!ret)
		ret = cg_group_apply(s, &s->lo, err, errlen);
	snprintf(tp->extra, sizeof(tp->extra), "hi io.weight %s; root io.cost.model %s; io.cost.qos %s", w,
		 model, qos);
	return ret;
}

static int apply_cpu_max(const struct scenario *sc, struct cg_session *s, struct throttle_plan *tp, char *err,
			 size_t errlen)
{
	snprintf(tp->value, sizeof(tp->value), "%" PRIu64 " %" PRIu64,
		 (uint64_t)(sc->cpu_max_quota_ns / NSEC_PER_USEC), (uint64_t)(sc->cpu_max_period_ns / NSEC_PER_USEC));
	tp->kind = THROTTLE_CPU_MAX;
	tp->group = "lo";
	snprintf(tp->file, sizeof(tp->file), "cpu.max");
	cg_group_set(&s->lo, "cpu", "cpu.max", tp->value);
	return cg_group_apply(s, &s->lo, err, errlen);
}

/*
 * Lift the group's throttle before the group goes: writeback of lo's
 * leftover dirty pages is still charged to it, and would crawl through the
 * old limit long after the run (a guest's final sync waited minutes).
 */
static void throttle_lift(struct throttle_plan *tp, const struct cg_session *s)
{
	char path[PATH_MAX + 32], buf[128];

	if (!s->created)
		return;
	switch (tp->kind) {
	case THROTTLE_IO_MAX:
		snprintf(path, sizeof(path), "%s/io.max", s->lo.path);
		snprintf(buf, sizeof(buf), "%s rbps=max wbps=max riops=max wiops=max", tp->device);
		break;
	case THROTTLE_IO_LATENCY:
		snprintf(path, sizeof(path), "%s/io.latency", s->hi.path);
		snprintf(buf, sizeof(buf), "%s target=max", tp->device);
		break;
	case THROTTLE_CPU_MAX:
		snprintf(path, sizeof(path), "%s/cpu.max", s->lo.path);
		snprintf(buf, sizeof(buf), "max");
		break;
	default:
		return;
	}
	if (write_file(path, buf))
		msg_warn("could not lift the throttle: writing \"%s\" to %s failed", buf, path);
}

void throttle_undo(struct throttle_plan *tp, const struct cg_session *s)
{
	char path[PATH_MAX + 32], buf[600];

	throttle_lift(tp, s);
	if (!tp->root_changed)
		return;
	/* Written back as read; a kernel that had no line for us gets the defaults back. */
	snprintf(path, sizeof(path), "%s/io.cost.qos", tp->root_path);
	snprintf(buf, sizeof(buf), "%s", tp->saved_qos[0] ? tp->saved_qos : tp->device);
	if (!tp->saved_qos[0])
		snprintf(buf, sizeof(buf), "%s enable=0", tp->device);
	if (write_file(path, buf))
		msg_warn("could not restore %s to \"%s\"", path, buf);
	snprintf(path, sizeof(path), "%s/io.cost.model", tp->root_path);
	snprintf(buf, sizeof(buf), "%s ctrl=auto", tp->device);
	if (write_file(path, buf))
		msg_warn("could not restore %s to \"%s\"", path, buf);
	tp->root_changed = false;
}

const char *const *throttle_controllers(const struct scenario *sc)
{
	static const char *const io_mem[] = { "io", "memory", NULL };
	static const char *const io_mem_cpu[] = { "io", "memory", "cpu", NULL };

	return sc->throttle == THROTTLE_CPU_MAX ? io_mem_cpu : io_mem;
}

int throttle_apply(const struct scenario *sc, struct cg_session *s, struct throttle_plan *tp, char *err,
		   size_t errlen)
{
	char path[PATH_MAX + 32];
	bool have_latency, have_max;

	tp->requested = sc->throttle;
	snprintf(path, sizeof(path), "%s/io.latency", s->hi.path);
	have_latency = path_exists(path);
	snprintf(path, sizeof(path), "%s/io.max", s->lo.path);
	have_max = path_exists(path);

	switch (sc->throttle) {
	case THROTTLE_NONE:
		tp->kind = THROTTLE_NONE;
		snprintf(tp->reason, sizeof(tp->reason), "no throttle requested (--throttle none)");
		return 0;
	case THROTTLE_IO_LATENCY:
		if (!have_latency) {
			snprintf(err, errlen,
				 "--throttle io.latency: this kernel has no io.latency file in cgroup2 "
				 "(CONFIG_BLK_CGROUP_IOLATENCY is not set, as in Debian's kernels); use "
				 "--throttle io.max, --throttle auto, or a kernel built with it");
			return -EOPNOTSUPP;
		}
		snprintf(tp->reason, sizeof(tp->reason), "requested with --throttle io.latency");
		return apply_io_latency(sc, s, tp, err, errlen);
	case THROTTLE_IO_MAX:
		if (!have_max) {
			snprintf(err, errlen,
				 "--throttle io.max: this kernel has no io.max file in cgroup2 "
				 "(CONFIG_BLK_DEV_THROTTLING is not set); use --throttle auto or none");
			return -EOPNOTSUPP;
		}
		snprintf(tp->reason, sizeof(tp->reason), "requested with --throttle io.max");
		return apply_io_max(sc, s, tp, err, errlen);
	case THROTTLE_IO_COST:
		snprintf(path, sizeof(path), "%s/io.cost.qos", s->mount);
		if (!path_exists(path)) {
			snprintf(err, errlen,
				 "--throttle io.cost: this kernel has no io.cost.qos in cgroup2 "
				 "(CONFIG_BLK_CGROUP_IOCOST is not set); use --throttle io.max or auto");
			return -EOPNOTSUPP;
		}
		snprintf(tp->reason, sizeof(tp->reason), "requested with --throttle io.cost");
		return apply_io_cost(sc, s, tp, err, errlen);
	case THROTTLE_CPU_MAX:
		snprintf(path, sizeof(path), "%s/cpu.max", s->lo.path);
		if (!path_exists(path)) {
			snprintf(err, errlen,
				 "--throttle cpu.max: no cpu.max in lo (the cpu controller is not enabled, or "
				 "CONFIG_CFS_BANDWIDTH is not set)");
			return -EOPNOTSUPP;
		}
		snprintf(tp->reason, sizeof(tp->reason), "requested with --throttle cpu.max");
		return apply_cpu_max(sc, s, tp, err, errlen);
	case THROTTLE_AUTO:
	default:
		if (have_latency) {
			snprintf(tp->reason, sizeof(tp->reason), "auto: the kernel has io.latency");
			return apply_io_latency(sc, s, tp, err, errlen);
		}
		if (have_max && (sc->io_max_riops || sc->io_max_rbps || sc->io_max_wiops || sc->io_max_wbps)) {
			snprintf(tp->reason, sizeof(tp->reason),
				 "auto: no io.latency in this kernel (CONFIG_BLK_CGROUP_IOLATENCY not set), "
				 "fell back to io.max on lo");
			return apply_io_max(sc, s, tp, err, errlen);
		}
		snprintf(err, errlen,
			 "--throttle auto: this kernel has neither io.latency nor io.max in cgroup2 "
			 "(CONFIG_BLK_CGROUP_IOLATENCY, CONFIG_BLK_DEV_THROTTLING); use --throttle none "
			 "to run unthrottled");
		return -EOPNOTSUPP;
	}
}

json_t *throttle_to_json(const struct throttle_plan *tp)
{
	json_t *o = json_object();

	json_object_set_new(o, "requested", json_string(throttle_names[tp->requested]));
	json_object_set_new(o, "kind", json_string(throttle_names[tp->kind]));
	json_object_set_new(o, "reason", json_string(tp->reason));
	json_object_set_new(o, "device", json_string(tp->device));
	json_object_set_new(o, "disk", json_string(tp->disk));
	if (tp->kind != THROTTLE_NONE) {
		json_object_set_new(o, "group", json_string(tp->group));
		json_object_set_new(o, "file", json_string(tp->file));
		json_object_set_new(o, "value", json_string(tp->value));
	}
	if (tp->extra[0])
		json_object_set_new(o, "other_settings", json_string(tp->extra));
	return o;
}
