# shellcheck shell=sh
# update-initramfs -u after the edit: the initramfs claims 00:04.0 and
# creates and claims the VFs; e1000 and nvme never probe them.
# shellcheck disable=SC1091 # installed next to this file
. /vfiobind-test/system.sh
expect_driver 00:03.0 vfio-pci
expect_driver 00:04.0 vfio-pci
expect_no_kmsg 'e1000 0000:00:0[34]\.0'
expect_group_viable 00:04.0
expect_driver 01:00.0 nvme
expect_numvfs 01:00.0 2
expect_vfs_driver 01:00.0 vfio-pci
expect_in_initramfs 'pci 0000:01:00\.1: '
expect_no_kmsg 'pci function 0000:01:00\.[12]'
expect_vfio_open 01:00.1
expect_late_unit
