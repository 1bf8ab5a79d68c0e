// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The item grammar shared by the kernel command line and the config files
 * (kernel-cmdline.md is its reference):
 *
 *   bind item   off | SELECTOR [ "=" TARGET ] { "+" OPTION }
 *   sriov item  SELECTOR "=" COUNT { "+" OPTION }
 *   SELECTOR    [DOMAIN ":"] BB ":" SS "." (F | "*")
 *             | VVVV ":" DDDD [ ":" SVVV ":" SDDD ]
 *             | "class:" CC [SS [PP]] [ "/" MASK6 ]
 *   TARGET      vfio | host | DRIVER
 *   OPTION      allow-boot-vga | allow-group          (both kinds)
 *             | pf=native|pci-pf-stub|vfio-pci | vf=vfio|host|DRIVER (sriov)
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vfiobind.h"

int vb_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Exactly [min, max] hex digits ending at a byte in 'ends'. */
static const char *hex_field(const char *s, int min, int max, const char *ends,
			     uint32_t *out)
{
	uint32_t v = 0;
	int i;

	for (i = 0; i < max && vb_hexval(s[i]) >= 0; i++)
		v = v << 4 | (uint32_t)vb_hexval(s[i]);
	if (i < min || !strchr(ends, s[i]))
		return NULL;
	*out = v;
	return s + i;
}

int vb_parse_addr(const char *s, struct vb_selector *sel)
{
	uint32_t a, b, c = 0;
	const char *p, *q;

	memset(sel, 0, sizeof(*sel));
	sel->kind = SEL_ADDR;
	p = hex_field(s, 2, 8, ":", &a);
	if (!p)
		return -EINVAL;
	q = hex_field(p + 1, 2, 2, ":.", &b);
	if (!q)
		return -EINVAL;
	if (*q == ':') {	/* DOMAIN:BB:SS.F */
		if (p - s < 4)
			return -EINVAL;
		sel->domain = a;
		sel->bus = (uint8_t)b;
		p = q;
		q = hex_field(p + 1, 2, 2, ".", &c);
		if (!q)
			return -EINVAL;
		sel->slot = (uint8_t)c;
	} else {		/* BB:SS.F */
		if (p - s != 2)
			return -EINVAL;
		sel->bus = (uint8_t)a;
		sel->slot = (uint8_t)b;
		c = b;
	}
	if (c > 0x1f)
		return -ERANGE;
	q++;
	if (q[0] == '*' && q[1] == '\0') {
		sel->any_func = true;
		return 0;
	}
	if (q[0] < '0' || q[0] > '7' || q[1] != '\0')
		return -EINVAL;
	sel->func = (uint8_t)(q[0] - '0');
	return 0;
}

static int parse_id(const char *s, struct vb_selector *sel)
{
	uint32_t v[4];
	const char *p = s;
	int i;

	memset(sel, 0, sizeof(*sel));
	sel->kind = SEL_ID;
	for (i = 0; i < 4; i++) {
		p = hex_field(p, 4, 4, i == 3 ? "" : ":", &v[i]);
		if (!p)
			return -EINVAL;
		if (*p == '\0')
			break;
		p++;
	}
	if (i != 1 && i != 3)
		return -EINVAL;
	sel->vendor = (uint16_t)v[0];
	sel->device = (uint16_t)v[1];
	if (i == 3) {
		sel->has_subsys = true;
		sel->subvendor = (uint16_t)v[2];
		sel->subdevice = (uint16_t)v[3];
	}
	return 0;
}

static int parse_class(const char *s, struct vb_selector *sel)
{
	const char *p;
	uint32_t v, m;
	int digits;

	memset(sel, 0, sizeof(*sel));
	sel->kind = SEL_CLASS;
	p = hex_field(s, 2, 6, "/", &v);
	if (!p)
		return -EINVAL;
	digits = (int)(p - s);
	if (digits % 2)
		return -EINVAL;
	if (*p == '/') {
		if (digits != 6 || !hex_field(p + 1, 6, 6, "", &m))
			return -EINVAL;
	} else {
		v <<= 8 * (3 - digits / 2);
		m = 0xffffffu << 8 * (3 - digits / 2) & 0xffffff;
	}
	sel->class_value = v & m;
	sel->class_mask = m;
	return 0;
}

