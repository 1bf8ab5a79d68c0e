// SPDX-License-Identifier: GPL-2.0-or-later
/* The planner on fixture trees: group closure, refusals, drivers, SR-IOV. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

/*
 * A q35 machine as QEMU builds it: host bridge, boot VGA, the ICH9
 * function 1f group (LPC, AHCI, SMBus), and two identical e1000 NICs.
 */
static void q35(struct fx *fx)
{
	fx_dev(fx, "0000:00:00.0", NULL, 0x8086, 0x29c0, 0x060000, 0);
	fx_dev(fx, "0000:00:01.0", NULL, 0x1234, 0x1111, 0x030000, 1);
	fx_boot_vga(fx, "0000:00:01.0", 1);
	fx_dev(fx, "0000:00:1f.0", NULL, 0x8086, 0x2918, 0x060100, 2);
	fx_dev(fx, "0000:00:1f.2", NULL, 0x8086, 0x2922, 0x010601, 2);
	fx_dev(fx, "0000:00:1f.3", NULL, 0x8086, 0x2930, 0x0c0500, 2);
	fx_dev(fx, "0000:00:03.0", NULL, 0x8086, 0x100e, 0x020000, 3);
	fx_dev(fx, "0000:00:04.0", NULL, 0x8086, 0x100e, 0x020000, 4);
}

static int q35_setup(void **state)
{
	struct fx *fx = fx_new();

	q35(fx);
	*state = fx;
	return 0;
}

static enum vb_claim claim_of(const struct fx_pipeline *p, const char *addr)
{
	return fx_dev_plan(p, addr)->claim;
}

static void assert_claimed(const struct fx_pipeline *p, const char *addr,
			   const char *driver, const char *module)
{
	const struct vb_dev_plan *dp = fx_dev_plan(p, addr);

	if (dp->claim != CLAIM_BIND)
		fail_msg("%s is not claimed (claim %d)", addr, dp->claim);
	assert_string_equal(dp->driver, driver);
	assert_string_equal(dp->module, module);
}

static size_t nclaimed(const struct fx_pipeline *p)
{
	size_t i, n = 0;

	for (i = 0; i < p->plan.ndev; i++)
		n += p->plan.dev[i].claim == CLAIM_BIND;
	return n;
}

static void twins_by_address_take_one(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;

	fx_plan(fx, &p, "vfio.bind=0000:00:03.0", NULL);
	assert_claimed(&p, "0000:00:03.0", "vfio-pci", "vfio_pci");
	assert_int_equal(claim_of(&p, "0000:00:04.0"), CLAIM_NONE);
	assert_int_equal(nclaimed(&p), 1);
	assert_int_equal(p.plan.errors, 0);
	fx_pipeline_free(fx, &p);
}

static void twins_by_id_take_both_unless_excluded(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;

	fx_plan(fx, &p, "vfio.bind=8086:100e", NULL);
	assert_int_equal(nclaimed(&p), 2);
	fx_pipeline_free(fx, &p);
	fx_plan(fx, &p, "vfio.bind=8086:100e,00:04.0=host", NULL);
	assert_claimed(&p, "0000:00:03.0", "vfio-pci", "vfio_pci");
	assert_int_equal(claim_of(&p, "0000:00:04.0"), CLAIM_NONE);
	assert_int_equal(p.plan.errors, 0);
	fx_pipeline_free(fx, &p);
}

static void address_beats_id_and_later_beats_earlier(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;

	fx_plan(fx, &p, "vfio.bind=00:03.0",
		"bind 8086:100e=pci-stub\n");
	assert_claimed(&p, "0000:00:03.0", "vfio-pci", "vfio_pci");
	assert_claimed(&p, "0000:00:04.0", "pci-stub", "pci_stub");
	fx_pipeline_free(fx, &p);
	fx_plan(fx, &p, "vfio.bind=00:04.0", "bind 00:04.0=pci-stub\n");
	assert_claimed(&p, "0000:00:04.0", "vfio-pci", "vfio_pci");
	fx_pipeline_free(fx, &p);
}

/* Equal rank, different targets: the later rule wins, and says so. */
static void equal_rank_conflict_warned(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;

	fx_plan(fx, &p, "vfio.bind=8086:100e=pci-stub", "bind 8086:100e\n");
	assert_claimed(&p, "0000:00:03.0", "pci-stub", "pci_stub");
	assert_true(fx_msg(fx, "0000:00:03.0: /etc/vfiobind.conf:1 item '8086:100e' and vfio.bind item '8086:100e=pci-stub' select it with equal rank and different targets; the later, '8086:100e=pci-stub', wins"));
	/* one warning per pair of rules, not per device */
	assert_false(fx_msg(fx, "0000:00:04.0: /etc/vfiobind.conf:1"));
	fx_pipeline_free(fx, &p);

	fx_write(fx, "dev/kmsg", "");
	fx_plan(fx, &p, "vfio.bind=8086:100e", "bind 8086:100e\n");
	assert_false(fx_msg(fx, "equal rank"));
	fx_pipeline_free(fx, &p);
}

/* The dual-port conventional e1000 behind a PCIe-to-PCI bridge. */
static void bridge_group_closure(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;

	fx_dev(fx, "0000:00:1e.0", NULL, 0x1b36, 0x000e, 0x060400, 5);
	fx_bind(fx, "0000:00:1e.0", "pcieport");
	fx_dev(fx, "0000:01:01.0", "0000:00:1e.0", 0x8086, 0x100e, 0x020000, 5);
	fx_dev(fx, "0000:01:01.1", "0000:00:1e.0", 0x8086, 0x100e, 0x020000, 5);
	fx_plan(fx, &p, "vfio.bind=0000:01:01.0", NULL);
	assert_claimed(&p, "0000:01:01.0", "vfio-pci", "vfio_pci");
	assert_claimed(&p, "0000:01:01.1", "vfio-pci", "vfio_pci");
	assert_true(fx_dev_plan(&p, "0000:01:01.1")->companion);
	assert_false(fx_dev_plan(&p, "0000:01:01.0")->companion);
	assert_int_equal(claim_of(&p, "0000:00:1e.0"), CLAIM_NONE);
	assert_int_equal(nclaimed(&p), 2);
	fx_pipeline_free(fx, &p);

	fx_plan(fx, &p, "vfio.bind=0000:00:1e.0", NULL);
	assert_int_equal(nclaimed(&p), 0);
	assert_true(fx_msg(fx, "0000:00:1e.0 is a bridge"));
	fx_pipeline_free(fx, &p);
}

