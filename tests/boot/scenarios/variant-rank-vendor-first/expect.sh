# shellcheck shell=sh
# Two vfio variants match the e1000 (8086:100e): vfio_test_vendor for every
# Intel device, listed first in modules.alias, and vfio_test_variant for
# the e1000 only. The more specific alias wins although it comes later in
# the file. The e1000e (8086:10d3) matches only the vendor-wide alias and
# gets that driver, so the loser is a working candidate, not a dead one.
alias=/lib/modules/$(uname -r)/modules.alias
vendor=$(grep -n -x 'alias vfio_pci:v00008086d\*sv\*sd\*bc\*sc\*i\* vfio_test_vendor' "$alias" | cut -d: -f1)
specific=$(grep -n -x 'alias vfio_pci:v00008086d0000100Esv\*sd\*bc\*sc\*i\* vfio_test_variant' "$alias" | cut -d: -f1)
expect_equal vendor-first "$([ "${vendor:-0}" -gt 0 ] && [ "${specific:-0}" -gt "${vendor:-0}" ] && echo vendor-first)" \
    "modules.alias lists the vendor-wide alias (line ${vendor:-none}) before the e1000 one (line ${specific:-none})"
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
