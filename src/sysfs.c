// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Read-only inventory of PCI devices from sysfs (under the root).  Like
 * pciutils, attributes are mandatory (vendor, device, class) or optional;
 * only a missing mandatory one drops the device, with a warning.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vfiobind.h"

#define PCI_HEADER_TYPE 0x0e

static int read_num(const struct vb_ctx *ctx, const char *addr,
		    const char *attr, int base, long *out)
{
	char rel[PATH_MAX], buf[64], *end;
	long v;
	int r;

	snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s/%s", addr, attr);
	r = vb_read_attr(ctx, rel, buf, sizeof(buf));
	if (r < 0)
		return r;
	errno = 0;
	v = strtol(buf, &end, base);
	if (errno || end == buf || (*end && *end != '\n'))
		return -EINVAL;
	*out = v;
	return 0;
}

static void read_name(const struct vb_ctx *ctx, const char *addr,
		      const char *attr, char *buf, size_t len, bool link)
{
	char rel[PATH_MAX];

	snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s/%s", addr, attr);
	if (link)
		vb_read_link_base(ctx, rel, buf, len);
	else if (vb_read_attr(ctx, rel, buf, len) < 0 ||
		 !strcmp(buf, "(null)"))
		buf[0] = '\0';
}

/* Bridges have a header type other than 0; vfio-pci refuses them. */
static bool is_bridge(const struct vb_ctx *ctx, const struct vb_device *d)
{
	unsigned char cfg[64];
	char path[PATH_MAX];
	ssize_t n = -1;
	int fd;

	if (vb_path(ctx, path, sizeof(path), "/sys/bus/pci/devices/%s/config",
		    d->addr) == 0) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			n = read(fd, cfg, sizeof(cfg));
			close(fd);
		}
	}
	if (n > PCI_HEADER_TYPE)
		return (cfg[PCI_HEADER_TYPE] & 0x7f) != 0;
	switch (d->class_code >> 8) {
	case 0x0604: case 0x0607: case 0x0609:
		return true;
	}
	return false;
}

int vb_device_refresh(struct vb_ctx *ctx, struct vb_device *d)
{
	long v;

	read_name(ctx, d->addr, "driver", d->driver, sizeof(d->driver), true);
	read_name(ctx, d->addr, "driver_override", d->override,
		  sizeof(d->override), false);
	d->numvfs = d->totalvfs = -1;
	d->autoprobe = -1;
	if (read_num(ctx, d->addr, "sriov_totalvfs", 10, &v) == 0) {
		d->totalvfs = (int)v;
		d->numvfs = read_num(ctx, d->addr, "sriov_numvfs", 10, &v) ?
			    0 : (int)v;
		if (read_num(ctx, d->addr, "sriov_drivers_autoprobe", 10,
			     &v) == 0)
			d->autoprobe = (int)v;
	}
	return 0;
}

static int read_device(struct vb_ctx *ctx, const char *addr,
		       struct vb_device *d)
{
	struct vb_selector sel;
	char grp[32];
	long v[4], cls;
	static const char *const ids[] = { "vendor", "device",
					   "subsystem_vendor",
					   "subsystem_device" };
	size_t i;