static void gpu_and_audio_claimed_boot_vga_refused(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;

	fx_dev(fx, "0000:00:1c.0", NULL, 0x1b36, 0x000c, 0x060400, 6);
	fx_dev(fx, "0000:02:00.0", "0000:00:1c.0", 0x10de, 0x1b80, 0x030000, 7);
	fx_boot_vga(fx, "0000:02:00.0", 0);
	fx_dev(fx, "0000:02:00.1", "0000:00:1c.0", 0x10de, 0x10f0, 0x040300, 7);
	fx_plan(fx, &p, "vfio.bind=02:00.0", NULL);
	assert_claimed(&p, "0000:02:00.0", "vfio-pci", "vfio_pci");
	assert_claimed(&p, "0000:02:00.1", "vfio-pci", "vfio_pci");
	assert_int_equal(claim_of(&p, "0000:00:01.0"), CLAIM_NONE);
	fx_pipeline_free(fx, &p);

	/* class 0300 selects both VGA devices; the boot one is refused */
	fx_plan(fx, &p, "vfio.bind=class:0300", NULL);
	assert_claimed(&p, "0000:02:00.0", "vfio-pci", "vfio_pci");
	assert_int_equal(claim_of(&p, "0000:00:01.0"), CLAIM_REFUSED);
	assert_true(fx_msg(fx, "0000:00:01.0 is the boot VGA device"));
	assert_true(fx_msg(fx, "+allow-boot-vga"));
	assert_int_equal(p.plan.errors, 1);
	fx_pipeline_free(fx, &p);

	fx_plan(fx, &p, "vfio.bind=00:01.0+allow-boot-vga", NULL);
	assert_claimed(&p, "0000:00:01.0", "vfio-pci", "vfio_pci");
	assert_int_equal(p.plan.errors, 0);
	fx_pipeline_free(fx, &p);
}

/* An RTX 2070 SUPER (Turing): VGA, HD audio, USB 3.1 xHCI and USB-C UCSI,
 * four functions of one slot alone in their group behind a root port. */
static void turing(struct fx *fx)
{
	fx_dev(fx, "0000:00:1c.0", NULL, 0x1b36, 0x000c, 0x060400, 11);
	fx_bind(fx, "0000:00:1c.0", "pcieport");
	fx_dev(fx, "0000:2b:00.0", "0000:00:1c.0", 0x10de, 0x1e84, 0x030000, 12);
	fx_boot_vga(fx, "0000:2b:00.0", 0);
	fx_dev(fx, "0000:2b:00.1", "0000:00:1c.0", 0x10de, 0x10f8, 0x040300, 12);
	fx_dev(fx, "0000:2b:00.2", "0000:00:1c.0", 0x10de, 0x1ad8, 0x0c0330, 12);
	fx_dev(fx, "0000:2b:00.3", "0000:00:1c.0", 0x10de, 0x1ad9, 0x0c8000, 12);
}

static void gpu_usb_functions_are_part_of_the_card(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;

	turing(fx);
	fx_plan(fx, &p, "vfio.bind=2b:00.0", NULL);
	assert_claimed(&p, "0000:2b:00.0", "vfio-pci", "vfio_pci");
	assert_claimed(&p, "0000:2b:00.1", "vfio-pci", "vfio_pci");
	assert_claimed(&p, "0000:2b:00.2", "vfio-pci", "vfio_pci");
	assert_claimed(&p, "0000:2b:00.3", "vfio-pci", "vfio_pci");
	assert_true(fx_dev_plan(&p, "0000:2b:00.2")->companion);
	assert_true(fx_dev_plan(&p, "0000:2b:00.2")->card_part);
	assert_true(fx_msg(fx, "0000:2b:00.2: claimed with 0000:2b:00.0: a function of the same graphics card"));
	{
		char *text = NULL;
		size_t len;
		FILE *f = open_memstream(&text, &len);

		vb_plan_print(&fx->ctx, &p.inv, &p.plan, f, false);
		fclose(f);
		assert_non_null(strstr(text, "claim   0000:2b:00.2  10de:1ad8  -> vfio-pci (module vfio_pci), a function of the card  ["));
		assert_null(strstr(text, "group companion"));
		free(text);
	}
	assert_int_equal(p.plan.errors, 0);
	fx_pipeline_free(fx, &p);

	/* by id, as users copy it from lspci -nn */
	fx_plan(fx, &p, "vfio.bind=10de:1e84=pci-stub", NULL);
	assert_claimed(&p, "0000:2b:00.2", "pci-stub", "pci_stub");
	assert_int_equal(p.plan.errors, 0);
	fx_pipeline_free(fx, &p);

	/* selecting the audio function alone makes nothing else a card part */
	fx_plan(fx, &p, "vfio.bind=2b:00.1", NULL);
	assert_int_equal(claim_of(&p, "0000:2b:00.2"), CLAIM_REFUSED);
	assert_true(fx_msg(fx, "0000:2b:00.2 is a USB controller nobody selected"));
	fx_pipeline_free(fx, &p);

	/* a part of the card kept for the host still refuses the group */
	fx_plan(fx, &p, "vfio.bind=2b:00.0,2b:00.2=host", NULL);
	assert_int_equal(nclaimed(&p), 0);
	assert_true(fx_msg(fx, "0000:2b:00.2 is kept for the host by vfio.bind item '2b:00.2=host'"));
	fx_pipeline_free(fx, &p);
}

/* Chipset slots mix USB, SATA and a bridge (AMD B550 at 02:00.x), or hold
 * two USB controllers: no sibling of a non-display device comes along. */
