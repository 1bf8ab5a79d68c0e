# shellcheck shell=sh
# PF keeps its native driver (nvme), two VFs are created and claimed.
expect_driver 01:00.0 nvme
expect_numvfs 01:00.0 2
expect_vfs_driver 01:00.0 vfio-pci
expect_driver 01:00.1 vfio-pci
expect_driver 01:00.2 vfio-pci
expect_group_viable 01:00.1
expect_group_viable 01:00.2
expect_vfio_open 01:00.1
expect_no_kmsg 'pci function 0000:01:00\.[12]'
