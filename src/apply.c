// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Carrying out a plan, in an order that leaves host drivers no window:
 *
 *  1. set driver_override on every claimed device, before any module is
 *     loaded: a load may bind a host driver (a variant's dependency, ids=
 *     in modprobe.d, a host driver a rule names) to whatever has no
 *     override;
 *  2. load the modules (vfio's bind nothing: their id tables are
 *     override-only), and correct overrides for driver names learnt;
 *  3. read each claimed device's driver link afresh and unbind whatever
 *     driver holds it (built-in drivers bind before the initramfs);
 *  4. SR-IOV: autoprobe off (and left off), PF driver, VF count (via 0
 *     when it changes);
 *     the caller (run.c) then reads and plans again, and the new VFs go
 *     through steps 1 to 3 like any device;
 *  5. drivers_probe each claimed device (taking it from any driver found
 *     on it then), and verify by reading its driver link: drivers_probe
 *     succeeds even when nothing bound;
 *  6. check that every group given to vfio or pci-stub is usable by vfio.
 *
 * Failures fail closed: a claimed device that a step fails on (its
 * module does not load, a write fails) keeps its driver_override, loses
 * any driver it has, and is not probed; its group is never given back
 * to host drivers by apply.  That is release's job: a host driver taking
 * a device meant for a VM (a NAS VM's disks, a router VM's WAN port) is
 * the harm, a device without a driver is not.  Only attributes of planned
 * devices are written.  What happened is counted in struct vb_results;
 * the log only reports it.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vfiobind.h"

extern char **environ;

/* A module whose init hangs must not hang the boot with it. */
#define MODPROBE_WAIT_MS 60000

static const char *modprobe_path(const struct vb_ctx *ctx)
{
	static const char *const paths[] = { "/sbin/modprobe",
					     "/usr/sbin/modprobe",
					     "/bin/modprobe",
					     "/usr/bin/modprobe" };
	size_t i;

	if (ctx->modprobe)
		return ctx->modprobe;
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return paths[0];
}

/* Runs the module loader with an argument vector; no shell, ever. */
int vb_modprobe(struct vb_ctx *ctx, const char *module, const char *param)
{
	const char *path = modprobe_path(ctx);
	char *argv[] = { (char *)path, (char *)module, (char *)param, NULL };
	int status;
	pid_t pid;

	vb_dbg(ctx, "running %s %s%s%s", path, module, param ? " " : "",
	       param ? param : "");
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execve(path, argv, environ);
		_exit(127);
	}
	for (long end = vb_now_ms() + MODPROBE_WAIT_MS;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			return -errno;
		if (vb_now_ms() >= end) {
			kill(pid, SIGKILL);
			vb_err(ctx, "%s %s did not finish within %d s; not waiting for it",
			       path, module, MODPROBE_WAIT_MS / 1000);
			return -ETIMEDOUT;
		}
		vb_sleep_ms(5);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		vb_err(ctx, "cannot run module loader %s", path);
	return -EIO;
}

int vb_dev_write(struct vb_ctx *ctx, const struct vb_device *d,
		     const char *attr, const char *value)
{
	char rel[PATH_MAX];

	snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s/%s", d->addr, attr);
	return vb_write_attr(ctx, rel, value);
}

/* After loading, learn the PCI driver name the module registered. */
static void confirm_driver_name(struct vb_ctx *ctx, const char *module,
				struct vb_plan *plan)
{
	char path[PATH_MAX], name[VB_NAME_MAX] = "";
	struct dirent **ents;
	size_t i;
	int n, k;

	if (vb_path(ctx, path, sizeof(path), "/sys/module/%s/drivers",
		    module) < 0)
		return;
	n = scandir(path, &ents, NULL, NULL);
	if (n < 0)
		return;
	for (k = 0; k < n; k++) {
		if (!strncmp(ents[k]->d_name, "pci:", 4) &&
		    strlen(ents[k]->d_name + 4) < sizeof(name))
			strcpy(name, ents[k]->d_name + 4);
		free(ents[k]);
	}
	free(ents);
	if (!name[0])
		return;
	for (i = 0; i < plan->ndev; i++)
		if (!strcmp(plan->dev[i].module, module) &&
		    strcmp(plan->dev[i].driver, name))
			snprintf(plan->dev[i].driver,
				 sizeof(plan->dev[i].driver), "%s", name);
}

