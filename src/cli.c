// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The command: parse options, read the config and the kernel command
 * line, take the inventory, plan, and then print or apply.  It reads like
 * the boot step it implements; the work is in the other files.
 */
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vfiobind.h"

#ifndef VFIOBIND_VERSION
#define VFIOBIND_VERSION "0.1"
#endif

#define CMDLINE_MAX (64 * 1024)

static const char usage_text[] =
"Usage: vfiobind [OPTIONS] apply|plan|status\n"
"\n"
"Keep PCI devices meant for virtual machines away from host drivers: bind\n"
"whole IOMMU groups to vfio (or pci-stub) and set SR-IOV VF counts, from\n"
"rules on the kernel command line (vfio.bind=, rd.vfio.bind=, vfio.sriov=)\n"
"and in /etc/vfiobind.conf and /etc/vfiobind.d/*.conf.\n"
"\n"
"Commands:\n"
"  apply     compute the plan and carry it out, then verify every binding;\n"
"            logs to the kernel log and records to /run/vfiobind/state.json\n"
"  plan      print what apply would do; change nothing\n"
"  status    every IOMMU group with its devices, their drivers and overrides,\n"
"            which rule claims them, and whether the group is usable by vfio\n"
"\n"
"Options:\n"
"  -r, --root DIR        take every path (/sys, /proc/cmdline, /etc, /lib/modules,\n"
"                        /run, /dev/kmsg) under DIR\n"
"      --cmdline STRING  use STRING instead of /proc/cmdline\n"
"  -c, --config PATH     read only PATH instead of /etc/vfiobind.conf and\n"
"                        /etc/vfiobind.d/*.conf (PATH is not under --root)\n"
"  -k, --kver VERSION    kernel version for /lib/modules (default: uname -r)\n"
"      --modprobe PATH   module loader to execute (default: modprobe in /sbin,\n"
"                        /usr/sbin, /bin or /usr/bin); apply --root needs it\n"
"  -w, --wait MS         wait at most MS milliseconds for drivers to bind\n"
"                        (default 3000; some drivers probe asynchronously)\n"
"  -j, --json            plan and status as JSON\n"
"  -v, --verbose         also log every sysfs write and module load\n"
"  -q, --quiet           log warnings and errors only\n"
"      --stderr          log to stderr too (the default when it is a terminal)\n"
"  -h, --help            show this help\n"
"  -V, --version         show the version\n"
"\n"
"Exit status: 0 everything planned was done (or would be); 1 a rule could\n"
"not be satisfied or a binding failed verification; 2 bad usage, or input\n"
"that did not parse (the valid rest is still planned and applied).\n"
"\n"
"vfio.bind=off on the kernel command line disables every rule.\n"
"See kernel-cmdline.md for the rule grammar.\n";

enum { OPT_CMDLINE = 256, OPT_MODPROBE, OPT_STDERR };

static const struct option options[] = {
	{ "root", required_argument, NULL, 'r' },
	{ "cmdline", required_argument, NULL, OPT_CMDLINE },
	{ "config", required_argument, NULL, 'c' },
	{ "kver", required_argument, NULL, 'k' },
	{ "modprobe", required_argument, NULL, OPT_MODPROBE },
	{ "wait", required_argument, NULL, 'w' },
	{ "json", no_argument, NULL, 'j' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "stderr", no_argument, NULL, OPT_STDERR },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ 0 }
};

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "vfiobind: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'vfiobind --help'.\n");
	return VB_EXIT_USAGE;
}

static int read_rules(struct vb_ctx *ctx, struct vb_rules *rules)
{
	char *buf;
	int r;

	vb_config_load(ctx, rules);
	if (ctx->cmdline)
		return vb_cmdline_rules(ctx, ctx->cmdline, rules);
	buf = malloc(CMDLINE_MAX);
	if (!buf)
		return -1;
	r = vb_read_attr(ctx, "/proc/cmdline", buf, CMDLINE_MAX);
	if (r < 0)
		vb_warn(ctx, "cannot read %s/proc/cmdline: %s", ctx->root,
			strerror(-r));
	else
		r = vb_cmdline_rules(ctx, buf, rules);
	free(buf);
	return r;
}

static void summary(struct vb_ctx *ctx, const struct vb_plan *plan,
		    const struct vb_results *res)
{
	size_t i, claimed = 0, refused = 0;
	size_t failed = res->failed + res->sriov_failed + res->not_viable;

	if (plan->off)
		return;
	for (i = 0; i < plan->ndev; i++) {
		refused += plan->dev[i].claim == CLAIM_REFUSED;
		claimed += plan->dev[i].claim == CLAIM_BIND;
	}
	vb_log(ctx, failed || res->plan_errors ? VB_WARNING : VB_NOTICE,
	       "%zu device%s claimed, %zu bound as planned, %zu refused, %zu SR-IOV PF%s, %zu failure%s",
	       claimed, claimed == 1 ? "" : "s", res->bound + res->already,
	       refused, plan->nsriov, plan->nsriov == 1 ? "" : "s", failed,
	       failed == 1 ? "" : "s");
}

