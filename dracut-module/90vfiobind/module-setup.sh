#!/bin/bash
# shellcheck disable=SC2154 # dracut sets moddir, initdir, kernel and the rest
# dracut module: run vfiobind before udev coldplug so native drivers never
# see the PCI devices (and SR-IOV functions) reserved for vfio.

# The binder the image gets as /usr/sbin/vfiobind. Tests point
# VFIOBIND_BINARY at an uninstalled build.
vfiobind_binary() {
    echo "${VFIOBIND_BINARY:-/usr/sbin/vfiobind}"
}

vfiobind_has_config() {
    local _f
    [[ -e $dracutsysrootdir/etc/vfiobind.conf ]] && return 0
    for _f in "$dracutsysrootdir"/etc/vfiobind.d/*.conf; do
        [[ -s $_f ]] && return 0
    done
    return 1
}

# 255, not 1, when nothing is configured: dracut then leaves the module out
# by default but still honours --add vfiobind / add_dracutmodules+=.
check() {
    [[ -x $dracutsysrootdir$(vfiobind_binary) ]] || return 1
    vfiobind_has_config && return 0
    if [[ $hostonly ]] \
        && grep -Eq '(^|[[:space:]])(rd\.)?vfio\.(bind|sriov)=' /proc/cmdline 2> /dev/null; then
        return 0
    fi
    return 255
}

depends() {
    return 0
}

# The modules the binder loads at boot, as "vfiobind modules" lists them
# for the target kernel: the vfio core, the variants and native SR-IOV PF
# drivers the rules need on this host, or every variant for a generic
# image. What the kernel lacks is reported, never fatal: the binder
# leaves such devices alone at boot. Forced even in host-only mode,
# where they are usually not loaded on the host yet.
installkernel() {
    local _line _mods=() _args=(--kver "$kernel")

    [[ $hostonly ]] || _args+=(--all)
    # Another machine's image: this host's devices say nothing about it.
    [[ $dracutsysrootdir ]] && _args+=(--root "$dracutsysrootdir" --all)
    while IFS= read -r _line; do
        case $_line in
            'vfiobind: warning:'* | 'vfiobind: error:'*) dwarn "$_line" ;;
            vfiobind:*) dinfo "$_line" ;;
            ?*) _mods+=("$_line") ;;
        esac
    done < <("$dracutsysrootdir$(vfiobind_binary)" "${_args[@]}" modules 2>&1)
    ((${#_mods[@]})) && hostonly='' instmods "${_mods[@]}"
    return 0
}

install() {
    inst_binary "$(vfiobind_binary)" /usr/sbin/vfiobind
    inst_multiple modprobe
    inst_multiple -o /etc/vfiobind.conf "/etc/vfiobind.d/*.conf"
    # Devices that appear while the initramfs runs. The rule stays in
    # udev's own directory, as on the host, so that the gate the binder
    # writes in /run/udev/rules.d replaces it; inst_rules would put a rule
    # given by path (tests point VFIOBIND_UDEV_RULES at the source tree's)
    # into /etc/udev/rules.d, which comes before /run.
    if [[ ${VFIOBIND_UDEV_RULES:-} ]]; then
        inst_simple "$VFIOBIND_UDEV_RULES" "${udevdir}/rules.d/69-vfiobind.rules"
    else
        inst_rules 69-vfiobind.rules
    fi

    # Exactly one way to run it per image: the systemd unit orders itself
    # before systemd-modules-load as well, which dracut-pre-udev.service
    # does not.
    if dracut_module_included "systemd"; then
        inst_simple "$moddir/vfiobind.service" "$systemdsystemunitdir/vfiobind.service"
        $SYSTEMCTL -q --root "$initdir" enable vfiobind.service
    else
        inst_hook pre-udev 30 "$moddir/vfiobind-pre-udev.sh"
    fi
}
