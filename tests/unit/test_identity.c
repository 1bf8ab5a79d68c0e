// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Selectors that survive a change of bus numbers (serial:, path:, slot:,
 * @ guards) and vfiobind pin, on two recorded machines: qemu-dsn-slots
 * (e1000e NICs with serial numbers on root ports 00:02.0 and 00:04.0,
 * physical slots 1 and 2) and qemu-dsn-slots-shifted (an NVMe on a root
 * port at 00:03.0, slot 3, added between them: the second NIC moves from
 * 02:00.0 to 03:00.0 and the NVMe takes 02:00.0).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"

#define NIC2_SERIAL "serial:52-54-00-ff-ff-12-34-0b"

static char out[16384], err[16384];

static const struct vb_rule *parse(struct vb_rule *r, const char *item,
				   char *msg, size_t *col)
{
	return vb_rule_parse(RULE_BIND, item, r, msg, 256, col) == 0 ? r :
	       NULL;
}

static void selector_grammar(void **state)
{
	struct vb_rule r;
	char msg[256], text[VB_ITEM_MAX];
	size_t col;

	(void)state;
	/* lspci's spelling, either case; formatted back in lower case */
	assert_non_null(parse(&r, "serial:52-54-00-FF-ff-12-34-0B", msg, &col));
	assert_int_equal(r.sel.kind, SEL_SERIAL);
	assert_true(r.sel.serial == 0x525400ffff12340bULL);
	vb_selector_format(&r.sel, text, sizeof(text));
	assert_string_equal(text, NIC2_SERIAL);

	assert_non_null(parse(&r, "path:0000:00:1c.0/00.0/03.*=pci-stub", msg,
			      &col));
	assert_int_equal(r.sel.kind, SEL_PATH);
	assert_int_equal(r.sel.depth, 3);
	assert_true(r.sel.any_func);
	vb_selector_format(&r.sel, text, sizeof(text));
	assert_string_equal(text, "path:0000:00:1c.0/00.0/03.*");
	assert_non_null(parse(&r, "path:10000:e0:06.0/00.0@144d:a808", msg,
			      &col));
	assert_true(r.sel.guard);
	assert_int_equal(r.sel.domain, 0x10000);
	assert_int_equal(r.sel.vendor, 0x144d);

	assert_non_null(parse(&r, "slot:0-2+allow-group", msg, &col));
	assert_string_equal(r.sel.slot_name, "0-2");
	assert_non_null(parse(&r, "02:00.0@8086:10d3:8086:a01f", msg, &col));
	assert_true(r.sel.guard && r.sel.has_subsys);

	/* precise errors, at the column where the problem starts */
	static const struct {
		const char *item, *msg;
		size_t col;
	} bad[] = {
		{ "serial:52-54-00-ff-ff-12-34", "bad serial number", 0 },
		{ "serial:5254-00ff-ff12-340b-", "bad serial number", 0 },
		{ "path:0000:00:04.*/00.0", "bad path", 0 },
		{ "path:0000:00:04.0/00.8", "bad path", 0 },
		{ "path:0000:00:04.0/00.*/00.0", "bad path", 0 },
		{ "path:0000:00:04.0//00.0", "bad path", 0 },
		{ "path:0000:00:04.0/20.0", "bad path", 0 },
		{ "path:0000:00:04.0/00.0/00.0/00.0/00.0/00.0/00.0/00.0/00.0/00.0/00.0/00.0/00.0/00.0/00.0/00.0/00.0",
		  "at most 16", 0 },
		{ "slot:", "bad slot name", 0 },
		{ "slot:../x", "bad slot name", 0 },
		{ "slot:a/b", "bad slot name", 0 },
		{ "02:00.0@8086", "bad identity guard '@8086'", 7 },
		{ "02:00.0@8086:10d3:1", "bad identity guard", 7 },
		{ "8086:10d3@8086:10d3", "goes with an address or a path", 9 },
		{ "class:02@8086:10d3", "goes with an address or a path", 8 },
		{ NIC2_SERIAL "@8086:10d3", "goes with an address or a path", 30 },
		{ "slot:2@8086:10d3", "goes with an address or a path", 6 },
		{ "@8086:10d3", "missing device selector", 0 },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		if (parse(&r, bad[i].item, msg, &col))
			fail_msg("'%s' parsed", bad[i].item);
		if (!strstr(msg, bad[i].msg) || col != bad[i].col)
			fail_msg("'%s': '%s' at %zu, want '%s' at %zu",
				 bad[i].item, msg, col, bad[i].msg,
				 bad[i].col);
	}
}

