/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfiobind: keep PCI devices meant for virtual machines away from host
 * drivers from the first moment of boot.  One internal header: the
 * context, the rule grammar, the sysfs inventory and the plan.
 */
#ifndef VFIOBIND_H
#define VFIOBIND_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

/* The Makefile passes it; a build whose CFLAGS replace the Makefile's
 * (rpmbuild's) still has one. */
#ifndef VFIOBIND_VERSION
#define VFIOBIND_VERSION "0.1"
#endif

#define VB_NAME_MAX 64		/* driver and module names */
#define VB_ADDR_LEN 17		/* "ffffffff:00:00.0" plus NUL: VMD domains */
#define VB_ITEM_MAX 128		/* one rule item, as typed */
#define VB_ORIGIN_MAX 256	/* "file:line:col" or "vfio.bind" */
#define VB_MODALIAS_MAX 128

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Exit statuses, documented in vfiobind(8) and the README. */
enum {
	VB_EXIT_OK = 0,
	VB_EXIT_FAILED = 1,	/* a rule not satisfied or a binding not verified */
	VB_EXIT_USAGE = 2,	/* bad usage or input that did not parse */
};

enum vb_level {
	VB_ERR = 3,
	VB_WARNING = 4,
	VB_NOTICE = 5,
	VB_INFO = 6,
	VB_DEBUG = 7,
};

struct vb_msg {
	enum vb_level level;
	char *text;
	size_t about;		/* plan: its device's index + 1, 0 the run's */
};

struct vb_ctx;
struct vb_results;
typedef int (*vb_write_fn)(struct vb_ctx *ctx, const char *relpath,
			   const char *value);

struct vb_ctx {
	const char *root;	/* every path is taken under it; "" for / */
	const char *cmdline;	/* replaces /proc/cmdline when set */
	const char *config;	/* replaces the config file and drop-ins */
	const char *kver;	/* replaces uname -r */
	const char *modprobe;	/* module loader, run with execve */
	int verbosity;		/* highest level printed */
	bool to_stderr;		/* log to stderr as well as /dev/kmsg */
	bool no_kmsg;		/* plan and status never touch the kernel log */
	unsigned probe_wait_ms;	/* bound on waiting for a driver to bind */
	unsigned lock_wait_ms;	/* bound on waiting for another run's lock */
	bool replan;		/* planning again after SR-IOV: say only news */
	vb_write_fn write_attr;	/* sysfs writer; tests substitute their own */
	int parse_errors;	/* input items that did not parse */
	int errors;		/* errors logged: a statistic, never the status */
	unsigned writes;	/* sysfs writes made */
	const struct vb_selector *scope; /* apply --device: only these groups */
	size_t nscope;
	struct vb_msg *msg;	/* warnings and errors, for JSON output */
	size_t nmsg, cmsg;
	size_t *msg_set;	/* open hash of msg: index + 1, 0 when free */
	size_t msg_set_cap;	/* a power of two, above twice nmsg */
	const char *export_dir[2]; /* export --prometheus, --nfd (host paths) */
	struct timespec started;	/* apply: when the run began */
	long started_ms;		/* the same, vb_now_ms() */
	const struct vb_results *res;	/* apply: its results, for the record */
};

void vb_ctx_free(struct vb_ctx *ctx);

