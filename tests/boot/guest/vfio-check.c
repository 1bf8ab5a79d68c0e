/*
 * Guest-side evidence for the boot tests: ask the kernel's vfio core
 * whether a device is really usable by a VMM, the way QEMU opens it.
 *
 *   vfio-check viable GROUP   VFIO_GROUP_GET_STATUS on /dev/vfio/GROUP
 *   vfio-check open ADDR      container + group + type1 IOMMU + device fd
 *   vfio-check hold ADDR      the same, then close all but the device fd
 *                             and keep it until killed (a VM holding a
 *                             device through its anonymous device file)
 *
 * Exit 0 when the kernel agrees, 1 when it refuses, 2 on usage errors.
 * Built static by tests/boot/image-minimal.sh.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/vfio.h>

static int open_group(const char *group, struct vfio_group_status *st)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/dev/vfio/%s", group);
	fd = open(path, O_RDWR);
	if (fd < 0) {
		printf("vfio-check: open %s: %s\n", path, strerror(errno));
		return -1;
	}
	memset(st, 0, sizeof(*st));
	st->argsz = sizeof(*st);
	if (ioctl(fd, VFIO_GROUP_GET_STATUS, st) < 0) {
		printf("vfio-check: VFIO_GROUP_GET_STATUS %s: %s\n", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int cmd_viable(const char *group)
{
	struct vfio_group_status st;
	int fd = open_group(group, &st);

	if (fd < 0)
		return 1;
	close(fd);
	if (!(st.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		printf("vfio-check: group %s is not viable\n", group);
		return 1;
	}
	printf("vfio-check: group %s is viable\n", group);
	return 0;
}

static int group_of(const char *addr, char *group, size_t size)
{
	char link[PATH_MAX], target[PATH_MAX];
	const char *base;
	ssize_t n;

	snprintf(link, sizeof(link), "/sys/bus/pci/devices/%s/iommu_group", addr);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0) {
		printf("vfio-check: %s: %s\n", link, strerror(errno));
		return -1;
	}
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) >= size) {
		printf("vfio-check: %s: unexpected target %s\n", link, target);
		return -1;
	}
	memcpy(group, base, strlen(base) + 1);
	return 0;
}

/* What QEMU does: container, group, type1 IOMMU, then the device file
 * for name (the address, with " vf_token=UUID" for a VF whose PF is on
 * vfio-pci).  The group and container files are closed again: the
 * device file keeps both in the kernel. */
static int device_fd(const char *addr, const char *name)
{
	struct vfio_group_status st;
	char group[32];
	int container, gfd, dfd;

	if (group_of(addr, group, sizeof(group)) < 0)
		return -1;
	container = open("/dev/vfio/vfio", O_RDWR);
	if (container < 0) {
		printf("vfio-check: open /dev/vfio/vfio: %s\n", strerror(errno));
		return -1;
	}
	if (ioctl(container, VFIO_GET_API_VERSION) != VFIO_API_VERSION) {
		printf("vfio-check: unexpected VFIO API version\n");
		return -1;
	}
	if (ioctl(container, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU) != 1) {
		printf("vfio-check: no type1 IOMMU support\n");
		return -1;
	}
	gfd = open_group(group, &st);
	if (gfd < 0)
		return -1;
	if (!(st.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		printf("vfio-check: group %s of %s is not viable\n", group, addr);
		return -1;
	}
	if (ioctl(gfd, VFIO_GROUP_SET_CONTAINER, &container) < 0) {
		printf("vfio-check: VFIO_GROUP_SET_CONTAINER: %s\n", strerror(errno));
		return -1;
	}
	if (ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU) < 0) {
		printf("vfio-check: VFIO_SET_IOMMU: %s\n", strerror(errno));
		return -1;
	}
	dfd = ioctl(gfd, VFIO_GROUP_GET_DEVICE_FD, name);
	if (dfd < 0)
		printf("vfio-check: VFIO_GROUP_GET_DEVICE_FD %s: %s\n", name, strerror(errno));
	else
		printf("vfio-check: %s opened through group %s\n", addr, group);
	close(gfd);
	close(container);
	return dfd;
}

#define VF_TOKEN "5e1ea5ed-0000-4000-8000-000000000001"

/* A VF of a PF on vfio-pci opens only with the PF's VF token, which
 * vfio-pci makes up at random: open the PF, set a known token, close it.
 * Writes the name to open the VF by into name. */
static int vf_name(const char *addr, char *name, size_t size)
{
	char link[PATH_MAX], target[PATH_MAX], pf[32];
	struct {
		struct vfio_device_feature hdr;
		unsigned char uuid[16];
	} feature;
	const char *base, *p = VF_TOKEN;
	ssize_t n;
	int dfd, i;

	snprintf(name, size, "%s", addr);
	snprintf(link, sizeof(link), "/sys/bus/pci/devices/%s/physfn/driver", addr);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return 0;
	target[n] = '\0';
	if (strcmp(strrchr(target, '/') + 1, "vfio-pci"))
		return 0;
	snprintf(link, sizeof(link), "/sys/bus/pci/devices/%s/physfn", addr);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return -1;
	target[n] = '\0';
	base = strrchr(target, '/');
	snprintf(pf, sizeof(pf), "%.31s", base ? base + 1 : target);
	dfd = device_fd(pf, pf);
	if (dfd < 0)
		return -1;
	memset(&feature, 0, sizeof(feature));
	feature.hdr.argsz = sizeof(feature);
	feature.hdr.flags = VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_PCI_VF_TOKEN;
	for (i = 0; i < 16; i++) {
		if (*p == '-')
			p++;
		sscanf(p, "%2hhx", &feature.uuid[i]);
		p += 2;
	}
	if (ioctl(dfd, VFIO_DEVICE_FEATURE, &feature) < 0) {
		printf("vfio-check: setting the VF token of %s: %s\n", pf, strerror(errno));
		close(dfd);
		return -1;
	}
	close(dfd);
	snprintf(name, size, "%s vf_token=%s", addr, VF_TOKEN);
	return 0;
}

static int cmd_open(const char *addr, int hold)
{
	struct vfio_device_info info;
	char name[128];
	int dfd;

	if (vf_name(addr, name, sizeof(name)) < 0)
		return 1;
	dfd = device_fd(addr, name);
	if (dfd < 0)
		return 1;
	memset(&info, 0, sizeof(info));
	info.argsz = sizeof(info);
	if (ioctl(dfd, VFIO_DEVICE_GET_INFO, &info) < 0) {
		printf("vfio-check: VFIO_DEVICE_GET_INFO %s: %s\n", addr, strerror(errno));
		return 1;
	}
	printf("vfio-check: %s: %u regions, %u irqs%s\n", addr, info.num_regions,
	       info.num_irqs, (info.flags & VFIO_DEVICE_FLAGS_PCI) ? ", PCI" : "");
	if (hold) {
		printf("vfio-check: holding %s through its device file only\n", addr);
		fflush(stdout);
		for (;;)
			pause();
	}
	close(dfd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "viable") == 0)
		return cmd_viable(argv[2]);
	if (argc == 3 && strcmp(argv[1], "open") == 0)
		return cmd_open(argv[2], 0);
	if (argc == 3 && strcmp(argv[1], "hold") == 0)
		return cmd_open(argv[2], 1);
	fprintf(stderr, "usage: vfio-check viable GROUP | vfio-check open|hold DDDD:BB:SS.F\n");
	return 2;
}
