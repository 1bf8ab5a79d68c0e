// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * After boot: release (groups back to the host, never one a VM holds)
 * and apply --device (only the named devices' groups), against the fake
 * kernel.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"

/* Two e1000 on vfio-pci, 00:03.0 alone in group 3, 00:04.0 and 00:04.1
 * sharing group 4; e1000 is what the kernel binds without an override. */
static int claimed_setup(void **state)
{
	struct fx *fx = fx_new();
	static const char *const addrs[] = { "0000:00:03.0", "0000:00:04.0",
					     "0000:00:04.1" };
	char rel[PATH_MAX];
	size_t i;

	fx_dev(fx, "0000:00:03.0", NULL, 0x8086, 0x100e, 0x020000, 3);
	fx_dev(fx, "0000:00:04.0", NULL, 0x8086, 0x100e, 0x020000, 4);
	fx_dev(fx, "0000:00:04.1", NULL, 0x8086, 0x100e, 0x020000, 4);
	fx_driver(fx, "vfio-pci", "vfio_pci");
	fx_write(fx, "run/.keep", "");
	for (i = 0; i < 3; i++) {
		fx_native(fx, addrs[i], "e1000");
		fx_bind(fx, addrs[i], "vfio-pci");
		snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/driver_override",
			 addrs[i]);
		fx_write(fx, rel, "vfio-pci\n");
	}
	*state = fx;
	return 0;
}

static int release_with(struct fx *fx, const char *addr, bool dry_run,
			bool force)
{
	struct vb_inventory inv;
	struct vb_selector sel;
	int status;

	assert_int_equal(vb_inventory_read(&fx->ctx, &inv, NULL), 0);
	if (addr)
		assert_int_equal(vb_parse_addr(addr, &sel), 0);
	status = vb_release(&fx->ctx, &inv, &sel, addr ? 1 : 0, dry_run, force);
	vb_inventory_free(&inv);
	return status;
}

static int release(struct fx *fx, const char *addr, bool dry_run)
{
	return release_with(fx, addr, dry_run, false);
}

static int release_forced(struct fx *fx, const char *addr)
{
	return release_with(fx, addr, false, true);
}

static void release_gives_the_whole_group_back(void **state)
{
	struct fx *fx = *state;
	char buf[512];

	assert_int_equal(release(fx, "00:04.1", false), 0);
	assert_string_equal(fx_driver_of(fx, "0000:00:04.0", buf, sizeof(buf)), "e1000");
	assert_string_equal(fx_driver_of(fx, "0000:00:04.1", buf, sizeof(buf)), "e1000");
	assert_string_equal(fx_driver_of(fx, "0000:00:03.0", buf, sizeof(buf)), "vfio-pci");
	assert_string_equal(fx_read(fx, "sys/bus/pci/devices/0000:00:04.0/driver_override", buf, sizeof(buf)), "(null)");
	assert_non_null(strstr(fx->writes,
		"/sys/bus/pci/devices/0000:00:04.0/driver_override=\n\n"
		"/sys/bus/pci/devices/0000:00:04.0/driver/unbind=0000:00:04.0\n"
		"/sys/bus/pci/drivers_probe=0000:00:04.0\n"));
	assert_null(strstr(fx->writes, "0000:00:03.0"));
	assert_true(fx_msg(fx, "0000:00:04.1: released; host driver e1000 took it"));
	fx_read(fx, "run/vfiobind/release.json", buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"address\": \"0000:00:04.1\",\n      \"driver\": \"e1000\""));
}

/* A group open through vfio is refused whole and nothing is written. */
static void release_refuses_a_group_in_use(void **state)
{
	struct fx *fx = *state;
	char buf[64];

	fx_link(fx, "proc/4242/fd/7", "/dev/vfio/4");
	fx_write(fx, "proc/4242/comm", "qemu-system-x86\n");
	assert_int_equal(release(fx, "00:04.0", false), 1);
	assert_string_equal(fx->writes, "");
	assert_true(fx_msg(fx, "IOMMU group 4 (0000:00:04.0) is in use by process 4242 (qemu-system-x86): not released"));
	assert_string_equal(fx_driver_of(fx, "0000:00:04.0", buf, sizeof(buf)), "vfio-pci");
	/* the vfio device cdev counts too */
	fx_link(fx, "proc/4242/fd/7", "/dev/vfio/devices/vfio0");
	fx_write(fx, "sys/bus/pci/devices/0000:00:03.0/vfio-dev/vfio0/dev", "511:0\n");
	assert_int_equal(release(fx, "00:03.0", false), 1);
	assert_string_equal(fx->writes, "");
}

