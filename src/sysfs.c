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
		fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			n = read(fd, cfg, sizeof(cfg));
			close(fd);
		}
	}
	/* All ones: the device does not answer (a VF whose PF vfio-pci put
	 * in D3hot), and its class says what it is. */
	if (n > PCI_HEADER_TYPE && (cfg[0] != 0xff || cfg[1] != 0xff))
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

/* Lower case only: the kernel's spelling of an address. */
static int hex_digit(char c)
{
	return c >= 'A' && c <= 'F' ? -1 : vb_hexval(c);
}

/*
 * The address of a directory entry in the kernel's own spelling,
 * "%04x:%02x:%02x.%d", with domains of 4 to 8 digits (VMD: 10000+): no
 * upper case, no leading zero past four digits.  Called for every entry
 * of a directory of thousands, so parsed by hand.
 */
static int device_addr(const char *addr, struct vb_device *d)
{
	const char *p = addr;
	uint32_t v = 0;
	int n = 0, x;

	memset(d, 0, sizeof(*d));
	for (; (x = hex_digit(*p)) >= 0 && n < 8; p++, n++)
		v = v << 4 | (uint32_t)x;
	if (n < 4 || (n > 4 && addr[0] == '0') || *p++ != ':')
		return -EINVAL;
	d->domain = v;
	for (n = 0; n < 2; n++) {
		if ((x = hex_digit(p[0])) < 0 || hex_digit(p[1]) < 0 ||
		    p[2] != (n ? '.' : ':'))
			return -EINVAL;
		v = (uint32_t)(x << 4 | hex_digit(p[1]));
		if (n)
			d->slot = (uint8_t)v;
		else
			d->bus = (uint8_t)v;
		p += 3;
	}
	if (d->slot > 0x1f || p[0] < '0' || p[0] > '7' || p[1])
		return -EINVAL;
	d->func = (uint8_t)(p[0] - '0');
	memcpy(d->addr, addr, (size_t)(p + 2 - addr));
	return 0;
}

/* The field after tag in *p: exactly digits hex digits. */
static bool hex_field(const char **p, const char *tag, int digits,
		      unsigned *out)
{
	size_t tl = strlen(tag);
	unsigned v = 0;
	int i, x;

	if (strncmp(*p, tag, tl))
		return false;
	*p += tl;
	for (i = 0; i < digits; i++, (*p)++) {
		x = vb_hexval(**p);
		if (x < 0)
			return false;
		v = v << 4 | (unsigned)x;
	}
	*out = v;
	return true;
}

/*
 * "pci:v00008086d0000100Esv00001AF4sd00001100bc02sc00i00": the kernel
 * prints it from the same fields as the vendor, device, subsystem_* and
 * class attributes, so one read gives all five.
 */
static bool parse_modalias(const char *m, struct vb_device *d)
{
	unsigned v, dv, sv, sd, bc, sc, pi;

	if (!hex_field(&m, "pci:v", 8, &v) || !hex_field(&m, "d", 8, &dv) ||
	    !hex_field(&m, "sv", 8, &sv) || !hex_field(&m, "sd", 8, &sd) ||
	    !hex_field(&m, "bc", 2, &bc) || !hex_field(&m, "sc", 2, &sc) ||
	    !hex_field(&m, "i", 2, &pi) || *m || v > 0xffff || dv > 0xffff ||
	    sv > 0xffff || sd > 0xffff)
		return false;
	d->vendor = (uint16_t)v;
	d->device = (uint16_t)dv;
	d->subvendor = (uint16_t)sv;
	d->subdevice = (uint16_t)sd;
	d->class_code = bc << 16 | sc << 8 | pi;
	return true;
}

/* The identity from the separate attributes, for a tree without a
 * modalias that parses. */
static int read_ids(const struct vb_ctx *ctx, const char *addr,
		    struct vb_device *d)
{
	static const char *const ids[] = { "vendor", "device",
					   "subsystem_vendor",
					   "subsystem_device" };
	long v[4], cls;
	size_t i;

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
	return 0;
}

static int read_device(struct vb_ctx *ctx, const char *addr,
		       struct vb_device *d)
{
	char grp[32];
	long v;

