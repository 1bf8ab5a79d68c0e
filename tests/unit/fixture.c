// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fixture roots for the unit tests.  Hand-made devices are laid out the way
 * the kernel lays out sysfs (real directories under sys/devices, relative
 * symlinks everywhere else); recorded fixtures (tests/fixtures/ *.tree,
 * captured from a real kernel in QEMU) are expanded into the same shape.
 * A small fake kernel stands behind the sysfs writer so apply() can be run
 * end to end: driver_override, unbind, drivers_probe and sriov_numvfs
 * behave as the kernel's do, in the ways the binder relies on.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "unit.h"
#include "fixture-tree.h"

#define container_of(p, type, member) \
	((type *)((char *)(p) - offsetof(type, member)))

void fx_path(const struct fx *fx, char *buf, size_t len, const char *fmt, ...)
{
	size_t rl = strlen(fx->root);
	va_list ap;

	assert_true(rl + 1 < len);
	memcpy(buf, fx->root, rl);
	buf[rl] = '/';
	va_start(ap, fmt);
	vsnprintf(buf + rl + 1, len - rl - 1, fmt, ap);
	va_end(ap);
}

static void write_bytes(const char *path, const char *data, size_t len)
{
	int fd;

	fixture_mkparent(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

void fx_write(const struct fx *fx, const char *rel, const char *content)
{
	char path[PATH_MAX];

	fx_path(fx, path, sizeof(path), "%s", rel);
	write_bytes(path, content, strlen(content));
}

char *fx_read(const struct fx *fx, const char *rel, char *buf, size_t len)
{
	char path[PATH_MAX];

	fx_path(fx, path, sizeof(path), "%s", rel);
	if (vb_read_file(path, buf, len) < 0)
		buf[0] = '\0';
	return buf;
}

void fx_link(const struct fx *fx, const char *rel, const char *target)
{
	char path[PATH_MAX];

	fx_path(fx, path, sizeof(path), "%s", rel);
	fixture_mkparent(path);
	unlink(path);
	assert_int_equal(symlink(target, path), 0);
}

/* Directory of a device relative to sys/, e.g. devices/pci0000:00/ADDR. */
static void dev_dir(const struct fx *fx, const char *addr, char *buf,
		    size_t len)
{
	char path[PATH_MAX], real[PATH_MAX];
	const char *p;

	fx_path(fx, path, sizeof(path), "sys/bus/pci/devices/%s", addr);
	assert_non_null(realpath(path, real));
	p = strstr(real, "/sys/devices/");
	assert_non_null(p);
	snprintf(buf, len, "%s", p + 5);
}

/* "../" once per component of 'dir' (relative to sys/): back to sys/. */
static void ups(const char *dir, char *buf, size_t len)
{
	const char *p;

	buf[0] = '\0';
	for (p = dir; p; p = strchr(p + 1, '/'))
		strncat(buf, "../", len - strlen(buf) - 1);
}

void fx_driver(struct fx *fx, const char *driver, const char *module)
{
	char rel[PATH_MAX], target[PATH_MAX];

	snprintf(rel, sizeof(rel), "sys/bus/pci/drivers/%s/bind", driver);
	fx_write(fx, rel, "");
	snprintf(rel, sizeof(rel), "sys/bus/pci/drivers/%s/unbind", driver);
	fx_write(fx, rel, "");
	if (!module)
		return;
	snprintf(rel, sizeof(rel), "sys/module/%s/initstate", module);
	fx_write(fx, rel, "live\n");
	snprintf(rel, sizeof(rel), "sys/module/%s/drivers/pci:%s", module,
		 driver);
	snprintf(target, sizeof(target), "../../../bus/pci/drivers/%s", driver);
	fx_link(fx, rel, target);
	snprintf(rel, sizeof(rel), "sys/bus/pci/drivers/%s/module", driver);
	snprintf(target, sizeof(target), "../../../../module/%s", module);
	fx_link(fx, rel, target);
}

void fx_bind(struct fx *fx, const char *addr, const char *driver)
{
	char dir[PATH_MAX], up[PATH_MAX], rel[PATH_MAX], target[PATH_MAX];
	char path[PATH_MAX];

	dev_dir(fx, addr, dir, sizeof(dir));
	snprintf(rel, sizeof(rel), "sys/%s/driver", dir);
	if (!driver) {
		fx_path(fx, path, sizeof(path), "%s", rel);
		unlink(path);
		return;
	}
	fx_driver(fx, driver, NULL);
	ups(dir, up, sizeof(up));
	snprintf(target, sizeof(target), "%sbus/pci/drivers/%s", up, driver);
	fx_link(fx, rel, target);
}

void fx_dev(struct fx *fx, const char *addr, const char *parent,
	    uint16_t vendor, uint16_t device, uint32_t class_code, int group)
{
	char dir[PATH_MAX], up[PATH_MAX], rel[PATH_MAX], target[PATH_MAX];
	char buf[128], path[PATH_MAX];
	unsigned char cfg[64] = { 0 };
	bool bridge = (class_code >> 8) == 0x0604;

	if (parent) {
		dev_dir(fx, parent, dir, sizeof(dir));
		strncat(dir, "/", sizeof(dir) - strlen(dir) - 1);
		strncat(dir, addr, sizeof(dir) - strlen(dir) - 1);
	} else {
		snprintf(dir, sizeof(dir), "devices/pci0000:00/%s", addr);
	}
#define ATTR(name, ...)                                                      \
	do {                                                                 \
		snprintf(buf, sizeof(buf), __VA_ARGS__);                     \
		snprintf(rel, sizeof(rel), "sys/%s/%s", dir, name);          \
		fx_write(fx, rel, buf);                                      \
	} while (0)
	ATTR("vendor", "0x%04x\n", vendor);
	ATTR("device", "0x%04x\n", device);
	ATTR("subsystem_vendor", "0x%04x\n", vendor);
	ATTR("subsystem_device", "0x0001\n");
	ATTR("class", "0x%06x\n", class_code);
	ATTR("driver_override", "(null)\n");
	ATTR("modalias", "pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X\n",
	     vendor, device, vendor, 1, class_code >> 16,
	     (class_code >> 8) & 0xff, class_code & 0xff);
#undef ATTR
	cfg[0] = vendor & 0xff;
	cfg[1] = vendor >> 8;
	cfg[2] = device & 0xff;
	cfg[3] = device >> 8;
	cfg[9] = class_code & 0xff;
	cfg[10] = (class_code >> 8) & 0xff;
	cfg[11] = class_code >> 16;
	cfg[0x0e] = bridge ? 1 : 0;
	fx_path(fx, path, sizeof(path), "sys/%s/config", dir);
	write_bytes(path, (const char *)cfg, sizeof(cfg));

	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s", addr);
	snprintf(target, sizeof(target), "../../../%s", dir);
	fx_link(fx, rel, target);
	if (group < 0)
		return;
	ups(dir, up, sizeof(up));
	snprintf(rel, sizeof(rel), "sys/%s/iommu_group", dir);
	snprintf(target, sizeof(target), "%skernel/iommu_groups/%d", up, group);
	fx_link(fx, rel, target);
	snprintf(rel, sizeof(rel), "sys/kernel/iommu_groups/%d/devices/%s",
		 group, addr);
	snprintf(target, sizeof(target), "../../../../%s", dir);
	fx_link(fx, rel, target);
	if (group >= fx->next_group)
		fx->next_group = group + 1;
}

void fx_subsys(struct fx *fx, const char *addr, uint16_t sv, uint16_t sd)
{
	char rel[PATH_MAX], buf[32], alias[VB_MODALIAS_MAX];
	char *p;

	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/subsystem_vendor",
		 addr);
	snprintf(buf, sizeof(buf), "0x%04x\n", sv);
	fx_write(fx, rel, buf);
	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/subsystem_device",
		 addr);
	snprintf(buf, sizeof(buf), "0x%04x\n", sd);
	fx_write(fx, rel, buf);
	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/modalias", addr);
	fx_read(fx, rel, alias, sizeof(alias));
	p = strstr(alias, "sv");
	assert_non_null(p);
	snprintf(buf, sizeof(buf), "sv%08Xsd%08X", sv, sd);
	memcpy(p, buf, strlen(buf));
	strncat(alias, "\n", sizeof(alias) - strlen(alias) - 1);
	fx_write(fx, rel, alias);
}

