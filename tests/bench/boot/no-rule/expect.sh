# shellcheck shell=sh
# make bench: the same machine and image without a rule.
expect_no_vfio_anywhere
expect_driver 00:03.0 e1000
expect_driver 00:04.0 e1000