	if (device_addr(addr, d) < 0)
		return -EINVAL;
	read_name(ctx, addr, "modalias", d->modalias, sizeof(d->modalias),
		  false);
	if (!parse_modalias(d->modalias, d) && read_ids(ctx, addr, d) < 0)
		return -ENOENT;
	d->group = -1;
	read_name(ctx, addr, "iommu_group", grp, sizeof(grp), true);
	if (grp[0])
		d->group = atoi(grp);
	d->boot_vga = read_num(ctx, addr, "boot_vga", 10, &v) ? -1 : (int)v;
	/* Linux 6.17+: on the primary display of any class, not only VGA */
	d->boot_display = read_num(ctx, addr, "boot_display", 10, &v) == 0 &&
			  v == 1;
	read_name(ctx, addr, "physfn", d->physfn, sizeof(d->physfn), true);
	d->is_vf = d->physfn[0] != '\0';
	d->bridge = is_bridge(ctx, d);
	vb_device_locate(ctx, d);
	return vb_device_refresh(ctx, d);
}

/* A device's address as one number, in the order of by_addr; a slot's
 * is the same shifted right by 3, tagged when it shares a set with them. */
static uint64_t key_of(uint32_t domain, uint8_t bus, uint8_t slot,
		       uint8_t func)
{
	return (uint64_t)domain << 16 | (uint64_t)bus << 8 |
	       (uint64_t)slot << 3 | func;
}

#define SLOT_TAG (1ULL << 62)

static uint64_t addr_key(const struct vb_device *d)
{
	return key_of(d->domain, d->bus, d->slot, d->func);
}

