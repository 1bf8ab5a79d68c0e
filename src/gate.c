// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The udev gate: /run/udev/rules.d/69-vfiobind.rules, written by full
 * runs.  It has the name of the packaged rule, so udev reads it instead
 * (/run comes before /usr/lib and /lib, /etc before both), and it starts
 * apply --device only for a PCI device that a rule can concern:
 *
 *  - the device a bind or sriov rule selects, matched by udev itself
 *    (KERNEL, ATTR{vendor}, ATTR{class}, DEVPATH); serial numbers are in
 *    config space, which udev does not read, so a serial rule passes
 *    every device;
 *  - a VF of a PF an sriov rule selects, by the VF device ID the PF
 *    announces (sriov_vf_device): the kernel sends a VF's add event
 *    before it links the VF to its PF (physfn), so udev cannot follow
 *    that link reliably;
 *  - a device that joins the IOMMU group of a device the rules name by
 *    address, or of one claimed now (TEST on iommu_group/devices/ADDR).
 *
 * A device no rule can concern starts no process: creating hundreds of
 * VFs on a PF no rule names costs what it costs without vfiobind.  Nor
 * does one bound to the driver its override names, among the drivers
 * the plan claims with: a new device has no override, so that is a
 * coldplug replay of a claim made earlier, which a full run keeps up.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vfiobind.h"

#define GATE_DIR "/run/udev/rules.d"
#define GATE_NAME "69-vfiobind.rules"
#define GATE_GROUP "TEST==\"iommu_group/devices/"
#define GATE_HEAD "SUBSYSTEM!=\"pci\", GOTO=\"vfiobind_end\"\n"
#define GATE_TAIL "GOTO=\"vfiobind_end\"\nLABEL=\"vfiobind_run\"\n"

#define GATE_DRIVERS 16

struct gate {
	uint64_t *addr;		/* domain << 16 | bus << 8 | devfn */
	size_t n, cap;
	char drv[GATE_DRIVERS][VB_NAME_MAX];	/* drivers claims use */
	size_t ndrv;
};

