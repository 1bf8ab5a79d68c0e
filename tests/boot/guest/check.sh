#!/bin/sh
# Common guest-side checker of the boot tests (POSIX sh; busybox ash is
# enough). Runs after the binder and coldplug, sources the scenario's
# /vfiobind-test/expect.sh and prints, after diagnostics, exactly one line
#   VFIOBIND-TEST-RESULT: PASS
#   VFIOBIND-TEST-RESULT: FAIL <reasons>
#
# Evidence comes from the kernel only: driver links, driver_override,
# iommu_group members, /sys/module, dmesg, and the vfio core itself
# (/vfiobind-test/vfio-check). The binder's own output decides nothing.
#
# With VFIOBIND_TEST_LIB=1 the file only defines its functions.

VT=/vfiobind-test
VT_RUN=/run/vfiobind-test
mkdir -p "$VT_RUN" 2> /dev/null || VT_RUN=/tmp/vfiobind-test
mkdir -p "$VT_RUN"
VT_FAILS=$VT_RUN/fails
VT_COUNT=$VT_RUN/checks

# --- plumbing --------------------------------------------------------------

vt_fail() {
    echo "$*" >> "$VT_FAILS"
    echo "vfiobind-test: FAIL: $*"
    return 1
}

vt_pass() {
    echo "vfiobind-test: ok: $*"
    return 0
}

vt_counted() {
    echo x >> "$VT_COUNT"
}

# 03.0, 00:03.0 and 0000:00:03.0 all name 0000:00:03.0.
vt_addr() {
    case $1 in
        ????:??:??.?) echo "$1" ;;
        ??:??.?) echo "0000:$1" ;;
        ??.?) echo "0000:00:$1" ;;
        *) echo "$1" ;;
    esac
}

vt_driver() {
    _l=$(readlink "/sys/bus/pci/devices/$1/driver" 2> /dev/null) || return 0
    echo "${_l##*/}"
}

# Empty when unset (the kernel shows "(null)").
vt_override() {
    _o=$(cat "/sys/bus/pci/devices/$1/driver_override" 2> /dev/null)
    [ "$_o" = "(null)" ] && _o=
    echo "$_o"
}

vt_group() {
    _l=$(readlink "/sys/bus/pci/devices/$1/iommu_group" 2> /dev/null) || return 0
    echo "${_l##*/}"
}

vt_group_members() {
    ls "/sys/kernel/iommu_groups/$1/devices" 2> /dev/null
}

vt_class() {
    cat "/sys/bus/pci/devices/$1/class" 2> /dev/null
}

vt_is_bridge() {
    case $(vt_class "$1") in 0x0604*) return 0 ;; esac
    return 1
}

# Drivers that do not claim DMA ownership (driver_managed_dma): vfio-pci,
# its variants (modules built on vfio_pci_core), pci-stub, pcieport.
vt_dma_safe_driver() {
    case $1 in
        "" | vfio-pci | pci-stub | pcieport) return 0 ;;
    esac
    _mod=$(readlink "/sys/bus/pci/drivers/$1/module" 2> /dev/null)
    _mod=${_mod##*/}
    [ -n "$_mod" ] && [ -e "/sys/module/vfio_pci_core/holders/$_mod" ]
}

vt_is_vfio_driver() {
    case $1 in
        vfio-pci) return 0 ;;
        "" | pci-stub | pcieport) return 1 ;;
    esac
    vt_dma_safe_driver "$1"
}

vt_need_device() {
    [ -e "/sys/bus/pci/devices/$1" ] && return 0
    vt_fail "$2: no PCI device $1 in the guest"
}

# vt_device ADDR CHECK: count CHECK, set _a to ADDR's full form, and fail
# CHECK when the guest has no such device.
vt_device() {
    vt_counted
    _a=$(vt_addr "$1")
    vt_need_device "$_a" "$2"
}

# Wait until PCI bindings and the module list stop changing (async probes,
# such as nvme's, finish after modprobe returns): stable for 1.5 s, at most
# about 30 s.
vt_state_line() {
    for _d in /sys/bus/pci/devices/*; do
        echo "${_d##*/} $(vt_driver "${_d##*/}")"
    done
    cut -d' ' -f1 /proc/modules 2> /dev/null
}

