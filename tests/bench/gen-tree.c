// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * gen-tree N DIR: a synthetic sysfs of exactly N PCI devices under DIR/sys,
 * shaped like the recorded fixtures (tests/fixtures/README.md), plus
 * DIR/proc/cmdline and DIR/targets, the 64 addresses the benchmarks claim.
 *
 * The machine: host bridge, boot VGA, a chipset group (LPC, AHCI, SMBus);
 * behind root ports: 4 GPUs of 4 functions each (one group per GPU),
 * 16 NICs (a group each), a pcie-pci bridge with a dual-port NIC (bridge
 * and ports share a group), 4 NVMe drives, and as many SR-IOV PFs as it
 * takes to reach N, each with up to 255 VFs (ARI numbering, a group per
 * VF, sriov_drivers_autoprobe 0, VFs unbound). Everything but the VFs is
 * bound to its native driver; vfio is not loaded yet, as in the initramfs.
 *
 * The targets, 64 devices whose groups they fill exactly (so a binder that
 * closes over groups and driverctl touch the same devices): the 16 GPU
 * functions, the 16 NICs and the first 32 VFs of the first PF.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_VFS 255
#define NTARGETS 64

struct kind {
	unsigned vendor, device, subvendor, subdevice, class;
	const char *driver, *module;	/* NULL: unbound */
};

static const struct kind
	k_host = { 0x8086, 0x29c0, 0x1af4, 0x1100, 0x060000, NULL, NULL },
	k_vga = { 0x1234, 0x1111, 0x1af4, 0x1100, 0x030000, "bochs-drm", "bochs" },
	k_lpc = { 0x8086, 0x2918, 0x1af4, 0x1100, 0x060100, "lpc_ich", "lpc_ich" },
	k_ahci = { 0x8086, 0x2922, 0x1af4, 0x1100, 0x010601, "ahci", "ahci" },
	k_smbus = { 0x8086, 0x2930, 0x1af4, 0x1100, 0x0c0500, "i801_smbus", "i2c_i801" },
	k_rootport = { 0x1b36, 0x000c, 0x1b36, 0x0000, 0x060400, "pcieport", NULL },
	k_pcibridge = { 0x1b36, 0x000e, 0x0000, 0x0000, 0x060400, NULL, NULL },
	k_gpu[4] = {
		{ 0x10de, 0x1e84, 0x1458, 0x37a7, 0x030000, "nouveau", "nouveau" },
		{ 0x10de, 0x10f8, 0x1458, 0x37a7, 0x040300, "snd_hda_intel", "snd_hda_intel" },
		{ 0x10de, 0x1ad8, 0x1458, 0x37a7, 0x0c0330, "xhci_hcd", "xhci_pci" },
		{ 0x10de, 0x1ad9, 0x1458, 0x37a7, 0x0c8000, "nvidia-gpu", "i2c_nvidia_gpu" },
	},
	k_nic = { 0x8086, 0x10d3, 0x8086, 0xa01f, 0x020000, "e1000e", "e1000e" },
	k_dual = { 0x8086, 0x100e, 0x1af4, 0x1100, 0x020000, "e1000", "e1000" },
	k_nvme = { 0x1b36, 0x0010, 0x1af4, 0x1100, 0x010802, "nvme", "nvme" },
	k_pf = { 0x8086, 0x1592, 0x8086, 0x0002, 0x020000, "ice", "ice" },
	k_vf = { 0x8086, 0x1889, 0x8086, 0x0000, 0x020000, NULL, NULL };

static const char *root;
static int ndevs, ngroups, nrootports, ntargets;
static FILE *targets;

static void die(const char *what)
{
	fprintf(stderr, "gen-tree: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void mkdirs(const char *rel)
{
	char path[PATH_MAX], *p;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (p = path + strlen(root) + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(path, 0755) < 0 && errno != EEXIST)
				die(path);
			*p = '/';
		}
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		die(path);
}

static void put(const char *rel, const void *data, size_t n)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, data, n) != (ssize_t)n || close(fd) < 0)
		die(path);
}

