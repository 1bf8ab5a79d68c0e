# shellcheck shell=sh
# The rd. spelling works and does not reach module vfio as a parameter.
expect_driver 00:04.0 vfio-pci
expect_driver 00:03.0 e1000
expect_no_kmsg 'e1000 0000:00:04\.0'
expect_no_kmsg "vfio: unknown parameter"
expect_vfio_open 00:04.0
