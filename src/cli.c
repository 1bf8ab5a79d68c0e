// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The command: parse options, read the config and the kernel command
 * line, take the inventory, plan, and then print or apply.  It reads like
 * the boot step it implements; the work is in the other files.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vfiobind.h"

#define CMDLINE_MAX (64 * 1024)

static const char usage_text[] =
"Usage: vfiobind [OPTIONS] apply|plan|status|modules|export|pin\n"
"       vfiobind [OPTIONS] release [SELECTOR...]\n"
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
"            which rule claims them, and whether the group is usable by vfio;\n"
"            then each rule with the devices it selects now\n"
"  modules   for initramfs builders: the kernel modules an image for kernel\n"
"            --kver needs for the rules (config, this host's command line and\n"
"            --cmdline), one per line; no IOMMU needed on the build host.\n"
"            Exit 1 when the target kernel lacks one (named on stderr)\n"
"  release   give the IOMMU groups of the devices SELECTOR names (an address,\n"
"            VVVV:DDDD or class:CC as in vfio.bind=), or without one every\n"
"            device the last apply claimed, back to their host drivers:\n"
"            clear driver_override, unbind, probe, report who took each;\n"
"            refuses a group a process holds open through vfio (its\n"
"            /dev/vfio/N or noiommu-N, a device's cdev or device file),\n"
"            and a PF's group while one of its VFs is so held: giving\n"
"            the PF back removes its VFs. A selector takes no =TARGET\n"
"            or +OPTION, and 'off' is none\n"
"  export    write what the last apply recorded and what sysfs shows now for\n"
"            node_exporter (vfiobind.prom) and node-feature-discovery\n"
"            (vfiobind) into their directories, where they exist; changes\n"
"            no binding\n"
"  pin       print the rules (config and command line) as a config, with\n"
"            each address, path or slot item rewritten for the devices it\n"
"            selects now into a form that survives bus renumbering:\n"
"            serial:XX-..-XX where the card has a serial number, else\n"
"            path:DDDD:BB:SS.F/SS.F@VVVV:DDDD; --write rewrites the config\n"
"            files in place instead (keeping comments, the old as FILE.bak)\n"
"\n"
"Options:\n"
"  -r, --root DIR        take every path (/sys, /proc/cmdline, /etc, /lib/modules,\n"
"                        /run, /dev/kmsg) under DIR\n"
"      --cmdline STRING  use STRING instead of /proc/cmdline (modules: as well)\n"
"  -c, --config PATH     read only PATH instead of /etc/vfiobind.conf and\n"
"                        /etc/vfiobind.d/*.conf (PATH is not under --root;\n"
"                        /dev/null: no config at all). Like those, skipped\n"
"                        when group or others may write it or its owner is\n"
"                        not root (or the user running vfiobind)\n"
"  -k, --kver VERSION    kernel version for /lib/modules (default: uname -r)\n"
"      --modprobe PATH   module loader to execute (default: modprobe in /sbin,\n"
"                        /usr/sbin, /bin or /usr/bin); apply --root needs it\n"
"  -d, --device ADDR     apply, plan: only the IOMMU groups of the devices at\n"
"                        ADDR (repeatable; for udev on hotplug) and a named\n"
"                        PF's VFs, read by name; VFs are made only for a PF\n"
"                        named here that has none, never removed; logs only\n"
"                        what concerns them\n"
"  -n, --dry-run         release: print what would be released; change nothing\n"
"  -f, --force           release: give back groups that are held too, with a\n"
"                        warning; the unbind waits until the holder lets go\n"
"  -t, --timeout SECONDS apply: return after at most SECONDS (with status 1 and\n"
"                        an error in the kernel log), leaving a run stuck in a\n"
"                        sysfs write to finish in the background; for boot\n"
"                        hooks and units, which use 120 (default: no bound)\n"
"  -w, --wait MS         wait at most MS milliseconds for drivers to bind\n"
"                        (default 3000; some drivers probe asynchronously)\n"
"  -j, --json            plan and status as JSON\n"
"      --prometheus DIR  export: write DIR/vfiobind.prom (default\n"
"                        /var/lib/prometheus/node-exporter or the config's)\n"
"      --nfd DIR         export: write DIR/vfiobind (default\n"
"                        /etc/kubernetes/node-feature-discovery/features.d)\n"
"                        With either, only the directories named are written,\n"
"                        and a missing one is an error (DIR is not under --root)\n"
"      --write           pin: rewrite the config files instead of printing\n"
"  -a, --all             modules: every vfio variant of the kernel and both\n"
"                        PCI stubs, for a generic image (or another machine)\n"
"  -v, --verbose         also log every sysfs write and module load\n"
"  -q, --quiet           log warnings and errors only\n"
"      --stderr          log to stderr too (the default when it is a terminal)\n"
"  -h, --help            show this help\n"
"  -V, --version         show the version\n"
"\n"
"apply and release hold a lock (flock on /run/vfiobind/lock) from before\n"
"they read the devices to their end, waiting for another run at most 60 s\n"
"(3/4 of --timeout). A device a failed run selected keeps its override and\n"
"no driver: release gives it back.\n"
"\n"
"Exit status: 0 everything planned was done (or would be); 1 a rule could\n"
"not be satisfied or a binding failed verification; 2 bad usage, or input\n"
"that did not parse (the valid rest is still planned and applied).\n"
"\n"
"vfio.bind=off on the kernel command line disables every rule.\n"
"See kernel-cmdline.md for the rule grammar.\n";

