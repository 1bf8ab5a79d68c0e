// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One apply run, the only place that plans again: claim what the plan
 * claims, set SR-IOV up, and when that made or removed VFs, read the
 * devices again and plan them like any other, then probe and verify.
 * The exit status comes from what the run found, never from the log.
 */
#include <string.h>

#include "vfiobind.h"

/* The kernel has added the new VFs before the sriov_numvfs write
 * returned: read them and plan them like any other device. */
static int replan(struct vb_ctx *ctx, struct vb_inventory *inv,
		  const struct vb_rules *rules, const struct vb_modules *mods,
		  struct vb_plan *plan)
{
	int r;

	vb_inventory_free(inv);
	vb_plan_free(plan);
	r = vb_inventory_read(ctx, inv, rules);
	if (r < 0)
		return r;
	r = vb_plan_build(inv, rules, mods, plan);
	if (r < 0)
		return r;
	ctx->replan = true;	/* say only what the first plan did not */
	vb_plan_log(ctx, plan);
	ctx->replan = false;
	return 0;
}

/* Bound on waiting for the functions of a slot still being added. */
#define SETTLE_MS 2000

/* A member listed in the IOMMU group of a device a bind rule selects,
 * named like a PCI device but not readable as one yet: a function of a
 * slot the kernel is still adding (hotplug, remove + rescan). */
static const struct vb_stray *pending_member(const struct vb_inventory *inv,
					     const struct vb_rules *rules)
{
	const struct vb_rule *r;
	struct vb_selector sel;
	size_t i, j;

	for (i = 0; i < inv->nstray; i++) {
		if (vb_parse_addr(inv->stray[i].name, &sel) < 0)
			continue;
		for (j = 0; j < inv->n; j++)
			if (inv->dev[j].group == inv->stray[i].group &&
			    (r = vb_rule_for(rules, RULE_BIND, &inv->dev[j])) &&
			    r->target != TGT_HOST)
				return &inv->stray[i];
	}
	return NULL;
}

/*
 * apply --device runs while a slot's functions are still being added:
 * a group with such a member would be refused for it.  Wait, bounded,
 * reading the inventory again until every member is readable; past the
 * bound the plan refuses the group as before.
 */
int vb_run_settle(struct vb_ctx *ctx, struct vb_inventory *inv,
		  const struct vb_rules *rules)
{
	const struct vb_stray *st;
	long end = vb_now_ms() + SETTLE_MS;
	int r;

	if (!ctx->nscope || !(st = pending_member(inv, rules)))
		return 0;
	vb_info(ctx, "IOMMU group %d: waiting for %s to become a readable PCI device",
		st->group, st->name);
	do {
		vb_sleep_ms(20);
		vb_inventory_free(inv);
		r = vb_inventory_read(ctx, inv, rules);
		if (r < 0)
			return r;
	} while (pending_member(inv, rules) && vb_now_ms() < end);
	return 0;
}

/* A member of the group holds a claim an earlier run made. */
static bool group_has_claim(const struct vb_inventory *inv, size_t first)
{
	size_t j;

	for (j = first; j < inv->n; j++)
		if (vb_same_group(inv, first, j) && inv->dev[j].override[0] &&
		    vb_driver_managed_dma(inv->dev[j].override))
			return true;
	return false;
}

/*
 * apply --device on a group that filled in over time: the run for an
 * early function claimed what it saw, and a member that came later (an
 * unselected storage or USB function) makes the plan refuse the group.
 * The refusal means the group stays with the host, whole: the claims the
 * earlier runs made in it are given back (release does it, holders
 * respected) and the log says why.  A group with a member not yet
 * readable is left to that member's run.
 */
static void give_back_refused(struct vb_ctx *ctx, struct vb_inventory *inv,
			      const struct vb_plan *plan)
{
	struct vb_selector sel;
	size_t i, j;

	if (!ctx->nscope)
		return;
	for (i = 0; i < inv->n; i++) {
		const struct vb_device *d = &inv->dev[i];

		for (j = 0; j < i && !vb_same_group(inv, i, j); j++)
			;
		if (j < i || plan->dev[i].claim != CLAIM_REFUSED ||
		    d->group < 0 || vb_group_stray(inv, d->group) ||
		    !group_has_claim(inv, i) ||
		    vb_parse_addr(d->addr, &sel) < 0)
			continue;
		vb_warn(ctx, "IOMMU group %d: refused now that all its members are here: giving back the claims earlier runs made in it",
			d->group);
		vb_release(ctx, inv, &sel, 1, false, false);
	}
}

int vb_run_apply(struct vb_ctx *ctx, struct vb_inventory *inv,
		 const struct vb_rules *rules, const struct vb_modules *mods,
		 struct vb_plan *plan, struct vb_results *res)
{
	struct vb_apply ap = { 0 };
	int r;

	memset(res, 0, sizeof(*res));
	res->plan_errors = plan->errors > 0;
	if (plan->off)
		return 0;
	give_back_refused(ctx, inv, plan);
	r = vb_apply_claims(ctx, &ap, inv, mods, plan, true);
	if (r == 0 && vb_apply_sriov(ctx, &ap, inv, plan)) {
		r = replan(ctx, inv, rules, mods, plan);
		ap.res.plan_errors |= r == 0 && plan->errors > 0;
		if (r == 0)
			r = vb_apply_claims(ctx, &ap, inv, mods, plan, false);
	}
	if (r == 0)
		r = vb_apply_probe(ctx, &ap, inv, plan);
	vb_apply_end(ctx, &ap);
	ap.res.plan_errors |= res->plan_errors;
	*res = ap.res;
	return r;
}

int vb_exit_status(const struct vb_ctx *ctx, const struct vb_plan *plan,
		   const struct vb_results *res)
{
	if (ctx->parse_errors)
		return VB_EXIT_USAGE;
	if (plan->errors > 0)
		return VB_EXIT_FAILED;
	if (res && (res->plan_errors || res->failed || res->sriov_failed ||
		    res->not_viable))
		return VB_EXIT_FAILED;
	return VB_EXIT_OK;
}
