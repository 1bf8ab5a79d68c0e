#!/bin/bash
# Shared by image-dracut-shell.sh and image-dracut-systemd.sh (sourced):
# a dracut initramfs holding the real dracut-module/90vfiobind, for one boot
# scenario.
#
# A dracut run takes seconds and every scenario would repeat it, so each
# flavour gets one base image cached under build/boot/, keyed on everything
# that goes into it. A scenario only adds
# a small newc archive behind it (the kernel unpacks every archive in turn,
# later files win): the test harness, the checker, the scenario's files and
# its /etc/vfiobind.conf. The base is built uncompressed: the kernel did not
# unpack an archive appended to a zstd-compressed one (seen), and under TCG
# decompressing costs more than it saves.
#
# dracut reads modules from $dracutbasedir/modules.d only, so it runs from
# a private tree of symlinks to /usr/lib/dracut plus a copy of our module:
# nothing is installed on the host, and its /etc/dracut.conf* are ignored.

set -euo pipefail
# shellcheck source=tests/boot/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

dracut_libdir=${DRACUT_LIBDIR:-/usr/lib/dracut}

# Drivers for the devices the scenarios give QEMU; nothing else goes in,
# which keeps the build and the boot short.
dracut_drivers=(e1000 e1000e igb igbvf nvme ahci snd-hda-intel snd-hda-codec-generic bochs
    i2c-i801 lpc_ich
    pci-stub pci-pf-stub vfio vfio-pci vfio_iommu_type1)

# Everything the base image is made of.
dracut_base_inputs() {
    local flavour=$1 modules=$2
    echo "flavour $flavour kver $KVER"
    echo "modules $modules"
    echo "drivers ${dracut_drivers[*]}"
    dracut --version 2> /dev/null || true
    sha256sum "$VFIOBIND_BINARY" "${BASH_SOURCE[0]}" | cut -d' ' -f1
    (cd "$boot_top" && find dracut-module/90vfiobind udev -type f -print0 | LC_ALL=C sort -z \
        | xargs -0 sha256sum)
    stat -c '%Y %s' "/lib/modules/$KVER/modules.dep"
}

dracut_build_base() {
    local modules=$1 initrd=$2 tmp m
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/vfiobind-dracut.XXXXXX")
    # shellcheck disable=SC2064 # expand now: tmp is local
    trap "rm -rf '$tmp'" RETURN

    mkdir -p "$tmp/dracut/modules.d" "$tmp/conf.d" "$tmp/work"
    for m in "$dracut_libdir"/*; do
        [[ ${m##*/} == modules.d ]] || ln -s "$m" "$tmp/dracut/"
    done
    for m in "$dracut_libdir"/modules.d/*; do
        [[ ${m##*/} == ??vfiobind ]] || ln -s "$m" "$tmp/dracut/modules.d/"
    done
    cp -r "$boot_top/dracut-module/90vfiobind" "$tmp/dracut/modules.d/"

    # The module takes the binder from VFIOBIND_BINARY (default
    # /usr/sbin/vfiobind) and --add is how users name it.
    dracutbasedir="$tmp/dracut" VFIOBIND_BINARY="$VFIOBIND_BINARY" \
        VFIOBIND_UDEV_RULES="$boot_top/udev/69-vfiobind.rules" \
        dracut --quiet --force --conf /dev/null --confdir "$tmp/conf.d" \
        --tmpdir "$tmp/work" --kver "$KVER" \
        --no-hostonly --no-hostonly-cmdline --no-early-microcode \
        --no-compress --reproducible \
        -m "$modules" --add vfiobind --drivers "${dracut_drivers[*]}" \
        "$initrd.tmp" >&2 || boot_die "dracut failed"
    cpio -it --quiet < "$initrd.tmp" > "$initrd.list"
    grep -qx usr/sbin/vfiobind "$initrd.list" || boot_die "dracut left vfiobind out of $initrd"
    mv "$initrd.tmp" "$initrd"
}

# Writes one harness file (stdin) into the scenario tree.
dracut_put() {
    local root=$1 path=$2 mode=$3
    mkdir -p "$root/$(dirname "$path")"
    cat > "$root/$path"
    chmod "$mode" "$root/$path"
}

# Shell init: pre-udev hooks run in name order (the binder's is 30), and
# initqueue/settled hooks once coldplug has settled.
dracut_harness_shell() {
    local root=$1 scenario=$2 hooks=$3
    if [[ -f $scenario/pre-binder.sh ]]; then
        dracut_put "$root" "$hooks/pre-udev/10-vfiobind-test-pre.sh" 0755 <<'EOF'
#!/bin/sh
sh /vfiobind-test/pre-binder.sh
EOF
    fi
    dracut_put "$root" "$hooks/initqueue/settled/99-vfiobind-test.sh" 0755 <<'EOF'
#!/bin/sh
. /vfiobind-test/lib.sh
udevadm settle
vfiobind_test_check
vfiobind_test_poweroff
EOF
}

