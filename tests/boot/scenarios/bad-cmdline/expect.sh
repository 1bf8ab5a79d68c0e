# shellcheck shell=sh
# A bad item is reported by name and does not hide the good one.
expect_kmsg "vfiobind: .*'zz:garbage'"
expect_driver 00:03.0 vfio-pci
expect_driver 00:04.0 e1000
