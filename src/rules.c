// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The item grammar shared by the kernel command line and the config files
 * (kernel-cmdline.md is its reference):
 *
 *   bind item   off | SELECTOR [ "=" TARGET ] { "+" OPTION }
 *   sriov item  SELECTOR "=" COUNT { "+" OPTION }
 *   SELECTOR    [DOMAIN ":"] BB ":" SS "." (F | "*") [GUARD]
 *             | VVVV ":" DDDD [ ":" SVVV ":" SDDD ]
 *             | "class:" CC [SS [PP]] [ "/" MASK6 ]
 *             | "serial:" XX "-" XX "-" ... (8 bytes, upper first)
 *             | "path:" [DOMAIN ":"] BB ":" SS "." F { "/" SS "." F }
 *                       [ "/" SS ".*" ] [GUARD]
 *             | "slot:" NAME
 *   GUARD       "@" VVVV ":" DDDD [ ":" SVVV ":" SDDD ]
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

/* VVVV:DDDD[:SVVV:SDDD] into sel's ID fields: an ID selector or a guard. */
static int parse_ids(const char *s, struct vb_selector *sel)
{
	uint32_t v[4];
	const char *p = s;
	int i;

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

static int parse_id(const char *s, struct vb_selector *sel)
{
	memset(sel, 0, sizeof(*sel));
	sel->kind = SEL_ID;
	return parse_ids(s, sel);
}

/* "52-54-00-ff-ff-12-34-0b", as lspci prints a Device Serial Number. */
static int parse_serial(const char *s, struct vb_selector *sel)
{
	uint32_t b;
	int i;

	memset(sel, 0, sizeof(*sel));
	sel->kind = SEL_SERIAL;
	for (i = 0; i < 8; i++, s += 3) {
		if (!hex_field(s, 2, 2, i == 7 ? "" : "-", &b))
			return -EINVAL;
		sel->serial = sel->serial << 8 | b;
	}
	return 0;
}

/* One step below the root bus device: SS.F, or SS.* when last. */
static const char *path_step(const char *s, uint8_t *devfn, bool *any)
{
	uint32_t slot;
	const char *p = hex_field(s, 2, 2, ".", &slot);

	if (!p || slot > 0x1f)
		return NULL;
	if (p[1] == '*' && p[2] == '\0') {
		*any = true;
		*devfn = (uint8_t)(slot << 3);
		return p + 2;
	}
	if (p[1] < '0' || p[1] > '7' || (p[2] && p[2] != '/'))
		return NULL;
	*devfn = (uint8_t)(slot << 3 | (uint32_t)(p[1] - '0'));
	return p + 2;
}

static int parse_path(const char *s, struct vb_selector *sel)
{
	char first[VB_ADDR_LEN];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	struct vb_selector root;
	bool any = false;

	if (n >= sizeof(first))
		return -EINVAL;
	memcpy(first, s, n);
	first[n] = '\0';
	if (vb_parse_addr(first, &root) < 0 || (root.any_func && slash))
		return -EINVAL;
	memset(sel, 0, sizeof(*sel));
	sel->kind = SEL_PATH;
	sel->domain = root.domain;
	sel->bus = root.bus;
	sel->any_func = root.any_func;
	sel->step[0] = (uint8_t)(root.slot << 3 | root.func);
	sel->depth = 1;
	for (s += n; *s; sel->depth++) {
		if (any || sel->depth == VB_PATH_DEPTH)
			return -EINVAL;
		s = path_step(s + 1, &sel->step[sel->depth], &any);
		if (!s)
			return -EINVAL;
	}
	sel->any_func |= any;
	sel->slot = sel->step[sel->depth - 1] >> 3;
	sel->func = sel->step[sel->depth - 1] & 7;
	return 0;
}

/* pciehp names slots by number, ACPI by numbers and dashes, firmware
 * tables by short words: none of them needs more. */
static int parse_slot(const char *s, struct vb_selector *sel)
{
	size_t i, n = strlen(s);

	memset(sel, 0, sizeof(*sel));
	sel->kind = SEL_SLOT;
	if (!n || n >= sizeof(sel->slot_name) || s[0] == '.')
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:",
			    s[i]))
			return -EINVAL;
	memcpy(sel->slot_name, s, n + 1);
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

static int format_serial(uint64_t serial, char *buf, size_t len)
{
	return snprintf(buf, len, "serial:%02x-%02x-%02x-%02x-%02x-%02x-%02x-%02x",
			(unsigned)(serial >> 56) & 0xff,
			(unsigned)(serial >> 48) & 0xff,
			(unsigned)(serial >> 40) & 0xff,
			(unsigned)(serial >> 32) & 0xff,
			(unsigned)(serial >> 24) & 0xff,
			(unsigned)(serial >> 16) & 0xff,
			(unsigned)(serial >> 8) & 0xff,
			(unsigned)serial & 0xff);
}

static int format_path(uint32_t domain, uint8_t bus, const uint8_t *step,
		       uint8_t depth, bool any_func, char *buf, size_t len)
{
	size_t used;
	int i, n;

	n = snprintf(buf, len, "path:%04x:%02x", domain, bus);
	for (i = 0; n >= 0 && i < depth; i++) {
		used = (size_t)n < len ? (size_t)n : len;
		if (i + 1 == depth && any_func)
			n += snprintf(buf + used, len - used, "%c%02x.*",
				      i ? '/' : ':', step[i] >> 3);
		else
			n += snprintf(buf + used, len - used, "%c%02x.%x",
				      i ? '/' : ':', step[i] >> 3, step[i] & 7);
	}
	return n;
}