static void putf(const char *dir, const char *name, const char *fmt, ...)
{
	char rel[PATH_MAX], text[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	snprintf(rel, sizeof(rel), "%s/%s", dir, name);
	put(rel, text, (size_t)n);
}

static void link_at(const char *dir, const char *name, const char *fmt, ...)
{
	char path[PATH_MAX], target[PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(target, sizeof(target), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "%s/%s/%s", root, dir, name);
	if (symlink(target, path) < 0)
		die(path);
}

/* "../" once per component of rel: from sys/REL back up to sys/. */
static const char *ups(const char *rel)
{
	static char buf[PATH_MAX];
	const char *p;

	strcpy(buf, "../");
	for (p = rel; *p; p++)
		if (*p == '/')
			strcat(buf, "../");
	return buf;
}

static void driver_dir(const char *name, const char *module)
{
	static const char *const files[] = { "bind", "unbind", "new_id",
					     "remove_id" };
	char dir[PATH_MAX], module_link[PATH_MAX];
	size_t i;

	snprintf(dir, sizeof(dir), "sys/bus/pci/drivers/%s", name);
	mkdirs(dir);
	for (i = 0; i < 4; i++)
		putf(dir, files[i], "%s", "");
	if (module) {
		link_at(dir, "module", "../../../../module/%s", module);
		snprintf(dir, sizeof(dir), "sys/module/%s/drivers", module);
		mkdirs(dir);
		snprintf(module_link, sizeof(module_link), "pci:%s", name);
		link_at(dir, module_link, "../../../bus/pci/drivers/%s", name);
	}
}

/*
 * One device at sys/devices/PARENT/ADDR; returns its path under sys/
 * in devpath. group < 0 opens a new group. Header type 1 for bridges.
 */
static int device(const char *parent, unsigned bus, unsigned devfn,
		  const struct kind *k, int group, bool multifunction,
		  char *devpath, size_t len)
{
	unsigned char cfg[64] = { 0 };
	char addr[16], dir[PATH_MAX], rel[PATH_MAX];
	bool bridge = (k->class >> 8) == 0x0604;
	bool vf = k == &k_vf;

	snprintf(addr, sizeof(addr), "0000:%02x:%02x.%x", bus, devfn >> 3,
		 devfn & 7);
	snprintf(rel, sizeof(rel), "%s/%s", parent, addr);
	snprintf(dir, sizeof(dir), "sys/%s", rel);
	mkdirs(dir);
	if (group < 0)
		group = ngroups++;
	putf(dir, "vendor", "0x%04x\n", k->vendor);
	putf(dir, "device", "0x%04x\n", k->device);
	putf(dir, "subsystem_vendor", "0x%04x\n", k->subvendor);
	putf(dir, "subsystem_device", "0x%04x\n", k->subdevice);
	putf(dir, "class", "0x%06x\n", k->class);
	putf(dir, "revision", "0x%02x\n", 2);
	putf(dir, "modalias", "pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X\n",
	     k->vendor, k->device, k->subvendor, k->subdevice, k->class >> 16,
	     (k->class >> 8) & 0xff, k->class & 0xff);
	putf(dir, "driver_override", "(null)\n");
	if ((k->class >> 8) == 0x0300)
		putf(dir, "boot_vga", "%d\n", k == &k_vga);
	/* A VF's config space reads all ones for its IDs. */
	cfg[0] = vf ? 0xff : k->vendor & 0xff;
	cfg[1] = vf ? 0xff : k->vendor >> 8;
	cfg[2] = vf ? 0xff : k->device & 0xff;
	cfg[3] = vf ? 0xff : k->device >> 8;
	cfg[8] = 2;
	cfg[9] = k->class & 0xff;
	cfg[10] = (k->class >> 8) & 0xff;
	cfg[11] = k->class >> 16;
	cfg[14] = (bridge ? 1 : 0) | (multifunction ? 0x80 : 0);
	if (!bridge) {
		cfg[44] = k->subvendor & 0xff;
		cfg[45] = k->subvendor >> 8;
		cfg[46] = k->subdevice & 0xff;
		cfg[47] = k->subdevice >> 8;
	}
	snprintf(rel, sizeof(rel), "%s/config", dir);
	put(rel, cfg, sizeof(cfg));
	snprintf(rel, sizeof(rel), "%s/%s", parent, addr);
	link_at(dir, "iommu_group", "%skernel/iommu_groups/%d", ups(rel),
		group);
	if (k->driver) {
		link_at(dir, "driver", "%sbus/pci/drivers/%s", ups(rel),
			k->driver);
		snprintf(dir, sizeof(dir), "sys/bus/pci/drivers/%s", k->driver);
		link_at(dir, addr, "../../../../%s", rel);
	}
	link_at("sys/bus/pci/devices", addr, "../../../%s", rel);
	snprintf(dir, sizeof(dir), "sys/kernel/iommu_groups/%d/devices", group);
	mkdirs(dir);
	link_at(dir, addr, "../../../../%s", rel);
	snprintf(dir, sizeof(dir), "sys/kernel/iommu_groups/%d", group);
	putf(dir, "type", "DMA\n");
	snprintf(devpath, len, "%s", rel);
	ndevs++;
	return group;
}

static void target(const char *devpath)
{
	fprintf(targets, "%s\n", strrchr(devpath, '/') + 1);
	ntargets++;
}

/* A root port on bus 0 leading to secondary bus `bus`. */
static void root_port(unsigned bus, char *devpath, size_t len)
{
	unsigned devfn = (2 << 3) + nrootports++;
	char dir[PATH_MAX];

	device("devices/pci0000:00", 0, devfn, &k_rootport, -1,
	       true, devpath, len);
	snprintf(dir, sizeof(dir), "sys/%s", devpath);
	putf(dir, "secondary_bus_number", "%u\n", bus);
	putf(dir, "subordinate_bus_number", "%u\n", bus);
}

static void sriov_pf(unsigned bus, int nvfs)
{
	char rp[PATH_MAX], pf[PATH_MAX], vf[PATH_MAX], dir[PATH_MAX];
	char name[32], vfdir[PATH_MAX];
	int i;

	root_port(bus, rp, sizeof(rp));
	device(rp, bus, 0, &k_pf, -1, false, pf, sizeof(pf));
	snprintf(dir, sizeof(dir), "sys/%s", pf);
	putf(dir, "sriov_totalvfs", "%d\n", MAX_VFS);
	putf(dir, "sriov_numvfs", "%d\n", nvfs);
	putf(dir, "sriov_drivers_autoprobe", "0\n");
	putf(dir, "sriov_offset", "1\n");
	putf(dir, "sriov_stride", "1\n");
	putf(dir, "sriov_vf_device", "%x\n", k_vf.device);
	for (i = 0; i < nvfs; i++) {
		device(rp, bus, (unsigned)i + 1, &k_vf, -1, false, vf,
		       sizeof(vf));
		snprintf(name, sizeof(name), "virtfn%d", i);
		link_at(dir, name, "../%s", strrchr(vf, '/') + 1);
		snprintf(vfdir, sizeof(vfdir), "sys/%s", vf);
		link_at(vfdir, "physfn", "../%s", strrchr(pf, '/') + 1);
		if (ntargets < NTARGETS)
			target(vf);
	}
}

int main(int argc, char **argv)
{
	static const struct kind *const drivers[] = {
		&k_vga, &k_lpc, &k_ahci, &k_smbus, &k_rootport, &k_gpu[0],
		&k_gpu[1], &k_gpu[2], &k_gpu[3], &k_nic, &k_dual, &k_nvme,
		&k_pf,
	};
	char path[PATH_MAX], rp[PATH_MAX], br[PATH_MAX], dir[PATH_MAX];
	int n, base, rest, npf, nvfs, extra, g, i, f;
	unsigned bus = 1;

	if (argc != 3 || (n = atoi(argv[1])) < 128) {
		fprintf(stderr, "usage: gen-tree N DIR (N >= 128)\n");
		return 2;
	}
	root = argv[2];
	if (mkdir(root, 0755) < 0 && errno != EEXIST)
		die(root);
	mkdirs("proc");
	putf("proc", "cmdline", "console=ttyS0 intel_iommu=on\n");
	snprintf(path, sizeof(path), "%s/targets", root);
	targets = fopen(path, "w");
	if (!targets)
		die(path);
	mkdirs("sys/bus/pci/devices");
	mkdirs("sys/kernel/iommu_groups");
	putf("sys/bus/pci", "drivers_probe", "%s", "");
	putf("sys/bus/pci", "drivers_autoprobe", "1\n");
	for (i = 0; i < (int)(sizeof(drivers) / sizeof(drivers[0])); i++)
		driver_dir(drivers[i]->driver, drivers[i]->module);
	driver_dir("shpchp", "shpchp");

	device("devices/pci0000:00", 0, 0, &k_host, -1, false, path,
	       sizeof(path));
	device("devices/pci0000:00", 0, 1 << 3, &k_vga, -1, false, path,
	       sizeof(path));
	g = device("devices/pci0000:00", 0, 0x1f << 3, &k_lpc, -1, true, path,
		   sizeof(path));
	device("devices/pci0000:00", 0, (0x1f << 3) + 2, &k_ahci, g, true,
	       path, sizeof(path));
	device("devices/pci0000:00", 0, (0x1f << 3) + 3, &k_smbus, g, true,
	       path, sizeof(path));
	for (i = 0; i < 4; i++, bus++) {
		root_port(bus, rp, sizeof(rp));
		for (g = -1, f = 0; f < 4; f++) {
			g = device(rp, bus, (unsigned)f, &k_gpu[f], g, true,
				   path, sizeof(path));
			target(path);
		}
	}
	for (i = 0; i < 16; i++, bus++) {
		root_port(bus, rp, sizeof(rp));
		device(rp, bus, 0, &k_nic, -1, false, path, sizeof(path));
		target(path);
	}
	root_port(bus, rp, sizeof(rp));
	g = device(rp, bus, 0, &k_pcibridge, -1, false, br, sizeof(br));
	snprintf(dir, sizeof(dir), "sys/%s", br);
	putf(dir, "secondary_bus_number", "%u\n", bus + 1);
	putf(dir, "subordinate_bus_number", "%u\n", bus + 1);
	bus++;
	for (f = 0; f < 2; f++)
		device(br, bus, (1 << 3) + (unsigned)f, &k_dual, g, true, path,
		       sizeof(path));
	bus++;
	for (i = 0; i < 4; i++, bus++) {
		root_port(bus, rp, sizeof(rp));
		device(rp, bus, 0, &k_nvme, -1, false, path, sizeof(path));
	}

	/* The rest are SR-IOV PFs behind a root port each, with their VFs. */
	base = ndevs;
	rest = n - base;
	npf = (rest + MAX_VFS + 1) / (MAX_VFS + 2);
	if (npf < 1 || rest - 2 * npf < NTARGETS - ntargets) {
		fprintf(stderr, "gen-tree: %d devices are too few\n", n);
		return 2;
	}
	nvfs = (rest - 2 * npf) / npf;
	extra = (rest - 2 * npf) % npf;
	for (i = 0; i < npf; i++, bus++)
		sriov_pf(bus, nvfs + (i < extra));
	if (fclose(targets) || ndevs != n || ntargets != NTARGETS) {
		fprintf(stderr, "gen-tree: made %d devices, %d targets\n",
			ndevs, ntargets);
		return 1;
	}
	return 0;
}
