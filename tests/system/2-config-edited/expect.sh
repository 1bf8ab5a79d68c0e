# shellcheck shell=sh
# The config gained 00:04.0 and two VFs of 01:00.0; the initramfs has the
# old one, so e1000 probed 00:04.0 during the boot. vfiobind.service
# applies the edited config: 00:04.0 and both VFs on vfio-pci, nvme never
# probing them, all of it before multi-user.target. (udev's per-device
# runs may claim the same devices first; on a loaded machine, with the
# unit disabled, they made the VFs only after multi-user.target.)
# shellcheck disable=SC1091 # installed next to this file
. /vfiobind-test/system.sh
expect_driver 00:03.0 vfio-pci
expect_no_kmsg 'e1000 0000:00:03\.0'
expect_kmsg 'e1000 0000:00:04\.0'
expect_driver 00:04.0 vfio-pci
expect_group_viable 00:04.0
expect_driver 01:00.0 nvme
expect_numvfs 01:00.0 2
expect_vfs_driver 01:00.0 vfio-pci
expect_no_kmsg 'pci function 0000:01:00\.[12]'
expect_vfio_open 01:00.1
expect_late_unit