int vb_device_path(const struct vb_device *d, char *buf, size_t len)
{
	if (!d->depth)
		return -ENOENT;
	return format_path(d->domain, d->root_bus, d->step, d->depth, false,
			   buf, len) < (int)len ? 0 : -ENAMETOOLONG;
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
	case SEL_SERIAL:
		return format_serial(sel->serial, buf, len);
	case SEL_PATH:
		return format_path(sel->domain, sel->bus, sel->step,
				   sel->depth, sel->any_func, buf, len);
	case SEL_SLOT:
		return snprintf(buf, len, "slot:%s", sel->slot_name);
	}
	return -EINVAL;
}

static int parse_guard(const char *at, struct vb_selector *sel, char *err,
		       size_t errlen)
{
	if (sel->kind != SEL_ADDR && sel->kind != SEL_PATH) {
		snprintf(err, errlen,
			 "an identity guard '%s' goes with an address or a path: only they can name another device after a change",
			 at);
		return -EINVAL;
	}
	if (parse_ids(at + 1, sel) < 0) {
		snprintf(err, errlen,
			 "bad identity guard '%s' (want @VVVV:DDDD or @VVVV:DDDD:SVVV:SDDD, hex)",
			 at);
		return -EINVAL;
	}
	sel->guard = true;
	return 0;
}

_Static_assert(VB_PATH_DEPTH == 16 && VB_SLOT_NAME_MAX == 32,
	       "the errors of path: and slot: give these bounds");

static const struct {
	const char *prefix, *what, *want;
	int (*parse)(const char *s, struct vb_selector *sel);
} prefixed[] = {
	{ "class:", "class",
	  "class:CC, class:CCSS, class:CCSSPP or class:CCSSPP/MMMMMM, hex",
	  parse_class },
	{ "serial:", "serial number",
	  "serial: and 8 hex bytes joined by '-', as lspci prints a Device Serial Number",
	  parse_serial },
	{ "path:", "path",
	  "path:DDDD:BB:SS.F on a root bus, then /SS.F for each level below, at most 16 in all; the last may be SS.*",
	  parse_path },
	{ "slot:", "slot name",
	  "slot:NAME as in /sys/bus/pci/slots, at most 31 letters, digits, '-', '_', '.' or ':'",
	  parse_slot },
};

/* The prefixed selectors: 1 when s has none of their prefixes. */
static int parse_prefixed(const char *s, struct vb_selector *sel, char *err,
			  size_t errlen)
{
	size_t i, n;

	for (i = 0; i < ARRAY_SIZE(prefixed); i++) {
		n = strlen(prefixed[i].prefix);
		if (strncmp(s, prefixed[i].prefix, n))
			continue;
		if (prefixed[i].parse(s + n, sel) == 0)
			return 0;
		snprintf(err, errlen, "bad %s '%s' (want %s)", prefixed[i].what,
			 s, prefixed[i].want);
		return -EINVAL;
	}
	return 1;
}

/* An address or an ID: the selectors without a prefix. */
static int parse_plain(const char *s, struct vb_selector *sel, char *err,
		       size_t errlen)
{
	int r;

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
			 "bad device selector '%s' (want an address BB:SS.F, an id VVVV:DDDD[:SVVV:SDDD], class:CC..., serial:..., path:... or slot:NAME)",
			 s);
		return -EINVAL;
	}
	return 0;
}

/* *col is where in s an error starts. */
static int parse_selector(char *s, struct vb_selector *sel, char *err,
			  size_t errlen, size_t *col)
{
	char *at = strchr(s, '@');
	int r;

	*col = 0;
	if (at)
		*at = '\0';
	if (!s[0]) {
		snprintf(err, errlen, "missing device selector");
		return -EINVAL;
	}
	r = parse_prefixed(s, sel, err, errlen);
	if (r > 0)
		r = parse_plain(s, sel, err, errlen);
	if (r < 0 || !at)
		return r;
	*at = '@';
	*col = (size_t)(at - s);
	return parse_guard(at, sel, err, errlen);
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
	if (parse_selector(buf, &rule->sel, err, errlen, errcol) < 0)
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
	if (!where->param) {
		rule.line = where->line;
		rule.col = where->col;
	}
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

bool vb_rules_have(const struct vb_rules *rules, enum vb_sel_kind kind)
{
	size_t i;

	for (i = 0; rules && i < rules->n; i++)
		if (rules->r[i].kind != RULE_OFF && rules->r[i].sel.kind == kind)
			return true;
	return false;
}

bool vb_selector_by_place(enum vb_sel_kind kind)
{
	return kind == SEL_ADDR || kind == SEL_PATH || kind == SEL_SLOT;
}

size_t vb_item_selector_len(const char *item)
{
	return strcspn(item, "=+");
}

void vb_rules_free(struct vb_rules *rules)
{
	free(rules->r);
	memset(rules, 0, sizeof(*rules));
}
