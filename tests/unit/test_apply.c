// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * apply() against fixture trees with the fake kernel behind the sysfs
 * writer and a recording module loader: the files written, their order,
 * the modules requested, and what is never touched.
 */
#include <string.h>

#include "unit.h"

#define CONFIG_BYTES (1024 * 1024)

static void base(struct fx *fx)
{
	fx_dev(fx, "0000:00:00.0", NULL, 0x8086, 0x29c0, 0x060000, 0);
	fx_dev(fx, "0000:00:03.0", NULL, 0x8086, 0x100e, 0x020000, 3);
	fx_dev(fx, "0000:00:04.0", NULL, 0x8086, 0x100e, 0x020000, 4);
	fx_native(fx, "0000:00:04.0", "e1000");
}

static int base_setup(void **state)
{
	struct fx *fx = fx_new();

	base(fx);
	*state = fx;
	return 0;
}

static void apply_rules(struct fx *fx, struct fx_pipeline *p,
			const char *cmdline)
{
	fx_plan(fx, p, cmdline, NULL);
	assert_int_equal(vb_run_apply(&fx->ctx, &p->inv, &p->rules, &p->mods,
				      &p->plan, &p->res), 0);
}

static const char *modprobe_log(struct fx *fx)
{
	static char buf[4096];

	return fx_read(fx, "modprobe.log", buf, sizeof(buf));
}

static void override_before_unbind_then_verified(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;
	char buf[64];
	const char *ov, *unb, *probe;

	fx_bind(fx, "0000:00:03.0", "e1000");	/* built in: bound already */
	apply_rules(fx, &p, "vfio.bind=0000:00:03.0");
	assert_string_equal(fx_driver_of(fx, "0000:00:03.0", buf, sizeof(buf)),
			    "vfio-pci");
	ov = strstr(fx->writes, "/sys/bus/pci/devices/0000:00:03.0/driver_override=vfio-pci\n");
	unb = strstr(fx->writes, "/sys/bus/pci/devices/0000:00:03.0/driver/unbind=0000:00:03.0\n");
	probe = strstr(fx->writes, "/sys/bus/pci/drivers_probe=0000:00:03.0\n");
	assert_non_null(ov);
	assert_non_null(unb);
	assert_non_null(probe);
	assert_true(ov < unb && unb < probe);
	assert_null(strstr(fx->writes, "0000:00:04.0"));
	assert_string_equal(modprobe_log(fx), "vfio_pci\nvfio_iommu_type1");
	assert_true(fx_msg(fx, "0000:00:03.0: unbinding from e1000 (bound before vfiobind ran)"));
	assert_true(fx_msg(fx, "0000:00:03.0: bound to vfio-pci"));
	assert_int_equal(fx->ctx.errors, 0);
	assert_int_equal(p.res.bound, 1);
	assert_int_equal(vb_exit_status(&fx->ctx, &p.plan, &p.res), VB_EXIT_OK);
	fx_pipeline_free(fx, &p);

	/* again: nothing is written and it says so */
	fx->writes[0] = '\0';
	fx->ctx.writes = 0;	/* a new run */
	apply_rules(fx, &p, "vfio.bind=0000:00:03.0");
	assert_string_equal(fx->writes, "");
	assert_true(fx_msg(fx, "nothing to do: 1 device already bound as planned"));
	assert_int_equal(fx->ctx.errors, 0);
	fx_pipeline_free(fx, &p);
}

/* Loading a module may bind a host driver (mlx5_vfio_pci pulls in
 * mlx5_core; "options vfio-pci ids=" binds on load): every override is
 * written before any load, so nothing but the planned driver can bind. */
