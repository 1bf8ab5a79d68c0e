# shellcheck shell=sh
# Only facts of the machine itself: must PASS with any binder.
expect_device 00:03.0
expect_driver 00:03.0 e1000
expect_module_loaded e1000
expect_kmsg 'e1000 0000:00:03\.0'
# The image's modprobe does what the binder and coldplug ask of it: module
# names with parameters, and modalias patterns.
expect_status 0 modprobe vfio_pci enable_sriov=1
expect_equal Y "$(cat /sys/module/vfio_pci/parameters/enable_sriov 2> /dev/null)" "vfio_pci got enable_sriov=1"
expect_status 0 modprobe -b 'pci:v00008086d000010D3sv00008086sd00000000bc02sc00i00'
expect_module_loaded e1000e
