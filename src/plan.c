// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The plan: a pure function of the inventory, the rules and the module
 * index.  It writes nothing and logs nothing: what it decides and why is
 * kept in the plan, with its counts, and vb_plan_log says it.
 *
 *  1. each device takes its most specific bind rule (address > id with
 *     subsystem > id > class; among equals the last one, so the command
 *     line overrides the config);
 *  2. SR-IOV rules name PFs; existing VFs of a PF whose VF count already
 *     matches are claimed for what the rule gives VFs;
 *  3. every claimed device pulls in its whole IOMMU group (bridges stay
 *     with their driver), unless the group holds something the user did
 *     not agree to give away: then the whole group is left untouched;
 *  4. each claimed device gets a driver: the named one, or the most
 *     specific vfio variant from modules.alias, or vfio-pci.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vfiobind.h"

struct seed {
	const struct vb_rule *rule;
	enum vb_target target;
	const char *driver;
	bool card_part;		/* a function of a selected graphics card */
};

/* The plan logs nothing: what it has to say is kept for its caller,
 * with the device it is about (index + 1), 0 for the whole run. */
static void vsay(struct vb_plan *plan, size_t about, enum vb_level level,
		 const char *fmt, va_list ap)
{
	struct vb_msg *m;
	char *text;

	if (vasprintf(&text, fmt, ap) < 0)
		return;
	m = vb_grow(plan->msg, &plan->cmsg, plan->nmsg, sizeof(*m));
	if (!m) {
		free(text);
		return;
	}
	plan->msg = m;
	m[plan->nmsg].level = level;
	m[plan->nmsg].about = about;
	m[plan->nmsg++].text = text;
}

static void say(struct vb_plan *plan, enum vb_level level, const char *fmt,
		...) __attribute__((format(printf, 3, 4)));
