// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Which vfio driver serves a device.  Variant drivers list their devices
 * as override-only id-table entries, which depmod writes to modules.alias
 * as "alias vfio_pci:v...d...sv...sd...bc...sc...i... MODULE"; plain
 * vfio_pci matches everything with "vfio_pci:v*d*sv*sd*bc*sc*i*".  A
 * device matches when its modalias, "pci:" replaced by "vfio_pci:",
 * matches the pattern; the pattern with the fewest '*' wins, ties go to
 * the first in the file (libvirt ranks them the same way).
 *
 * Each index is read from kmod's binary form (modules.alias.bin,
 * modules.dep.bin, modules.builtin.bin) when it exists, as modprobe reads
 * them, and from the text file otherwise: some generators (mkinitcpio)
 * leave only the binary ones in an image.  The binary alias index is
 * sorted by key, not in file order; each alias there carries its module's
 * place in depmod's module order, which is the order depmod writes
 * modules.alias in, so "first in the file" is "lowest priority" there.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "vfiobind.h"

#define INDEX_MAX_BYTES (64 * 1024 * 1024)

char *vb_slurp(const char *path, size_t *len)
{
	struct stat st;
	char *buf;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return NULL;
	if (fstat(fileno(f), &st) < 0 || st.st_size > INDEX_MAX_BYTES) {
		fclose(f);
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		fclose(f);
		return NULL;
	}
	*len = fread(buf, 1, (size_t)st.st_size, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

/* Appends a module name to a "\nmod1\nmod2\n" list of cap bytes. */
static int add_name(char **list, size_t *len, size_t *cap, const char *name,
		    size_t n)
{
	char module[VB_NAME_MAX], raw[VB_NAME_MAX], *k;
	size_t ml, want;

	if (n == 0 || n >= VB_NAME_MAX)
		return 0;
	memcpy(raw, name, n);
	raw[n] = '\0';
	vb_module_name(module, sizeof(module), raw);
	ml = strlen(module);
	want = *len + ml + 3;
	if (want > *cap) {
		k = realloc(*list, want < 2 * *cap ? 2 * *cap : want + 4096);
		if (!k)
			return -ENOMEM;
		*cap = want < 2 * *cap ? 2 * *cap : want + 4096;
		*list = k;
	}
	k = *list;
	if (*len == 0)
		k[(*len)++] = '\n';
	memcpy(k + *len, module, ml);
	*len += ml;
	k[(*len)++] = '\n';
	k[*len] = '\0';
	return 0;
}

/*
 * Calls fn for every line of the file, its newline cut off, reading it in
 * pieces: modules.alias is over a megabyte and only its vfio_pci lines
 * are kept, so the index never sits whole in memory.  A line longer than
 * the buffer (none is, in files depmod writes) is skipped.
 */
#define LINE_BUF 65536

static int each_line(const char *path, void (*fn)(void *data, char *line),
		     void *data)
{
	char *buf, *line, *nl;
	size_t have = 0;
	bool skipping = false;
	ssize_t n;
	int fd, r = 0;

	fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = malloc(LINE_BUF);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		n = read(fd, buf + have, LINE_BUF - 1 - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : 0;
			break;
		}
		have += (size_t)n;
		for (line = buf;
		     (nl = memchr(line, '\n', (size_t)(buf + have - line)));
		     line = nl + 1) {
			*nl = '\0';
			if (!skipping)
				fn(data, line);
			skipping = false;
		}
		have -= (size_t)(line - buf);
		memmove(buf, line, have);
		if (have == LINE_BUF - 1) {
			skipping = true;
			have = 0;
		}
	}
	if (have && !skipping && r == 0) {
		buf[have] = '\0';
		fn(data, buf);
	}
	free(buf);
	close(fd);
	return r;
}

/* A modules.dep line starts with a path to NAME.ko[.xz], then ':'. */
static void module_path(struct vb_modules *mods, const char *line,
			const char *stop, bool builtin)
{
	const char *ko, *base;
	size_t i;

	/* the last ".ko", found from the end: it is the file name's */
	for (i = (size_t)(stop - line); i >= 3 && memcmp(line + i - 3, ".ko", 3);
	     i--)
		;
	if (i < 3)
		return;
	ko = line + i - 3;
	for (base = ko; base > line && base[-1] != '/'; base--)
		;
	add_name(&mods->known, &mods->knownlen, &mods->knowncap, base,
		 (size_t)(ko - base));
	if (builtin)
		add_name(&mods->builtin, &mods->builtinlen, &mods->builtincap,
			 base, (size_t)(ko - base));
}

static void dep_line(void *data, char *line)
{
	char *colon = strchr(line, ':');

	if (colon)
		module_path(data, line, colon, false);
}

/* modules.builtin: one path per line. */
static void builtin_line(void *data, char *line)
{
	module_path(data, line, line + strlen(line), true);
}

/* A vfio_pci: alias; order breaks ties between equally specific ones. */
static int add_alias(struct vb_modules *mods, const char *pattern,
		     const char *module, uint32_t order)
{
	struct vb_alias *a;
	const char *p;

	if (!vb_valid_name(module))
		return 0;
	a = vb_grow(mods->alias, &mods->calias, mods->nalias, sizeof(*a));
	if (!a)
		return -ENOMEM;
	mods->alias = a;
	a = &mods->alias[mods->nalias];
	a->pattern = strdup(pattern);
	if (!a->pattern)
		return -ENOMEM;
	vb_module_name(a->module, sizeof(a->module), module);
	a->wildcards = 0;
	for (p = pattern; *p; p++)
		a->wildcards += *p == '*';
	a->order = (uint32_t)mods->nalias;
	if (order != UINT32_MAX)
		a->order = order;
	mods->nalias++;
	return 0;
}

static void alias_line(void *data, char *line)
{
	char *pattern, *module;

	if (strncmp(line, "alias vfio_pci:", 15))
		return;
	pattern = line + 6;
	module = strchr(pattern, ' ');
	if (!module)
		return;
	*module++ = '\0';
	add_alias(data, pattern, module, UINT32_MAX);
}

static int alias_key(void *data, const char *key, const char *value,
		     uint32_t priority)
{
	return add_alias(data, key, value, priority);
}

/* modules.dep.bin: the key is the module's name. */
static int dep_key(void *data, const char *key, const char *value,
		   uint32_t priority)
{
	struct vb_modules *mods = data;

	(void)value;
	(void)priority;
	return add_name(&mods->known, &mods->knownlen, &mods->knowncap, key,
			strlen(key));
}

static int builtin_key(void *data, const char *key, const char *value,
		       uint32_t priority)
{
	struct vb_modules *mods = data;

	(void)value;
	(void)priority;
	if (dep_key(data, key, value, priority) < 0)
		return -ENOMEM;
	return add_name(&mods->builtin, &mods->builtinlen, &mods->builtincap,
			key, strlen(key));
}

/*
 * The driver names registered modules gave themselves, from each PCI
 * driver's module link: xhci_pci registers xhci_hcd, and plan and apply
 * must both say so.
 */
struct driver_walk {
	const struct vb_ctx *ctx;
	struct vb_modules *mods;
};

static int pci_driver(void *data, const char *name)
{
	const struct driver_walk *w = data;
	struct vb_modules *mods = w->mods;
	char rel[PATH_MAX], module[VB_NAME_MAX];
	struct vb_pci_driver *pd;

	if (strlen(name) >= VB_NAME_MAX)
		return 0;
	snprintf(rel, sizeof(rel), "/sys/bus/pci/drivers/%s/module", name);
	if (vb_read_link_base(w->ctx, rel, module, sizeof(module)) < 0)
		return 0;
	pd = vb_grow(mods->drv, &mods->cdrv, mods->ndrv, sizeof(*pd));
	if (!pd)
		return -ENOMEM;
	mods->drv = pd;
	pd = &mods->drv[mods->ndrv++];
	vb_module_name(pd->module, sizeof(pd->module), module);
	snprintf(pd->driver, sizeof(pd->driver), "%s", name);
	return 0;
}

/* Drops what a binary index added before it turned out malformed. */
static void truncate_lists(struct vb_modules *mods, size_t nalias,
			   size_t knownlen, size_t builtinlen)
{
	while (mods->nalias > nalias)
		free(mods->alias[--mods->nalias].pattern);
	if (mods->known) {
		mods->knownlen = knownlen;
		mods->known[knownlen] = '\0';
	}
	if (mods->builtin) {
		mods->builtinlen = builtinlen;
		mods->builtin[builtinlen] = '\0';
	}
}

int vb_modules_load(struct vb_ctx *ctx, struct vb_modules *mods)
{
	static const struct {
		const char *name;
		const char *prefix;
		vb_index_fn key;
		void (*line)(void *data, char *line);
	} files[] = {
		{ "modules.alias", "vfio_pci:", alias_key, alias_line },
		{ "modules.dep", "", dep_key, dep_line },
		{ "modules.builtin", "", builtin_key, builtin_line },
	};
	struct utsname un;
	char path[PATH_MAX];
	bool ok[3];
	size_t i;
	int r;

	memset(mods, 0, sizeof(*mods));
	if (ctx->kver) {
		snprintf(mods->kver, sizeof(mods->kver), "%s", ctx->kver);
	} else if (uname(&un) == 0) {
		snprintf(mods->kver, sizeof(mods->kver), "%s", un.release);
	}
	for (i = 0; i < 3; i++) {
		size_t nalias = mods->nalias, knownlen = mods->knownlen,
		       builtinlen = mods->builtinlen;

		ok[i] = false;
		if (vb_path(ctx, path, sizeof(path), "/lib/modules/%s/%s.bin",
			    mods->kver, files[i].name) < 0)
			continue;
		r = vb_index_each(path, files[i].prefix, files[i].key, mods);
		if (r == 0) {
			ok[i] = true;
			vb_dbg(ctx, "read %s", path);
			continue;
		}
		if (r != -ENOENT) {
			vb_warn(ctx, "%s: %s, reading the text index instead",
				path, r == -EINVAL ? "not a module index kmod writes" :
				strerror(-r));
			truncate_lists(mods, nalias, knownlen, builtinlen);
		}
		path[strlen(path) - 4] = '\0';
		ok[i] = each_line(path, files[i].line, mods) == 0;
	}
	mods->loaded = ok[0];
	mods->have_dep = ok[1];
	if (!mods->loaded)
		vb_warn(ctx, "no modules.alias or modules.alias.bin for kernel %s under %s/lib/modules: vfio variants unknown, using vfio-pci",
			mods->kver, ctx->root);
	vb_dir_each(ctx, "/sys/bus/pci/drivers", pci_driver,
		    &(struct driver_walk){ ctx, mods });
	return 0;
}

void vb_modules_free(struct vb_modules *mods)
{
	size_t i;

	for (i = 0; i < mods->nalias; i++)
		free(mods->alias[i].pattern);
	free(mods->alias);
	free(mods->known);
	free(mods->builtin);
	free(mods->drv);
	memset(mods, 0, sizeof(*mods));
}

static bool in_list(const char *list, const char *module)
{
	char needle[VB_NAME_MAX + 2];

	if (!list)
		return false;
	snprintf(needle, sizeof(needle), "\n%s\n", module);
	return strstr(list, needle) != NULL;
}

bool vb_modules_known(const struct vb_modules *mods, const char *module)
{
	if (!mods->have_dep)
		return true;	/* cannot tell; apply will find out */
	return in_list(mods->known, module);
}

/* Built in: no /sys/module/M/initstate, and nothing for modprobe to load. */
bool vb_modules_builtin(const struct vb_modules *mods, const char *module)
{
	return in_list(mods->builtin, module);
}

const char *vb_variant_for(const struct vb_modules *mods, const char *modalias)
{
	char want[VB_MODALIAS_MAX + 8];
	const struct vb_alias *best = NULL;
	size_t i;

	if (strncmp(modalias, "pci:", 4))
		return "vfio_pci";
	snprintf(want, sizeof(want), "vfio_%s", modalias);
	for (i = 0; i < mods->nalias; i++) {
		const struct vb_alias *a = &mods->alias[i];

		if ((!best || a->wildcards < best->wildcards ||
		     (a->wildcards == best->wildcards &&
		      a->order < best->order)) &&
		    fnmatch(a->pattern, want, 0) == 0)
			best = a;
	}
	return best ? best->module : "vfio_pci";
}

/*
 * driver_override compares against the driver's name, not the module's.
 * The in-tree PCI stubs and vfio-pci register dashed names; variant
 * drivers register KBUILD_MODNAME.  apply.c confirms the name from
 * /sys/module/MOD/drivers/ once the module is loaded.
 */
void vb_driver_for_module(const char *module, char *driver, size_t len)
{
	static const char *const dashed[] = { "vfio_pci", "pci_stub",
					      "pci_pf_stub" };
	size_t i;

	for (i = 0; i < sizeof(dashed) / sizeof(dashed[0]); i++)
		if (!strcmp(module, dashed[i])) {
			snprintf(driver, len, "%s", dashed[i]);
			for (char *p = driver; *p; p++)
				if (*p == '_')
					*p = '-';
			return;
		}
	snprintf(driver, len, "%s", module);
}

/* The name a registered module gave its driver, or the usual guess. */
void vb_modules_driver(const struct vb_modules *mods, const char *module,
		       char *driver, size_t len)
{
	size_t i;

	for (i = 0; i < mods->ndrv; i++)
		if (!strcmp(mods->drv[i].module, module)) {
			snprintf(driver, len, "%s", mods->drv[i].driver);
			return;
		}
	vb_driver_for_module(module, driver, len);
}
