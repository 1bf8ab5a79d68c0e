# shellcheck shell=sh
# After the shift (see stable-selectors-shifted), the physical slot still
# names the second NIC: claimed at 03:00.0, never probed by e1000e; the
# NVMe drive now at its old address keeps nvme.
expect_driver 03:00.0 vfio-pci
expect_driver 02:00.0 nvme
expect_driver 01:00.0 e1000e
expect_no_kmsg 'e1000e 0000:03:00\.0'
expect_kmsg 'e1000e 0000:01:00\.0'
expect_group_viable 03:00.0
