// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfiobind release: give IOMMU groups back to their host drivers.  Each
 * member's driver_override is cleared, the vfio driver (or pci-stub)
 * unbound and the device offered to every driver again; the driver that
 * takes it is reported.  A group a process holds open through vfio (the
 * group's /dev/vfio/N or a device's /dev/vfio/devices/vfioX) is refused
 * whole: unbinding a vfio device that is in use blocks in the kernel
 * until the VM lets go of it.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vfiobind.h"

/* What to release: devices by selector, or the record's claims. */
static bool wanted(const struct vb_device *d, const struct vb_selector *sel,
		   size_t nsel, const char *record)
{
	char quoted[VB_ADDR_LEN + 16];
	size_t i;

	if (!nsel) {
		snprintf(quoted, sizeof(quoted), "\"address\": \"%s\"", d->addr);
		return record && strstr(record, quoted);
	}
	for (i = 0; i < nsel; i++)
		if (vb_selector_match(&sel[i], d))
			return true;
	return false;
}

/* Appends the "devices" array of the record at rel to *claims. */
static void add_claims(const struct vb_ctx *ctx, const char *rel,
		       char **claims)
{
	char path[PATH_MAX], *text, *end, *all;
	size_t len, have = *claims ? strlen(*claims) : 0;

	if (vb_path(ctx, path, sizeof(path), "%s", rel) < 0 ||
	    !(text = vb_slurp(path, &len)))
		return;
	end = strstr(text, "\"refused\":");
	if (end)
		*end = '\0';
	len = strlen(text);
	all = realloc(*claims, have + len + 1);
	if (all) {
		memcpy(all + have, text, len + 1);
		*claims = all;
	}
	free(text);
}

struct device_records {
	const struct vb_ctx *ctx;
	char *claims;
};

static int device_record(void *data, const char *name)
{
	struct device_records *dr = data;
	char rel[PATH_MAX];
	size_t n = strlen(name);

	if (strncmp(name, "device-", 7) || n < 5 ||
	    strcmp(name + n - 5, ".json"))
		return 0;
	snprintf(rel, sizeof(rel), "/run/vfiobind/%s", name);
	add_claims(dr->ctx, rel, &dr->claims);
	return 0;
}

/* What apply claimed: the "devices" of its record, state.json, and of the
 * records apply --device left for devices added after boot. */
static char *record_claims(struct vb_ctx *ctx)
{
	struct device_records dr = { ctx, NULL };

	add_claims(ctx, "/run/vfiobind/state.json", &dr.claims);
	vb_dir_each(ctx, "/run/vfiobind", device_record, &dr);
	if (!dr.claims)
		vb_err(ctx, "no record of an apply in %s/run/vfiobind (state.json, device-*.json): name the devices to release",
		       ctx->root);
	return dr.claims;
}

#define HOLD_MAX 32	/* vfio files of one group looked for */

/* The vfio device files (cdevs) through which a VM may hold d. */
static size_t vfio_cdevs(const struct vb_ctx *ctx, const struct vb_device *d,
			 char paths[][48], size_t n)
{
	char dir[PATH_MAX];
	struct dirent *de;
	DIR *dh;

	if (vb_path(ctx, dir, sizeof(dir), "/sys/bus/pci/devices/%s/vfio-dev",
		    d->addr) < 0)
		return n;
	dh = opendir(dir);
	if (!dh)
		return n;
	while ((de = readdir(dh)) && n < HOLD_MAX)
		if (!strncmp(de->d_name, "vfio", 4))
			snprintf(paths[n++], 48, "/dev/vfio/devices/%.24s",
				 de->d_name);
	closedir(dh);
	return n;
}

/* A process with one of paths open, as "PID (COMM)"; 0 when none. */
static int holder(const struct vb_ctx *ctx, char paths[][48], size_t n,
		  char *who, size_t wholen)
{
	char proc[PATH_MAX], fdpath[2 * PATH_MAX], target[PATH_MAX];
	struct dirent *pe, *fe;
	DIR *ph, *fh;
	ssize_t len;
	size_t i;
	int found = 0;

	if (vb_path(ctx, proc, sizeof(proc), "/proc") < 0)
		return -ENAMETOOLONG;
	ph = opendir(proc);
	if (!ph)
		return -errno;
	while (!found && (pe = readdir(ph))) {
		if (pe->d_name[0] < '1' || pe->d_name[0] > '9')
			continue;
		snprintf(fdpath, sizeof(fdpath), "%s/%s/fd", proc, pe->d_name);
		fh = opendir(fdpath);
		if (!fh)
			continue;	/* gone, or not ours to see */
		while (!found && (fe = readdir(fh))) {
			snprintf(fdpath, sizeof(fdpath), "%s/%s/fd/%s", proc,
				 pe->d_name, fe->d_name);
			len = readlink(fdpath, target, sizeof(target) - 1);
			if (len <= 0)
				continue;
			target[len] = '\0';
			for (i = 0; i < n && !found; i++)
				found = !strcmp(target, paths[i]);
		}
		closedir(fh);
		if (found) {
			char rel[300], comm[32] = "";

			snprintf(rel, sizeof(rel), "/proc/%s/comm", pe->d_name);
			vb_read_attr(ctx, rel, comm, sizeof(comm));
			comm[strcspn(comm, "\n")] = '\0';
			snprintf(who, wholen, "%s (%s)", pe->d_name, comm);
		}
	}
	closedir(ph);
	return found;
}