void fx_boot_vga(struct fx *fx, const char *addr, int on)
{
	char rel[PATH_MAX];

	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/boot_vga", addr);
	fx_write(fx, rel, on ? "1\n" : "0\n");
}

void fx_sriov(struct fx *fx, const char *addr, int total, int num)
{
	char rel[PATH_MAX], buf[16];

	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/sriov_totalvfs",
		 addr);
	snprintf(buf, sizeof(buf), "%d\n", total);
	fx_write(fx, rel, buf);
	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/sriov_numvfs", addr);
	snprintf(buf, sizeof(buf), "%d\n", num);
	fx_write(fx, rel, buf);
	snprintf(rel, sizeof(rel),
		 "sys/bus/pci/devices/%s/sriov_drivers_autoprobe", addr);
	fx_write(fx, rel, "1\n");
}

void fx_vf(struct fx *fx, const char *vf, const char *pf, int index,
	   uint16_t device, int group)
{
	char rel[PATH_MAX], target[64], buf[32];
	long vendor;

	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/vendor", pf);
	vendor = strtol(fx_read(fx, rel, buf, sizeof(buf)), NULL, 16);
	fx_dev(fx, vf, NULL, (uint16_t)vendor, device, 0x010802, group);
	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/physfn", vf);
	snprintf(target, sizeof(target), "../%s", pf);
	fx_link(fx, rel, target);
	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/virtfn%d", pf,
		 index);
	snprintf(target, sizeof(target), "../%s", vf);
	fx_link(fx, rel, target);
}