static void gate_driver(struct gate *g, const char *name)
{
	size_t i;

	if (!vb_valid_name(name))
		return;
	for (i = 0; i < g->ndrv; i++)
		if (!strcmp(g->drv[i], name))
			return;
	if (g->ndrv < GATE_DRIVERS)
		snprintf(g->drv[g->ndrv++], VB_NAME_MAX, "%s", name);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static uint64_t addr_id(uint32_t domain, uint8_t bus, uint8_t slot,
			uint8_t func)
{
	return (uint64_t)domain << 16 | bus << 8 | slot << 3 | func;
}

static void gate_add(struct gate *g, uint64_t id)
{
	uint64_t *p = vb_grow(g->addr, &g->cap, g->n + 1, sizeof(*p));

	if (!p)
		return;
	g->addr = p;
	g->addr[g->n++] = id;
}

static int id_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* An address as the kernel names the device, or its slot with "?" for
 * the function (BB:SS.*). */
static void put_addr(FILE *f, const struct vb_selector *sel)
{
	fprintf(f, "%04x:%02x:%02x.", sel->domain, sel->bus, sel->slot);
	if (sel->any_func)
		fputc('?', f);
	else
		fprintf(f, "%u", sel->func);
}

/* class:CCSSPP/MASK as a glob on the "0x%06x" of sysfs's class. */
static void put_class(FILE *f, uint32_t value, uint32_t mask)
{
	int shift;
	unsigned d;

	fputs("0x", f);
	for (shift = 20; shift >= 0; shift -= 4) {
		unsigned m = mask >> shift & 0xf, v = value >> shift & m;

		if (m == 0xf) {
			fprintf(f, "%x", v);
		} else if (!m) {
			fputc('?', f);
		} else {
			fputc('[', f);
			for (d = 0; d < 16; d++)
				if ((d & m) == v)
					fprintf(f, "%x", d);
			fputc(']', f);
		}
	}
}

/* The udev match keys for sel; false when udev cannot tell, and every
 * device must pass. */
static bool put_match(FILE *f, const struct vb_ctx *ctx,
		      const struct vb_selector *sel)
{
	struct vb_selector at = *sel;
	unsigned i;

	switch (sel->kind) {
	case SEL_SLOT:
		if (vb_slot_address(ctx, sel->slot_name, &at) < 0)
			return false;
		/* the slot's bus and device */
		__attribute__((fallthrough));
	case SEL_ADDR:
		fputs("KERNEL==\"", f);
		put_addr(f, &at);
		fputc('"', f);
		return true;
	case SEL_ID:
		fprintf(f, "ATTR{vendor}==\"0x%04x\", ATTR{device}==\"0x%04x\"",
			sel->vendor, sel->device);
		if (sel->has_subsys)
			fprintf(f, ", ATTR{subsystem_vendor}==\"0x%04x\", "
				"ATTR{subsystem_device}==\"0x%04x\"",
				sel->subvendor, sel->subdevice);
		return true;
	case SEL_CLASS:
		fputs("ATTR{class}==\"", f);
		put_class(f, sel->class_value, sel->class_mask);
		fputc('"', f);
		return true;
	case SEL_PATH:
		if (!sel->depth)
			return false;
		/* /devices/.../pciDDDD:BB/DDDD:BB:SS.F/DDDD:??:SS.F...: the
		 * host bridge names the root bus; buses below may move. */
		fprintf(f, "DEVPATH==\"*/pci%04x:%02x/%04x:%02x:", sel->domain,
			sel->bus, sel->domain, sel->bus);
		for (i = 0; i < sel->depth; i++) {
			if (i)
				fprintf(f, "/%04x:??:", sel->domain);
			fprintf(f, "%02x.", sel->step[i] >> 3);
			if (i + 1 == sel->depth && sel->any_func)
				fputc('?', f);
			else
				fprintf(f, "%u", sel->step[i] & 7);
		}
		fputc('"', f);
		return true;
	case SEL_SERIAL:
		break;
	}
	return false;
}

#define EVERY_DEVICE "# (udev cannot tell: every device)\nSUBSYSTEM==\"pci\""
#define TO_RUN ", GOTO=\"vfiobind_run\"\n"

static void put_rule(FILE *f, const struct vb_ctx *ctx,
		     const struct vb_rule *r)
{
	fprintf(f, "# %s %s\n", r->kind == RULE_SRIOV ? "sriov" : "bind",
		r->text);
	if (!put_match(f, ctx, &r->sel))
		fputs(EVERY_DEVICE, f);
	fputs(TO_RUN, f);
}

/* The VFs of the PFs the plan gives to r, by their vendor and VF device
 * ID (a PF, which may share that ID, has sriov_totalvfs; the VFs of
 * another PF of the same model pass too); every device when no such PF
 * is here now (or it names none). */
static void put_vfs(FILE *f, const struct vb_ctx *ctx, const struct vb_rule *r,
		    const struct vb_inventory *inv, const struct vb_plan *plan)
{
	char rel[PATH_MAX], buf[16];
	unsigned long vf;
	size_t k, n = 0;

	fprintf(f, "# sriov %s: its VFs\n", r->text);
	for (k = 0; k < plan->nsriov; k++) {
		const struct vb_device *pf = &inv->dev[plan->sriov[k].pf];

		if (plan->sriov[k].rule != r)
			continue;
		snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s/sriov_vf_device",
			 pf->addr);
		if (vb_read_attr(ctx, rel, buf, sizeof(buf)) < 0 ||
		    (vf = strtoul(buf, NULL, 16)) == 0 || vf > 0xffff)
			continue;
		fprintf(f, "ATTR{vendor}==\"0x%04x\", ATTR{device}==\"0x%04lx\", "
			"TEST!=\"sriov_totalvfs\"" TO_RUN, pf->vendor, vf);
		n++;
	}
	if (!n)
		fputs(EVERY_DEVICE TO_RUN, f);
}