static void overrides_written_before_modules_load(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;
	char buf[64];
	const char *ov, *load;

	fx_write(fx, "modprobe.binds", "vfio_pci 0000:00:03.0 e1000\nvfio_pci 0000:00:04.0 e1000\n");
	fx_write(fx, "sys/bus/pci/devices/0000:00:03.0/driver_override", "(null)\n");
	apply_rules(fx, &p, "vfio.bind=00:03.0");
	assert_string_equal(fx_driver_of(fx, "0000:00:03.0", buf, sizeof(buf)), "vfio-pci");
	/* the unclaimed twin shows the fake's load really binds */
	assert_string_equal(fx_driver_of(fx, "0000:00:04.0", buf, sizeof(buf)), "e1000");
	ov = strstr(fx->writes, "0000:00:03.0/driver_override=vfio-pci");
	assert_non_null(ov);
	load = strstr(modprobe_log(fx), "vfio_pci");
	assert_non_null(load);
	if (fx->ctx.errors)
		fail_msg("%s", fx->ctx.msg[0].text);
	fx_pipeline_free(fx, &p);
}

/* A driver that binds anyway (it was loading while overrides were set)
 * is taken over at probe time, and the log never claims otherwise. */
static void foreign_driver_at_probe_time_taken_over(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;
	char buf[64];

	fx_write(fx, "modprobe.binds", "vfio_pci 0000:00:03.0 vfio-pci-is-not-here\n");
	fx_plan(fx, &p, "vfio.bind=00:03.0", NULL);
	fx_bind(fx, "0000:00:03.0", "e1000");	/* after the inventory */
	assert_int_equal(vb_run_apply(&fx->ctx, &p.inv, &p.rules, &p.mods, &p.plan,
				      &p.res), 0);
	assert_string_equal(fx_driver_of(fx, "0000:00:03.0", buf, sizeof(buf)), "vfio-pci");
	assert_non_null(strstr(fx->writes, "0000:00:03.0/driver/unbind=0000:00:03.0"));
	assert_false(fx_msg(fx, "host drivers cannot take it"));
	if (fx->ctx.errors)
		fail_msg("%s", fx->ctx.msg[0].text);
	fx_pipeline_free(fx, &p);
}

static void failed_probe_keeps_override(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;
	char buf[64];

	snprintf(fx->fail_probe, sizeof(fx->fail_probe), "0000:00:03.0");
	apply_rules(fx, &p, "vfio.bind=0000:00:03.0");
	assert_string_equal(fx_driver_of(fx, "0000:00:03.0", buf, sizeof(buf)), "");
	assert_string_equal(fx_read(fx, "sys/bus/pci/devices/0000:00:03.0/driver_override",
				    buf, sizeof(buf)), "vfio-pci");
	assert_true(fx_msg(fx, "0000:00:03.0: not bound to vfio-pci after probing (driver: none); driver_override stays"));
	assert_int_equal(fx->ctx.errors, 1);
	assert_int_equal(p.res.failed, 1);
	assert_int_equal(p.res.bound, 0);
	assert_int_equal(vb_exit_status(&fx->ctx, &p.plan, &p.res), VB_EXIT_FAILED);
	fx_pipeline_free(fx, &p);
}

/* Without its driver the device is held, not handed back: the override
 * written before the load stays, the host driver it had is taken off,
 * and nothing probes it.  Fails closed: a device meant for a VM never
 * ends up on a host driver because a run failed. */
static void module_load_failure_holds_device(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;
	char buf[64];

	fx_bind(fx, "0000:00:03.0", "e1000");
	fx_write(fx, "modprobe.fail", "vfio_pci\n");
	apply_rules(fx, &p, "vfio.bind=0000:00:03.0");
	assert_true(fx_msg(fx, "loading module vfio_pci failed"));
	assert_true(fx_msg(fx, "0000:00:03.0: module vfio_pci did not load: the device keeps driver_override=vfio-pci and gets no driver"));
	assert_true(fx_msg(fx, "0000:00:03.0: held without a driver (driver_override vfio-pci) after the failure above"));
	assert_string_equal(fx_read(fx, "sys/bus/pci/devices/0000:00:03.0/driver_override",
				    buf, sizeof(buf)), "vfio-pci");
	assert_string_equal(fx_driver_of(fx, "0000:00:03.0", buf, sizeof(buf)), "");
	assert_string_equal(fx->writes,
			    "/sys/bus/pci/devices/0000:00:03.0/driver_override=vfio-pci\n"
			    "/sys/bus/pci/devices/0000:00:03.0/driver/unbind=0000:00:03.0\n");
	assert_int_equal(p.res.failed, 1);
	assert_int_equal(vb_exit_status(&fx->ctx, &p.plan, &p.res), VB_EXIT_FAILED);
	fx_pipeline_free(fx, &p);
}

