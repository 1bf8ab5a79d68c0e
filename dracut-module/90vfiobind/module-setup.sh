#!/bin/bash
# dracut module: run vfiobind before udev coldplug so native drivers never
# see the PCI devices (and SR-IOV functions) reserved for vfio.

# The binary installed as /usr/sbin/vfiobind in the image. Tests point this
# at an uninstalled build; real installs use the default.
vfiobind_binary() {
    echo "${VFIOBIND_BINARY:-$dracutsysrootdir/usr/sbin/vfiobind}"
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
    [[ -x "$(vfiobind_binary)" ]] || return 1
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

# vfio variant modules (vfio_pci: aliases in modules.alias) that match a PCI
# device of this host, the same way the binder ranks them at boot.
vfiobind_host_variants() {
    local _alias _pattern _mod _dev _modalias
    local -a _modaliases=()

    for _dev in /sys/bus/pci/devices/*/modalias; do
        [[ -r $_dev ]] || continue
        read -r _modalias < "$_dev" && _modaliases+=("vfio_$_modalias")
    done
    ((${#_modaliases[@]})) || return 0

    while read -r _alias _pattern _mod; do
        [[ $_alias == alias && $_pattern == vfio_pci:* ]] || continue
        # plain vfio_pci matches everything and is installed anyway
        [[ $_mod == vfio_pci ]] && continue
        for _modalias in "${_modaliases[@]}"; do
            # shellcheck disable=SC2053 # the alias is a glob on purpose
            if [[ $_modalias == $_pattern ]]; then
                echo "$_mod"
                break
            fi
        done
    done < "$srcmods/modules.alias"
}

installkernel() {
    local _mods

    # The binder loads these itself: driver_override never changes MODALIAS,
    # so udev would not load them. Forced even in host-only mode, where
    # they are usually not loaded on the host yet.
    hostonly='' instmods vfio vfio_pci vfio_iommu_type1 pci-stub pci-pf-stub

    if [[ $hostonly ]]; then
        _mods=$(vfiobind_host_variants)
        # shellcheck disable=SC2086
        [[ $_mods ]] && hostonly='' instmods $_mods
    else
        instmods "=drivers/vfio/pci"
    fi

    vfiobind_install_plan_modules
}

# Modules the configuration needs besides the vfio ones (SR-IOV PF drivers,
# drivers named in rules), as reported by the binder's own plan for this
# kernel. The plan is advisory: a binder that cannot plan on the build host
# (no such devices here, a config error) must not break the image.
vfiobind_install_plan_modules() {
    local _bin _out _mod _missing=()

    _bin=$(vfiobind_binary)
    _out=$("$_bin" --kver "$kernel" plan --modules 2> /dev/null) || return 0
    for _mod in $_out; do
        if modprobe -S "$kernel" -d "${dracutsysrootdir:-/}" -R "$_mod" > /dev/null 2>&1 \
            || [[ -d $dracutsysrootdir/sys/module/${_mod//-/_} ]]; then
            hostonly='' instmods "$_mod"
        else
            _missing+=("$_mod")
        fi
    done
    ((${#_missing[@]})) \
        && dwarn "vfiobind: configuration needs driver(s) not found for kernel $kernel: ${_missing[*]}"
    return 0
}

install() {
    inst_binary "$(vfiobind_binary)" /usr/sbin/vfiobind
    inst_multiple modprobe
    inst_multiple -o /etc/vfiobind.conf "/etc/vfiobind.d/*.conf"

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
