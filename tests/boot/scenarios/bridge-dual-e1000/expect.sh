# shellcheck shell=sh
# Claiming one port claims its group companion; the bridge is left alone.
expect_same_group 01:01.0 01:01.1 00:05.0
expect_driver 01:01.0 vfio-pci
expect_driver 01:01.1 vfio-pci
expect_no_driver 00:05.0
expect_no_override 00:05.0
expect_group_viable 01:01.0
expect_vfio_open 01:01.1
expect_driver 00:03.0 e1000
expect_module_loaded e1000
expect_no_kmsg 'e1000 0000:01:01\.[01]'
