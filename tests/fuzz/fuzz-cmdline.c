// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer target: the kernel command line and every item it carries. */
#include <stdlib.h>
#include <string.h>

#include "vfiobind.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

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
	vb_rules_free(&rules);
	vb_ctx_free(&ctx);
	free(text);
	return 0;
}
