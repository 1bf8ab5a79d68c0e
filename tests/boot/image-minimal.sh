#!/bin/bash
# Boot-test image "minimal": busybox-static, kmod's modprobe, the guest
# kernel's modules for the scenarios' devices, and the binder.
#
#   image-minimal.sh OUT_INITRD SCENARIO_DIR
#
# The base (everything but the scenario) is built once per set of inputs
# and cached under build/boot/; each image is the base with a small newc
# archive appended (the kernel unpacks them in turn, later files win):
# /init, the checker, the scenario's files, /usr/sbin/vfiobind and the
# mkinitcpio runtime hook /hooks/vfiobind that /init runs it from.
#
# SCENARIO_DIR holds expect.sh [pre-binder.sh] [vfiobind.conf], or, for
# tests/boot/record-fixture, record.conf [record-run.sh] (no binder then).
#
# VFIOBIND_MINIMAL_INDEXES=binary (image-minimal-binindex.sh, the kind
# minimal-binindex) builds the image the way mkinitcpio leaves its module
# indexes: after depmod, every one but modules.*.bin, modules.devname and
# modules.softdep is deleted (boot_keep_binary_indexes), and the checker
# is told to verify that (/vfiobind-test/binary-indexes-only).

set -euo pipefail
# shellcheck source=tests/boot/lib.sh
. "$(dirname "$0")/lib.sh"

[[ $# == 2 ]] || boot_die "usage: $0 OUT_INITRD SCENARIO_DIR"
out=$1
scenario=$2
binary_indexes=0
[[ ${VFIOBIND_MINIMAL_INDEXES:-} == binary ]] && binary_indexes=1
base_name=minimal
((binary_indexes == 0)) || base_name=minimal-binindex

# Native drivers of every device the scenarios use, the vfio stack and the
# stubs; modprobe adds their dependencies.
minimal_modules=(vfio vfio_iommu_type1 vfio-pci vfio-pci-core vfio_virqfd irqbypass
    pci-stub pci-pf-stub e1000 e1000e nvme ahci snd-hda-intel snd-hda-codec-generic
    bochs i2c-i801 lpc_ich)

# The .ko files (absolute host paths) the modules above need, host
# modprobe configuration ignored.
minimal_module_files() {
    local m
    for m in "${minimal_modules[@]}"; do
        modprobe --config /dev/null -S "$KVER" --show-depends "$m" \
            || boot_die "module $m missing from /lib/modules/$KVER"
    done | awk '$1 == "insmod" { print $2 }' | sort -u
}

minimal_base_inputs() {
    echo "kver $KVER"
    echo "modules ${minimal_modules[*]}"
    echo "binary indexes only $binary_indexes"
    sha256sum "$0" "$(command -v busybox)" "$(command -v kmod)" | cut -d' ' -f1
    stat -c '%Y %s' "/lib/modules/$KVER/modules.dep"
}

# Copies a dynamic executable and the shared libraries it loads.
minimal_copy_with_libs() {
    local root=$1 exe=$2 lib
    install -D -m 0755 "$exe" "$root$exe"
    for lib in $(ldd "$exe" | awk '/=> \// { print $3 } /^\t\// { print $1 }'); do
        [[ -e $root$lib ]] || install -D -m 0755 "$lib" "$root$lib"
    done
}

minimal_build_base() {
    local base=$1 root a f rel
    root=$(mktemp -d "${TMPDIR:-/tmp}/vfiobind-minimal.XXXXXX")
    # shellcheck disable=SC2064 # expand now: root is local
    trap "rm -rf '$root'" RETURN

    mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,run,tmp,root,var}
    install -m 0755 "$(command -v busybox)" "$root/bin/busybox"
    for a in $(busybox --list); do
        case $a in
            busybox | modprobe | insmod | rmmod | lsmod | modinfo | depmod) ;;
            *) ln -s busybox "$root/bin/$a" ;;
        esac
    done
    minimal_copy_with_libs "$root" "$(readlink -f "$(command -v kmod)")"
    [[ -e $root/bin/kmod ]] || ln -s "$(readlink -f "$(command -v kmod)")" "$root/bin/kmod"
    for a in modprobe insmod rmmod lsmod modinfo depmod; do
        ln -s ../bin/kmod "$root/sbin/$a"
    done
    mknod -m 0600 "$root/dev/console" c 5 1
    mknod -m 0666 "$root/dev/null" c 1 3

    mkdir -p "$root/lib/modules/$KVER"
    for f in $(minimal_module_files); do
        rel=${f#/lib/modules/"$KVER"/}
        [[ $rel != "$f" ]] || boot_die "unexpected module path $f"
        install -D -m 0644 "$f" "$root/lib/modules/$KVER/$rel"
    done
    for f in modules.order modules.builtin modules.builtin.modinfo; do
        cp "/lib/modules/$KVER/$f" "$root/lib/modules/$KVER/"
    done
    depmod -b "$root" "$KVER"
    if ((binary_indexes)); then
        boot_keep_binary_indexes "$root/lib/modules/$KVER"
    fi

    (cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) > "$base.tmp"
    mv "$base.tmp" "$base"
}

boot_find_kernel
boot_check_tools
[[ -d $scenario ]] || boot_die "no scenario directory: $scenario"
record=0
[[ -f $scenario/record.conf ]] && record=1
if [[ $record == 0 ]]; then
    [[ -f $scenario/expect.sh ]] || boot_die "$scenario has no expect.sh"
    VFIOBIND_BINARY=${VFIOBIND_BINARY:-$boot_top/build/vfiobind}
    [[ -x $VFIOBIND_BINARY ]] || boot_die "no binder at $VFIOBIND_BINARY (run make)"
fi

mkdir -p "$boot_build"
base=$boot_build/$base_name-$KVER-$(minimal_base_inputs | boot_hash).cpio
(
    flock 9
    if [[ ! -f $base ]]; then
        rm -f "$boot_build/$base_name-"[0-9]*.cpio
        echo "building the $base_name base image for $KVER" >&2
        minimal_build_base "$base"
    fi
    cp "$base" "$out.tmp"
) 9> "$boot_build/.minimal.lock"
overlay=$(mktemp -d "${TMPDIR:-/tmp}/vfiobind-overlay.XXXXXX")
trap 'rm -rf "$overlay"' EXIT
mkdir -p "$overlay/vfiobind-test" "$overlay/etc" "$overlay/usr/sbin"
install -m 0755 "$boot_dir/guest/init-minimal" "$overlay/init"
if [[ $record == 1 ]]; then
    install -m 0644 "$boot_dir/guest/check.sh" "$boot_dir/guest/record.sh" \
        "$scenario/record.conf" "$overlay/vfiobind-test/"
    install -m 0755 "$(boot_vfio_check)" "$overlay/vfiobind-test/vfio-check"
    [[ -f $scenario/record-run.sh ]] && install -m 0644 "$scenario/record-run.sh" "$overlay/vfiobind-test/"
else
    boot_put_harness "$overlay" "$scenario"
    install -m 0755 "$VFIOBIND_BINARY" "$overlay/usr/sbin/vfiobind"
    install -D -m 0644 "$boot_top/mkinitcpio/hooks/vfiobind" "$overlay/hooks/vfiobind"
    if ((binary_indexes)); then
        : > "$overlay/vfiobind-test/binary-indexes-only"
    fi
fi
"$boot_dir/variant/add-modules.sh" "$scenario" "$out.tmp" "$overlay"

(cd "$overlay" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >> "$out.tmp"
mv "$out.tmp" "$out"
rm -f "$out.cmdline"
