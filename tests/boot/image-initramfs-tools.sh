#!/bin/bash
# Boot-test image "initramfs-tools": Debian's own mkinitramfs, with the
# project's hook (initramfs-tools/hooks/vfiobind) and boot script
# (initramfs-tools/scripts/init-top/00-vfiobind), MODULES=most as Debian
# ships it, so udev's coldplug finds e1000, nvme and ahci in the image.
#
#   image-initramfs-tools.sh OUT_INITRD SCENARIO_DIR
#
# mkinitramfs runs with a private configuration directory (-d): the build
# machine's /etc/initramfs-tools is never read or written. With
# VFIOBIND_INITRAMFS_TOOLS=system the hook and script come from
# /usr/share/initramfs-tools, as a package installed them, instead of
# the source tree.
#
# The base image is built once per set of inputs and cached under
# build/boot/, uncompressed (see itools_uncompress); each scenario appends
# a small newc archive (the checker, expect.sh, pre-binder.sh,
# /etc/vfiobind.conf, test variant modules). The harness's own boot
# scripts are in the base, since the image's ORDER files are fixed there:
#   init-top/0-vfiobind-test-pre   runs pre-binder.sh, before the binder
#   init-premount/vfiobind-test    checks and powers off, after coldplug
# A scenario with a file "binder-after-udev" gets the boot script renamed
# so that it runs after init-top/udev, and no udev rule: the self-test
# shows the checks then fail.

set -euo pipefail
# shellcheck source=tests/boot/lib.sh
. "$(dirname "$0")/lib.sh"

[[ $# == 2 ]] || boot_die "usage: $0 OUT_INITRD SCENARIO_DIR"
out=$1
scenario=$2
source=${VFIOBIND_INITRAMFS_TOOLS:-tree}
late=0
[[ -e $scenario/binder-after-udev ]] && late=1

case $source in
    tree)
        hook=$boot_top/initramfs-tools/hooks/vfiobind
        script=$boot_top/initramfs-tools/scripts/init-top/00-vfiobind
        rules=$boot_top/udev/69-vfiobind.rules
        ;;
    system)
        hook=/usr/share/initramfs-tools/hooks/vfiobind
        script=/usr/share/initramfs-tools/scripts/init-top/00-vfiobind
        rules=/usr/lib/udev/rules.d/69-vfiobind.rules
        ;;
    *) boot_die "VFIOBIND_INITRAMFS_TOOLS is '$source', want tree or system" ;;
esac
# The self-test's late binder has no udev rule either: the rule's own
# apply --device during coldplug would otherwise shield the device.
[[ $late == 1 ]] && rules=$boot_build/no-udev-rule-for-a-late-binder

itools_base_inputs() {
    echo "kver $KVER source $source late $late"
    dpkg-query -W initramfs-tools udev busybox-static kmod 2> /dev/null || true
    sha256sum "$0" "$hook" "$script" "$VFIOBIND_BINARY" | cut -d' ' -f1
    if [[ -f $rules ]]; then sha256sum < "$rules"; fi
    stat -c '%Y %s' "/lib/modules/$KVER/modules.dep"
}

itools_put() {
    local path=$1
    mkdir -p "$(dirname "$path")"
    cat > "$path"
    chmod 0755 "$path"
}

# The image's scripts/init-top/ORDER must run the binder before udev (or,
# for the self-test, after it).
itools_check_order() {
    local base=$1 tmp order first
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/vfiobind-unmk.XXXXXX")
    unmkinitramfs "$base" "$tmp" || boot_die "unmkinitramfs cannot read $base"
    order=$(find "$tmp" -path '*/scripts/init-top/ORDER' | head -n 1)
    [[ $order ]] || boot_die "no scripts/init-top/ORDER in $base"
    first=$(grep -o -E '/scripts/init-top/(udev|00-vfiobind|zz-vfiobind) ' "$order" | head -n 1)
    [[ -x $(dirname "$order")/../../usr/sbin/vfiobind ]] \
        || boot_die "the hook left /usr/sbin/vfiobind out of $base"
    find "$tmp" -name 'e1000.ko*' | grep -q . || boot_die "MODULES=most left e1000 out of $base"
    rm -rf "$tmp"
    case $late:$first in
        0:'/scripts/init-top/00-vfiobind ' | 1:'/scripts/init-top/udev ') ;;
        *) boot_die "scripts/init-top/ORDER starts with '$first' (binder-after-udev=$late): $(tr '\n' ' ' < "$order")" ;;
    esac
}

# mkinitramfs has no COMPRESS=none, and under TCG the guest kernel takes
# about 6 s to gunzip the ~130 MB that MODULES=most makes, but under 1 s
# to unpack it plain. So the gzip stream mkinitramfs wrote is decompressed
# here: the same archive, byte for byte. An image that begins with an
# early (microcode) archive instead stays as it is.
itools_uncompress() {
    local img=$1
    [[ $(head -c 2 "$img" | od -An -tx1) == ' 1f 8b' ]] || {
        echo "note: $img does not start with a gzip stream; left compressed" >&2
        return 0
    }
    gzip -dc < "$img" > "$img.cpio" || boot_die "cannot gunzip $img"
    mv "$img.cpio" "$img"
}

