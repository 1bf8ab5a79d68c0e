# shellcheck shell=sh
# A claimed NIC removed and found again by a rescan comes back as a new
# device: e1000 is loaded (it drives the twin), so the kernel binds it at
# once, before udev runs any rule. The udev rule's apply --device takes
# it over: override, unbind, probe, verify, and says so.
echo 1 > /sys/bus/pci/devices/0000:00:03.0/remove
echo 1 > /sys/bus/pci/rescan
udevadm settle
vt_settle
expect_driver 00:03.0 vfio-pci
expect_override 00:03.0 vfio-pci
expect_kmsg 'vfiobind: 0000:00:03\.0: unbinding from e1000'
expect_group_viable 00:03.0
expect_vfio_open 00:03.0
expect_driver 00:04.0 e1000
# The udev run recorded its claim beside the boot's state.json. Without
# state.json, release (no selector) finds the NIC by that record alone.
expect_status 0 test -s /run/vfiobind/device-0000:00:03.0.json
rm -f /run/vfiobind/state.json
expect_status 0 vfiobind release
expect_driver 00:03.0 e1000
expect_no_override 00:03.0