/* True when the group of first is held open; names the holder. */
static bool group_in_use(struct vb_ctx *ctx, const struct vb_inventory *inv,
			 size_t first)
{
	char paths[HOLD_MAX][48], who[320];
	size_t i, n = 0;

	if (inv->dev[first].group >= 0)
		snprintf(paths[n++], 48, "/dev/vfio/%d", inv->dev[first].group);
	for (i = first; i < inv->n; i++)
		if (vb_same_group(inv, first, i) && !inv->dev[i].bridge)
			n = vfio_cdevs(ctx, &inv->dev[i], paths, n);
	if (holder(ctx, paths, n, who, sizeof(who)) <= 0)
		return false;
	vb_err(ctx, "IOMMU group %d (%s) is in use by process %s: not released; stop the VM first",
	       inv->dev[first].group, inv->dev[first].addr, who);
	return true;
}

static bool claimed(const struct vb_device *d)
{
	return d->override[0] ||
	       (d->driver[0] && strcmp(d->driver, "pcieport") &&
		vb_driver_managed_dma(d->driver));
}

static void release_device(struct vb_ctx *ctx, struct vb_device *d,
			   bool dry_run, struct vb_json *rec)
{
	int r;

	if (dry_run) {
		printf("release %s  %04x:%04x  driver %s%s%s -> host drivers\n",
		       d->addr, d->vendor, d->device,
		       d->driver[0] ? d->driver : "none",
		       d->override[0] ? ", override " : "", d->override);
		return;
	}
	if (d->override[0]) {
		r = vb_dev_write(ctx, d, "driver_override", "\n");
		if (r < 0) {
			vb_err(ctx, "%s: clearing driver_override failed: %s",
			       d->addr, strerror(-r));
			return;
		}
	}
	if (d->driver[0]) {
		r = vb_dev_write(ctx, d, "driver/unbind", d->addr);
		if (r < 0) {
			vb_err(ctx, "%s: unbinding from %s failed: %s", d->addr,
			       d->driver, strerror(-r));
			return;
		}
	}
	r = vb_write_attr(ctx, "/sys/bus/pci/drivers_probe", d->addr);
	if (r < 0)
		vb_warn(ctx, "%s: drivers_probe failed: %s", d->addr,
			strerror(-r));
	if (vb_wait_any_driver(ctx, d))
		vb_notice(ctx, "%s: released; host driver %s took it", d->addr,
			  d->driver);
	else
		vb_notice(ctx, "%s: released; no host driver took it", d->addr);
	vb_json_open(rec, NULL, '{');
	vb_json_str(rec, "address", d->addr);
	vb_json_str(rec, "driver", d->driver);
	vb_json_close(rec, '}');
}

static void put_text(FILE *f, const void *text)
{
	fputs(text, f);
}

int vb_release(struct vb_ctx *ctx, struct vb_inventory *inv,
	       const struct vb_selector *sel, size_t nsel, bool dry_run)
{
	char *record = NULL, *text = NULL;
	bool *want, *done;
	struct vb_json rec;
	size_t i, j, textlen, released = 0;
	int status = VB_EXIT_OK;
	FILE *mem;

	if (!nsel && !(record = record_claims(ctx)))
		return VB_EXIT_FAILED;
	want = calloc(inv->n + 1, sizeof(*want));
	done = calloc(inv->n + 1, sizeof(*done));
	mem = open_memstream(&text, &textlen);
	if (!want || !done || !mem) {
		if (mem)
			fclose(mem);
		free(text);
		free(want);
		free(done);
		free(record);
		return VB_EXIT_FAILED;
	}
	/* Whole groups: a group half given back is usable by nobody. */
	for (i = 0; i < inv->n; i++)
		if (wanted(&inv->dev[i], sel, nsel, record))
			for (j = 0; j < inv->n; j++)
				want[j] |= vb_same_group(inv, i, j);
	vb_json_begin(&rec, mem);
	vb_json_open(&rec, NULL, '{');
	vb_json_int(&rec, "version", 1);
	vb_json_open(&rec, "released", '[');
	for (i = 0; i < inv->n; i++) {
		if (!want[i] || done[i])
			continue;
		for (j = i; j < inv->n; j++)
			done[j] |= vb_same_group(inv, i, j);
		if (group_in_use(ctx, inv, i)) {
			status = VB_EXIT_FAILED;
			continue;
		}
		for (j = i; j < inv->n; j++) {
			struct vb_device *d = &inv->dev[j];

			if (!vb_same_group(inv, i, j) || d->bridge ||
			    !claimed(d))
				continue;
			release_device(ctx, d, dry_run, &rec);
			released++;
		}
	}
	vb_json_close(&rec, ']');
	vb_json_close(&rec, '}');
	fclose(mem);
	if (!released && status == VB_EXIT_OK)
		vb_notice(ctx, "nothing to release: no selected device is claimed for vfio");
	if (!dry_run && released)
		vb_record_file(ctx, "release.json", put_text, text);
	if (ctx->errors)
		status = VB_EXIT_FAILED;
	free(text);
	free(want);
	free(done);
	free(record);
	return status;
}