/* A PF on vfio-pci (pf=vfio-pci) with two VFs in groups of their own:
 * giving the PF back turns SR-IOV off and removes the VFs. */
static void sriov_pf_on_vfio(struct fx *fx)
{
	static const char *const addrs[] = { "0000:01:00.0", "0000:01:00.1",
					     "0000:01:00.2" };
	char rel[PATH_MAX];
	size_t i;

	fx_dev(fx, "0000:01:00.0", NULL, 0x1b36, 0x0010, 0x010802, 10);
	fx_sriov(fx, "0000:01:00.0", 4, 2);
	fx_vf(fx, "0000:01:00.1", "0000:01:00.0", 0, 0x0010, 11);
	fx_vf(fx, "0000:01:00.2", "0000:01:00.0", 1, 0x0010, 12);
	for (i = 0; i < 3; i++) {
		fx_native(fx, addrs[i], "nvme");
		fx_bind(fx, addrs[i], "vfio-pci");
		snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/driver_override",
			 addrs[i]);
		fx_write(fx, rel, "vfio-pci\n");
		snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/enable", addrs[i]);
		fx_write(fx, rel, "0\n");
	}
	fx_write(fx, "proc/4242/comm", "qemu-system-x86\n");
}

/* The kernel log and the errors of one run only. */
static void new_run(struct fx *fx)
{
	fx_write(fx, "dev/kmsg", "");
	vb_ctx_free(&fx->ctx);
	fx->ctx.errors = 0;
}

static const char vf_held[] =
	"IOMMU group 10 (0000:01:00.0): 0000:01:00.2, in IOMMU group 12 of a VF of PF 0000:01:00.0, is in use by process 4242 (qemu-system-x86)";

/* Every way a VM holds one VF stops the PF's release, and nothing is
 * written. */
static void release_refuses_a_pf_whose_vf_is_held(void **state)
{
	static const char *const files[] = {
		"/dev/vfio/12", "/dev/vfio/noiommu-12", "/dev/vfio/devices/vfio3",
	};
	struct fx *fx = *state;
	size_t i;

	sriov_pf_on_vfio(fx);
	fx_write(fx, "sys/bus/pci/devices/0000:01:00.2/vfio-dev/vfio3/dev", "511:3\n");
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		fx_link(fx, "proc/4242/fd/7", files[i]);
		assert_int_equal(release(fx, "01:00.0", false), 1);
		assert_string_equal(fx->writes, "");
		assert_true(fx_msg(fx, vf_held));
		new_run(fx);
	}
	/* the VF's own group, too */
	assert_int_equal(release(fx, "01:00.2", false), 1);
	assert_true(fx_msg(fx, "IOMMU group 12 (0000:01:00.2) is in use by process 4242 (qemu-system-x86): not released"));
	assert_string_equal(fx->writes, "");
}

/* A device file kept after the group's file was closed: before Linux
 * 6.18 its fdinfo does not say which device, and vfio has the held one
 * enabled; since 6.18 fdinfo names it. */
