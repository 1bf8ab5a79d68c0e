# shellcheck shell=sh
# Without IOMMU groups vfio-pci cannot work: a clear error, nothing claimed.
expect_kmsg 'vfiobind: .*IOMMU'
expect_no_vfio_anywhere
expect_no_override_anywhere
expect_driver 00:03.0 e1000
expect_driver 00:04.0 e1000
