// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What names a device across hardware changes, read from sysfs: its PCIe
 * Device Serial Number (config space), its topology path (the chain of
 * device directories from a root bus down, as its sysfs link spells it)
 * and its physical slot (/sys/bus/pci/slots/NAME/address).  Addresses
 * move when a card is added before another; these do not.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vfiobind.h"

#define PCI_CFG_SPACE_SIZE 0x100	/* conventional config space */
#define PCI_CFG_SPACE_EXP_SIZE 0x1000	/* PCIe: extended capabilities */
#define PCI_EXT_CAP_ID_DSN 0x0003

static uint32_t le32(const unsigned char *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}

/*
 * The kernel gives a PCIe function's config file 4096 bytes and a
 * conventional one 256 (no device access needed to tell): only the
 * first can have extended capabilities.  Each header dword holds the ID
 * (bits 0-15) and the next offset (bits 20-31); the chain starts at 0x100
 * and is bounded by the number of dwords it could visit.  Bytes past a
 * short read count as zero, which ends the chain.
 */
int vb_read_serial(const struct vb_ctx *ctx, const char *addr,
		   uint64_t *serial)
{
	unsigned char b[12];
	char path[PATH_MAX];
	unsigned off = PCI_CFG_SPACE_SIZE, hops;
	struct stat st;
	uint32_t hdr;
	int fd, r = -ENOENT;

	if (vb_path(ctx, path, sizeof(path), "/sys/bus/pci/devices/%s/config",
		    addr) < 0)
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || st.st_size <= PCI_CFG_SPACE_SIZE)
		goto out;
	for (hops = 0; hops < (PCI_CFG_SPACE_EXP_SIZE - PCI_CFG_SPACE_SIZE) / 4;
	     hops++) {
		memset(b, 0, sizeof(b));
		if (pread(fd, b, sizeof(b), off) < 4)
			break;
		hdr = le32(b);
		if ((hdr & 0xffff) == PCI_EXT_CAP_ID_DSN) {
			*serial = (uint64_t)le32(b + 8) << 32 | le32(b + 4);
			r = 0;
			break;
		}
		off = hdr >> 20 & ~3u;
		if (off < PCI_CFG_SPACE_SIZE ||
		    off > PCI_CFG_SPACE_EXP_SIZE - sizeof(b))
			break;
	}
out:
	close(fd);
	return r;
}

/* Bridges (header type 1 or 2) are never claimed: no serial rule needs
 * their numbers.  Before the header is read, their class tells. */
bool vb_serial_candidate(const struct vb_device *d)
{
	return !d->bridge && (d->class_code >> 8) != 0x0604 &&
	       (d->class_code >> 8) != 0x0609;
}

void vb_inventory_serials(struct vb_ctx *ctx, struct vb_inventory *inv)
{
	size_t i;

	for (i = 0; i < inv->n; i++) {
		struct vb_device *d = &inv->dev[i];

		if (d->has_serial || !vb_serial_candidate(d))
			continue;
		d->has_serial = vb_read_serial(ctx, d->addr, &d->serial) == 0;
	}
}

/* "pci0000:00" or "pci10000:e0" (VMD): a root bus. */
static bool root_bus(const char *c, size_t n, uint32_t *domain, uint8_t *bus)
{
	char buf[VB_ADDR_LEN + 8];
	struct vb_selector sel;

	if (n < 3 || strncmp(c, "pci", 3) || n - 3 + 6 > sizeof(buf))
		return false;
	memcpy(buf, c + 3, n - 3);
	memcpy(buf + n - 3, ":00.0", 6);
	if (vb_parse_addr(buf, &sel) < 0 || sel.any_func)
		return false;
	*domain = sel.domain;
	*bus = sel.bus;
	return true;
}

/*
 * The topology path from the device's sysfs link,
 * "../../../devices/pci0000:00/0000:00:04.0/0000:02:00.0": the last root
 * bus on the way (a VMD domain's, below its controller) and every device
 * directory after it.  Reads one link, never the device.
 */
