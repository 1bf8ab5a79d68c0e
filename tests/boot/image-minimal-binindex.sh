#!/bin/bash
# Boot-test image "minimal-binindex": the minimal image with only the
# module indexes mkinitcpio leaves in its images (modules.*.bin,
# modules.devname, modules.softdep); see image-minimal.sh.
#
#   image-minimal-binindex.sh OUT_INITRD SCENARIO_DIR
VFIOBIND_MINIMAL_INDEXES=binary exec "$(dirname "$0")/image-minimal.sh" "$@"
