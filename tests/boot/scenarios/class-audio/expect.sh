# shellcheck shell=sh
# A class selector (HD audio) picks 01:00.1; its group brings the GPU
# function 01:00.0 along. The boot VGA is in no audio device's group.
expect_driver 01:00.1 vfio-pci
expect_driver 01:00.0 vfio-pci
expect_group_viable 01:00.1
expect_driver 00:01.0 bochs-drm
expect_no_kmsg 'snd_hda_intel 0000:01:00\.1'
