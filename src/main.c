// SPDX-License-Identifier: GPL-2.0-or-later
#include "vfiobind.h"

int main(int argc, char **argv)
{
	return vfiobind_main(argc, argv);
}
