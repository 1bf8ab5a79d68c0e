# shellcheck shell=sh
# make bench: 127 nvme VFs made after boot, timed from the sriov_numvfs
# write to the end of `udevadm settle`, with the udev rule and a rule that
# claims them, with the rule and no matching rule, without the rule
# (/run/vfiobind/rules removed); and a coldplug (trigger + settle) of the
# same machine, with and without the rule. Numbers only, no timing check.
pf=/sys/bus/pci/devices/0000:01:00.0
nvfs=$(cat $pf/sriov_totalvfs)
echo 0 > $pf/sriov_drivers_autoprobe

now() { cut -d' ' -f1 /proc/uptime; }
# mark NAME START: the ms since START, on the console for tests/bench/run
mark() { echo "vfiobind-bench: $1 $(awk -v a="$2" -v b="$(now)" 'BEGIN { printf "%d", (b - a) * 1000 }') ms"; }
make_vfs() {
    t0=$(now)
    echo "$nvfs" > $pf/sriov_numvfs
    udevadm settle --timeout=600
    mark "vfs-$1" "$t0"
}
coldplug() {
    t0=$(now)
    udevadm trigger --action=add --subsystem-match=pci
    udevadm settle --timeout=600
    mark "coldplug-$1" "$t0"
}
drop_vfs() {
    echo 0 > $pf/sriov_numvfs
    udevadm settle --timeout=600
}

# in force: the edit, a full apply, udev told to read its rules again
use_config() {
    echo "$1" > /etc/vfiobind.conf
    vfiobind apply > /dev/null 2>&1
    udevadm control --reload
}

expect_equal 127 "$nvfs" "the PF's sriov_totalvfs"
expect_status 0 test -s /run/vfiobind/rules
expect_status 0 test -s /run/udev/rules.d/69-vfiobind.rules
make_vfs claim
expect_numvfs 01:00.0 127
expect_vfs_driver 01:00.0 vfio-pci
# one udev run for a claimed VF, by hand, against the same program doing
# nothing but print its help: what a run costs beyond starting
t0=$(now)
vfiobind apply --device 0000:01:00.1 > /dev/null 2>&1
mark run-claimed-vf "$t0"
t0=$(now)
vfiobind --help > /dev/null 2>&1
mark run-help "$t0"
coldplug rule
drop_vfs
# rule + no match against no rule, three rounds in turn: the medians
# are compared (one pair differs by a few per cent from run to run)
round=1
while [ $round -le 3 ]; do
    use_config "bind 10de:ffff"
    make_vfs no-match
    expect_no_driver 01:00.1
    drop_vfs
    use_config ""
    make_vfs no-rule
    expect_no_driver 01:00.1
    drop_vfs
    round=$((round + 1))
done
expect_status 1 test -e /run/vfiobind/rules
expect_status 1 test -e /run/udev/rules.d/69-vfiobind.rules
echo "$nvfs" > $pf/sriov_numvfs
udevadm settle --timeout=600
coldplug no-rule
expect_no_driver 01:00.1
