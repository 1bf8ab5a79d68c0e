// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfiobind release: give IOMMU groups back to their host drivers.  Each
 * member's driver_override is cleared, the vfio driver (or pci-stub)
 * unbound and the device offered to every driver again; the driver that
 * takes it is reported.  A group whose devices, or whose PFs' VFs, a
 * process holds open through vfio is refused whole (--force: released
 * with a warning): unbinding a vfio device that is in use blocks in the
 * kernel until the VM lets go of it.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vfiobind.h"

/*
 * A release argument is a bare selector.  "off" would parse as a bind
 * item (and its empty selector as 0000:00:00.0); a target or an option
 * would be accepted and mean nothing, since release gives devices back
 * to whatever host driver takes them.
 */
int vb_release_selector(const char *arg, struct vb_selector *sel, char *err,
			size_t errlen)
{
	struct vb_rule rule;
	char rest[VB_ITEM_MAX], why[256];
	size_t n = strcspn(arg, "=+"), col;

	if (!strcmp(arg, "off")) {
		snprintf(err, errlen,
			 "release: 'off' is not a device (vfio.bind=off turns the rules off at boot); name the devices to give back, or none for those the last apply claimed");
		return -EINVAL;
	}
	if (arg[n]) {
		snprintf(rest, sizeof(rest), "%.*s", (int)strcspn(arg + n + 1, "+") + 1,
			 arg + n);
		snprintf(err, errlen,
			 "release: selector '%s' has %s ('%s'); release takes the device alone ('%.*s') and gives it to whichever host driver takes it",
			 arg, arg[n] == '=' ? "a target" : "an option", rest,
			 (int)n, arg);
		return -EINVAL;
	}
	if (vb_rule_parse(RULE_BIND, arg, &rule, why, sizeof(why), &col) < 0) {
		snprintf(err, errlen, "release: bad selector '%s': %s", arg,
			 why);
		return -EINVAL;
	}
	*sel = rule.sel;
	return 0;
}

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

/*
 * Holders.  A VM holds a vfio device through its group's file
 * (/dev/vfio/N, or /dev/vfio/noiommu-N without an IOMMU), the device's
 * cdev (/dev/vfio/devices/vfioX), or the anonymous file that
 * VFIO_GROUP_GET_DEVICE_FD returns, which stays open after the group's
 * file is closed.  Unbinding a device so held blocks in the kernel until
 * the holder lets go; so does unbinding vfio-pci from a PF, which turns
 * SR-IOV off and so removes the PF's VFs.
 */
struct stake {
	bool at;	/* a holder of this device stops the release */
	size_t pf;	/* reached as a VF of this PF; SIZE_MAX: a member */
};

static void stake_group(const struct vb_inventory *inv, size_t first,
			size_t pf, struct stake *st)
{
	size_t i;

	for (i = 0; i < inv->n; i++)
		if (!st[i].at && vb_same_group(inv, first, i)) {
			st[i].at = true;
			st[i].pf = pf;
		}
}

/* The group of first, and the groups of the VFs of its PFs. */
static void stake_release(const struct vb_inventory *inv, size_t first,
			  struct stake *st)
{
	size_t i, j;

	memset(st, 0, inv->n * sizeof(*st));
	stake_group(inv, first, SIZE_MAX, st);
	for (i = first; i < inv->n; i++) {
		if (!vb_same_group(inv, first, i) || inv->dev[i].numvfs <= 0)
			continue;
		for (j = 0; j < inv->n; j++)
			if (inv->dev[j].is_vf &&
			    !strcmp(inv->dev[j].physfn, inv->dev[i].addr))
				stake_group(inv, j, i, st);
	}
}

/* vfio enables a device while a user has it open (vfio_pci_core_enable);
 * the kernel shows the count in the device's "enable". */
