#!/bin/bash
# Boot-test image: dracut with its shell init (no systemd), vfiobind run
# from the pre-udev hook.  Usage: image-dracut-shell.sh OUT_INITRD SCENARIO_DIR
. "$(dirname "$0")/image-dracut-common.sh"
[[ $# == 2 ]] || vbd_die "usage: $0 OUT_INITRD SCENARIO_DIR"
vbd_main shell "bash base rootfs-block kernel-modules udev-rules" "$1" "$2"