static void chipset_slot_siblings_still_refused(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;

	fx_dev(fx, "0000:02:00.0", NULL, 0x1022, 0x43ee, 0x0c0330, 13);
	fx_dev(fx, "0000:02:00.1", NULL, 0x1022, 0x43eb, 0x010601, 13);
	fx_dev(fx, "0000:02:00.2", NULL, 0x1022, 0x43e9, 0x060400, 13);
	fx_dev(fx, "0000:03:00.0", NULL, 0x1022, 0x149c, 0x0c0330, 14);
	fx_dev(fx, "0000:03:00.3", NULL, 0x1022, 0x149c, 0x0c0330, 14);
	fx_plan(fx, &p, "vfio.bind=02:00.0", NULL);
	assert_int_equal(nclaimed(&p), 0);
	assert_true(fx_msg(fx, "0000:02:00.1 is a storage controller nobody selected"));
	fx_pipeline_free(fx, &p);
	fx_plan(fx, &p, "vfio.bind=03:00.0", NULL);
	assert_int_equal(nclaimed(&p), 0);
	assert_true(fx_msg(fx, "0000:03:00.3 is a USB controller nobody selected"));
	fx_pipeline_free(fx, &p);
}

/* Recent AMD cards: VGA and audio in two groups.  The audio stays with
 * the host unless selected, and the plan says how to take it. */
static void gpu_function_in_another_group_warned(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;

	fx_dev(fx, "0000:0c:00.0", NULL, 0x1002, 0x73bf, 0x030000, 20);
	fx_dev(fx, "0000:0c:00.1", NULL, 0x1002, 0xab28, 0x040300, 21);
	fx_plan(fx, &p, "vfio.bind=0c:00.0", NULL);
	assert_claimed(&p, "0000:0c:00.0", "vfio-pci", "vfio_pci");
	assert_int_equal(claim_of(&p, "0000:0c:00.1"), CLAIM_NONE);
	assert_true(fx_msg(fx, "0000:0c:00.0 is claimed, but 0000:0c:00.1, a function of the same card, is in another IOMMU group and stays with the host; select 0000:0c:00.* to claim the whole card"));
	assert_int_equal(p.plan.errors, 0);
	fx_pipeline_free(fx, &p);

	fx_write(fx, "dev/kmsg", "");
	fx_plan(fx, &p, "vfio.bind=0c:00.*", NULL);
	assert_int_equal(nclaimed(&p), 2);
	assert_false(fx_msg(fx, "stays with the host"));
	fx_pipeline_free(fx, &p);
}

/* Newer kernels name the firmware's primary display in boot_display, on
 * any display class (a 3D controller, 0302, has no boot_vga). */
static void boot_display_refused_like_boot_vga(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;

	fx_dev(fx, "0000:00:02.0", NULL, 0x8086, 0x46a6, 0x038000, 16);
	fx_write(fx, "sys/bus/pci/devices/0000:00:02.0/boot_display", "1\n");
	fx_plan(fx, &p, "vfio.bind=00:02.0", NULL);
	assert_int_equal(claim_of(&p, "0000:00:02.0"), CLAIM_REFUSED);
	assert_true(fx_msg(fx, "0000:00:02.0 is the boot display (claiming it takes the console); add +allow-boot-vga"));
	fx_pipeline_free(fx, &p);

	fx_plan(fx, &p, "vfio.bind=00:02.0+allow-boot-vga", NULL);
	assert_claimed(&p, "0000:00:02.0", "vfio-pci", "vfio_pci");
	fx_pipeline_free(fx, &p);
}

static void storage_companion_refused_unless_allowed(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;

	fx_bind(fx, "0000:00:1f.2", "ahci");
	fx_plan(fx, &p, "vfio.bind=00:1f.3", NULL);
	assert_int_equal(nclaimed(&p), 0);
	assert_int_equal(claim_of(&p, "0000:00:1f.0"), CLAIM_REFUSED);
	assert_int_equal(claim_of(&p, "0000:00:1f.2"), CLAIM_REFUSED);
	assert_int_equal(claim_of(&p, "0000:00:1f.3"), CLAIM_REFUSED);
	assert_true(fx_msg(fx, "IOMMU group 2: refused, group left untouched: 0000:00:1f.2 is a storage controller nobody selected; add +allow-group"));
	assert_int_equal(p.plan.errors, 1);
	fx_pipeline_free(fx, &p);

	fx_plan(fx, &p, "vfio.bind=00:1f.3+allow-group", NULL);
	assert_int_equal(nclaimed(&p), 3);
	assert_true(fx_dev_plan(&p, "0000:00:1f.2")->companion);
	fx_pipeline_free(fx, &p);

	/* the storage controller named, the LPC bridge still a companion */
	fx_plan(fx, &p, "vfio.bind=00:1f.2,00:1f.3", NULL);
	assert_int_equal(nclaimed(&p), 0);
	assert_true(fx_msg(fx, "0000:00:1f.0 is a chipset function nobody selected; add +allow-group"));
	fx_pipeline_free(fx, &p);

	/* selecting the whole slot is the user's choice */
	fx_plan(fx, &p, "vfio.bind=00:1f.*", NULL);
	assert_int_equal(nclaimed(&p), 3);
	assert_int_equal(p.plan.errors, 0);
	fx_pipeline_free(fx, &p);
}

/* Intel VMD hides NVMe drives in PCI domain 10000 and up, in the VMD
 * controller's IOMMU group: they must be seen, named and protected. */
