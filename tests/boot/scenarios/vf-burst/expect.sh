# shellcheck shell=sh
# Eight VFs made at once after boot, on a PF an SR-IOV rule selects: the
# kernel sends each VF's add event before it links the VF to its PF
# (physfn), so the udev gate must know these VFs without that link (by
# the VF device ID the PF announces). With a gate that followed physfn,
# udev's workers raced the kernel and left one to three of the eight
# unclaimed in one boot of three.
pf=/sys/bus/pci/devices/0000:01:00.0
expect_status 0 grep -q "ATTR{device}==\"0x$(printf %04x "0x$(cat $pf/sriov_vf_device)")\"" \
    /run/udev/rules.d/69-vfiobind.rules
echo 0 > $pf/sriov_drivers_autoprobe
echo 8 > $pf/sriov_numvfs
udevadm settle
vt_settle
expect_numvfs 01:00.0 8
expect_vfs_driver 01:00.0 vfio-pci

# a coldplug replay (udevadm trigger, as the real root's boot does) runs
# vfiobind for the PF: it keeps the eight VFs (the rule asks for 0, but a
# --device run only makes VFs on a PF that has none), and the VFs, held
# by their override, start nothing
udevadm trigger --action=add --subsystem-match=pci
udevadm settle
vt_settle
expect_numvfs 01:00.0 8
expect_vfs_driver 01:00.0 vfio-pci
expect_no_kmsg 'vfiobind: 0000:01:00\.0: SR-IOV disabled'