static void builtin_vfio_pci_is_not_loaded(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;
	char buf[64];

	fx_write(fx, "lib/modules/" FX_KVER "/modules.builtin",
		 "kernel/drivers/vfio/pci/vfio-pci.ko\nkernel/drivers/vfio/vfio_iommu_type1.ko\n");
	fx_driver(fx, "vfio-pci", NULL);
	fx_write(fx, "modprobe.fail", "vfio_pci\nvfio_iommu_type1\n");
	apply_rules(fx, &p, "vfio.bind=0000:00:03.0");
	assert_string_equal(fx_driver_of(fx, "0000:00:03.0", buf, sizeof(buf)), "vfio-pci");
	assert_string_equal(modprobe_log(fx), "");
	if (fx->ctx.errors)
		fail_msg("%s", fx->ctx.msg[0].text);
	fx_pipeline_free(fx, &p);
}

/* xhci_pci registers the driver xhci_hcd: plan and apply agree on the
 * name, so a device already on it is only given the override. */
static void driver_named_unlike_its_module(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;
	char buf[64];

	fx_dev(fx, "0000:00:05.0", NULL, 0x1b36, 0x000d, 0x0c0330, 5);
	fx_driver(fx, "xhci_hcd", "xhci_pci");
	fx_bind(fx, "0000:00:05.0", "xhci_hcd");
	fx_modules(fx, "vfio vfio_pci vfio_iommu_type1 xhci_pci");
	fx_plan(fx, &p, "vfio.bind=00:05.0=xhci_pci", NULL);
	assert_string_equal(fx_dev_plan(&p, "0000:00:05.0")->driver, "xhci_hcd");
	assert_string_equal(fx_dev_plan(&p, "0000:00:05.0")->module, "xhci_pci");
	assert_int_equal(vb_run_apply(&fx->ctx, &p.inv, &p.rules, &p.mods, &p.plan,
				      &p.res), 0);
	assert_non_null(strstr(fx->writes, "0000:00:05.0/driver_override=xhci_hcd\n"));
	assert_null(strstr(fx->writes, "unbind"));
	assert_string_equal(fx_driver_of(fx, "0000:00:05.0", buf, sizeof(buf)), "xhci_hcd");
	if (fx->ctx.errors)
		fail_msg("%s", fx->ctx.msg[0].text);
	fx_pipeline_free(fx, &p);
}

static void group_companions_bound_and_refusal_writes_nothing(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;
	char buf[64];

	fx_dev(fx, "0000:00:1e.0", NULL, 0x1b36, 0x000e, 0x060400, 5);
	fx_bind(fx, "0000:00:1e.0", "pcieport");
	fx_dev(fx, "0000:01:01.0", "0000:00:1e.0", 0x8086, 0x100e, 0x020000, 5);
	fx_dev(fx, "0000:01:01.1", "0000:00:1e.0", 0x8086, 0x100e, 0x020000, 5);
	fx_dev(fx, "0000:00:1f.2", NULL, 0x8086, 0x2922, 0x010601, 6);
	fx_dev(fx, "0000:00:1f.3", NULL, 0x8086, 0x2930, 0x0c0500, 6);
	apply_rules(fx, &p, "vfio.bind=01:01.1,00:1f.3");
	assert_string_equal(fx_driver_of(fx, "0000:01:01.0", buf, sizeof(buf)), "vfio-pci");
	assert_string_equal(fx_driver_of(fx, "0000:01:01.1", buf, sizeof(buf)), "vfio-pci");
	assert_string_equal(fx_driver_of(fx, "0000:00:1e.0", buf, sizeof(buf)), "pcieport");
	assert_null(strstr(fx->writes, "0000:00:1e.0"));
	assert_null(strstr(fx->writes, "0000:00:1f."));
	assert_int_equal(fx->ctx.errors, 1);	/* the refusal */
	fx_pipeline_free(fx, &p);
}