/* log.c */
void vb_log(struct vb_ctx *ctx, enum vb_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define vb_err(c, ...) vb_log((c), VB_ERR, __VA_ARGS__)
#define vb_warn(c, ...) vb_log((c), VB_WARNING, __VA_ARGS__)
#define vb_notice(c, ...) vb_log((c), VB_NOTICE, __VA_ARGS__)
#define vb_info(c, ...) vb_log((c), VB_INFO, __VA_ARGS__)
#define vb_dbg(c, ...) vb_log((c), VB_DEBUG, __VA_ARGS__)

/* util.c: paths under the root, attribute I/O, growable arrays */
int vb_path(const struct vb_ctx *ctx, char *buf, size_t len, const char *fmt,
	    ...) __attribute__((format(printf, 4, 5)));
int vb_resolve(const struct vb_ctx *ctx, const char *rel, char *buf,
	       size_t len);
int vb_read_at(int dfd, const char *path, char *buf, size_t len);
int vb_read_file(const char *path, char *buf, size_t len);
int vb_read_attr(const struct vb_ctx *ctx, const char *rel, char *buf,
		 size_t len);
int vb_read_link_base(const struct vb_ctx *ctx, const char *rel, char *buf,
		      size_t len);
int vb_write_attr_real(struct vb_ctx *ctx, const char *rel, const char *value);
int vb_write_attr(struct vb_ctx *ctx, const char *rel, const char *value);
bool vb_exists(const struct vb_ctx *ctx, const char *rel);
int vb_dir_each(const struct vb_ctx *ctx, const char *rel,
		int (*fn)(void *data, const char *name), void *data);
void *vb_grow(void *base, size_t *cap, size_t n, size_t size);
struct vb_idset {
	uint64_t *slot;
	size_t n, cap;
};
int vb_idset_add(struct vb_idset *s, uint64_t id);
bool vb_idset_has(const struct vb_idset *s, uint64_t id);
void vb_idset_free(struct vb_idset *s);
bool vb_valid_name(const char *name);
long vb_now_ms(void);
void vb_sleep_ms(long ms);
void vb_module_name(char *dst, size_t len, const char *name);

/* Selectors, targets and rules: the grammar shared by the kernel command
 * line and the config files (rules.c). */
enum vb_sel_kind {
	SEL_ADDR, SEL_ID, SEL_CLASS,
	SEL_SERIAL,		/* serial:XX-...: PCIe Device Serial Number */
	SEL_PATH,		/* path:DDDD:BB:SS.F/SS.F...: from a root bus */
	SEL_SLOT,		/* slot:NAME: /sys/bus/pci/slots/NAME */
};

#define VB_PATH_DEPTH 16	/* levels of a topology path */
#define VB_SLOT_NAME_MAX 32

struct vb_selector {
	enum vb_sel_kind kind;
	uint32_t domain;
	uint8_t bus, slot, func;	/* path: bus is the root bus; slot and
					 * func the last step's */
	bool any_func;		/* BB:SS.*, or a path's last step SS.* */
	uint16_t vendor, device, subvendor, subdevice;
	bool has_subsys;
	bool guard;		/* address or path @VVVV:DDDD: the IDs above */
	uint32_t class_value, class_mask;
	uint64_t serial;
	uint8_t depth;		/* path: steps, the root bus device first */
	uint8_t step[VB_PATH_DEPTH];	/* devfn: slot << 3 | func */
	char slot_name[VB_SLOT_NAME_MAX];
};

enum vb_target {
	TGT_VFIO,		/* best vfio driver: variant or vfio-pci */
	TGT_DRIVER,		/* the named driver */
	TGT_HOST,		/* leave the device to its host driver */
};

enum vb_pf_mode { PF_NATIVE, PF_STUB, PF_VFIO };

enum vb_rule_kind { RULE_BIND, RULE_SRIOV, RULE_OFF };

#define RULE_ALLOW_BOOT_VGA 0x1
#define RULE_ALLOW_GROUP 0x2

struct vb_rule {
	enum vb_rule_kind kind;
	struct vb_selector sel;
	enum vb_target target;	/* bind: the device; sriov: the VFs */
	char driver[VB_NAME_MAX];
	unsigned flags;
	unsigned numvfs;
	enum vb_pf_mode pf_mode;
	char text[VB_ITEM_MAX];
	char origin[VB_ORIGIN_MAX];
	unsigned line, col;	/* in a config file: where the item starts */
	unsigned seq;
};

enum vb_export_kind { EXPORT_PROMETHEUS, EXPORT_NFD };

struct vb_rules {
	struct vb_rule *r;
	size_t n, cap;
	bool off;
	char off_origin[VB_ORIGIN_MAX];
	char export_dir[2][VB_ITEM_MAX]; /* config "export": "" for the default */
};

/* Parse one item; on failure fill err and set *errcol to the 0-based
 * offset in item where the problem starts. */
int vb_rule_parse(enum vb_rule_kind kind, const char *item,
		  struct vb_rule *rule, char *err, size_t errlen,
		  size_t *errcol);
/* Where an item came from: a command-line parameter, or file:line:col. */
struct vb_where {
	const char *param;	/* "vfio.bind", "rd.vfio.bind", "vfio.sriov" */
	const char *file;	/* config file, when param is NULL */
	unsigned line, col;	/* 1-based; col of the item's first byte */
};
int vb_rules_add(struct vb_ctx *ctx, struct vb_rules *rules,
		 enum vb_rule_kind kind, const char *item,
		 const struct vb_where *where);
void vb_rules_free(struct vb_rules *rules);
int vb_selector_format(const struct vb_selector *sel, char *buf, size_t len);
int vb_parse_addr(const char *s, struct vb_selector *sel);
/* The rules have a selector of this kind. */
bool vb_rules_have(const struct vb_rules *rules, enum vb_sel_kind kind);
/* The selector names a place (address, path, slot), not an identity. */
bool vb_selector_by_place(enum vb_sel_kind kind);
/* The selector part of an item: up to its "=" or first "+". */
size_t vb_item_selector_len(const char *item);
/* 0 to 15 for a hex digit of either case, else -1. */
int vb_hexval(char c);

/* cmdline.c: kernel command line, split the way the kernel does */
typedef int (*vb_param_fn)(void *data, const char *param, const char *val);
int vb_cmdline_each(const char *cmdline, vb_param_fn fn, void *data);
int vb_cmdline_rules(struct vb_ctx *ctx, const char *cmdline,
		     struct vb_rules *rules);

/* config.c: /etc/vfiobind.conf and /etc/vfiobind.d/ *.conf */
int vb_config_parse(struct vb_ctx *ctx, const char *name, const char *text,
		    size_t len, struct vb_rules *rules);
int vb_config_load(struct vb_ctx *ctx, struct vb_rules *rules);

/* sysfs.c: read-only inventory */
struct vb_device {
	char addr[VB_ADDR_LEN];
	uint32_t domain;
	uint8_t bus, slot, func;
	uint16_t vendor, device, subvendor, subdevice;
	uint32_t class_code;
	char modalias[VB_MODALIAS_MAX];
	char driver[VB_NAME_MAX];	/* "" when unbound */
	char override[VB_NAME_MAX];	/* "" when none */
	int group;			/* -1 without an IOMMU group */
	int boot_vga;			/* -1 when the attribute is absent */
	bool boot_display;		/* the firmware's primary display */
	bool bridge;
	bool is_vf;
	char physfn[VB_ADDR_LEN];
	int totalvfs, numvfs;		/* -1 without SR-IOV */
	int autoprobe;
	bool named;			/* named by apply --device */
	bool has_serial;		/* read only when a serial rule needs it */
	uint64_t serial;		/* PCIe Device Serial Number */
	uint8_t root_bus;		/* topology path: root bus, then the */
	uint8_t depth;			/* devfn at each level; depth 0 when */
	uint8_t step[VB_PATH_DEPTH];	/* unknown */
	char slot_name[VB_SLOT_NAME_MAX];	/* physical slot, "" none */
};

/* A member of an IOMMU group that is not in the inventory. */
struct vb_stray {
	int group;
	char name[VB_NAME_MAX];
};

struct vb_inventory {
	struct vb_device *dev;
	size_t n, cap;
	int ngroups;		/* IOMMU groups; a lazy read: 1 if any */
	struct vb_stray *stray;
	size_t nstray, cstray;
	bool scoped;		/* apply --device: the named devices' groups only */
	char **name;		/* pci.ids names, for status; NULL without */
};

int vb_inventory_read(struct vb_ctx *ctx, struct vb_inventory *inv,
		      const struct vb_rules *rules);
void vb_inventory_free(struct vb_inventory *inv);
struct vb_device *vb_inventory_find(const struct vb_inventory *inv,
				    const char *addr);
const struct vb_stray *vb_group_stray(const struct vb_inventory *inv,
				      int group);
int vb_device_refresh(struct vb_ctx *ctx, struct vb_device *d);
bool vb_selector_match(const struct vb_selector *sel,
		       const struct vb_device *d);
/* sel names d's place (address, path, slot), its guard aside. */
bool vb_selector_at(const struct vb_selector *sel, const struct vb_device *d);
bool vb_guard_holds(const struct vb_selector *sel, const struct vb_device *d);
/* The Device Serial Number of every device in inv a serial rule could
 * select (a PCIe function that is not a bridge); others are left unread
 * so that no runtime-suspended device is woken for nothing. */
void vb_inventory_serials(struct vb_ctx *ctx, struct vb_inventory *inv);
bool vb_serial_candidate(const struct vb_device *d);
int vb_read_serial(const struct vb_ctx *ctx, const char *addr,
		   uint64_t *serial);
/* "path:0000:00:04.0/00.0" for d; 0 or -errno. */
int vb_device_path(const struct vb_device *d, char *buf, size_t len);
/* identity.c: d's topology path from its sysfs link */
void vb_device_locate(const struct vb_ctx *ctx, struct vb_device *d);
/* Physical slot names into the devices of inv. */
void vb_inventory_slots(const struct vb_ctx *ctx, struct vb_inventory *inv);
/* The slot's bus and device as an address selector BB:SS.* */
int vb_slot_address(const struct vb_ctx *ctx, const char *name,
		    struct vb_selector *sel);
/* Where a path selector leads now: the last step's address. */
int vb_path_resolve(const struct vb_ctx *ctx, const struct vb_selector *sel,
		    char *addr, size_t len);
bool vb_driver_managed_dma(const char *driver);

/* variant.c: modules.alias, modules.dep and modules.builtin (.bin or text) */
struct vb_alias {
	char *pattern;
	char module[VB_NAME_MAX];
	int wildcards;
	uint32_t order;	/* ties go to the lowest: line, or .bin priority */
};

struct vb_pci_driver {
	char module[VB_NAME_MAX];
	char driver[VB_NAME_MAX];
};

struct vb_modules {
	bool loaded;			/* modules.alias(.bin) was readable */
	bool have_dep;			/* modules.dep(.bin) was readable */
	char kver[72];
	struct vb_alias *alias;		/* vfio_pci: aliases, file order */
	size_t nalias, calias;
	char *known;			/* "\nmod1\nmod2\n" of .dep and .builtin */
	size_t knownlen, knowncap;
	char *builtin;			/* the same of .builtin alone */
	size_t builtinlen, builtincap;
	struct vb_pci_driver *drv;	/* PCI drivers registered now */
	size_t ndrv, cdrv;
};

int vb_modules_load(struct vb_ctx *ctx, struct vb_modules *mods);
/* A whole file, NUL-terminated; NULL when unreadable or over 64 MiB. */
char *vb_slurp(const char *path, size_t *len);
void vb_modules_free(struct vb_modules *mods);
bool vb_modules_known(const struct vb_modules *mods, const char *module);
bool vb_modules_builtin(const struct vb_modules *mods, const char *module);
const char *vb_variant_for(const struct vb_modules *mods, const char *modalias);
void vb_driver_for_module(const char *module, char *driver, size_t len);
void vb_modules_driver(const struct vb_modules *mods, const char *module,
		       char *driver, size_t len);

/* modindex.c: kmod's binary module indexes (modules.*.bin) */
#define VB_INDEX_KEY_MAX 256	/* longer keys are skipped */
/* Returns nonzero to stop the walk, which then returns that. */
typedef int (*vb_index_fn)(void *data, const char *key, const char *value,
			   uint32_t priority);
/* Every key that starts with prefix, with each of its values: 0, the
 * callback's nonzero return, or -EINVAL for a malformed index. */
int vb_index_walk(const void *buf, size_t len, const char *prefix,
		  vb_index_fn fn, void *data);
/* The same for a file: -ENOENT when it does not exist. */
int vb_index_each(const char *path, const char *prefix, vb_index_fn fn,
		  void *data);

/* plan.c: pure; inventory + rules -> plan */
enum vb_claim { CLAIM_NONE, CLAIM_BIND, CLAIM_REFUSED };

struct vb_dev_plan {
	enum vb_claim claim;
	const struct vb_rule *rule;	/* the rule that selected it or its group */
	bool companion;			/* pulled in by its IOMMU group */
	bool card_part;			/* a companion on a claimed GPU's card */
	char driver[VB_NAME_MAX];	/* driver name to bind */
	char module[VB_NAME_MAX];	/* module that provides it */
	bool done;			/* already bound and overridden */
	bool failed;			/* apply: a step failed; held, no driver */
};

struct vb_sriov_plan {
	size_t pf;			/* index in the inventory */
	const struct vb_rule *rule;
	unsigned numvfs;
	enum vb_pf_mode pf_mode;
	bool change;			/* numvfs must be written */
	char pf_driver[VB_NAME_MAX];	/* "" for the native driver */
	bool skip;			/* its driver could not be had */
};

struct vb_plan {
	struct vb_dev_plan *dev;	/* parallel to the inventory */
	size_t ndev;
	struct vb_sriov_plan *sriov;
	size_t nsriov, csriov;
	bool off;
	bool no_iommu;
	int errors;		/* rules the plan cannot satisfy */
	unsigned *matches;	/* devices each rule matched, by rule */
	struct vb_msg *msg;	/* what the planner has to say, in order */
	size_t nmsg, cmsg;
};

/* Pure: logs nothing, writes nothing; vb_plan_log says what it found. */
int vb_plan_build(const struct vb_inventory *inv, const struct vb_rules *rules,
		  const struct vb_modules *mods, struct vb_plan *plan);
void vb_plan_log(struct vb_ctx *ctx, const struct vb_plan *plan);
void vb_plan_free(struct vb_plan *plan);
/* The rule of kind that decides for d: the most specific, the later of
 * equals (what the planner takes). */
const struct vb_rule *vb_rule_for(const struct vb_rules *rules,
				  enum vb_rule_kind kind,
				  const struct vb_device *d);
/* i is first itself or shares its IOMMU group. */
bool vb_same_group(const struct vb_inventory *inv, size_t first, size_t i);
const char *vb_pf_mode_name(enum vb_pf_mode mode);
const char *vb_pf_driver(enum vb_pf_mode mode);

/* apply.c: carries out a plan; run.c owns the loop around SR-IOV */
struct vb_results {
	size_t bound;		/* claimed and verified on the planned driver */
	size_t already;		/* claimed and found so before the run */
	size_t failed;		/* claims that did not hold or were given back */
	size_t sriov_failed;	/* PFs whose driver or VF count was not set */
	size_t not_viable;	/* groups given to vfio that vfio cannot open */
	bool plan_errors;	/* a plan of the run could not satisfy a rule */
};

struct vb_apply {
	struct vb_results res;
	struct vb_device *saved;	/* the inventory before the last claims */
};

int vb_apply_claims(struct vb_ctx *ctx, struct vb_apply *ap,
		    struct vb_inventory *inv, const struct vb_modules *mods,
		    struct vb_plan *plan, bool for_sriov);
bool vb_apply_sriov(struct vb_ctx *ctx, struct vb_apply *ap,
		    struct vb_inventory *inv, const struct vb_plan *plan);
int vb_apply_probe(struct vb_ctx *ctx, struct vb_apply *ap,
		   struct vb_inventory *inv, const struct vb_plan *plan);
void vb_apply_end(struct vb_ctx *ctx, struct vb_apply *ap);
int vb_modprobe(struct vb_ctx *ctx, const char *module, const char *param);
int vb_dev_write(struct vb_ctx *ctx, const struct vb_device *d,
		 const char *attr, const char *value);
/* Waits, bounded by --wait, until d has any driver at all. */
bool vb_wait_any_driver(struct vb_ctx *ctx, struct vb_device *d);

/* run.c: one apply run, and the exit status its results give */
int vb_run_apply(struct vb_ctx *ctx, struct vb_inventory *inv,
		 const struct vb_rules *rules, const struct vb_modules *mods,
		 struct vb_plan *plan, struct vb_results *res);
int vb_run_settle(struct vb_ctx *ctx, struct vb_inventory *inv,
		  const struct vb_rules *rules);
int vb_exit_status(const struct vb_ctx *ctx, const struct vb_plan *plan,
		   const struct vb_results *res);

/* output.c: plan, status and the record */
struct vb_json {
	FILE *f;
	int depth;
	bool first[16];
};
void vb_json_begin(struct vb_json *j, FILE *f);
void vb_json_open(struct vb_json *j, const char *key, char bracket);
void vb_json_close(struct vb_json *j, char bracket);
void vb_json_str(struct vb_json *j, const char *key, const char *val);
void vb_json_int(struct vb_json *j, const char *key, long val);
void vb_json_bool(struct vb_json *j, const char *key, bool val);
void vb_plan_print(const struct vb_ctx *ctx, const struct vb_inventory *inv,
		   const struct vb_plan *plan, FILE *f, bool json);
void vb_status_print(const struct vb_inventory *inv,
		     const struct vb_rules *rules,
		     const struct vb_plan *plan, FILE *f, bool json);
int vb_record_write(struct vb_ctx *ctx, const struct vb_inventory *inv,
		    const struct vb_plan *plan, int status);
int vb_file_replace(const char *dir, const char *name,
		    void (*fill)(FILE *f, const void *arg), const void *arg);
int vb_record_file(struct vb_ctx *ctx, const char *name,
		   void (*fill)(FILE *f, const void *arg), const void *arg);
int vb_rules_marker(struct vb_ctx *ctx, const struct vb_rules *rules);
/* gate.c: /run/udev/rules.d/69-vfiobind.rules from the rules and claims */
int vb_udev_gate(struct vb_ctx *ctx, const struct vb_rules *rules,
		 const struct vb_inventory *inv, const struct vb_plan *plan);

/* export.c: what the last apply and sysfs say, for node_exporter's
 * textfile collector and node-feature-discovery */
int vb_export_setting(struct vb_ctx *ctx, struct vb_rules *rules,
		      const char *item, const struct vb_where *where);
int vb_export(struct vb_ctx *ctx, const struct vb_rules *rules,
	      const struct vb_inventory *inv, const struct vb_plan *plan);

/* lock.c: one writing run at a time (apply, release) */
#define VB_LOCK_WAIT_MS 60000	/* without --timeout; in vfiobind(8) */
int vb_lock_take(struct vb_ctx *ctx, unsigned wait_ms);
void vb_lock_drop(int fd);

/* release.c: groups back to their host drivers */
int vb_release(struct vb_ctx *ctx, struct vb_inventory *inv,
	       const struct vb_selector *sel, size_t nsel, bool dry_run,
	       bool force);
/* One release argument: a selector without target or option, never off. */
int vb_release_selector(const char *arg, struct vb_selector *sel, char *err,
			size_t errlen);

/* pin.c: the rules in a form that survives a change of bus numbers */
int vb_pin(struct vb_ctx *ctx, const struct vb_rules *rules, bool write,
	   FILE *out);

/* image.c: the modules an initramfs needs for the rules */
int vb_image_modules(struct vb_ctx *ctx, const struct vb_rules *rules,
		     bool all, FILE *out);

/* pciids.c: "Ethernet controller: Intel Corporation 82540EM ..." names
 * from pci.ids into inv->name, when the database is installed */
int vb_pci_names(struct vb_ctx *ctx, struct vb_inventory *inv);

/* cli.c */
int vfiobind_main(int argc, char **argv);

#endif