static void put_held(char *buf, size_t len, const char *driver)
{
	snprintf(buf, len, "DRIVER==\"%s\", ATTR{driver_override}==\"%s\", "
		 "GOTO=\"vfiobind_end\"\n", driver, driver);
}

static void put_group(char *buf, size_t len, uint64_t id)
{
	snprintf(buf, len, GATE_GROUP "%04x:%02x:%02x.%u\"" TO_RUN,
		 (unsigned)(id >> 16), (unsigned)(id >> 8 & 0xff),
		 (unsigned)(id >> 3 & 0x1f), (unsigned)(id & 7));
}

struct gate_text {
	const struct vb_ctx *ctx;
	const struct vb_rules *rules;
	const struct vb_inventory *inv;
	const struct vb_plan *plan;
	const struct gate *g;
};

static void fill_gate(FILE *f, const struct gate_text *t)
{
	const struct vb_rules *rules = t->rules;
	char line[256];
	size_t i;

	fputs("# Written by vfiobind apply (vfiobind(8), FILES); a full run rewrites\n"
	      "# it, and removes it when no rule is left.  It stands in for the\n"
	      "# packaged 69-vfiobind.rules and starts vfiobind only for the PCI\n"
	      "# devices below: those the rules select, the VFs of the PFs they\n"
	      "# select, and those that join the IOMMU group of a device they name\n"
	      "# or claim.  Edit the rules, not this file.\n"
	      "ACTION!=\"add\", GOTO=\"vfiobind_end\"\n"
	      GATE_HEAD, f);
	if (t->g->ndrv)
		fputs("# held by the driver its override names (udev's coldplug\n"
		      "# replays what the boot claimed): left as it is\n", f);
	for (i = 0; i < t->g->ndrv; i++) {
		put_held(line, sizeof(line), t->g->drv[i]);
		fputs(line, f);
	}
	for (i = 0; i < rules->n; i++) {
		const struct vb_rule *r = &rules->r[i];

		if (r->kind == RULE_BIND && r->target == TGT_HOST)
			continue;
		put_rule(f, t->ctx, r);
		if (r->kind == RULE_SRIOV && r->target != TGT_HOST)
			put_vfs(f, t->ctx, r, t->inv, t->plan);
	}
	if (t->g->n)
		fputs("# IOMMU groups of the devices named or claimed\n", f);
	for (i = 0; i < t->g->n; i++) {
		put_group(line, sizeof(line), t->g->addr[i]);
		fputs(line, f);
	}
	fputs(GATE_TAIL
	      "RUN+=\"/usr/sbin/vfiobind apply --device $kernel\"\n"
	      "LABEL=\"vfiobind_end\"\n", f);
}

static void fill_text(FILE *f, const void *arg)
{
	fputs(arg, f);
}

/* The addresses of the group lines and the drivers of the held lines:
 * those the rules name, and what the plan claims. */
static void gate_collect(const struct vb_rules *rules,
			 const struct vb_inventory *inv,
			 const struct vb_plan *plan, struct gate *g)
{
	struct vb_idset groups = { 0 };
	size_t i, n;

	for (i = 0; i < rules->n; i++) {
		const struct vb_selector *sel = &rules->r[i].sel;
		unsigned f, last;

		if (rules->r[i].kind != RULE_BIND || rules->r[i].target == TGT_HOST ||
		    sel->kind != SEL_ADDR)
			continue;
		last = sel->any_func ? 7 : sel->func;
		for (f = sel->any_func ? 0 : sel->func; f <= last; f++)
			gate_add(g, addr_id(sel->domain, sel->bus, sel->slot, f));
	}
	/* one claimed device names its group: every member sees it */
	for (i = 0; i < plan->ndev && i < inv->n; i++) {
		const struct vb_device *d = &inv->dev[i];

		if (plan->dev[i].claim != CLAIM_BIND)
			continue;
		gate_driver(g, plan->dev[i].driver);
		if (d->group >= 0 && vb_idset_add(&groups, (uint64_t)d->group) == 1)
			gate_add(g, addr_id(d->domain, d->bus, d->slot, d->func));
	}
	vb_idset_free(&groups);
	if (g->ndrv)
		qsort(g->drv, g->ndrv, sizeof(g->drv[0]), name_cmp);
	if (g->n)
		qsort(g->addr, g->n, sizeof(*g->addr), id_cmp);
	for (i = n = 0; i < g->n; i++)
		if (!n || g->addr[n - 1] != g->addr[i])
			g->addr[n++] = g->addr[i];
	g->n = n;
}