/* A bad new selector in a config line is named at its file:line:column
 * and the valid rest of the line still applies. */
static void bad_selector_rest_applies(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;

	fx_expand(fx, fx_fixture("qemu-dsn-slots-shifted"));
	fx_plan(fx, &p, NULL,
		"bind 03:00.0@8086 slot:2 path:0000:00:09.0/00.0\n");
	assert_true(fx_msg(fx, "/etc/vfiobind.conf:1:13: bind item '03:00.0@8086': bad identity guard '@8086'"));
	assert_int_equal(fx->ctx.parse_errors, 1);
	assert_int_equal(fx_dev_plan(&p, "0000:03:00.0")->claim, CLAIM_BIND);
	assert_true(fx_msg(fx, "item 'path:0000:00:09.0/00.0' matches no PCI device"));
	fx_pipeline_free(fx, &p);
}

static const char *claimed(const struct fx_pipeline *p)
{
	static char buf[256];
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < p->inv.n; i++)
		if (p->plan.dev[i].claim == CLAIM_BIND)
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf),
				 "%s ", p->inv.dev[i].addr);
	return buf;
}

/* Every stable selector claims the second NIC before and after the
 * shift; the bare address claims the NVMe after it, with a warning. */
static void selectors_follow_the_nic(void **state)
{
	static const char *const items[] = {
		"vfio.bind=" NIC2_SERIAL,
		"vfio.bind=path:0000:00:04.0/00.0",
		"vfio.bind=path:0000:00:04.0/00.*@8086:10d3",
		"vfio.bind=slot:2",
	};
	static const char *const trees[] = { "qemu-dsn-slots",
					     "qemu-dsn-slots-shifted" };
	static const char *const nic[] = { "0000:02:00.0 ", "0000:03:00.0 " };
	size_t t, i;

	(void)state;
	for (t = 0; t < 2; t++) {
		struct fx fx;
		struct fx_pipeline p;

		fx_init(&fx);
		fx_expand(&fx, fx_fixture(trees[t]));
		for (i = 0; i < ARRAY_SIZE(items); i++) {
			fx_plan(&fx, &p, items[i], NULL);
			if (strcmp(claimed(&p), nic[t]) || p.plan.errors)
				fail_msg("%s on %s claims '%s' (%d errors)",
					 items[i], trees[t], claimed(&p),
					 p.plan.errors);
			fx_pipeline_free(&fx, &p);
		}
		fx_plan(&fx, &p, "vfio.bind=0000:02:00.0", NULL);
		assert_string_equal(claimed(&p), "0000:02:00.0 ");
		assert_int_equal(fx_msg(&fx, "'0000:02:00.0' selects 0000:02:00.0, a storage controller, by its address alone"),
				 t == 1);
		assert_int_equal(fx_msg(&fx, "'vfiobind pin'"), t == 1);
		fx_pipeline_free(&fx, &p);
		fx_free(&fx);
	}
}

/* The guard refuses what moved in: nothing claimed, the error names the
 * address, the ID found and the ID expected, and the status is 1. */