static void release_sees_a_vfio_device_file(void **state)
{
	struct fx *fx = *state;
	char buf[64];

	sriov_pf_on_vfio(fx);
	fx_link(fx, "proc/4242/fd/7", "anon_inode:[vfio-device]");
	fx_write(fx, "proc/4242/fdinfo/7", "pos:\t0\nflags:\t02000002\nmnt_id:\t15\nino:\t9633\n");
	fx_write(fx, "sys/bus/pci/devices/0000:01:00.2/enable", "1\n");
	assert_int_equal(release(fx, "01:00.0", false), 1);
	assert_true(fx_msg(fx, vf_held));
	assert_string_equal(fx->writes, "");
	new_run(fx);
	/* fdinfo names another device: not this PF's */
	fx_write(fx, "proc/4242/fdinfo/7", "pos:\t0\nvfio-device-syspath: /sys/devices/pci0000:00/0000:00:03.0\n");
	fx_write(fx, "sys/bus/pci/devices/0000:01:00.2/enable", "0\n");
	assert_int_equal(release(fx, "01:00.0", true), 0);
	assert_false(fx_msg(fx, "in use"));
	/* fdinfo names the VF */
	fx_write(fx, "proc/4242/fdinfo/7", "pos:\t0\nvfio-device-syspath: /sys/devices/pci0000:00/0000:01:00.2\n");
	assert_int_equal(release(fx, "01:00.0", true), 1);
	assert_true(fx_msg(fx, vf_held));
	new_run(fx);
	/* vfio has it open, and no process is seen holding it */
	unlink(strcat(strcpy(buf, fx->root), "/proc/4242/fd/7"));
	fx_write(fx, "sys/bus/pci/devices/0000:01:00.1/enable", "1\n");
	assert_int_equal(release(fx, "01:00.0", false), 1);
	assert_true(fx_msg(fx, "IOMMU group 10 (0000:01:00.0): 0000:01:00.1, in IOMMU group 11 of a VF of PF 0000:01:00.0, is in use by a process not found in /proc (vfio has 0000:01:00.1 open)"));
	assert_string_equal(fx->writes, "");
}

/* --force: released with a warning that names the holder. */
static void release_force_warns(void **state)
{
	struct fx *fx = *state;
	char buf[64];

	sriov_pf_on_vfio(fx);
	fx_link(fx, "proc/4242/fd/7", "/dev/vfio/11");
	assert_int_equal(release_forced(fx, "01:00.0"), 0);
	assert_true(fx_msg(fx, "is in use by process 4242 (qemu-system-x86); giving the PF back removes its VFs: released anyway (--force)"));
	assert_string_equal(fx_driver_of(fx, "0000:01:00.0", buf, sizeof(buf)), "nvme");
}

/* A release argument is a bare selector: "off" is not one (it parsed as
 * 0000:00:00.0), and a target or an option would mean nothing. */
static void release_selectors_are_bare(void **state)
{
	static char out[4096], err[4096];
	struct fx *fx = *state;
	struct vb_selector sel;
	char msg[512];

	assert_int_equal(vb_release_selector("01:00.*", &sel, msg, sizeof(msg)), 0);
	assert_true(sel.any_func);
	assert_int_equal(vb_release_selector("off", &sel, msg, sizeof(msg)), -EINVAL);
	assert_string_equal(msg, "release: 'off' is not a device (vfio.bind=off turns the rules off at boot); name the devices to give back, or none for those the last apply claimed");
	assert_int_equal(vb_release_selector("0000:01:00.0=vfio-pci+allow-group", &sel, msg, sizeof(msg)), -EINVAL);
	assert_string_equal(msg, "release: selector '0000:01:00.0=vfio-pci+allow-group' has a target ('=vfio-pci'); release takes the device alone ('0000:01:00.0') and gives it to whichever host driver takes it");
	assert_int_equal(vb_release_selector("00:03.0+allow-group", &sel, msg, sizeof(msg)), -EINVAL);
	assert_string_equal(msg, "release: selector '00:03.0+allow-group' has an option ('+allow-group'); release takes the device alone ('00:03.0') and gives it to whichever host driver takes it");
	assert_int_equal(vb_release_selector("00:3.0", &sel, msg, sizeof(msg)), -EINVAL);
	assert_string_equal(msg, "release: bad selector '00:3.0': bad PCI address '00:3.0' (want [DDDD:]BB:SS.F or BB:SS.*, hex)");
	/* the command: usage error, nothing written */
	assert_int_equal(fx_run(fx, out, sizeof(out), err, sizeof(err), "release", "00:04.0", "off", NULL), 2);
	assert_non_null(strstr(err, "vfiobind: release: 'off' is not a device"));
	assert_int_equal(fx_run(fx, out, sizeof(out), err, sizeof(err), "--force", "plan", NULL), 2);
	assert_non_null(strstr(err, "--force goes with release"));
	assert_string_equal(fx->writes, "");
	assert_string_equal(fx_driver_of(fx, "0000:00:04.0", msg, sizeof(msg)), "vfio-pci");
}

