// SPDX-License-Identifier: GPL-2.0-only
/* The same test variant driver, matching every Intel device. */
#define VFIO_TEST_ANY_DEVICE
#include "vfio_test_variant.c"