/* One member cannot be taken: the group is held as far as it was
 * claimed, never given back to host drivers by apply. */
static void group_held_when_one_member_fails(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;
	char buf[64];

	fx_dev(fx, "0000:00:1e.0", NULL, 0x1b36, 0x000e, 0x060400, 5);
	fx_dev(fx, "0000:01:01.0", "0000:00:1e.0", 0x8086, 0x100e, 0x020000, 5);
	fx_dev(fx, "0000:01:01.1", "0000:00:1e.0", 0x8086, 0x100e, 0x020000, 5);
	fx_native(fx, "0000:01:01.0", "e1000");
	fx_native(fx, "0000:01:01.1", "e1000");
	fx_bind(fx, "0000:01:01.0", "e1000");
	fx_bind(fx, "0000:01:01.1", "e1000");
	snprintf(fx->fail_unbind, sizeof(fx->fail_unbind), "0000:01:01.1");
	apply_rules(fx, &p, "vfio.bind=01:01.0");
	assert_string_equal(fx_driver_of(fx, "0000:01:01.0", buf, sizeof(buf)), "vfio-pci");
	assert_string_equal(fx_driver_of(fx, "0000:01:01.1", buf, sizeof(buf)), "e1000");
	assert_string_equal(fx_read(fx, "sys/bus/pci/devices/0000:01:01.0/driver_override",
				    buf, sizeof(buf)), "vfio-pci");
	assert_string_equal(fx_read(fx, "sys/bus/pci/devices/0000:01:01.1/driver_override",
				    buf, sizeof(buf)), "vfio-pci");
	assert_true(fx_msg(fx, "0000:01:01.1: claiming its IOMMU group failed: it keeps driver_override and gets no host driver; 'vfiobind release' gives it back"));
	assert_true(fx_msg(fx, "0000:01:01.1: still bound to e1000 after the failure above"));
	assert_true(fx_msg(fx, "IOMMU group 5 is not viable for vfio: 0000:01:01.1 is bound to e1000"));
	assert_null(strstr(fx->writes, "drivers_probe=0000:01:01.1"));
	assert_int_equal(vb_exit_status(&fx->ctx, &p.plan, &p.res), VB_EXIT_FAILED);
	fx_pipeline_free(fx, &p);
}

/* A rule naming a host driver is not judged by vfio's viability. */
static void host_driver_target_applies_cleanly(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;
	char buf[64];

	fx_bind(fx, "0000:00:03.0", "e1000");
	apply_rules(fx, &p, "vfio.bind=00:04.0=e1000");
	assert_string_equal(fx_driver_of(fx, "0000:00:04.0", buf, sizeof(buf)), "e1000");
	assert_false(fx_msg(fx, "not viable"));
	if (fx->ctx.errors)
		fail_msg("%s", fx->ctx.msg[0].text);
	fx_pipeline_free(fx, &p);
}

/* pci-stub needs no IOMMU: without one, pci-stub rules still hold and
 * only the vfio ones are refused, with the one error that says why. */
