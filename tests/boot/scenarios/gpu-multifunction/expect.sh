# shellcheck shell=sh
# The passthrough GPU and its audio function go to vfio-pci together; the
# boot VGA device keeps its host driver.
expect_same_group 01:00.0 01:00.1
expect_driver 01:00.0 vfio-pci
expect_driver 01:00.1 vfio-pci
expect_group_viable 01:00.0
expect_vfio_open 01:00.0
expect_boot_vga 00:01.0
expect_driver 00:01.0 bochs-drm
expect_not_vfio 00:01.0
expect_driver 00:06.0 pcieport
expect_module_loaded snd_hda_intel
expect_no_kmsg 'bochs-drm.*0000:01:00\.0'
expect_no_kmsg 'snd_hda_intel 0000:01:00\.1'