static bool vfio_enabled(const struct vb_ctx *ctx, const struct vb_device *d)
{
	char rel[PATH_MAX], val[16];

	if (!d->driver[0] || !strcmp(d->driver, "pci-stub") ||
	    !strcmp(d->driver, "pcieport") || !vb_driver_managed_dma(d->driver))
		return false;
	snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s/enable", d->addr);
	return vb_read_attr(ctx, rel, val, sizeof(val)) > 0 && val[0] != '0';
}

#define NOT_HELD SIZE_MAX

static size_t staked_group(const struct vb_inventory *inv,
			   const struct stake *st, const char *num)
{
	char *end;
	long g;
	size_t i;

	errno = 0;
	g = strtol(num, &end, 10);
	if (num[0] < '0' || num[0] > '9' || *end || errno)
		return NOT_HELD;
	for (i = 0; i < inv->n; i++)
		if (st[i].at && inv->dev[i].group == g)
			return i;
	return NOT_HELD;
}

static size_t staked_cdev(const struct vb_ctx *ctx,
			  const struct vb_inventory *inv,
			  const struct stake *st, const char *name)
{
	char rel[PATH_MAX];
	size_t i;

	if (strncmp(name, "vfio", 4) || strchr(name, '/') || strlen(name) > 24)
		return NOT_HELD;
	for (i = 0; i < inv->n; i++) {
		snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s/vfio-dev/%.24s",
			 inv->dev[i].addr, name);
		if (st[i].at && vb_exists(ctx, rel))
			return i;
	}
	return NOT_HELD;
}

/* An anonymous vfio device file: since Linux 6.18 its fdinfo names the
 * device; before, it may be any device vfio has open. */
static size_t staked_anon(const struct vb_ctx *ctx,
			  const struct vb_inventory *inv,
			  const struct stake *st, const char *pid,
			  const char *fd)
{
	static const char key[] = "\nvfio-device-syspath:";
	char rel[600], info[1024], *p, *base;
	size_t i;

	snprintf(rel, sizeof(rel), "/proc/%s/fdinfo/%s", pid, fd);
	info[0] = '\n';
	if (vb_read_attr(ctx, rel, info + 1, sizeof(info) - 1) < 0)
		info[1] = '\0';
	p = strstr(info, key);
	if (p) {
		p[strcspn(p + 1, "\n") + 1] = '\0';
		base = strrchr(p, '/');
		base = base ? base + 1 : p + sizeof(key) - 1;
		for (i = 0; i < inv->n; i++)
			if (st[i].at && !strcmp(inv->dev[i].addr, base))
				return i;
		return NOT_HELD;
	}
	for (i = 0; i < inv->n; i++)
		if (st[i].at && vfio_enabled(ctx, &inv->dev[i]))
			return i;
	return NOT_HELD;
}

/* The staked device that an open file (a /proc/PID/fd link) holds. */
static size_t held_through(const struct vb_ctx *ctx,
			   const struct vb_inventory *inv,
			   const struct stake *st, const char *pid,
			   const char *fd, const char *target)
{
	if (!strcmp(target, "anon_inode:[vfio-device]"))
		return staked_anon(ctx, inv, st, pid, fd);
	if (strncmp(target, "/dev/vfio/", 10))
		return NOT_HELD;
	target += 10;
	if (!strncmp(target, "devices/", 8))
		return staked_cdev(ctx, inv, st, target + 8);
	if (!strncmp(target, "noiommu-", 8))
		target += 8;
	return staked_group(inv, st, target);
}

