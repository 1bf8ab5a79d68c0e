# shellcheck shell=bash
# Host-side helpers shared by tests/boot/run, demo, record-fixture and
# image-minimal.sh (bash; sourced, never run).
#
# Environment understood (all optional):
#   KVER             guest kernel version (default: newest /lib/modules/V
#                    that has a /boot/vmlinuz-V)
#   KERNEL           guest kernel image (default: /boot/vmlinuz-$KVER)
#   VFIOBIND_BINARY  the binder to put in images (default: build/vfiobind)
#   QEMU             QEMU binary (default: qemu-system-x86_64)

boot_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck disable=SC2034 # used by the scripts that source this file
boot_dir=$boot_top/tests/boot
# shellcheck disable=SC2034
boot_build=$boot_top/build/boot

boot_die() {
    echo "${0##*/}: $*" >&2
    exit 1
}

# Sets and exports KVER and KERNEL, or says precisely what is missing.
boot_find_kernel() {
    local v newest=
    if [[ -z ${KVER:-} ]]; then
        for v in /lib/modules/*; do
            v=${v##*/}
            [[ -e /boot/vmlinuz-$v ]] || continue
            if [[ -z $newest ]] || [[ $(printf '%s\n%s\n' "$newest" "$v" | sort -V | tail -n1) == "$v" ]]; then
                newest=$v
            fi
        done
        [[ $newest ]] || boot_die "no guest kernel: need /boot/vmlinuz-V with /lib/modules/V (Debian package linux-image-amd64)"
        KVER=$newest
    fi
    KERNEL=${KERNEL:-/boot/vmlinuz-$KVER}
    [[ -r $KERNEL ]] || boot_die "kernel image $KERNEL is missing or unreadable (Debian package linux-image-amd64)"
    [[ -f /lib/modules/$KVER/modules.dep ]] || boot_die "no /lib/modules/$KVER/modules.dep (Debian package linux-image-$KVER)"
    export KVER KERNEL
}

# Every host tool a boot test needs, each with the Debian package that
# provides it; dies listing all that are missing.
boot_check_tools() {
    local missing=() t pkg
    QEMU=${QEMU:-qemu-system-x86_64}
    for t in "$QEMU:qemu-system-x86" busybox:busybox-static kmod:kmod cpio:cpio cc:build-essential \
        depmod:kmod timeout:coreutils flock:util-linux; do
        pkg=${t##*:}
        t=${t%:*}
        command -v "$t" > /dev/null 2>&1 || missing+=("$t (Debian package $pkg)")
    done
    if command -v busybox > /dev/null 2>&1 && ldd "$(command -v busybox)" > /dev/null 2>&1; then
        missing+=("a static busybox (Debian package busybox-static; $(command -v busybox) is dynamic)")
    fi
    if ((${#missing[@]})); then
        echo "${0##*/}: missing, install and retry:" >&2
        printf '  %s\n' "${missing[@]}" >&2
        exit 1
    fi
    export QEMU
}

# The machine every boot test runs on: q35 with an emulated VT-d unless the
# scenario asks for none. Prints one argument per line.
boot_qemu_base() {
    local noiommu=$1 mem=${2:-512}
    printf '%s\n' -machine q35,kernel-irqchip=split -m "$mem" -smp 1 \
        -display none -monitor none -no-reboot -nic none
    if [[ $noiommu != 1 ]]; then
        printf '%s\n' -device intel-iommu,intremap=on,caching-mode=on
    fi
}

# no_timer_check: under TCG on a loaded host the kernel's IO-APIC timer
# check can fail through the emulated interrupt remapping and panic before
# the initramfs runs ("timer doesn't work through Interrupt-remapped
# IO-APIC"); the check proves nothing about the binder.
boot_base_cmdline() {
    local noiommu=$1
    if [[ $noiommu == 1 ]]; then
        echo "console=ttyS0 panic=-1 no_timer_check intel_iommu=off"
    else
        echo "console=ttyS0 panic=-1 no_timer_check intel_iommu=on"
    fi
}

# A file of shell words (qemu, cmdline) as one line; '#' starts a comment.
boot_words() {
    [[ -f $1 ]] || return 0
    sed -e 's/#.*//' "$1" | tr '\n' ' ' | sed -e 's/  */ /g' -e 's/^ //' -e 's/ $//'
}

boot_hash() {
    sha256sum | cut -c1-16
}

# boot_qemu_argv NOIOMMU MEM INITRD CMDLINE [EXTRA...]: the whole QEMU
# command, into the array boot_argv. Serial port 0 (the console) is stdio.
boot_qemu_argv() {
    local noiommu=$1 mem=$2 initrd=$3 cmdline=$4
    shift 4
    mapfile -t boot_argv < <(boot_qemu_base "$noiommu" "$mem")
    boot_argv=("$QEMU" "${boot_argv[@]}" -kernel "$KERNEL" -initrd "$initrd"
        -append "$cmdline" -serial stdio "$@")
}

# Words as a shell would need them typed; plain words stay unquoted.
boot_quote() {
    local w quoted=()
    for w in "$@"; do
        if [[ $w =~ ^[][A-Za-z0-9_,.:=/+@%-]+$ ]]; then
            quoted+=("$w")
        else
            quoted+=("'${w//\'/\'\\\'\'}'")
        fi
    done
    echo "${quoted[*]}"
}

# The guest-side vfio probe (guest/vfio-check.c), built static once and
# shared by every image kind; parallel jobs each build to their own
# temporary name and rename, so none sees a half-written binary.
boot_vfio_check() {
    local bin=$boot_build/vfio-check src=$boot_dir/guest/vfio-check.c
    if [[ ! -x $bin || $src -nt $bin ]]; then
        "${CC:-cc}" -static -O2 -Wall -o "$bin.$BASHPID.tmp" "$src" \
            || boot_die "cannot build $bin (needs a C compiler with static libc: build-essential)"
        mv "$bin.$BASHPID.tmp" "$bin"
    fi
    echo "$bin"
}

# boot_keep_binary_indexes MODDIR: deletes the module indexes mkinitcpio
# deletes once its depmod has run (mkinitcpio v41, functions,
# install_modules(): rm modules.!(*.bin|devname|softdep)): kmod's binary
# indexes, modules.devname and modules.softdep stay.
boot_keep_binary_indexes() {
    local f
    for f in "$1"/modules.*; do
        case ${f##*/} in
            *.bin | modules.devname | modules.softdep) ;;
            *) rm -f "$f" ;;
        esac
    done
}

# boot_put_harness ROOT SCENARIO_DIR: the checker, the vfio probe and the
# scenario's files, as every image kind carries them under ROOT.
boot_put_harness() {
    local root=$1 scenario=$2 check_bin
    check_bin=$(boot_vfio_check)
    mkdir -p "$root/vfiobind-test"
    install -m 0644 "$boot_dir/guest/check.sh" "$scenario/expect.sh" "$root/vfiobind-test/"
    install -m 0755 "$check_bin" "$root/vfiobind-test/vfio-check"
    if [[ -f $scenario/pre-binder.sh ]]; then
        install -m 0644 "$scenario/pre-binder.sh" "$root/vfiobind-test/"
    fi
    if [[ -f $scenario/vfiobind.conf ]]; then
        install -D -m 0644 "$scenario/vfiobind.conf" "$root/etc/vfiobind.conf"
    fi
}
