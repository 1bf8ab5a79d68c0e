# shellcheck shell=sh
# After boot, the late unit's apply (ExecStart) and export (ExecStartPost,
# both as in systemd/vfiobind.service) write the node_exporter textfile
# and the NFD feature file into the collectors' default directories, and
# change no binding.  Without those directories export writes nothing and
# succeeds.  The files and the JSON are printed for the host
# (tests/export/run), which feeds them to node_exporter, promtool and the
# JSON Schema.
prom=/var/lib/prometheus/node-exporter
nfd=/etc/kubernetes/node-feature-discovery/features.d
expect_status 0 /usr/sbin/vfiobind apply
vt_settle
vt_snapshot /tmp/export.before
expect_status 0 /usr/sbin/vfiobind export
expect_equal "" "$(ls -A /var/lib/prometheus /etc/kubernetes 2> /dev/null)" "no export without the collectors' directories"
mkdir -p "$prom" "$nfd"
expect_status 0 /usr/sbin/vfiobind export
expect_unchanged /tmp/export.before
expect_equal 'vfiobind_device_bound{address="0000:00:03.0",vendor="8086",device="100e",class="020000",iommu_group="2",planned_driver="vfio-pci",driver="vfio-pci"} 1' \
    "$(grep '^vfiobind_device_bound{address="0000:00:03.0"' "$prom/vfiobind.prom")" "the claimed e1000 bound as planned"
expect_equal 'vfiobind_sriov_vfs{pf="0000:01:00.0"} 2' "$(grep '^vfiobind_sriov_vfs{' "$prom/vfiobind.prom")" "both VFs present"
expect_equal "vfiobind-as-planned=true" "$(grep as-planned "$nfd/vfiobind")" "NFD: all as planned"
expect_equal "vfiobind.prom vfiobind" "$(cd "$prom" && ls -A) $(cd "$nfd" && ls -A)" "no temporary file left"
/usr/sbin/vfiobind plan --json > /tmp/plan.json
/usr/sbin/vfiobind status --json > /tmp/status.json
for f in "$prom/vfiobind.prom" "$nfd/vfiobind" /run/vfiobind/state.json /tmp/plan.json /tmp/status.json; do
    sed "s|^|VFIOBIND-EXPORT ${f##*/} |" "$f"
done