itools_build_base() {
    local base=$1 conf
    conf=$(mktemp -d "${TMPDIR:-/tmp}/vfiobind-itools.XXXXXX")
    # shellcheck disable=SC2064 # expand now: conf is local
    trap "rm -rf '$conf'" RETURN

    mkdir -p "$conf/conf.d" "$conf/hooks" "$conf/scripts/init-top" "$conf/scripts/init-premount"
    cat > "$conf/initramfs.conf" << 'EOF'
MODULES=most
BUSYBOX=y
KEYMAP=n
COMPRESS=gzip
DEVICE=
NFSROOT=auto
RUNSIZE=10%
FSTYPE=auto
EOF
    echo "RESUME=none" > "$conf/conf.d/resume"
    # MODULES=most leaves display and sound drivers to the real root; users
    # who want them early list them here, as these do. init loads this
    # list after init-top, so after the binder too.
    printf '%s\n' bochs snd-hda-intel > "$conf/modules"
    if [[ $source == tree ]]; then
        install -m 0755 "$hook" "$conf/hooks/vfiobind"
        if [[ $late == 1 ]]; then
            install -m 0755 "$script" "$conf/scripts/init-top/zz-vfiobind"
        else
            install -m 0755 "$script" "$conf/scripts/init-top/00-vfiobind"
        fi
    elif [[ $late == 1 ]]; then
        boot_die "binder-after-udev needs the tree's boot script"
    fi
    itools_put "$conf/scripts/init-top/0-vfiobind-test-pre" << 'EOF'
#!/bin/sh
[ "$1" = prereqs ] && exit 0
[ -f /vfiobind-test/pre-binder.sh ] || exit 0
echo "vfiobind-test: running pre-binder.sh"
sh /vfiobind-test/pre-binder.sh
echo "vfiobind-test: pre-binder.sh exit status $?"
exit 0
EOF
    itools_put "$conf/scripts/init-premount/vfiobind-test" << 'EOF'
#!/bin/sh
[ "$1" = prereqs ] && exit 0
udevadm settle
sh /vfiobind-test/check.sh
sleep 1
echo o > /proc/sysrq-trigger
sleep 30
EOF
    VFIOBIND_BINARY=$VFIOBIND_BINARY VFIOBIND_UDEV_RULES=$rules mkinitramfs -d "$conf" -o "$base.tmp" "$KVER" >&2 \
        || boot_die "mkinitramfs failed"
    itools_check_order "$base.tmp"
    itools_uncompress "$base.tmp"
    # After a compressed archive the kernel takes the next one for a cpio
    # only at a 4-byte offset (else "invalid magic"); it skips NUL bytes.
    head -c $(((4 - $(stat -c %s "$base.tmp") % 4) % 4)) /dev/zero >> "$base.tmp"
    mv "$base.tmp" "$base"
}

boot_find_kernel
boot_check_tools
command -v mkinitramfs > /dev/null || boot_die "mkinitramfs not found (Debian package initramfs-tools)"
[[ -f $hook && -f $script ]] || boot_die "no $hook or $script"
[[ -d $scenario ]] || boot_die "no scenario directory: $scenario"
[[ -f $scenario/expect.sh ]] || boot_die "$scenario has no expect.sh"
VFIOBIND_BINARY=${VFIOBIND_BINARY:-$boot_top/build/vfiobind}
[[ -x $VFIOBIND_BINARY ]] || boot_die "no binder at $VFIOBIND_BINARY (run make)"

mkdir -p "$boot_build"
base=$boot_build/itools-$source-$late-$KVER-$(itools_base_inputs | boot_hash).img
(
    flock 9
    if [[ ! -f $base ]]; then
        rm -f "$boot_build/itools-$source-$late-"*.img
        echo "building the initramfs-tools base image for $KVER" >&2
        itools_build_base "$base"
    fi
    cp "$base" "$out.tmp"
) 9> "$boot_build/.itools.lock"
overlay=$(mktemp -d "${TMPDIR:-/tmp}/vfiobind-overlay.XXXXXX")
trap 'rm -rf "$overlay"' EXIT
boot_put_harness "$overlay" "$scenario"
"$boot_dir/variant/add-modules.sh" "$scenario" "$base" "$overlay"
# /etc is in the base: the kernel's unpacker would not create a parent
# directory, so vfiobind-test/ goes in as one.
(cd "$overlay" && find . -mindepth 1 ! -path ./etc | sed 's|^\./||' | LC_ALL=C sort \
    | cpio -o -H newc -R 0:0 --quiet) >> "$out.tmp"
mv "$out.tmp" "$out"
# No root=: the boot stays in the initramfs until the checker powers off
# (init-premount runs before any wait for a root device); a stuck one
# ends in initramfs-tools' panic, which panic=-1 turns into a reboot and
# QEMU's -no-reboot into an exit.
rm -f "$out.cmdline"
