// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer target: the kernel command line and every item it carries. */
#include <stdlib.h>
#include <string.h>

#include "vfiobind.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

/* What status and pin print of a selector reads back as the same. */
static void formats_parse_back(const struct vb_rules *rules)
{
	char one[VB_ITEM_MAX + 64], two[VB_ITEM_MAX + 64], err[256];
	struct vb_rule again;
	size_t i, col;

	for (i = 0; i < rules->n; i++) {
		vb_selector_format(&rules->r[i].sel, one, sizeof(one));
		if (strlen(one) >= VB_ITEM_MAX ||
		    vb_rule_parse(RULE_BIND, one, &again, err, sizeof(err),
				  &col) < 0)
			abort();
		vb_selector_format(&again.sel, two, sizeof(two));
		if (strcmp(one, two))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct vb_ctx ctx = { .root = "/nonexistent", .no_kmsg = true };
	struct vb_rules rules = { 0 };
	char *text;

	if (size > 65536)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	vb_cmdline_rules(&ctx, text, &rules);
	formats_parse_back(&rules);
	vb_rules_free(&rules);
	vb_ctx_free(&ctx);
	free(text);
	return 0;
}
