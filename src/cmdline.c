// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel command line, split into parameters exactly as the kernel's
 * own parser does (kernel/params.c next_arg), so what the kernel sees as
 * one parameter we see as one parameter:
 *
 *  - parameters are separated by white space outside double quotes;
 *  - a double quote toggles quoting anywhere in a parameter;
 *  - a parameter that starts with a quote loses it and its closing quote;
 *  - a value that starts with a quote loses it, and the parameter's last
 *    byte when that is a quote;
 *  - "--" ends the kernel's parameters; what follows belongs to init.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vfiobind.h"

/* The kernel's isspace(), whose Latin-1 table counts 0xa0 (no-break space). */
static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f' || (unsigned char)c == 0xa0;
}

int vb_cmdline_each(const char *cmdline, vb_param_fn fn, void *data)
{
	char *copy, *args, *param, *val;
	size_t i, equals;
	bool in_quote, quoted;
	int r = 0;

	copy = strdup(cmdline);
	if (!copy)
		return -ENOMEM;
	args = copy;
	while (is_space(*args))
		args++;
	while (*args && r == 0) {
		in_quote = quoted = false;
		equals = 0;
		if (*args == '"') {
			args++;
			in_quote = quoted = true;
		}
		for (i = 0; args[i]; i++) {
			if (is_space(args[i]) && !in_quote)
				break;
			if (equals == 0 && args[i] == '=')
				equals = i;
			if (args[i] == '"')
				in_quote = !in_quote;
		}
		param = args;
		val = NULL;
		if (equals) {
			args[equals] = '\0';
			val = args + equals + 1;
			if (*val == '"') {
				val++;
				if (args[i - 1] == '"')
					args[i - 1] = '\0';
			}
		}
		if (quoted && i > 0 && args[i - 1] == '"')
			args[i - 1] = '\0';
		if (args[i]) {
			args[i] = '\0';
			args += i + 1;
		} else {
			args += i;
		}
		while (is_space(*args))
			args++;
		if (!strcmp(param, "--") && !val)
			break;
		r = fn(data, param, val);
	}
	free(copy);
	return r;
}

struct cmdline_state {
	struct vb_ctx *ctx;
	struct vb_rules *rules;
};

/* One parameter: items separated by commas; each parsed on its own. */
static int cmdline_param(void *data, const char *param, const char *val)
{
	struct cmdline_state *st = data;
	struct vb_where where = { .param = param };
	enum vb_rule_kind kind;
	const char *p, *comma;
	char item[VB_ITEM_MAX + 1];
	size_t len;

	if (!strcmp(param, "vfio.bind") || !strcmp(param, "rd.vfio.bind"))
		kind = RULE_BIND;
	else if (!strcmp(param, "vfio.sriov") ||
		 !strcmp(param, "rd.vfio.sriov"))
		kind = RULE_SRIOV;
	else
		return 0;
	if (!val) {
		st->ctx->parse_errors++;
		vb_err(st->ctx, "%s given without a value (want %s=ITEM[,ITEM...])",
		       param, param);
		return 0;
	}
	for (p = val;; p = comma + 1) {
		comma = strchr(p, ',');
		len = comma ? (size_t)(comma - p) : strlen(p);
		if (len >= VB_ITEM_MAX) {
			st->ctx->parse_errors++;
			vb_err(st->ctx, "%s item '%.32s...': item too long (%zu bytes, at most %d)",
			       param, p, len, VB_ITEM_MAX - 1);
		} else {
			memcpy(item, p, len);
			item[len] = '\0';
			vb_rules_add(st->ctx, st->rules, kind, item, &where);
		}
		if (!comma)
			break;
	}
	return 0;
}

int vb_cmdline_rules(struct vb_ctx *ctx, const char *cmdline,
		     struct vb_rules *rules)
{
	struct cmdline_state st = { ctx, rules };

	return vb_cmdline_each(cmdline, cmdline_param, &st);
}