vt_settle() {
    _prev=
    _same=0
    _n=0
    while [ $_n -lt 60 ]; do
        _cur=$(vt_state_line)
        if [ "$_cur" = "$_prev" ]; then
            _same=$((_same + 1))
            [ $_same -ge 3 ] && return 0
        else
            _same=0
        fi
        _prev=$_cur
        sleep 0.5
        _n=$((_n + 1))
    done
    echo "vfiobind-test: bindings still changing after 30 s"
}

# Driver and driver_override of every PCI device, one line each: the
# machine's binding state as far as the binder can change it.
vt_binding_state() {
    for _d in /sys/bus/pci/devices/*; do
        _a=${_d##*/}
        echo "$_a driver=$(vt_driver "$_a") override=$(vt_override "$_a")"
    done
}

vt_show_devices() {
    echo "vfiobind-test: PCI devices (address class vendor:device group driver override):"
    for _d in /sys/bus/pci/devices/*; do
        _a=${_d##*/}
        printf '  %s %s %s:%s group=%s driver=%s override=%s%s\n' "$_a" "$(vt_class "$_a")" \
            "$(cat "$_d/vendor")" "$(cat "$_d/device")" "$(vt_group "$_a")" \
            "$(vt_driver "$_a")" "$(vt_override "$_a")" \
            "$([ -f "$_d/boot_vga" ] && [ "$(cat "$_d/boot_vga")" = 1 ] && echo ' boot_vga')"
    done
}

# --- expectations for expect.sh --------------------------------------------
# Every expect_* counts as one check, prints ok/FAIL, and returns 0/1.

# expect_device ADDR: the device exists (catches a QEMU topology that is
# not what the scenario thinks it is).
expect_device() {
    vt_device "$1" "expect_device" || return 1
    vt_pass "$_a exists"
}

# expect_driver ADDR DRIVER: ADDR is bound to the driver named DRIVER.
expect_driver() {
    vt_device "$1" "expect_driver $2" || return 1
    _got=$(vt_driver "$_a")
    [ "$_got" = "$2" ] && { vt_pass "$_a bound to $2"; return 0; }
    vt_fail "$_a bound to '${_got:-nothing}', expected $2"
}

# expect_vfio_driver ADDR: bound to vfio-pci or a vfio variant driver.
expect_vfio_driver() {
    vt_device "$1" "expect_vfio_driver" || return 1
    _got=$(vt_driver "$_a")
    vt_is_vfio_driver "$_got" && { vt_pass "$_a bound to vfio driver $_got"; return 0; }
    vt_fail "$_a bound to '${_got:-nothing}', expected a vfio driver"
}

# expect_not_driver ADDR DRIVER
expect_not_driver() {
    vt_device "$1" "expect_not_driver $2" || return 1
    _got=$(vt_driver "$_a")
    [ "$_got" != "$2" ] && { vt_pass "$_a not bound to $2 (${_got:-unbound})"; return 0; }
    vt_fail "$_a bound to $2, must not be"
}

# expect_not_vfio ADDR: neither vfio-pci nor a variant, nor overridden to one.
expect_not_vfio() {
    vt_device "$1" "expect_not_vfio" || return 1
    _got=$(vt_driver "$_a")
    _ov=$(vt_override "$_a")
    if vt_is_vfio_driver "$_got"; then
        vt_fail "$_a bound to $_got, must stay off vfio"
        return 1
    fi
    case $_ov in *vfio*)
        vt_fail "$_a has driver_override '$_ov', must stay off vfio"
        return 1 ;;
    esac
    vt_pass "$_a not on vfio (driver ${_got:-none}, override '${_ov}')"
}

# expect_no_driver ADDR
expect_no_driver() {
    vt_device "$1" "expect_no_driver" || return 1
    _got=$(vt_driver "$_a")
    [ -z "$_got" ] && { vt_pass "$_a unbound"; return 0; }
    vt_fail "$_a bound to $_got, expected no driver"
}

# expect_override ADDR VALUE
expect_override() {
    vt_device "$1" "expect_override $2" || return 1
    _got=$(vt_override "$_a")
    [ "$_got" = "$2" ] && { vt_pass "$_a driver_override is $2"; return 0; }
    vt_fail "$_a driver_override '${_got}', expected '$2'"
}

# expect_no_override ADDR
expect_no_override() {
    vt_device "$1" "expect_no_override" || return 1
    _got=$(vt_override "$_a")
    [ -z "$_got" ] && { vt_pass "$_a has no driver_override"; return 0; }
    vt_fail "$_a has driver_override '$_got', expected none"
}

