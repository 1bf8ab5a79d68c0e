// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Names for status, the way lspci gives them, from the pci.ids database
 * (Debian's pci.ids package; libpci itself has no static build to link).
 * The file lists vendors ("VVVV  name"), their devices ("\tDDDD  name")
 * and, after a "C cc  name" line, classes and their subclasses
 * ("\tss  name").  One pass fills in every device of the inventory;
 * without the file, status shows numbers only.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "vfiobind.h"

static const char *const ids_paths[] = {
	"/usr/share/misc/pci.ids",	/* Debian, Arch */
	"/usr/share/hwdata/pci.ids",	/* Fedora */
	"/usr/share/pci.ids",
};

struct names {
	const char *vendor, *device, *cls, *subclass;
	size_t vlen, dlen, clen, slen;
};

/* "HHHH  text" at p: the number, and the text with its length. */
static bool entry(const char *p, const char *end, int digits,
		  unsigned *id, const char **text, size_t *len)
{
	char *stop;
	unsigned long v;

	if (end - p < digits + 2 || p[digits] != ' ')
		return false;
	v = strtoul(p, &stop, 16);
	if (stop != p + digits)
		return false;
	*id = (unsigned)v;
	p += digits;
	while (p < end && *p == ' ')
		p++;
	*text = p;
	*len = (size_t)(end - p);
	return true;
}

static void scan(const char *text, const struct vb_inventory *inv,
		 struct names *n)
{
	const char *line, *end, *t;
	unsigned vendor = 0x10000, cls = 0x100, id;
	bool classes = false;
	size_t i, len;

	for (line = text; *line; line = *end ? end + 1 : end) {
		end = strchr(line, '\n');
		if (!end)
			end = line + strlen(line);
		if (line[0] == '#' || line == end)
			continue;
		if (line[0] == 'C' && line[1] == ' ' &&
		    entry(line + 2, end, 2, &id, &t, &len)) {
			classes = true;
			cls = id;
			for (i = 0; i < inv->n; i++)
				if (inv->dev[i].class_code >> 16 == cls) {
					n[i].cls = t;
					n[i].clen = len;
				}
		} else if (line[0] != '\t' && !classes &&
			   entry(line, end, 4, &id, &t, &len)) {
			vendor = id;
			for (i = 0; i < inv->n; i++)
				if (inv->dev[i].vendor == vendor) {
					n[i].vendor = t;
					n[i].vlen = len;
				}
		} else if (line[0] == '\t' && line[1] != '\t' && !classes &&
			   entry(line + 1, end, 4, &id, &t, &len)) {
			for (i = 0; i < inv->n; i++)
				if (inv->dev[i].vendor == vendor &&
				    inv->dev[i].device == id) {
					n[i].device = t;
					n[i].dlen = len;
				}
		} else if (line[0] == '\t' && line[1] != '\t' && classes &&
			   entry(line + 1, end, 2, &id, &t, &len)) {
			for (i = 0; i < inv->n; i++)
				if (inv->dev[i].class_code >> 8 ==
				    (cls << 8 | id)) {
					n[i].subclass = t;
					n[i].slen = len;
				}
		}
	}
}

int vb_pci_names(struct vb_ctx *ctx, struct vb_inventory *inv)
{
	char path[PATH_MAX], dev[128], *text = NULL;
	struct names *n;
	size_t i, len;

	for (i = 0; !text && i < sizeof(ids_paths) / sizeof(ids_paths[0]); i++)
		if (vb_path(ctx, path, sizeof(path), "%s", ids_paths[i]) == 0)
			text = vb_slurp(path, &len);
	if (!text)
		return 0;
	n = calloc(inv->n + 1, sizeof(*n));
	inv->name = calloc(inv->n + 1, sizeof(*inv->name));
	if (!n || !inv->name) {
		free(n);
		free(text);
		return -1;
	}
	scan(text, inv, n);
	for (i = 0; i < inv->n; i++) {
		const struct names *m = &n[i];

		if (!m->vendor)
			continue;
		/* lspci's form: "Ethernet controller: Intel Corporation 82540EM ..." */
		if (m->device)
			snprintf(dev, sizeof(dev), "%.*s", (int)m->dlen, m->device);
		else
			snprintf(dev, sizeof(dev), "Device %04x", inv->dev[i].device);
		if (asprintf(&inv->name[i], "%.*s%s%.*s %s",
			     m->subclass ? (int)m->slen : (int)m->clen,
			     m->subclass ? m->subclass : m->cls ? m->cls : "",
			     m->cls ? ": " : "", (int)m->vlen, m->vendor,
			     dev) < 0)
			inv->name[i] = NULL;
	}
	free(n);
	free(text);
	return 0;
}