/*
 * Loaded, or there without loading: /sys/module/M/initstate exists only
 * for loadable modules, so a built-in one is known from modules.builtin
 * or from its driver's directory on the PCI bus.
 */
static bool module_loaded(const struct vb_ctx *ctx,
			  const struct vb_modules *mods, const char *module,
			  const char *driver)
{
	char rel[PATH_MAX];

	snprintf(rel, sizeof(rel), "/sys/module/%s/initstate", module);
	if (vb_exists(ctx, rel) || vb_modules_builtin(mods, module))
		return true;
	if (!driver || !driver[0])
		return false;
	snprintf(rel, sizeof(rel), "/sys/bus/pci/drivers/%s", driver);
	return vb_exists(ctx, rel);
}

static int load_module(struct vb_ctx *ctx, const struct vb_modules *mods,
		       const char *module, const char *driver,
		       const char *param)
{
	long t0;
	int r;

	if (!param && module_loaded(ctx, mods, module, driver))
		return 0;
	t0 = vb_now_ms();
	r = vb_modprobe(ctx, module, param);
	if (r < 0)
		vb_err(ctx, "loading module %s%s%s failed", module,
		       param ? " " : "", param ? param : "");
	else	/* the time a boot spends loading modules for the claims */
		vb_info(ctx, "loaded module %s%s%s in %ld ms", module,
			param ? " " : "", param ? param : "", vb_now_ms() - t0);
	return r;
}

/*
 * vfio_pci's enable_sriov is writable at run time (0644), which is the
 * only way when vfio_pci is built in or was loaded without it.
 */
static int vfio_enable_sriov(struct vb_ctx *ctx,
			     const struct vb_modules *mods)
{
	static const char param[] = "/sys/module/vfio_pci/parameters/enable_sriov";
	char buf[8];

	if (vb_read_attr(ctx, param, buf, sizeof(buf)) > 0 &&
	    (buf[0] == 'Y' || buf[0] == '1'))
		return 0;
	if (vb_exists(ctx, param) && vb_write_attr(ctx, param, "Y") == 0)
		return 0;
	if (module_loaded(ctx, mods, "vfio_pci", "vfio-pci")) {
		vb_err(ctx, "vfio_pci is loaded without enable_sriov=1 and it cannot be turned on: a PF given to vfio-pci cannot create VFs");
		return -EINVAL;
	}
	return load_module(ctx, mods, "vfio_pci", "vfio-pci", "enable_sriov=1");
}

/*
 * One pass over the plan: the inventory as the pass found it, so that a
 * group can be given back exactly as it was.
 */
struct pass {
	struct vb_ctx *ctx;
	struct vb_inventory *inv;
	struct vb_plan *plan;
	const struct vb_modules *mods;
	struct vb_apply *ap;		/* saved: parallel to the inventory */
};

/* i is the first claimed member of its group: each group once. */
static bool group_lead(const struct vb_inventory *inv,
		       const struct vb_plan *plan, size_t i)
{
	size_t j;

	if (plan->dev[i].claim != CLAIM_BIND)
		return false;
	for (j = 0; j < i; j++)
		if (plan->dev[j].claim == CLAIM_BIND &&
		    vb_same_group(inv, i, j))
			return false;
	return true;
}

static int set_override(struct vb_ctx *ctx, struct vb_device *d,
			const char *driver)
{
	int r;

	if (!strcmp(d->override, driver))
		return 0;
	r = vb_dev_write(ctx, d, "driver_override", driver);
	if (r < 0) {
		vb_err(ctx, "%s: setting driver_override to %s failed: %s",
		       d->addr, driver, strerror(-r));
		return r;
	}
	snprintf(d->override, sizeof(d->override), "%s", driver);
	return 0;
}

static int unbind(struct vb_ctx *ctx, struct vb_device *d, const char *why)
{
	char rel[PATH_MAX];
	int r;

	vb_notice(ctx, "%s: unbinding from %s (%s)", d->addr, d->driver, why);
	snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s/driver/unbind",
		 d->addr);
	r = vb_write_attr(ctx, rel, d->addr);
	/* driver/unbind is gone with the driver: someone unbound it first. */
	if (r == -ENOENT) {
		vb_info(ctx, "%s: already unbound from %s", d->addr, d->driver);
		r = 0;
	}
	if (r < 0)
		vb_err(ctx, "%s: unbinding from %s failed: %s", d->addr,
		       d->driver, strerror(-r));
	else
		d->driver[0] = '\0';
	return r;
}

