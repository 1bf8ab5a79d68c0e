// SPDX-License-Identifier: GPL-2.0-or-later
/* What the program prints: plan, status (text or JSON) and the record. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vfiobind.h"

static void json_sep(struct vb_json *j, const char *key)
{
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = false;
	fputc('\n', j->f);
	fprintf(j->f, "%*s", 2 * j->depth, "");
	if (key)
		fprintf(j->f, "\"%s\": ", key);
}

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void vb_json_begin(struct vb_json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->first[0] = true;
}

void vb_json_open(struct vb_json *j, const char *key, char bracket)
{
	if (j->depth > 0 || !j->first[0])
		json_sep(j, key);
	else
		j->first[0] = false;
	fputc(bracket, j->f);
	if (j->depth + 1 < (int)(sizeof(j->first) / sizeof(j->first[0])))
		j->depth++;
	j->first[j->depth] = true;
}

void vb_json_close(struct vb_json *j, char bracket)
{
	bool empty = j->first[j->depth];

	j->depth--;
	if (!empty)
		fprintf(j->f, "\n%*s", 2 * j->depth, "");
	fputc(bracket, j->f);
	if (j->depth == 0)
		fputc('\n', j->f);
}

void vb_json_str(struct vb_json *j, const char *key, const char *val)
{
	json_sep(j, key);
	if (val)
		json_string(j->f, val);
	else
		fputs("null", j->f);
}

void vb_json_int(struct vb_json *j, const char *key, long val)
{
	json_sep(j, key);
	fprintf(j->f, "%ld", val);
}

void vb_json_bool(struct vb_json *j, const char *key, bool val)
{
	json_sep(j, key);
	fputs(val ? "true" : "false", j->f);
}

static void rule_label(const struct vb_rule *r, char *buf, size_t len)
{
	if (r)
		snprintf(buf, len, "%s %s", r->origin, r->text);
	else
		snprintf(buf, len, "-");
}

static const char *vf_label(const struct vb_rule *r)
{
	return r->target == TGT_HOST ? "host" :
	       r->target == TGT_VFIO ? "vfio" : r->driver;
}

static void json_device_ids(struct vb_json *j, const struct vb_device *d)
{
	char buf[16];

	vb_json_str(j, "address", d->addr);
	snprintf(buf, sizeof(buf), "%04x", d->vendor);
	vb_json_str(j, "vendor", buf);
	snprintf(buf, sizeof(buf), "%04x", d->device);
	vb_json_str(j, "device", buf);
	snprintf(buf, sizeof(buf), "%06x", d->class_code);
	vb_json_str(j, "class", buf);
	vb_json_int(j, "iommu_group", d->group);
}

static void json_messages(struct vb_json *j, const struct vb_ctx *ctx,
			  const char *key, enum vb_level level)
{
	size_t i;

	vb_json_open(j, key, '[');
	for (i = 0; i < ctx->nmsg; i++)
		if (ctx->msg[i].level == level)
			vb_json_str(j, NULL, ctx->msg[i].text);
	vb_json_close(j, ']');
}

/* When the apply began, how long it took and what failed: what export
 * turns into the last-apply metrics. */
static void record_run(struct vb_json *j, const struct vb_ctx *ctx)
{
	const struct vb_results *res = ctx->res;

	vb_json_int(j, "started", (long)ctx->started.tv_sec);
	vb_json_int(j, "duration_ms", vb_now_ms() - ctx->started_ms);
	vb_json_int(j, "failed_claims", (long)res->failed);
	vb_json_int(j, "failed_sriov", (long)res->sriov_failed);
	vb_json_int(j, "not_viable_groups", (long)res->not_viable);
}