static void say_on(struct vb_plan *plan, size_t dev, enum vb_level level,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void say(struct vb_plan *plan, enum vb_level level, const char *fmt,
		...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(plan, 0, level, fmt, ap);
	va_end(ap);
}

/* About inventory device dev. */
static void say_on(struct vb_plan *plan, size_t dev, enum vb_level level,
		   const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(plan, dev + 1, level, fmt, ap);
	va_end(ap);
}

void vb_plan_log(struct vb_ctx *ctx, const struct vb_plan *plan)
{
	size_t i;

	for (i = 0; i < plan->nmsg; i++)
		vb_log(ctx, plan->msg[i].level, "%s", plan->msg[i].text);
}

static int specificity(const struct vb_selector *sel)
{
	switch (sel->kind) {
	case SEL_ADDR:
	case SEL_PATH:
		return sel->any_func ? 4 : 5;
	case SEL_SERIAL:	/* a card's functions share their number */
	case SEL_SLOT:
		return 4;
	case SEL_ID:
		return sel->has_subsys ? 3 : 2;
	case SEL_CLASS:
		return 1;
	}
	return 0;
}

static bool same_outcome(const struct vb_rule *a, const struct vb_rule *b)
{
	return a->target == b->target && !strcmp(a->driver, b->driver) &&
	       a->flags == b->flags && a->numvfs == b->numvfs &&
	       a->pf_mode == b->pf_mode;
}

/* The winning rule; *rival is an equal-ranked loser that wanted else. */
static const struct vb_rule *best_rule(const struct vb_rules *rules,
				       enum vb_rule_kind kind,
				       const struct vb_device *d,
				       const struct vb_rule **rival,
				       unsigned *matches)
{
	const struct vb_rule *best = NULL;
	size_t i;

	*rival = NULL;
	for (i = 0; i < rules->n; i++) {
		const struct vb_rule *r = &rules->r[i];

		if (r->kind != kind || !vb_selector_match(&r->sel, d))
			continue;
		matches[i]++;
		if (!best || specificity(&r->sel) >= specificity(&best->sel))
			best = r;
	}
	for (i = 0; best && &rules->r[i] != best; i++) {
		const struct vb_rule *r = &rules->r[i];

		if (r->kind == kind &&
		    specificity(&r->sel) == specificity(&best->sel) &&
		    !same_outcome(r, best) && vb_selector_match(&r->sel, d))
			*rival = r;
	}
	return best;
}

const struct vb_rule *vb_rule_for(const struct vb_rules *rules,
				  enum vb_rule_kind kind,
				  const struct vb_device *d)
{
	const struct vb_rule *rival;
	unsigned *matches = calloc(rules->n + 1, sizeof(*matches));
	const struct vb_rule *r;

	if (!matches)
		return NULL;
	r = best_rule(rules, kind, d, &rival, matches);
	free(matches);
	return r;
}

struct rivalry {
	const struct vb_rule *loser, *winner;
};

/* Once per pair of rules, naming the first device they disagree on. */
static void warn_rivals(struct vb_plan *plan, const struct vb_device *d,
			const struct vb_rule *loser,
			const struct vb_rule *winner, struct rivalry **seen,
			size_t *nseen, size_t *cseen)
{
	struct rivalry *rv;
	size_t i;

	for (i = 0; i < *nseen; i++)
		if ((*seen)[i].loser == loser && (*seen)[i].winner == winner)
			return;
	rv = vb_grow(*seen, cseen, *nseen, sizeof(*rv));
	if (rv) {
		*seen = rv;
		rv[(*nseen)++] = (struct rivalry){ loser, winner };
	}
	say(plan, VB_WARNING, "%s: %s item '%s' and %s item '%s' select it with equal rank and different targets; the later, '%s', wins",
	    d->addr, loser->origin, loser->text, winner->origin,
	    winner->text, winner->text);
}

const char *vb_pf_mode_name(enum vb_pf_mode mode)
{
	return mode == PF_STUB ? "pci-pf-stub" :
	       mode == PF_VFIO ? "vfio-pci" : "native";
}

const char *vb_pf_driver(enum vb_pf_mode mode)
{
	return mode == PF_NATIVE ? "" : vb_pf_mode_name(mode);
}

static bool is_storage(const struct vb_device *d)
{
	return (d->class_code >> 16) == 0x01;
}

static bool is_usb_host(const struct vb_device *d)
{
	return (d->class_code >> 8) == 0x0c03;
}

static bool is_display(const struct vb_device *d)
{
	return (d->class_code >> 16) == 0x03;
}

static bool same_slot(const struct vb_device *a, const struct vb_device *b)
{
	return a->domain == b->domain && a->bus == b->bus &&
	       a->slot == b->slot;
}

/*
 * Functions a graphics card carries besides its display controller: HD
 * audio, and on cards with a USB-C port (NVIDIA Turing and others) a USB
 * host controller and a UCSI controller.  Next to a selected display
 * controller in its own slot they are parts of the card the user asked
 * for.  Next to anything else they are not: chipsets put USB, SATA and a
 * bridge into one slot, and a second USB controller there may hold the
 * host's keyboard.
 */
static bool is_card_function(const struct vb_device *d)
{
	switch (d->class_code >> 8) {
	case 0x0403:	/* HD audio */
	case 0x0c03:	/* USB host controller */
	case 0x0c80:	/* serial bus, other: USB Type-C UCSI */
		return true;
	}
	return false;
}

static void mark_card_parts(const struct vb_inventory *inv,
			    const bool *seeded, struct seed *seeds)
{
	size_t i, j;

	for (i = 0; i < inv->n; i++) {
		if (seeded[i] || !is_card_function(&inv->dev[i]))
			continue;
		for (j = 0; j < inv->n; j++)
			if (seeded[j] && is_display(&inv->dev[j]) &&
			    same_slot(&inv->dev[i], &inv->dev[j]))
				seeds[i].card_part = true;
	}
}

static const struct vb_sriov_plan *sriov_of(const struct vb_plan *plan,
					    size_t pf)
{
	size_t i;

	for (i = 0; i < plan->nsriov; i++)
		if (plan->sriov[i].pf == pf)
			return &plan->sriov[i];
	return NULL;
}

static bool bind_fits_vfio_pf(const struct vb_rule *bind)
{
	return !bind || bind->target == TGT_VFIO ||
	       (bind->target == TGT_DRIVER && !strcmp(bind->driver, "vfio-pci"));
}

/* pci-stub and host drivers need no IOMMU; vfio does. */
static bool needs_iommu(enum vb_target target, const char *driver)
{
	return target == TGT_VFIO ||
	       (target == TGT_DRIVER && vb_driver_managed_dma(driver) &&
		strcmp(driver, "pci-stub"));
}

/* Driver names are the kernel's and compared byte for byte: for an
 * unknown module whose lower-case name is known, a hint naming it. */
static const char *case_hint(const struct vb_modules *mods,
			     const char *module, char *buf, size_t len)
{
	char lower[VB_NAME_MAX], driver[VB_NAME_MAX];
	size_t i;

	for (i = 0; module[i] && i + 1 < sizeof(lower); i++)
		lower[i] = (char)tolower((unsigned char)module[i]);
	lower[i] = '\0';
	if (!strcmp(lower, module) || !vb_modules_known(mods, lower))
		return "";
	vb_driver_for_module(lower, driver, sizeof(driver));
	snprintf(buf, len, "; driver names are case-sensitive: '%s'?", driver);
	return buf;
}

/* Why an SR-IOV rule cannot hold for the PF d, or NULL. */
static const char *sriov_conflict(const struct vb_modules *mods,
				  bool no_iommu,
				  const struct vb_device *d,
				  const struct vb_rule *r,
				  const struct vb_rule *bind, char *buf,
				  size_t len)
{
	char module[VB_NAME_MAX], hint[VB_NAME_MAX + 48];

	if (r->numvfs > (unsigned)d->totalvfs) {
		snprintf(buf, len, "%s supports at most %d VFs (sriov_totalvfs)",
			 d->addr, d->totalvfs);
		return buf;
	}
	if (r->pf_mode == PF_VFIO ? !bind_fits_vfio_pf(bind) :
	    bind && bind->target != TGT_HOST) {
		snprintf(buf, len, "PF %s is also claimed by %s item '%s'; %s",
			 d->addr, bind->origin, bind->text,
			 r->pf_mode == PF_VFIO ?
			 "with +pf=vfio-pci the PF goes to vfio-pci and nothing else" :
			 "use +pf=vfio-pci to give the PF to vfio-pci");
		return buf;
	}
	/* vfio-pci refuses a PF with VFs; no stub is slid under live VFs. */
	if (d->numvfs > 0 && r->pf_mode != PF_NATIVE &&
	    strcmp(d->driver, vb_pf_driver(r->pf_mode))) {
		snprintf(buf, len, "PF %s already has %d VFs under driver %s; not changing its driver under them",
			 d->addr, d->numvfs, d->driver[0] ? d->driver : "(none)");
		return buf;
	}
	if (no_iommu && (r->pf_mode == PF_VFIO ||
			 needs_iommu(r->target, r->driver))) {
		snprintf(buf, len, "no IOMMU groups: the VFs cannot go to vfio (vf=pci-stub or vf=host can)");
		return buf;
	}
	vb_module_name(module, sizeof(module), r->driver);
	if (r->target == TGT_DRIVER && !vb_modules_known(mods, module)) {
		snprintf(buf, len, "unknown VF driver '%s' (no module %s for kernel %s%s)",
			 r->driver, module, mods->kver,
			 case_hint(mods, module, hint, sizeof(hint)));
		return buf;
	}
	return NULL;
}

static void plan_sriov(const struct vb_inventory *inv,
		       const struct vb_rule *const *sriov,
		       const struct vb_modules *mods, struct vb_plan *plan,
		       const struct vb_rule *const *bind)
{
	struct vb_sriov_plan *s;
	const char *why;
	char buf[512];
	size_t i;

	for (i = 0; i < inv->n; i++) {
		const struct vb_device *d = &inv->dev[i];
		const struct vb_rule *r = sriov[i];

		if (!r || (d->is_vf && !vb_selector_by_place(r->sel.kind)))
			continue;
		if (d->totalvfs < 0 || d->is_vf) {
			say_on(plan, i, VB_ERR, "%s item '%s': %s is not an SR-IOV physical function",
			    r->origin, r->text, d->addr);
			plan->errors++;
			continue;
		}
		why = sriov_conflict(mods, plan->no_iommu, d, r, bind[i], buf,
				     sizeof(buf));
		if (why) {
			say_on(plan, i, VB_ERR, "%s item '%s': %s", r->origin,
			       r->text, why);
			plan->errors++;
			continue;
		}
		s = vb_grow(plan->sriov, &plan->csriov, plan->nsriov,
			    sizeof(*s));
		if (!s)
			return;
		plan->sriov = s;
		s = &plan->sriov[plan->nsriov++];
		memset(s, 0, sizeof(*s));
		s->pf = i;
		s->rule = r;
		s->numvfs = r->numvfs;
		s->pf_mode = r->pf_mode;
		/* apply --device never changes a VF count it was not given:
		 * the VFs an operator made are claimed as they are.  For the
		 * PF it names, it only makes VFs where there are none (a PF
		 * just added): udev's coldplug replays (udevadm trigger) run
		 * it for PFs whose VFs VMs may hold, and a count changes
		 * only by way of 0. */
		s->change = (unsigned)d->numvfs != r->numvfs &&
			    (!inv->scoped || (d->named && d->numvfs == 0));
		snprintf(s->pf_driver, sizeof(s->pf_driver), "%s",
			 vb_pf_driver(r->pf_mode));
		if (!s->change && d->driver[0] && s->pf_mode != PF_NATIVE &&
		    strcmp(d->driver, s->pf_driver))
			say_on(plan, i, VB_NOTICE, "%s: keeps its %d VFs and its driver %s (wanted %s: change the VF count to switch)",
			    d->addr, d->numvfs, d->driver, s->pf_driver);
	}
}

/* Who asks for device i, before groups are considered. */
static bool seed_of(const struct vb_inventory *inv, const struct vb_plan *plan,
		    const struct vb_rule *const *bind, size_t i,
		    struct seed *seed)
{
	const struct vb_device *d = &inv->dev[i];
	const struct vb_sriov_plan *s;
	const struct vb_device *pf;

	memset(seed, 0, sizeof(*seed));
	if (d->bridge)
		return false;
	s = sriov_of(plan, i);
	if (s && s->pf_mode == PF_VFIO) {
		/* enable_sriov is vfio-pci's alone: never a variant here */
		seed->rule = s->rule;
		seed->target = TGT_DRIVER;
		seed->driver = "vfio-pci";
		return true;
	}
	if (bind[i] && d->is_vf && (pf = vb_inventory_find(inv, d->physfn)) &&
	    (s = sriov_of(plan, (size_t)(pf - inv->dev))) && s->change)
		return false;	/* re-created first, then planned */
	if (bind[i]) {
		seed->rule = bind[i];
		seed->target = bind[i]->target;
		seed->driver = bind[i]->driver;
		return bind[i]->target != TGT_HOST;
	}
	if (!d->is_vf || !(pf = vb_inventory_find(inv, d->physfn)))
		return false;
	s = sriov_of(plan, (size_t)(pf - inv->dev));
	/* VFs about to be re-created are planned after they exist. */
	if (!s || s->change)
		return false;
	seed->rule = s->rule;
	seed->target = s->rule->target;
	seed->driver = s->rule->driver;
	if (s->pf_mode == PF_VFIO && seed->target == TGT_VFIO) {
		/* vfio-pci itself sets the new VFs' override to vfio-pci */
		seed->target = TGT_DRIVER;
		seed->driver = "vfio-pci";
	}
	return seed->target != TGT_HOST;
}

/*
 * A named driver that does not leave DMA to vfio (e1000, ixgbevf,
 * xhci_pci): the device just changes host driver.  Its group is neither
 * closed nor judged by vfio's rules, which only vfio and pci-stub need.
 */
static bool host_driver_seed(const struct seed *seed)
{
	return seed->target == TGT_DRIVER &&
	       !vb_driver_managed_dma(seed->driver);
}

static void choose_driver(struct vb_plan *plan, const struct vb_modules *mods,
			  const struct vb_device *d, const struct seed *seed,
			  struct vb_dev_plan *dp)
{
	if (seed->target == TGT_DRIVER) {
		vb_module_name(dp->module, sizeof(dp->module), seed->driver);
		vb_modules_driver(mods, dp->module, dp->driver,
				  sizeof(dp->driver));
	} else {
		snprintf(dp->module, sizeof(dp->module), "%s",
			 vb_variant_for(mods, d->modalias));
		vb_modules_driver(mods, dp->module, dp->driver,
				  sizeof(dp->driver));
		if (strcmp(dp->module, "vfio_pci"))
			say_on(plan, (size_t)(dp - plan->dev), VB_INFO,
			       "%s: vfio variant driver %s matches %s",
			    d->addr, dp->module, d->modalias);
	}
	dp->done = !strcmp(d->driver, dp->driver) &&
		   !strcmp(d->override, dp->driver);
}

bool vb_same_group(const struct vb_inventory *inv, size_t first, size_t i)
{
	return i == first || (inv->dev[first].group >= 0 &&
			      inv->dev[i].group == inv->dev[first].group);
}

/* Marks i's whole group (or i alone, without one) as left untouched, and
 * attributes it to rule when rule is given. */
static void untouch_group(const struct vb_inventory *inv,
			  struct vb_plan *plan, size_t i,
			  const struct vb_rule *rule)
{
	size_t j;

	for (j = 0; j < inv->n; j++)
		if (vb_same_group(inv, i, j)) {
			plan->dev[j].claim = CLAIM_REFUSED;
			if (rule)
				plan->dev[j].rule = rule;
		}
}

/* Chipset functions with a normal header: host, ISA/LPC and other bridges
 * that vfio-pci could take but the host may need (lpc_ich, watchdogs). */
static bool is_chipset(const struct vb_device *d)
{
	return (d->class_code >> 16) == 0x06;
}

struct refusal {
	const char *culprit;
	const char *why, *hint;
	const struct vb_rule *host_rule;
};

/* A group being decided, as the checks below see it. */
struct group_view {
	const struct vb_inventory *inv;
	const struct vb_plan *plan;
	const struct seed *seeds;
	const bool *seeded;
	size_t first;
	unsigned flags;		/* options of every rule seeding the group */
	bool stub;		/* given to pci-stub, which needs no IOMMU */
};

static const char allow_group[] =
	"; add +allow-group to the item to claim the whole group anyway";

static bool no_iommu_group(const struct group_view *g, struct refusal *rf)
{
	if (g->inv->dev[g->first].group >= 0 || g->stub)
		return false;
	rf->culprit = g->inv->dev[g->first].addr;
	rf->why = "has no IOMMU group, and vfio-pci will not take it";
	return true;
}

static bool unknown_member(const struct group_view *g, struct refusal *rf)
{
	const struct vb_stray *stray;

	stray = vb_group_stray(g->inv, g->inv->dev[g->first].group);
	if (!stray)
		return false;
	rf->culprit = stray->name;
	rf->why = "is in the group but not a PCI device vfiobind can read";
	return true;
}

static bool boot_display(const struct group_view *g, size_t i,
			 struct refusal *rf)
{
	const struct vb_device *d = &g->inv->dev[i];

	if ((d->boot_vga != 1 && !d->boot_display) ||
	    (g->flags & RULE_ALLOW_BOOT_VGA))
		return false;
	rf->why = d->boot_vga == 1 ?
		  "is the boot VGA device (claiming it takes the console)" :
		  "is the boot display (claiming it takes the console)";
	rf->hint = "; add +allow-boot-vga to the item to claim it anyway";
	return true;
}

static bool kept_for_host(const struct group_view *g, size_t i,
			  struct refusal *rf)
{
	const struct seed *seed = &g->seeds[i];

	if (g->seeded[i] && host_driver_seed(seed))
		rf->why = "is given to a host driver by";
	else if (!g->seeded[i] && seed->rule && seed->target == TGT_HOST)
		rf->why = "is kept for the host by";
	else
		return false;
	rf->host_rule = seed->rule;
	return true;
}

static bool sriov_pf(const struct group_view *g, size_t i,
		     struct refusal *rf)
{
	const struct vb_device *d = &g->inv->dev[i];
	const struct vb_sriov_plan *s = sriov_of(g->plan, i);

	if (d->numvfs > 0 && !s && strcmp(d->driver, "vfio-pci"))
		rf->why = "has SR-IOV VFs enabled, and vfio-pci refuses such a PF";
	else if (!g->seeded[i] && s && s->pf_mode != PF_VFIO)
		rf->why = "is an SR-IOV PF driven by the host";
	else
		return false;
	return true;
}

/* Pulled in only by the group, and unless the user agreed to it. */
static bool unselected(const struct group_view *g, size_t i)
{
	return !g->seeded[i] && !(g->flags & RULE_ALLOW_GROUP) &&
	       !g->seeds[i].card_part;
}

static bool host_storage_or_usb(const struct group_view *g, size_t i,
				struct refusal *rf)
{
	const struct vb_device *d = &g->inv->dev[i];

	if (!unselected(g, i) || !(is_storage(d) || is_usb_host(d)))
		return false;
	rf->why = is_storage(d) ? "is a storage controller nobody selected" :
				  "is a USB controller nobody selected";
	rf->hint = allow_group;
	return true;
}

static bool host_chipset(const struct group_view *g, size_t i,
			 struct refusal *rf)
{
	if (!unselected(g, i) || !is_chipset(&g->inv->dev[i]))
		return false;
	rf->why = "is a chipset function nobody selected";
	rf->hint = allow_group;
	return true;
}

/*
 * Why a group must be left alone, in order of how much the user would
 * lose, so the message names the worst problem.  A check is either about
 * the group or about each of its members (bridges keep their driver and
 * are never judged).
 */
static const struct group_check {
	const char *name;
	bool (*group)(const struct group_view *g, struct refusal *rf);
	bool (*member)(const struct group_view *g, size_t i,
		       struct refusal *rf);
} group_checks[] = {
	{ "no IOMMU group for vfio", no_iommu_group, NULL },
	{ "a member vfiobind cannot read", unknown_member, NULL },
	{ "the boot display", NULL, boot_display },
	{ "a member kept for the host", NULL, kept_for_host },
	{ "an SR-IOV PF vfio-pci cannot take", NULL, sriov_pf },
	{ "an unselected storage or USB controller", NULL, host_storage_or_usb },
	{ "an unselected chipset function", NULL, host_chipset },
};

static bool refuse_group(const struct group_view *g, struct refusal *rf)
{
	const struct group_check *c;
	size_t i;

	for (c = group_checks; c < group_checks + ARRAY_SIZE(group_checks);
	     c++) {
		memset(rf, 0, sizeof(*rf));
		rf->hint = "";
		if (c->group) {
			if (c->group(g, rf))
				return true;
			continue;
		}
		for (i = 0; i < g->inv->n; i++) {
			if (!vb_same_group(g->inv, g->first, i) ||
			    g->inv->dev[i].bridge || !c->member(g, i, rf))
				continue;
			rf->culprit = g->inv->dev[i].addr;
			return true;
		}
	}
	return false;
}

/* Decides one IOMMU group (or a lone device with group -1). */
static void plan_group(const struct vb_inventory *inv,
		       const struct vb_modules *mods, struct vb_plan *plan,
		       const struct seed *seeds, const bool *seeded,
		       size_t first)
{
	const struct vb_device *lead = &inv->dev[first];
	const struct vb_rule *rule = seeds[first].rule;
	struct group_view view = { inv, plan, seeds, seeded, first, 0, false };
	struct refusal rf;
	char rel[64];
	size_t i;

	for (i = 0; i < inv->n; i++) {
		if (!vb_same_group(inv, first, i) || !seeded[i])
			continue;
		view.flags |= seeds[i].rule->flags;
		view.stub |= seeds[i].target == TGT_DRIVER &&
			     !strcmp(seeds[i].driver, "pci-stub");
	}
	if (lead->group >= 0)
		snprintf(rel, sizeof(rel), "IOMMU group %d", lead->group);
	else
		snprintf(rel, sizeof(rel), "device %s (no IOMMU group)",
			 lead->addr);
	if (refuse_group(&view, &rf)) {
		untouch_group(inv, plan, first, rule);
		plan->errors++;
		if (rf.host_rule)
			say_on(plan, first, VB_ERR, "%s item '%s' selects %s: refused, group left untouched: %s %s %s item '%s'",
			    rule->origin, rule->text, rel, rf.culprit,
			    rf.why, rf.host_rule->origin, rf.host_rule->text);
		else
			say_on(plan, first, VB_ERR, "%s item '%s' selects %s: refused, group left untouched: %s %s%s",
			    rule->origin, rule->text, rel, rf.culprit,
			    rf.why, rf.hint);
		return;
	}
	for (i = 0; i < inv->n; i++) {
		const struct vb_device *d = &inv->dev[i];
		struct vb_dev_plan *dp = &plan->dev[i];
		struct seed companion = { rule, TGT_VFIO, "", false };

		if (!vb_same_group(inv, first, i) || d->bridge)
			continue;
		if (!seeded[i] && view.stub) {
			companion.target = TGT_DRIVER;
			companion.driver = "pci-stub";
		}
		dp->claim = CLAIM_BIND;
		dp->companion = !seeded[i];
		dp->card_part = dp->companion && seeds[i].card_part;
		dp->rule = seeded[i] ? seeds[i].rule : rule;
		choose_driver(plan, mods, d, seeded[i] ? &seeds[i] : &companion,
			      dp);
		if (dp->card_part)
			say_on(plan, i, VB_INFO, "%s: claimed with %s: a function of the same graphics card",
			    d->addr, lead->addr);
		else if (dp->companion)
			say_on(plan, i, VB_INFO, "%s: claimed with %s: same %s", d->addr,
			    lead->addr, rel);
	}
}

/* A claimed graphics card whose other functions sit in another group
 * (recent AMD cards) keeps them on the host unless they are selected. */
static void warn_split_cards(const struct vb_inventory *inv,
			     struct vb_plan *plan)
{
	size_t i, j;

	for (i = 0; i < inv->n; i++) {
		const struct vb_device *gpu = &inv->dev[i];

		if (plan->dev[i].claim != CLAIM_BIND || !is_display(gpu))
			continue;
		for (j = 0; j < inv->n; j++) {
			const struct vb_device *d = &inv->dev[j];

			if (!same_slot(gpu, d) || vb_same_group(inv, i, j) ||
			    d->bridge || plan->dev[j].claim == CLAIM_BIND)
				continue;
			say_on(plan, i, VB_WARNING, "%s is claimed, but %s, a function of the same card, is in another IOMMU group and stays with the host; select %04x:%02x:%02x.* to claim the whole card",
			    gpu->addr, d->addr, gpu->domain, gpu->bus,
			    gpu->slot);
		}
	}
}

static void plan_host_driver(const struct vb_inventory *inv,
			     const struct vb_modules *mods,
			     struct vb_plan *plan, const struct seed *seed,
			     size_t i)
{
	struct vb_dev_plan *dp = &plan->dev[i];

	dp->claim = CLAIM_BIND;
	dp->rule = seed->rule;
	choose_driver(plan, mods, &inv->dev[i], seed, dp);
}

static void check_drivers(const struct vb_inventory *inv,
			  const struct vb_modules *mods, struct vb_plan *plan)
{
	char hint[VB_NAME_MAX + 48];
	size_t i;

	for (i = 0; i < inv->n; i++) {
		struct vb_dev_plan *dp = &plan->dev[i];

		if (dp->claim != CLAIM_BIND ||
		    vb_modules_known(mods, dp->module))
			continue;
		say_on(plan, i, VB_ERR, "%s item '%s': unknown driver '%s' (no module %s for kernel %s%s): %s left untouched",
		    dp->rule->origin, dp->rule->text, dp->driver, dp->module,
		    mods->kver, case_hint(mods, dp->module, hint, sizeof(hint)),
		    inv->dev[i].group >= 0 ? "its IOMMU group" : "device");
		plan->errors++;
		untouch_group(inv, plan, i, NULL);
	}
}

/* A PF whose group is left untouched gets no SR-IOV change either, and a
 * PF meant for vfio-pci that is not claimed gets nothing. */
static void drop_untouched_pfs(const struct vb_inventory *inv,
			       struct vb_plan *plan)
{
	size_t i, n = 0;

	for (i = 0; i < plan->nsriov; i++) {
		const struct vb_sriov_plan *s = &plan->sriov[i];
		enum vb_claim c = plan->dev[s->pf].claim;

		if (c == CLAIM_REFUSED ||
		    (s->pf_mode == PF_VFIO && c != CLAIM_BIND)) {
			say_on(plan, s->pf, VB_ERR, "%s item '%s': PF %s left untouched with its IOMMU group",
			    s->rule->origin, s->rule->text,
			    inv->dev[s->pf].addr);
			plan->errors++;
			continue;
		}
		plan->sriov[n++] = *s;
	}
	plan->nsriov = n;
}

static void refuse_without_iommu(const struct vb_inventory *inv,
				 struct vb_plan *plan, const struct seed *seeds,
				 bool *seeded)
{
	size_t i, n = 0;

	for (i = 0; i < inv->n; i++) {
		if (!seeded[i] ||
		    !needs_iommu(seeds[i].target, seeds[i].driver))
			continue;
		seeded[i] = false;
		plan->dev[i].claim = CLAIM_REFUSED;
		plan->dev[i].rule = seeds[i].rule;
		n++;
	}
	if (!n)
		return;
	plan->errors++;
	say(plan, VB_ERR, "no IOMMU groups under /sys/kernel/iommu_groups: the IOMMU is off or missing (enable VT-d/AMD-Vi in firmware, boot with intel_iommu=on or amd_iommu=on); only pci-stub rules hold: %zu device%s left untouched",
	    n, n == 1 ? "" : "s");
}

static int format_ids(const struct vb_selector *ids, bool subsys, char *buf,
		      size_t len)
{
	if (subsys)
		return snprintf(buf, len, "%04x:%04x:%04x:%04x", ids->vendor,
				ids->device, ids->subvendor, ids->subdevice);
	return snprintf(buf, len, "%04x:%04x", ids->vendor, ids->device);
}

/* Devices at a guarded item's place that are not what it expects: the
 * item selects nothing there, and says what it found instead. */
static unsigned check_guard(const struct vb_inventory *inv,
			    const struct vb_rule *r, struct vb_plan *plan)
{
	struct vb_selector found = { 0 };
	char want[32], got[32];
	unsigned n = 0;
	size_t i;

	if (!r->sel.guard)
		return 0;
	for (i = 0; i < inv->n; i++) {
		const struct vb_device *d = &inv->dev[i];

		if (!vb_selector_at(&r->sel, d) || vb_guard_holds(&r->sel, d))
			continue;
		found.vendor = d->vendor;
		found.device = d->device;
		found.subvendor = d->subvendor;
		found.subdevice = d->subdevice;
		format_ids(&r->sel, r->sel.has_subsys, want, sizeof(want));
		format_ids(&found, r->sel.has_subsys, got, sizeof(got));
		say_on(plan, i, VB_ERR, "%s item '%s': %s is %s, not %s: left alone",
		    r->origin, r->text, d->addr, got, want);
		plan->errors++;
		n++;
	}
	return n;
}

/* An address names whatever sits there: after buses shift, another
 * device.  Say so where that device would be a disk or the console. */
static void warn_unguarded(const struct vb_inventory *inv,
			   const struct vb_rule *const *bind,
			   struct vb_plan *plan)
{
	size_t i;

	for (i = 0; i < inv->n; i++) {
		const struct vb_device *d = &inv->dev[i];
		const struct vb_rule *r = bind[i];

		if (!r || r->sel.kind != SEL_ADDR || r->sel.guard ||
		    r->target == TGT_HOST ||
		    (!is_storage(d) && d->boot_vga != 1 && !d->boot_display))
			continue;
		say_on(plan, i, VB_WARNING, "%s item '%s' selects %s, %s, by its address alone: when buses shift, the address names another device; 'vfiobind pin' prints a form that stays with this one",
		    r->origin, r->text, d->addr,
		    is_storage(d) ? "a storage controller" :
		    "the boot display device");
	}
}

/* A few by name, then one line: a config of thousands of stale items
 * must not flood the kernel log. */
#define UNMATCHED_NAMED 5

static void report_unmatched(const struct vb_inventory *inv,
			     const struct vb_rules *rules,
			     struct vb_plan *plan)
{
	size_t i, n = 0, vf_changes = 0;

	for (i = 0; i < plan->nsriov; i++)
		vf_changes += plan->sriov[i].change;
	for (i = 0; i < rules->n; i++) {
		const struct vb_rule *r = &rules->r[i];

		if (plan->matches[i] || check_guard(inv, r, plan))
			continue;
		n++;
		if (vf_changes)
			continue;
		plan->errors++;
		if (n <= UNMATCHED_NAMED)
			say(plan, VB_ERR, "%s item '%s' matches no PCI device",
			    r->origin, r->text);
	}
	if (n && vf_changes)
		say(plan, VB_NOTICE, "%zu item%s match%s no PCI device before the VFs are created; planned again once they exist",
		    n, n == 1 ? "" : "s", n == 1 ? "es" : "");
	else if (n > UNMATCHED_NAMED)
		say(plan, VB_ERR, "and %zu more items match no PCI device",
		    n - UNMATCHED_NAMED);
}

/* Every claimed member of dev's group was found bound as planned. */
static bool group_done(const struct vb_inventory *inv,
		       const struct vb_plan *plan, size_t dev)
{
	size_t i;

	for (i = 0; i < inv->n; i++)
		if (vb_same_group(inv, dev, i) &&
		    plan->dev[i].claim == CLAIM_BIND && !plan->dev[i].done)
			return false;
	return plan->dev[dev].claim == CLAIM_BIND;
}

/*
 * apply --device acts on and speaks of the named devices' groups (and a
 * named PF's VFs) only: the rest of what it read (a VF's PF, slot
 * siblings) informed their plan, and their own runs decide them.  What concerns the run as a whole
 * (the rules, the IOMMU) the full runs say, once; what a group already
 * bound as planned has to say, they said before.
 */
static void keep_named_groups(const struct vb_inventory *inv,
			      struct vb_plan *plan)
{
	bool *mine = calloc(inv->n + 1, sizeof(*mine));
	size_t i, j, n = 0;

	if (!mine)
		return;
	for (i = 0; i < inv->n; i++)
		for (j = 0; j < inv->n && !mine[i]; j++)
			mine[i] = inv->dev[j].named && vb_same_group(inv, j, i);
	/* a named PF's SR-IOV rule: its VFs, made or kept by this run */
	for (i = 0; i < plan->nsriov; i++)
		for (j = 0; inv->dev[plan->sriov[i].pf].named && j < inv->n; j++)
			mine[j] |= inv->dev[j].is_vf &&
				   !strcmp(inv->dev[j].physfn,
					   inv->dev[plan->sriov[i].pf].addr);
	for (i = 0; i < inv->n; i++)
		if (!mine[i])
			memset(&plan->dev[i], 0, sizeof(plan->dev[i]));
	for (i = 0; i < plan->nsriov; i++)
		if (mine[plan->sriov[i].pf])
			plan->sriov[n++] = plan->sriov[i];
	plan->nsriov = n;
	for (i = 0, n = 0; i < plan->nmsg; i++) {
		struct vb_msg *m = &plan->msg[i];
		size_t d = m->about - 1;

		if (m->about && mine[d] &&
		    (m->level <= VB_WARNING || !group_done(inv, plan, d))) {
			plan->msg[n++] = *m;
			continue;
		}
		plan->errors -= m->about && m->level <= VB_ERR;
		free(m->text);
	}
	plan->nmsg = n;
	free(mine);
}

int vb_plan_build(const struct vb_inventory *inv,
		  const struct vb_rules *rules, const struct vb_modules *mods,
		  struct vb_plan *plan)
{
	const struct vb_rule **bind, **sriov, *rival;
	struct rivalry *seen = NULL;
	size_t nseen = 0, cseen = 0;
	struct seed *seeds;
	bool *seeded, *decided;
	size_t i, j;

	memset(plan, 0, sizeof(*plan));
	plan->dev = calloc(inv->n + 1, sizeof(*plan->dev));
	plan->matches = calloc(rules->n + 1, sizeof(*plan->matches));
	if (!plan->dev || !plan->matches) {
		vb_plan_free(plan);
		return -ENOMEM;
	}
	plan->ndev = inv->n;
	plan->no_iommu = inv->ngroups == 0;
	if (rules->off) {
		plan->off = true;
		if (!inv->scoped)	/* the full runs say it */
			say(plan, VB_NOTICE, "disabled by %s 'off': nothing is claimed",
			    rules->off_origin);
		return 0;
	}
	if (rules->n == 0)
		return 0;
	bind = calloc(2 * (inv->n + 1), sizeof(*bind));
	seeds = calloc(inv->n + 1, sizeof(*seeds));
	seeded = calloc(inv->n + 1, sizeof(*seeded));
	decided = calloc(inv->n + 1, sizeof(*decided));
	if (!bind || !seeds || !seeded || !decided) {
		free(bind);
		free(seeds);
		free(seeded);
		free(decided);
		return -ENOMEM;
	}
	sriov = bind + inv->n + 1;
	for (i = 0; i < inv->n; i++) {
		bind[i] = best_rule(rules, RULE_BIND, &inv->dev[i], &rival,
				    plan->matches);
		if (rival)
			warn_rivals(plan, &inv->dev[i], rival, bind[i], &seen,
				    &nseen, &cseen);
		sriov[i] = best_rule(rules, RULE_SRIOV, &inv->dev[i], &rival,
				     plan->matches);
		if (rival)
			warn_rivals(plan, &inv->dev[i], rival, sriov[i], &seen,
				    &nseen, &cseen);
	}
	free(seen);
	plan_sriov(inv, sriov, mods, plan, bind);
	for (i = 0; i < inv->n; i++) {
		seeded[i] = seed_of(inv, plan, bind, i, &seeds[i]);
		if (inv->dev[i].bridge && bind[i] &&
		    vb_selector_by_place(bind[i]->sel.kind) &&
		    bind[i]->target != TGT_HOST) {
			say_on(plan, i, VB_ERR, "%s item '%s': %s is a bridge; vfio-pci and pci-stub cannot take it, left alone",
			    bind[i]->origin, bind[i]->text,
			    inv->dev[i].addr);
			plan->errors++;
		}
	}
	if (plan->no_iommu)
		refuse_without_iommu(inv, plan, seeds, seeded);
	mark_card_parts(inv, seeded, seeds);
	for (i = 0; i < inv->n; i++) {
		if (!seeded[i] || decided[i])
			continue;
		if (host_driver_seed(&seeds[i])) {
			plan_host_driver(inv, mods, plan, &seeds[i], i);
			continue;
		}
		plan_group(inv, mods, plan, seeds, seeded, i);
		for (j = i; j < inv->n; j++)
			if (vb_same_group(inv, i, j))
				decided[j] = true;
	}
	check_drivers(inv, mods, plan);
	warn_split_cards(inv, plan);
	drop_untouched_pfs(inv, plan);
	warn_unguarded(inv, bind, plan);
	if (inv->scoped) {	/* --device: the other rules are for others */
		for (i = 0; i < rules->n; i++)
			check_guard(inv, &rules->r[i], plan);
		keep_named_groups(inv, plan);
	} else {
		report_unmatched(inv, rules, plan);
	}
	free(bind);
	free(seeds);
	free(seeded);
	free(decided);
	return 0;
}

void vb_plan_free(struct vb_plan *plan)
{
	size_t i;

	for (i = 0; i < plan->nmsg; i++)
		free(plan->msg[i].text);
	free(plan->msg);
	free(plan->dev);
	free(plan->matches);
	free(plan->sriov);
	memset(plan, 0, sizeof(*plan));
}
