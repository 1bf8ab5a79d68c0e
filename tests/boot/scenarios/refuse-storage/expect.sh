# shellcheck shell=sh
# q35's SMBus 00:1f.3 shares a group with the ICH9 AHCI 00:1f.2: claiming
# it would take the storage controller too, so the group is refused and
# left exactly as the host has it; the other rule still applies.
expect_same_group 00:1f.3 00:1f.2 00:1f.0
expect_kmsg 'vfiobind: .*0000:00:1f\.3.*refused'
expect_driver 00:1f.2 ahci
expect_driver 00:1f.3 i801_smbus
expect_driver 00:1f.0 lpc_ich
expect_no_override 00:1f.0
expect_no_override 00:1f.2
expect_no_override 00:1f.3
expect_driver 00:03.0 vfio-pci
expect_driver 00:04.0 e1000
