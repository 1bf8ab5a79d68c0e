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
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_APPEND);
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

static void remember(struct vb_ctx *ctx, enum vb_level level, const char *msg)
{
	struct vb_msg *m;

	m = vb_grow(ctx->msg, &ctx->cmsg, ctx->nmsg, sizeof(*m));
	if (!m)
		return;
	ctx->msg = m;
	m[ctx->nmsg].level = level;
	m[ctx->nmsg].text = strdup(msg);
	if (m[ctx->nmsg].text)
		ctx->nmsg++;
}

static bool seen(const struct vb_ctx *ctx, const char *msg)
{
	size_t i;

	for (i = 0; i < ctx->nmsg; i++)
		if (!strcmp(ctx->msg[i].text, msg))
			return true;
	return false;
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
	ctx->msg = NULL;
	ctx->nmsg = ctx->cmsg = 0;
}
