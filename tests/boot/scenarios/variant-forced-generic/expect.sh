# shellcheck shell=sh
# Both e1000 NICs match the test variant vfio_test_variant. An item naming
# vfio-pci gets the generic driver all the same; the 'vfio' target (the
# default spelled out) gets the variant in the same boot. The generic one
# opens through vfio without the variant (no open line for it).
expect_driver 00:03.0 vfio-pci
expect_override 00:03.0 vfio-pci
expect_driver 00:04.0 vfio_test_variant
expect_override 00:04.0 vfio_test_variant
expect_module_loaded e1000
expect_no_kmsg 'e1000 0000:00:0[34]\.0'
expect_group_viable 00:03.0
expect_group_viable 00:04.0
expect_vfio_open 00:03.0
expect_vfio_open 00:04.0
expect_no_kmsg 'vfio_test_variant 0000:00:03\.0'
expect_kmsg 'vfio_test_variant 0000:00:04\.0: opened through vfio'
