#!/bin/bash
# Boot-test image "dracut-systemd": dracut as a systemd initrd; the binder
# runs from the module's vfiobind.service.
#
#   image-dracut-systemd.sh OUT_INITRD SCENARIO_DIR
#
# Writes OUT_INITRD.cmdline with the arguments dracut needs.
# shellcheck source=tests/boot/image-dracut-common.sh
. "$(dirname "$0")/image-dracut-common.sh"
[[ $# == 2 ]] || boot_die "usage: $0 OUT_INITRD SCENARIO_DIR"
# systemd-modules-load as in distribution initrds: modules-load.d and
# rd.modules-load= load native drivers early, and vfiobind.service must
# come first.
dracut_image systemd "bash systemd systemd-initrd systemd-modules-load dracut-systemd base rootfs-block kernel-modules udev-rules" "$1" "$2"
