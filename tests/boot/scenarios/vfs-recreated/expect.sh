# shellcheck shell=sh
# VFs destroyed and made again after boot (as an admin or a firmware
# reset does): the PF keeps sriov_drivers_autoprobe at 0, so nvme never
# probes the new VFs, and the udev rule claims them.
expect_equal 0 "$(cat /sys/bus/pci/devices/0000:01:00.0/sriov_drivers_autoprobe)" "the PF's sriov_drivers_autoprobe"
echo 0 > /sys/bus/pci/devices/0000:01:00.0/sriov_numvfs
echo 2 > /sys/bus/pci/devices/0000:01:00.0/sriov_numvfs
udevadm settle
vt_settle
expect_driver 01:00.0 nvme
expect_numvfs 01:00.0 2
expect_vfs_driver 01:00.0 vfio-pci
expect_override 01:00.1 vfio-pci
expect_group_viable 01:00.1
expect_vfio_open 01:00.2
expect_no_kmsg 'pci function 0000:01:00\.[12]'
