# shellcheck shell=sh
# make bench: the twin-e1000 machine with one NIC claimed by address.
expect_driver 00:03.0 vfio-pci
expect_driver 00:04.0 e1000