static void no_iommu_pci_stub_still_applied(void **state)
{
	struct fx fx;
	struct fx_pipeline p;
	char buf[64];

	(void)state;
	fx_init(&fx);
	fx_dev(&fx, "0000:00:03.0", NULL, 0x8086, 0x100e, 0x020000, -1);
	fx_dev(&fx, "0000:00:04.0", NULL, 0x8086, 0x100e, 0x020000, -1);
	fx_native(&fx, "0000:00:04.0", "e1000");
	apply_rules(&fx, &p, "vfio.bind=00:03.0=pci-stub");
	assert_string_equal(fx_driver_of(&fx, "0000:00:03.0", buf, sizeof(buf)), "pci-stub");
	assert_false(fx_msg(&fx, "no IOMMU groups"));
	assert_int_equal(fx.ctx.errors, 0);
	fx_pipeline_free(&fx, &p);

	apply_rules(&fx, &p, "vfio.bind=00:03.0=pci-stub,00:04.0");
	assert_int_equal(fx_dev_plan(&p, "0000:00:04.0")->claim, CLAIM_REFUSED);
	assert_true(fx_msg(&fx, "no IOMMU groups under"));
	assert_true(fx_msg(&fx, "only pci-stub rules hold: 1 device left untouched"));
	assert_null(strstr(fx.writes, "0000:00:04.0"));
	assert_int_equal(fx.ctx.errors, 1);
	fx_pipeline_free(&fx, &p);
	fx_free(&fx);
}

static void sriov_pf(struct fx *fx, int numvfs)
{
	fx_dev(fx, "0000:00:1c.0", NULL, 0x1b36, 0x000c, 0x060400, 6);
	fx_bind(fx, "0000:00:1c.0", "pcieport");
	fx_dev(fx, "0000:01:00.0", "0000:00:1c.0", 0x1b36, 0x0010, 0x010802, 7);
	fx_sriov(fx, "0000:01:00.0", 4, numvfs);
	fx_native(fx, "0000:01:00.0", "nvme");
}

static void sriov_native_pf_vfs_to_vfio(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;
	char buf[64];
	const char *off, *on, *num;

	sriov_pf(fx, 0);
	apply_rules(fx, &p, "vfio.sriov=0000:01:00.0=2");
	assert_string_equal(fx_driver_of(fx, "0000:01:00.0", buf, sizeof(buf)), "nvme");
	assert_string_equal(fx_driver_of(fx, "0000:01:00.1", buf, sizeof(buf)), "vfio-pci");
	assert_string_equal(fx_driver_of(fx, "0000:01:00.2", buf, sizeof(buf)), "vfio-pci");
	off = strstr(fx->writes, "0000:01:00.0/sriov_drivers_autoprobe=0");
	num = strstr(fx->writes, "0000:01:00.0/sriov_numvfs=2");
	/* left at 0: VFs made later wait for the udev rule's override */
	on = strstr(fx->writes, "0000:01:00.0/sriov_drivers_autoprobe=1");
	if (!(off && num && !on && off < num))
		fail_msg("writes:\n%s", fx->writes);
	assert_non_null(strstr(modprobe_log(fx), "pci:v00001B36d00000010"));
	assert_int_equal(fx->ctx.errors, 0);
	fx_pipeline_free(fx, &p);

	/* idempotent with VFs in place */
	fx->writes[0] = '\0';
	fx->ctx.writes = 0;	/* a new run */
	apply_rules(fx, &p, "vfio.sriov=0000:01:00.0=2");
	assert_string_equal(fx->writes, "");
	fx_pipeline_free(fx, &p);

	/* a new count goes through 0 */
	apply_rules(fx, &p, "vfio.sriov=0000:01:00.0=3");
	num = strstr(fx->writes, "0000:01:00.0/sriov_numvfs=0\n");
	assert_non_null(num);
	assert_non_null(strstr(num, "0000:01:00.0/sriov_numvfs=3\n"));
	assert_string_equal(fx_driver_of(fx, "0000:01:00.3", buf, sizeof(buf)), "vfio-pci");
	assert_int_equal(fx->ctx.errors, 0);
	fx_pipeline_free(fx, &p);
}

/* The fake kernel itself: writing 0 removes the VFs, as the kernel does,
 * so the tests that go through 0 see new VFs and not stale ones. */
