# shellcheck shell=sh
# Sourced by the minimal image's /init for tests/boot/record-fixture: dump
# the PCI part of sysfs as a "vfiobind fixture v1" body and send it to the
# second serial port (/dev/ttyS1), away from kernel console output.
#
# /vfiobind-test/record.conf sets:
#   RECORD_STATES  "initial" (before native drivers), "bound" (after
#                  coldplug and record-run.sh), or both, in that order
# /vfiobind-test/record-run.sh (optional) runs after coldplug.
#
# Raw lines here are "F path hexbytes..." and "L path target"; one awk pass
# turns them into "f path content" with the fixture escapes.

# The od words are split on purpose: one hex byte per awk field.
# shellcheck disable=SC2086
vt_rec_file() {
    _data=$(od -An -v -tx1 "/$1" 2> /dev/null) || return 0
    echo "F $1" $_data
}

# write-only attributes the binder uses: present, nothing to read
vt_rec_empty() {
    [ -e "/$1" ] && echo "F $1"
}

vt_rec_link() {
    [ -L "/$1" ] && echo "L $1 $(readlink "/$1")"
}

vt_rec_raw() {
    for _d in sys/bus/pci/devices sys/bus/pci/drivers sys/kernel/iommu_groups; do
        [ -d "/$_d" ] && echo "D $_d"
    done
    for _l in /sys/bus/pci/devices/*; do
        vt_rec_link "${_l#/}"
        _d=$(readlink -f "$_l")
        _p=${_d#/}
        for _f in vendor device subsystem_vendor subsystem_device class revision \
            modalias boot_vga driver_override secondary_bus_number subordinate_bus_number \
            sriov_totalvfs sriov_numvfs sriov_offset sriov_stride sriov_vf_device \
            sriov_drivers_autoprobe sriov_vf_total_msix; do
            [ -e "$_d/$_f" ] && vt_rec_file "$_p/$_f"
        done
        # PCIe functions: the extended capabilities too (a Device Serial
        # Number), up to their last nonzero byte
        if [ "$(wc -c < "$_d/config")" -gt 256 ]; then
            _data=$(od -An -v -tx1 "$_d/config" | awk '
                { for (i = 1; i <= NF; i++) b[n++] = $i }
                END { while (n > 64 && b[n - 1] == "00") n--
                      for (i = 0; i < n; i++) printf " %s", b[i] }')
        else
            _data=$(head -c 64 "$_d/config" | od -An -v -tx1)
        fi
        # shellcheck disable=SC2086
        echo "F $_p/config" $_data
        for _f in driver iommu_group physfn "$_d"/virtfn*; do
            vt_rec_link "$_p/${_f##*/}"
        done
    done
    for _s in /sys/bus/pci/slots/*; do
        [ -f "$_s/address" ] && vt_rec_file "${_s#/}/address"
    done
    vt_rec_empty sys/bus/pci/drivers_probe
    vt_rec_file sys/bus/pci/drivers_autoprobe
    for _drv in /sys/bus/pci/drivers/*; do
        _p=${_drv#/}
        for _f in bind unbind new_id remove_id; do
            vt_rec_empty "$_p/$_f"
        done
        vt_rec_link "$_p/module"
        for _f in "$_drv"/????:??:??.?; do
            vt_rec_link "${_f#/}"
        done
    done
    for _f in /sys/module/*/drivers/pci:*; do
        vt_rec_link "${_f#/}"
    done
    for _g in /sys/kernel/iommu_groups/*; do
        [ -d "$_g" ] || continue
        vt_rec_file "${_g#/}/type"
        for _f in "$_g"/devices/*; do
            vt_rec_link "${_f#/}"
        done
    done
    vt_rec_file proc/cmdline
    # vfio variant drivers are found through these alias lines
    grep '^alias vfio_pci:' "/lib/modules/$(uname -r)/modules.alias" > /tmp/vfio-aliases
    _data=$(od -An -v -tx1 /tmp/vfio-aliases)
    # shellcheck disable=SC2086
    echo "F lib/modules/$(uname -r)/modules.alias" $_data
}

vt_rec_cook() {
    awk '
    BEGIN {
        for (i = 0; i < 256; i++) {
            h = sprintf("%02x", i)
            if (i == 92) esc[h] = "\\\\"
            else if (i == 10) esc[h] = "\\n"
            else if (i == 9) esc[h] = "\\t"
            else if (i >= 32 && i <= 126) esc[h] = sprintf("%c", i)
            else esc[h] = "\\x" h
        }
    }
    $1 == "D" { print "d " $2; next }
    $1 == "L" { print "l " $2 " " $3; next }
    $1 == "F" {
        s = ""
        for (i = 3; i <= NF; i++) s = s esc[$i]
        print "f " $2 " " s
    }'
}

vt_rec_state() {
    _label=$1
    vt_rec_raw | vt_rec_cook > /tmp/fixture
    {
        echo "=== vfiobind-fixture BEGIN $_label ==="
        cat /tmp/fixture
        echo "=== vfiobind-fixture END $_label $(wc -l < /tmp/fixture) ==="
    } > /dev/ttyS1
    echo "vfiobind-test: recorded state '$_label': $(wc -l < /tmp/fixture) entries"
}

RECORD_STATES=initial
# shellcheck disable=SC1091 # written by record-fixture
. /vfiobind-test/record.conf
stty -F /dev/ttyS1 raw -echo 2> /dev/null
for _s in $RECORD_STATES; do
    case $_s in
        initial)
            vt_settle
            vt_rec_state initial
            ;;
        bound)
            vt_coldplug
            if [ -f /vfiobind-test/record-run.sh ]; then
                echo "vfiobind-test: running record-run.sh"
                sh -x /vfiobind-test/record-run.sh
                echo "vfiobind-test: record-run.sh exit status $?"
            fi
            vt_settle
            vt_rec_state bound
            ;;
    esac
done
echo "vfiobind-test: PCI devices at the end:"
vt_show_devices
