#!/bin/bash
# Shared by image-dracut-shell.sh and image-dracut-systemd.sh: build a
# dracut initramfs holding the real dracut-module/90vfiobind for one boot
# scenario.
#
# dracut is slow, so each flavour gets one cached base image under
# build/boot/, keyed on everything that goes into it. A scenario only adds
# a small uncompressed cpio behind it (the kernel unpacks every archive in
# turn, later files win): the test harness, the scenario's expectations and
# its /etc/vfiobind.conf.
#
# dracut reads its modules from $dracutbasedir/modules.d only, so the build
# runs from a private copy of /usr/lib/dracut made of symlinks plus our
# module; nothing is installed on the host.

set -euo pipefail

vbd_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
vbd_dracutdir=${DRACUT_BASEDIR:-/usr/lib/dracut}

# Drivers for the devices the scenarios put in QEMU; anything else stays out
# so the image builds and unpacks quickly.
vbd_drivers="e1000 e1000e igb igbvf nvme ahci snd-hda-intel bochs
    pci-stub pci-pf-stub vfio vfio-pci vfio_iommu_type1"

vbd_die() {
    echo "${0##*/}: $*" >&2
    exit 1
}

vbd_kver() {
    local v newest=
    if [[ ${KVER:-} ]]; then
        echo "$KVER"
        return
    fi
    for v in /lib/modules/*; do
        v=${v##*/}
        [[ -e /boot/vmlinuz-$v ]] || continue
        if [[ -z $newest ]] || [[ $(printf '%s\n%s\n' "$newest" "$v" | sort -V | tail -n1) == "$v" ]]; then
            newest=$v
        fi
    done
    [[ $newest ]] || vbd_die "no kernel: no /lib/modules/V with /boot/vmlinuz-V"
    echo "$newest"
}

# Everything the base image is made of, as one line per input.
vbd_base_inputs() {
    local flavour=$1 kver=$2 modules=$3
    echo "flavour $flavour kver $kver"
    echo "modules $modules"
    echo "drivers" $vbd_drivers
    echo "dracut $(dracut --version 2> /dev/null)"
    sha256sum "$VFIOBIND_BINARY" | cut -d' ' -f1
    (cd "$vbd_top" && find dracut-module/90vfiobind -type f -print0 | sort -z \
        | xargs -0 sha256sum)
    sha256sum "$vbd_top/tests/boot/image-dracut-common.sh" | cut -d' ' -f1
    stat -c '%Y %s' "/lib/modules/$kver/modules.dep"
}

vbd_build_base() {
    local flavour=$1 kver=$2 modules=$3 out=$4
    local tmp m
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/vfiobind-dracut.XXXXXX")
    # shellcheck disable=SC2064 # expand now: tmp is local
    trap "rm -rf '$tmp'" RETURN

    mkdir -p "$tmp/dracut/modules.d" "$tmp/conf.d" "$tmp/work"
    for m in "$vbd_dracutdir"/*; do
        [[ ${m##*/} == modules.d ]] && continue
        ln -s "$m" "$tmp/dracut/${m##*/}"
    done
    for m in "$vbd_dracutdir"/modules.d/*; do
        [[ ${m##*/} == ??vfiobind ]] && continue
        ln -s "$m" "$tmp/dracut/modules.d/${m##*/}"
    done
    cp -r "$vbd_top/dracut-module/90vfiobind" "$tmp/dracut/modules.d/"

    # No host configuration: /etc/dracut.conf.d must not change test images.
    # shellcheck disable=SC2086
    dracutbasedir="$tmp/dracut" VFIOBIND_BINARY="$VFIOBIND_BINARY" \
        dracut --quiet --force --conf /dev/null --confdir "$tmp/conf.d" \
        --tmpdir "$tmp/work" --kver "$kver" \
        --no-hostonly --no-hostonly-cmdline --no-early-microcode \
        --no-compress --reproducible \
        -m "$modules" --add vfiobind \
        --drivers "$(echo $vbd_drivers)" \
        "$out.tmp" >&2
    cpio -it --quiet < "$out.tmp" > "$out.list.tmp"
    grep -qx 'usr/sbin/vfiobind' "$out.list.tmp" \
        || vbd_die "dracut left vfiobind out of $out"
    mv "$out.list.tmp" "$out.list"
    mv "$out.tmp" "$out"
}

# Write one file of the harness into the scenario tree.
vbd_put() {
    local root=$1 path=$2 mode=$3
    mkdir -p "$root/$(dirname "$path")"
    cat > "$root/$path"
    chmod "$mode" "$root/$path"
}

# The shell init runs pre-udev hooks in name order (ours is 30), and
# initqueue/settled hooks only once coldplug has settled.
vbd_harness_shell() {
    local root=$1 scenario=$2
    if [[ -f $scenario/pre-binder.sh ]]; then
        vbd_put "$root" "$vbd_hookdir"/pre-udev/10-vfiobind-test-pre.sh 0755 <<'EOF'
#!/bin/sh
sh /vfiobind-test/pre-binder.sh
EOF
    fi
    vbd_put "$root" "$vbd_hookdir"/initqueue/settled/99-vfiobind-test.sh 0755 <<'EOF'
#!/bin/sh
. /vfiobind-test/lib.sh
udevadm settle
vfiobind_test_check
vfiobind_test_poweroff
EOF
}