/* The first process that holds a staked device, as "PID (COMM)". */
static size_t holder(const struct vb_ctx *ctx, const struct vb_inventory *inv,
		     const struct stake *st, char *who, size_t wholen)
{
	char proc[PATH_MAX], fdpath[2 * PATH_MAX], target[PATH_MAX];
	char rel[300], comm[32] = "";
	struct dirent *pe, *fe;
	size_t held = NOT_HELD;
	DIR *ph, *fh;
	ssize_t len;

	if (vb_path(ctx, proc, sizeof(proc), "/proc") < 0)
		return NOT_HELD;
	ph = opendir(proc);
	if (!ph)
		return NOT_HELD;
	while (held == NOT_HELD && (pe = readdir(ph))) {
		if (pe->d_name[0] < '1' || pe->d_name[0] > '9')
			continue;
		snprintf(fdpath, sizeof(fdpath), "%s/%s/fd", proc, pe->d_name);
		fh = opendir(fdpath);
		if (!fh)
			continue;	/* gone, or not ours to see */
		while (held == NOT_HELD && (fe = readdir(fh))) {
			snprintf(fdpath, sizeof(fdpath), "%s/%s/fd/%s", proc,
				 pe->d_name, fe->d_name);
			len = readlink(fdpath, target, sizeof(target) - 1);
			if (len <= 0)
				continue;
			target[len] = '\0';
			held = held_through(ctx, inv, st, pe->d_name,
					    fe->d_name, target);
		}
		closedir(fh);
		if (held != NOT_HELD) {
			snprintf(rel, sizeof(rel), "/proc/%s/comm", pe->d_name);
			vb_read_attr(ctx, rel, comm, sizeof(comm));
			comm[strcspn(comm, "\n")] = '\0';
			snprintf(who, wholen, "process %s (%s)", pe->d_name,
				 comm);
		}
	}
	closedir(ph);
	return held;
}

/* True when the group of first may not be released: a device at stake
 * is held, or vfio has one open for a process this run cannot see. */
static bool group_in_use(struct vb_ctx *ctx, const struct vb_inventory *inv,
			 size_t first, struct stake *st, bool force)
{
	const struct vb_device *g = &inv->dev[first], *d, *pf;
	char who[320], why[512];
	size_t i, held;

	stake_release(inv, first, st);
	held = holder(ctx, inv, st, who, sizeof(who));
	for (i = 0; held == NOT_HELD && i < inv->n; i++)
		if (st[i].at && vfio_enabled(ctx, &inv->dev[i])) {
			held = i;
			snprintf(who, sizeof(who),
				 "a process not found in /proc (vfio has %s open)",
				 inv->dev[i].addr);
		}
	if (held == NOT_HELD)
		return false;
	d = &inv->dev[held];
	if (st[held].pf == SIZE_MAX) {
		snprintf(why, sizeof(why), "IOMMU group %d (%s) is in use by %s",
			 g->group, g->addr, who);
	} else {
		pf = &inv->dev[st[held].pf];
		snprintf(why, sizeof(why),
			 "IOMMU group %d (%s): %s, in IOMMU group %d of a VF of PF %s, is in use by %s; giving the PF back removes its VFs",
			 g->group, g->addr, d->addr, d->group, pf->addr, who);
	}
	if (force) {
		vb_warn(ctx, "%s: released anyway (--force); unbinding waits in the kernel until the holder lets go",
			why);
		return false;
	}
	vb_err(ctx, "%s: not released; stop the VM first (or --force)", why);
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
	       const struct vb_selector *sel, size_t nsel, bool dry_run,
	       bool force)
{
	char *record = NULL, *text = NULL;
	struct stake *st;
	bool *want, *done;
	struct vb_json rec;
	size_t i, j, textlen, released = 0;
	int status = VB_EXIT_OK;
	FILE *mem;

	if (!nsel && !(record = record_claims(ctx)))
		return VB_EXIT_FAILED;
	want = calloc(inv->n + 1, sizeof(*want));
	done = calloc(inv->n + 1, sizeof(*done));
	st = calloc(inv->n + 1, sizeof(*st));
	mem = open_memstream(&text, &textlen);
	if (!want || !done || !st || !mem) {
		if (mem)
			fclose(mem);
		free(text);
		free(want);
		free(done);
		free(st);
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
		if (group_in_use(ctx, inv, i, st, force)) {
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
	free(st);
	free(record);
	return status;
}
