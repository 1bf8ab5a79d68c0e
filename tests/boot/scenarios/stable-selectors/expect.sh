# shellcheck shell=sh
# The second NIC claimed by its PCIe serial number: e1000e drives the first
# and never probed it.  On this kernel's sysfs the path, the slot and the
# guarded address select the same NIC, and pin turns its address into the
# serial number (stable-selectors-shifted: the same after a bus shift).
expect_driver 02:00.0 vfio-pci
expect_driver 01:00.0 e1000e
expect_module_loaded e1000e
expect_no_kmsg 'e1000e 0000:02:00\.0'
expect_kmsg 'e1000e 0000:01:00\.0'
expect_group_viable 02:00.0
for _item in path:0000:00:04.0/00.0 slot:2 0000:02:00.0@8086:10d3; do
    expect_output '^claim +0000:02:00\.0 +8086:10d3' \
        /usr/sbin/vfiobind plan --config /dev/null --cmdline "vfio.bind=$_item"
done
echo 'bind 0000:02:00.0 0000:01:00.0=host' > /tmp/pin.conf
expect_output '^bind serial:52-54-00-ff-ff-12-34-0b  # /tmp/pin.conf:1, was 0000:02:00\.0$' \
    /usr/sbin/vfiobind pin --config /tmp/pin.conf --cmdline ''
expect_output '^bind serial:52-54-00-ff-ff-12-34-0a=host  # /tmp/pin.conf:1, was 0000:01:00\.0=host$' \
    /usr/sbin/vfiobind pin --config /tmp/pin.conf --cmdline ''