/*
 * A --device run adds to the gate in force, and never rewrites the rest:
 * its plan sees only its neighbourhood (not the PFs the VF lines come
 * from).  Held lines go after the head, group lines before the tail,
 * each only if it is not there yet.
 */
static void gate_merge(FILE *f, const char *old, const struct gate *g)
{
	const char *head = strstr(old, "\n" GATE_HEAD), *tail;
	char line[256];
	size_t i;

	tail = head ? strstr(head, "\n" GATE_TAIL) : NULL;
	if (!tail)
		return;
	head += strlen("\n" GATE_HEAD);
	tail++;
	fwrite(old, 1, (size_t)(head - old), f);
	for (i = 0; i < g->ndrv; i++) {
		put_held(line, sizeof(line), g->drv[i]);
		if (!strstr(old, line))
			fputs(line, f);
	}
	fwrite(head, 1, (size_t)(tail - head), f);
	for (i = 0; i < g->n; i++) {
		put_group(line, sizeof(line), g->addr[i]);
		if (!strstr(old, line))
			fputs(line, f);
	}
	fputs(tail, f);
}

/*
 * Make, keep or remove the gate.  A full run (ctx->nscope 0) makes it
 * from the rules and what the plan claims, or removes it when no rule is
 * left; a --device run that claimed something adds its devices' groups
 * to a gate that exists, and never makes one.  The file is replaced only
 * when its text changes: udev reloads its rules when it sees a change.
 */
int vb_udev_gate(struct vb_ctx *ctx, const struct vb_rules *rules,
		 const struct vb_inventory *inv, const struct vb_plan *plan)
{
	struct gate g = { 0 };
	struct gate_text t = { ctx, rules, inv, plan, &g };
	char dir[PATH_MAX], path[PATH_MAX], *old = NULL, *text = NULL;
	size_t len = 0, oldlen;
	FILE *m;
	int r;

	if (vb_path(ctx, dir, sizeof(dir), GATE_DIR) < 0 ||
	    vb_path(ctx, path, sizeof(path), GATE_DIR "/" GATE_NAME) < 0)
		return -ENAMETOOLONG;
	if (rules->off || !rules->n) {
		if (!ctx->nscope && unlink(path) < 0 && errno != ENOENT) {
			r = -errno;
			vb_warn(ctx, "cannot remove %s: %s", path, strerror(-r));
			return r;
		}
		return 0;
	}
	if (ctx->nscope && !ctx->writes)
		return 0;
	old = vb_slurp(path, &oldlen);
	r = 0;
	if (ctx->nscope && !old)
		goto out;
	gate_collect(rules, inv, plan, &g);
	m = open_memstream(&text, &len);
	if (!m) {
		r = -errno;
		goto out;
	}
	if (ctx->nscope)
		gate_merge(m, old, &g);
	else
		fill_gate(m, &t);
	r = ferror(m) ? -EIO : 0;
	fclose(m);
	if (r || !*text || (old && !strcmp(old, text)))
		goto out;
	r = 0;
	/* /run/udev itself is udevd's, and not there before it starts */
	*strrchr(dir, '/') = '\0';
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		r = -errno;
	strcat(dir, "/rules.d");
	if (!r && mkdir(dir, 0755) < 0 && errno != EEXIST)
		r = -errno;
	if (!r)
		r = vb_file_replace(dir, GATE_NAME, fill_text, text);
	if (r)
		vb_warn(ctx, "cannot write %s: %s", path, strerror(-r));
out:
	free(old);
	free(text);
	free(g.addr);
	return r;
}