/* The driver the fake kernel binds when a device has no override. */
void fx_native(struct fx *fx, const char *addr, const char *driver)
{
	char rel[PATH_MAX];

	snprintf(rel, sizeof(rel), "native/%s", addr);
	fx_write(fx, rel, driver);
	fx_driver(fx, driver, NULL);
}

void fx_alias(struct fx *fx, const char *lines)
{
	fx_write(fx, "lib/modules/" FX_KVER "/modules.alias", lines);
}

/* modules.dep with one line per space-separated module name. */
void fx_modules(struct fx *fx, const char *names)
{
	char buf[4096] = "", name[VB_NAME_MAX];
	const char *p = names;
	int n;

	while (sscanf(p, "%63s%n", name, &n) == 1) {
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf),
			 "kernel/drivers/%s.ko:\n", name);
		p += n;
	}
	fx_write(fx, "lib/modules/" FX_KVER "/modules.dep", buf);
}

static int fake_kernel(struct vb_ctx *ctx, const char *rel, const char *value);

void fx_init(struct fx *fx)
{
	static const char modprobe[] =
		"#!/bin/sh\n"
		"root=$(dirname \"$0\")\n"
		"echo \"$*\" >> \"$root/modprobe.log\"\n"
		"grep -qx \"$1\" \"$root/modprobe.fail\" 2>/dev/null && exit 1\n"
		"case \"$1\" in pci:*) exit 0;; esac\n"
		"m=$1; d=$1\n"
		"case \"$m\" in vfio_pci|pci_stub|pci_pf_stub) d=$(echo \"$m\" | tr _ -);; esac\n"
		"mkdir -p \"$root/sys/module/$m/drivers\" \"$root/sys/bus/pci/drivers/$d\"\n"
		"echo live > \"$root/sys/module/$m/initstate\"\n"
		"if [ \"$2\" = enable_sriov=1 ]; then mkdir -p \"$root/sys/module/$m/parameters\"; echo Y > \"$root/sys/module/$m/parameters/enable_sriov\"; fi\n"
		"ln -sfn \"../../../bus/pci/drivers/$d\" \"$root/sys/module/$m/drivers/pci:$d\"\n"
		": > \"$root/sys/bus/pci/drivers/$d/bind\"\n"
		": > \"$root/sys/bus/pci/drivers/$d/unbind\"\n"
		/* modprobe.binds: "MODULE ADDR DRIVER": loading MODULE binds
		 * DRIVER to ADDR (a dependency, ids= in modprobe.d), unless
		 * the device is bound or its driver_override names another */
		"[ -f \"$root/modprobe.binds\" ] || exit 0\n"
		"while read -r mod addr drv; do\n"
		"  [ \"$mod\" = \"$1\" ] || continue\n"
		"  dev=$root/sys/bus/pci/devices/$addr\n"
		"  [ -e \"$dev/driver\" ] && continue\n"
		"  ov=$(cat \"$dev/driver_override\")\n"
		"  case $ov in \"(null)\"|\"$drv\") ;; *) continue;; esac\n"
		"  mkdir -p \"$root/sys/bus/pci/drivers/$drv\"\n"
		"  ln -s \"$root/sys/bus/pci/drivers/$drv\" \"$(cd \"$dev\" && pwd -P)/driver\"\n"
		"done < \"$root/modprobe.binds\"\n";
	char path[PATH_MAX];

	memset(fx, 0, sizeof(*fx));
	snprintf(fx->root, sizeof(fx->root), "/tmp/vfiobind-unit.XXXXXX");
	assert_non_null(mkdtemp(fx->root));
	fx_write(fx, "sys/bus/pci/drivers_probe", "");
	fx_write(fx, "sys/kernel/iommu_groups/.keep", "");
	fx_path(fx, path, sizeof(path), "sys/kernel/iommu_groups/.keep");
	unlink(path);
	fx_write(fx, "sys/devices/pci0000:00/uevent", "");
	fx_write(fx, "proc/cmdline", "BOOT_IMAGE=/vmlinuz ro quiet\n");
	fx_write(fx, "dev/kmsg", "");
	fx_alias(fx, "alias pci:v00008086d0000100Esv*sd*bc*sc*i* e1000\n"
		     "alias vfio_pci:v*d*sv*sd*bc*sc*i* vfio_pci\n");
	fx_modules(fx, "vfio vfio_pci vfio_pci_core vfio_iommu_type1 pci-stub pci-pf-stub e1000 nvme");
	fx_write(fx, "lib/modules/" FX_KVER "/modules.builtin", "");
	fx_write(fx, "modprobe", modprobe);
	fx_path(fx, path, sizeof(path), "modprobe");
	chmod(path, 0755);

	fx->ctx.root = fx->root;
	fx->ctx.kver = FX_KVER;
	fx->ctx.verbosity = VB_DEBUG;
	fx->ctx.probe_wait_ms = 50;
	fx->ctx.write_attr = fake_kernel;
	fx_path(fx, path, sizeof(path), "modprobe");
	fx->ctx.modprobe = strdup(path);
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void fx_free(struct fx *fx)
{
	nftw(fx->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free((char *)fx->ctx.modprobe);
	vb_ctx_free(&fx->ctx);
}

struct fx *fx_new(void)
{
	struct fx *fx = malloc(sizeof(*fx));

	assert_non_null(fx);
	fx_init(fx);
	return fx;
}

int fx_teardown(void **state)
{
	fx_free(*state);
	free(*state);
	return 0;
}

/* Recorded fixtures, laid out by the shared expander. */
void fx_expand(struct fx *fx, const char *tree_file)
{
	char err[256] = "";

	if (fixture_tree_expand(tree_file, fx->root, err, sizeof(err)) < 0)
		fail_msg("%s", err);
}

const char *fx_fixture(const char *name)
{
	static char path[PATH_MAX];
	const char *src = getenv("VFIOBIND_SRCDIR");

	snprintf(path, sizeof(path), "%s/tests/fixtures/%s.tree",
		 src ? src : ".", name);
	return path;
}

/* ---- the fake kernel ---------------------------------------------- */

static bool dev_has(struct fx *fx, const char *addr, const char *attr)
{
	char path[PATH_MAX];
	struct stat st;

	fx_path(fx, path, sizeof(path), "sys/bus/pci/devices/%s/%s", addr,
		attr);
	return lstat(path, &st) == 0;
}

static void fake_probe(struct fx *fx, const char *addr)
{
	char rel[PATH_MAX], drv[VB_NAME_MAX], path[PATH_MAX];
	struct stat st;

	if (dev_has(fx, addr, "driver") || !strcmp(addr, fx->fail_probe))
		return;
	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/driver_override",
		 addr);
	fx_read(fx, rel, drv, sizeof(drv));
	if (!strcmp(drv, "(null)") || !drv[0]) {
		snprintf(rel, sizeof(rel), "native/%s", addr);
		fx_read(fx, rel, drv, sizeof(drv));
	}
	fx_path(fx, path, sizeof(path), "sys/bus/pci/drivers/%s", drv);
	if (drv[0] && stat(path, &st) == 0)
		fx_bind(fx, addr, drv);
}

/* As the kernel does on sriov_numvfs=0: every VF disappears, its device
 * directory, its bus link, its group membership and the PF's virtfn link. */
static void remove_vfs(struct fx *fx, const char *pf)
{
	char rel[PATH_MAX], vf[64], grp[32], path[PATH_MAX], dir[PATH_MAX];
	int i;

	for (i = 0;; i++) {
		snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s/virtfn%d",
			 pf, i);
		if (vb_read_link_base(&fx->ctx, rel, vf, sizeof(vf)) < 0)
			break;
		fx_path(fx, path, sizeof(path), "%s", rel + 1);
		unlink(path);
		snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s/iommu_group",
			 vf);
		if (vb_read_link_base(&fx->ctx, rel, grp, sizeof(grp)) == 0) {
			fx_path(fx, path, sizeof(path),
				"sys/kernel/iommu_groups/%s/devices/%s", grp, vf);
			unlink(path);
		}
		fx_path(fx, path, sizeof(path), "sys/bus/pci/devices/%s", vf);
		assert_non_null(realpath(path, dir));
		unlink(path);
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	}
}