static void vmd_domain_devices_are_group_members(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;

	fx_dev(fx, "0000:00:0e.0", NULL, 0x8086, 0x9a0b, 0x010400, 15);
	fx_dev(fx, "10000:e0:06.0", "0000:00:0e.0", 0x8086, 0x9a09, 0x060400, 15);
	fx_dev(fx, "10000:e1:00.0", "10000:e0:06.0", 0x144d, 0xa808, 0x010802, 15);
	fx_plan(fx, &p, "vfio.bind=00:0e.0", NULL);
	assert_int_equal(nclaimed(&p), 0);
	assert_int_equal(claim_of(&p, "10000:e1:00.0"), CLAIM_REFUSED);
	assert_true(fx_msg(fx, "IOMMU group 15: refused, group left untouched: 10000:e1:00.0 is a storage controller nobody selected"));
	fx_pipeline_free(fx, &p);

	fx_plan(fx, &p, "vfio.bind=10000:e1:00.0,0000:00:0e.0", NULL);
	assert_claimed(&p, "10000:e1:00.0", "vfio-pci", "vfio_pci");
	assert_int_equal(claim_of(&p, "10000:e0:06.0"), CLAIM_NONE);
	assert_int_equal(p.plan.errors, 0);
	fx_pipeline_free(fx, &p);
}

/* The group directory is the truth: a member the inventory does not know
 * (unreadable, or not PCI) makes the group unknowable, so it is refused. */
static void unknown_group_member_refuses_group(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;

	fx_link(fx, "sys/kernel/iommu_groups/3/devices/0000:00:05.0",
		"../../../../devices/pci0000:00/0000:00:05.0");
	fx_plan(fx, &p, "vfio.bind=00:03.0", NULL);
	assert_int_equal(nclaimed(&p), 0);
	assert_int_equal(claim_of(&p, "0000:00:03.0"), CLAIM_REFUSED);
	assert_true(fx_msg(fx, "IOMMU group 3: refused, group left untouched: 0000:00:05.0 is in the group but not a PCI device vfiobind can read"));
	assert_int_equal(p.plan.errors, 1);
	fx_pipeline_free(fx, &p);
}

/* A host driver named as target (=e1000, vf=ixgbevf) binds that device
 * alone: no companions, no vfio refusals. */
static void host_driver_target_is_not_closed_over_group(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;

	fx_dev(fx, "0000:00:1e.0", NULL, 0x1b36, 0x000e, 0x060400, 5);
	fx_dev(fx, "0000:01:01.0", "0000:00:1e.0", 0x8086, 0x100e, 0x020000, 5);
	fx_dev(fx, "0000:01:01.1", "0000:00:1e.0", 0x8086, 0x100e, 0x020000, 5);
	fx_dev(fx, "0000:01:02.0", "0000:00:1e.0", 0x8086, 0x2922, 0x010601, 5);
	fx_plan(fx, &p, "vfio.bind=01:01.0=e1000", NULL);
	assert_claimed(&p, "0000:01:01.0", "e1000", "e1000");
	assert_int_equal(claim_of(&p, "0000:01:01.1"), CLAIM_NONE);
	assert_int_equal(claim_of(&p, "0000:01:02.0"), CLAIM_NONE);
	assert_int_equal(p.plan.errors, 0);
	fx_pipeline_free(fx, &p);

	/* next to a vfio claim it would break the group: refused */
	fx_plan(fx, &p, "vfio.bind=01:01.0=e1000,01:01.1+allow-group", NULL);
	assert_int_equal(nclaimed(&p), 0);
	assert_true(fx_msg(fx, "0000:01:01.0 is given to a host driver by vfio.bind item '01:01.0=e1000'"));
	fx_pipeline_free(fx, &p);
}

static void host_rule_in_group_refuses_group(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;

	fx_plan(fx, &p, "vfio.bind=00:1f.*+allow-group,00:1f.0=host", NULL);
	assert_int_equal(nclaimed(&p), 0);
	assert_true(fx_msg(fx, "0000:00:1f.0 is kept for the host by vfio.bind item '00:1f.0=host'"));
	fx_pipeline_free(fx, &p);
}

static void variant_most_specific_wins(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;

	fx_dev(fx, "0000:05:00.0", NULL, 0x15b3, 0x101e, 0x020000, 8);
	fx_dev(fx, "0000:06:00.0", NULL, 0x15b3, 0x1017, 0x020000, 9);
	fx_dev(fx, "0000:07:00.0", NULL, 0x8086, 0x1889, 0x020000, 10);
	fx_dev(fx, "0000:08:00.0", NULL, 0x19e5, 0xa256, 0x120000, 11);
	fx_modules(fx, "vfio vfio_pci vfio_pci_core pci_stub mlx5_vfio_pci mlx_any_vfio ice_vfio_a ice_vfio_b hisi_acc_vfio_pci");
	fx_alias(fx,
		 "alias pci:v000015B3d0000101Esv*sd*bc*sc*i* mlx5_core\n"
		 "alias vfio_pci:v000015B3d*sv*sd*bc*sc*i* mlx_any_vfio\n"
		 "alias vfio_pci:v000015B3d0000101Esv*sd*bc*sc*i* mlx5_vfio_pci\n"
		 "alias vfio_pci:v*d*sv*sd*bc*sc*i* vfio_pci\n"
		 "alias vfio_pci:v00008086d00001889sv*sd*bc*sc*i* ice_vfio_a\n"
		 "alias vfio_pci:v00008086d00001889sv*sd*bc*sc*i* ice_vfio_b\n"
		 "alias vfio_pci:v000019E5d0000A256sv*sd*bc*sc*i* hisi_acc_vfio_pci\n");
	fx_plan(fx, &p, "vfio.bind=05:00.0,06:00.0,07:00.0,08:00.0,00:03.0", NULL);
	assert_claimed(&p, "0000:05:00.0", "mlx5_vfio_pci", "mlx5_vfio_pci");
	assert_claimed(&p, "0000:06:00.0", "mlx_any_vfio", "mlx_any_vfio");
	assert_claimed(&p, "0000:07:00.0", "ice_vfio_a", "ice_vfio_a");
	assert_claimed(&p, "0000:08:00.0", "hisi_acc_vfio_pci", "hisi_acc_vfio_pci");
	assert_claimed(&p, "0000:00:03.0", "vfio-pci", "vfio_pci");
	fx_pipeline_free(fx, &p);

	/* a named driver beats the variant */
	fx_plan(fx, &p, "vfio.bind=05:00.0=vfio-pci", NULL);
	assert_claimed(&p, "0000:05:00.0", "vfio-pci", "vfio_pci");
	fx_pipeline_free(fx, &p);
}