/* driver_override first, then unbind: no moment without either. */
static int claim(struct vb_ctx *ctx, struct vb_device *d,
		 const struct vb_dev_plan *dp)
{
	if (set_override(ctx, d, dp->driver) < 0)
		return -EIO;
	if (d->driver[0] && strcmp(d->driver, dp->driver))
		return unbind(ctx, d, "bound before vfiobind ran");
	return 0;
}

/* The group keeps what was claimed: no host driver gets it back. */
static void group_failed(struct pass *p, size_t first, size_t culprit)
{
	p->plan->dev[culprit].failed = true;
	vb_err(p->ctx, "%s: claiming %s failed: it keeps driver_override and gets no host driver; 'vfiobind release' gives it back",
	       p->inv->dev[culprit].addr,
	       p->inv->dev[first].group >= 0 ? "its IOMMU group" : "it");
}

/*
 * Runs step on every claimed member not yet done, group by group; a
 * member it fails on is marked failed and held as it is.
 */
static void each_member(struct pass *p, int (*step)(struct pass *p, size_t i))
{
	size_t first, i;

	for (first = 0; first < p->plan->ndev; first++) {
		if (!group_lead(p->inv, p->plan, first))
			continue;
		for (i = first; i < p->plan->ndev; i++) {
			const struct vb_dev_plan *dp = &p->plan->dev[i];

			if (dp->claim != CLAIM_BIND || dp->done ||
			    !vb_same_group(p->inv, first, i))
				continue;
			/* The other members go on: each is held either way. */
			if (step(p, i) < 0 && !dp->failed)
				group_failed(p, first, i);
		}
	}
}

/*
 * Every claimed device's driver_override, before any module is loaded:
 * loading one may bind a host driver (a variant's dependency such as
 * mlx5_core, "options vfio-pci ids=", a host driver a rule names), and an
 * override keeps every driver but the planned one off the device.
 */
static int override_step(struct pass *p, size_t i)
{
	return set_override(p->ctx, &p->inv->dev[i], p->plan->dev[i].driver);
}

/*
 * Unbinds whatever driver holds a claimed device now, read afresh: built-in
 * drivers bound before the initramfs, and a driver may have bound while
 * modules loaded.
 */
static int take_over_step(struct pass *p, size_t i)
{
	struct vb_device *d = &p->inv->dev[i];
	const char *want = p->plan->dev[i].driver;

	vb_device_refresh(p->ctx, d);
	if (!d->driver[0] || !strcmp(d->driver, want))
		return 0;
	/* Without its override a driverless device is anyone's. */
	if (strcmp(d->override, want))
		return -EIO;
	return unbind(p->ctx, d,
		      strcmp(d->driver, p->ap->saved[i].driver) ?
		      "it bound while modules loaded" :
		      "bound before vfiobind ran");
}

/* Devices whose driver did not load keep their override (set before
 * the load) and lose any driver: held for the VM, not handed back. */
static void module_failed(struct pass *p, const char *module)
{
	size_t i;

	for (i = 0; i < p->plan->ndev; i++) {
		if (p->plan->dev[i].claim != CLAIM_BIND ||
		    strcmp(p->plan->dev[i].module, module))
			continue;
		p->plan->dev[i].failed = true;
		vb_err(p->ctx, "%s: module %s did not load: the device keeps driver_override=%s and gets no driver",
		       p->inv->dev[i].addr, module, p->plan->dev[i].driver);
	}
}

