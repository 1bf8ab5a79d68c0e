# shellcheck shell=sh
# +allow-group opts in to claiming the SMBus together with the AHCI
# controller in its group: the whole group is usable by vfio.
expect_driver 00:1f.3 vfio-pci
expect_driver 00:1f.2 vfio-pci
expect_group_viable 00:1f.3
expect_vfio_open 00:1f.2
expect_no_kmsg 'ahci 0000:00:1f\.2'
expect_driver 00:03.0 e1000
