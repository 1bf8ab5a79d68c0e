// SPDX-License-Identifier: GPL-2.0-or-later
/* The grammar: kernel command-line splitting, items, config files. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"

struct params {
	char seen[1024];
};

static int collect(void *data, const char *param, const char *val)
{
	struct params *p = data;

	snprintf(p->seen + strlen(p->seen), sizeof(p->seen) - strlen(p->seen),
		 "[%s|%s]", param, val ? val : "(none)");
	return 0;
}

static void split_like_the_kernel(void **state)
{
	struct params p = { "" };

	(void)state;
	vb_cmdline_each("  ro \"vfio.bind=00:03.0\" foo=\"a b\" vfio.bind=\"x,y\" "
			"bar=\"c d\"e quiet -- vfio.bind=after", collect, &p);
	assert_string_equal(p.seen,
			    "[ro|(none)][vfio.bind|00:03.0][foo|a b]"
			    "[vfio.bind|x,y][bar|c d\"e][quiet|(none)]");
}

/* The kernel's isspace() counts the Latin-1 no-break space. */
static void split_on_no_break_space(void **state)
{
	struct params p = { "" };

	(void)state;
	vb_cmdline_each("vfio.bind=01:00.0\xa0quiet", collect, &p);
	assert_string_equal(p.seen, "[vfio.bind|01:00.0][quiet|(none)]");
}

static void split_unterminated_quote(void **state)
{
	struct params p = { "" };

	(void)state;
	vb_cmdline_each("vfio.bind=\"00:03.0 quiet", collect, &p);
	assert_string_equal(p.seen, "[vfio.bind|00:03.0 quiet]");
}

static const struct vb_rule *rule_of(struct fx *fx, struct vb_rules *r,
				     const char *cmdline)
{
	memset(r, 0, sizeof(*r));
	vb_cmdline_rules(&fx->ctx, cmdline, r);
	return r->n ? &r->r[0] : NULL;
}

static void items_as_documented(void **state)
{
	struct fx fx;
	struct vb_rules r;
	char buf[64];

	(void)state;
	fx_init(&fx);
	rule_of(&fx, &r, "vfio.bind=0000:00:03.0");
	assert_int_equal(r.n, 1);
	assert_int_equal(r.r[0].sel.kind, SEL_ADDR);
	assert_int_equal(r.r[0].target, TGT_VFIO);
	vb_selector_format(&r.r[0].sel, buf, sizeof(buf));
	assert_string_equal(buf, "0000:00:03.0");
	vb_rules_free(&r);

	rule_of(&fx, &r, "vfio.bind=00:03.0");
	vb_selector_format(&r.r[0].sel, buf, sizeof(buf));
	assert_string_equal(buf, "0000:00:03.0");
	vb_rules_free(&r);

	rule_of(&fx, &r, "vfio.bind=8086:100e");
	assert_int_equal(r.r[0].sel.kind, SEL_ID);
	assert_int_equal(r.r[0].sel.vendor, 0x8086);
	assert_int_equal(r.r[0].sel.device, 0x100e);
	assert_false(r.r[0].sel.has_subsys);
	vb_rules_free(&r);

	rule_of(&fx, &r, "vfio.bind=0000:00:04.0=pci-stub");
	assert_int_equal(r.r[0].target, TGT_DRIVER);
	assert_string_equal(r.r[0].driver, "pci-stub");
	vb_rules_free(&r);

	rule_of(&fx, &r, "vfio.bind=0000:00:03.0,0000:02:01.0 rd.vfio.bind=1af4:1041:1af4:1100 vfio.bind=class:0300+allow-boot-vga");
	assert_int_equal(r.n, 4);
	assert_string_equal(r.r[1].text, "0000:02:01.0");
	assert_string_equal(r.r[2].origin, "rd.vfio.bind");
	assert_true(r.r[2].sel.has_subsys);
	assert_int_equal(r.r[2].sel.subdevice, 0x1100);
	assert_int_equal(r.r[3].sel.class_value, 0x030000);
	assert_int_equal(r.r[3].sel.class_mask, 0xffff00);
	assert_int_equal(r.r[3].flags, RULE_ALLOW_BOOT_VGA);
	vb_rules_free(&r);

	rule_of(&fx, &r, "vfio.sriov=0000:04:00.0=2");
	assert_int_equal(r.r[0].kind, RULE_SRIOV);
	assert_int_equal(r.r[0].numvfs, 2);
	assert_int_equal(r.r[0].pf_mode, PF_NATIVE);
	assert_int_equal(r.r[0].target, TGT_VFIO);
	vb_rules_free(&r);

	rule_of(&fx, &r, "vfio.sriov=04:00.0=7+pf=pci-pf-stub+vf=pci-stub");
	assert_int_equal(r.r[0].pf_mode, PF_STUB);
	assert_string_equal(r.r[0].driver, "pci-stub");
	vb_rules_free(&r);

	rule_of(&fx, &r, "vfio.bind=01:00.*=vfio_pci vfio.bind=class:010802/ffffff=host");
	assert_true(r.r[0].sel.any_func);
	assert_string_equal(r.r[0].driver, "vfio-pci");
	assert_int_equal(r.r[1].target, TGT_HOST);
	assert_int_equal(r.r[1].sel.class_mask, 0xffffff);
	vb_rules_free(&r);

	rule_of(&fx, &r, "vfio.bind=00:03.0 vfio.bind=off");
	assert_true(r.off);
	assert_string_equal(r.off_origin, "vfio.bind");
	vb_rules_free(&r);
	assert_int_equal(fx.ctx.parse_errors, 0);
	fx_free(&fx);
}