static void load_modules(struct pass *p, bool for_sriov)
{
	struct vb_ctx *ctx = p->ctx;
	struct vb_plan *plan = p->plan;
	bool any_vfio = false, seen;
	size_t i, j;

	for (i = 0; for_sriov && i < plan->nsriov; i++) {
		struct vb_sriov_plan *s = &plan->sriov[i];
		int r = 0;

		if (s->pf_mode == PF_VFIO)
			r = vfio_enable_sriov(ctx, p->mods);
		else if (s->pf_mode == PF_STUB)
			r = load_module(ctx, p->mods, "pci_pf_stub",
					"pci-pf-stub", NULL);
		if (r < 0) {
			s->skip = true;
			p->ap->res.sriov_failed++;
		}
	}
	for (i = 0; i < plan->ndev; i++) {
		struct vb_dev_plan *dp = &plan->dev[i];

		if (dp->claim != CLAIM_BIND || dp->done)
			continue;
		for (j = 0, seen = false; j < i && !seen; j++)
			seen = plan->dev[j].claim == CLAIM_BIND &&
			       !plan->dev[j].done &&
			       !strcmp(plan->dev[j].module, dp->module);
		if (seen)
			continue;
		any_vfio |= strstr(dp->module, "vfio") != NULL;
		if (load_module(ctx, p->mods, dp->module, dp->driver,
				NULL) == 0)
			confirm_driver_name(ctx, dp->module, plan);
		else
			module_failed(p, dp->module);
	}
	/* Not needed to bind, but QEMU needs it to open the group. */
	if (any_vfio &&
	    !module_loaded(ctx, p->mods, "vfio_iommu_type1", NULL) &&
	    vb_modprobe(ctx, "vfio_iommu_type1", NULL) < 0)
		vb_warn(ctx, "loading module vfio_iommu_type1 failed; VMs cannot use the claimed devices until it loads");
}

/* Overrides, modules, overrides again for names the loads taught us,
 * then the takeover of whatever holds a claimed device. */
int vb_apply_claims(struct vb_ctx *ctx, struct vb_apply *ap,
		    struct vb_inventory *inv, const struct vb_modules *mods,
		    struct vb_plan *plan, bool for_sriov)
{
	struct pass p = { ctx, inv, plan, mods, ap };
	size_t n = inv->n;

	free(ap->saved);
	ap->saved = malloc((n + 1) * sizeof(*ap->saved));
	if (!ap->saved)
		return -ENOMEM;
	if (n)
		memcpy(ap->saved, inv->dev, n * sizeof(*ap->saved));
	each_member(&p, override_step);
	load_modules(&p, for_sriov);
	each_member(&p, override_step);	/* names the loads taught us */
	each_member(&p, take_over_step);
	return 0;
}

/* Waits, bounded, until every listed device's driver link says 'want'. */
static void wait_bound(struct vb_ctx *ctx, struct vb_device **devs,
		       const char **want, size_t n, unsigned wait_ms)
{
	long deadline = vb_now_ms() + wait_ms;
	size_t i, pending;

	for (;;) {
		pending = 0;
		for (i = 0; i < n; i++) {
			if (!devs[i])
				continue;
			vb_device_refresh(ctx, devs[i]);
			if (!strcmp(devs[i]->driver, want[i]))
				devs[i] = NULL;
			else
				pending++;
		}
		if (!pending || vb_now_ms() >= deadline)
			return;
		vb_sleep_ms(10);
	}
}

static const char *sriov_error(int r)
{
	switch (r) {
	case -ENOENT:
		return "the PF driver cannot configure SR-IOV";
	case -EBUSY:
		return "VFs are in use or already enabled";
	case -ERANGE:
		return "more VFs than sriov_totalvfs";
	}
	return strerror(-r);
}

/* Waits, bounded, until the device has any driver at all. */
bool vb_wait_any_driver(struct vb_ctx *ctx, struct vb_device *d)
{
	long deadline = vb_now_ms() + ctx->probe_wait_ms;

	for (;;) {
		vb_device_refresh(ctx, d);
		if (d->driver[0] || vb_now_ms() >= deadline)
			return d->driver[0] != '\0';
		vb_sleep_ms(10);
	}
}

