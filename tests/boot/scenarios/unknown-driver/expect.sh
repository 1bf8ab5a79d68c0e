# shellcheck shell=sh
# A target driver the kernel does not have: said so, device left alone.
expect_kmsg "vfiobind: .*nosuchdrv"
expect_no_override 00:03.0
expect_driver 00:03.0 e1000
expect_no_vfio_anywhere
