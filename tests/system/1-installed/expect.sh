# shellcheck shell=sh
# The .deb installed, the initramfs built by its trigger: 00:03.0 is
# claimed in the initramfs and e1000 never probes it; the late unit is
# enabled and ran.
# shellcheck disable=SC1091 # installed next to this file
. /vfiobind-test/system.sh
expect_driver 00:03.0 vfio-pci
expect_no_kmsg 'e1000 0000:00:03\.0'
expect_group_viable 00:03.0
expect_vfio_open 00:03.0
expect_driver 00:04.0 e1000
expect_driver 01:00.0 nvme
expect_numvfs 01:00.0 0
expect_late_unit