static void plan_json(const struct vb_ctx *ctx,
		      const struct vb_inventory *inv,
		      const struct vb_plan *plan, FILE *f, int status)
{
	struct vb_json j;
	char label[VB_ORIGIN_MAX + VB_ITEM_MAX + 2];
	size_t i;

	vb_json_begin(&j, f);
	vb_json_open(&j, NULL, '{');
	/* The document's name and version in doc/vfiobind.schema.json. */
	vb_json_str(&j, "schema", status >= 0 ? "vfiobind-state/1" :
						 "vfiobind-plan/1");
	if (status >= 0)
		vb_json_int(&j, "exit_status", status);
	if (status >= 0 && ctx->res)
		record_run(&j, ctx);
	vb_json_bool(&j, "off", plan->off);
	vb_json_bool(&j, "iommu", !plan->no_iommu);
	vb_json_open(&j, "devices", '[');
	for (i = 0; i < plan->ndev; i++) {
		const struct vb_dev_plan *dp = &plan->dev[i];
		const struct vb_device *d = &inv->dev[i];

		if (dp->claim != CLAIM_BIND)
			continue;
		vb_json_open(&j, NULL, '{');
		json_device_ids(&j, d);
		vb_json_str(&j, "driver", dp->driver);
		vb_json_str(&j, "module", dp->module);
		vb_json_str(&j, "current_driver", d->driver);
		vb_json_bool(&j, "companion", dp->companion);
		vb_json_bool(&j, "done", dp->done);
		rule_label(dp->rule, label, sizeof(label));
		vb_json_str(&j, "rule", label);
		vb_json_close(&j, '}');
	}
	vb_json_close(&j, ']');
	vb_json_open(&j, "refused", '[');
	for (i = 0; i < plan->ndev; i++) {
		if (plan->dev[i].claim != CLAIM_REFUSED)
			continue;
		vb_json_open(&j, NULL, '{');
		json_device_ids(&j, &inv->dev[i]);
		rule_label(plan->dev[i].rule, label, sizeof(label));
		vb_json_str(&j, "rule", label);
		vb_json_close(&j, '}');
	}
	vb_json_close(&j, ']');
	vb_json_open(&j, "sriov", '[');
	for (i = 0; i < plan->nsriov; i++) {
		const struct vb_sriov_plan *s = &plan->sriov[i];
		const struct vb_device *pf = &inv->dev[s->pf];

		vb_json_open(&j, NULL, '{');
		vb_json_str(&j, "pf", pf->addr);
		vb_json_int(&j, "numvfs", s->numvfs);
		vb_json_int(&j, "current_numvfs", pf->numvfs);
		vb_json_int(&j, "totalvfs", pf->totalvfs);
		vb_json_str(&j, "pf_mode", vb_pf_mode_name(s->pf_mode));
		vb_json_str(&j, "pf_driver", pf->driver);
		vb_json_str(&j, "vfs", vf_label(s->rule));
		vb_json_bool(&j, "change", s->change);
		rule_label(s->rule, label, sizeof(label));
		vb_json_str(&j, "rule", label);
		vb_json_close(&j, '}');
	}
	vb_json_close(&j, ']');
	json_messages(&j, ctx, "errors", VB_ERR);
	json_messages(&j, ctx, "warnings", VB_WARNING);
	vb_json_close(&j, '}');
}

void vb_plan_print(const struct vb_ctx *ctx, const struct vb_inventory *inv,
		   const struct vb_plan *plan, FILE *f, bool json)
{
	char label[VB_ORIGIN_MAX + VB_ITEM_MAX + 2];
	size_t i, n = 0;

	if (json) {
		plan_json(ctx, inv, plan, f, -1);
		return;
	}
	if (plan->off)
		fprintf(f, "disabled: nothing is claimed\n");
	for (i = 0; i < plan->nsriov; i++) {
		const struct vb_sriov_plan *s = &plan->sriov[i];
		const struct vb_device *pf = &inv->dev[s->pf];

		rule_label(s->rule, label, sizeof(label));
		fprintf(f, "sriov   %s  VFs %d -> %u%s, PF driver %s, VFs to %s  [%s]\n",
			pf->addr, pf->numvfs, s->numvfs,
			s->change ? "" : " (as is)", vb_pf_mode_name(s->pf_mode),
			vf_label(s->rule), label);
		n++;
	}
	for (i = 0; i < plan->ndev; i++) {
		const struct vb_dev_plan *dp = &plan->dev[i];
		const struct vb_device *d = &inv->dev[i];

		if (dp->claim == CLAIM_NONE)
			continue;
		rule_label(dp->rule, label, sizeof(label));
		if (dp->claim == CLAIM_REFUSED)
			fprintf(f, "refuse  %s  %04x:%04x  group %d left untouched  [%s]\n",
				d->addr, d->vendor, d->device, d->group, label);
		else
			fprintf(f, "claim   %s  %04x:%04x  -> %s (module %s)%s%s%s  [%s]\n",
				d->addr, d->vendor, d->device, dp->driver,
				dp->module,
				dp->card_part ? ", a function of the card" :
				dp->companion ? ", group companion" : "",
				dp->done ? ", already bound" : "",
				d->driver[0] && !dp->done &&
				strcmp(d->driver, dp->driver) ?
				", unbinds the current driver" : "",
				label);
		n++;
	}
	if (!n && !plan->off)
		fprintf(f, "nothing to do\n");
}

