# shellcheck shell=sh
# The image's module index has a vfio variant for the e1000 (8086:100e),
# the test module vfio_test_variant: the default target takes it, not
# vfio-pci. The variant's open_device logs, so the device fd the vfio core
# hands out proves the variant serves the device. e1000 drives the twin
# and never probed the claimed NIC.
expect_equal vfio_test_variant "$(vt_vfio_aliases 00:03.0 | grep -x vfio_test_variant)" \
    "the image's module index has the variant's alias for 00:03.0"
expect_driver 00:03.0 vfio_test_variant
expect_override 00:03.0 vfio_test_variant
expect_vfio_driver 00:03.0
expect_module_loaded vfio_test_variant
expect_driver 00:04.0 e1000
expect_no_kmsg 'e1000 0000:00:03\.0'
expect_kmsg 'e1000 0000:00:04\.0'
expect_group_viable 00:03.0
expect_vfio_open 00:03.0
expect_kmsg 'vfio_test_variant 0000:00:03\.0: opened through vfio'
expect_not_vfio 00:01.0