static int fake_numvfs(struct fx *fx, const char *pf, const char *value)
{
	char rel[PATH_MAX], buf[16], vf[VB_ADDR_LEN], drv[VB_NAME_MAX];
	long want = strtol(value, NULL, 10), cur, total;
	int i;

	if (!dev_has(fx, pf, "driver"))
		return -ENOENT;
	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/sriov_numvfs", pf);
	cur = strtol(fx_read(fx, rel, buf, sizeof(buf)), NULL, 10);
	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/sriov_totalvfs", pf);
	total = strtol(fx_read(fx, rel, buf, sizeof(buf)), NULL, 10);
	if (want == cur)
		return 0;
	if (want && cur)
		return -EBUSY;
	if (want > total)
		return -ERANGE;
	if (!want)
		remove_vfs(fx, pf);
	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/driver", pf);
	vb_read_link_base(&fx->ctx, rel, drv, sizeof(drv));
	for (i = 0; i < want; i++) {
		snprintf(vf, sizeof(vf), "%.11s%d", pf, pf[11] - '0' + 1 + i);
		fx_vf(fx, vf, pf, i, 0x0010, fx->next_group);
		if (!strcmp(drv, "vfio-pci")) {	/* vfio-pci enable_sriov */
			snprintf(rel, sizeof(rel),
				 "sys/bus/pci/devices/%s/driver_override", vf);
			fx_write(fx, rel, "vfio-pci\n");
		}
	}
	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/sriov_numvfs", pf);
	snprintf(buf, sizeof(buf), "%ld\n", want);
	fx_write(fx, rel, buf);
	return 0;
}