static void guard_refuses_what_moved_in(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;

	fx_expand(fx, fx_fixture("qemu-dsn-slots-shifted"));
	fx_plan(fx, &p, "vfio.bind=0000:02:00.0@8086:10d3", NULL);
	assert_string_equal(claimed(&p), "");
	assert_true(fx_msg(fx, "vfio.bind item '0000:02:00.0@8086:10d3': 0000:02:00.0 is 1b36:0010, not 8086:10d3: left alone"));
	assert_false(fx_msg(fx, "matches no PCI device"));
	assert_int_equal(p.plan.errors, 1);
	fx_pipeline_free(fx, &p);

	fx_plan(fx, &p, "vfio.bind=path:0000:00:03.0/00.0@8086:10d3:8086:0000", NULL);
	assert_true(fx_msg(fx, "0000:02:00.0 is 1b36:0010:1af4:1100, not 8086:10d3:8086:0000"));
	fx_pipeline_free(fx, &p);

	/* the rest of the rules still apply; exit status 1, not 2 */
	assert_int_equal(fx_run(fx, out, sizeof(out), err, sizeof(err),
				"--config", "/dev/null", "--cmdline",
				"vfio.bind=0000:02:00.0@8086:10d3,slot:2",
				"plan", NULL), 1);
	assert_non_null(strstr(out, "claim   0000:03:00.0  8086:10d3"));
	assert_null(strstr(out, "0000:02:00.0"));
	/* apply --device for the device that moved in, as udev runs it */
	assert_int_equal(fx_run(fx, out, sizeof(out), err, sizeof(err),
				"--config", "/dev/null", "--cmdline",
				"vfio.bind=0000:02:00.0@8086:10d3", "--device",
				"0000:02:00.0", "plan", NULL), 1);
	assert_non_null(strstr(err, "0000:02:00.0 is 1b36:0010, not 8086:10d3"));
}

/* Path and slot rules are walked to, by name: the lazy read takes the
 * NIC and nothing else (no other device's attributes). */
static void lazy_read_walks_paths(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;

	fx_expand(fx, fx_fixture("qemu-dsn-slots-shifted"));
	fx_plan(fx, &p, "vfio.bind=path:0000:00:04.0/00.0", NULL);
	assert_int_equal(p.inv.n, 1);
	assert_string_equal(p.inv.dev[0].addr, "0000:03:00.0");
	fx_pipeline_free(fx, &p);
	fx_plan(fx, &p, "vfio.bind=slot:3", NULL);
	assert_int_equal(p.inv.n, 1);
	assert_string_equal(p.inv.dev[0].addr, "0000:02:00.0");
	fx_pipeline_free(fx, &p);
	/* a path through a port without a bus below leads nowhere */
	fx_plan(fx, &p, "vfio.bind=path:0000:00:1f.0/00.0", NULL);
	assert_int_equal(p.inv.n, 0);
	assert_int_equal(p.plan.errors, 1);
	fx_pipeline_free(fx, &p);
}

/* A serial rule reads config space only of functions it could select:
 * never a bridge's, even one that carries the number. */
static void serial_never_reads_bridges(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;
	char cfg[PATH_MAX], nic[PATH_MAX];

	fx_expand(fx, fx_fixture("qemu-dsn-slots"));
	fx_path(fx, cfg, sizeof(cfg), "sys/devices/pci0000:00/0000:00:04.0/config");
	fx_path(fx, nic, sizeof(nic), "sys/devices/pci0000:00/0000:00:04.0/0000:02:00.0/config");
	/* the root port gets the NIC's config space, serial number and all,
	 * but keeps its bridge class */
	assert_int_equal(unlink(cfg), 0);
	assert_int_equal(link(nic, cfg), 0);
	fx_write(fx, "sys/devices/pci0000:00/0000:00:04.0/modalias",
		 "pci:v00001B36d0000000Csv00001AF4sd00001100bc06sc04i00\n");
	fx_plan(fx, &p, "vfio.bind=" NIC2_SERIAL, NULL);
	assert_string_equal(claimed(&p), "0000:02:00.0 ");
	assert_null(vb_inventory_find(&p.inv, "0000:00:04.0"));
	fx_pipeline_free(fx, &p);
}