/* Without a selector: what the last apply's record says it claimed. */
static void release_without_selector_takes_the_record(void **state)
{
	struct fx *fx = *state;
	char buf[64];

	assert_int_equal(release(fx, NULL, false), 1);
	assert_true(fx_msg(fx, "no record of an apply in "));
	assert_string_equal(fx->writes, "");
	fx->ctx.errors = 0;	/* a new run */
	fx_write(fx, "run/vfiobind/state.json",
		 "{\n  \"devices\": [\n    {\n      \"address\": \"0000:00:03.0\"\n    }\n  ],\n"
		 "  \"refused\": [\n    {\n      \"address\": \"0000:00:04.0\"\n    }\n  ]\n}\n");
	assert_int_equal(release(fx, NULL, false), 0);
	assert_string_equal(fx_driver_of(fx, "0000:00:03.0", buf, sizeof(buf)), "e1000");
	assert_string_equal(fx_driver_of(fx, "0000:00:04.0", buf, sizeof(buf)), "vfio-pci");
}

static void release_dry_run_writes_nothing(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(release(fx, "00:04.0", true), 0);
	assert_string_equal(fx->writes, "");
	assert_false(fx_msg(fx, "released"));
}

/* apply --device: the named device's group only; rules for other devices
 * neither act nor count as matching nothing. */
static void device_scope_touches_only_its_group(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;
	struct vb_selector scope;
	char buf[64];

	fx_dev(fx, "0000:00:05.0", NULL, 0x8086, 0x100e, 0x020000, 5);
	fx_native(fx, "0000:00:05.0", "e1000");
	fx_bind(fx, "0000:00:05.0", "e1000");
	fx_dev(fx, "0000:00:06.0", NULL, 0x8086, 0x100e, 0x020000, 6);
	fx_native(fx, "0000:00:06.0", "e1000");
	fx_bind(fx, "0000:00:06.0", "e1000");
	/* a device it must never read: unreadable, so reading it would warn */
	fx_write(fx, "sys/bus/pci/devices/0000:00:07.0/uevent", "");
	assert_int_equal(vb_parse_addr("00:06.0", &scope), 0);
	fx->ctx.scope = &scope;
	fx->ctx.nscope = 1;
	fx_plan(fx, &p, "vfio.bind=8086:100e vfio.bind=00:1f.0", NULL);
	assert_int_equal(p.inv.n, 1);
	assert_false(fx_msg(fx, "0000:00:07.0"));
	assert_int_equal(vb_run_apply(&fx->ctx, &p.inv, &p.rules, &p.mods, &p.plan, &p.res), 0);
	assert_string_equal(fx_driver_of(fx, "0000:00:06.0", buf, sizeof(buf)), "vfio-pci");
	assert_string_equal(fx_driver_of(fx, "0000:00:05.0", buf, sizeof(buf)), "e1000");
	assert_null(strstr(fx->writes, "0000:00:05.0"));
	assert_false(fx_msg(fx, "matches no PCI device"));
	assert_true(fx_msg(fx, "0000:00:06.0: unbinding from e1000"));
	assert_int_equal(fx->ctx.errors, 0);
	fx_pipeline_free(fx, &p);
}

/* A VF named by --device is claimed by its PF's rule, and the VF count an
 * operator chose is never changed by it. */
