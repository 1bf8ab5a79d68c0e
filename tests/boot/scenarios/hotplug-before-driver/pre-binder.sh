# shellcheck shell=sh
# The only e1000e leaves before the boot-time run and coldplug, so its
# driver is never loaded before the device comes back.
echo 1 > /sys/bus/pci/devices/0000:00:05.0/remove