static void status_says_what_each_rule_selects(void **state)
{
	struct fx *fx = *state;

	fx_expand(fx, fx_fixture("qemu-dsn-slots-shifted"));
	fx_write(fx, "etc/vfiobind.conf", "bind slot:2 0000:02:00.0@8086:10d3\n");
	assert_int_equal(fx_run(fx, out, sizeof(out), err, sizeof(err),
				"--cmdline", "vfio.bind=" NIC2_SERIAL,
				"status", NULL), 1);
	assert_non_null(strstr(out, "rules:\n"
				    "  bind slot:2  [/etc/vfiobind.conf:1] selects 0000:03:00.0\n"
				    "  bind 0000:02:00.0@8086:10d3  [/etc/vfiobind.conf:1] selects nothing\n"
				    "  bind " NIC2_SERIAL "  [vfio.bind] selects 0000:03:00.0\n"));
	assert_int_equal(fx_run(fx, out, sizeof(out), err, sizeof(err),
				"--cmdline", "vfio.bind=" NIC2_SERIAL,
				"status", "--json", NULL), 1);
	assert_non_null(strstr(out, "\"path\": \"path:0000:00:04.0/00.0\",\n"
				    "          \"slot\": \"2\",\n"
				    "          \"serial\": \"" NIC2_SERIAL "\",\n"));
	assert_non_null(strstr(out, "\"item\": \"slot:2\",\n"
				    "      \"selects\": [\n"
				    "        \"0000:03:00.0\"\n"));
}

/* pin on the machine before the shift gives items that select the same
 * devices after it; --write puts them into the file, comments kept. */
static void pin_survives_the_shift(void **state)
{
	static const char conf[] =
		"# passthrough\n"
		"bind 0000:02:00.0=vfio-pci+allow-group  # second NIC\n"
		"bind 01:00.0, 8086:10d3 slot:1\n";
	struct fx *fx = *state;
	struct fx_pipeline p;
	char buf[1024];

	fx_expand(fx, fx_fixture("qemu-dsn-slots"));
	fx_write(fx, "etc/vfiobind.conf", conf);
	assert_int_equal(fx_run(fx, out, sizeof(out), err, sizeof(err),
				"--cmdline", "vfio.bind=00:1f.2", "pin", NULL), 0);
	assert_string_equal(out,
		"bind " NIC2_SERIAL "=vfio-pci+allow-group  # /etc/vfiobind.conf:2, was 0000:02:00.0=vfio-pci+allow-group\n"
		"bind serial:52-54-00-ff-ff-12-34-0a  # /etc/vfiobind.conf:3, was 01:00.0\n"
		"bind 8086:10d3  # /etc/vfiobind.conf:3\n"
		"bind serial:52-54-00-ff-ff-12-34-0a  # /etc/vfiobind.conf:3, was slot:1\n"
		"bind path:0000:00:1f.2@8086:2922  # vfio.bind, was 00:1f.2\n");
	assert_int_equal(fx_run(fx, out, sizeof(out), err, sizeof(err),
				"--cmdline", "vfio.bind=00:1f.2", "pin",
				"--write", NULL), 0);
	/* (fx_read drops the last newline, as for sysfs attributes) */
	assert_string_equal(fx_read(fx, "etc/vfiobind.conf", buf, sizeof(buf)),
		"# passthrough\n"
		"bind " NIC2_SERIAL "=vfio-pci+allow-group  # second NIC\n"
		"bind serial:52-54-00-ff-ff-12-34-0a, 8086:10d3 serial:52-54-00-ff-ff-12-34-0a");
	assert_memory_equal(fx_read(fx, "etc/vfiobind.conf.bak", buf,
				    sizeof(buf)), conf, sizeof(conf) - 2);
	assert_non_null(strstr(err, "vfio.bind item '00:1f.2' is on the kernel command line: put 'path:0000:00:1f.2@8086:2922' there instead"));
	fx_free(fx);

	/* the pinned config on the shifted machine: the same NICs */
	fx_init(fx);
	fx_expand(fx, fx_fixture("qemu-dsn-slots-shifted"));
	fx_plan(fx, &p, NULL, "bind " NIC2_SERIAL " path:0000:00:02.0/00.0@8086:10d3\n");
	assert_string_equal(claimed(&p), "0000:01:00.0 0000:03:00.0 ");
	fx_pipeline_free(fx, &p);
	/* without a serial number: a path with a guard */
	fx_write(fx, "etc/vfiobind.conf", "bind 02:00.0 slot:9\n");
	assert_int_equal(fx_run(fx, out, sizeof(out), err, sizeof(err),
				"--cmdline", "", "pin", NULL), 1);
	assert_string_equal(out,
		"bind path:0000:00:03.0/00.0@1b36:0010  # /etc/vfiobind.conf:1, was 02:00.0\n"
		"bind slot:9  # /etc/vfiobind.conf:1\n");
	assert_non_null(strstr(err, "/etc/vfiobind.conf:1 item 'slot:9' not pinned: it selects no device now"));
}

