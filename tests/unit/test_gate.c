// SPDX-License-Identifier: GPL-2.0-or-later
/* The udev gate: /run/udev/rules.d/69-vfiobind.rules, from full runs. */
#include <string.h>
#include <sys/stat.h>

#include "unit.h"

#define GATE "run/udev/rules.d/69-vfiobind.rules"
#define RUN ", GOTO=\"vfiobind_run\"\n"

static char out[8192], err[8192], text[16384];

static int gate_setup(void **state)
{
	struct fx *fx = fx_new();

	fx_dev(fx, "0000:00:03.0", NULL, 0x8086, 0x100e, 0x020000, 3);
	fx_dev(fx, "0000:00:04.0", NULL, 0x8086, 0x100e, 0x020000, 4);
	fx_dev(fx, "0000:00:04.1", NULL, 0x8086, 0x100e, 0x020000, 4);
	fx_native(fx, "0000:00:03.0", "e1000");
	fx_native(fx, "0000:00:04.0", "e1000");
	fx_native(fx, "0000:00:04.1", "e1000");
	fx_driver(fx, "vfio-pci", "vfio_pci");
	/* an SR-IOV PF whose VFs are 1b36:0011 */
	fx_dev(fx, "0000:05:00.0", NULL, 0x1b36, 0x0010, 0x010802, 5);
	fx_native(fx, "0000:05:00.0", "nvme");
	fx_bind(fx, "0000:05:00.0", "nvme");
	fx_sriov(fx, "0000:05:00.0", 4, 0);
	fx_write(fx, "sys/bus/pci/devices/0000:05:00.0/sriov_vf_device", "11\n");
	fx_write(fx, "run/.keep", "");
	*state = fx;
	return 0;
}

static int apply(struct fx *fx, const char *cmdline, const char *device)
{
	if (device)
		return fx_run(fx, out, sizeof(out), err, sizeof(err), "--config",
			      "/dev/null", "--cmdline", cmdline, "--device",
			      device, "apply", NULL);
	return fx_run(fx, out, sizeof(out), err, sizeof(err), "--config",
		      "/dev/null", "--cmdline", cmdline, "apply", NULL);
}

static int occurrences(const char *s, const char *needle)
{
	int n = 0;

	while ((s = strstr(s, needle))) {
		n++;
		s += strlen(needle);
	}
	return n;
}

static const char *gate(const struct fx *fx)
{
	return fx_read(fx, GATE, text, sizeof(text));
}

/* Every selector becomes the udev match that selects what it selects;
 * host exceptions start nothing; a serial rule passes every device. */
