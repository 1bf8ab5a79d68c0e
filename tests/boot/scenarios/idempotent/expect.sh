# shellcheck shell=sh
# A second apply after coldplug (as the late run on the real root does)
# changes nothing: same drivers and overrides, VFs not re-created.
expect_driver 00:03.0 vfio-pci
expect_vfs_driver 01:00.0 vfio-pci
vf_added() { dmesg | grep -c 'pci 0000:01:00\.1: \['; }
added=$(vf_added)
vt_snapshot /tmp/idempotent.before
expect_status 0 /usr/sbin/vfiobind apply
vt_settle
expect_unchanged /tmp/idempotent.before
expect_equal "$added" "$(vf_added)" "VF 0000:01:00.1 added to the kernel only once"
expect_driver 01:00.0 nvme
