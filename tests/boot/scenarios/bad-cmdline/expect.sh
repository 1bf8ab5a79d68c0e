# shellcheck shell=sh
# A bad item is reported by name and does not hide the good one.
expect_kmsg "vfiobind: .*'zz:garbage'"
expect_driver 00:03.0 vfio-pci
expect_driver 00:04.0 e1000
# Reported once, by the full run: the udev rule's per-device runs (where
# the image has it) leave input errors to the full runs.
expect_equal 1 "$(dmesg | grep -c "vfiobind: .*'zz:garbage'")" "kernel-log lines naming the bad item"
