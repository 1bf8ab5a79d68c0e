# shellcheck shell=sh
# A device a built-in driver took before the initramfs: the binder unbinds
# it and hands it to vfio-pci; the twin stays with the built-in driver.
expect_kmsg '0000:00:05\.0: ttyS[0-9]+ at'
expect_kmsg 'vfiobind: .*0000:00:05\.0.*unbind'
expect_driver 00:05.0 vfio-pci
expect_driver 00:06.0 serial
expect_group_viable 00:05.0
expect_vfio_open 00:05.0