static void pci_stub_and_its_companions(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;

	fx_dev(fx, "0000:00:05.0", NULL, 0x8086, 0x10d3, 0x020000, 5);
	fx_dev(fx, "0000:00:05.1", NULL, 0x8086, 0x10d3, 0x020000, 5);
	fx_plan(fx, &p, "vfio.bind=0000:00:04.0=pci-stub,00:05.0=pci-stub", NULL);
	assert_claimed(&p, "0000:00:04.0", "pci-stub", "pci_stub");
	assert_claimed(&p, "0000:00:05.1", "pci-stub", "pci_stub");
	fx_pipeline_free(fx, &p);
}

static void unknown_driver_leaves_group_untouched(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;

	fx_plan(fx, &p, "vfio.bind=00:03.0=nosuch_vfio", NULL);
	assert_int_equal(nclaimed(&p), 0);
	assert_int_equal(claim_of(&p, "0000:00:03.0"), CLAIM_REFUSED);
	assert_true(fx_msg(fx, "unknown driver 'nosuch_vfio' (no module nosuch_vfio for kernel 6.1.0-test)"));
	fx_pipeline_free(fx, &p);
}

/* vfio and host are words of the grammar, in any case; a driver name is
 * the kernel's, and one in the wrong case is refused with the name the
 * kernel knows. */
static void targets_and_case(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;

	fx_plan(fx, &p, "vfio.bind=8086:100e=VFIO,00:04.0=Host", NULL);
	assert_int_equal(fx->ctx.parse_errors, 0);
	assert_claimed(&p, "0000:00:03.0", "vfio-pci", "vfio_pci");
	assert_int_equal(claim_of(&p, "0000:00:04.0"), CLAIM_NONE);
	fx_pipeline_free(fx, &p);
	fx_plan(fx, &p, "vfio.bind=00:04.0=VFIO-PCI", NULL);
	assert_int_equal(claim_of(&p, "0000:00:04.0"), CLAIM_REFUSED);
	assert_true(fx_msg(fx, "unknown driver 'VFIO_PCI' (no module VFIO_PCI for kernel 6.1.0-test; driver names are case-sensitive: 'vfio-pci'?)"));
	fx_pipeline_free(fx, &p);
}

static void already_bound_device(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;

	fx_bind(fx, "0000:00:03.0", "e1000");
	fx_bind(fx, "0000:00:04.0", "vfio-pci");
	fx_write(fx, "sys/bus/pci/devices/0000:00:04.0/driver_override",
		 "vfio-pci\n");
	fx_plan(fx, &p, "vfio.bind=8086:100e", NULL);
	assert_claimed(&p, "0000:00:03.0", "vfio-pci", "vfio_pci");
	assert_false(fx_dev_plan(&p, "0000:00:03.0")->done);
	assert_true(fx_dev_plan(&p, "0000:00:04.0")->done);
	fx_pipeline_free(fx, &p);
}

static void nvme_pf(struct fx *fx, int numvfs)
{
	int i;
	char vf[VB_ADDR_LEN];

	fx_dev(fx, "0000:00:1c.0", NULL, 0x1b36, 0x000c, 0x060400, 6);
	fx_bind(fx, "0000:00:1c.0", "pcieport");
	fx_dev(fx, "0000:01:00.0", "0000:00:1c.0", 0x1b36, 0x0010, 0x010802, 7);
	fx_sriov(fx, "0000:01:00.0", 4, numvfs);
	if (numvfs)
		fx_bind(fx, "0000:01:00.0", "nvme");
	for (i = 0; i < numvfs; i++) {
		snprintf(vf, sizeof(vf), "0000:01:00.%d", i + 1);
		fx_vf(fx, vf, "0000:01:00.0", i, 0x0010, 8 + i);
	}
}

static void sriov_new_vfs(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;

	nvme_pf(fx, 0);
	fx_plan(fx, &p, "vfio.sriov=0000:01:00.0=2", NULL);
	assert_int_equal(p.plan.nsriov, 1);
	assert_true(p.plan.sriov[0].change);
	assert_int_equal(p.plan.sriov[0].numvfs, 2);
	assert_int_equal(p.plan.sriov[0].pf_mode, PF_NATIVE);
	assert_int_equal(nclaimed(&p), 0);
	assert_int_equal(p.plan.errors, 0);
	fx_pipeline_free(fx, &p);
}

static void sriov_existing_vfs(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;

	nvme_pf(fx, 2);
	fx_plan(fx, &p, "vfio.sriov=0000:01:00.0=2", NULL);
	assert_false(p.plan.sriov[0].change);
	assert_claimed(&p, "0000:01:00.1", "vfio-pci", "vfio_pci");
	assert_claimed(&p, "0000:01:00.2", "vfio-pci", "vfio_pci");
	assert_int_equal(claim_of(&p, "0000:01:00.0"), CLAIM_NONE);
	fx_pipeline_free(fx, &p);

	/* a different count re-creates them: the old VFs are not claimed */
	fx_plan(fx, &p, "vfio.sriov=0000:01:00.0=3", NULL);
	assert_true(p.plan.sriov[0].change);
	assert_int_equal(nclaimed(&p), 0);
	fx_pipeline_free(fx, &p);

	fx_plan(fx, &p, "vfio.sriov=0000:01:00.0=2+vf=host", NULL);
	assert_int_equal(nclaimed(&p), 0);
	fx_pipeline_free(fx, &p);
}

/* vfio-pci refuses a PF with VFs enabled: such a group is left alone. */
static void pf_with_live_vfs_not_handed_to_vfio(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;

	nvme_pf(fx, 2);
	fx_plan(fx, &p, "vfio.bind=01:00.0", NULL);
	assert_int_equal(claim_of(&p, "0000:01:00.0"), CLAIM_REFUSED);
	assert_true(fx_msg(fx, "0000:01:00.0 has SR-IOV VFs enabled, and vfio-pci refuses such a PF"));
	fx_pipeline_free(fx, &p);

	fx_plan(fx, &p, "vfio.sriov=01:00.0=2+pf=vfio-pci", NULL);
	assert_int_equal(p.plan.nsriov, 0);
	assert_int_equal(nclaimed(&p), 0);
	assert_true(fx_msg(fx, "PF 0000:01:00.0 already has 2 VFs under driver nvme"));
	fx_pipeline_free(fx, &p);
}