static int fake_kernel(struct vb_ctx *ctx, const char *rel, const char *value)
{
	struct fx *fx = container_of(ctx, struct fx, ctx);
	char addr[VB_ADDR_LEN] = "";
	const char *attr;

	if (fx->on_write)
		fx->on_write(fx, rel, value);
	snprintf(fx->writes + strlen(fx->writes),
		 sizeof(fx->writes) - strlen(fx->writes), "%s=%s\n", rel,
		 value);
	if (!strcmp(rel, "/sys/bus/pci/drivers_probe")) {
		fake_probe(fx, value);
		return 0;
	}
	if (strncmp(rel, "/sys/bus/pci/devices/", 21))
		return vb_write_attr_real(ctx, rel, value);
	attr = strchr(rel + 21, '/');
	if (!attr)
		return vb_write_attr_real(ctx, rel, value);
	snprintf(addr, sizeof(addr), "%.*s", (int)(attr - rel - 21), rel + 21);
	attr++;
	if (!strcmp(attr, "driver/unbind")) {
		if (!strcmp(addr, fx->fail_unbind))
			return -EBUSY;
		/* the kernel's driver/unbind goes with the driver link */
		if (!dev_has(fx, addr, "driver"))
			return -ENOENT;
		fx_bind(fx, addr, NULL);
		return 0;
	}
	if (!strcmp(attr, "driver_override")) {
		char buf[VB_NAME_MAX + 2];

		snprintf(buf, sizeof(buf), "%s\n",
			 strcmp(value, "\n") ? value : "(null)");
		fx_write(fx, rel + 1, buf);
		return 0;
	}
	if (!strcmp(attr, "sriov_numvfs"))
		return fake_numvfs(fx, addr, value);
	return vb_write_attr_real(ctx, rel, value);
}

