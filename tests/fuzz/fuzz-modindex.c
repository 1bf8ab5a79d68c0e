// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: a kmod binary module index (modules.*.bin), walked
 * whole and under the prefix the binder reads, from an exact-size copy so
 * that any read past the end is caught.
 */
#include <stdlib.h>
#include <string.h>

#include "vfiobind.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static int each(void *data, const char *key, const char *value,
		uint32_t priority)
{
	size_t *n = data;

	(void)priority;
	*n += strlen(key) + strlen(value) > 0;
	return 0;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	unsigned char *copy = malloc(size ? size : 1);
	size_t n = 0;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	vb_index_walk(copy, size, "", each, &n);
	vb_index_walk(copy, size, "vfio_pci:", each, &n);
	free(copy);
	return 0;
}
