#!/bin/bash
# Puts the test vfio variant modules a scenario asks for into its image.
#
#   tests/boot/variant/add-modules.sh SCENARIO_DIR BASE_CPIO OVERLAY_ROOT
#
# SCENARIO_DIR/variants names modules of this directory (vfio_test_variant,
# vfio_test_vendor), in the order their aliases must have in the image's
# modules.alias; without that file this does nothing. BASE_CPIO is the
# image the overlay goes behind (a newc archive, plain or gzip-compressed);
# OVERLAY_ROOT is the tree that becomes the archive appended to it.
#
# The modules are built once per kernel with Kbuild (M=) in a copy of this
# directory under build/boot/, against /lib/modules/$KVER/build (Debian
# package linux-headers-amd64; KDIR overrides). The base's own module tree
# is unpacked into a temporary directory, the modules go to its
# updates/vfiobind-test/ and the end of its modules.order (depmod writes
# modules.alias in modules.order order), depmod runs there, and the
# modules plus every modules.* file that changed land in OVERLAY_ROOT at
# the path the base uses (lib/modules or usr/lib/modules): later archives
# win when the kernel unpacks the initramfs. Nothing outside build/ and the
# temporary directory is written; the host's /lib/modules stays as it is.
#
# A base without a text modules.alias (the minimal-binindex kind) is
# finished as mkinitcpio finishes an image (functions, install_modules()):
# modules.builtin, modules.builtin.modinfo and modules.order come from the
# host's module directory, depmod runs, and every index but the .bin
# files, modules.devname and modules.softdep is deleted again.

set -euo pipefail
# shellcheck source=tests/boot/lib.sh
. "$(dirname "$0")/../lib.sh"

[[ $# == 3 ]] || boot_die "usage: $0 SCENARIO_DIR BASE_CPIO OVERLAY_ROOT"
scenario=$1
base=$2
overlay=$3
[[ -f $scenario/variants ]] || exit 0

src=$boot_dir/variant
read -r -a wanted <<< "$(boot_words "$scenario/variants")"
((${#wanted[@]})) || boot_die "$scenario/variants names no module"
for m in "${wanted[@]}"; do
    [[ -f $src/$m.c ]] || boot_die "$scenario/variants: no test module $m ($src/$m.c)"
done

boot_find_kernel
kdir=${KDIR:-/lib/modules/$KVER/build}
[[ -f $kdir/Makefile ]] || boot_die "no kernel headers for $KVER at $kdir (Debian package linux-headers-amd64, matching linux-image-amd64)"

# Builds every module of this directory for KVER into $out, unless the
# copy there was built from these sources and headers. Parallel image
# builds share it.
variant_build() {
    local out=$1 stamp
    stamp=$({ echo "$kdir"; cat "$kdir/Module.symvers" "$src"/Kbuild "$src"/*.c; } | boot_hash)
    [[ -f $out/.built && $(cat "$out/.built") == "$stamp" ]] && return 0
    rm -rf "$out"
    mkdir -p "$out"
    cp "$src"/Kbuild "$src"/*.c "$out/"
    echo "building the test vfio variant modules for $KVER" >&2
    # Run from 'make check', MAKEFLAGS would hand the project's command-line
    # variables (CC=clang, V=, O=) to Kbuild; the kernel's own settings rule.
    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$kdir" M="$out" modules \
        > "$out/build.log" 2>&1 || {
        cat "$out/build.log" >&2
        boot_die "building the test variant modules in $out failed"
    }
    echo "$stamp" > "$out/.built"
}

mods=$boot_build/variant-$KVER
mkdir -p "$boot_build"
(
    flock 9
    variant_build "$mods"
) 9> "$boot_build/.variant.lock"

# The base's newc archive: gzip (initramfs-tools) or plain (the others).
base_archive() {
    if [[ $(head -c 2 "$base" | od -An -tx1) == ' 1f 8b' ]]; then
        gzip -dc < "$base"
    else
        cat "$base"
    fi
}

# awk reads to the end: an early exit would fail cpio, and the pipeline.
moddir=$(base_archive | cpio -it --quiet | awk -v k="$KVER" \
    '!found && ($0 == "lib/modules/" k "/modules.dep.bin" || $0 == "usr/lib/modules/" k "/modules.dep.bin") { print; found = 1 }')
[[ $moddir ]] || boot_die "$base has no lib/modules/$KVER/modules.dep.bin"
moddir=${moddir%/modules.dep.bin}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vfiobind-variant.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
base_archive | (cd "$tmp" && cpio -id --quiet "$moddir/*")
mkdir -p "$tmp/orig" "$tmp/$moddir/updates/vfiobind-test"
cp -p "$tmp/$moddir"/modules.* "$tmp/orig/"
binary_only=0
if [[ ! -f $tmp/$moddir/modules.alias ]]; then
    binary_only=1
    cp "/lib/modules/$KVER"/modules.{builtin,builtin.modinfo,order} "$tmp/$moddir/"
fi
for m in "${wanted[@]}"; do
    install -m 0644 "$mods/$m.ko" "$tmp/$moddir/updates/vfiobind-test/"
    # as modules_install INSTALL_MOD_STRIP=1 does: 11 KiB instead of 300
    strip --strip-debug "$tmp/$moddir/updates/vfiobind-test/$m.ko"
    echo "updates/vfiobind-test/$m.ko" >> "$tmp/$moddir/modules.order"
done
depmod -b "$tmp/${moddir%lib/modules/"$KVER"}" "$KVER"
for m in "${wanted[@]}"; do
    grep -q "^alias vfio_pci:.* $m\$" "$tmp/$moddir/modules.alias" \
        || boot_die "depmod wrote no vfio_pci alias for $m"
done
if ((binary_only)); then
    boot_keep_binary_indexes "$tmp/$moddir"
fi

mkdir -p "$overlay/$moddir/updates/vfiobind-test"
cp "$tmp/$moddir/updates/vfiobind-test"/*.ko "$overlay/$moddir/updates/vfiobind-test/"
for f in "$tmp/$moddir"/modules.*; do
    cmp -s "$f" "$tmp/orig/${f##*/}" || install -m 0644 "$f" "$overlay/$moddir/"
done
