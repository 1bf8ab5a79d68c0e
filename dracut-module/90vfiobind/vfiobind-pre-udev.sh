#!/bin/sh
# Sourced by dracut's init before udevd starts: claim devices for vfio
# before coldplug loads native drivers. A failed rule must not stop the
# boot: the binder has logged the reason to the kernel log.
#
# Nor may a sysfs write that blocks in the kernel (a stuck probe, a PF
# that never finishes creating VFs): after VFIOBIND_TIMEOUT seconds (120,
# the same bound as vfiobind.service's TimeoutStartSec) the boot goes on
# and the binder is left to finish or not. No signal could free a process
# stuck in the kernel anyway. VFIOBIND and VFIOBIND_TIMEOUT are for tests.
vfiobind_apply() {
    _vb_bound=${VFIOBIND_TIMEOUT:-120}
    _vb_ticks=$((_vb_bound * 10))
    "${VFIOBIND:-/usr/sbin/vfiobind}" apply &
    _vb_pid=$!
    while kill -0 "$_vb_pid" 2> /dev/null; do
        if [ "$_vb_ticks" -le 0 ]; then
            warn "vfiobind: still running after $_vb_bound s; boot continues without it, see 'dmesg | grep vfiobind'"
            return 0
        fi
        sleep 0.1
        _vb_ticks=$((_vb_ticks - 1))
    done
    if ! wait "$_vb_pid"; then
        warn "vfiobind: some rules failed, see 'dmesg | grep vfiobind'; boot continues"
    fi
}
vfiobind_apply
unset -f vfiobind_apply
unset _vb_bound _vb_ticks _vb_pid
