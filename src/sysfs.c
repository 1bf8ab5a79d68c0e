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
	struct wanted *want;	/* apply --device: only these, else NULL */
};

/*
 * apply --device reads only the named devices, the members of their IOMMU
 * groups and, for a VF, its PF with the PF's group: its cost does not
 * grow with the machine, so udev can run it for every device added.
 */
struct wanted {
	const struct vb_ctx *ctx;
	char (*addr)[VB_ADDR_LEN];
	size_t n, cap;
	int *group;
	size_t ngroup, cgroup;
};

static bool wanted_addr(const struct wanted *w, const char *addr)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		if (!strcmp(w->addr[i], addr))
			return true;
	return false;
}

static bool wanted_group(const struct wanted *w, int group)
{
	size_t i;

	for (i = 0; i < w->ngroup; i++)
		if (w->group[i] == group)
			return true;
	return false;
}

static int want_addr(void *data, const char *addr)
{
	struct wanted *w = data;
	void *grown;

	if (strlen(addr) >= VB_ADDR_LEN || wanted_addr(w, addr))
		return 0;
	grown = vb_grow(w->addr, &w->cap, w->n, sizeof(*w->addr));
	if (!grown)
		return -ENOMEM;
	w->addr = grown;
	snprintf(w->addr[w->n++], VB_ADDR_LEN, "%s", addr);
	return 0;
}

/* addr and every member of its IOMMU group, as the kernel lists them. */
static int want_with_group(struct wanted *w, const char *addr)
{
	char rel[PATH_MAX], grp[32], *end;
	void *grown;
	long g;

	snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s/iommu_group", addr);
	if (vb_read_link_base(w->ctx, rel, grp, sizeof(grp)) < 0)
		return want_addr(w, addr);
	g = strtol(grp, &end, 10);
	if (*end || g < 0 || g > 0x7fffffff || wanted_group(w, (int)g))
		return want_addr(w, addr);
	grown = vb_grow(w->group, &w->cgroup, w->ngroup, sizeof(*w->group));
	if (!grown)
		return -ENOMEM;
	w->group = grown;
	w->group[w->ngroup++] = (int)g;
	snprintf(rel, sizeof(rel), "/sys/kernel/iommu_groups/%ld/devices", g);
	vb_dir_each(w->ctx, rel, want_addr, w);
	return want_addr(w, addr);
}

static bool in_scope(const struct vb_ctx *ctx, const struct vb_device *d)
{
	size_t i;

	for (i = 0; i < ctx->nscope; i++)
		if (vb_selector_match(&ctx->scope[i], d))
			return true;
	return false;
}

static int want_named(void *data, const char *name)
{
	struct wanted *w = data;
	struct vb_selector sel;
	struct vb_device d = { 0 };
	char rel[PATH_MAX], pf[VB_ADDR_LEN];
	int r;

	if (vb_parse_addr(name, &sel) < 0)
		return 0;
	d.domain = sel.domain;
	d.bus = sel.bus;
	d.slot = sel.slot;
	d.func = sel.func;
	if (!in_scope(w->ctx, &d))
		return 0;
	r = want_with_group(w, name);
	snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s/physfn", name);
	if (r == 0 && vb_read_link_base(w->ctx, rel, pf, sizeof(pf)) == 0)
		r = want_with_group(w, pf);
	return r;
}

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
	if (*end || g < 0 || g > 0x7fffffff ||
	    (w->want && !wanted_group(w->want, (int)g)))
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

	if (w->want && !wanted_addr(w->want, name))
		return 0;
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

int vb_inventory_read(struct vb_ctx *ctx, struct vb_inventory *inv)
{
	struct wanted want = { .ctx = ctx };
	struct group_walk w = { ctx, inv, -1, NULL };
	size_t i;
	int r = 0;

	memset(inv, 0, sizeof(*inv));
	if (ctx->nscope) {
		r = vb_dir_each(ctx, "/sys/bus/pci/devices", want_named, &want);
		w.want = &want;
		inv->scoped = true;
	}
	if (r == 0)
		r = vb_dir_each(ctx, "/sys/bus/pci/devices", one_device, &w);
	if (r < 0) {
		if (r != -ENOMEM)
			vb_err(ctx, "cannot read %s/sys/bus/pci/devices: %s",
			       ctx->root, strerror(-r));
		free(want.addr);
		free(want.group);
		return r;
	}
	if (inv->n)
		qsort(inv->dev, inv->n, sizeof(*inv->dev), by_addr);
	r = vb_dir_each(ctx, "/sys/kernel/iommu_groups", one_group, &w);
	for (i = 0; i < inv->n; i++)
		inv->dev[i].named = ctx->nscope && in_scope(ctx, &inv->dev[i]);
	free(want.addr);
	free(want.group);
	return r == -ENOENT ? 0 : r;
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
