// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfiobind export: what the last full apply recorded and what sysfs shows
 * now, in the two formats fleets read on every node: a node_exporter
 * textfile (Prometheus text format) and a node-feature-discovery local
 * feature file (name=value lines that become Kubernetes node labels).
 *
 * Export only reads: it never changes a binding.  Each file is written
 * whole under a unique temporary name in its directory and renamed over
 * the old one, so a collector reads the old file or the new one, never a
 * part.  A directory that does not exist is a collector that is not
 * installed: not an error, unless the command line named it.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vfiobind.h"

#define RECORD_MAX (1024 * 1024)

static const struct export_target {
	const char *key;	/* config: export KEY=DIR */
	const char *option;	/* command line */
	const char *dir;	/* where its collector reads by default */
	const char *file;
} targets[] = {
	[EXPORT_PROMETHEUS] = { "prometheus", "--prometheus",
				"/var/lib/prometheus/node-exporter",
				"vfiobind.prom" },
	[EXPORT_NFD] = { "nfd", "--nfd",
			 "/etc/kubernetes/node-feature-discovery/features.d",
			 "vfiobind" },
};

int vb_export_setting(struct vb_ctx *ctx, struct vb_rules *rules,
		      const char *item, const struct vb_where *where)
{
	const char *eq = strchr(item, '=');
	size_t k, klen = eq ? (size_t)(eq - item) : 0;

	for (k = 0; k < ARRAY_SIZE(targets); k++)
		if (eq && strlen(targets[k].key) == klen &&
		    !strncmp(item, targets[k].key, klen))
			break;
	if (k == ARRAY_SIZE(targets)) {
		ctx->parse_errors++;
		vb_err(ctx, "%s:%u:%u: unknown export item '%s' (want prometheus=DIR or nfd=DIR)",
		       where->file, where->line, where->col, item);
		return -EINVAL;
	}
	if (eq[1] != '/') {
		ctx->parse_errors++;
		vb_err(ctx, "%s:%u:%zu: export %s: '%s' is not an absolute path",
		       where->file, where->line, where->col + klen + 1,
		       targets[k].key, eq + 1);
		return -EINVAL;
	}
	snprintf(rules->export_dir[k], sizeof(rules->export_dir[k]), "%s",
		 eq + 1);
	return 0;
}

/* What the last full apply recorded in state.json (output.c writes it). */
struct last_apply {
	bool have;		/* a record with the run's time and results */
	long exit_status, started, duration_ms;
	long failed_claims, failed_sriov, not_viable;
};

/* A top-level number of the record: its keys sit at two spaces, and a
 * string value never holds a raw newline, so nothing nested matches. */
static bool record_num(const char *text, const char *key, long *val)
{
	char needle[64], *end;
	const char *p;

	snprintf(needle, sizeof(needle), "\n  \"%s\": ", key);
	p = strstr(text, needle);
	if (!p)
		return false;
	*val = strtol(p + strlen(needle), &end, 10);
	return end != p + strlen(needle);
}

static void read_record(struct vb_ctx *ctx, struct last_apply *la)
{
	char path[PATH_MAX];
	size_t len;
	char *text;

	memset(la, 0, sizeof(*la));
	if (vb_path(ctx, path, sizeof(path), "/run/vfiobind/state.json") < 0)
		return;
	text = vb_slurp(path, &len);
	if (!text) {
		vb_dbg(ctx, "no record %s: no full apply since boot", path);
		return;
	}
	la->have = len < RECORD_MAX &&
		   record_num(text, "exit_status", &la->exit_status) &&
		   record_num(text, "started", &la->started) &&
		   record_num(text, "duration_ms", &la->duration_ms) &&
		   record_num(text, "failed_claims", &la->failed_claims) &&
		   record_num(text, "failed_sriov", &la->failed_sriov) &&
		   record_num(text, "not_viable_groups", &la->not_viable);
	if (!la->have)
		vb_warn(ctx, "%s: not a record of a full apply this version writes; last-apply metrics left out",
			path);
	free(text);
}

struct export {
	const struct vb_ctx *ctx;
	const struct vb_rules *rules;
	const struct vb_inventory *inv;
	const struct vb_plan *plan;
	struct last_apply last;
};

static bool as_planned(const struct export *ex, size_t i)
{
	return !strcmp(ex->inv->dev[i].driver, ex->plan->dev[i].driver);
}