# In a systemd initrd the initqueue runs only when jobs are queued: the
# test ends from a unit of its own instead.
vbd_harness_systemd() {
    local root=$1 scenario=$2 units=etc/systemd/system
    if [[ -f $scenario/pre-binder.sh ]]; then
        vbd_put "$root" $units/vfiobind-test-pre.service 0644 <<'EOF'
[Unit]
Description=vfiobind boot test: scenario setup before the binder
DefaultDependencies=no
Before=vfiobind.service systemd-udevd.service systemd-modules-load.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh /vfiobind-test/pre-binder.sh
StandardOutput=journal+console
EOF
        mkdir -p "$root/$units/sysinit.target.wants"
        ln -s ../vfiobind-test-pre.service "$root/$units/sysinit.target.wants/"
    fi
    vbd_put "$root" $units/vfiobind-test.service 0644 <<'EOF'
[Unit]
Description=vfiobind boot test: check after coldplug, then power off
DefaultDependencies=no
After=systemd-udev-trigger.service systemd-udevd.service vfiobind.service

[Service]
Type=oneshot
ExecStart=/bin/sh -c '. /vfiobind-test/lib.sh; udevadm settle; vfiobind_test_check > /dev/console 2>&1; vfiobind_test_poweroff'
EOF
    mkdir -p "$root/$units/sysinit.target.wants"
    ln -s ../vfiobind-test.service "$root/$units/sysinit.target.wants/"
}

# Files of the scenario tree not yet in the base image, parents first.
# Directories the base already has (some are symlinks, e.g. lib -> usr/lib)
# stay out: the kernel would replace a symlink by an empty directory.
vbd_cpio_list() {
    local root=$1 list=$2
    (cd "$root" && find . -mindepth 1 | sed 's|^\./||' | sort) | while read -r p; do
        if [[ -d $root/$p && ! -L $root/$p ]] && grep -qxF "$p" "$list"; then
            continue
        fi
        echo "$p"
    done
}

vbd_main() {
    local flavour=$1 modules=$2 out=$3 scenario=$4
    local kver base root

    [[ -d $scenario ]] || vbd_die "no scenario directory: $scenario"
    [[ -f $scenario/expect.sh ]] || vbd_die "$scenario has no expect.sh"
    VFIOBIND_BINARY=${VFIOBIND_BINARY:-$vbd_top/build/vfiobind}
    [[ -x $VFIOBIND_BINARY ]] || vbd_die "no binder at $VFIOBIND_BINARY (run make)"
    [[ -f $vbd_top/tests/boot/guest/check.sh ]] || vbd_die "no tests/boot/guest/check.sh"
    kver=$(vbd_kver)
    [[ -d /lib/modules/$kver ]] || vbd_die "no /lib/modules/$kver"

    mkdir -p "$vbd_top/build/boot"
    base=$vbd_top/build/boot/dracut-$flavour-$kver-$(vbd_base_inputs "$flavour" "$kver" "$modules" \
        | sha256sum | cut -c1-16).img
    (
        flock 9
        if [[ ! -f $base ]]; then
            rm -f "$vbd_top/build/boot/dracut-$flavour-"*
            echo "building dracut $flavour base image for $kver" >&2
            vbd_build_base "$flavour" "$kver" "$modules" "$base"
        fi
    ) 9> "$vbd_top/build/boot/.dracut-$flavour.lock"

    root=$(mktemp -d "${TMPDIR:-/tmp}/vfiobind-scenario.XXXXXX")
    # shellcheck disable=SC2064
    trap "rm -rf '$root'" EXIT
    mkdir -p "$root/vfiobind-test"
    cp "$vbd_top/tests/boot/guest/check.sh" "$scenario/expect.sh" "$root/vfiobind-test/"
    [[ -f $scenario/pre-binder.sh ]] && cp "$scenario/pre-binder.sh" "$root/vfiobind-test/"
    if [[ -f $scenario/vfiobind.conf ]]; then
        mkdir -p "$root/etc"
        cp "$scenario/vfiobind.conf" "$root/etc/vfiobind.conf"
    fi
    # dracut images carry few tools; busybox fills the gaps for check.sh
    # without shadowing the real ones (kmod's modprobe above all).
    mkdir -p "$root/vfiobind-test/bin"
    cp "$(command -v busybox)" "$root/vfiobind-test/bin/busybox"
    vbd_put "$root" vfiobind-test/lib.sh 0644 <<'EOF'
vfiobind_test_check() {
    [ -e /vfiobind-test/bin/sh ] || /vfiobind-test/bin/busybox --install -s /vfiobind-test/bin
    PATH="$PATH:/vfiobind-test/bin" sh /vfiobind-test/check.sh
}

# A console line can still sit in the UART when the power goes.
vfiobind_test_poweroff() {
    sleep 1
    echo o > /proc/sysrq-trigger
    sleep 10
}
EOF
    # /lib/dracut/hooks, but written through the real directory when the
    # image has lib -> usr/lib
    vbd_hookdir=lib/dracut/hooks
    grep -qx "usr/$vbd_hookdir" "$base.list" && vbd_hookdir=usr/$vbd_hookdir
    "vbd_harness_$flavour" "$root" "$scenario"

    cp "$base" "$out.tmp"
    vbd_cpio_list "$root" "$base.list" \
        | (cd "$root" && cpio -o -H newc -R 0:0 --quiet) >> "$out.tmp"
    mv "$out.tmp" "$out"
    # root= names a disk that never appears, so the boot never leaves the
    # initramfs; the test powers off, and a stuck boot still ends.
    echo "root=/dev/disk/by-id/vfiobind-test-none rd.shell=0 rd.emergency=poweroff rd.retry=30 rd.timeout=60" \
        > "$out.cmdline"
}