int vb_selector_format(const struct vb_selector *sel, char *buf, size_t len)
{
	switch (sel->kind) {
	case SEL_ADDR:
		if (sel->any_func)
			return snprintf(buf, len, "%04x:%02x:%02x.*", sel->domain,
					sel->bus, sel->slot);
		return snprintf(buf, len, "%04x:%02x:%02x.%x", sel->domain,
				sel->bus, sel->slot, sel->func);
	case SEL_ID:
		if (sel->has_subsys)
			return snprintf(buf, len, "%04x:%04x:%04x:%04x",
					sel->vendor, sel->device,
					sel->subvendor, sel->subdevice);
		return snprintf(buf, len, "%04x:%04x", sel->vendor,
				sel->device);
	case SEL_CLASS:
		return snprintf(buf, len, "class:%06x/%06x", sel->class_value,
				sel->class_mask);
	}
	return -EINVAL;
}

static int parse_selector(const char *s, struct vb_selector *sel, char *err,
			  size_t errlen)
{
	int r;

	if (!s[0]) {
		snprintf(err, errlen, "missing device selector");
		return -EINVAL;
	}
	if (!strncmp(s, "class:", 6)) {
		if (parse_class(s + 6, sel) < 0) {
			snprintf(err, errlen,
				 "bad class '%s' (want class:CC, class:CCSS, class:CCSSPP or class:CCSSPP/MMMMMM, hex)",
				 s);
			return -EINVAL;
		}
		return 0;
	}
	if (strchr(s, '.')) {
		r = vb_parse_addr(s, sel);
		if (r == -ERANGE)
			snprintf(err, errlen,
				 "bad PCI address '%s' (slot above 1f)", s);
		else if (r < 0)
			snprintf(err, errlen,
				 "bad PCI address '%s' (want [DDDD:]BB:SS.F or BB:SS.*, hex)",
				 s);
		return r < 0 ? -EINVAL : 0;
	}
	if (parse_id(s, sel) < 0) {
		snprintf(err, errlen,
			 "bad device selector '%s' (want an address BB:SS.F, an id VVVV:DDDD[:SVVV:SDDD] or class:CC...)",
			 s);
		return -EINVAL;
	}
	return 0;
}

static int parse_target(const char *s, enum vb_target *target, char *driver,
			char *err, size_t errlen)
{
	char module[VB_NAME_MAX];

	/* vfio and host are this grammar's words: any case.  A driver name
	 * is the kernel's, which driver_override compares byte for byte. */
	if (!strcasecmp(s, "vfio")) {
		*target = TGT_VFIO;
		driver[0] = '\0';
		return 0;
	}
	if (!strcasecmp(s, "host")) {
		*target = TGT_HOST;
		driver[0] = '\0';
		return 0;
	}
	if (!vb_valid_name(s)) {
		snprintf(err, errlen,
			 "bad driver name '%s' (letters, digits, '-' and '_' only)",
			 s);
		return -EINVAL;
	}
	vb_module_name(module, sizeof(module), s);
	vb_driver_for_module(module, driver, VB_NAME_MAX);
	*target = TGT_DRIVER;
	return 0;
}

static int parse_option(struct vb_rule *rule, const char *opt, char *err,
			size_t errlen)
{
	if (!strcmp(opt, "allow-boot-vga")) {
		rule->flags |= RULE_ALLOW_BOOT_VGA;
		return 0;
	}
	if (!strcmp(opt, "allow-group")) {
		rule->flags |= RULE_ALLOW_GROUP;
		return 0;
	}
	if (rule->kind == RULE_SRIOV && !strncmp(opt, "pf=", 3)) {
		const char *m = opt + 3;

		if (!strcasecmp(m, "native"))
			rule->pf_mode = PF_NATIVE;
		else if (!strcasecmp(m, "pci-pf-stub") ||
			 !strcasecmp(m, "pci_pf_stub"))
			rule->pf_mode = PF_STUB;
		else if (!strcasecmp(m, "vfio-pci") || !strcasecmp(m, "vfio_pci"))
			rule->pf_mode = PF_VFIO;
		else {
			snprintf(err, errlen,
				 "unknown PF mode '%s' (want native, pci-pf-stub or vfio-pci)",
				 m);
			return -EINVAL;
		}
		return 0;
	}
	if (rule->kind == RULE_SRIOV && !strncmp(opt, "vf=", 3))
		return parse_target(opt + 3, &rule->target, rule->driver, err,
				    errlen);
	snprintf(err, errlen, "unknown option '%s' (want %s)", opt,
		 rule->kind == RULE_SRIOV ?
		 "pf=MODE, vf=TARGET, allow-group or allow-boot-vga" :
		 "allow-group or allow-boot-vga");
	return -EINVAL;
}