enum { OPT_CMDLINE = 256, OPT_MODPROBE, OPT_STDERR, OPT_PROMETHEUS, OPT_NFD,
       OPT_WRITE };

#define SCOPE_MAX 64

static const struct option options[] = {
	{ "root", required_argument, NULL, 'r' },
	{ "cmdline", required_argument, NULL, OPT_CMDLINE },
	{ "config", required_argument, NULL, 'c' },
	{ "kver", required_argument, NULL, 'k' },
	{ "modprobe", required_argument, NULL, OPT_MODPROBE },
	{ "wait", required_argument, NULL, 'w' },
	{ "timeout", required_argument, NULL, 't' },
	{ "json", no_argument, NULL, 'j' },
	{ "prometheus", required_argument, NULL, OPT_PROMETHEUS },
	{ "nfd", required_argument, NULL, OPT_NFD },
	{ "all", no_argument, NULL, 'a' },
	{ "device", required_argument, NULL, 'd' },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "force", no_argument, NULL, 'f' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "stderr", no_argument, NULL, OPT_STDERR },
	{ "write", no_argument, NULL, OPT_WRITE },
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

/* Image builders take the host's command line and --cmdline both: an
 * image carries the config, and the rules of the next boot's command
 * line decide its modules as much as this one's. */
static int read_rules(struct vb_ctx *ctx, struct vb_rules *rules, bool both)
{
	char *buf;
	int r;

	vb_config_load(ctx, rules);
	if (ctx->cmdline && !both)
		return vb_cmdline_rules(ctx, ctx->cmdline, rules);
	buf = malloc(CMDLINE_MAX);
	if (!buf)
		return -1;
	r = vb_read_attr(ctx, "/proc/cmdline", buf, CMDLINE_MAX);
	if (r < 0)
		vb_log(ctx, both && r == -ENOENT ? VB_INFO : VB_WARNING,
		       "cannot read %s/proc/cmdline: %s", ctx->root,
		       strerror(-r));
	else
		r = vb_cmdline_rules(ctx, buf, rules);
	free(buf);
	if (ctx->cmdline && r >= 0)
		r = vb_cmdline_rules(ctx, ctx->cmdline, rules);
	return r;
}

