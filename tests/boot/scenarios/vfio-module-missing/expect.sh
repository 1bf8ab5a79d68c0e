# shellcheck shell=sh
# Issue #15: a claim fails closed. vfio_pci does not load, so the NIC
# selected for a VM keeps its driver_override and stays without a driver:
# e1000, loaded at coldplug for its twin, never probes it.
expect_kmsg 'vfiobind: 0000:00:03\.0: module vfio_pci did not load: the device keeps driver_override=vfio-pci'
expect_module_not_loaded vfio_pci
expect_no_driver 00:03.0
expect_override 00:03.0 vfio-pci
expect_driver 00:04.0 e1000
expect_module_loaded e1000
expect_no_kmsg 'e1000 0000:00:03\.0'
