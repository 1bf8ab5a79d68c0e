// SPDX-License-Identifier: GPL-2.0-or-later
/* vfiobind modules: what an initramfs needs, run as image builders run it. */
#include <string.h>

#include "unit.h"

static char out[1 << 14], err[1 << 14];

#define CORE "vfio\nvfio_pci\nvfio_iommu_type1\n"

/* Two e1000 of which one has a variant, an SR-IOV nvme PF whose VFs have
 * a variant of their own, and a module index that knows all of them. */
static void host(struct fx *fx)
{
	fx_dev(fx, "0000:00:03.0", NULL, 0x8086, 0x100e, 0x020000, 3);
	fx_dev(fx, "0000:00:04.0", NULL, 0x8086, 0x100e, 0x020000, 4);
	fx_dev(fx, "0000:01:00.0", NULL, 0x1b36, 0x0010, 0x010802, 5);
	fx_sriov(fx, "0000:01:00.0", 4, 0);
	fx_write(fx, "sys/bus/pci/devices/0000:01:00.0/sriov_vf_device", "11\n");
	fx_alias(fx, "alias pci:v00008086d0000100Esv*sd*bc*sc*i* e1000\n"
		     "alias pci:v*d*sv*sd*bc01sc08i02* nvme\n"
		     "alias vfio_pci:v00008086d0000100Esv*sd*bc*sc*i* e1000_vfio\n"
		     "alias vfio_pci:v00001B36d00000011sv*sd*bc*sc*i* nvme_vf_vfio\n"
		     "alias vfio_pci:v*d*sv*sd*bc*sc*i* vfio_pci\n");
	fx_modules(fx, "vfio vfio_pci vfio_iommu_type1 pci_stub pci_pf_stub "
		       "e1000 nvme e1000_vfio nvme_vf_vfio igbvf");
}

static int modules(struct fx *fx, const char *cmdline, const char *extra)
{
	return fx_run(fx, out, sizeof(out), err, sizeof(err), "--cmdline",
		      cmdline, "modules", extra, NULL);
}

/* The vfio core always; a variant only for a device a rule selects. */
static void variants_follow_the_rules(void **state)
{
	struct fx *fx = *state;

	host(fx);
	assert_int_equal(modules(fx, "", NULL), 0);
	assert_string_equal(out, CORE);
	assert_string_equal(err, "");
	assert_int_equal(modules(fx, "vfio.bind=00:04.0", NULL), 0);
	assert_string_equal(out, CORE "e1000_vfio\n");
	assert_int_equal(modules(fx, "vfio.bind=00:04.0=vfio-pci", NULL), 0);
	assert_string_equal(out, CORE);
	assert_int_equal(modules(fx, "vfio.bind=00:04.0=pci-stub", NULL), 0);
	assert_string_equal(out, CORE "pci_stub\n");
	assert_int_equal(modules(fx, "vfio.bind=off vfio.bind=00:04.0", NULL), 0);
	assert_string_equal(out, CORE);
}

/* The build host's IOMMU does not matter: no groups, same answer. */
static void no_iommu_needed(void **state)
{
	struct fx *fx = *state;

	fx_dev(fx, "0000:00:03.0", NULL, 0x8086, 0x100e, 0x020000, -1);
	fx_alias(fx, "alias vfio_pci:v00008086d0000100Esv*sd*bc*sc*i* e1000_vfio\n");
	fx_modules(fx, "vfio vfio_pci vfio_iommu_type1 e1000_vfio");
	assert_int_equal(modules(fx, "vfio.bind=8086:100e", NULL), 0);
	assert_string_equal(out, CORE "e1000_vfio\n");
}

/* A generic image: every variant and both stubs, devices or not. */
static void all_takes_every_variant(void **state)
{
	struct fx *fx = *state;

	host(fx);
	assert_int_equal(modules(fx, "", "--all"), 0);
	assert_string_equal(out, CORE "pci_stub\npci_pf_stub\ne1000_vfio\nnvme_vf_vfio\n");
}

