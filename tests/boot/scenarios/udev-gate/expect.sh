# shellcheck shell=sh
# The udev gate (/run/udev/rules.d/69-vfiobind.rules, written by the
# boot-time run) starts vfiobind only for devices a rule can concern.
# `udevadm test` runs the real udev's rules for a device without running
# their programs: it shows whether an add event would start vfiobind.
# A NIC by address, a NIC by topology path, a PF by address and its VFs
# by the VF device ID it announces; a NIC and a second PF no rule names.
gate=/run/udev/rules.d/69-vfiobind.rules

# expect_gate yes|no ADDR [ERE]: an add event for ADDR starts vfiobind
# or not; with ERE, under a copy of the gate without the lines matching
# it (in /etc/udev/rules.d, which udev reads before /run).
expect_gate() {
    vt_counted
    _a=$(vt_addr "$2")
    if [ -n "${3:-}" ]; then
        mkdir -p /etc/udev/rules.d
        grep -v -E -e "$3" "$gate" > /etc/udev/rules.d/69-vfiobind.rules
    fi
    if udevadm test --action=add "/sys/bus/pci/devices/$_a" 2>&1 |
        grep -q "vfiobind apply --device $_a"; then
        _got=yes
    else
        _got=no
    fi
    rm -f /etc/udev/rules.d/69-vfiobind.rules
    _what="udev starts vfiobind for $_a${3:+ (gate without /$3/)}"
    [ "$_got" = "$1" ] && { vt_pass "$_what: $_got"; return 0; }
    vt_fail "$_what: $_got, expected $1"
}
held='^DRIVER=='
groups='^TEST=="iommu_group/'

expect_status 0 test -s "$gate"
# the packaged rule sits in udev's own directory, below /run: a copy in
# /etc/udev/rules.d would come first and hide the gate
expect_status 1 test -e /etc/udev/rules.d/69-vfiobind.rules
expect_driver 00:03.0 vfio-pci
expect_driver 02:00.0 vfio-pci
expect_vfs_driver 01:00.0 vfio-pci
expect_status 0 grep -q 'TEST=="iommu_group/devices/0000:00:03.0"' "$gate"
# what the boot claimed is held by its override: a coldplug replay of it
# starts nothing; the PF keeps its native driver and is not held
expect_gate no 00:03.0
expect_gate no 02:00.0
expect_gate no 01:00.1
expect_gate yes 01:00.0
expect_gate no 00:04.0
expect_gate no 03:00.0
# the selectors, were those devices new
expect_gate yes 00:03.0 "$held"
expect_gate yes 02:00.0 "$held"
expect_gate yes 01:00.1 "$held"
expect_gate no 00:04.0 "$held"
expect_gate no 03:00.0 "$held"
# each selector's own line, without the group lines (which name the
# devices claimed now)
expect_gate yes 00:03.0 "$held|$groups"
expect_gate yes 02:00.0 "$held|$groups"
expect_gate yes 01:00.1 "$held|$groups"
expect_gate no 00:04.0 "$held|$groups"

# a VF the boot did not make (three where the rule asked for two): only
# vfiobind's run can claim it (the PF's autoprobe is 0), so the gate
# started it
echo 0 > /sys/bus/pci/devices/0000:01:00.0/sriov_numvfs
echo 3 > /sys/bus/pci/devices/0000:01:00.0/sriov_numvfs
udevadm settle
vt_settle
expect_driver 01:00.3 vfio-pci
expect_override 01:00.3 vfio-pci

# VFs on a PF no rule names (an operator's, autoprobe off as SR-IOV
# operators set it). The gate knows VFs by the VF device ID their PF
# announces: udev cannot follow a new VF's physfn link (the kernel makes
# it after the add event). This PF is of the same model, so its VFs
# start vfiobind, which leaves them alone; a PF of another model's VFs
# would not (no rule matches 1b36:0010 itself: see the PF above).
echo 0 > /sys/bus/pci/devices/0000:03:00.0/sriov_drivers_autoprobe
echo 2 > /sys/bus/pci/devices/0000:03:00.0/sriov_numvfs
udevadm settle
vt_settle
expect_numvfs 03:00.0 2
expect_gate yes 03:00.1
expect_no_override 03:00.1
expect_no_override 03:00.2
expect_no_driver 03:00.1

# a config edit and a full apply (the late unit's command) widen it
mkdir -p /etc
echo "bind 8086:100e" > /etc/vfiobind.conf
expect_status 0 vfiobind apply
expect_driver 00:04.0 vfio-pci
expect_gate yes 00:04.0 "$held|$groups"
expect_gate no 03:00.0

# vfio.bind=off removes it and the marker: nothing starts
expect_status 0 vfiobind --cmdline "vfio.bind=off" apply
expect_status 1 test -e "$gate"
expect_gate no 00:03.0
expect_gate no 01:00.1