static void summary(struct vb_ctx *ctx, const struct vb_plan *plan,
		    const struct vb_results *res)
{
	size_t i, claimed = 0, refused = 0;
	size_t failed = res->failed + res->sriov_failed + res->not_viable;

	if (plan->off)
		return;
	/* udev runs apply --device for every PCI device: only news count */
	if (ctx->nscope && !failed && !res->plan_errors && !ctx->writes)
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

static int pin(struct vb_ctx *ctx, bool write)
{
	struct vb_rules rules = { 0 };
	int status;

	read_rules(ctx, &rules, false);
	status = vb_pin(ctx, &rules, write, stdout);
	vb_rules_free(&rules);
	return status;
}

static int image_modules(struct vb_ctx *ctx, bool all)
{
	struct vb_rules rules = { 0 };
	int status;

	read_rules(ctx, &rules, true);
	status = vb_image_modules(ctx, &rules, all, stdout);
	vb_rules_free(&rules);
	return status;
}

/* release: its arguments are selectors, parsed as vfio.bind= items. */
static int release(struct vb_ctx *ctx, char **args, int nargs, bool dry_run,
		   bool force)
{
	struct vb_inventory inv = { 0 };
	struct vb_selector *sel;
	char err[512];
	int i, status, lock;

	sel = calloc((size_t)nargs + 1, sizeof(*sel));
	if (!sel)
		return VB_EXIT_FAILED;
	for (i = 0; i < nargs; i++) {
		if (vb_release_selector(args[i], &sel[i], err, sizeof(err)) < 0) {
			free(sel);
			return usage_error("%s", err);
		}
	}
	/* The lock before the inventory: an apply or release that ran
	 * first is seen as it left the groups. */
	lock = dry_run ? -1 : vb_lock_take(ctx, ctx->lock_wait_ms);
	if (lock == -ETIMEDOUT || vb_inventory_read(ctx, &inv, NULL) < 0) {
		vb_lock_drop(lock);
		free(sel);
		return VB_EXIT_FAILED;
	}
	for (i = 0; i < nargs; i++)
		if (sel[i].kind == SEL_SERIAL) {
			vb_inventory_serials(ctx, &inv);
			break;
		}
	status = vb_release(ctx, &inv, sel, (size_t)nargs, dry_run, force);
	vb_lock_drop(lock);
	vb_inventory_free(&inv);
	free(sel);
	return status;
}

static bool plan_acts(const struct vb_plan *plan)
{
	size_t i;

	for (i = 0; i < plan->ndev; i++)
		if (plan->dev[i].claim != CLAIM_NONE)
			return true;
	return plan->nsriov > 0;
}

/* Every claim bound as planned and nothing else to do: what udev's
 * runs at coldplug find for the devices the boot-time run claimed. */
static bool plan_settled(const struct vb_plan *plan)
{
	size_t i;

	for (i = 0; i < plan->ndev; i++)
		if (plan->dev[i].claim != CLAIM_NONE &&
		    (plan->dev[i].claim != CLAIM_BIND || !plan->dev[i].done))
			return false;
	return plan->nsriov == 0;
}

/* What apply will write: a claim not yet bound as planned, or SR-IOV. */
static bool plan_writes(const struct vb_plan *plan)
{
	size_t i;

	for (i = 0; i < plan->ndev; i++)
		if (plan->dev[i].claim == CLAIM_BIND && !plan->dev[i].done)
			return true;
	return plan->nsriov > 0;
}

static int run(struct vb_ctx *ctx, const char *cmd, bool json)
{
	struct vb_rules rules = { 0 };
	struct vb_inventory inv = { 0 };
	struct vb_modules mods = { 0 };
	struct vb_plan plan = { 0 };
	struct vb_results res;
	bool apply = !strcmp(cmd, "apply"), export = !strcmp(cmd, "export");
	int status, exported = 0, verbosity = ctx->verbosity, lock = -1;

	if (apply) {
		clock_gettime(CLOCK_REALTIME, &ctx->started);
		ctx->started_ms = vb_now_ms();
		ctx->res = &res;
	}
	/* udev runs apply --device for every PCI device: errors in the config
	 * and on the command line are the full runs' to report, once. */
	if (apply && ctx->nscope)
		ctx->verbosity = 0;
	read_rules(ctx, &rules, false);
	ctx->verbosity = verbosity;
	if (apply && !ctx->nscope)
		vb_rules_marker(ctx, &rules);
	/* apply holds the lock from before its inventory, so a run that
	 * waited for another reads what that one did, to after its record:
	 * plan and status only read, and take none. */
	if (apply && (lock = vb_lock_take(ctx, ctx->lock_wait_ms)) == -ETIMEDOUT) {
		vb_rules_free(&rules);
		return VB_EXIT_FAILED;
	}
	/* status shows every device; plan and apply read what rules touch */
	if (vb_inventory_read(ctx, &inv, strcmp(cmd, "status") ? &rules : NULL) < 0 ||
	    (apply && vb_run_settle(ctx, &inv, &rules) < 0)) {
		vb_lock_drop(lock);
		vb_rules_free(&rules);
		return VB_EXIT_FAILED;
	}
	if (!strcmp(cmd, "status") && vb_rules_have(&rules, SEL_SERIAL))
		vb_inventory_serials(ctx, &inv);
	/* The module index is megabytes, and udev runs apply --device for
	 * every PCI device at coldplug: read it only for a plan that acts.
	 * The index only names drivers and refuses unknown ones, so a plan
	 * that claims nothing without it claims nothing with it.  A --device
	 * run whose claims are all bound as planned already (coldplug after
	 * the boot-time run) reads it neither: with it, only a vfio variant
	 * could differ from the driver in place, and changing drivers under
	 * a claimed device is for a full run to decide. */
	vb_plan_build(&inv, &rules, &mods, &plan);
	if (plan_acts(&plan) && !(apply && ctx->nscope && plan_settled(&plan))) {
		vb_plan_free(&plan);
		vb_modules_load(ctx, &mods);
		vb_plan_build(&inv, &rules, &mods, &plan);
	}
	if (!export)
		vb_plan_log(ctx, &plan);
	if (apply) {
		/* Recorded before the first write as well: a run killed or
		 * stuck half way leaves its plan without an exit_status, the
		 * mark of a run that did not finish, and release finds the
		 * devices it set out to claim. */
		if (!plan.off && plan_writes(&plan))
			vb_record_write(ctx, &inv, &plan, -1);
		/* udev's gate: before the first write, so that it is in
		 * force even for a run that never ends, and again with
		 * what the run claimed (only a change is written). */
		if (!ctx->nscope)
			vb_udev_gate(ctx, &rules, &inv, &plan);
		vb_run_apply(ctx, &inv, &rules, &mods, &plan, &res);
		vb_udev_gate(ctx, &rules, &inv, &plan);
		summary(ctx, &plan, &res);
	} else if (!strcmp(cmd, "plan")) {
		vb_plan_print(ctx, &inv, &plan, stdout, json);
	} else if (export) {
		exported = vb_export(ctx, &rules, &inv, &plan);
	} else {
		vb_pci_names(ctx, &inv);
		vb_status_print(&inv, &rules, &plan, stdout, json);
	}
	status = export ? exported :
		 vb_exit_status(ctx, &plan, apply ? &res : NULL);
	/* A --device run that changed nothing (most udev events) leaves no
	 * record; one that did records its groups beside state.json. */
	if (apply && (!ctx->nscope || ctx->writes))
		vb_record_write(ctx, &inv, &plan, status);
	vb_lock_drop(lock);
	vb_plan_free(&plan);
	vb_modules_free(&mods);
	vb_inventory_free(&inv);
	vb_rules_free(&rules);
	ctx->res = NULL;
	return status;
}

/* The name of a signal, as kill -l prints it: the log must say how a
 * run ended, and musl has no sigabbrev_np. */
static const char *signal_name(int sig)
{
	static const struct { int sig; const char *name; } names[] = {
		{ SIGHUP, "SIGHUP" }, { SIGINT, "SIGINT" },
		{ SIGQUIT, "SIGQUIT" }, { SIGILL, "SIGILL" },
		{ SIGTRAP, "SIGTRAP" }, { SIGABRT, "SIGABRT" },
		{ SIGBUS, "SIGBUS" }, { SIGFPE, "SIGFPE" },
		{ SIGKILL, "SIGKILL" }, { SIGUSR1, "SIGUSR1" },
		{ SIGSEGV, "SIGSEGV" }, { SIGUSR2, "SIGUSR2" },
		{ SIGPIPE, "SIGPIPE" }, { SIGALRM, "SIGALRM" },
		{ SIGTERM, "SIGTERM" }, { SIGXCPU, "SIGXCPU" },
		{ SIGXFSZ, "SIGXFSZ" }, { SIGSYS, "SIGSYS" },
	};
	static char other[24];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].sig == sig)
			return names[i].name;
	snprintf(other, sizeof(other), "signal %d", sig);
	return other;
}

