// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer target: one config file, bytes as they come (NULs included). */
#include <stdlib.h>
#include <string.h>

#include "vfiobind.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct vb_ctx ctx = { .root = "/nonexistent", .no_kmsg = true };
	struct vb_rules rules = { 0 };
	char *text;

	/* an exact-size copy, so reading past the end is caught */
	text = malloc(size ? size : 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	vb_config_parse(&ctx, "fuzz.conf", text, size, &rules);
	vb_rules_free(&rules);
	vb_ctx_free(&ctx);
	free(text);
	return 0;
}
