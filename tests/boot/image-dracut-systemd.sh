#!/bin/bash
# Boot-test image: dracut as a systemd initrd, vfiobind run from its own
# vfiobind.service.  Usage: image-dracut-systemd.sh OUT_INITRD SCENARIO_DIR
. "$(dirname "$0")/image-dracut-common.sh"
[[ $# == 2 ]] || vbd_die "usage: $0 OUT_INITRD SCENARIO_DIR"
vbd_main systemd "bash systemd systemd-initrd dracut-systemd base rootfs-block kernel-modules udev-rules" "$1" "$2"