static void bad_items_named_and_rest_kept(void **state)
{
	static const struct {
		const char *cmdline, *message;
	} cases[] = {
		{ "vfio.bind=zz:00.0", "vfio.bind item 'zz:00.0': bad PCI address" },
		{ "vfio.bind=0000:00:20.0", "slot above 1f" },
		{ "vfio.bind=00:03.8", "bad PCI address '00:03.8'" },
		{ "vfio.bind=000:00:03.0", "bad PCI address" },
		{ "vfio.bind=8086", "bad device selector '8086'" },
		{ "vfio.bind=8086:100e:1af4", "bad device selector" },
		{ "vfio.bind=class:3", "bad class" },
		{ "vfio.bind=class:0300/ff", "bad class" },
		{ "vfio.bind==pci-stub", "missing device selector" },
		{ "vfio.bind=00:03.0=", "bad driver name ''" },
		{ "vfio.bind=00:03.0=-rf", "bad driver name '-rf'" },
		{ "vfio.bind=00:03.0=a/b", "bad driver name 'a/b'" },
		{ "vfio.bind=00:03.0+nope", "unknown option 'nope'" },
		{ "vfio.bind=00:03.0+pf=native", "unknown option 'pf=native'" },
		{ "vfio.bind=", "empty item" },
		{ "vfio.bind", "vfio.bind given without a value" },
		{ "vfio.sriov=00:03.0", "missing VF count" },
		{ "vfio.sriov=00:03.0=abc", "bad VF count" },
		{ "vfio.sriov=00:03.0=70000", "bad VF count" },
		{ "vfio.sriov=00:03.0=2+pf=magic", "unknown PF mode 'magic'" },
		{ "vfio.sriov=00:03.0=2+pf=vfio-pci+vf=host", "vf=host cannot hold" },
		{ "vfio.bind=00:03.0\"x\"", "unexpected byte 0x22" },
		{ "vfio.bind=00:03.0\x01", "unexpected byte 0x01" },
		{ "vfio.bind=00:03.0\xff", "unexpected byte 0xff" },
		{ "vfio.bind=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "item too long (" },
	};
	struct vb_rules r;
	char line[512];
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fx fx;
		bool found = false;

		fx_init(&fx);
		snprintf(line, sizeof(line), "%s vfio.bind=0000:00:05.0",
			 cases[i].cmdline);
		rule_of(&fx, &r, line);
		for (j = 0; j < fx.ctx.nmsg; j++)
			found |= strstr(fx.ctx.msg[j].text,
					cases[i].message) != NULL;
		if (!found)
			fail_msg("%s: no error containing \"%s\"",
				 cases[i].cmdline, cases[i].message);
		if (fx.ctx.parse_errors != 1)
			fail_msg("%s: %d parse errors", cases[i].cmdline,
				 fx.ctx.parse_errors);
		/* the valid rest is still there */
		assert_int_equal(r.n, 1);
		assert_string_equal(r.r[0].text, "0000:00:05.0");
		vb_rules_free(&r);
		fx_free(&fx);
	}
}

static void config_file_line_column(void **state)
{
	static const char text[] =
		"# passthrough GPU and its audio function\n"
		"bind 0000:01:00.0  0000:01:00.1=vfio-pci # trailing comment\n"
		"\n"
		"bind 8086:100e, 0000:00:zz.0\n"
		"sriov 0000:04:00.0=2+pf=pci-pf-stub\n"
		"bnid 0000:00:03.0\n"
		"bind\n"
		"  bind 00:1f.*=host+allow-group\r\n";
	struct vb_rules r = { 0 };
	struct fx fx;

	(void)state;
	fx_init(&fx);
	vb_config_parse(&fx.ctx, "/etc/vfiobind.conf", text, sizeof(text) - 1,
			&r);
	assert_int_equal(fx.ctx.parse_errors, 3);
	assert_string_equal(fx.ctx.msg[0].text,
			    "/etc/vfiobind.conf:4:17: bind item '0000:00:zz.0': bad PCI address '0000:00:zz.0' (want [DDDD:]BB:SS.F or BB:SS.*, hex)");
	assert_string_equal(fx.ctx.msg[1].text,
			    "/etc/vfiobind.conf:6:1: unknown keyword 'bnid' (want bind, sriov or export)");
	assert_string_equal(fx.ctx.msg[2].text,
			    "/etc/vfiobind.conf:7:5: 'bind' without any item");
	assert_int_equal(r.n, 5);
	assert_string_equal(r.r[1].text, "0000:01:00.1=vfio-pci");
	assert_string_equal(r.r[1].origin, "/etc/vfiobind.conf:2");
	assert_string_equal(r.r[2].text, "8086:100e");
	assert_int_equal(r.r[3].kind, RULE_SRIOV);
	assert_int_equal(r.r[3].pf_mode, PF_STUB);
	assert_int_equal(r.r[4].target, TGT_HOST);
	assert_int_equal(r.r[4].flags, RULE_ALLOW_GROUP);
	vb_rules_free(&r);
	fx_free(&fx);
}

static void config_error_column_inside_item(void **state)
{
	static const char text[] = "sriov   0000:04:00.0=2+pf=bogus\n";
	struct vb_rules r = { 0 };
	struct fx fx;

	(void)state;
	fx_init(&fx);
	vb_config_parse(&fx.ctx, "x.conf", text, sizeof(text) - 1, &r);
	assert_int_equal(fx.ctx.parse_errors, 1);
	/* column of "pf=bogus": 9 + 15 */
	assert_non_null(strstr(fx.ctx.msg[0].text, "x.conf:1:24: sriov item"));
	vb_rules_free(&r);
	fx_free(&fx);
}

static void config_binary_and_long_lines(void **state)
{
	char text[6000];
	struct vb_rules r = { 0 };
	struct fx fx;

	(void)state;
	fx_init(&fx);
	memcpy(text, "bind 00:03.0\n\0bind 00:04.0\nbind ", 32);
	memset(text + 32, 'a', 5000);
	memcpy(text + 5032, "\nbind 00:05.0\n", 14);
	vb_config_parse(&fx.ctx, "t.conf", text, 5046, &r);
	assert_int_equal(fx.ctx.parse_errors, 2);
	assert_non_null(strstr(fx.ctx.msg[0].text, "t.conf:2:1: NUL byte"));
	assert_non_null(strstr(fx.ctx.msg[1].text, "t.conf:3:1: line too long"));
	assert_int_equal(r.n, 2);
	assert_string_equal(r.r[1].text, "00:05.0");
	vb_rules_free(&r);
	fx_free(&fx);
}

static void config_dropins_in_name_order(void **state)
{
	struct fx fx;
	struct vb_rules r = { 0 };

	(void)state;
	fx_init(&fx);
	fx_write(&fx, "etc/vfiobind.conf", "bind 00:01.0\n");
	fx_write(&fx, "etc/vfiobind.d/20-b.conf", "bind 00:03.0\n");
	fx_write(&fx, "etc/vfiobind.d/10-a.conf", "bind 00:02.0\n");
	fx_write(&fx, "etc/vfiobind.d/30-c.conf.disabled", "bind 00:09.0\n");
	fx_write(&fx, "etc/vfiobind.d/.hidden.conf", "bind 00:09.0\n");
	vb_config_load(&fx.ctx, &r);
	vb_cmdline_rules(&fx.ctx, "vfio.bind=00:04.0", &r);
	assert_int_equal(r.n, 4);
	assert_string_equal(r.r[0].text, "00:01.0");
	assert_string_equal(r.r[1].origin, "/etc/vfiobind.d/10-a.conf:1");
	assert_string_equal(r.r[2].text, "00:03.0");
	assert_string_equal(r.r[3].origin, "vfio.bind");
	vb_rules_free(&r);
	fx_free(&fx);
}

/* A drop-in linked to /dev/null masks that name (systemd, modprobe.d);
 * absolute links resolve inside --root, never on the host. */
static void config_masks_and_links_inside_root(void **state)
{
	struct fx fx;
	struct vb_rules r = { 0 };

	(void)state;
	fx_init(&fx);
	fx_write(&fx, "etc/vfiobind.d/10-a.conf", "bind 00:02.0\n");
	fx_link(&fx, "etc/vfiobind.d/20-masked.conf", "/dev/null");
	fx_write(&fx, "etc/vfiobind-real/c.conf", "bind 00:03.0\n");
	fx_link(&fx, "etc/vfiobind.d/30-c.conf", "/etc/vfiobind-real/c.conf");
	fx_link(&fx, "etc/vfiobind.d/40-d.conf", "../vfiobind-real/c.conf");
	fx_link(&fx, "etc/vfiobind.conf", "/dev/null");
	vb_config_load(&fx.ctx, &r);
	assert_int_equal(fx.ctx.parse_errors, 0);
	assert_int_equal(r.n, 3);
	assert_string_equal(r.r[0].text, "00:02.0");
	assert_string_equal(r.r[1].origin, "/etc/vfiobind.d/30-c.conf:1");
	assert_string_equal(r.r[2].origin, "/etc/vfiobind.d/40-d.conf:1");
	vb_rules_free(&r);

	/* a link out of the root by ".." stays inside it, as in a chroot */
	fx_link(&fx, "etc/vfiobind.d/50-e.conf", "../../../../../../../../etc/vfiobind-real/c.conf");
	vb_config_load(&fx.ctx, &r);
	assert_int_equal(fx.ctx.parse_errors, 0);
	assert_int_equal(r.n, 4);
	vb_rules_free(&r);
	fx_free(&fx);
}

static void write_mode(const struct fx *fx, const char *rel,
		       const char *text, mode_t mode)
{
	char path[PATH_MAX];

	fx_write(fx, rel, text);
	fx_path(fx, path, sizeof(path), "%s", rel);
	assert_int_equal(chmod(path, mode), 0);
}

/* A file that others could write is skipped with an error naming it and
 * why; the rest of the config still applies.  Modes are set here, so the
 * test does not depend on the umask; the owner case needs root. */
static void config_untrusted_files_skipped(void **state)
{
	struct fx fx;
	struct vb_rules r = { 0 };
	char path[PATH_MAX];

	(void)state;
	fx_init(&fx);
	write_mode(&fx, "etc/vfiobind.conf", "bind 00:01.0\n", 0644);
	write_mode(&fx, "etc/vfiobind.d/10-a.conf", "bind 00:02.0\n", 0666);
	write_mode(&fx, "etc/vfiobind.d/20-b.conf", "bind 00:03.0\n", 0660);
	write_mode(&fx, "etc/vfiobind.d/30-c.conf", "bind 00:04.0\n", 0600);
	vb_config_load(&fx.ctx, &r);
	assert_int_equal(fx.ctx.parse_errors, 2);
	assert_true(fx_msg(&fx, "/etc/vfiobind.d/10-a.conf: skipped: writable by others (mode 0666); only root may give the binder rules"));
	assert_true(fx_msg(&fx, "/etc/vfiobind.d/20-b.conf: skipped: writable by its group (mode 0660)"));
	assert_int_equal(r.n, 2);
	assert_string_equal(r.r[0].text, "00:01.0");
	assert_string_equal(r.r[1].text, "00:04.0");
	vb_rules_free(&r);

	/* --config PATH is held to the same rule */
	fx.ctx.parse_errors = 0;
	fx_path(&fx, path, sizeof(path), "etc/vfiobind.d/10-a.conf");
	fx.ctx.config = path;
	vb_config_load(&fx.ctx, &r);
	assert_int_equal(fx.ctx.parse_errors, 1);
	assert_int_equal(r.n, 0);
	fx.ctx.config = NULL;

	if (geteuid() != 0) {
		fx_free(&fx);
		skip();
	}
	fx.ctx.parse_errors = 0;
	fx_path(&fx, path, sizeof(path), "etc/vfiobind.d/30-c.conf");
	assert_int_equal(chown(path, 65534, 0), 0);
	vb_config_load(&fx.ctx, &r);
	assert_int_equal(fx.ctx.parse_errors, 3);
	assert_true(fx_msg(&fx, "/etc/vfiobind.d/30-c.conf: skipped: owned by uid 65534, not root"));
	assert_int_equal(r.n, 1);
	vb_rules_free(&r);
	fx_free(&fx);
}

/* Planning again after SR-IOV repeats only news: the check for "said
 * before" must stay cheap with tens of thousands of messages. */
static void replan_dedupe_is_linear(void **state)
{
	struct vb_ctx ctx = { .root = "", .no_kmsg = true, .verbosity = 0 };
	long t0 = fx_now_ms();
	int i;

	(void)state;
	for (i = 0; i < 60000; i++)
		vb_warn(&ctx, "item %d matches no PCI device", i);
	ctx.replan = true;
	for (i = 0; i < 60000; i++)
		vb_warn(&ctx, "item %d matches no PCI device", i);
	vb_warn(&ctx, "item %d matches no PCI device", 60000);
	assert_int_equal(ctx.nmsg, 60001);
	if (fx_now_ms() - t0 > 3000)
		fail_msg("120001 messages took %ld ms", fx_now_ms() - t0);
	vb_ctx_free(&ctx);
}

/* Domains of 4 to 8 hex digits: Intel VMD puts devices at 10000 and up. */
static void addresses_with_long_domains(void **state)
{
	struct vb_selector sel;
	char buf[32];

	(void)state;
	assert_int_equal(vb_parse_addr("10000:e1:00.0", &sel), 0);
	assert_int_equal(sel.domain, 0x10000);
	vb_selector_format(&sel, buf, sizeof(buf));
	assert_string_equal(buf, "10000:e1:00.0");
	assert_int_equal(vb_parse_addr("ffffffff:ff:1f.*", &sel), 0);
	assert_int_equal(sel.domain, 0xffffffffu);
	assert_true(sel.any_func);
	assert_int_equal(vb_parse_addr("100000000:00:00.0", &sel), -EINVAL);
	assert_int_equal(vb_parse_addr("000:00:00.0", &sel), -EINVAL);
}

const struct CMUnitTest rules_tests[] = {
	cmocka_unit_test(split_like_the_kernel),
	cmocka_unit_test(split_on_no_break_space),
	cmocka_unit_test(split_unterminated_quote),
	cmocka_unit_test(items_as_documented),
	cmocka_unit_test(addresses_with_long_domains),
	cmocka_unit_test(bad_items_named_and_rest_kept),
	cmocka_unit_test(config_file_line_column),
	cmocka_unit_test(config_error_column_inside_item),
	cmocka_unit_test(config_binary_and_long_lines),
	cmocka_unit_test(config_dropins_in_name_order),
	cmocka_unit_test(config_masks_and_links_inside_root),
	cmocka_unit_test(config_untrusted_files_skipped),
	cmocka_unit_test(replan_dedupe_is_linear),
};
const size_t rules_tests_count = sizeof(rules_tests) / sizeof(rules_tests[0]);
