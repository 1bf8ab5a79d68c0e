// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfiobind pin: the configured items whose selector names a place (an
 * address, a path, a slot) rewritten for the hardware present now into a
 * form that stays with the device they select: serial: where its card
 * carries a Device Serial Number that selects exactly the same functions,
 * else path: with an @VVVV:DDDD guard.  Items by ID, class or serial
 * number are stable already and stay as they are.  Printed as a config
 * file, or written back into the config files (--write).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vfiobind.h"

struct pinned {
	char text[VB_ITEM_MAX];	/* the item as it should read */
	bool changed;
	const char *why;	/* a place item left as it is: why */
};

static bool same_slot(const struct vb_device *a, const struct vb_device *b)
{
	return a->domain == b->domain && a->bus == b->bus && a->slot == b->slot;
}

/* Only the functions of the selected card's slot could share its number:
 * their config space is read, no other device's. */
static void read_slot_serials(struct vb_ctx *ctx, struct vb_inventory *inv,
			      const struct vb_device *d)
{
	size_t i;

	for (i = 0; i < inv->n; i++) {
		struct vb_device *e = &inv->dev[i];

		if (same_slot(e, d) && !e->has_serial && vb_serial_candidate(e))
			e->has_serial = vb_read_serial(ctx, e->addr,
						       &e->serial) == 0;
	}
}

/* The serial number selects exactly what r selects in first's slot. */
static bool serial_selects_same(const struct vb_inventory *inv,
				const struct vb_rule *r,
				const struct vb_device *first)
{
	size_t i;

	if (!first->has_serial)
		return false;
	for (i = 0; i < inv->n; i++) {
		const struct vb_device *e = &inv->dev[i];

		if (same_slot(e, first) &&
		    vb_selector_match(&r->sel, e) !=
		    (e->has_serial && e->serial == first->serial))
			return false;
	}
	return true;
}

/* The stable selector for what r selects now, into buf. */
static const char *pin_place(struct vb_ctx *ctx, struct vb_inventory *inv,
			     const struct vb_rule *r, char *buf, size_t len)
{
	struct vb_selector sel = { .kind = SEL_SERIAL };
	const struct vb_device *first = NULL;
	bool same_ids = true;
	size_t i, n = 0, used;

	for (i = 0; i < inv->n; i++) {
		const struct vb_device *d = &inv->dev[i];

		if (!vb_selector_match(&r->sel, d))
			continue;
		if (first && !same_slot(first, d))
			return "it selects devices in more than one slot";
		if (!first)
			first = d;
		same_ids &= d->vendor == first->vendor &&
			    d->device == first->device;
		n++;
	}
	if (!first)
		return "it selects no device now";
	read_slot_serials(ctx, inv, first);
	if (serial_selects_same(inv, r, first)) {
		sel.serial = first->serial;
		vb_selector_format(&sel, buf, len);
		return NULL;
	}
	if (vb_device_path(first, buf, len) < 0)
		return "the device's topology path is unknown";
	used = strlen(buf);
	if (n > 1)		/* a whole slot: the last step's function */
		buf[used - 1] = '*';
	if (!same_ids)
		return NULL;
	if (r->sel.guard && r->sel.has_subsys)
		snprintf(buf + used, len - used, "@%04x:%04x:%04x:%04x",
			 first->vendor, first->device, first->subvendor,
			 first->subdevice);
	else
		snprintf(buf + used, len - used, "@%04x:%04x", first->vendor,
			 first->device);
	return NULL;
}

static void pin_rule(struct vb_ctx *ctx, struct vb_inventory *inv,
		     const struct vb_rule *r, struct pinned *p)
{
	char sel[VB_ITEM_MAX + 32], err[256];
	const char *rest = r->text + vb_item_selector_len(r->text);
	struct vb_rule check;
	size_t col, n;

	snprintf(p->text, sizeof(p->text), "%s", r->text);
	if (!vb_selector_by_place(r->sel.kind))
		return;
	p->why = pin_place(ctx, inv, r, sel, sizeof(sel));
	if (p->why)
		return;
	n = strlen(sel);
	if (n + strlen(rest) >= sizeof(p->text)) {
		p->why = "its stable form is too long for an item";
		return;
	}
	memcpy(p->text, sel, n);
	memcpy(p->text + n, rest, strlen(rest) + 1);
	if (vb_rule_parse(r->kind, p->text, &check, err, sizeof(err),
			  &col) < 0) {
		snprintf(p->text, sizeof(p->text), "%s", r->text);
		p->why = "its stable form does not parse";
		return;
	}
	p->changed = strcmp(p->text, r->text) != 0;
}

/* "FILE" of an origin "FILE:LINE". */
static void origin_file(const struct vb_rule *r, char *buf, size_t len)
{
	const char *colon = strrchr(r->origin, ':');
	size_t n = colon ? (size_t)(colon - r->origin) : strlen(r->origin);

	snprintf(buf, len, "%.*s", (int)n, r->origin);
}

/* The new text of a config file: each changed item replaced where it
 * stands, comments and everything else kept byte for byte; NULL when
 * the file no longer holds an item where it was read. */
