# shellcheck shell=sh
# Issue #15: udev runs apply --device for the four functions of a slot in
# parallel (it orders only parents and children), and a full apply may
# run meanwhile. Before the run lock, cycles ended with the group back
# on e1000, split, or without overrides (here 5 of 15 with two vCPUs).
# Every cycle must end with the whole group on vfio-pci, every override
# set, and no group given back.
F='0000:01:01.0 0000:01:01.1 0000:01:01.2 0000:01:01.3'
expect_same_group 01:01.0 01:01.1 01:01.2 01:01.3

# cycle N [apply]: remove the slot, rescan (with a full apply racing it),
# wait for udev's runs, then judge every function.
cycle() {
    for a in 0000:01:01.3 0000:01:01.2 0000:01:01.1 0000:01:01.0; do
        echo 1 > "/sys/bus/pci/devices/$a/remove"
    done
    if [ "$2" = apply ]; then
        echo 1 > /sys/bus/pci/rescan &
        vfiobind apply > /dev/null 2>&1 &
        wait
    else
        echo 1 > /sys/bus/pci/rescan
    fi
    udevadm settle --timeout=120
    bad=
    for a in $F; do
        d=$(vt_driver "$a")
        o=$(vt_override "$a")
        [ "$d" = vfio-pci ] && [ "$o" = vfio-pci ] || bad="$bad $a:${d:-none}/${o:-none}"
    done
    vt_counted
    if [ -n "$bad" ]; then
        vt_fail "cycle $1${2:+ with apply}:$bad"
    else
        vt_pass "cycle $1${2:+ with apply}: all four on vfio-pci, overridden"
    fi
}

n=1
while [ $n -le 20 ]; do cycle "$n"; n=$((n + 1)); done
while [ $n -le 30 ]; do cycle "$n" apply; n=$((n + 1)); done

expect_group_viable 01:01.0
expect_no_kmsg 'vfiobind: .*(given back|giving back|failed)'
expect_driver 00:03.0 e1000