# expect_same_group ADDR ADDR...: all in one IOMMU group.
expect_same_group() {
    vt_device "$1" "expect_same_group" || return 1
    _g=$(vt_group "$_a")
    [ -n "$_g" ] || { vt_fail "$_a has no IOMMU group"; return 1; }
    shift
    for _b in "$@"; do
        _b=$(vt_addr "$_b")
        if [ "$(vt_group "$_b")" != "$_g" ]; then
            vt_fail "$_b is in group '$(vt_group "$_b")', not $_a's group $_g"
            return 1
        fi
    done
    vt_pass "$_a $* share IOMMU group $_g"
}

# expect_group_viable ADDR: every member of ADDR's IOMMU group is unbound
# or on a driver that leaves DMA ownership free (vfio-pci and variants,
# pci-stub, pcieport), and, when the group has a vfio node, the vfio core
# itself reports the group viable.
expect_group_viable() {
    vt_device "$1" "expect_group_viable" || return 1
    _g=$(vt_group "$_a")
    [ -n "$_g" ] || { vt_fail "$_a has no IOMMU group"; return 1; }
    _bad=
    for _m in $(vt_group_members "$_g"); do
        _drv=$(vt_driver "$_m")
        vt_dma_safe_driver "$_drv" || _bad="$_bad $_m($_drv)"
    done
    if [ -n "$_bad" ]; then
        vt_fail "group $_g of $_a not viable: members on DMA-owning drivers:$_bad"
        return 1
    fi
    if [ -e "/dev/vfio/$_g" ]; then
        if [ -x $VT/vfio-check ]; then
            if ! $VT/vfio-check viable "$_g"; then
                vt_fail "vfio core says group $_g of $_a is not viable"
                return 1
            fi
        else
            echo "vfiobind-test: note: $VT/vfio-check missing, group $_g checked through sysfs only"
        fi
    fi
    vt_pass "group $_g of $_a viable: $(vt_group_members "$_g" | tr '\n' ' ')"
}

# expect_vfio_open ADDR: a VMM could use it now: the vfio core lets us set
# a container and type1 IOMMU and hands out the device fd.
expect_vfio_open() {
    vt_device "$1" "expect_vfio_open" || return 1
    if [ ! -x $VT/vfio-check ]; then
        vt_fail "expect_vfio_open $_a: $VT/vfio-check is not in the image"
        return 1
    fi
    _out=$($VT/vfio-check open "$_a" 2>&1) && { vt_pass "$_out"; return 0; }
    vt_fail "$_a not usable through vfio: $_out"
}

# expect_kmsg ERE: the kernel log has a matching line.
expect_kmsg() {
    vt_counted
    if dmesg | grep -E -q -e "$1"; then
        vt_pass "kernel log matches /$1/: $(dmesg | grep -E -e "$1" | head -n1)"
        return 0
    fi
    vt_fail "no kernel log line matches /$1/"
}

# expect_no_kmsg ERE: no kernel log line matches.
expect_no_kmsg() {
    vt_counted
    _l=$(dmesg | grep -E -e "$1" | head -n1)
    [ -z "$_l" ] && { vt_pass "no kernel log line matches /$1/"; return 0; }
    vt_fail "kernel log has /$1/: $_l"
}

# expect_output ERE CMD [ARG...]: CMD prints (stdout or stderr) a line
# matching ERE; for the binder's plan and pin on this kernel's sysfs.
expect_output() {
    vt_counted
    _re=$1
    shift
    _out=$("$@" 2>&1)
    if printf '%s\n' "$_out" | grep -E -q -e "$_re"; then
        vt_pass "'$*' prints /$_re/"
        return 0
    fi
    vt_fail "'$*' prints no line matching /$_re/: $(printf '%s\n' "$_out" | head -n 4 | tr '\n' '|')"
}

vt_module_loaded() {
    _m=$(echo "$1" | tr - _)
    grep -q "^$_m " /proc/modules
}

# expect_module_loaded MODULE
expect_module_loaded() {
    vt_counted
    vt_module_loaded "$1" && { vt_pass "module $1 loaded"; return 0; }
    vt_fail "module $1 not loaded"
}

# expect_module_not_loaded MODULE
expect_module_not_loaded() {
    vt_counted
    vt_module_loaded "$1" || { vt_pass "module $1 not loaded"; return 0; }
    vt_fail "module $1 loaded, expected not"
}

