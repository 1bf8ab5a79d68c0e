# shellcheck shell=sh
# vfio.bind= given twice: both rules apply.
expect_driver 00:03.0 vfio-pci
expect_driver 00:04.0 pci-stub
expect_no_kmsg 'e1000 0000:00:0[34]\.0'
