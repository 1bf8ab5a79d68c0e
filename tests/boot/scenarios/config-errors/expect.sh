# shellcheck shell=sh
# A bad config line is reported with file:line:column and does not hide
# the good one.
expect_kmsg "vfiobind: .*/etc/vfiobind.conf:2:1: .*frobnicate"
expect_driver 00:03.0 vfio-pci
expect_driver 00:04.0 e1000