static int by_addr(const void *a, const void *b)
{
	uint64_t x = addr_key(a), y = addr_key(b);

	return x < y ? -1 : x > y;
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
 * What a lazy read takes, as sets of numbers: device addresses (addr_key),
 * IOMMU groups, and slots (addr_key >> 3) whose other functions count.
 *
 * With rules, the devices a rule selects: by address from the directory
 * entry's name alone, by ID or class from one modalias read.  apply
 * --device takes the devices it names instead, by their names, without
 * listing the machine's devices (want_named).  Either way each comes
 * with the members of its IOMMU group (as iommu_groups/N/devices lists
 * them), a VF with its PF and the PF's group, and the PF of an SR-IOV
 * rule with its VFs: the plan is the one a read of every device gives,
 * at a cost that grows with what the rules touch, not with the machine.
 */
struct wanted {
	const struct vb_ctx *ctx;
	const struct vb_rules *rules;
	bool scoped;			/* apply --device: named, not listed */
	bool need_ids;			/* a rule selects by ID, class or serial */
	bool need_serial;		/* a rule selects by serial number */
	int devfd;			/* /sys/bus/pci/devices */
	struct vb_idset at[2];		/* address rules: bind, SR-IOV */
	struct vb_idset present;	/* the entries of /sys/bus/pci/devices */
	struct vb_idset addrs, groups, slots;
};

/* Group membership as the kernel lists it in iommu_groups/N/devices, not
 * as each device's link says: a member the inventory cannot read (or one
 * that is not PCI) is kept as a stray, and its group is never claimed. */
struct group_walk {
	struct vb_ctx *ctx;
	struct vb_inventory *inv;
	int group;
	struct wanted *want;	/* a lazy read, else NULL */
};

static int want_addr(void *data, const char *addr)
{
	struct wanted *w = data;
	struct vb_device d;

	if (device_addr(addr, &d) < 0)
		return 0;
	return vb_idset_add(&w->addrs, addr_key(&d)) < 0 ? -ENOMEM : 0;
}

/* addr and every member of its IOMMU group, as the kernel lists them. */
static int want_with_group(struct wanted *w, const char *addr)
{
	char rel[PATH_MAX], grp[32], *end;
	long g;
	int r;

	snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s/iommu_group", addr);
	if (vb_read_link_base(w->ctx, rel, grp, sizeof(grp)) < 0)
		return want_addr(w, addr);
	g = strtol(grp, &end, 10);
	if (*end || g < 0 || g > 0x7fffffff)
		return want_addr(w, addr);
	r = vb_idset_add(&w->groups, (uint64_t)g);
	if (r < 0)
		return -ENOMEM;
	if (r > 0) {
		snprintf(rel, sizeof(rel), "/sys/kernel/iommu_groups/%ld/devices",
			 g);
		vb_dir_each(w->ctx, rel, want_addr, w);
	}
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

struct pf_walk {
	struct wanted *w;
	char pf[VB_ADDR_LEN];
};

/* An SR-IOV rule's PF brings its VFs: its virtfnN links name them. */
static int want_vf(void *data, const char *name)
{
	struct pf_walk *p = data;
	char rel[PATH_MAX], vf[VB_ADDR_LEN];

	if (strncmp(name, "virtfn", 6))
		return 0;
	snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s/%s", p->pf, name);
	if (vb_read_link_base(p->w->ctx, rel, vf, sizeof(vf)) < 0)
		return 0;
	return want_with_group(p->w, vf);
}

/* A path or slot rule as the address it leads to now (walked down by
 * name, never by listing devices); false when it leads nowhere. */
static bool located(const struct vb_ctx *ctx, const struct vb_selector *sel,
		    struct vb_selector *at)
{
	char addr[VB_ADDR_LEN];

	if (sel->kind == SEL_SLOT)
		return vb_slot_address(ctx, sel->slot_name, at) == 0;
	if (vb_path_resolve(ctx, sel, addr, sizeof(addr)) < 0 ||
	    vb_parse_addr(addr, at) < 0)
		return false;
	at->any_func = sel->any_func;
	return true;
}

/* Address rules go into sets, so that a directory entry is matched
 * against them at once, whatever their number; path and slot rules by
 * the address they lead to. */
static int index_rules(struct wanted *w)
{
	const struct vb_selector *sel;
	struct vb_selector at;
	size_t i;

	for (i = 0; i < w->rules->n; i++) {
		sel = &w->rules->r[i].sel;
		if (w->rules->r[i].kind == RULE_OFF)
			continue;
		if (sel->kind == SEL_PATH || sel->kind == SEL_SLOT) {
			if (!located(w->ctx, sel, &at))
				continue;
			sel = &at;
		}
		if (sel->kind != SEL_ADDR)
			continue;
		if (vb_idset_add(&w->at[w->rules->r[i].kind == RULE_SRIOV],
				 sel->any_func ?
				 SLOT_TAG | key_of(sel->domain, sel->bus,
						   sel->slot, 0) >> 3 :
				 key_of(sel->domain, sel->bus, sel->slot,
					sel->func)) < 0)
			return -ENOMEM;
	}
	return 0;
}

static bool selected_at(const struct vb_idset *at, const struct vb_device *d)
{
	return vb_idset_has(at, addr_key(d)) ||
	       vb_idset_has(at, SLOT_TAG | addr_key(d) >> 3);
}

/* Which rules select d, from its address and, when a rule needs them,
 * its IDs: 0 none, 1 a bind rule, 2 an SR-IOV rule. */
static int selected(const struct wanted *w, const char *name,
		    struct vb_device *d)
{
	char rel[VB_ADDR_LEN + 16], modalias[VB_MODALIAS_MAX];
	int sel;
	size_t i;

	if (selected_at(&w->at[1], d))
		return 2;
	sel = selected_at(&w->at[0], d);
	if (!w->need_ids)
		return sel;
	snprintf(rel, sizeof(rel), "%s/modalias", name);
	if ((vb_read_at(w->devfd, rel, modalias, sizeof(modalias)) < 0 ||
	     !parse_modalias(modalias, d)) && read_ids(w->ctx, name, d) < 0)
		return sel;	/* unreadable: the full read says so */
	if (w->need_serial && vb_serial_candidate(d))
		d->has_serial = vb_read_serial(w->ctx, name, &d->serial) == 0;
	for (i = 0; i < w->rules->n; i++) {
		const struct vb_rule *r = &w->rules->r[i];

		if (r->kind == RULE_OFF || vb_selector_by_place(r->sel.kind) ||
		    !vb_selector_match(&r->sel, d))
			continue;
		if (r->kind == RULE_SRIOV)
			return 2;
		sel = 1;
	}
	return sel;
}

static int want_device(void *data, const char *name)
{
	struct wanted *w = data;
	struct pf_walk pw = { .w = w };
	struct vb_device d;
	char rel[PATH_MAX];
	int sel, r;

	if (device_addr(name, &d) < 0)
		return 0;
	if (!w->scoped && vb_idset_add(&w->present, addr_key(&d)) < 0)
		return -ENOMEM;
	/* A named device is read whatever selects it; its own SR-IOV rule
	 * brings its VFs. */
	sel = selected(w, name, &d);
	if (!sel && !w->scoped)
		return 0;
	r = want_with_group(w, name);
	snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s/physfn", name);
	if (r == 0 && vb_read_link_base(w->ctx, rel, pw.pf, sizeof(pw.pf)) == 0)
		r = want_with_group(w, pw.pf);
	if (r == 0 && sel == 2) {
		snprintf(pw.pf, sizeof(pw.pf), "%s", name);
		snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s", name);
		r = vb_dir_each(w->ctx, rel, want_vf, &pw);
	}
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

static int walk_group(struct group_walk *w, long g)
{
	char rel[64];
	int r;

	w->group = (int)g;
	snprintf(rel, sizeof(rel), "/sys/kernel/iommu_groups/%ld/devices", g);
	r = vb_dir_each(w->ctx, rel, iommu_group_member, w);
	return r == -ENOENT ? 0 : r;
}

static int one_group(void *data, const char *name)
{
	struct group_walk *w = data;
	char *end;
	long g;

	w->inv->ngroups++;
	g = strtol(name, &end, 10);
	if (*end || g < 0 || g > 0x7fffffff)
		return 0;
	return walk_group(w, g);
}

static int any_entry(void *data, const char *name)
{
	(void)data;
	(void)name;
	return 1;
}

/* A lazy read walks the groups it wants, and asks only whether there
 * are IOMMU groups at all (ngroups 1), not how many. */
static int wanted_groups(struct group_walk *w)
{
	const struct vb_idset *set = &w->want->groups;
	size_t i;
	int r;

	r = vb_dir_each(w->ctx, "/sys/kernel/iommu_groups", any_entry, NULL);
	w->inv->ngroups = r > 0;
	for (i = 0, r = 0; r == 0 && i < set->cap; i++)
		if (set->slot[i])
			r = walk_group(w, (long)(set->slot[i] - 1));
	return r;
}

static int add_device(struct group_walk *w, const char *name)
{
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

static int one_device(void *data, const char *name)
{
	return add_device(data, name);
}

/* The kernel's name of the device at key (addr_key). */
static void key_name(uint64_t key, char *name, size_t len)
{
	snprintf(name, len, "%04x:%02x:%02x.%u", (unsigned)(key >> 16),
		 (unsigned)(key >> 8) & 0xff, (unsigned)(key >> 3) & 0x1f,
		 (unsigned)key & 7);
}

/* Whether /sys/bus/pci/devices has the device: from its listing, or,
 * for apply --device, which lists nothing, by asking for the one name. */
static bool present(const struct wanted *w, uint64_t key, const char *name)
{
	if (w->scoped)
		return faccessat(w->devfd, name, F_OK, 0) == 0;
	return vb_idset_has(&w->present, key);
}

/* A wanted device by its key, when /sys/bus/pci/devices has it. */
static int add_key(struct group_walk *w, uint64_t key)
{
	char name[VB_ADDR_LEN];

	key_name(key, name, sizeof(name));
	if (!present(w->want, key, name))
		return 0;
	return add_device(w, name);
}

/* apply --device: each named device by its name, when it exists. */
static int want_named(struct wanted *w)
{
	const struct vb_selector *s;
	char name[VB_ADDR_LEN];
	uint64_t key;
	size_t i;
	int r = 0;

	for (i = 0; r == 0 && i < w->ctx->nscope; i++) {
		s = &w->ctx->scope[i];
		key = key_of(s->domain, s->bus, s->slot, s->func);
		key_name(key, name, sizeof(name));
		if (present(w, key, name))
			r = want_device(w, name);
	}
	return r;
}

/* A graphics card's display controller or one of the functions the
 * plan counts as its parts (plan.c, is_card_function): their slot
 * decides whether a card is split or whole. */
static bool card_function(const struct vb_device *d)
{
	switch (d->class_code >> 8) {
	case 0x0403: case 0x0c03: case 0x0c80:
		return true;
	}
	return (d->class_code >> 16) == 0x03;
}

/*
 * apply --device: the other functions of the slots of graphics cards read
 * so far, probed by their eight names, each with its IOMMU group.  They
 * decide for the named groups whether a card function is part of a
 * selected card and whether a claimed card is split; a seeded sibling is
 * read whole, so never claimed in part.
 */
static int scoped_slots(struct wanted *want, struct group_walk *w)
{
	struct vb_idset first = want->addrs;
	char name[VB_ADDR_LEN];
	uint64_t key;
	size_t i, f;
	int r = 0;

	memset(&want->addrs, 0, sizeof(want->addrs));
	for (i = 0; r == 0 && i < w->inv->n; i++)
		if (card_function(&w->inv->dev[i]) &&
		    vb_idset_add(&want->slots, addr_key(&w->inv->dev[i]) >> 3) < 0)
			r = -ENOMEM;
	for (i = 0; r == 0 && i < want->slots.cap; i++)
		for (f = 0; r == 0 && want->slots.slot[i] && f < 8; f++) {
			key = (want->slots.slot[i] - 1) << 3 | f;
			key_name(key, name, sizeof(name));
			if (!vb_idset_has(&first, key) &&
			    present(want, key, name))
				r = want_with_group(want, name);
		}
	for (i = 0; r == 0 && i < want->addrs.cap; i++)
		if (want->addrs.slot[i] &&
		    !vb_idset_has(&first, want->addrs.slot[i] - 1))
			r = add_key(w, want->addrs.slot[i] - 1);
	vb_idset_free(&want->addrs);
	want->addrs = first;
	return r;
}

static bool rules_need_ids(const struct vb_rules *rules)
{
	size_t i;

	for (i = 0; i < rules->n; i++)
		if (rules->r[i].kind != RULE_OFF &&
		    !vb_selector_by_place(rules->r[i].sel.kind))
			return true;
	return false;
}

static int read_wanted(struct vb_ctx *ctx, struct wanted *want,
		       struct group_walk *w)
{
	const struct vb_idset *set;
	char path[PATH_MAX];
	size_t i, f;
	int r = 0;

	if (want->need_ids || want->scoped) {
		if (vb_path(ctx, path, sizeof(path), "/sys/bus/pci/devices") < 0)
			return -ENAMETOOLONG;
		want->devfd = openat(AT_FDCWD, path,
				     O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (want->devfd < 0)
			return -errno;
	}
	r = index_rules(want);
	if (r == 0 && want->rules->n && !want->rules->off)
		r = want->scoped ? want_named(want) :
		    vb_dir_each(ctx, "/sys/bus/pci/devices", want_device, want);
	/* the sets hold id + 1 in their slots (util.c) */
	set = &want->addrs;
	for (i = 0; r == 0 && i < set->cap; i++)
		if (set->slot[i])
			r = add_key(w, set->slot[i] - 1);
	if (r == 0 && want->scoped)
		r = scoped_slots(want, w);
	if (want->devfd >= 0)
		close(want->devfd);
	for (i = 0; r == 0 && !want->scoped && i < w->inv->n; i++)
		if ((w->inv->dev[i].class_code >> 16) == 0x03 &&
		    vb_idset_add(&want->slots, addr_key(&w->inv->dev[i]) >> 3) < 0)
			r = -ENOMEM;
	set = &want->slots;
	for (i = 0; r == 0 && i < set->cap; i++)
		for (f = 0; r == 0 && set->slot[i] && f < 8; f++)
			if (!vb_idset_has(&want->addrs,
					  (set->slot[i] - 1) << 3 | f))
				r = add_key(w, (set->slot[i] - 1) << 3 | f);
	return r;
}

/*
 * rules NULL reads every device (status, release, modules); with rules,
 * only what they select and what comes with it (struct wanted), and with
 * ctx->scope (apply --device) only the named devices and theirs.
 */
int vb_inventory_read(struct vb_ctx *ctx, struct vb_inventory *inv,
		      const struct vb_rules *rules)
{
	struct wanted want = { .ctx = ctx, .rules = rules, .devfd = -1 };
	struct group_walk w = { ctx, inv, -1, NULL };
	size_t i;
	int r;

	memset(inv, 0, sizeof(*inv));
	inv->scoped = ctx->nscope > 0;
	if (rules) {
		w.want = &want;
		want.scoped = ctx->nscope > 0;
		want.need_ids = rules_need_ids(rules);
		want.need_serial = vb_rules_have(rules, SEL_SERIAL);
		r = read_wanted(ctx, &want, &w);
	} else {
		r = vb_dir_each(ctx, "/sys/bus/pci/devices", one_device, &w);
	}
	if (r < 0) {
		if (r != -ENOMEM)
			vb_err(ctx, "cannot read %s/sys/bus/pci/devices: %s",
			       ctx->root, strerror(-r));
		goto out;
	}
	if (inv->n)
		qsort(inv->dev, inv->n, sizeof(*inv->dev), by_addr);
	if (w.want)
		r = wanted_groups(&w);
	else
		r = vb_dir_each(ctx, "/sys/kernel/iommu_groups", one_group, &w);
	if (r == -ENOENT)
		r = 0;
	for (i = 0; i < inv->n; i++)
		inv->dev[i].named = ctx->nscope && in_scope(ctx, &inv->dev[i]);
	if (!rules || vb_rules_have(rules, SEL_SLOT))
		vb_inventory_slots(ctx, inv);
	if (vb_rules_have(rules, SEL_SERIAL))
		vb_inventory_serials(ctx, inv);
out:
	vb_idset_free(&want.at[0]);
	vb_idset_free(&want.at[1]);
	vb_idset_free(&want.present);
	vb_idset_free(&want.addrs);
	vb_idset_free(&want.groups);
	vb_idset_free(&want.slots);
	return r;
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

/* The inventory is sorted by address (vb_inventory_read). */
struct vb_device *vb_inventory_find(const struct vb_inventory *inv,
				    const char *addr)
{
	struct vb_device key;

	if (!inv->n || device_addr(addr, &key) < 0)
		return NULL;
	return bsearch(&key, inv->dev, inv->n, sizeof(*inv->dev), by_addr);
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

static bool ids_match(const struct vb_selector *sel,
		      const struct vb_device *d)
{
	return sel->vendor == d->vendor && sel->device == d->device &&
	       (!sel->has_subsys || (sel->subvendor == d->subvendor &&
				     sel->subdevice == d->subdevice));
}

static bool path_match(const struct vb_selector *sel,
		       const struct vb_device *d)
{
	uint8_t last = sel->depth - 1;

	return d->depth && d->depth == sel->depth &&
	       d->domain == sel->domain && d->root_bus == sel->bus &&
	       !memcmp(d->step, sel->step, last) &&
	       (sel->any_func ? d->step[last] >> 3 == sel->step[last] >> 3 :
		d->step[last] == sel->step[last]);
}

bool vb_selector_at(const struct vb_selector *sel, const struct vb_device *d)
{
	switch (sel->kind) {
	case SEL_ADDR:
		return sel->domain == d->domain && sel->bus == d->bus &&
		       sel->slot == d->slot &&
		       (sel->any_func || sel->func == d->func);
	case SEL_PATH:
		return path_match(sel, d);
	case SEL_SLOT:
		return d->slot_name[0] && !strcmp(sel->slot_name, d->slot_name);
	default:
		return false;
	}
}

bool vb_guard_holds(const struct vb_selector *sel, const struct vb_device *d)
{
	return !sel->guard || ids_match(sel, d);
}

bool vb_selector_match(const struct vb_selector *sel,
		       const struct vb_device *d)
{
	switch (sel->kind) {
	case SEL_ADDR:
	case SEL_PATH:
	case SEL_SLOT:
		return vb_selector_at(sel, d) && vb_guard_holds(sel, d);
	case SEL_ID:
		return ids_match(sel, d);
	case SEL_CLASS:
		return (d->class_code & sel->class_mask) == sel->class_value;
	case SEL_SERIAL:
		return d->has_serial && d->serial == sel->serial;
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