static void device_scope_never_changes_vf_counts(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;
	struct vb_selector scope;
	char buf[64];

	fx_dev(fx, "0000:01:00.0", NULL, 0x1b36, 0x0010, 0x010802, 10);
	fx_sriov(fx, "0000:01:00.0", 4, 3);
	fx_native(fx, "0000:01:00.0", "nvme");
	fx_bind(fx, "0000:01:00.0", "nvme");
	fx_vf(fx, "0000:01:00.1", "0000:01:00.0", 0, 0x0010, 11);
	fx_vf(fx, "0000:01:00.2", "0000:01:00.0", 1, 0x0010, 12);
	fx_vf(fx, "0000:01:00.3", "0000:01:00.0", 2, 0x0010, 13);
	assert_int_equal(vb_parse_addr("01:00.3", &scope), 0);
	fx->ctx.scope = &scope;
	fx->ctx.nscope = 1;
	fx_plan(fx, &p, "vfio.sriov=01:00.0=2", NULL);
	assert_int_equal(vb_run_apply(&fx->ctx, &p.inv, &p.rules, &p.mods, &p.plan, &p.res), 0);
	assert_null(strstr(fx->writes, "sriov_numvfs"));
	assert_string_equal(fx_driver_of(fx, "0000:01:00.3", buf, sizeof(buf)), "vfio-pci");
	assert_null(strstr(fx->writes, "0000:01:00.1"));
	assert_string_equal(fx_read(fx, "sys/bus/pci/devices/0000:01:00.0/sriov_numvfs", buf, sizeof(buf)), "3");
	fx_pipeline_free(fx, &p);

	/* nor for the PF itself when it has VFs: udev's coldplug replays
	 * (udevadm trigger) run it for a PF whose VFs VMs may hold */
	assert_int_equal(vb_parse_addr("01:00.0", &scope), 0);
	fx->writes[0] = '\0';
	fx_plan(fx, &p, "vfio.sriov=01:00.0=2", NULL);
	assert_int_equal(p.plan.nsriov, 1);
	assert_false(p.plan.sriov[0].change);
	assert_int_equal(vb_run_apply(&fx->ctx, &p.inv, &p.rules, &p.mods, &p.plan, &p.res), 0);
	assert_null(strstr(fx->writes, "sriov_numvfs"));
	fx_pipeline_free(fx, &p);

	/* a PF without VFs (one just added): the count of its rule */
	fx_write(fx, "sys/bus/pci/devices/0000:01:00.0/sriov_numvfs", "0\n");
	fx_plan(fx, &p, "vfio.sriov=01:00.0=2", NULL);
	assert_int_equal(p.plan.nsriov, 1);
	assert_true(p.plan.sriov[0].change);
	fx_pipeline_free(fx, &p);
}

/* A claim made after boot (apply --device, which udev runs) leaves its own
 * record, and release without a selector gives it back as well; a
 * --device run that changed nothing leaves none, not even for a device
 * already bound as planned. */
static void release_takes_records_of_device_runs(void **state)
{
	static char out[4096], err[4096];
	struct fx *fx = *state;
	char buf[64];

	assert_int_equal(fx_run(fx, out, sizeof(out), err, sizeof(err), "--config", "/dev/null",
				"--cmdline", "vfio.bind=00:03.0", "--device", "00:04.0", "apply", NULL), 0);
	assert_false(vb_exists(&fx->ctx, "/run/vfiobind/device-0000:00:04.0.json"));
	assert_int_equal(fx_run(fx, out, sizeof(out), err, sizeof(err), "--config", "/dev/null",
				"--cmdline", "vfio.bind=00:03.0", "--device", "00:03.0", "apply", NULL), 0);
	assert_false(vb_exists(&fx->ctx, "/run/vfiobind/device-0000:00:03.0.json"));
	fx_write(fx, "sys/bus/pci/devices/0000:00:03.0/driver_override", "(null)\n");
	assert_int_equal(fx_run(fx, out, sizeof(out), err, sizeof(err), "--config", "/dev/null",
				"--cmdline", "vfio.bind=00:03.0", "--device", "00:03.0", "apply", NULL), 0);
	assert_true(vb_exists(&fx->ctx, "/run/vfiobind/device-0000:00:03.0.json"));
	assert_false(vb_exists(&fx->ctx, "/run/vfiobind/state.json"));
	assert_int_equal(release(fx, NULL, false), 0);
	assert_string_equal(fx_driver_of(fx, "0000:00:03.0", buf, sizeof(buf)), "e1000");
	assert_string_equal(fx_driver_of(fx, "0000:00:04.0", buf, sizeof(buf)), "vfio-pci");
}

const struct CMUnitTest release_tests[] = {
	cmocka_unit_test_setup_teardown(release_takes_records_of_device_runs, claimed_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(release_gives_the_whole_group_back, claimed_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(release_refuses_a_group_in_use, claimed_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(release_refuses_a_pf_whose_vf_is_held, claimed_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(release_sees_a_vfio_device_file, claimed_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(release_force_warns, claimed_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(release_selectors_are_bare, claimed_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(release_without_selector_takes_the_record, claimed_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(release_dry_run_writes_nothing, claimed_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(device_scope_touches_only_its_group, claimed_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(device_scope_never_changes_vf_counts, claimed_setup, fx_teardown),
};
const size_t release_tests_count = sizeof(release_tests) / sizeof(release_tests[0]);
