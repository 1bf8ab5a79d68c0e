# shellcheck shell=sh
# After the shift: the guarded address refuses the NVMe drive that moved
# to 02:00.0 (it keeps nvme, and the kernel log names both IDs); the path
# follows the NIC to 03:00.0, which e1000e never probed.  The serial
# number and the slot select the same NIC, and the form pin printed before
# the shift (stable-selectors) still names it.
expect_driver 02:00.0 nvme
expect_no_override 02:00.0
expect_kmsg "vfiobind: vfio.bind item '0000:02:00\.0@8086:10d3': 0000:02:00\.0 is 1b36:0010, not 8086:10d3"
expect_driver 03:00.0 vfio-pci
expect_driver 01:00.0 e1000e
expect_no_kmsg 'e1000e 0000:03:00\.0'
expect_kmsg 'e1000e 0000:01:00\.0'
expect_group_viable 03:00.0
for _item in serial:52-54-00-ff-ff-12-34-0b slot:2 path:0000:00:04.0/00.0@8086:10d3; do
    expect_output '^claim +0000:03:00\.0 +8086:10d3' \
        /usr/sbin/vfiobind plan --config /dev/null --cmdline "vfio.bind=$_item"
done
expect_output "0000:02:00\.0 is 1b36:0010, not 8086:10d3" \
    /usr/sbin/vfiobind plan --config /dev/null --cmdline 'vfio.bind=0000:02:00.0@8086:10d3'
echo 'bind 0000:02:00.0' > /tmp/pin.conf
expect_output '^bind path:0000:00:03\.0/00\.0@1b36:0010  # /tmp/pin.conf:1, was 0000:02:00\.0$' \
    /usr/sbin/vfiobind pin --config /tmp/pin.conf --cmdline ''
