# shellcheck shell=sh
# A vendor:device selector takes every e1000; the driver is loaded by
# coldplug but probes none of them.
expect_driver 00:03.0 vfio-pci
expect_driver 00:04.0 vfio-pci
expect_module_loaded e1000
expect_no_kmsg 'e1000 0000:00:0[34]\.0'
expect_group_viable 00:04.0
expect_not_vfio 00:01.0
expect_driver 00:1f.2 ahci
