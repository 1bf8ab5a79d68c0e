# shellcheck shell=sh
# A whole slot without domain: both functions behind the bridge.
expect_driver 01:01.0 vfio-pci
expect_driver 01:01.1 vfio-pci
expect_no_driver 00:05.0
expect_group_viable 01:01.1
expect_driver 00:03.0 e1000
expect_no_kmsg 'e1000 0000:01:01\.[01]'
