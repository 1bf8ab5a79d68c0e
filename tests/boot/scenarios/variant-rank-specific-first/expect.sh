# shellcheck shell=sh
# variant-rank-vendor-first with the aliases the other way round: the
# e1000 alias of vfio_test_variant comes first in modules.alias, the
# vendor-wide one of vfio_test_vendor last. A binder that let the last
# match win would pass the other scenario and fail this one.
expect_equal "vfio_test_variant vfio_test_vendor" "$(vt_vfio_aliases 00:03.0 | grep vfio_test_ | tr '\n' ' ' | sed 's/ $//')" \
    "the image's module index lists the e1000 alias before the vendor-wide one"
expect_driver 00:03.0 vfio_test_variant
expect_driver 00:05.0 vfio_test_vendor
expect_no_kmsg 'e1000 0000:00:03\.0'
expect_no_kmsg 'e1000e 0000:00:05\.0'
expect_group_viable 00:03.0
expect_group_viable 00:05.0
expect_vfio_open 00:03.0
expect_vfio_open 00:05.0
