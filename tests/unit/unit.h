/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Test harness: fixture roots shaped like real sysfs (symlinked
 * bus/pci/devices, driver and iommu_group links, physfn/virtfn links), a
 * fake kernel behind the sysfs writer, and a recording module loader.
 */
#ifndef VFIOBIND_UNIT_H
#define VFIOBIND_UNIT_H

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vfiobind.h"

#define FX_KVER "6.1.0-test"

struct fx {
	char root[PATH_MAX];
	struct vb_ctx ctx;
	char writes[8192];	/* "path=value\n" for every write, in order */
	int next_group;		/* for VFs the fake kernel creates */
	char fail_probe[VB_ADDR_LEN]; /* probing this device binds nothing */
	char fail_unbind[VB_ADDR_LEN]; /* unbinding this device fails */
	/* fault hook: called before the fake kernel carries out a write */
	void (*on_write)(struct fx *fx, const char *rel, const char *value);
};

void fx_init(struct fx *fx);
void fx_free(struct fx *fx);
/* The same, allocated, for cmocka setup/teardown. */
struct fx *fx_new(void);
int fx_teardown(void **state);
void fx_path(const struct fx *fx, char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void fx_write(const struct fx *fx, const char *rel, const char *content);
char *fx_read(const struct fx *fx, const char *rel, char *buf, size_t len);
void fx_link(const struct fx *fx, const char *rel, const char *target);

/* A PCI device under pci0000:00 or under the bridge 'parent'. */
void fx_dev(struct fx *fx, const char *addr, const char *parent,
	    uint16_t vendor, uint16_t device, uint32_t class_code, int group);
void fx_subsys(struct fx *fx, const char *addr, uint16_t sv, uint16_t sd);
void fx_bind(struct fx *fx, const char *addr, const char *driver);
void fx_driver(struct fx *fx, const char *driver, const char *module);
void fx_boot_vga(struct fx *fx, const char *addr, int on);
void fx_sriov(struct fx *fx, const char *addr, int total, int num);
void fx_vf(struct fx *fx, const char *vf, const char *pf, int index,
	   uint16_t device, int group);
void fx_native(struct fx *fx, const char *addr, const char *driver);
void fx_alias(struct fx *fx, const char *lines);
void fx_modules(struct fx *fx, const char *names);
void fx_expand(struct fx *fx, const char *tree_file);
const char *fx_fixture(const char *name);

/* Run the whole program in-process; stdout and stderr to buffers. */
int fx_run(struct fx *fx, char *out, size_t outlen, char *err, size_t errlen,
	   ...);

/* The pieces of the pipeline, with the fake kernel installed. */
struct fx_pipeline {
	struct vb_rules rules;
	struct vb_inventory inv;
	struct vb_modules mods;
	struct vb_plan plan;
	struct vb_results res;	/* of vb_run_apply */
	const struct fx *fx;
};
void fx_plan(struct fx *fx, struct fx_pipeline *p, const char *cmdline,
	     const char *config);
void fx_pipeline_free(struct fx *fx, struct fx_pipeline *p);
const struct vb_dev_plan *fx_dev_plan(const struct fx_pipeline *p,
				      const char *addr);
bool fx_msg(const struct fx *fx, const char *needle);
long fx_now_ms(void);
char *fx_driver_of(const struct fx *fx, const char *addr, char *buf,
		   size_t len);

extern const struct CMUnitTest rules_tests[];
extern const size_t rules_tests_count;
extern const struct CMUnitTest plan_tests[];
extern const size_t plan_tests_count;
extern const struct CMUnitTest apply_tests[];
extern const size_t apply_tests_count;
extern const struct CMUnitTest release_tests[];
extern const size_t release_tests_count;
extern const struct CMUnitTest image_tests[];
extern const size_t image_tests_count;
extern const struct CMUnitTest identity_tests[];
extern const size_t identity_tests_count;
extern const struct CMUnitTest cli_tests[];
extern const size_t cli_tests_count;
extern const struct CMUnitTest export_tests[];
extern const size_t export_tests_count;
extern const struct CMUnitTest modindex_tests[];
extern const size_t modindex_tests_count;
extern const struct CMUnitTest lock_tests[];
extern const size_t lock_tests_count;
extern const struct CMUnitTest gate_tests[];
extern const size_t gate_tests_count;

#endif
