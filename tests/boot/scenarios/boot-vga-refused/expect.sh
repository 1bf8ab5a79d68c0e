# shellcheck shell=sh
# Claiming the boot VGA device without +allow-boot-vga is refused (vfio-pci
# would remove the console's framebuffer); the other GPU is still claimed.
expect_boot_vga 00:01.0
expect_kmsg 'vfiobind: .*0000:00:01\.0.*refused'
expect_driver 00:01.0 bochs-drm
expect_not_vfio 00:01.0
expect_driver 01:00.0 vfio-pci
expect_driver 01:00.1 vfio-pci
