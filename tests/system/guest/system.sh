# shellcheck shell=sh
# Checks of the installed system for the system test's expect.sh files
# (sourced; check.sh's helpers are defined). Evidence from systemd's and
# the kernel's records, never from the binder's.

# The bindings of the devices the rules name (both NICs, the NVMe PF and
# its VFs) and the PF's VF count. Other devices are not the binder's: the
# boot VGA device, for one, gets bochs-drm whenever udev gets to it.
vt_rule_devices_state() {
    vt_binding_state | grep -E '^0000:(00:0[34]|01:00)\.'
    cat /sys/bus/pci/devices/0000:01:00.0/sriov_numvfs
}

# expect_late_unit: vfiobind.service is enabled, its apply exited 0 and it
# was active before multi-user.target was reached; the rules' devices were
# bound as now when vfiobind-test-early.service recorded them, just before
# multi-user.target.
expect_late_unit() {
    _u=vfiobind.service
    expect_equal enabled "$(systemctl is-enabled $_u 2>&1)" "$_u enabled"
    expect_equal active "$(systemctl show -P ActiveState $_u)" "$_u state"
    # The unit's ExecStart ignores failure ("-"): the exit status is the truth.
    expect_equal 0 "$(systemctl show -P ExecMainStatus $_u)" "$_u: vfiobind apply's exit status"
    _t_unit=$(systemctl show -P ActiveEnterTimestampMonotonic $_u)
    _t_target=$(systemctl show -P ActiveEnterTimestampMonotonic multi-user.target)
    vt_counted
    if [ "${_t_unit:-0}" -gt 0 ] && [ "$_t_unit" -lt "${_t_target:-0}" ]; then
        vt_pass "$_u active at ${_t_unit} us, multi-user.target at ${_t_target} us"
    else
        vt_fail "$_u active at '${_t_unit}' us, not before multi-user.target ('${_t_target}' us)"
    fi
    vt_counted
    vt_rule_devices_state > "$VT_RUN/rule-devices"
    if cmp -s /run/vfiobind-test-early "$VT_RUN/rule-devices"; then
        vt_pass "the rules' devices were bound so before multi-user.target"
    else
        echo "vfiobind-test: before multi-user.target / now:"
        diff /run/vfiobind-test-early "$VT_RUN/rule-devices"
        vt_fail "the rules' devices changed after multi-user.target: $(diff /run/vfiobind-test-early "$VT_RUN/rule-devices" | grep '^[<>]' | tr '\n' ' ')"
    fi
}

# vt_kmsg_time ERE: the time (s) of the first kernel log line matching ERE.
vt_kmsg_time() {
    dmesg | grep -E -m 1 "$1" | sed -n 's/^\[ *\([0-9.]*\)\].*/\1/p'
}

# expect_in_initramfs ERE: the first kernel log line matching ERE came
# before systemd started on the root file system.
expect_in_initramfs() {
    vt_counted
    _t=$(vt_kmsg_time "$1")
    _root=$(vt_kmsg_time 'systemd\[1\]: .*running in system mode')
    if [ -n "$_t" ] && [ -n "$_root" ] && awk "BEGIN { exit !($_t < $_root) }"; then
        vt_pass "'$1' at ${_t} s, in the initramfs (systemd on the root at ${_root} s)"
    else
        vt_fail "'$1' at '${_t}' s, not before systemd on the root ('${_root}' s)"
    fi
}