# expect_numvfs PF N: sriov_numvfs is N and N virtfn links exist.
expect_numvfs() {
    vt_device "$1" "expect_numvfs $2" || return 1
    _n=$(cat "/sys/bus/pci/devices/$_a/sriov_numvfs" 2> /dev/null)
    _l=$(vt_vfs "$_a" | wc -l)
    [ "$_n" = "$2" ] && [ "$_l" -eq "$2" ] && { vt_pass "$_a has $2 VFs"; return 0; }
    vt_fail "$_a sriov_numvfs '${_n}' with $_l virtfn links, expected $2"
}

# vt_vfs PF: the VF addresses of PF.
vt_vfs() {
    for _v in "/sys/bus/pci/devices/$1"/virtfn*; do
        [ -L "$_v" ] || continue
        _t=$(readlink "$_v")
        echo "${_t##*/}"
    done
}

# expect_vfs_driver PF DRIVER: PF has VFs and every one is on DRIVER.
expect_vfs_driver() {
    vt_device "$1" "expect_vfs_driver $2" || return 1
    _vfs=$(vt_vfs "$_a")
    [ -n "$_vfs" ] || { vt_fail "$_a has no VFs"; return 1; }
    for _v in $_vfs; do
        _got=$(vt_driver "$_v")
        if [ "$_got" != "$2" ]; then
            vt_fail "VF $_v of $_a bound to '${_got:-nothing}', expected $2"
            return 1
        fi
    done
    vt_pass "VFs of $_a on $2: $(echo "$_vfs" | tr '\n' ' ')"
}

# expect_no_vfio_anywhere: no device on a vfio driver, no vfio group node,
# no driver_override naming vfio.
expect_no_vfio_anywhere() {
    vt_counted
    _bad=
    for _d in /sys/bus/pci/devices/*; do
        _a=${_d##*/}
        _drv=$(vt_driver "$_a")
        vt_is_vfio_driver "$_drv" && _bad="$_bad $_a(driver $_drv)"
        case $(vt_override "$_a") in *vfio*) _bad="$_bad $_a(override)" ;; esac
    done
    for _n in /dev/vfio/*; do
        case ${_n##*/} in vfio | "*") ;; *) _bad="$_bad $_n" ;; esac
    done
    [ -z "$_bad" ] && { vt_pass "nothing on vfio"; return 0; }
    vt_fail "vfio in use:$_bad"
}

# expect_no_override_anywhere: no device has a driver_override.
expect_no_override_anywhere() {
    vt_counted
    _bad=
    for _d in /sys/bus/pci/devices/*; do
        _a=${_d##*/}
        _o=$(vt_override "$_a")
        [ -n "$_o" ] && _bad="$_bad $_a=$_o"
    done
    [ -z "$_bad" ] && { vt_pass "no driver_override set"; return 0; }
    vt_fail "driver_override set:$_bad"
}

# expect_boot_vga ADDR: the kernel considers ADDR the boot VGA device.
expect_boot_vga() {
    vt_device "$1" "expect_boot_vga" || return 1
    [ "$(cat "/sys/bus/pci/devices/$_a/boot_vga" 2> /dev/null)" = 1 ] &&
        { vt_pass "$_a is the boot VGA device"; return 0; }
    vt_fail "$_a is not the boot VGA device"
}

# expect_status N COMMAND...: COMMAND exits with status N (its output is
# shown, not judged).
expect_status() {
    vt_counted
    _want=$1
    shift
    "$@"
    _rc=$?
    [ "$_rc" = "$_want" ] && { vt_pass "'$*' exit status $_rc"; return 0; }
    vt_fail "'$*' exit status $_rc, expected $_want"
}

# expect_equal A B WHAT: two values the expect.sh computed are equal.
expect_equal() {
    vt_counted
    [ "$1" = "$2" ] && { vt_pass "$3 ($1)"; return 0; }
    vt_fail "$3: got '$2', expected '$1'"
}

