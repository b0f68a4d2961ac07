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
	return o;
}
