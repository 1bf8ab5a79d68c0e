# shellcheck shell=sh
# Two identical e1000 NICs, one claimed by address: only that one goes to
# vfio-pci; e1000 drives its twin and never probed the claimed one.
expect_driver 00:03.0 vfio-pci
expect_override 00:03.0 vfio-pci
expect_driver 00:04.0 e1000
expect_module_loaded e1000
expect_no_kmsg 'e1000 0000:00:03\.0'
expect_kmsg 'e1000 0000:00:04\.0'
expect_group_viable 00:03.0
expect_vfio_open 00:03.0
expect_not_vfio 00:01.0