/* An image for the rules takes the variant of the device a serial, path
 * or slot rule selects on the build host, and no other. */
static void modules_for_stable_selectors(void **state)
{
	static const struct {
		const char *cmdline, *out;
	} rows[] = {
		{ "vfio.bind=" NIC2_SERIAL, "e1000e_vfio\n" },
		{ "vfio.bind=path:0000:00:04.0/00.0", "e1000e_vfio\n" },
		{ "vfio.bind=slot:3", "nvme_vfio\n" },
		{ "vfio.bind=serial:00-00-00-00-00-00-00-01", "" },
		{ "vfio.bind=0000:02:00.0@8086:10d3", "" },
	};
	struct fx *fx = *state;
	char want[256];
	size_t i;

	fx_expand(fx, fx_fixture("qemu-dsn-slots-shifted"));
	fx_alias(fx, "alias vfio_pci:v00008086d000010D3sv*sd*bc*sc*i* e1000e_vfio\n"
		     "alias vfio_pci:v00001B36d00000010sv*sd*bc*sc*i* nvme_vfio\n"
		     "alias vfio_pci:v*d*sv*sd*bc*sc*i* vfio_pci\n");
	fx_modules(fx, "vfio vfio_pci vfio_iommu_type1 e1000e_vfio nvme_vfio");
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		assert_int_equal(fx_run(fx, out, sizeof(out), err, sizeof(err),
					"--config", "/dev/null", "--cmdline",
					rows[i].cmdline, "modules", NULL), 0);
		snprintf(want, sizeof(want), "vfio\nvfio_pci\nvfio_iommu_type1\n%s",
			 rows[i].out);
		if (strcmp(out, want))
			fail_msg("modules for %s: '%s', want '%s'",
				 rows[i].cmdline, out, want);
	}
}

static int setup(void **state)
{
	*state = fx_new();
	return 0;
}

const struct CMUnitTest identity_tests[] = {
	cmocka_unit_test(selector_grammar),
	cmocka_unit_test_setup_teardown(bad_selector_rest_applies, setup, fx_teardown),
	cmocka_unit_test(selectors_follow_the_nic),
	cmocka_unit_test_setup_teardown(guard_refuses_what_moved_in, setup, fx_teardown),
	cmocka_unit_test_setup_teardown(lazy_read_walks_paths, setup, fx_teardown),
	cmocka_unit_test_setup_teardown(serial_never_reads_bridges, setup, fx_teardown),
	cmocka_unit_test_setup_teardown(status_says_what_each_rule_selects, setup, fx_teardown),
	cmocka_unit_test_setup_teardown(pin_survives_the_shift, setup, fx_teardown),
	cmocka_unit_test_setup_teardown(modules_for_stable_selectors, setup, fx_teardown),
};
const size_t identity_tests_count = ARRAY_SIZE(identity_tests);