static void fake_kernel_removes_vfs(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;
	char buf[64];

	sriov_pf(fx, 0);
	apply_rules(fx, &p, "vfio.sriov=0000:01:00.0=2");
	fx_pipeline_free(fx, &p);
	assert_string_equal(fx_driver_of(fx, "0000:01:00.1", buf, sizeof(buf)), "vfio-pci");
	assert_int_equal(vb_write_attr(&fx->ctx, "/sys/bus/pci/devices/0000:01:00.0/sriov_numvfs", "0"), 0);
	assert_false(vb_exists(&fx->ctx, "/sys/bus/pci/devices/0000:01:00.1"));
	assert_false(vb_exists(&fx->ctx, "/sys/bus/pci/devices/0000:01:00.2"));
	assert_false(vb_exists(&fx->ctx, "/sys/bus/pci/devices/0000:01:00.0/virtfn0"));
	assert_false(vb_exists(&fx->ctx, "/sys/devices/pci0000:00/0000:01:00.1"));
	assert_string_equal(fx_read(fx, "sys/bus/pci/devices/0000:01:00.0/sriov_numvfs", buf, sizeof(buf)), "0");
}

static size_t count_in(const char *hay, const char *needle)
{
	size_t n = 0;

	while ((hay = strstr(hay, needle))) {
		n++;
		hay++;
	}
	return n;
}

/* A huge config of items that match nothing, with an SR-IOV change that
 * makes apply plan twice: bounded time, a bounded kernel log. */
static void many_unmatched_items_stay_cheap(void **state)
{
	static char conf[CONFIG_BYTES];
	static char log[1 << 20];
	struct fx *fx = *state;
	struct fx_pipeline p;
	size_t len = 0;
	long t0;
	int i;

	sriov_pf(fx, 0);
	for (i = 0; i < 12000; i++) {
		if (i % 300 == 0)
			len += (size_t)snprintf(conf + len, sizeof(conf) - len,
						"%sbind", i ? "\n" : "");
		len += (size_t)snprintf(conf + len, sizeof(conf) - len,
					" 1af4:%04x", i);
	}
	snprintf(conf + len, sizeof(conf) - len, "\nsriov 0000:01:00.0=2\n");
	t0 = fx_now_ms();
	fx_plan(fx, &p, NULL, conf);
	assert_int_equal(vb_run_apply(&fx->ctx, &p.inv, &p.rules, &p.mods, &p.plan,
				      &p.res), 0);
	if (fx_now_ms() - t0 > 10000)
		fail_msg("12000 unmatched items took %ld ms", fx_now_ms() - t0);
	fx_read(fx, "dev/kmsg", log, sizeof(log));
	assert_true(count_in(log, "match no PCI device") +
		    count_in(log, "matches no PCI device") <= 8);
	assert_non_null(strstr(log, "and 11995 more items match no PCI device"));
	assert_true(fx->ctx.nmsg < 20);
	fx_pipeline_free(fx, &p);
}

/* Fewer VFs: a bind rule naming a VF the change removes cannot hold, and
 * the run says so (its match in the plan before the change is no match). */
static void vf_removed_by_count_change_reported(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;

	sriov_pf(fx, 0);
	apply_rules(fx, &p, "vfio.sriov=0000:01:00.0=3");
	fx_pipeline_free(fx, &p);
	assert_true(vb_exists(&fx->ctx, "/sys/bus/pci/devices/0000:01:00.3"));
	fx->ctx.errors = 0;
	fx->writes[0] = '\0';
	apply_rules(fx, &p, "vfio.sriov=0000:01:00.0=1 vfio.bind=0000:01:00.3=pci-stub");
	assert_false(vb_exists(&fx->ctx, "/sys/bus/pci/devices/0000:01:00.3"));
	assert_null(strstr(fx->writes, "0000:01:00.3/driver_override"));
	assert_true(fx_msg(fx, "vfio.bind item '0000:01:00.3=pci-stub' matches no PCI device"));
	assert_int_equal(fx->ctx.errors, 1);
	fx_pipeline_free(fx, &p);
}