# vt_vfio_aliases A: the modules whose vfio_pci: alias matches the device,
# in the order of the image's module index: the lines of modules.alias or,
# where only kmod's binary indexes are left (mkinitcpio; the kind
# minimal-binindex), what kmod's modprobe resolves from modules.alias.bin,
# listed by priority: depmod's module order, the order of modules.alias.
vt_vfio_aliases() {
    _m=$(cat "/sys/bus/pci/devices/$(vt_addr "$1")/modalias")
    _idx=/lib/modules/$(uname -r)
    if [ -f "$_idx/modules.alias" ]; then
        while read -r _k _p _mod; do
            case $_k:$_p in alias:vfio_pci:*) ;; *) continue ;; esac
            # shellcheck disable=SC2254 # the alias is the pattern
            case vfio_$_m in $_p) echo "$_mod" ;; esac
        done < "$_idx/modules.alias"
    else
        /sbin/modprobe -R "vfio_$_m" 2> /dev/null
    fi
}

# The kind minimal-binindex: the image keeps the indexes mkinitcpio keeps.
vt_binary_indexes_only() {
    _idx=/lib/modules/$(uname -r)
    echo "vfiobind-test: module indexes: $(cd "$_idx" && echo modules.*)"
    for _f in "$_idx"/modules.*; do
        case ${_f##*/} in
            *.bin | modules.devname | modules.softdep) ;;
            *) vt_fail "$_f is in the image, mkinitcpio deletes it" ;;
        esac
    done
    [ -f "$_idx/modules.alias.bin" ] || vt_fail "$_idx/modules.alias.bin is not in the image"
}

# vt_snapshot FILE / expect_unchanged FILE: the binding state (driver and
# driver_override of every PCI device, VF counts) is what FILE recorded.
vt_snapshot() {
    { vt_binding_state; cat /sys/bus/pci/devices/*/sriov_numvfs 2> /dev/null; } > "$1"
}

expect_unchanged() {
    vt_counted
    vt_snapshot "$VT_RUN/now"
    if cmp -s "$1" "$VT_RUN/now"; then
        vt_pass "binding state unchanged"
        return 0
    fi
    echo "vfiobind-test: before / after:"
    diff "$1" "$VT_RUN/now"
    vt_fail "binding state changed: $(diff "$1" "$VT_RUN/now" | grep '^[-+][0-9]' | tr '\n' ' ')"
}

# --- main --------------------------------------------------------------------

vt_main() {
    : > "$VT_FAILS"
    : > "$VT_COUNT"
    # Kernel lines must not cut into ours on the console; they stay in dmesg.
    dmesg -n 1 2> /dev/null || echo 1 > /proc/sys/kernel/printk
    vt_settle
    echo "vfiobind-test: ===== check on $(uname -r) ====="
    echo "vfiobind-test: cmdline: $(cat /proc/cmdline)"
    [ -f /run/vfiobind/state.json ] &&
        echo "vfiobind-test: binder's record (not judged): $(grep -o '"exit_status": [0-9]*' /run/vfiobind/state.json)"
    vt_show_devices
    echo "vfiobind-test: IOMMU groups:"
    for _g in /sys/kernel/iommu_groups/*; do
        [ -d "$_g" ] && echo "  ${_g##*/}: $(vt_group_members "${_g##*/}" | tr '\n' ' ')"
    done
    echo "vfiobind-test: kernel log of the binder:"
    dmesg | grep -i 'vfiobind' | sed 's/^/  /'

    if [ ! -x /usr/sbin/vfiobind ]; then
        vt_fail "/usr/sbin/vfiobind is not in the image"
    fi
    [ -f $VT/binary-indexes-only ] && vt_binary_indexes_only
    if [ ! -f $VT/expect.sh ]; then
        vt_fail "$VT/expect.sh is not in the image"
    else
        echo "vfiobind-test: ----- expect.sh -----"
        rm -f "$VT_RUN/expect-done"
        (
            # shellcheck disable=SC1091 # the scenario's checks
            . $VT/expect.sh
            : > "$VT_RUN/expect-done"
        )
        [ -f "$VT_RUN/expect-done" ] || vt_fail "expect.sh stopped before its end"
        [ -s "$VT_COUNT" ] || vt_fail "expect.sh made no checks"
    fi
    echo "vfiobind-test: $(wc -l < "$VT_COUNT") checks, $(wc -l < "$VT_FAILS") failed"
    if [ -s "$VT_FAILS" ]; then
        echo "VFIOBIND-TEST-RESULT: FAIL $(tr '\n' ';' < "$VT_FAILS" | sed 's/;$//; s/;/; /g' | cut -c1-1500)"
    else
        echo "VFIOBIND-TEST-RESULT: PASS"
    fi
}

[ "${VFIOBIND_TEST_LIB:-}" = 1 ] || vt_main