static int run(struct vb_ctx *ctx, const char *cmd, bool json)
{
	struct vb_rules rules = { 0 };
	struct vb_inventory inv = { 0 };
	struct vb_modules mods = { 0 };
	struct vb_plan plan = { 0 };
	struct vb_results res;
	bool apply = !strcmp(cmd, "apply");
	int status;

	read_rules(ctx, &rules);
	if (vb_inventory_read(ctx, &inv) < 0) {
		vb_rules_free(&rules);
		return VB_EXIT_FAILED;
	}
	/* The module index is megabytes: read it only when a rule needs it. */
	if (rules.n && !rules.off)
		vb_modules_load(ctx, &mods);
	vb_plan_build(&inv, &rules, &mods, &plan);
	vb_plan_log(ctx, &plan);
	if (apply) {
		vb_run_apply(ctx, &inv, &rules, &mods, &plan, &res);
		summary(ctx, &plan, &res);
	} else if (!strcmp(cmd, "plan")) {
		vb_plan_print(ctx, &inv, &plan, stdout, json);
	} else {
		vb_status_print(&inv, &plan, stdout, json);
	}
	status = vb_exit_status(ctx, &plan, apply ? &res : NULL);
	if (apply)
		vb_record_write(ctx, &inv, &plan, status);
	vb_plan_free(&plan);
	vb_modules_free(&mods);
	vb_inventory_free(&inv);
	vb_rules_free(&rules);
	return status;
}

int vfiobind_main(int argc, char **argv)
{
	struct vb_ctx ctx = {
		.root = "",
		.verbosity = VB_INFO,
		.probe_wait_ms = 3000,
	};
	bool json = false, force_stderr = false;
	char *end;
	unsigned long v;
	int c, status;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":r:c:k:w:jvqhV", options,
				NULL)) != -1) {
		switch (c) {
		case 'r':
			ctx.root = strcmp(optarg, "/") ? optarg : "";
			break;
		case OPT_CMDLINE:
			ctx.cmdline = optarg;
			break;
		case 'c':
			ctx.config = optarg;
			break;
		case 'k':
			if (!optarg[0] || optarg[0] == '.' ||
			    strchr(optarg, '/') || strlen(optarg) >= VB_NAME_MAX)
				return usage_error("bad kernel version '%s'",
						   optarg);
			ctx.kver = optarg;
			break;
		case OPT_MODPROBE:
			ctx.modprobe = optarg;
			break;
		case 'w':
			v = strtoul(optarg, &end, 10);
			if (!optarg[0] || *end || v > 600000)
				return usage_error("bad --wait '%s' (milliseconds, at most 600000)",
						   optarg);
			ctx.probe_wait_ms = (unsigned)v;
			break;
		case 'j':
			json = true;
			break;
		case 'v':
			ctx.verbosity = VB_DEBUG;
			break;
		case 'q':
			ctx.verbosity = VB_WARNING;
			break;
		case OPT_STDERR:
			force_stderr = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return VB_EXIT_OK;
		case 'V':
			printf("vfiobind %s\n", VFIOBIND_VERSION);
			return VB_EXIT_OK;
		case ':':
			return usage_error("option '%s' needs an argument",
					   argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'",
					   argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return usage_error("%s", optind >= argc ?
				   "missing command: apply, plan or status" :
				   "exactly one command: apply, plan or status");
	if (strcmp(argv[optind], "apply") && strcmp(argv[optind], "plan") &&
	    strcmp(argv[optind], "status"))
		return usage_error("unknown command '%s' (want apply, plan or status)",
				   argv[optind]);
	if (json && !strcmp(argv[optind], "apply"))
		return usage_error("%s", "--json goes with plan and status; apply records JSON to /run/vfiobind/state.json");
	/* The host's modprobe would load into the running kernel, by alias
	 * too, while every sysfs write lands under the root. */
	if (ctx.root[0] && !ctx.modprobe && !strcmp(argv[optind], "apply"))
		return usage_error("%s", "apply --root needs --modprobe: the host's module loader acts on the running kernel, not on the root");
	ctx.no_kmsg = strcmp(argv[optind], "apply") != 0;
	ctx.to_stderr = force_stderr || ctx.no_kmsg || isatty(STDERR_FILENO);
	status = run(&ctx, argv[optind], json);
	vb_ctx_free(&ctx);
	return status;
}