static void device_without_group_only_for_pci_stub(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;

	fx_dev(fx, "0000:00:05.0", NULL, 0x8086, 0x100e, 0x020000, -1);
	fx_plan(fx, &p, "vfio.bind=00:05.0", NULL);
	assert_int_equal(claim_of(&p, "0000:00:05.0"), CLAIM_REFUSED);
	assert_true(fx_msg(fx, "0000:00:05.0 has no IOMMU group, and vfio-pci will not take it"));
	fx_pipeline_free(fx, &p);
	fx_plan(fx, &p, "vfio.bind=00:05.0=pci-stub", NULL);
	assert_claimed(&p, "0000:00:05.0", "pci-stub", "pci_stub");
	fx_pipeline_free(fx, &p);
}

static void sriov_errors(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;

	nvme_pf(fx, 0);
	fx_plan(fx, &p, "vfio.sriov=01:00.0=5,00:03.0=1", NULL);
	assert_int_equal(p.plan.nsriov, 0);
	assert_true(fx_msg(fx, "0000:01:00.0 supports at most 4 VFs"));
	assert_true(fx_msg(fx, "0000:00:03.0 is not an SR-IOV physical function"));
	fx_pipeline_free(fx, &p);

	fx_plan(fx, &p, "vfio.sriov=01:00.0=2 vfio.bind=01:00.0", NULL);
	assert_int_equal(p.plan.nsriov, 0);
	assert_true(fx_msg(fx, "use +pf=vfio-pci"));
	fx_pipeline_free(fx, &p);

	fx_plan(fx, &p, "vfio.sriov=01:00.0=2+pf=vfio-pci", NULL);
	assert_int_equal(p.plan.nsriov, 1);
	assert_claimed(&p, "0000:01:00.0", "vfio-pci", "vfio_pci");
	fx_pipeline_free(fx, &p);
}

static void no_iommu_claims_nothing(void **state)
{
	struct fx fx;
	struct fx_pipeline p;

	(void)state;
	fx_init(&fx);
	fx_dev(&fx, "0000:00:03.0", NULL, 0x8086, 0x100e, 0x020000, -1);
	fx_dev(&fx, "0000:00:04.0", NULL, 0x8086, 0x100e, 0x020000, -1);
	fx_plan(&fx, &p, "vfio.bind=00:03.0 vfio.sriov=00:04.0=1", NULL);
	assert_true(p.plan.no_iommu);
	assert_int_equal(nclaimed(&p), 0);
	assert_int_equal(p.plan.nsriov, 0);
	assert_true(fx_msg(&fx, "no IOMMU groups"));
	fx_pipeline_free(&fx, &p);
	fx_free(&fx);
}

static void matches_nothing_is_an_error(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;

	fx_plan(fx, &p, "vfio.bind=00:09.0,10de:ffff,00:03.0", NULL);
	assert_int_equal(nclaimed(&p), 1);
	assert_int_equal(p.plan.errors, 2);
	assert_true(fx_msg(fx, "vfio.bind item '00:09.0' matches no PCI device"));
	assert_true(fx_msg(fx, "vfio.bind item '10de:ffff' matches no PCI device"));
	fx_pipeline_free(fx, &p);
}

static void off_claims_nothing(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;

	fx_plan(fx, &p, "vfio.bind=00:03.0 vfio.sriov=00:04.0=1",
		"bind off\n");
	assert_true(p.plan.off);
	assert_int_equal(nclaimed(&p), 0);
	assert_int_equal(p.plan.nsriov, 0);
	fx_pipeline_free(fx, &p);
}

/* ---- the lazy inventory ----------------------------------------------- */

/* The plan's messages and its text, for the rules of cmdline, from a read
 * of what the rules touch (lazy) or of every device, with or without the
 * module index. */
static char *plan_of(struct fx *fx, const struct vb_inventory *inv,
		     const struct vb_rules *rules,
		     const struct vb_modules *mods)
{
	struct vb_plan plan;
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(vb_plan_build(inv, rules, mods, &plan), 0);
	for (i = 0; i < plan.nmsg; i++)
		fprintf(f, "<%d> %s\n", plan.msg[i].level, plan.msg[i].text);
	vb_plan_print(&fx->ctx, inv, &plan, f, false);
	fclose(f);
	vb_plan_free(&plan);
	return buf;
}

static char *plan_text(struct fx *fx, const char *cmdline, bool lazy,
		       bool index)
{
	struct vb_rules rules = { 0 };
	struct vb_inventory inv;
	struct vb_modules mods;
	char *buf;

	vb_cmdline_rules(&fx->ctx, cmdline, &rules);
	assert_int_equal(vb_inventory_read(&fx->ctx, &inv, lazy ? &rules : NULL), 0);
	if (!lazy && vb_rules_have(&rules, SEL_SERIAL))	/* as status does */
		vb_inventory_serials(&fx->ctx, &inv);
	memset(&mods, 0, sizeof(mods));
	if (index)
		vb_modules_load(&fx->ctx, &mods);
	buf = plan_of(fx, &inv, &rules, &mods);
	vb_modules_free(&mods);
	vb_inventory_free(&inv);
	vb_rules_free(&rules);
	return buf;
}

static const char *const lazy_trees[] = {
		"qemu-bridge-e1000", "qemu-bridge-e1000-bound", "qemu-gpu-audio",
		"qemu-gpu-audio-bound", "qemu-noiommu", "qemu-noiommu-bound",
		"qemu-sriov-nvme", "qemu-sriov-nvme-vfio", "qemu-twin-e1000",
		"qemu-twin-e1000-bound", "qemu-twin-e1000-vfio",
		"synthetic-turing-gpu", "synthetic-vmd", "qemu-dsn-slots",
		"qemu-dsn-slots-shifted",
};