	memset(d, 0, sizeof(*d));
	/* the kernel's own spelling, domains of 4 to 8 digits (VMD: 10000+) */
	if (vb_parse_addr(addr, &sel) < 0 || sel.any_func ||
	    snprintf(d->addr, sizeof(d->addr), "%04x:%02x:%02x.%u", sel.domain,
		     sel.bus, sel.slot, sel.func) >= (int)sizeof(d->addr) ||
	    strcmp(d->addr, addr))
		return -EINVAL;
	d->domain = sel.domain;
	d->bus = sel.bus;
	d->slot = sel.slot;
	d->func = sel.func;
	for (i = 0; i < 4; i++)
		if (read_num(ctx, addr, ids[i], 16, &v[i]) < 0) {
			if (i < 2)
				return -ENOENT;
			v[i] = 0;
		}
	if (read_num(ctx, addr, "class", 16, &cls) < 0)
		return -ENOENT;
	d->vendor = (uint16_t)v[0];
	d->device = (uint16_t)v[1];
	d->subvendor = (uint16_t)v[2];
	d->subdevice = (uint16_t)v[3];
	d->class_code = (uint32_t)cls & 0xffffff;
	read_name(ctx, addr, "modalias", d->modalias, sizeof(d->modalias),
		  false);
	d->group = -1;
	read_name(ctx, addr, "iommu_group", grp, sizeof(grp), true);
	if (grp[0])
		d->group = atoi(grp);
	d->boot_vga = read_num(ctx, addr, "boot_vga", 10, &v[0]) ? -1 :
		      (int)v[0];
	/* Linux 6.17+: on the primary display of any class, not only VGA */
	d->boot_display = read_num(ctx, addr, "boot_display", 10, &v[0]) == 0 &&
			  v[0] == 1;
	read_name(ctx, addr, "physfn", d->physfn, sizeof(d->physfn), true);
	d->is_vf = d->physfn[0] != '\0';
	d->bridge = is_bridge(ctx, d);
	return vb_device_refresh(ctx, d);
}

static int by_addr(const void *a, const void *b)
{
	const struct vb_device *x = a, *y = b;

	uint32_t kx = (uint32_t)x->bus << 8 | x->slot << 3 | x->func;
	uint32_t ky = (uint32_t)y->bus << 8 | y->slot << 3 | y->func;

	if (x->domain != y->domain)
		return x->domain < y->domain ? -1 : 1;
	return kx < ky ? -1 : kx > ky;
}

static int add_stray(struct vb_inventory *inv, int group, const char *name)
{
	struct vb_stray *st;

	st = vb_grow(inv->stray, &inv->cstray, inv->nstray, sizeof(*st));
	if (!st)
		return -ENOMEM;
	inv->stray = st;
	st = &inv->stray[inv->nstray++];
	st->group = group;
	snprintf(st->name, sizeof(st->name), "%.*s", (int)sizeof(st->name) - 1,
		 name);
	return 0;
}

/*
 * Group membership as the kernel lists it in iommu_groups/N/devices, not
 * as each device's link says: a member the inventory cannot read (or one
 * that is not PCI) is kept as a stray, and its group is never claimed.
 */
struct group_walk {
	struct vb_ctx *ctx;
	struct vb_inventory *inv;
	int group;
};

static int iommu_group_member(void *data, const char *name)
{
	struct group_walk *w = data;
	struct vb_device *d = vb_inventory_find(w->inv, name);

	if (!d)
		return add_stray(w->inv, w->group, name);
	d->group = w->group;
	return 0;
}

static int one_group(void *data, const char *name)
{
	struct group_walk *w = data;
	char rel[64], *end;
	long g;
	int r;

	w->inv->ngroups++;
	g = strtol(name, &end, 10);
	if (*end || g < 0 || g > 0x7fffffff)
		return 0;
	w->group = (int)g;
	snprintf(rel, sizeof(rel), "/sys/kernel/iommu_groups/%d/devices",
		 w->group);
	r = vb_dir_each(w->ctx, rel, iommu_group_member, w);
	return r == -ENOENT ? 0 : r;
}

static int one_device(void *data, const char *name)
{
	struct group_walk *w = data;
	struct vb_inventory *inv = w->inv;
	struct vb_device *d;

	d = vb_grow(inv->dev, &inv->cap, inv->n, sizeof(*d));
	if (!d)
		return -ENOMEM;
	inv->dev = d;
	if (read_device(w->ctx, name, &inv->dev[inv->n]) < 0) {
		vb_warn(w->ctx, "%s: skipped: unreadable PCI device", name);
		return 0;
	}
	inv->n++;
	return 0;
}

static bool in_scope(const struct vb_ctx *ctx, const struct vb_device *d)
{
	size_t i;

	for (i = 0; i < ctx->nscope; i++)
		if (vb_selector_match(&ctx->scope[i], d))
			return true;
	return false;
}

