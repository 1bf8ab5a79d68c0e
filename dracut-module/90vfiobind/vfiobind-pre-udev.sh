#!/bin/sh
# Sourced by dracut's init before udevd starts: claim devices for vfio
# before coldplug loads native drivers. A failed rule must not stop the
# boot: the binder has logged the reason to the kernel log.
if ! /usr/sbin/vfiobind apply; then
    warn "vfiobind: some rules failed, see 'dmesg | grep vfiobind'; boot continues"
fi