static void sriov_pf_stub_and_vfio_pf(void **state)
{
	struct fx fx;
	struct fx_pipeline p;
	char buf[64];

	(void)state;
	fx_init(&fx);
	base(&fx);
	sriov_pf(&fx, 0);
	apply_rules(&fx, &p, "vfio.sriov=0000:01:00.0=1+pf=pci-pf-stub");
	assert_string_equal(fx_driver_of(&fx, "0000:01:00.0", buf, sizeof(buf)), "pci-pf-stub");
	assert_string_equal(fx_driver_of(&fx, "0000:01:00.1", buf, sizeof(buf)), "vfio-pci");
	assert_non_null(strstr(modprobe_log(&fx), "pci_pf_stub"));
	if (fx.ctx.errors)
		fail_msg("%s", fx.ctx.msg[0].text);
	fx_pipeline_free(&fx, &p);
	fx_free(&fx);

	fx_init(&fx);
	base(&fx);
	sriov_pf(&fx, 0);
	apply_rules(&fx, &p, "vfio.sriov=0000:01:00.0=2+pf=vfio-pci");
	assert_string_equal(fx_driver_of(&fx, "0000:01:00.0", buf, sizeof(buf)), "vfio-pci");
	assert_string_equal(fx_driver_of(&fx, "0000:01:00.2", buf, sizeof(buf)), "vfio-pci");
	assert_non_null(strstr(modprobe_log(&fx), "vfio_pci enable_sriov=1"));
	if (fx.ctx.errors)
		fail_msg("%s", fx.ctx.msg[0].text);
	fx_pipeline_free(&fx, &p);
	fx_free(&fx);
}

/* A built-in or preloaded native PF driver: taken over once, VFs made. */
static void sriov_vfio_pf_taken_from_bound_driver(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;
	char buf[64];
	const char *first;

	sriov_pf(fx, 0);
	fx_bind(fx, "0000:01:00.0", "nvme");
	apply_rules(fx, &p, "vfio.sriov=0000:01:00.0=2+pf=vfio-pci");
	assert_string_equal(fx_driver_of(fx, "0000:01:00.0", buf, sizeof(buf)), "vfio-pci");
	assert_string_equal(fx_driver_of(fx, "0000:01:00.2", buf, sizeof(buf)), "vfio-pci");
	first = strstr(fx->writes, "0000:01:00.0/driver/unbind");
	assert_non_null(first);
	assert_null(strstr(first + 1, "0000:01:00.0/driver/unbind"));
	if (fx->ctx.errors)
		fail_msg("%s", fx->ctx.msg[0].text);
	fx_pipeline_free(fx, &p);
}

/* A rule naming a VF that does not exist yet is planned once it does. */
static void rule_for_a_vf_made_by_the_same_run(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;
	char buf[64];

	sriov_pf(fx, 0);
	apply_rules(fx, &p, "vfio.sriov=0000:01:00.0=2 vfio.bind=0000:01:00.1=pci-stub");
	assert_string_equal(fx_driver_of(fx, "0000:01:00.1", buf, sizeof(buf)), "pci-stub");
	assert_string_equal(fx_driver_of(fx, "0000:01:00.2", buf, sizeof(buf)), "vfio-pci");
	if (fx->ctx.errors)
		fail_msg("%s", fx->ctx.msg[0].text);
	fx_pipeline_free(fx, &p);
}