static bool group_viable(const struct vb_inventory *inv, int group)
{
	size_t i;

	for (i = 0; i < inv->n; i++)
		if (inv->dev[i].group == group &&
		    !vb_driver_managed_dma(inv->dev[i].driver))
			return false;
	return true;
}

/* What names the device across bus renumbering, as selectors spell it. */
static void json_identity(struct vb_json *j, const struct vb_device *d)
{
	struct vb_selector sel = { .kind = SEL_SERIAL, .serial = d->serial };
	char buf[VB_ITEM_MAX];

	if (vb_device_path(d, buf, sizeof(buf)) == 0)
		vb_json_str(j, "path", buf);
	if (d->slot_name[0])
		vb_json_str(j, "slot", d->slot_name);
	if (d->has_serial && vb_selector_format(&sel, buf, sizeof(buf)) > 0)
		vb_json_str(j, "serial", buf);
}

/* Each rule and the devices it selects now: what a stale address or a
 * guard that no longer holds looks like before a boot finds out. */
static void status_rules(const struct vb_inventory *inv,
			 const struct vb_rules *rules, FILE *f,
			 struct vb_json *j)
{
	size_t i, k, n;

	if (j)
		vb_json_open(j, "rules", '[');
	else if (rules->n)
		fprintf(f, "rules:\n");
	for (i = 0; i < rules->n; i++) {
		const struct vb_rule *r = &rules->r[i];

		if (j) {
			vb_json_open(j, NULL, '{');
			vb_json_str(j, "origin", r->origin);
			vb_json_str(j, "kind", r->kind == RULE_SRIOV ? "sriov" :
						"bind");
			vb_json_str(j, "item", r->text);
			vb_json_open(j, "selects", '[');
		} else {
			fprintf(f, "  %s %s  [%s] selects", r->kind == RULE_SRIOV ?
				"sriov" : "bind", r->text, r->origin);
		}
		for (k = 0, n = 0; k < inv->n; k++) {
			if (!vb_selector_match(&r->sel, &inv->dev[k]))
				continue;
			if (j)
				vb_json_str(j, NULL, inv->dev[k].addr);
			else
				fprintf(f, " %s", inv->dev[k].addr);
			n++;
		}
		if (j) {
			vb_json_close(j, ']');
			vb_json_close(j, '}');
		} else {
			fprintf(f, "%s\n", n ? "" : " nothing");
		}
	}
	if (j)
		vb_json_close(j, ']');
}

static void status_device(const struct vb_inventory *inv,
			  const struct vb_plan *plan, size_t i, FILE *f,
			  struct vb_json *j)
{
	const struct vb_device *d = &inv->dev[i];
	const struct vb_dev_plan *dp = &plan->dev[i];
	char label[VB_ORIGIN_MAX + VB_ITEM_MAX + 16] = "-";

