// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What an initramfs needs for the configured rules: the kernel modules
 * the binder loads at boot, for image builders (dracut, initramfs-tools,
 * mkinitcpio).  Unlike plan, this needs no IOMMU on the build host, and
 * it resolves every name against the target kernel's module index, not
 * the running kernel's: images are built for the next kernel.
 *
 * Devices that rules select on this host decide which vfio variants and
 * which native SR-IOV PF drivers go in; a generic image (--all) takes
 * every variant of the target kernel instead.  A module the target
 * kernel lacks is named on stderr with the rule that needs it.
 */
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "vfiobind.h"

struct modlist {
	char (*name)[VB_NAME_MAX];
	size_t n, cap;
	unsigned missing;
};

static void need(struct vb_ctx *ctx, struct modlist *l,
		 const struct vb_modules *mods, const char *module,
		 const char *why)
{
	char name[VB_NAME_MAX];
	void *grown;
	size_t i;

	vb_module_name(name, sizeof(name), module);
	for (i = 0; i < l->n; i++)
		if (!strcmp(l->name[i], name))
			return;
	grown = vb_grow(l->name, &l->cap, l->n, sizeof(*l->name));
	if (!grown)
		return;
	l->name = grown;
	snprintf(l->name[l->n++], VB_NAME_MAX, "%s", name);
	if (!vb_modules_known(mods, name)) {
		vb_warn(ctx, "%s needs module %s, which kernel %s lacks",
			why, name, mods->kver);
		l->missing++;
	}
}

/*
 * The module behind a driver name a rule gives: the name itself when the
 * target kernel has such a module, else the module that registers that
 * driver on this host (xhci_pci registers xhci_hcd).
 */
static void need_driver(struct vb_ctx *ctx, struct modlist *l,
			const struct vb_modules *mods, const char *driver,
			const char *why)
{
	char rel[PATH_MAX], module[VB_NAME_MAX];

	vb_module_name(module, sizeof(module), driver);
	if (!vb_modules_known(mods, module)) {
		snprintf(rel, sizeof(rel), "/sys/bus/pci/drivers/%s/module",
			 driver);
		if (vb_read_link_base(ctx, rel, module, sizeof(module)) < 0)
			vb_module_name(module, sizeof(module), driver);
	}
	need(ctx, l, mods, module, why);
}

/* Every module whose "pci:" alias matches modalias, as modprobe would load. */
static unsigned need_native(struct vb_ctx *ctx, struct modlist *l,
			    const struct vb_modules *mods, const char *aliases,
			    const char *modalias, const char *why)
{
	const char *line, *end, *sp;
	char pattern[VB_MODALIAS_MAX + 32], module[VB_NAME_MAX];
	unsigned found = 0;
	size_t plen, mlen;

	for (line = aliases; line && *line; line = end ? end + 1 : NULL) {
		end = strchr(line, '\n');
		if (strncmp(line, "alias pci:", 10))
			continue;
		sp = strchr(line + 6, ' ');
		if (!sp || (end && sp > end))
			continue;
		plen = (size_t)(sp - (line + 6));
		mlen = end ? (size_t)(end - sp - 1) : strlen(sp + 1);
		if (plen >= sizeof(pattern) || !mlen || mlen >= sizeof(module))
			continue;
		memcpy(pattern, line + 6, plen);
		pattern[plen] = '\0';
		memcpy(module, sp + 1, mlen);
		module[mlen] = '\0';
		if (fnmatch(pattern, modalias, 0))
			continue;
		need(ctx, l, mods, module, why);
		found++;
	}
	return found;
}

/*
 * A VF's modalias before it exists: the PF's, with the VF device ID the
 * PF announces (sriov_vf_device).  Subsystem and class are taken to be
 * the PF's, which holds for the usual NICs and NVMe controllers.
 */
static int vf_modalias(struct vb_ctx *ctx, const struct vb_device *pf,
		       char *buf, size_t len)
{
	char rel[PATH_MAX], val[32];
	const char *sv;
	unsigned long id;
	char *end;

	snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s/sriov_vf_device",
		 pf->addr);
	if (vb_read_attr(ctx, rel, val, sizeof(val)) < 0)
		return -ENOENT;
	id = strtoul(val, &end, 16);
	sv = strstr(pf->modalias, "sv");
	if (end == val || id > 0xffff || !sv)
		return -EINVAL;
	snprintf(buf, len, "pci:v%08Xd%08lX%s", pf->vendor, id, sv);
	return 0;
}

static void why_rule(char *buf, size_t len, const struct vb_rule *r)
{
	snprintf(buf, len, "%s item '%s'", r->origin, r->text);
}

static void need_variant(struct vb_ctx *ctx, struct modlist *l,
			 const struct vb_modules *mods, const char *modalias,
			 const char *why)
{
	const char *variant = vb_variant_for(mods, modalias);

	if (strcmp(variant, "vfio_pci"))
		need(ctx, l, mods, variant, why);
}

/* Variants for the devices bind rules select here, and their groups. */
static void host_variants(struct vb_ctx *ctx, struct modlist *l,
			  const struct vb_modules *mods,
			  const struct vb_inventory *inv,
			  const struct vb_rules *rules)
{
	char why[VB_ORIGIN_MAX + VB_ITEM_MAX + 16];
	size_t i, j;

	for (i = 0; i < inv->n; i++) {
		const struct vb_device *d = &inv->dev[i];
		const struct vb_rule *r = vb_rule_for(rules, RULE_BIND, d);

		if (!r || r->target != TGT_VFIO)
			continue;
		why_rule(why, sizeof(why), r);
		for (j = 0; j < inv->n; j++) {
			const struct vb_device *m = &inv->dev[j];

			if (j != i && (d->group < 0 || m->group != d->group))
				continue;
			if (!m->bridge)
				need_variant(ctx, l, mods, m->modalias, why);
		}
	}
}