static void gate_matches_what_rules_select(void **state)
{
	struct fx *fx = *state;
	const char *g;

	apply(fx, "vfio.bind=00:04.0 vfio.bind=10de:1b80:1458:3702 "
		  "vfio.bind=class:010600/ffff00=host vfio.bind=class:03 "
		  "vfio.bind=class:0c0330/ffff30 vfio.bind=10000:e1:00.*=pci-stub "
		  "vfio.bind=path:0000:00:1c.0/00.0/01.* "
		  "vfio.sriov=0000:05:00.0=2 vfio.sriov=15b3:1017=4+vf=host", NULL);
	g = gate(fx);
	assert_non_null(strstr(g, "\nACTION!=\"add\", GOTO=\"vfiobind_end\"\n"
				  "SUBSYSTEM!=\"pci\", GOTO=\"vfiobind_end\"\n"));
	assert_non_null(strstr(g, "\nKERNEL==\"0000:00:04.0\"" RUN));
	assert_non_null(strstr(g, "\nATTR{vendor}==\"0x10de\", ATTR{device}==\"0x1b80\", "
				  "ATTR{subsystem_vendor}==\"0x1458\", "
				  "ATTR{subsystem_device}==\"0x3702\"" RUN));
	assert_null(strstr(g, "0x0106"));
	assert_non_null(strstr(g, "\nATTR{class}==\"0x03????\"" RUN));
	assert_non_null(strstr(g, "\nATTR{class}==\"0x0c03[37bf]?\"" RUN));
	assert_non_null(strstr(g, "\nKERNEL==\"10000:e1:00.?\"" RUN));
	assert_non_null(strstr(g, "\nDEVPATH==\"*/pci0000:00/0000:00:1c.0/0000:??:00.0/0000:??:01.?\"" RUN));
	/* the PF, and its VFs by the VF device ID it announces; vf=host:
	 * the PF alone */
	assert_non_null(strstr(g, "\nKERNEL==\"0000:05:00.0\"" RUN));
	assert_non_null(strstr(g, "\n# sriov 0000:05:00.0=2: its VFs\n"
				  "ATTR{vendor}==\"0x1b36\", ATTR{device}==\"0x0011\", TEST!=\"sriov_totalvfs\"" RUN));
	assert_non_null(strstr(g, "\nATTR{vendor}==\"0x15b3\", ATTR{device}==\"0x1017\"" RUN));
	assert_int_equal(occurrences(g, "its VFs"), 1);
	/* groups: the address named; its companion is in the same group,
	 * which one line covers */
	assert_non_null(strstr(g, "\nTEST==\"iommu_group/devices/0000:00:04.0\"" RUN));
	assert_null(strstr(g, "0000:00:04.1"));
	/* what it claimed with, held by its override: a coldplug replay */
	assert_non_null(strstr(g, "\nSUBSYSTEM!=\"pci\", GOTO=\"vfiobind_end\"\n# held by"));
	assert_int_equal(occurrences(g, "\nDRIVER==\"vfio-pci\", "
				     "ATTR{driver_override}==\"vfio-pci\", GOTO=\"vfiobind_end\"\n"), 1);
	assert_null(strstr(g, "DRIVER==\"pci-stub\""));
	assert_null(strstr(g, "0000:00:03.0"));
	assert_non_null(strstr(g, "\nGOTO=\"vfiobind_end\"\nLABEL=\"vfiobind_run\"\n"
				  "RUN+=\"/usr/sbin/vfiobind apply --device $kernel\"\n"
				  "LABEL=\"vfiobind_end\""));
	assert_null(strstr(g, "\nSUBSYSTEM==\"pci\"" RUN));

	apply(fx, "vfio.bind=serial:52-54-00-ff-ff-12-34-0b vfio.sriov=class:0108=1", NULL);
	g = gate(fx);
	assert_non_null(strstr(g, "\nSUBSYSTEM==\"pci\"" RUN));
	assert_non_null(strstr(g, "\n# sriov class:0108=1: its VFs\n"
				  "ATTR{vendor}==\"0x1b36\", ATTR{device}==\"0x0011\", TEST!=\"sriov_totalvfs\"" RUN));

	/* a slot by its address now, for the card and for a PF's VFs; a
	 * slot not there (yet) lets every device or VF through */
	fx_write(fx, "sys/bus/pci/slots/2/address", "0000:05:00\n");
	apply(fx, "vfio.sriov=slot:2=2 vfio.bind=slot:9", NULL);
	g = gate(fx);
	assert_non_null(strstr(g, "\n# sriov slot:2=2\nKERNEL==\"0000:05:00.?\"" RUN));
	assert_non_null(strstr(g, "\n# sriov slot:2=2: its VFs\n"
				  "ATTR{vendor}==\"0x1b36\", ATTR{device}==\"0x0011\", TEST!=\"sriov_totalvfs\"" RUN));
	assert_non_null(strstr(g, "\n# bind slot:9\n# (udev cannot tell: every device)\n"
				  "SUBSYSTEM==\"pci\"" RUN));
	/* no PF here now: no VF device ID, every device */
	apply(fx, "vfio.sriov=slot:9=2 vfio.sriov=path:0000:00:1c.0/00.0=1", NULL);
	g = gate(fx);
	assert_int_equal(occurrences(g, "\nSUBSYSTEM==\"pci\"" RUN), 3);
	assert_non_null(strstr(g, "\nDEVPATH==\"*/pci0000:00/0000:00:1c.0/0000:??:00.0\"" RUN));
}

/* The gate goes with the last rule, and with vfio.bind=off; plan and
 * --device runs never make one. */
static void gate_follows_full_runs(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(fx_run(fx, out, sizeof(out), err, sizeof(err), "--config",
				"/dev/null", "--cmdline", "vfio.bind=00:03.0", "plan", NULL), 0);
	assert_false(vb_exists(&fx->ctx, "/" GATE));
	apply(fx, "vfio.bind=00:03.0", "00:03.0");
	assert_false(vb_exists(&fx->ctx, "/" GATE));
	apply(fx, "vfio.bind=00:03.0", NULL);
	assert_non_null(strstr(gate(fx), "\nKERNEL==\"0000:00:03.0\"" RUN));
	assert_int_equal(apply(fx, "vfio.bind=00:03.0 vfio.bind=off", NULL), 0);
	assert_false(vb_exists(&fx->ctx, "/" GATE));
	apply(fx, "vfio.bind=00:03.0", NULL);
	assert_int_equal(apply(fx, "quiet", NULL), 0);
	assert_false(vb_exists(&fx->ctx, "/" GATE));
}

