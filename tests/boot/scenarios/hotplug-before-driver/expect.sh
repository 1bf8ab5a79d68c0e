# shellcheck shell=sh
# An e1000e appears after coldplug while its driver is not loaded: the
# udev rule (69) sets its override before 80-drivers.rules loads e1000e,
# so e1000e never probes it.
expect_module_not_loaded e1000e
echo 1 > /sys/bus/pci/rescan
udevadm settle
vt_settle
expect_driver 00:05.0 vfio-pci
expect_override 00:05.0 vfio-pci
expect_no_kmsg 'e1000e 0000:00:05\.0'
expect_group_viable 00:05.0
expect_vfio_open 00:05.0
expect_driver 00:03.0 e1000
