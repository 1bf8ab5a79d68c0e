// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Which vfio driver serves a device.  Variant drivers list their devices
 * as override-only id-table entries, which depmod writes to modules.alias
 * as "alias vfio_pci:v...d...sv...sd...bc...sc...i... MODULE"; plain
 * vfio_pci matches everything with "vfio_pci:v*d*sv*sd*bc*sc*i*".  A
 * device matches when its modalias, "pci:" replaced by "vfio_pci:",
 * matches the pattern; the pattern with the fewest '*' wins, ties go to
 * the first in the file (libvirt ranks them the same way).
 */
#include <errno.h>
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

/* Appends a module name to a "\nmod1\nmod2\n" list. */
static int add_name(char **list, size_t *len, const char *name, size_t n)
{
	char module[VB_NAME_MAX], raw[VB_NAME_MAX], *k;
	size_t ml;

	if (n == 0 || n >= VB_NAME_MAX)
		return 0;
	memcpy(raw, name, n);
	raw[n] = '\0';
	vb_module_name(module, sizeof(module), raw);
	ml = strlen(module);
	k = realloc(*list, *len + ml + 3);
	if (!k)
		return -ENOMEM;
	*list = k;
	if (*len == 0)
		k[(*len)++] = '\n';
	memcpy(k + *len, module, ml);
	*len += ml;
	k[(*len)++] = '\n';
	k[*len] = '\0';
	return 0;
}

/* modules.dep and modules.builtin lines start with a path to NAME.ko[.xz]. */
static void index_paths(struct vb_modules *mods, const char *text, bool dep)
{
	const char *line = text, *end, *slash, *ko, *stop;

	for (; *line; line = *end ? end + 1 : end) {
		end = strchr(line, '\n');
		if (!end)
			end = line + strlen(line);
		stop = dep ? memchr(line, ':', (size_t)(end - line)) : end;
		if (!stop)
			continue;
		ko = NULL;
		for (slash = line; slash + 3 <= stop; slash++)
			if (!memcmp(slash, ".ko", 3))
				ko = slash;
		if (!ko)
			continue;
		slash = ko;
		while (slash > line && slash[-1] != '/')
			slash--;
		add_name(&mods->known, &mods->knownlen, slash,
			 (size_t)(ko - slash));
		if (!dep)
			add_name(&mods->builtin, &mods->builtinlen, slash,
				 (size_t)(ko - slash));
	}
}

static void index_aliases(struct vb_modules *mods, char *text)
{
	char *line, *save = NULL, *pattern, *module, *p;
	struct vb_alias *a;

	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "alias vfio_pci:", 15))
			continue;
		pattern = line + 6;
		module = strchr(pattern, ' ');
		if (!module)
			continue;
		*module++ = '\0';
		if (!vb_valid_name(module))
			continue;
		a = vb_grow(mods->alias, &mods->calias, mods->nalias,
			    sizeof(*a));
		if (!a)
			return;
		mods->alias = a;
		a = &mods->alias[mods->nalias];
		a->pattern = strdup(pattern);
		if (!a->pattern)
			return;
		vb_module_name(a->module, sizeof(a->module), module);
		a->wildcards = 0;
		for (p = pattern; *p; p++)
			a->wildcards += *p == '*';
		mods->nalias++;
	}
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

int vb_modules_load(struct vb_ctx *ctx, struct vb_modules *mods)
{
	static const char *const files[] = { "modules.alias", "modules.dep",
					     "modules.builtin" };
	struct utsname un;
	char path[PATH_MAX], *text[3];
	size_t len, i;

	memset(mods, 0, sizeof(*mods));
	if (ctx->kver) {
		snprintf(mods->kver, sizeof(mods->kver), "%s", ctx->kver);
	} else if (uname(&un) == 0) {
		snprintf(mods->kver, sizeof(mods->kver), "%s", un.release);
	}
	for (i = 0; i < 3; i++) {
		text[i] = NULL;
		if (vb_path(ctx, path, sizeof(path), "/lib/modules/%s/%s",
			    mods->kver, files[i]) == 0)
			text[i] = vb_slurp(path, &len);
	}
	mods->loaded = text[0] != NULL;
	mods->have_dep = text[1] != NULL;
	if (!mods->loaded)
		vb_warn(ctx, "no modules.alias for kernel %s under %s/lib/modules: vfio variants unknown, using vfio-pci",
			mods->kver, ctx->root);
	if (text[1])
		index_paths(mods, text[1], true);
	if (text[2])
		index_paths(mods, text[2], false);
	if (text[0])
		index_aliases(mods, text[0]);
	vb_dir_each(ctx, "/sys/bus/pci/drivers", pci_driver,
		    &(struct driver_walk){ ctx, mods });
	for (i = 0; i < 3; i++)
		free(text[i]);
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

		if ((!best || a->wildcards < best->wildcards) &&
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
