// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Config files: /etc/vfiobind.conf, then /etc/vfiobind.d/ *.conf in byte
 * order of their names.  Line-oriented; a small state machine per line:
 *
 *   line    = [ keyword { sep item } ] [ "#" comment ]
 *   keyword = "bind" | "sriov" | "export"
 *   sep     = white space and/or ","
 *
 * bind and sriov items use the command-line grammar (rules.c); export
 * items name where `vfiobind export` writes (export.c).  Every error names
 * file:line:column, and a bad item or line never hides the rest.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "vfiobind.h"

#define CONFIG_MAX_BYTES (1024 * 1024)
#define CONFIG_LINE_MAX 4096

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static void parse_line(struct vb_ctx *ctx, const char *name, unsigned lineno,
		       const char *line, size_t len, struct vb_rules *rules)
{
	struct vb_where where = { .file = name, .line = lineno };
	enum vb_rule_kind kind = RULE_BIND;
	char word[VB_ITEM_MAX];
	size_t i = 0, start, wl;
	bool have_kind = false, export = false;
	unsigned items = 0;

	for (;;) {
		while (i < len && (is_blank(line[i]) ||
				   (have_kind && line[i] == ',')))
			i++;
		if (i >= len || line[i] == '#')
			break;
		start = i;
		while (i < len && !is_blank(line[i]) && line[i] != '#' &&
		       !(have_kind && line[i] == ','))
			i++;
		wl = i - start;
		where.col = (unsigned)start + 1;
		if (wl >= VB_ITEM_MAX) {
			ctx->parse_errors++;
			vb_err(ctx, "%s:%u:%u: item '%.32s...' too long (%zu bytes, at most %d)",
			       name, lineno, where.col, line + start, wl,
			       VB_ITEM_MAX - 1);
			if (!have_kind)
				return;
			items++;
			continue;
		}
		memcpy(word, line + start, wl);
		word[wl] = '\0';
		if (have_kind && export) {
			vb_export_setting(ctx, rules, word, &where);
			items++;
		} else if (have_kind) {
			vb_rules_add(ctx, rules, kind, word, &where);
			items++;
		} else if (!strcmp(word, "bind") || !strcmp(word, "sriov")) {
			kind = word[0] == 's' ? RULE_SRIOV : RULE_BIND;
			have_kind = true;
		} else if (!strcmp(word, "export")) {
			export = have_kind = true;
		} else {
			ctx->parse_errors++;
			vb_err(ctx, "%s:%u:%u: unknown keyword '%s' (want bind, sriov or export)",
			       name, lineno, where.col, word);
			return;
		}
	}
	if (have_kind && !items) {
		ctx->parse_errors++;
		vb_err(ctx, "%s:%u:%zu: '%s' without any item", name, lineno,
		       i + 1, export ? "export" :
		       kind == RULE_SRIOV ? "sriov" : "bind");
	}
}

int vb_config_parse(struct vb_ctx *ctx, const char *name, const char *text,
		    size_t len, struct vb_rules *rules)
{
	size_t pos = 0, end;
	unsigned lineno = 0;

	while (pos < len) {
		lineno++;
		end = pos;
		while (end < len && text[end] != '\n')
			end++;
		if (memchr(text + pos, '\0', end - pos)) {
			ctx->parse_errors++;
			vb_err(ctx, "%s:%u:%zu: NUL byte: not a text file?",
			       name, lineno,
			       (size_t)((const char *)memchr(text + pos, '\0',
							     end - pos) -
					(text + pos)) + 1);
		} else if (end - pos > CONFIG_LINE_MAX) {
			ctx->parse_errors++;
			vb_err(ctx, "%s:%u:1: line too long (%zu bytes, at most %d)",
			       name, lineno, end - pos, CONFIG_LINE_MAX);
		} else {
			parse_line(ctx, name, lineno, text + pos, end - pos,
				   rules);
		}
		pos = end + 1;
	}
	return 0;
}

