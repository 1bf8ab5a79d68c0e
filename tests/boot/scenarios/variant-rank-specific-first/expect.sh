# shellcheck shell=sh
# variant-rank-vendor-first with the aliases the other way round: the
# e1000 alias of vfio_test_variant comes first in modules.alias, the
# vendor-wide one of vfio_test_vendor last. A binder that let the last
# match win would pass the other scenario and fail this one.
alias=/lib/modules/$(uname -r)/modules.alias
vendor=$(grep -n -x 'alias vfio_pci:v00008086d\*sv\*sd\*bc\*sc\*i\* vfio_test_vendor' "$alias" | cut -d: -f1)
specific=$(grep -n -x 'alias vfio_pci:v00008086d0000100Esv\*sd\*bc\*sc\*i\* vfio_test_variant' "$alias" | cut -d: -f1)
expect_equal specific-first "$([ "${specific:-0}" -gt 0 ] && [ "${vendor:-0}" -gt "${specific:-0}" ] && echo specific-first)" \
    "modules.alias lists the e1000 alias (line ${specific:-none}) before the vendor-wide one (line ${vendor:-none})"
expect_driver 00:03.0 vfio_test_variant
expect_driver 00:05.0 vfio_test_vendor
expect_no_kmsg 'e1000 0000:00:03\.0'
expect_no_kmsg 'e1000e 0000:00:05\.0'
expect_group_viable 00:03.0
expect_group_viable 00:05.0
expect_vfio_open 00:03.0
expect_vfio_open 00:05.0
