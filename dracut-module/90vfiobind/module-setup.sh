#!/bin/bash
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

# Reads the binder's JSON plan (one key per line) from stdin and prints
#   module NAME       a module the plan loads for a claimed device
#   native PF         a PF kept on its native driver for SR-IOV
#   driver NAME       a driver named for VFs
#   msg TEXT          a plan error or warning
vfiobind_plan_items() {
    local _line _key _val _section='' _pf='' _mode='' _vfs=''
    while IFS= read -r _line; do
        case $_line in
            *'"devices": ['* | *'"refused": ['* | *'"sriov": ['* | *'"errors": ['* | *'"warnings": ['*)
                _section=${_line#*\"}
                _section=${_section%%\"*}
                continue
                ;;
        esac
        if [[ $_section == errors || $_section == warnings ]]; then
            [[ $_line == *\"*\"* ]] || continue
            _val=${_line#*\"}
            _val=${_val%\"*}
            _val=${_val//\\\"/\"}
            echo "msg ${_val//\\\\/\\}"
            continue
        fi
        if [[ $_line == *'}'* && $_section == sriov && $_pf ]]; then
            [[ $_mode == native ]] && echo "native $_pf"
            [[ $_vfs && $_vfs != vfio && $_vfs != host ]] && echo "driver $_vfs"
            _pf='' _mode='' _vfs=''
            continue
        fi
        [[ $_line =~ ^[[:space:]]*\"([a-z_]+)\":\ \"([^\"]*)\" ]] || continue
        _key=${BASH_REMATCH[1]}
        _val=${BASH_REMATCH[2]}
        case $_section:$_key in
            devices:module) [[ $_val ]] && echo "module $_val" ;;
            sriov:pf) _pf=$_val ;;
            sriov:pf_mode) _mode=$_val ;;
            sriov:vfs) _vfs=$_val ;;
        esac
    done
}

# Modules the configuration needs besides the vfio ones (native SR-IOV PF
# drivers, drivers named in rules), from the binder's own plan against this
# host for the target kernel. The plan is advisory: it needs the devices
# and an active IOMMU on the build host, and a binder that cannot plan here
# must not break the image. A --sysroot build is for another machine:
# this host's devices say nothing about it.
vfiobind_install_plan_modules() {
    local _json _kind _arg _modalias _mod _found _missing=()
    local -A _mods=()

    [[ $dracutsysrootdir ]] && return 0
    _json=$("$(vfiobind_binary)" --kver "$kernel" --json plan 2> /dev/null)
    [[ $_json == *'"version"'* ]] || {
        dinfo "vfiobind: no plan on this host; installing the vfio modules only"
        return 0
    }

    while read -r _kind _arg; do
        case $_kind in
            module | driver) _mods[$_arg]=1 ;;
            native)
                _modalias=
                read -r _modalias < "/sys/bus/pci/devices/$_arg/modalias" 2> /dev/null
                read -r -d '' -a _found < <(modprobe -S "$kernel" -R "$_modalias" 2> /dev/null)
                if ((${#_found[@]})); then
                    for _mod in "${_found[@]}"; do
                        _mods[$_mod]=1
                    done
                else
                    _missing+=("native driver of SR-IOV PF $_arg")
                fi
                ;;
            msg)
                if [[ $hostonly ]]; then
                    dwarn "vfiobind plan for this host: $_arg"
                else
                    dinfo "vfiobind plan for this host: $_arg"
                fi
                ;;
        esac
    done < <(vfiobind_plan_items <<< "$_json")

    for _mod in "${!_mods[@]}"; do
        if modprobe -S "$kernel" -n -q "$_mod" 2> /dev/null; then
            hostonly='' instmods "$_mod"
        else
            _missing+=("$_mod")
        fi
    done
    ((${#_missing[@]} == 0)) \
        || dwarn "vfiobind: not in the image, not available for kernel $kernel: ${_missing[*]}"
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