static const char *const lazy_cmdlines[] = {
		"vfio.bind=0000:00:03.0", "vfio.bind=00:03.*",
		"vfio.bind=8086:100e", "vfio.bind=8086:100e,00:04.0=host",
		"vfio.bind=8086:100e:1af4:1100", "vfio.bind=00:03.0=e1000",
		"vfio.bind=class:02", "vfio.bind=class:020000/ff0000",
		"vfio.bind=class:03", "vfio.bind=class:0403",
		"vfio.bind=class:0c03", "vfio.bind=class:0108=pci-stub",
		"vfio.bind=00:1f.3", "vfio.bind=00:1f.3+allow-group",
		"vfio.bind=01:01.0", "vfio.bind=01:00.0", "vfio.bind=01:00.*",
		"vfio.bind=01:00.1", "vfio.bind=01:00.1,01:00.2=pci-stub",
		"vfio.bind=00:01.0+allow-boot-vga", "vfio.bind=10de:1e84=pci-stub",
		"vfio.bind=10000:e1:00.0,00:0e.0", "vfio.bind=00:0e.0",
		"vfio.bind=1b36:0010", "vfio.bind=00:09.0",
		"vfio.sriov=0000:01:00.0=2", "vfio.sriov=0000:01:00.0=2+vf=pci-stub",
		"vfio.sriov=0000:01:00.0=2+pf=vfio-pci", "vfio.sriov=01:00.0=0",
		"vfio.sriov=01:00.0=2 vfio.bind=01:00.2=host",
		"vfio.sriov=1b36:0010=2", "vfio.sriov=0000:01:00.0=9",
		"vfio.bind=00:03.0 vfio.bind=off",
		"vfio.bind=class:0c03,10de:1e84",
		"vfio.bind=class:03 vfio.sriov=1b36:0010=2",
		"vfio.bind=serial:52-54-00-ff-ff-12-34-0b",
		"vfio.bind=serial:52-54-00-ff-ff-12-34-0a=pci-stub",
		"vfio.bind=path:0000:00:04.0/00.0",
		"vfio.bind=path:0000:00:04.0/00.*@8086:10d3",
		"vfio.bind=path:0000:00:03.0/00.0@8086:10d3",
		"vfio.bind=path:0000:00:06.0/00.1",
		"vfio.bind=path:0000:00:0e.0",
		"vfio.bind=path:10000:e0:06.0/00.0",
		"vfio.bind=slot:2", "vfio.bind=slot:3=pci-stub",
		"vfio.bind=0000:02:00.0@8086:10d3",
		"vfio.bind=0000:00:03.0@8086:100e:1af4:1100",
		"vfio.sriov=path:0000:00:07.0/00.0=2",
};

/*
 * Reading only what the rules touch must plan exactly as reading every
 * device does: every recorded and synthetic tree, every kind of selector,
 * target and option, SR-IOV PFs and VFs, GPUs split or whole, VMD.  And
 * a plan with nothing to do without the module index (which apply then
 * never reads) is the plan with it.
 */
static void lazy_read_plans_as_a_full_read(void **state)
{
	static const char *const *const trees = lazy_trees;
	static const char *const *const cmdlines = lazy_cmdlines;
	size_t t, c;

	(void)state;
	for (t = 0; t < ARRAY_SIZE(lazy_trees); t++) {
		struct fx fx;

		fx_init(&fx);
		fx_expand(&fx, fx_fixture(trees[t]));
		for (c = 0; c < ARRAY_SIZE(lazy_cmdlines); c++) {
			char *lazy = plan_text(&fx, cmdlines[c], true, true);
			char *full = plan_text(&fx, cmdlines[c], false, true);
			char *bare = plan_text(&fx, cmdlines[c], true, false);

			if (strcmp(lazy, full))
				fail_msg("%s on %s: the lazy read plans\n%s\nwhere reading every device plans\n%s",
					 cmdlines[c], trees[t], lazy, full);
			if (strstr(bare, "nothing to do\n") && strcmp(bare, lazy))
				fail_msg("%s on %s: without the module index\n%s\nwith it\n%s",
					 cmdlines[c], trees[t], bare, lazy);
			free(lazy);
			free(full);
			free(bare);
		}
		fx_free(&fx);
	}
}

/*
 * apply --device, for every device of every tree: reading its
 * neighbourhood (the device by name, its group, its slot, its PF or VFs)
 * plans for it exactly what reading every device does, messages and all.
 */
static void device_read_plans_as_a_full_read(void **state)
{
	struct vb_selector scope = { 0 };	/* read before the loop names one */
	size_t t, c, i, j;

	(void)state;
	for (t = 0; t < ARRAY_SIZE(lazy_trees); t++) {
		struct vb_inventory all, inv;
		struct vb_modules mods = { 0 };
		struct fx fx;

		fx_init(&fx);
		fx_expand(&fx, fx_fixture(lazy_trees[t]));
		vb_modules_load(&fx.ctx, &mods);
		fx.ctx.scope = &scope;
		fx.ctx.nscope = 1;
		/* every device, read once; "named" marks the one of the run */
		assert_int_equal(vb_inventory_read(&fx.ctx, &all, NULL), 0);
		vb_inventory_serials(&fx.ctx, &all);	/* as status does */
		for (i = 0; i < all.n; i++) {
			assert_int_equal(vb_parse_addr(all.dev[i].addr, &scope), 0);
			for (j = 0; j < all.n; j++)
				all.dev[j].named = j == i;
			for (c = 0; c < ARRAY_SIZE(lazy_cmdlines); c++) {
				struct vb_rules rules = { 0 };
				char *lazy, *full;

				vb_cmdline_rules(&fx.ctx, lazy_cmdlines[c], &rules);
				assert_int_equal(vb_inventory_read(&fx.ctx, &inv, &rules), 0);
				lazy = plan_of(&fx, &inv, &rules, &mods);
				full = plan_of(&fx, &all, &rules, &mods);
				if (strcmp(lazy, full))
					fail_msg("--device %s %s on %s: its neighbourhood plans\n%s\nwhere reading every device plans\n%s",
						 all.dev[i].addr, lazy_cmdlines[c],
						 lazy_trees[t], lazy, full);
				free(lazy);
				free(full);
				vb_inventory_free(&inv);
				vb_rules_free(&rules);
			}
		}
		vb_inventory_free(&all);
		vb_modules_free(&mods);
		fx.ctx.nscope = 0;
		fx_free(&fx);
	}
}

