# shellcheck shell=sh
# A target driver the kernel does not have: the plan says so from the
# module index (modules.dep, or modules.dep.bin alone in minimal-binindex),
# and the device is left alone.
expect_kmsg "vfiobind: .*unknown driver 'nosuchdrv'"
expect_no_override 00:03.0
expect_driver 00:03.0 e1000
expect_no_vfio_anywhere