/*
 * apply --device: keep the named devices, their IOMMU groups, and the PF
 * of a named VF with its group (its SR-IOV rule decides for the VF);
 * nothing else is planned or touched.
 */
static int scope(const struct vb_ctx *ctx, struct vb_inventory *inv)
{
	bool *keep = calloc(inv->n + 1, sizeof(*keep));
	size_t i, j, n = 0;

	if (!keep)
		return -ENOMEM;
	for (i = 0; i < inv->n; i++) {
		struct vb_device *d = &inv->dev[i];
		const struct vb_device *pf;

		if (!in_scope(ctx, d))
			continue;
		d->named = keep[i] = true;
		pf = d->is_vf ? vb_inventory_find(inv, d->physfn) : NULL;
		for (j = 0; j < inv->n; j++) {
			const struct vb_device *m = &inv->dev[j];

			if ((d->group >= 0 && m->group == d->group) ||
			    (pf && (m == pf || (pf->group >= 0 &&
						m->group == pf->group))))
				keep[j] = true;
		}
	}
	for (i = 0; i < inv->n; i++)
		if (keep[i])
			inv->dev[n++] = inv->dev[i];
	inv->n = n;
	inv->scoped = true;
	free(keep);
	return 0;
}

int vb_inventory_read(struct vb_ctx *ctx, struct vb_inventory *inv)
{
	struct group_walk w = { ctx, inv, -1 };
	int r;

	memset(inv, 0, sizeof(*inv));
	r = vb_dir_each(ctx, "/sys/bus/pci/devices", one_device, &w);
	if (r < 0) {
		if (r != -ENOMEM)
			vb_err(ctx, "cannot read %s/sys/bus/pci/devices: %s",
			       ctx->root, strerror(-r));
		return r;
	}
	if (inv->n)
		qsort(inv->dev, inv->n, sizeof(*inv->dev), by_addr);
	r = vb_dir_each(ctx, "/sys/kernel/iommu_groups", one_group, &w);
	if (r < 0 && r != -ENOENT)
		return r;
	return ctx->nscope ? scope(ctx, inv) : 0;
}

void vb_inventory_free(struct vb_inventory *inv)
{
	size_t i;

	for (i = 0; inv->name && i < inv->n; i++)
		free(inv->name[i]);
	free(inv->name);
	free(inv->dev);
	free(inv->stray);
	memset(inv, 0, sizeof(*inv));
}

struct vb_device *vb_inventory_find(const struct vb_inventory *inv,
				    const char *addr)
{
	size_t i;

	for (i = 0; i < inv->n; i++)
		if (!strcmp(inv->dev[i].addr, addr))
			return &inv->dev[i];
	return NULL;
}

const struct vb_stray *vb_group_stray(const struct vb_inventory *inv,
				      int group)
{
	size_t i;

	for (i = 0; i < inv->nstray; i++)
		if (inv->stray[i].group == group)
			return &inv->stray[i];
	return NULL;
}

bool vb_selector_match(const struct vb_selector *sel,
		       const struct vb_device *d)
{
	switch (sel->kind) {
	case SEL_ADDR:
		return sel->domain == d->domain && sel->bus == d->bus &&
		       sel->slot == d->slot &&
		       (sel->any_func || sel->func == d->func);
	case SEL_ID:
		return sel->vendor == d->vendor && sel->device == d->device &&
		       (!sel->has_subsys ||
			(sel->subvendor == d->subvendor &&
			 sel->subdevice == d->subdevice));
	case SEL_CLASS:
		return (d->class_code & sel->class_mask) == sel->class_value;
	}
	return false;
}

/*
 * Drivers that leave DMA ownership to vfio (the kernel's driver_managed_dma
 * flag, not visible from user space): vfio-pci and its variants, pci-stub
 * and pcieport.  An unbound device does not break viability either.
 */
bool vb_driver_managed_dma(const char *driver)
{
	return !driver[0] || !strcmp(driver, "vfio-pci") ||
	       !strcmp(driver, "pci-stub") || !strcmp(driver, "pcieport") ||
	       strstr(driver, "vfio") != NULL;
}