static int parse_count(const char *s, unsigned *out)
{
	unsigned long v;
	char *end;

	if (s[0] < '0' || s[0] > '9' || strlen(s) > 5)
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > 65535)
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

int vb_rule_parse(enum vb_rule_kind kind, const char *item,
		  struct vb_rule *rule, char *err, size_t errlen,
		  size_t *errcol)
{
	char buf[VB_ITEM_MAX], *opt, *next, *val;
	size_t len = strlen(item), i;

	memset(rule, 0, sizeof(*rule));
	rule->kind = kind;
	*errcol = 0;
	if (len == 0) {
		snprintf(err, errlen, "empty item");
		return -EINVAL;
	}
	if (len >= VB_ITEM_MAX) {
		snprintf(err, errlen, "item too long (%zu bytes, at most %d)",
			 len, VB_ITEM_MAX - 1);
		return -EINVAL;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)item[i];

		if (c <= ' ' || c >= 0x7f || c == '"' || c == '\'' ||
		    c == '\\') {
			*errcol = i;
			snprintf(err, errlen, "unexpected byte 0x%02x", c);
			return -EINVAL;
		}
	}
	memcpy(rule->text, item, len + 1);
	if (kind == RULE_BIND && !strcmp(item, "off")) {
		rule->kind = RULE_OFF;
		return 0;
	}
	memcpy(buf, item, len + 1);

	opt = strchr(buf, '+');
	if (opt)
		*opt++ = '\0';
	val = strchr(buf, '=');
	if (val)
		*val++ = '\0';
	if (parse_selector(buf, &rule->sel, err, errlen) < 0)
		return -EINVAL;
	if (kind == RULE_SRIOV) {
		if (!val || parse_count(val, &rule->numvfs) < 0) {
			*errcol = val ? (size_t)(val - buf) : strlen(buf);
			snprintf(err, errlen,
				 "%s VF count (want PF=COUNT, COUNT 0 to 65535)",
				 val ? "bad" : "missing");
			return -EINVAL;
		}
		rule->target = TGT_VFIO;
	} else if (val && parse_target(val, &rule->target, rule->driver, err,
				       errlen) < 0) {
		*errcol = (size_t)(val - buf);
		return -EINVAL;
	}
	while (opt) {
		next = strchr(opt, '+');
		if (next)
			*next++ = '\0';
		if (parse_option(rule, opt, err, errlen) < 0) {
			*errcol = (size_t)(opt - buf);
			return -EINVAL;
		}
		opt = next;
	}
	if (kind == RULE_SRIOV && rule->pf_mode == PF_VFIO &&
	    rule->target == TGT_HOST) {
		snprintf(err, errlen,
			 "pf=vfio-pci gives every new VF to vfio-pci; vf=host cannot hold");
		return -EINVAL;
	}
	return 0;
}

int vb_rules_add(struct vb_ctx *ctx, struct vb_rules *rules,
		 enum vb_rule_kind kind, const char *item,
		 const struct vb_where *where)
{
	struct vb_rule rule, *r;
	char err[256];
	size_t col;
	const char *name = kind == RULE_SRIOV ? "sriov" : "bind";

	if (vb_rule_parse(kind, item, &rule, err, sizeof(err), &col) < 0) {
		ctx->parse_errors++;
		if (where->param)
			vb_err(ctx, "%s item '%.*s': %s", where->param,
			       VB_ITEM_MAX, item, err);
		else
			vb_err(ctx, "%s:%u:%zu: %s item '%.*s': %s",
			       where->file, where->line, where->col + col, name,
			       VB_ITEM_MAX, item, err);
		return -EINVAL;
	}
	if (where->param)
		snprintf(rule.origin, sizeof(rule.origin), "%s", where->param);
	else
		snprintf(rule.origin, sizeof(rule.origin), "%s:%u", where->file,
			 where->line);
	if (rule.kind == RULE_OFF) {
		if (!rules->off)
			snprintf(rules->off_origin, sizeof(rules->off_origin),
				 "%s", rule.origin);
		rules->off = true;
		return 0;
	}
	r = vb_grow(rules->r, &rules->cap, rules->n, sizeof(*r));
	if (!r)
		return -ENOMEM;
	rules->r = r;
	rule.seq = (unsigned)rules->n;
	rules->r[rules->n++] = rule;
	return 0;
}

void vb_rules_free(struct vb_rules *rules)
{
	free(rules->r);
	memset(rules, 0, sizeof(*rules));
}
