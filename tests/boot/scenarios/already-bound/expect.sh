# shellcheck shell=sh
# e1000 had 00:03.0 before the binder ran: the binder takes it over.
expect_kmsg 'e1000 0000:00:03\.0'
expect_kmsg 'vfiobind: .*0000:00:03\.0.*unbind'
expect_driver 00:03.0 vfio-pci
expect_driver 00:04.0 e1000
expect_group_viable 00:03.0
expect_vfio_open 00:03.0