/* A --device run that claims a device adds its group to the gate, so
 * that a function joining that group later starts vfiobind too; one
 * that changes nothing leaves the file as it is. */
static void device_runs_add_their_groups(void **state)
{
	struct fx *fx = *state;
	char path[PATH_MAX];
	struct stat before, after;

	assert_int_equal(apply(fx, "vfio.bind=10de:1b80", NULL), 1);
	assert_null(strstr(gate(fx), "TEST=="));
	assert_null(strstr(gate(fx), "DRIVER=="));
	fx_dev(fx, "0000:00:06.0", NULL, 0x10de, 0x1b80, 0x030000, 6);
	fx_native(fx, "0000:00:06.0", "nouveau");
	fx_bind(fx, "0000:00:06.0", "nouveau");
	apply(fx, "vfio.bind=10de:1b80", "00:06.0");
	assert_non_null(strstr(gate(fx), "\nTEST==\"iommu_group/devices/0000:00:06.0\"" RUN));
	assert_non_null(strstr(gate(fx), "\nSUBSYSTEM!=\"pci\", GOTO=\"vfiobind_end\"\n"
				       "DRIVER==\"vfio-pci\""));
	assert_int_equal(occurrences(gate(fx), "\nATTR{vendor}==\"0x10de\", "
				     "ATTR{device}==\"0x1b80\"" RUN), 1);
	assert_non_null(strstr(gate(fx), "0000:00:06.0\"" RUN "GOTO=\"vfiobind_end\"\n"));
	fx_bind(fx, "0000:00:06.0", "vfio-pci");
	fx_path(fx, path, sizeof(path), "%s", GATE);
	assert_int_equal(stat(path, &before), 0);
	assert_int_equal(apply(fx, "vfio.bind=10de:1b80", "00:06.0"), 0);
	assert_int_equal(apply(fx, "vfio.bind=10de:1b80", "00:03.0"), 0);
	assert_int_equal(stat(path, &after), 0);
	assert_int_equal(before.st_ino, after.st_ino);
	/* a full run keeps what is claimed now */
	assert_int_equal(apply(fx, "vfio.bind=10de:1b80", NULL), 0);
	assert_non_null(strstr(gate(fx), "\nTEST==\"iommu_group/devices/0000:00:06.0\"" RUN));
}

/* udev's runs at coldplug, for devices the boot claimed, change nothing
 * and read no module index: a variant that matches now (a module
 * installed since) is for a full run to move the device to. */
static void settled_device_runs_read_no_index(void **state)
{
	struct fx *fx = *state;
	char buf[64];

	fx_bind(fx, "0000:00:03.0", "vfio-pci");
	fx_write(fx, "sys/bus/pci/devices/0000:00:03.0/driver_override", "vfio-pci\n");
	fx_alias(fx, "alias vfio_pci:v00008086d0000100Esv*sd*bc*sc*i* e1000_vfio\n");
	fx_modules(fx, "vfio_pci e1000_vfio");
	assert_int_equal(apply(fx, "vfio.bind=00:03.0", "00:03.0"), 0);
	assert_false(vb_exists(&fx->ctx, "/run/vfiobind/device-0000:00:03.0.json"));
	assert_string_equal(fx_read(fx, "sys/bus/pci/devices/0000:00:03.0/driver_override",
				    buf, sizeof(buf)), "vfio-pci");
	/* the full run does read it, and plans the variant */
	assert_int_equal(fx_run(fx, out, sizeof(out), err, sizeof(err), "--config", "/dev/null",
				"--cmdline", "vfio.bind=00:03.0", "plan", NULL), 0);
	assert_non_null(strstr(out, "e1000_vfio"));
}

const struct CMUnitTest gate_tests[] = {
	cmocka_unit_test_setup_teardown(settled_device_runs_read_no_index, gate_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(gate_matches_what_rules_select, gate_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(gate_follows_full_runs, gate_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(device_runs_add_their_groups, gate_setup, fx_teardown),
};
const size_t gate_tests_count = sizeof(gate_tests) / sizeof(gate_tests[0]);