/*
 * An apply --device (udev, on hotplug) that changed a binding refreshes
 * the export for the whole machine, the way the late unit does after its
 * full apply; never in the initramfs, which has no root to write to.
 * Its rules were read and logged already: say only what is new.
 */
static void export_after_device(struct vb_ctx *ctx)
{
	if (!ctx->writes || vb_exists(ctx, "/etc/initrd-release"))
		return;
	ctx->nscope = 0;
	ctx->scope = NULL;
	ctx->parse_errors = 0;
	ctx->replan = true;
	run(ctx, "export", false);
}

/*
 * apply --timeout: the run goes on in a child; the parent returns its
 * status as soon as it exits (the pipe's write end closes with it, so no
 * polling interval is added to the boot) or, after the bound, returns 1
 * and leaves it running: a sysfs write blocked in the kernel cannot be
 * interrupted by any signal, and the boot must go on.
 */
static int run_bounded(struct vb_ctx *ctx, unsigned seconds)
{
	struct timespec now, end;
	struct pollfd p = { .events = POLLIN };
	int fds[2], status, r = 0;
	long ms;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return run(ctx, "apply", false);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return run(ctx, "apply", false);
	}
	if (pid == 0) {
		close(fds[0]);
		/* Waiting for another run's lock takes part of the bound, and
		 * leaves a quarter for a run that gives up to say so itself. */
		ctx->lock_wait_ms = seconds * 750;
		_exit(run(ctx, "apply", false));
	}
	close(fds[1]);
	p.fd = fds[0];
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += seconds;
	do {
		clock_gettime(CLOCK_MONOTONIC, &now);
		ms = (end.tv_sec - now.tv_sec) * 1000 +
		     (end.tv_nsec - now.tv_nsec) / 1000000;
		if (ms > 0)
			r = poll(&p, 1, (int)ms);
	} while (ms > 0 && r < 0 && errno == EINTR);
	close(fds[0]);
	if (ms <= 0 || r <= 0) {	/* poll cannot fail here; if it did, go on */
		vb_err(ctx, "apply still running after %u s (pid %d): returning so the boot goes on; it finishes in the background or stays stuck in the kernel; /run/vfiobind/state.json has its plan, without an exit_status until it ends",
		       seconds, (int)pid);
		return VB_EXIT_FAILED;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return VB_EXIT_FAILED;
	if (WIFSIGNALED(status)) {
		vb_err(ctx, "apply (pid %d) was killed by %s before it finished; what it claimed keeps driver_override, and /run/vfiobind/state.json has its plan without an exit_status",
		       (int)pid, signal_name(WTERMSIG(status)));
		return VB_EXIT_FAILED;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : VB_EXIT_FAILED;
}

int vfiobind_main(int argc, char **argv)
{
	struct vb_ctx ctx = {
		.root = "",
		.verbosity = VB_INFO,
		.probe_wait_ms = 3000,
		.lock_wait_ms = VB_LOCK_WAIT_MS,
	};
	bool json = false, force_stderr = false, all = false, dry_run = false;
	bool force = false, write = false;
	unsigned timeout = 0;
	struct vb_selector scope[SCOPE_MAX];
	const char *cmd;
	char *end;
	unsigned long v;
	int c, status;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":r:c:k:w:t:jad:nfvqhV", options,
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
		case 't':
			v = strtoul(optarg, &end, 10);
			if (!optarg[0] || *end || v > 86400)
				return usage_error("bad --timeout '%s' (seconds, at most 86400)",
						   optarg);
			timeout = (unsigned)v;
			break;
		case 'j':
			json = true;
			break;
		case 'a':
			all = true;
			break;
		case 'd':
			if (ctx.nscope == SCOPE_MAX)
				return usage_error("more than 64 --device options at '%s'",
						   optarg);
			if (vb_parse_addr(optarg, &scope[ctx.nscope]) < 0 ||
			    scope[ctx.nscope].any_func)
				return usage_error("bad --device '%s' (want a PCI address, [DDDD:]BB:SS.F)",
						   optarg);
			ctx.nscope++;
			ctx.scope = scope;
			break;
		case 'n':
			dry_run = true;
			break;
		case 'f':
			force = true;
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
		case OPT_PROMETHEUS:
			ctx.export_dir[EXPORT_PROMETHEUS] = optarg;
			break;
		case OPT_NFD:
			ctx.export_dir[EXPORT_NFD] = optarg;
			break;
		case OPT_WRITE:
			write = true;
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
	if (optind >= argc)
		return usage_error("%s", "missing command: apply, plan, status, modules, release, export or pin");
	cmd = argv[optind];
	if (strcmp(cmd, "apply") && strcmp(cmd, "plan") &&
	    strcmp(cmd, "status") && strcmp(cmd, "modules") &&
	    strcmp(cmd, "release") && strcmp(cmd, "export") &&
	    strcmp(cmd, "pin"))
		return usage_error("unknown command '%s' (want apply, plan, status, modules, release, export or pin)",
				   cmd);
	if (optind != argc - 1 && strcmp(cmd, "release"))
		return usage_error("unexpected argument '%s'", argv[optind + 1]);
	if (ctx.nscope && strcmp(cmd, "apply") && strcmp(cmd, "plan"))
		return usage_error("%s", "--device goes with apply and plan");
	/* The host's modprobe would load into the running kernel, by alias
	 * too, while every sysfs write lands under the root. */
	if (ctx.root[0] && !ctx.modprobe && !strcmp(cmd, "apply"))
		return usage_error("%s", "apply --root needs --modprobe: the host's module loader acts on the running kernel, not on the root");
	if (force && strcmp(cmd, "release"))
		return usage_error("%s", "--force goes with release");
	if (dry_run && strcmp(cmd, "release"))
		return usage_error("%s", "--dry-run goes with release; plan is apply's dry run");
	if (json && strcmp(cmd, "plan") && strcmp(cmd, "status"))
		return usage_error("%s", "--json goes with plan and status; apply records JSON to /run/vfiobind/state.json");
	if (all && strcmp(cmd, "modules"))
		return usage_error("%s", "--all goes with modules");
	if (write && strcmp(cmd, "pin"))
		return usage_error("%s", "--write goes with pin");
	if (timeout && strcmp(cmd, "apply"))
		return usage_error("%s", "--timeout goes with apply");
	if ((ctx.export_dir[0] || ctx.export_dir[1]) && strcmp(cmd, "export"))
		return usage_error("%s", "--prometheus and --nfd go with export");
	ctx.no_kmsg = strcmp(cmd, "apply") && (strcmp(cmd, "release") || dry_run);
	ctx.to_stderr = force_stderr || ctx.no_kmsg || isatty(STDERR_FILENO);
	if (!strcmp(cmd, "modules"))
		status = image_modules(&ctx, all);
	else if (!strcmp(cmd, "pin"))
		status = pin(&ctx, write);
	else if (!strcmp(cmd, "release"))
		status = release(&ctx, argv + optind + 1, argc - optind - 1,
				 dry_run, force);
	else if (timeout)
		status = run_bounded(&ctx, timeout);
	else
		status = run(&ctx, cmd, json);
	if (ctx.nscope && !strcmp(cmd, "apply"))
		export_after_device(&ctx);
	vb_ctx_free(&ctx);
	return status;
}