/* SR-IOV: the PF's native driver as the target kernel's aliases name it,
 * the stub for pf=pci-pf-stub, VF variants from sriov_vf_device, and the
 * VF driver a rule names. */
static void sriov_needs(void **state)
{
	struct fx *fx = *state;

	host(fx);
	assert_int_equal(modules(fx, "vfio.sriov=01:00.0=2", NULL), 0);
	assert_string_equal(out, CORE "nvme\nnvme_vf_vfio\n");
	assert_int_equal(modules(fx, "vfio.sriov=01:00.0=2+pf=pci-pf-stub+vf=igbvf", NULL), 0);
	assert_string_equal(out, CORE "pci_pf_stub\nigbvf\n");
	/* only PFs: the e1000 twins have no SR-IOV */
	assert_int_equal(modules(fx, "vfio.sriov=class:02=2", NULL), 0);
	assert_string_equal(out, CORE);
}

/* Whatever the target kernel lacks is named with the rule; exit 1. */
static void missing_modules_named(void **state)
{
	struct fx *fx = *state;

	host(fx);
	assert_int_equal(modules(fx, "vfio.bind=00:03.0=frobdrv", NULL), 1);
	assert_string_equal(out, CORE "frobdrv\n");
	assert_non_null(strstr(err, "vfiobind: warning: vfio.bind item '00:03.0=frobdrv' needs module frobdrv, which kernel " FX_KVER " lacks"));
	fx_alias(fx, "alias vfio_pci:v*d*sv*sd*bc*sc*i* vfio_pci\n");
	assert_int_equal(modules(fx, "vfio.sriov=01:00.0=2", NULL), 1);
	assert_non_null(strstr(err, "no module of kernel " FX_KVER " drives SR-IOV PF 0000:01:00.0"));
	assert_int_equal(fx_run(fx, out, sizeof(out), err, sizeof(err),
				"--kver", "9.9.9-none", "--cmdline", "", "modules",
				NULL), 1);
	assert_non_null(strstr(err, "no module index for kernel 9.9.9-none"));
}

/* Config, the host's command line and --cmdline all count. */
static void every_rule_source_counts(void **state)
{
	struct fx *fx = *state;

	host(fx);
	fx_write(fx, "proc/cmdline", "quiet vfio.bind=00:03.0=pci-stub\n");
	fx_write(fx, "etc/vfiobind.conf", "sriov 01:00.0=1+pf=pci-pf-stub\n");
	assert_int_equal(modules(fx, "vfio.bind=00:04.0", NULL), 0);
	assert_string_equal(out, CORE "pci_pf_stub\nnvme_vf_vfio\npci_stub\ne1000_vfio\n");
	fx_write(fx, "etc/vfiobind.conf", "bind 00:04.0 zz\n");
	assert_int_equal(modules(fx, "", NULL), 2);
	assert_non_null(strstr(err, "/etc/vfiobind.conf:1:14: bind item 'zz'"));
}

static int setup(void **state)
{
	*state = fx_new();
	return *state ? 0 : -1;
}

const struct CMUnitTest image_tests[] = {
	cmocka_unit_test_setup_teardown(variants_follow_the_rules, setup, fx_teardown),
	cmocka_unit_test_setup_teardown(no_iommu_needed, setup, fx_teardown),
	cmocka_unit_test_setup_teardown(all_takes_every_variant, setup, fx_teardown),
	cmocka_unit_test_setup_teardown(sriov_needs, setup, fx_teardown),
	cmocka_unit_test_setup_teardown(missing_modules_named, setup, fx_teardown),
	cmocka_unit_test_setup_teardown(every_rule_source_counts, setup, fx_teardown),
};
const size_t image_tests_count = sizeof(image_tests) / sizeof(image_tests[0]);
