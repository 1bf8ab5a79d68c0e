// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Logging: every message goes to the kernel log (so dmesg and the journal
 * show it with the boot) and, when asked or when the kernel log is not
 * there, to stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vfiobind.h"

/*
 * /dev/kmsg rate-limits each open file to ten messages per five seconds
 * unless printk.devkmsg=on; opening it per message keeps a long plan's
 * messages from being dropped at boot.
 */
static bool kmsg_write(const struct vb_ctx *ctx, enum vb_level level,
		       const char *msg)
{
	char path[4096], line[1024];
	int fd, n;

	if (vb_path(ctx, path, sizeof(path), "/dev/kmsg") < 0)
		return false;
	fd = openat(AT_FDCWD, path, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_APPEND);
	if (fd < 0)
		return false;
	n = snprintf(line, sizeof(line), "<%d>vfiobind: %s\n", (int)level, msg);
	if (n >= (int)sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	n = write(fd, line, n) == n;
	close(fd);
	return n;
}

static size_t msg_hash(const char *msg)
{
	uint64_t h = 0xcbf29ce484222325ull;	/* FNV-1a */

	for (; *msg; msg++)
		h = (h ^ (unsigned char)*msg) * 0x100000001b3ull;
	return (size_t)h;
}

/* The slot holding msg, or the free slot where it would go. */
static size_t *msg_slot(const struct vb_ctx *ctx, const char *msg)
{
	size_t mask = ctx->msg_set_cap - 1, i = msg_hash(msg) & mask;

	while (ctx->msg_set[i] &&
	       strcmp(ctx->msg[ctx->msg_set[i] - 1].text, msg))
		i = (i + 1) & mask;
	return &ctx->msg_set[i];
}

static int msg_set_grow(struct vb_ctx *ctx)
{
	size_t cap = ctx->msg_set_cap ? ctx->msg_set_cap * 2 : 64, i;
	size_t *old = ctx->msg_set, oldcap = ctx->msg_set_cap;

	ctx->msg_set = calloc(cap, sizeof(*ctx->msg_set));
	if (!ctx->msg_set) {
		ctx->msg_set = old;
		return -ENOMEM;
	}
	ctx->msg_set_cap = cap;
	for (i = 0; i < oldcap; i++)
		if (old[i])
			*msg_slot(ctx, ctx->msg[old[i] - 1].text) = old[i];
	free(old);
	return 0;
}

static void remember(struct vb_ctx *ctx, enum vb_level level, const char *msg)
{
	struct vb_msg *m;
	size_t *slot;

	if (2 * (ctx->nmsg + 1) > ctx->msg_set_cap && msg_set_grow(ctx) < 0)
		return;
	m = vb_grow(ctx->msg, &ctx->cmsg, ctx->nmsg, sizeof(*m));
	if (!m)
		return;
	ctx->msg = m;
	m[ctx->nmsg].level = level;
	m[ctx->nmsg].text = strdup(msg);
	if (!m[ctx->nmsg].text)
		return;
	slot = msg_slot(ctx, msg);
	if (!*slot)
		*slot = ctx->nmsg + 1;
	ctx->nmsg++;
}

static bool seen(const struct vb_ctx *ctx, const char *msg)
{
	return ctx->msg_set_cap && *msg_slot(ctx, msg) != 0;
}

void vb_log(struct vb_ctx *ctx, enum vb_level level, const char *fmt, ...)
{
	char msg[900], *p;
	va_list ap;
	bool in_kmsg;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Input bytes are echoed in messages: keep the log plain text. */
	for (p = msg; *p; p++)
		if ((unsigned char)*p < ' ' || (unsigned char)*p >= 0x7f)
			*p = '?';
	if (ctx->replan && (level > VB_WARNING || seen(ctx, msg)))
		return;
	if (level <= VB_ERR)
		ctx->errors++;
	if (level <= VB_WARNING)
		remember(ctx, level, msg);
	if ((int)level > ctx->verbosity)
		return;
	in_kmsg = !ctx->no_kmsg && kmsg_write(ctx, level, msg);
	if (ctx->to_stderr || !in_kmsg)
		fprintf(stderr, "vfiobind: %s%s\n",
			level <= VB_ERR ? "error: " :
			level == VB_WARNING ? "warning: " : "", msg);
}

void vb_ctx_free(struct vb_ctx *ctx)
{
	size_t i;

	for (i = 0; i < ctx->nmsg; i++)
		free(ctx->msg[i].text);
	free(ctx->msg);
	free(ctx->msg_set);
	ctx->msg = NULL;
	ctx->msg_set = NULL;
	ctx->nmsg = ctx->cmsg = ctx->msg_set_cap = 0;
}
