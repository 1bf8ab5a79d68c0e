/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FIXTURE_TREE_H
#define FIXTURE_TREE_H
#include <stddef.h>

/* 0, or a negative errno with a message in err. */
int fixture_tree_expand(const char *manifest, const char *root, char *err,
			size_t errlen);

/* mkdir -p of the directory that will hold path. */
void fixture_mkparent(const char *path);

#endif
