# shellcheck shell=sh
# vfiobind release of a PF whose VF a VM holds: the PF is on vfio-pci
# (pf=vfio-pci), and giving it back turns SR-IOV off, which removes the
# VFs and blocks in the kernel while one is in use. The holder keeps only
# the VF's anonymous device file (group and container files closed), as a
# VMM may. release refuses, names the holder and changes nothing; with
# --force it warns and goes ahead, and the PF reaches nvme once the
# holder lets go.
expect_driver 01:00.0 vfio-pci
expect_numvfs 01:00.0 2
$VT/vfio-check hold 0000:01:00.2 > "$VT_RUN/hold" 2>&1 &
_holder=$!
while kill -0 "$_holder" 2> /dev/null && ! grep -q holding "$VT_RUN/hold"; do
    sleep 0.1
done
cat "$VT_RUN/hold"
vt_snapshot "$VT_RUN/before"
expect_status 1 vfiobind release 0000:01:00.0
expect_kmsg "vfiobind: IOMMU group [0-9]+ \(0000:01:00\.0\): 0000:01:00\.2, in IOMMU group [0-9]+ of a VF of PF 0000:01:00\.0, is in use by process $_holder \(vfio-check\).*not released"
expect_status 1 vfiobind release 0000:01:00.2
expect_unchanged "$VT_RUN/before"
expect_driver 01:00.0 vfio-pci
expect_numvfs 01:00.0 2
# --force: a warning that names the holder, then the unbind waits in the
# kernel until the holder lets go, and the PF goes back to nvme.
vfiobind release --force 0000:01:00.0 &
_release=$!
_n=0
while [ $_n -lt 600 ] && ! dmesg | grep -q 'released anyway (--force)'; do
    sleep 0.1
    _n=$((_n + 1))
done
expect_kmsg "vfiobind: IOMMU group [0-9]+ \(0000:01:00\.0\): 0000:01:00\.2, .* is in use by process $_holder \(vfio-check\).*: released anyway \(--force\)"
kill "$_holder"
wait "$_release"
expect_equal 0 "$?" "exit status of release --force"
expect_driver 01:00.0 nvme
expect_numvfs 01:00.0 0
expect_kmsg 'vfiobind: 0000:01:00\.0: released; host driver nvme took it'