static char *rewrite(const char *text, size_t len,
		     const struct vb_rules *rules, const struct pinned *p,
		     const char *file, size_t *outlen)
{
	char *out = malloc(len + rules->n * VB_ITEM_MAX + 1), name[PATH_MAX];
	size_t i, at = 0, copied = 0, o = 0, pos, n, m;
	unsigned line = 1;

	if (!out)
		return NULL;
	for (i = 0; i < rules->n; i++) {
		const struct vb_rule *r = &rules->r[i];

		origin_file(r, name, sizeof(name));
		if (!p[i].changed || !r->line || strcmp(name, file))
			continue;
		for (; at < len && line < r->line; at++)
			line += text[at] == '\n';
		pos = at + r->col - 1;
		n = strlen(r->text);
		if (line != r->line || pos < copied || pos + n > len ||
		    memcmp(text + pos, r->text, n)) {
			free(out);
			return NULL;
		}
		memcpy(out + o, text + copied, pos - copied);
		o += pos - copied;
		m = strlen(p[i].text);
		memcpy(out + o, p[i].text, m);
		o += m;
		copied = pos + n;
	}
	memcpy(out + o, text + copied, len - copied);
	*outlen = o + len - copied;
	return out;
}

static int write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The host path of a config file named as inside the root, through its
 * links: the file itself is replaced, not a link to it. */
static int host_path(struct vb_ctx *ctx, const char *file, char *path,
		     size_t len)
{
	char inside[PATH_MAX];
	int r;

	if (ctx->config) {
		if (len < PATH_MAX || !realpath(file, path))
			return len < PATH_MAX ? -ENAMETOOLONG : -errno;
		return 0;
	}
	r = vb_resolve(ctx, file, inside, sizeof(inside));
	return r < 0 ? r : vb_path(ctx, path, len, "%s", inside);
}

/*
 * FILE.vfiobind-pin written whole and synced, the old file kept as
 * FILE.bak (a hard link: the same bytes, no copy to fail half way), then
 * renamed over FILE: a crash leaves the old file or the new, never half.
 */
static int write_file(struct vb_ctx *ctx, const struct vb_rules *rules,
		      const struct pinned *p, const char *file)
{
	char path[PATH_MAX], tmp[PATH_MAX + 16], bak[PATH_MAX + 8];
	char *text, *out = NULL;
	size_t len, outlen;
	struct stat st;
	int fd, r;

	r = host_path(ctx, file, path, sizeof(path));
	if (r < 0 || stat(path, &st) < 0) {
		vb_err(ctx, "%s: cannot resolve: %s", file,
		       strerror(r < 0 ? -r : errno));
		return -1;
	}
	text = vb_slurp(path, &len);
	if (text)
		out = rewrite(text, len, rules, p, file, &outlen);
	free(text);
	if (!out) {
		vb_err(ctx, "%s: changed since it was read, or unreadable: not rewritten",
		       file);
		return -1;
	}
	snprintf(tmp, sizeof(tmp), "%s.vfiobind-pin", path);
	snprintf(bak, sizeof(bak), "%s.bak", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		  st.st_mode & 07777);
	r = fd < 0 ? -errno : write_all(fd, out, outlen);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (fd >= 0 && close(fd) < 0 && r == 0)
		r = -errno;
	free(out);
	if (r == 0 && (unlink(bak) < 0 && errno != ENOENT))
		r = -errno;
	if (r == 0 && link(path, bak) < 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		if (fd >= 0)
			unlink(tmp);
		vb_err(ctx, "%s: cannot rewrite: %s", file, strerror(-r));
		return -1;
	}
	vb_notice(ctx, "%s: rewritten, the old one kept as %s", file, bak);
	return 0;
}

/* Every config file with a changed item, each once. */
static int write_files(struct vb_ctx *ctx, const struct vb_rules *rules,
		       const struct pinned *p)
{
	char file[PATH_MAX], other[PATH_MAX];
	size_t i, j;
	bool seen;
	int failed = 0;

	for (i = 0; i < rules->n; i++) {
		const struct vb_rule *r = &rules->r[i];

		if (!p[i].changed)
			continue;
		if (!r->line) {
			vb_notice(ctx, "%s item '%s' is on the kernel command line: put '%s' there instead",
				  r->origin, r->text, p[i].text);
			continue;
		}
		origin_file(r, file, sizeof(file));
		for (j = 0, seen = false; j < i && !seen; j++) {
			origin_file(&rules->r[j], other, sizeof(other));
			seen = p[j].changed && rules->r[j].line &&
			       !strcmp(file, other);
		}
		if (!seen && write_file(ctx, rules, p, file) < 0)
			failed++;
	}
	return failed;
}

int vb_pin(struct vb_ctx *ctx, const struct vb_rules *rules, bool write,
	   FILE *out)
{
	struct vb_inventory inv = { 0 };
	struct pinned *p;
	size_t i;
	int status = VB_EXIT_OK;

	if (vb_inventory_read(ctx, &inv, NULL) < 0)
		return VB_EXIT_FAILED;
	p = calloc(rules->n + 1, sizeof(*p));
	if (!p) {
		vb_inventory_free(&inv);
		return VB_EXIT_FAILED;
	}
	if (rules->off)
		fprintf(out, "# %s 'off' disables every rule\n",
			rules->off_origin);
	for (i = 0; i < rules->n; i++) {
		const struct vb_rule *r = &rules->r[i];

		pin_rule(ctx, &inv, r, &p[i]);
		if (p[i].why) {
			vb_err(ctx, "%s item '%s' not pinned: %s", r->origin,
			       r->text, p[i].why);
			status = VB_EXIT_FAILED;
		}
		if (write)
			continue;
		fprintf(out, "%s %s  # %s%s%s\n",
			r->kind == RULE_SRIOV ? "sriov" : "bind", p[i].text,
			r->origin, p[i].changed ? ", was " : "",
			p[i].changed ? r->text : "");
	}
	if (write && write_files(ctx, rules, p))
		status = VB_EXIT_FAILED;
	free(p);
	vb_inventory_free(&inv);
	return ctx->parse_errors ? VB_EXIT_USAGE : status;
}