/*
 * The binder runs as root (udev, the boot): rules that another user
 * could write would let that user give any device to vfio.  As sshd and
 * sudo do, a file writable by group or others, or owned by anyone but
 * root (or the user running the binder, for --root trees and tests run
 * without root), is not read.
 */
static bool trusted(struct vb_ctx *ctx, const char *name, const struct stat *st)
{
	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		vb_err(ctx, "%s: skipped: owned by uid %u, not root; only root may give the binder rules",
		       name, (unsigned)st->st_uid);
		return false;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		vb_err(ctx, "%s: skipped: writable by %s (mode %04o); only root may give the binder rules (chmod go-w)",
		       name, st->st_mode & S_IWOTH ? "others" : "its group",
		       (unsigned)(st->st_mode & 07777));
		return false;
	}
	return true;
}

/* Reads one file; a missing file is not an error unless 'required'. */
static int load_file(struct vb_ctx *ctx, const char *path, const char *name,
		     bool required, struct vb_rules *rules)
{
	struct stat st;
	char *text;
	ssize_t n;
	size_t got = 0;
	int fd;

	/* O_NONBLOCK: a FIFO named *.conf must not hang the boot */
	fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT && !required)
			return 0;
		ctx->parse_errors++;
		vb_err(ctx, "%s: cannot open: %s", name, strerror(errno));
		return -errno;
	}
	if (fstat(fd, &st) < 0)
		st.st_mode = 0;
	/* the null device is an empty config: --config /dev/null reads none */
	if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3)) {
		close(fd);
		return 0;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > CONFIG_MAX_BYTES) {
		ctx->parse_errors++;
		vb_err(ctx, "%s: not a regular file of at most %d bytes", name,
		       CONFIG_MAX_BYTES);
		close(fd);
		return -EINVAL;
	}
	if (!trusted(ctx, name, &st)) {
		ctx->parse_errors++;
		close(fd);
		return -EPERM;
	}
	text = malloc((size_t)st.st_size + 1);
	if (!text) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, text + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	text[got] = '\0';
	vb_config_parse(ctx, name, text, got, rules);
	free(text);
	return 0;
}

static int conf_filter(const struct dirent *de)
{
	size_t len = strlen(de->d_name);

	return de->d_name[0] != '.' && len > 5 &&
	       !strcmp(de->d_name + len - 5, ".conf");
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/*
 * The host path of a config file named as inside the root.  A file that
 * is a link to /dev/null is masked, as in systemd and modprobe.d: it is
 * skipped without a word.
 */
static int config_path(struct vb_ctx *ctx, const char *name, char *path,
		       size_t len)
{
	char inside[PATH_MAX];
	int r;

	r = vb_resolve(ctx, name, inside, sizeof(inside));
	if (r < 0) {
		ctx->parse_errors++;
		vb_err(ctx, "%s: cannot resolve: %s", name, strerror(-r));
		return r;
	}
	if (!strcmp(inside, "/dev/null")) {
		vb_dbg(ctx, "%s: masked (a link to /dev/null)", name);
		return -ENOENT;
	}
	return vb_path(ctx, path, len, "%s", inside);
}

int vb_config_load(struct vb_ctx *ctx, struct vb_rules *rules)
{
	struct dirent **names;
	char path[PATH_MAX], name[PATH_MAX];
	int i, n;

	if (ctx->config)
		return load_file(ctx, ctx->config, ctx->config, true, rules);
	if (config_path(ctx, "/etc/vfiobind.conf", path, sizeof(path)) == 0)
		load_file(ctx, path, "/etc/vfiobind.conf", false, rules);
	if (config_path(ctx, "/etc/vfiobind.d", path, sizeof(path)) < 0)
		return 0;
	n = scandir(path, &names, conf_filter, by_name);
	if (n < 0)
		return 0;
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "/etc/vfiobind.d/%s",
			 names[i]->d_name);
		if (config_path(ctx, name, path, sizeof(path)) == 0)
			load_file(ctx, path, name, false, rules);
		free(names[i]);
	}
	free(names);
	return 0;
}
