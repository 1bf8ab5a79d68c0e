# shellcheck shell=sh
# vfiobind release: refused while a process holds the group open through
# vfio (nothing changes), then the NIC goes back to e1000.
expect_driver 00:03.0 vfio-pci
_g=$(basename "$(readlink /sys/bus/pci/devices/0000:00:03.0/iommu_group)")
exec 9<> "/dev/vfio/$_g"
expect_status 1 vfiobind release 0000:00:03.0
expect_kmsg "vfiobind: IOMMU group $_g \(0000:00:03\.0\) is in use by process [0-9]+"
expect_driver 00:03.0 vfio-pci
expect_override 00:03.0 vfio-pci
exec 9>&-
expect_status 0 vfiobind release --dry-run 0000:00:03.0
expect_driver 00:03.0 vfio-pci
expect_status 0 vfiobind release 0000:00:03.0
expect_driver 00:03.0 e1000
expect_no_override 00:03.0
expect_kmsg 'vfiobind: 0000:00:03\.0: released; host driver e1000 took it'
expect_kmsg 'e1000 0000:00:03\.0'