# systemd initrd: the initqueue runs only when jobs are queued, so the test
# ends from a unit of its own.
dracut_harness_systemd() {
    local root=$1 scenario=$2 units=etc/systemd/system
    mkdir -p "$root/$units/sysinit.target.wants"
    if [[ -f $scenario/pre-binder.sh ]]; then
        dracut_put "$root" $units/vfiobind-test-pre.service 0644 <<'EOF'
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
        ln -s ../vfiobind-test-pre.service "$root/$units/sysinit.target.wants/"
    fi
    dracut_put "$root" $units/vfiobind-test.service 0644 <<'EOF'
[Unit]
Description=vfiobind boot test: check after coldplug, then power off
DefaultDependencies=no
After=systemd-udev-trigger.service systemd-udevd.service vfiobind.service

# Owning the console keeps systemd's status lines out of the checker's.
[Service]
Type=oneshot
StandardOutput=tty
StandardError=tty
TTYPath=/dev/console
ExecStart=/bin/sh -c '. /vfiobind-test/lib.sh; udevadm settle; vfiobind_test_check; vfiobind_test_poweroff'
EOF
    ln -s ../vfiobind-test.service "$root/$units/sysinit.target.wants/"
}

# The scenario tree's paths, parents first, less the directories the base
# already has: some of those are symlinks (lib -> usr/lib), and the kernel
# replaces a symlink with an empty directory of the same name.
dracut_cpio_list() {
    local root=$1 list=$2 p
    (cd "$root" && find . -mindepth 1 | sed 's|^\./||' | LC_ALL=C sort) | while read -r p; do
        if [[ -d $root/$p && ! -L $root/$p ]] && grep -qxF "$p" "$list"; then
            continue
        fi
        echo "$p"
    done
}

# dracut_image FLAVOUR DRACUT_MODULES OUT_INITRD SCENARIO_DIR
dracut_image() {
    local flavour=$1 modules=$2 initrd=$3 scenario=$4
    local base root hooks

    boot_find_kernel
    boot_check_tools
    command -v dracut > /dev/null || boot_die "dracut not found (Debian package dracut-core)"
    [[ -d $scenario ]] || boot_die "no scenario directory: $scenario"
    [[ -f $scenario/expect.sh ]] || boot_die "$scenario has no expect.sh"
    VFIOBIND_BINARY=${VFIOBIND_BINARY:-$boot_top/build/vfiobind}
    [[ -x $VFIOBIND_BINARY ]] || boot_die "no binder at $VFIOBIND_BINARY (run make)"

    mkdir -p "$boot_build"
    base=$boot_build/dracut-$flavour-$KVER-$(dracut_base_inputs "$flavour" "$modules" | boot_hash).img
    (
        flock 9
        if [[ ! -f $base ]]; then
            rm -f "$boot_build/dracut-$flavour-"*.img "$boot_build/dracut-$flavour-"*.img.list
            echo "building the dracut $flavour base image for $KVER" >&2
            dracut_build_base "$modules" "$base"
        fi
    ) 9> "$boot_build/.dracut-$flavour.lock"

    root=$(mktemp -d "${TMPDIR:-/tmp}/vfiobind-scenario.XXXXXX")
    # shellcheck disable=SC2064 # expand now: root is local
    trap "rm -rf '$root'" EXIT
    mkdir -p "$root/vfiobind-test/bin"
    boot_put_harness "$root" "$scenario"
    # dracut images carry few tools; busybox fills the gaps for the checker
    # without shadowing the real ones (kmod's modprobe above all) on PATH.
    # The checker runs in busybox's ash, as in the other kinds, with its
    # applets first (Debian's static busybox prefers them): under TCG each
    # command substitution costs bash (dracut's sh) tens of milliseconds
    # and ash a few, 15 to 30 s a boot. pre-binder.sh, the binder and the
    # udev rule still run in what the image has.
    install -m 0755 "$(command -v busybox)" "$root/vfiobind-test/bin/busybox"
    dracut_put "$root" vfiobind-test/lib.sh 0644 <<'EOF'
vfiobind_test_check() {
    [ -e /vfiobind-test/bin/sh ] || /vfiobind-test/bin/busybox --install -s /vfiobind-test/bin
    PATH="$PATH:/vfiobind-test/bin" /vfiobind-test/bin/busybox sh /vfiobind-test/check.sh
}

# Lets the last console line leave the UART before the power goes; the
# image has no poweroff of its own in the shell flavour.
vfiobind_test_poweroff() {
    sleep 1
    echo o > /proc/sysrq-trigger
    sleep 30
}
EOF
    hooks=lib/dracut/hooks
    grep -qx "usr/$hooks" "$base.list" && hooks=usr/$hooks
    case $flavour in
        shell) dracut_harness_shell "$root" "$scenario" "$hooks" ;;
        systemd) dracut_harness_systemd "$root" "$scenario" ;;
    esac
    "$boot_dir/variant/add-modules.sh" "$scenario" "$base" "$root"

    cp "$base" "$initrd.tmp"
    dracut_cpio_list "$root" "$base.list" \
        | (cd "$root" && cpio -o -H newc -R 0:0 --quiet) >> "$initrd.tmp"
    mv "$initrd.tmp" "$initrd"
    # root= names a disk that never appears, so the boot stays in the
    # initramfs until the test powers off; a stuck one still ends by itself
    # (shell: rd.retry, systemd: rd.timeout, then poweroff or panic). The
    # systemd timer runs while the checker does (its settle alone may take
    # 30 s), so it is generous, yet shorter than the runner's timeout.
    echo "root=/dev/disk/by-id/vfiobind-test-none rd.shell=0 rd.emergency=poweroff rd.retry=10 rd.timeout=90" \
        > "$initrd.cmdline"
}
