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