	if (dp->claim == CLAIM_BIND || dp->claim == CLAIM_REFUSED) {
		rule_label(dp->rule, label, sizeof(label));
		if (dp->claim == CLAIM_REFUSED)
			strncat(label, " (refused)",
				sizeof(label) - strlen(label) - 1);
	}
	if (j) {
		vb_json_open(j, NULL, '{');
		json_device_ids(j, d);
		vb_json_str(j, "driver", d->driver);
		vb_json_str(j, "driver_override", d->override);
		vb_json_bool(j, "bridge", d->bridge);
		if (d->boot_vga >= 0)
			vb_json_bool(j, "boot_vga", d->boot_vga == 1);
		if (d->boot_display)
			vb_json_bool(j, "boot_display", true);
		if (d->totalvfs >= 0) {
			vb_json_int(j, "sriov_numvfs", d->numvfs);
			vb_json_int(j, "sriov_totalvfs", d->totalvfs);
		}
		if (d->is_vf)
			vb_json_str(j, "physfn", d->physfn);
		json_identity(j, d);
		vb_json_str(j, "claimed_by", dp->claim == CLAIM_NONE ? NULL :
					     label);
		if (inv->name && inv->name[i])
			vb_json_str(j, "name", inv->name[i]);
		vb_json_close(j, '}');
		return;
	}
	fprintf(f, "  %s  %04x:%04x  class %06x  driver %-12s override %-12s%s%s  rule %s\n",
		d->addr, d->vendor, d->device, d->class_code,
		d->driver[0] ? d->driver : "-",
		d->override[0] ? d->override : "-",
		d->bridge ? "  bridge" : "",
		d->boot_vga == 1 ? "  boot-vga" :
		d->boot_display ? "  boot-display" : "", label);
	if (inv->name && inv->name[i])
		fprintf(f, "                %s\n", inv->name[i]);
}

void vb_status_print(const struct vb_inventory *inv,
		     const struct vb_rules *rules,
		     const struct vb_plan *plan, FILE *f, bool json)
{
	struct vb_json j, *jp = json ? &j : NULL;
	int g, maxg = -1;
	size_t i;
	bool any;

	for (i = 0; i < inv->n; i++)
		if (inv->dev[i].group > maxg)
			maxg = inv->dev[i].group;
	if (jp) {
		vb_json_begin(jp, f);
		vb_json_open(jp, NULL, '{');
		vb_json_str(jp, "schema", "vfiobind-status/1");
		vb_json_bool(jp, "iommu", inv->ngroups > 0);
		vb_json_open(jp, "groups", '[');
	} else if (inv->ngroups == 0) {
		fprintf(f, "no IOMMU groups: the IOMMU is off or missing\n");
	}
	for (g = 0; g <= maxg; g++) {
		any = false;
		for (i = 0; i < inv->n && !any; i++)
			any = inv->dev[i].group == g;
		if (!any)
			continue;
		if (jp) {
			vb_json_open(jp, NULL, '{');
			vb_json_int(jp, "group", g);
			vb_json_bool(jp, "viable", group_viable(inv, g));
			vb_json_open(jp, "devices", '[');
		} else {
			fprintf(f, "IOMMU group %d: %s\n", g,
				group_viable(inv, g) ? "usable by vfio" :
				"not usable by vfio (a host driver holds a member)");
		}
		for (i = 0; i < inv->n; i++)
			if (inv->dev[i].group == g)
				status_device(inv, plan, i, f, jp);
		if (jp) {
			vb_json_close(jp, ']');
			vb_json_close(jp, '}');
		}
	}
	if (jp) {
		vb_json_close(jp, ']');
		vb_json_open(jp, "ungrouped", '[');
	}
	any = false;
	for (i = 0; i < inv->n; i++) {
		if (inv->dev[i].group >= 0)
			continue;
		if (!jp && !any)
			fprintf(f, "no IOMMU group:\n");
		any = true;
		status_device(inv, plan, i, f, jp);
	}
	if (jp)
		vb_json_close(jp, ']');
	status_rules(inv, rules, f, jp);
	if (jp)
		vb_json_close(jp, '}');
}