/* ---- running things -------------------------------------------------- */

void fx_plan(struct fx *fx, struct fx_pipeline *p, const char *cmdline,
	     const char *config)
{
	memset(p, 0, sizeof(*p));
	p->fx = fx;
	if (config) {
		fx_write(fx, "etc/vfiobind.conf", config);
	}
	vb_config_load(&fx->ctx, &p->rules);
	if (cmdline)
		vb_cmdline_rules(&fx->ctx, cmdline, &p->rules);
	assert_int_equal(vb_inventory_read(&fx->ctx, &p->inv, &p->rules), 0);
	vb_modules_load(&fx->ctx, &p->mods);
	assert_int_equal(vb_plan_build(&p->inv, &p->rules, &p->mods, &p->plan),
			 0);
	vb_plan_log(&fx->ctx, &p->plan);
}

void fx_pipeline_free(struct fx *fx, struct fx_pipeline *p)
{
	(void)fx;
	vb_plan_free(&p->plan);
	vb_modules_free(&p->mods);
	vb_inventory_free(&p->inv);
	vb_rules_free(&p->rules);
}

const struct vb_dev_plan *fx_dev_plan(const struct fx_pipeline *p,
				      const char *addr)
{
	size_t i;

	static const struct vb_dev_plan unread = { .claim = CLAIM_NONE };
	char path[PATH_MAX];

	for (i = 0; i < p->inv.n; i++)
		if (!strcmp(p->inv.dev[i].addr, addr))
			return &p->plan.dev[i];
	/* A device of the tree that no rule touches is never read. */
	fx_path(p->fx, path, sizeof(path), "sys/bus/pci/devices/%s/modalias",
		addr);
	if (access(path, F_OK) == 0)
		return &unread;
	fail_msg("no device %s in the inventory", addr);
	return NULL;
}

bool fx_msg(const struct fx *fx, const char *needle)
{
	static char log[1 << 16];
	char path[PATH_MAX];

	fx_path(fx, path, sizeof(path), "dev/kmsg");
	if (vb_read_file(path, log, sizeof(log)) < 0)
		log[0] = '\0';
	return strstr(log, needle) != NULL;
}

long fx_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

char *fx_driver_of(const struct fx *fx, const char *addr, char *buf,
		   size_t len)
{
	char rel[PATH_MAX];

	snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s/driver", addr);
	if (vb_read_link_base(&fx->ctx, rel, buf, len) < 0)
		buf[0] = '\0';
	return buf;
}

static void slurp_fd(int fd, char *buf, size_t len)
{
	ssize_t n;
	size_t got = 0;

	lseek(fd, 0, SEEK_SET);
	while (got + 1 < len && (n = read(fd, buf + got, len - got - 1)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(fd);
}

/* Runs the built binary (VFIOBIND_BIN) with --root and the given args. */
int fx_run(struct fx *fx, char *out, size_t outlen, char *err, size_t errlen,
	   ...)
{
	const char *bin = getenv("VFIOBIND_BIN");
	char *argv[32], kmodprobe[PATH_MAX];
	char opath[PATH_MAX], epath[PATH_MAX];
	int argc = 0, ofd, efd, status;
	va_list ap;
	pid_t pid;

	assert_non_null(bin);
	fx_path(fx, kmodprobe, sizeof(kmodprobe), "modprobe");
	argv[argc++] = (char *)bin;
	argv[argc++] = "--root";
	argv[argc++] = fx->root;
	argv[argc++] = "--kver";
	argv[argc++] = FX_KVER;
	argv[argc++] = "--modprobe";
	argv[argc++] = kmodprobe;
	va_start(ap, errlen);
	while (argc < 31 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	fx_path(fx, opath, sizeof(opath), "stdout");
	fx_path(fx, epath, sizeof(epath), "stderr");
	ofd = open(opath, O_RDWR | O_CREAT | O_TRUNC, 0644);
	efd = open(epath, O_RDWR | O_CREAT | O_TRUNC, 0644);
	assert_true(ofd >= 0 && efd >= 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(ofd, 1);
		dup2(efd, 2);
		execv(bin, argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	slurp_fd(ofd, out, outlen);
	slurp_fd(efd, err, errlen);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}
