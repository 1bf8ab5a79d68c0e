#!/bin/bash
# Boot-test image "dracut-shell": dracut with its shell init (no systemd);
# the binder runs from the module's pre-udev hook.
#
#   image-dracut-shell.sh OUT_INITRD SCENARIO_DIR
#
# Writes OUT_INITRD.cmdline with the arguments dracut needs.
# shellcheck source=tests/boot/image-dracut-common.sh
. "$(dirname "$0")/image-dracut-common.sh"
[[ $# == 2 ]] || boot_die "usage: $0 OUT_INITRD SCENARIO_DIR"
dracut_image shell "bash base rootfs-block kernel-modules udev-rules" "$1" "$2"