/* Gives the PF the driver its mode asks for; native means its own. */
static int pf_driver(struct vb_ctx *ctx, struct vb_device *pf,
		     const struct vb_sriov_plan *s)
{
	struct vb_dev_plan dp = { 0 };
	struct vb_device *d[1] = { pf };
	const char *want[1] = { s->pf_driver };

	vb_device_refresh(ctx, pf);
	if (s->pf_mode == PF_NATIVE) {
		if (pf->driver[0] && strcmp(pf->driver, "pci-pf-stub") &&
		    !vb_driver_managed_dma(pf->driver))
			return 0;
		/* A stale override or a stub would keep the native driver off. */
		if (pf->override[0] &&
		    vb_dev_write(ctx, pf, "driver_override", "\n") < 0)
			return -EIO;
		if (pf->driver[0] && unbind(ctx, pf, "its native driver must create the VFs") < 0)
			return -EIO;
		if (vb_modprobe(ctx, pf->modalias, NULL) < 0)
			vb_warn(ctx, "%s: module loader found nothing for %s",
				pf->addr, pf->modalias);
		vb_write_attr(ctx, "/sys/bus/pci/drivers_probe", pf->addr);
		if (!vb_wait_any_driver(ctx, pf)) {
			vb_err(ctx, "%s: no native driver bound to the PF within %u ms",
			       pf->addr, ctx->probe_wait_ms);
			return -ENODEV;
		}
		vb_info(ctx, "%s: PF driven by %s", pf->addr, pf->driver);
		return 0;
	}
	if (!strcmp(pf->driver, s->pf_driver))
		return 0;
	snprintf(dp.driver, sizeof(dp.driver), "%s", s->pf_driver);
	if (claim(ctx, pf, &dp) < 0)
		return -EIO;
	vb_write_attr(ctx, "/sys/bus/pci/drivers_probe", pf->addr);
	wait_bound(ctx, d, want, 1, ctx->probe_wait_ms);
	if (strcmp(pf->driver, s->pf_driver)) {
		vb_err(ctx, "%s: PF did not bind to %s (driver: %s)", pf->addr,
		       s->pf_driver, pf->driver[0] ? pf->driver : "none");
		return -ENODEV;
	}
	vb_info(ctx, "%s: PF bound to %s", pf->addr, s->pf_driver);
	return 0;
}

/*
 * The PF driver and VF count of every SR-IOV rule.  True when VFs were
 * removed or created: the kernel adds them before the sriov_numvfs write
 * returns, and the caller reads and plans again to claim them.
 */
bool vb_apply_sriov(struct vb_ctx *ctx, struct vb_apply *ap,
		    struct vb_inventory *inv, const struct vb_plan *plan)
{
	char num[16];
	bool changed = false;
	size_t i;
	int r;

	for (i = 0; i < plan->nsriov; i++) {
		const struct vb_sriov_plan *s = &plan->sriov[i];
		struct vb_device *pf = &inv->dev[s->pf];

		if (s->skip || (!s->change && pf->driver[0]))
			continue;
		if (pf_driver(ctx, pf, s) < 0) {
			ap->res.sriov_failed++;
			continue;
		}
		if (!s->change)
			continue;
		/* Left at 0 for good: VFs made later (an admin, a firmware
		 * reset) bind nothing until the udev rule's override is set,
		 * so no host VF driver ever races for them. */
		if (s->rule->target != TGT_HOST && pf->autoprobe == 1)
			vb_dev_write(ctx, pf, "sriov_drivers_autoprobe", "0");
		if (pf->numvfs > 0) {
			r = vb_dev_write(ctx, pf, "sriov_numvfs", "0");
			if (r < 0) {
				vb_err(ctx, "%s: removing %d VFs failed: %s",
				       pf->addr, pf->numvfs, sriov_error(r));
				ap->res.sriov_failed++;
				continue;
			}
		}
		changed = true;
		if (s->numvfs == 0) {
			vb_info(ctx, "%s: SR-IOV disabled", pf->addr);
			continue;
		}
		snprintf(num, sizeof(num), "%u", s->numvfs);
		r = vb_dev_write(ctx, pf, "sriov_numvfs", num);
		if (r < 0) {
			vb_err(ctx, "%s: enabling %u VFs failed: %s", pf->addr,
			       s->numvfs, sriov_error(r));
			ap->res.sriov_failed++;
		} else {
			vb_info(ctx, "%s: %u VFs enabled (PF driver %s)",
				pf->addr, s->numvfs, pf->driver);
		}
	}
	return changed;
}

void vb_apply_end(struct vb_ctx *ctx, struct vb_apply *ap)
{
	(void)ctx;
	free(ap->saved);
	ap->saved = NULL;
}

