# shellcheck shell=sh
# Two vfio variants match the e1000 (8086:100e): vfio_test_vendor for every
# Intel device, listed first in modules.alias, and vfio_test_variant for
# the e1000 only. The more specific alias wins although it comes later in
# the file. The e1000e (8086:10d3) matches only the vendor-wide alias and
# gets that driver, so the loser is a working candidate, not a dead one.
expect_equal "vfio_test_vendor vfio_test_variant" "$(vt_vfio_aliases 00:03.0 | grep vfio_test_ | tr '\n' ' ' | sed 's/ $//')" \
    "the image's module index lists the vendor-wide alias before the e1000 one"
expect_driver 00:03.0 vfio_test_variant
expect_driver 00:05.0 vfio_test_vendor
expect_no_kmsg 'e1000 0000:00:03\.0'
expect_no_kmsg 'e1000e 0000:00:05\.0'
expect_group_viable 00:03.0
expect_group_viable 00:05.0
expect_vfio_open 00:03.0
expect_vfio_open 00:05.0
expect_kmsg 'vfio_test_variant 0000:00:03\.0: opened through vfio'
expect_kmsg 'vfio_test_vendor 0000:00:05\.0: opened through vfio'
