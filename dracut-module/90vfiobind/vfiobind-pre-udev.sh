#!/bin/sh
# Sourced by dracut's init before udevd starts: claim devices for vfio
# before coldplug loads native drivers. A failed rule must not stop the
# boot: the binder has logged the reason to the kernel log.
#
# Nor may a sysfs write that blocks in the kernel (a stuck probe, a PF
# that never finishes creating VFs): the binder returns after
# VFIOBIND_TIMEOUT seconds (120, the same bound as vfiobind.service's
# TimeoutStartSec) and leaves the stuck run behind; it returns the moment
# the run ends, with no polling interval. VFIOBIND and VFIOBIND_TIMEOUT
# are for tests.
if ! "${VFIOBIND:-/usr/sbin/vfiobind}" apply --timeout "${VFIOBIND_TIMEOUT:-120}"; then
    warn "vfiobind: not every rule holds (or the run timed out), see 'dmesg | grep vfiobind'; boot continues"
fi
