# shellcheck shell=sh
# No rule at boot; a config file added later and `vfiobind apply` (what
# vfiobind.service runs on the installed system) claim the NIC, taking it
# from e1000, without a reboot.
expect_driver 00:03.0 e1000
mkdir -p /etc
echo "bind 0000:00:03.0" > /etc/vfiobind.conf
expect_status 0 vfiobind apply
expect_driver 00:03.0 vfio-pci
expect_kmsg 'vfiobind: 0000:00:03\.0: unbinding from e1000'
expect_group_viable 00:03.0
expect_vfio_open 00:03.0
expect_driver 00:04.0 e1000