static void sriov_modules(struct vb_ctx *ctx, struct modlist *l,
			  const struct vb_modules *mods,
			  const struct vb_inventory *inv,
			  const struct vb_rule *r, const char *aliases)
{
	char why[VB_ORIGIN_MAX + VB_ITEM_MAX + 16];
	char modalias[VB_MODALIAS_MAX + 16];
	size_t i;

	why_rule(why, sizeof(why), r);
	if (r->pf_mode == PF_STUB)
		need(ctx, l, mods, "pci_pf_stub", why);
	if (r->target == TGT_DRIVER)
		need_driver(ctx, l, mods, r->driver, why);
	for (i = 0; i < inv->n; i++) {
		const struct vb_device *pf = &inv->dev[i];

		if (pf->is_vf || pf->totalvfs <= 0 ||
		    !vb_selector_match(&r->sel, pf))
			continue;
		if (r->pf_mode == PF_NATIVE &&
		    !need_native(ctx, l, mods, aliases, pf->modalias, why)) {
			vb_warn(ctx, "%s: no module of kernel %s drives SR-IOV PF %s (%s)",
				why, mods->kver, pf->addr, pf->modalias);
			l->missing++;
		}
		if (r->target == TGT_VFIO &&
		    vf_modalias(ctx, pf, modalias, sizeof(modalias)) == 0)
			need_variant(ctx, l, mods, modalias, why);
	}
}

struct text {
	char *buf;
	size_t len, cap;
};

static int alias_text(void *data, const char *key, const char *value,
		      uint32_t priority)
{
	struct text *t = data;
	size_t want = t->len + strlen(key) + strlen(value) + 9;
	char *grown;

	(void)priority;
	if (want > t->cap) {
		grown = realloc(t->buf, want + t->cap);
		if (!grown)
			return -ENOMEM;
		t->buf = grown;
		t->cap = want + t->cap;
	}
	t->len += (size_t)sprintf(t->buf + t->len, "alias %s %s\n", key, value);
	return 0;
}

/*
 * The target kernel's "pci:" aliases as modules.alias lines: from
 * modules.alias, or from modules.alias.bin where only that is left.
 */
static char *native_aliases(struct vb_ctx *ctx, const char *kver)
{
	struct text t = { 0 };
	char path[PATH_MAX];
	size_t len;
	char *text;

	if (vb_path(ctx, path, sizeof(path), "/lib/modules/%s/modules.alias",
		    kver) < 0)
		return NULL;
	text = vb_slurp(path, &len);
	if (text)
		return text;
	if (vb_path(ctx, path, sizeof(path), "/lib/modules/%s/modules.alias.bin",
		    kver) < 0 ||
	    vb_index_each(path, "pci:", alias_text, &t) < 0) {
		free(t.buf);
		return NULL;
	}
	return t.buf;
}

int vb_image_modules(struct vb_ctx *ctx, const struct vb_rules *rules,
		     bool all, FILE *out)
{
	struct vb_inventory inv = { 0 };
	struct vb_modules mods;
	char why[VB_ORIGIN_MAX + VB_ITEM_MAX + 16];
	char *aliases = NULL;
	struct modlist l = { 0 };
	bool host = false;
	size_t i;
	int status;

	vb_modules_load(ctx, &mods);
	/* Loaded by the binder itself: driver_override never changes a
	 * device's MODALIAS, so udev would not load them. */
	need(ctx, &l, &mods, "vfio", "the vfio core");
	need(ctx, &l, &mods, "vfio_pci", "the vfio core");
	need(ctx, &l, &mods, "vfio_iommu_type1", "the vfio core");
	if (all) {
		need(ctx, &l, &mods, "pci_stub", "a generic image");
		need(ctx, &l, &mods, "pci_pf_stub", "a generic image");
		for (i = 0; i < mods.nalias; i++)
			need(ctx, &l, &mods, mods.alias[i].module,
			     "a generic image");
	}
	if (!rules->off && vb_exists(ctx, "/sys/bus/pci/devices"))
		host = vb_inventory_read(ctx, &inv, NULL) == 0;
	else if (!rules->off)
		vb_info(ctx, "no PCI devices under %s/sys: modules for host devices are not known",
			ctx->root);
	if (host && vb_rules_have(rules, SEL_SERIAL))
		vb_inventory_serials(ctx, &inv);
	if (host && rules->n && mods.loaded)
		aliases = native_aliases(ctx, mods.kver);
	for (i = 0; i < rules->n && !rules->off; i++) {
		const struct vb_rule *r = &rules->r[i];

		why_rule(why, sizeof(why), r);
		if (r->kind == RULE_SRIOV)
			sriov_modules(ctx, &l, &mods, &inv, r,
				      aliases ? aliases : "");
		else if (r->kind == RULE_BIND && r->target == TGT_DRIVER)
			need_driver(ctx, &l, &mods, r->driver, why);
	}
	if (host && !rules->off)
		host_variants(ctx, &l, &mods, &inv, rules);

	if (!mods.loaded || !mods.have_dep) {
		vb_err(ctx, "no module index for kernel %s under %s/lib/modules: cannot tell what an image needs",
		       mods.kver, ctx->root);
		l.missing++;
	}
	for (i = 0; i < l.n; i++)
		fprintf(out, "%s\n", l.name[i]);
	status = ctx->parse_errors ? VB_EXIT_USAGE :
		 l.missing ? VB_EXIT_FAILED : VB_EXIT_OK;
	free(aliases);
	free(l.name);
	vb_inventory_free(&inv);
	vb_modules_free(&mods);
	return status;
}