void vb_device_locate(const struct vb_ctx *ctx, struct vb_device *d)
{
	char rel[PATH_MAX], path[PATH_MAX], target[PATH_MAX], one[VB_ADDR_LEN];
	const char *c, *end;
	struct vb_selector sel;
	uint32_t domain;
	uint8_t bus;
	ssize_t n;
	size_t len;

	d->depth = 0;
	snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s", d->addr);
	if (vb_path(ctx, path, sizeof(path), "%s", rel) < 0)
		return;
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return;
	target[n] = '\0';
	for (c = target; *c; c = *end ? end + 1 : end) {
		end = strchr(c, '/');
		if (!end)
			end = c + strlen(c);
		len = (size_t)(end - c);
		if (root_bus(c, len, &domain, &bus)) {
			d->root_bus = bus;
			d->depth = 0;
			continue;
		}
		if (len >= sizeof(one))
			continue;
		memcpy(one, c, len);
		one[len] = '\0';
		if (vb_parse_addr(one, &sel) < 0 || sel.any_func)
			continue;
		if (d->depth == VB_PATH_DEPTH) {
			d->depth = 0;
			return;
		}
		d->step[d->depth++] = (uint8_t)(sel.slot << 3 | sel.func);
	}
}

struct slot_fill {
	const struct vb_ctx *ctx;
	struct vb_inventory *inv;
};

/* "0000:02:00": the bus and device number of the slot's card. */
static int parse_slot_address(const char *s, struct vb_selector *sel)
{
	char buf[VB_ADDR_LEN + 4];
	size_t n = strlen(s);

	if (n + 3 > sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	memcpy(buf + n, ".*", 3);
	return vb_parse_addr(buf, sel);
}

int vb_slot_address(const struct vb_ctx *ctx, const char *name,
		    struct vb_selector *sel)
{
	char rel[PATH_MAX], buf[64], *nl;
	int r;

	snprintf(rel, sizeof(rel), "/sys/bus/pci/slots/%s/address", name);
	r = vb_read_attr(ctx, rel, buf, sizeof(buf));
	if (r < 0)
		return r;
	nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	return parse_slot_address(buf, sel);
}

static int fill_slot(void *data, const char *name)
{
	struct slot_fill *f = data;
	struct vb_selector sel;
	size_t i;

	if (strlen(name) >= VB_SLOT_NAME_MAX ||
	    vb_slot_address(f->ctx, name, &sel) < 0)
		return 0;
	for (i = 0; i < f->inv->n; i++)
		if (vb_selector_match(&sel, &f->inv->dev[i]))
			snprintf(f->inv->dev[i].slot_name, VB_SLOT_NAME_MAX,
				 "%s", name);
	return 0;
}

/* A handful of entries even on large servers; no device is touched. */
void vb_inventory_slots(const struct vb_ctx *ctx, struct vb_inventory *inv)
{
	struct slot_fill f = { ctx, inv };

	vb_dir_each(ctx, "/sys/bus/pci/slots", fill_slot, &f);
}

/*
 * Where a path selector leads now, walking down from its root bus
 * device by name: each bridge's secondary_bus_number gives the bus of
 * the next step.  "DDDD:BB:SS.F" of the last step, or -ENOENT.
 */
int vb_path_resolve(const struct vb_ctx *ctx, const struct vb_selector *sel,
		    char *addr, size_t len)
{
	char rel[PATH_MAX], buf[32], *end;
	unsigned bus = sel->bus;
	unsigned long v;
	int i;

	for (i = 0; i < sel->depth; i++) {
		if (i) {
			snprintf(rel, sizeof(rel),
				 "/sys/bus/pci/devices/%s/secondary_bus_number",
				 addr);
			if (vb_read_attr(ctx, rel, buf, sizeof(buf)) < 0)
				return -ENOENT;
			v = strtoul(buf, &end, 10);
			if (end == buf || (*end && *end != '\n') || v > 0xff)
				return -ENOENT;
			bus = (unsigned)v;
		}
		snprintf(addr, len, "%04x:%02x:%02x.%u", sel->domain, bus,
			 sel->step[i] >> 3, sel->step[i] & 7u);
		snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s", addr);
		if (!(i + 1 == sel->depth && sel->any_func) &&
		    !vb_exists(ctx, rel))
			return -ENOENT;
	}
	return 0;
}