/* SR-IOV rules that cannot hold write nothing at all. */
static void sriov_conflicts_write_nothing(void **state)
{
	static const char *const cmdlines[] = {
		"vfio.bind=01:00.0=host vfio.sriov=01:00.0=2+pf=vfio-pci",
		"vfio.sriov=01:00.0=2+vf=nosuch_vf_drv",
	};
	struct fx *fx = *state;
	struct fx_pipeline p;
	size_t i;

	sriov_pf(fx, 0);
	fx_bind(fx, "0000:01:00.0", "nvme");
	for (i = 0; i < sizeof(cmdlines) / sizeof(cmdlines[0]); i++) {
		fx->writes[0] = '\0';
		fx->ctx.writes = 0;	/* a new run */
		apply_rules(fx, &p, cmdlines[i]);
		if (fx->writes[0])
			fail_msg("%s wrote:\n%s", cmdlines[i], fx->writes);
		assert_int_equal(p.plan.nsriov, 0);
		fx_pipeline_free(fx, &p);
	}
}

/* The exit status is what the run found, whatever the log says: an error
 * line alone fails nothing, a failed claim fails the run. */
static void exit_status_from_results(void **state)
{
	struct fx *fx = *state;
	struct vb_plan plan = { 0 };
	struct vb_results res = { 0 };

	vb_err(&fx->ctx, "an error line that is no result");
	assert_int_equal(vb_exit_status(&fx->ctx, &plan, &res), VB_EXIT_OK);
	assert_int_equal(vb_exit_status(&fx->ctx, &plan, NULL), VB_EXIT_OK);
	res.sriov_failed = 1;
	assert_int_equal(vb_exit_status(&fx->ctx, &plan, &res), VB_EXIT_FAILED);
	res.sriov_failed = 0;
	res.plan_errors = true;
	assert_int_equal(vb_exit_status(&fx->ctx, &plan, &res), VB_EXIT_FAILED);
	res.plan_errors = false;
	plan.errors = 1;
	assert_int_equal(vb_exit_status(&fx->ctx, &plan, NULL), VB_EXIT_FAILED);
	fx->ctx.parse_errors = 1;
	assert_int_equal(vb_exit_status(&fx->ctx, &plan, &res), VB_EXIT_USAGE);
}

static void record_written(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;
	char buf[4096];

	fx_write(fx, "run/.keep", "");
	apply_rules(fx, &p, "vfio.bind=0000:00:03.0");
	assert_int_equal(vb_record_write(&fx->ctx, &p.inv, &p.plan, 0), 0);
	fx_read(fx, "run/vfiobind/state.json", buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"exit_status\": 0"));
	assert_non_null(strstr(buf, "\"address\": \"0000:00:03.0\""));
	assert_non_null(strstr(buf, "\"current_driver\": \"vfio-pci\""));
	fx_pipeline_free(fx, &p);
}

const struct CMUnitTest apply_tests[] = {
	cmocka_unit_test_setup_teardown(override_before_unbind_then_verified, base_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(overrides_written_before_modules_load, base_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(foreign_driver_at_probe_time_taken_over, base_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(failed_probe_keeps_override, base_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(module_load_failure_holds_device, base_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(builtin_vfio_pci_is_not_loaded, base_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(driver_named_unlike_its_module, base_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(group_companions_bound_and_refusal_writes_nothing, base_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(host_driver_target_applies_cleanly, base_setup, fx_teardown),
	cmocka_unit_test(no_iommu_pci_stub_still_applied),
	cmocka_unit_test_setup_teardown(sriov_native_pf_vfs_to_vfio, base_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(fake_kernel_removes_vfs, base_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(many_unmatched_items_stay_cheap, base_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(vf_removed_by_count_change_reported, base_setup, fx_teardown),
	cmocka_unit_test(sriov_pf_stub_and_vfio_pf),
	cmocka_unit_test_setup_teardown(sriov_vfio_pf_taken_from_bound_driver, base_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(rule_for_a_vf_made_by_the_same_run, base_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(sriov_conflicts_write_nothing, base_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(group_held_when_one_member_fails, base_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(exit_status_from_results, base_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(record_written, base_setup, fx_teardown),
};
const size_t apply_tests_count = sizeof(apply_tests) / sizeof(apply_tests[0]);