static void check_viable(struct vb_ctx *ctx, const struct vb_inventory *inv,
			 const struct vb_plan *plan, struct vb_results *res)
{
	size_t i, j;

	/* Only groups given to vfio or pci-stub must be usable by vfio. */
	for (i = 0; i < inv->n; i++) {
		bool first = true;

		if (plan->dev[i].claim != CLAIM_BIND || inv->dev[i].group < 0 ||
		    !vb_driver_managed_dma(plan->dev[i].driver))
			continue;
		for (j = 0; j < i && first; j++)
			first = !(plan->dev[j].claim == CLAIM_BIND &&
				  vb_driver_managed_dma(plan->dev[j].driver) &&
				  inv->dev[j].group == inv->dev[i].group);
		if (!first)
			continue;
		for (j = 0; j < inv->n; j++) {
			const struct vb_device *d = &inv->dev[j];

			if (d->group != inv->dev[i].group ||
			    vb_driver_managed_dma(d->driver))
				continue;
			vb_err(ctx, "IOMMU group %d is not viable for vfio: %s is bound to %s",
			       d->group, d->addr, d->driver);
			res->not_viable++;
		}
	}
}

/* Probes every claimed device that is not on its driver yet, first
 * taking it from any other driver that holds it now. */
static size_t probe_claimed(struct vb_ctx *ctx, struct vb_inventory *inv,
			    const struct vb_plan *plan, struct vb_device **devs,
			    const char **want, size_t *already)
{
	size_t i, n = 0;

	for (i = 0; i < plan->ndev; i++) {
		struct vb_device *d = &inv->dev[i];
		const struct vb_dev_plan *dp = &plan->dev[i];

		if (dp->claim != CLAIM_BIND)
			continue;
		if (dp->done) {
			(*already)++;
			continue;
		}
		vb_device_refresh(ctx, d);
		if (d->driver[0] && strcmp(d->driver, dp->driver) &&
		    !strcmp(d->override, dp->driver) &&
		    unbind(ctx, d, "it holds a claimed device at probe time") < 0)
			continue;
		if (dp->failed)	/* held without a driver: nothing to probe */
			continue;
		if (strcmp(d->driver, dp->driver))
			vb_write_attr(ctx, "/sys/bus/pci/drivers_probe",
				      d->addr);
		devs[n] = d;
		want[n++] = dp->driver;
	}
	return n;
}

static void verify_bound(struct vb_ctx *ctx, const struct vb_inventory *inv,
			 const struct vb_plan *plan, struct vb_results *res)
{
	size_t i;

	for (i = 0; i < plan->ndev; i++) {
		const struct vb_device *d = &inv->dev[i];
		const struct vb_dev_plan *dp = &plan->dev[i];

		if (dp->claim != CLAIM_BIND || dp->done)
			continue;
		if (dp->failed) {
			res->failed++;
			if (d->driver[0])
				vb_err(ctx, "%s: still bound to %s after the failure above",
				       d->addr, d->driver);
			else
				vb_err(ctx, "%s: held without a driver (driver_override %s) after the failure above",
				       d->addr, d->override[0] ? d->override : "none");
			continue;
		}
		if (!strcmp(d->driver, dp->driver)) {
			vb_info(ctx, "%s: bound to %s", d->addr, dp->driver);
			res->bound++;
			continue;
		}
		res->failed++;
		if (!d->driver[0])
			vb_err(ctx, "%s: not bound to %s after probing (driver: none); driver_override stays, host drivers cannot take it",
			       d->addr, dp->driver);
		else
			vb_err(ctx, "%s: bound to %s, not %s, after probing",
			       d->addr, d->driver, dp->driver);
	}
}

/* Probes, verifies every binding, and checks the groups given to vfio. */
int vb_apply_probe(struct vb_ctx *ctx, struct vb_apply *ap,
		   struct vb_inventory *inv, const struct vb_plan *plan)
{
	struct vb_device **devs;
	const char **want;
	size_t n;

	devs = calloc(plan->ndev + 1, sizeof(*devs));
	want = calloc(plan->ndev + 1, sizeof(*want));
	if (!devs || !want) {
		free(devs);
		free(want);
		return -ENOMEM;
	}
	n = probe_claimed(ctx, inv, plan, devs, want, &ap->res.already);
	wait_bound(ctx, devs, want, n, ctx->probe_wait_ms);
	verify_bound(ctx, inv, plan, &ap->res);
	free(devs);
	free(want);
	check_viable(ctx, inv, plan, &ap->res);
	/* Judged by writes: after SR-IOV the re-plan may find all done.
	 * A --device run (udev, for every device) says nothing then. */
	if (!ctx->writes && ap->res.already && !ctx->nscope)
		vb_notice(ctx, "nothing to do: %zu device%s already bound as planned",
			  ap->res.already, ap->res.already == 1 ? "" : "s");
	return 0;
}
