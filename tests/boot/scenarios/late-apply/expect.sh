# shellcheck shell=sh
# No rule at boot; a config file added later and `vfiobind apply` (what
# vfiobind.service runs on the installed system) claim the NIC, taking it
# from e1000, without a reboot.
expect_driver 00:03.0 e1000
# No rule, no process: the boot's full run left no marker, so the udev
# rule starts no binder per device.
expect_status 1 test -e /run/vfiobind/rules
mkdir -p /etc
echo "bind 0000:00:03.0" > /etc/vfiobind.conf
expect_status 0 vfiobind apply
expect_driver 00:03.0 vfio-pci
expect_kmsg 'vfiobind: 0000:00:03\.0: unbinding from e1000'
expect_group_viable 00:03.0
expect_vfio_open 00:03.0
expect_driver 00:04.0 e1000
# The apply turned the udev rule on: the NIC found again by a rescan is
# claimed by the rule's apply --device.
expect_status 0 test -s /run/vfiobind/rules
echo 1 > /sys/bus/pci/devices/0000:00:03.0/remove
echo 1 > /sys/bus/pci/rescan
udevadm settle
vt_settle
expect_driver 00:03.0 vfio-pci
