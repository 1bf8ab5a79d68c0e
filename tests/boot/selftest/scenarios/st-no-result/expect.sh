# shellcheck shell=sh
expect_device 00:00.0