/* Rules by address read their devices and groups, nothing else; rules by
 * ID or class read one modalias of every other device. */
static void lazy_read_takes_what_rules_touch(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;

	/* a storage controller no rule selects */
	fx_write(fx, "sys/bus/pci/devices/0000:00:07.0/modalias",
		 "pci:v00008086d00002922sv00001AF4sd00001100bc01sc06i01\n");
	fx_plan(fx, &p, "vfio.bind=00:03.0", NULL);
	assert_int_equal(p.inv.n, 1);
	assert_string_equal(p.inv.dev[0].addr, "0000:00:03.0");
	fx_pipeline_free(fx, &p);
	fx_plan(fx, &p, "vfio.bind=class:0200", NULL);
	assert_int_equal(p.inv.n, 2);
	assert_int_equal(nclaimed(&p), 2);
	fx_pipeline_free(fx, &p);
	/* the chipset group, whole, for one of its functions */
	fx_plan(fx, &p, "vfio.bind=00:1f.3+allow-group", NULL);
	assert_int_equal(p.inv.n, 3);
	assert_int_equal(nclaimed(&p), 3);
	fx_pipeline_free(fx, &p);
	/* no rule, nothing to read; status (rules NULL) reads every device */
	fx_plan(fx, &p, NULL, NULL);
	assert_int_equal(p.inv.n, 0);
	fx_pipeline_free(fx, &p);
	{
		struct vb_inventory inv;

		assert_int_equal(vb_inventory_read(&fx->ctx, &inv, NULL), 0);
		assert_int_equal(inv.n, 8);
		assert_non_null(vb_inventory_find(&inv, "0000:00:07.0"));
		vb_inventory_free(&inv);
	}
}

/* An SR-IOV rule's PF brings the VFs it has, by its virtfn links. */
static void lazy_read_brings_a_pfs_vfs(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;

	fx_dev(fx, "0000:01:00.0", NULL, 0x1b36, 0x0010, 0x010802, 10);
	fx_sriov(fx, "0000:01:00.0", 4, 2);
	fx_native(fx, "0000:01:00.0", "nvme");
	fx_bind(fx, "0000:01:00.0", "nvme");
	fx_vf(fx, "0000:01:00.1", "0000:01:00.0", 0, 0x0010, 11);
	fx_vf(fx, "0000:01:00.2", "0000:01:00.0", 1, 0x0010, 12);
	fx_plan(fx, &p, "vfio.sriov=01:00.0=2", NULL);
	assert_int_equal(p.inv.n, 3);
	assert_claimed(&p, "0000:01:00.1", "vfio-pci", "vfio_pci");
	assert_claimed(&p, "0000:01:00.2", "vfio-pci", "vfio_pci");
	fx_pipeline_free(fx, &p);
}

/* apply --device of a GPU probes its slot: the audio function in another
 * group is warned about as a full read warns (no listing needed). */
static void device_read_probes_its_slot(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;
	struct vb_selector scope;

	fx_dev(fx, "0000:01:00.0", NULL, 0x1002, 0x73bf, 0x030000, 10);
	fx_dev(fx, "0000:01:00.1", NULL, 0x1002, 0xab28, 0x040300, 11);
	assert_int_equal(vb_parse_addr("01:00.0", &scope), 0);
	fx->ctx.scope = &scope;
	fx->ctx.nscope = 1;
	fx_plan(fx, &p, "vfio.bind=01:00.0", NULL);
	assert_claimed(&p, "0000:01:00.0", "vfio-pci", "vfio_pci");
	assert_true(fx_msg(fx, "0000:01:00.1, a function of the same card, is in another IOMMU group"));
	fx_pipeline_free(fx, &p);
}

const struct CMUnitTest plan_tests[] = {
	cmocka_unit_test(lazy_read_plans_as_a_full_read),
	cmocka_unit_test(device_read_plans_as_a_full_read),
	cmocka_unit_test_setup_teardown(device_read_probes_its_slot, q35_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(lazy_read_takes_what_rules_touch, q35_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(lazy_read_brings_a_pfs_vfs, q35_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(twins_by_address_take_one, q35_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(twins_by_id_take_both_unless_excluded, q35_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(address_beats_id_and_later_beats_earlier, q35_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(equal_rank_conflict_warned, q35_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(bridge_group_closure, q35_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(gpu_and_audio_claimed_boot_vga_refused, q35_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(gpu_usb_functions_are_part_of_the_card, q35_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(chipset_slot_siblings_still_refused, q35_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(gpu_function_in_another_group_warned, q35_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(boot_display_refused_like_boot_vga, q35_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(storage_companion_refused_unless_allowed, q35_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(vmd_domain_devices_are_group_members, q35_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(unknown_group_member_refuses_group, q35_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(host_driver_target_is_not_closed_over_group, q35_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(host_rule_in_group_refuses_group, q35_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(variant_most_specific_wins, q35_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(pci_stub_and_its_companions, q35_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(targets_and_case, q35_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(unknown_driver_leaves_group_untouched, q35_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(already_bound_device, q35_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(sriov_new_vfs, q35_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(sriov_existing_vfs, q35_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(pf_with_live_vfs_not_handed_to_vfio, q35_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(device_without_group_only_for_pci_stub, q35_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(sriov_errors, q35_setup, fx_teardown),
	cmocka_unit_test(no_iommu_claims_nothing),
	cmocka_unit_test_setup_teardown(matches_nothing_is_an_error, q35_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(off_claims_nothing, q35_setup, fx_teardown),
};
const size_t plan_tests_count = sizeof(plan_tests) / sizeof(plan_tests[0]);
