// SPDX-License-Identifier: GPL-2.0-or-later
/* expand-fixture MANIFEST DIR: lay a recorded fixture out under DIR. */
#include <stdio.h>

#include "fixture-tree.h"

int main(int argc, char **argv)
{
	char err[256] = "";

	if (argc != 3) {
		fprintf(stderr, "usage: expand-fixture MANIFEST DIR\n");
		return 2;
	}
	if (fixture_tree_expand(argv[1], argv[2], err, sizeof(err)) < 0) {
		fprintf(stderr, "expand-fixture: %s\n", err);
		return 1;
	}
	return 0;
}
