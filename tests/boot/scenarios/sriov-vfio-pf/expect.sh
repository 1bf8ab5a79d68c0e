# shellcheck shell=sh
# PF on vfio-pci loaded with enable_sriov=1; its VFs on vfio-pci as well.
expect_driver 01:00.0 vfio-pci
expect_numvfs 01:00.0 2
expect_vfs_driver 01:00.0 vfio-pci
expect_group_viable 01:00.0
expect_group_viable 01:00.1
expect_module_loaded nvme
expect_no_kmsg 'pci function 0000:01:00\.[0-2]'