/*
 * DIR/NAME replaced whole: written to a temporary of its own in DIR, then
 * renamed over it, so a reader sees the old file or the new, never half.
 * mkostemp creates the temporary with O_EXCL under a name no other run
 * has, so two runs at once (udev's per-device runs, one that outlived its
 * --timeout and the late unit) never write into one file.  The dot name
 * is read by no collector (node_exporter reads *.prom, NFD skips hidden
 * files), and 0644 lets one that runs as its own user read the result.
 * Returns 0 or -errno.
 */
int vb_file_replace(const char *dir, const char *name,
		    void (*fill)(FILE *f, const void *arg), const void *arg)
{
	char tmp[PATH_MAX], path[PATH_MAX];
	FILE *f = NULL;
	int fd, r;

	if (snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, name) >= (int)sizeof(tmp) ||
	    snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, 0644) < 0 || !(f = fdopen(fd, "w"))) {
		r = -errno;
		close(fd);
		unlink(tmp);
		return r;
	}
	fill(f, arg);
	r = ferror(f) ? -EIO : 0;
	if (fclose(f) != 0 && !r)
		r = -errno;
	if (!r && rename(tmp, path) < 0)
		r = -errno;
	if (r)
		unlink(tmp);
	return r;
}

/* /run/vfiobind/NAME, the directory made if it is not there yet. */
int vb_record_file(struct vb_ctx *ctx, const char *name,
		   void (*fill)(FILE *f, const void *arg), const void *arg)
{
	char dir[PATH_MAX];
	int r = 0;

	if (vb_path(ctx, dir, sizeof(dir), "/run/vfiobind") < 0)
		return -ENAMETOOLONG;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		r = -errno;
	if (!r)
		r = vb_file_replace(dir, name, fill, arg);
	if (r)
		vb_warn(ctx, "cannot write the record %s/%s: %s", dir, name,
			strerror(-r));
	return r;
}

struct plan_record {
	const struct vb_ctx *ctx;
	const struct vb_inventory *inv;
	const struct vb_plan *plan;
	int status;
};

static void fill_plan_record(FILE *f, const void *arg)
{
	const struct plan_record *pr = arg;

	plan_json(pr->ctx, pr->inv, pr->plan, f, pr->status);
}

static void fill_rules_marker(FILE *f, const void *arg)
{
	fprintf(f, "%zu\n", *(const size_t *)arg);
}

/*
 * /run/vfiobind/rules: the udev rule starts apply --device only when it
 * exists (TEST==), so a host without rules runs no process per device.
 * Full runs own it: the initramfs's makes it for the real root too (/run
 * carries over), the late unit's or a manual apply's after a config edit
 * makes or removes it.  It holds the number of rules.
 */
int vb_rules_marker(struct vb_ctx *ctx, const struct vb_rules *rules)
{
	size_t n = rules->off ? 0 : rules->n;
	char path[PATH_MAX];

	if (n)
		return vb_record_file(ctx, "rules", fill_rules_marker, &n);
	if (vb_path(ctx, path, sizeof(path), "/run/vfiobind/rules") < 0)
		return -ENAMETOOLONG;
	if (unlink(path) < 0 && errno != ENOENT) {
		vb_warn(ctx, "cannot remove %s: %s", path, strerror(errno));
		return -errno;
	}
	return 0;
}

/*
 * A full apply owns state.json.  An apply --device (udev, on hotplug)
 * writes device-ADDR.json for the first device it names instead: the
 * whole machine's record is not cut down to one group, and release
 * still finds the claims made after boot.
 */
int vb_record_write(struct vb_ctx *ctx, const struct vb_inventory *inv,
		    const struct vb_plan *plan, int status)
{
	struct plan_record pr = { ctx, inv, plan, status };
	char name[VB_ADDR_LEN + 16];
	size_t i;

	if (!ctx->nscope)
		return vb_record_file(ctx, "state.json", fill_plan_record, &pr);
	for (i = 0; i < inv->n && !inv->dev[i].named; i++)
		;
	if (i == inv->n)
		return 0;
	snprintf(name, sizeof(name), "device-%s.json", inv->dev[i].addr);
	return vb_record_file(ctx, name, fill_plan_record, &pr);
}
