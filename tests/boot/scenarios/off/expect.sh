# shellcheck shell=sh
# vfio.bind=off wins over every rule.
expect_no_vfio_anywhere
expect_no_override_anywhere
expect_driver 00:03.0 e1000
expect_driver 00:04.0 e1000
expect_kmsg 'vfiobind: .*off'
