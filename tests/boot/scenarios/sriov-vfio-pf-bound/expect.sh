# shellcheck shell=sh
# PF taken from nvme by vfio-pci (enable_sriov=1); both VFs made and
# claimed; the takeover is logged once.
expect_driver 01:00.0 vfio-pci
expect_numvfs 01:00.0 2
expect_vfs_driver 01:00.0 vfio-pci
expect_group_viable 01:00.0
expect_group_viable 01:00.1
expect_kmsg 'vfiobind: 0000:01:00\.0: unbinding from nvme'
expect_no_kmsg 'vfiobind: .*unbinding from nvme failed'
expect_no_kmsg 'vfiobind: nothing to do'