/* A label value in the text format: backslash, quote and newline escaped. */
static void prom_value(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void prom_family(FILE *f, const char *name, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

static void prom_devices(FILE *f, const struct export *ex)
{
	const struct vb_inventory *inv = ex->inv;
	bool any = false;
	size_t i;

	for (i = 0; i < inv->n; i++) {
		const struct vb_device *d = &inv->dev[i];

		if (ex->plan->dev[i].claim != CLAIM_BIND)
			continue;
		if (!any)
			prom_family(f, "vfiobind_device_bound",
				    "1 when a device vfiobind's rules claim (or its IOMMU group brings) is bound to its planned driver, 0 when not.");
		any = true;
		fprintf(f, "vfiobind_device_bound{address=\"%s\",vendor=\"%04x\",device=\"%04x\",class=\"%06x\",iommu_group=\"%d\",planned_driver=\"",
			d->addr, d->vendor, d->device, d->class_code, d->group);
		prom_value(f, ex->plan->dev[i].driver);
		fputs("\",driver=\"", f);
		prom_value(f, d->driver);
		fprintf(f, "\"} %d\n", as_planned(ex, i));
	}
}

static void prom_sriov(FILE *f, const struct export *ex)
{
	const struct vb_plan *plan = ex->plan;
	size_t i;

	if (!plan->nsriov)
		return;
	prom_family(f, "vfiobind_sriov_vfs_wanted",
		    "SR-IOV VFs a rule wants on a physical function.");
	for (i = 0; i < plan->nsriov; i++)
		fprintf(f, "vfiobind_sriov_vfs_wanted{pf=\"%s\"} %u\n",
			ex->inv->dev[plan->sriov[i].pf].addr,
			plan->sriov[i].numvfs);
	prom_family(f, "vfiobind_sriov_vfs",
		    "SR-IOV VFs present on a physical function a rule configures.");
	for (i = 0; i < plan->nsriov; i++) {
		const struct vb_device *pf = &ex->inv->dev[plan->sriov[i].pf];

		fprintf(f, "vfiobind_sriov_vfs{pf=\"%s\"} %d\n", pf->addr,
			pf->numvfs < 0 ? 0 : pf->numvfs);
	}
}

static size_t refused_groups(const struct export *ex)
{
	size_t i, j, n = 0;

	for (i = 0; i < ex->inv->n; i++) {
		if (ex->plan->dev[i].claim != CLAIM_REFUSED)
			continue;
		for (j = 0; j < i; j++)
			if (ex->plan->dev[j].claim == CLAIM_REFUSED &&
			    vb_same_group(ex->inv, j, i))
				break;
		n += j == i;
	}
	return n;
}

static void prom_last_apply(FILE *f, const struct export *ex)
{
	const struct last_apply *la = &ex->last;

	if (!la->have)
		return;
	prom_family(f, "vfiobind_last_apply_failures",
		    "Failures of the last full apply: claims that did not hold, SR-IOV PFs not set up, groups given to vfio that vfio cannot open.");
	fprintf(f, "vfiobind_last_apply_failures{kind=\"claim\"} %ld\n",
		la->failed_claims);
	fprintf(f, "vfiobind_last_apply_failures{kind=\"sriov\"} %ld\n",
		la->failed_sriov);
	fprintf(f, "vfiobind_last_apply_failures{kind=\"not_viable\"} %ld\n",
		la->not_viable);
	prom_family(f, "vfiobind_last_apply_exit_status",
		    "Exit status of the last full apply: 0 done as planned, 1 a rule not satisfied or a binding not verified, 2 input that did not parse.");
	fprintf(f, "vfiobind_last_apply_exit_status %ld\n", la->exit_status);
	prom_family(f, "vfiobind_last_apply_timestamp_seconds",
		    "When the last full apply began, in seconds since the epoch.");
	fprintf(f, "vfiobind_last_apply_timestamp_seconds %ld\n", la->started);
	prom_family(f, "vfiobind_last_apply_duration_seconds",
		    "How long the last full apply took.");
	fprintf(f, "vfiobind_last_apply_duration_seconds %ld.%03ld\n",
		la->duration_ms / 1000, la->duration_ms % 1000);
}

static void fill_prometheus(FILE *f, const void *arg)
{
	const struct export *ex = arg;

	prom_family(f, "vfiobind_build_info",
		    "The vfiobind version that wrote this file.");
	fprintf(f, "vfiobind_build_info{version=\"%s\"} 1\n", VFIOBIND_VERSION);
	prom_devices(f, ex);
	prom_family(f, "vfiobind_refused_groups",
		    "IOMMU groups a rule selects that vfiobind refuses to claim (boot display, storage or devices the rule did not name).");
	fprintf(f, "vfiobind_refused_groups %zu\n", refused_groups(ex));
	prom_family(f, "vfiobind_rule_errors",
		    "Rule items that do not parse and rules that cannot be satisfied, in the rules as they are now.");
	fprintf(f, "vfiobind_rule_errors %d\n",
		ex->ctx->parse_errors + ex->plan->errors);
	prom_sriov(f, ex);
	prom_last_apply(f, ex);
}

/*
 * Label names are "vfiobind-..." and values are numbers or true/false:
 * within Kubernetes' label syntax by construction (at most 63 characters
 * of [A-Za-z0-9_.-], alphanumeric at both ends).  NFD prefixes names
 * without a namespace with feature.node.kubernetes.io/.
 */
static void fill_nfd(FILE *f, const void *arg)
{
	const struct export *ex = arg;
	const struct vb_inventory *inv = ex->inv;
	const struct vb_plan *plan = ex->plan;
	size_t i, j, held = 0, claimed = 0, n;

	for (i = 0; i < inv->n; i++) {
		if (plan->dev[i].claim != CLAIM_BIND)
			continue;
		claimed++;
		held += as_planned(ex, i);
	}
	fputs("# vfiobind export: devices held for virtual machines\n", f);
	fprintf(f, "vfiobind-devices=%zu\n", held);
	fprintf(f, "vfiobind-as-planned=%s\n",
		held == claimed ? "true" : "false");
	for (i = 0; i < inv->n; i++) {
		const struct vb_device *d = &inv->dev[i];

		if (plan->dev[i].claim != CLAIM_BIND || !as_planned(ex, i))
			continue;
		for (j = 0, n = 0; j < inv->n; j++) {
			if (plan->dev[j].claim != CLAIM_BIND ||
			    !as_planned(ex, j) || inv->dev[j].vendor != d->vendor ||
			    inv->dev[j].device != d->device)
				continue;
			if (j < i)
				break;	/* counted at its first device */
			n++;
		}
		if (n)
			fprintf(f, "vfiobind-%04x-%04x=%zu\n", d->vendor,
				d->device, n);
	}
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/*
 * Where each file goes: the command line's directory (a host path, like
 * --config), else the config file's, else the collector's default; the
 * last two are taken under --root.  With any directory on the command
 * line, only those are written.
 */
int vb_export(struct vb_ctx *ctx, const struct vb_rules *rules,
	      const struct vb_inventory *inv, const struct vb_plan *plan)
{
	static void (*const fill[])(FILE *f, const void *arg) = {
		[EXPORT_PROMETHEUS] = fill_prometheus,
		[EXPORT_NFD] = fill_nfd,
	};
	struct export ex = { ctx, rules, inv, plan, { 0 } };
	bool named = ctx->export_dir[0] || ctx->export_dir[1];
	char dir[PATH_MAX];
	int status = VB_EXIT_OK, r;
	size_t k;

	read_record(ctx, &ex.last);
	for (k = 0; k < ARRAY_SIZE(targets); k++) {
		if (named && !ctx->export_dir[k])
			continue;
		if (named)
			snprintf(dir, sizeof(dir), "%s", ctx->export_dir[k]);
		else if (vb_path(ctx, dir, sizeof(dir), "%s",
				 rules->export_dir[k][0] ? rules->export_dir[k] :
				 targets[k].dir) < 0)
			continue;
		if (!is_dir(dir)) {
			if (named) {
				vb_err(ctx, "%s %s: not a directory", targets[k].option,
				       dir);
				status = VB_EXIT_FAILED;
			} else {
				vb_dbg(ctx, "%s: no such directory, no %s export",
				       dir, targets[k].key);
			}
			continue;
		}
		r = vb_file_replace(dir, targets[k].file, fill[k], &ex);
		if (r < 0) {
			vb_err(ctx, "cannot write %s/%s: %s", dir,
			       targets[k].file, strerror(-r));
			status = VB_EXIT_FAILED;
		} else {
			vb_dbg(ctx, "wrote %s/%s", dir, targets[k].file);
		}
	}
	return status;
}
