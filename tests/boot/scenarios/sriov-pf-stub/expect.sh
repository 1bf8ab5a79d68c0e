# shellcheck shell=sh
# PF given to pci-pf-stub (no host nvme driver at all), VFs to vfio-pci.
expect_driver 01:00.0 pci-pf-stub
expect_numvfs 01:00.0 2
expect_vfs_driver 01:00.0 vfio-pci
expect_group_viable 01:00.1
expect_vfio_open 01:00.2
expect_module_loaded nvme
expect_no_kmsg 'pci function 0000:01:00\.[0-2]'
