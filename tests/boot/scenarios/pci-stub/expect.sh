# shellcheck shell=sh
# An explicit pci-stub target: the device sits on pci-stub, not vfio.
expect_driver 00:04.0 pci-stub
expect_override 00:04.0 pci-stub
expect_driver 00:03.0 e1000
expect_group_viable 00:04.0
expect_no_kmsg 'e1000 0000:00:04\.0'
expect_no_vfio_anywhere
